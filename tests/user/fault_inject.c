// SPDX-License-Identifier: GPL-2.0
/*
 * fault_inject: any allocation on iomd's paths can fail, and every such
 * failure unwinds cleanly.
 *
 * On a kernel with fault injection (the debug kernel), each operation
 * below runs again and again with the Nth fault-injectable allocation of
 * the calling thread made to fail (/proc/thread-self/fail-nth, with
 * failslab and fail_page_alloc set to fail sleeping allocations of every
 * order), for N = 1, 2, ... until a run completes without reaching its
 * Nth allocation.  Every run must succeed or fail with ENOMEM, and once
 * the run's objects are released the module's live counts (descriptors,
 * bytes, zone elements, pinned pages) must be what they were before: no
 * leak and no double release, with KASAN, kmemleak and lockdep watching
 * the rest.  Only the operation itself runs with a failure armed; its
 * set-up and clean-up run without.  Kernels without fault injection skip
 * the test.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iomd_sample.h>

#include "iomd_test.h"

/* TAP lines per operation. */
#define CHECKS		4

/* No operation reaches this many allocations. */
#define MAX_NTH		400

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DEBUGFS		"/sys/kernel/debug/"
#define SAMPLE_DEV	"/dev/" IOMD_SAMPLE_DEVICE_NAME

static int iomd_fd;
static int nth_fd = -1;
static size_t page;

/* Arm a failure of this thread's @n-th allocation from now on. */
static void fail_start(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		iomd_tap_bail("cannot write %s: %s", FAIL_NTH, strerror(errno));
}

/* Disarm; return how many allocations the armed failure still awaited. */
static unsigned int fail_stop(void)
{
	char buf[16] = "";
	ssize_t got;

	got = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (pwrite(nth_fd, "0", 1, 0) != 1 || got <= 0)
		iomd_tap_bail("cannot use %s: %s", FAIL_NTH, strerror(errno));
	return strtoul(buf, NULL, 10);
}

/* Write @value to the debugfs file @name; 0 or -errno. */
static int debugfs_set(const char *name, const char *value)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Let failslab and fail_page_alloc fail what iomd allocates: sleeping
 * allocations, of any order, quietly.  With @on false, their defaults.
 */
static int fail_setup(bool on)
{
	static const char *const attrs[][3] = {
		/* file, while testing, default */
		{ "failslab/ignore-gfp-wait", "N", "Y" },
		{ "failslab/verbose", "0", "2" },
		{ "fail_page_alloc/ignore-gfp-wait", "N", "Y" },
		{ "fail_page_alloc/min-order", "0", "1" },
		{ "fail_page_alloc/verbose", "0", "2" },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		ret = debugfs_set(attrs[i][0], attrs[i][on ? 1 : 2]);
		if (ret)
			return ret;
	}
	return 0;
}

/* What one run of an operation made, for its clean-up. */
struct run {
	void *mem;		/* user memory, from set-up */
	size_t len;
	int sfd;		/* sample driver file, from set-up */
	int fd;			/* descriptor */
	void *addr;		/* its mapping */
	size_t map_len;		/* whole pages mapped at @addr */
};

/*
 * An operation on @pages pages or @bytes bytes: @setup (optional) and
 * @cleanup run unarmed, @armed with a failure armed; @armed returns 0 or
 * -errno.
 */
struct op {
	const char *name;
	size_t pages;
	size_t bytes;
	void (*setup)(struct run *r);
	int (*armed)(struct run *r);
	void (*cleanup)(struct run *r);
};

/* Map all of r->fd read-write with mmap() of the descriptor. */
static int map_all(struct run *r)
{
	int ret = iomd_map(r->fd, 0, r->len, PROT_READ | PROT_WRITE, &r->addr);

	r->map_len = r->len;
	return ret;
}

/* Map all of r->fd with IOMD_IOC_MAP: a mapping object, prefaulted. */
static int map_ioctl(struct run *r)
{
	struct iomd_map_create m;
	int ret;

	ret = iomd_map_create(iomd_fd, r->fd, 0, 0, 0, 0, &m);
	if (!ret) {
		r->addr = (void *)(uintptr_t)m.map_addr;
		r->map_len = m.map_length;
	}
	return ret;
}

/* Unmap and close whatever the armed part made. */
static void cleanup_desc(struct run *r)
{
	if (r->addr)
		munmap(r->addr, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
}

/* A buffer of r->len bytes, mapped by mmap(). */
static int armed_buffer(struct run *r)
{
	r->fd = iomd_buffer_create(iomd_fd, r->len, 0, IOMD_TEST_SHARED_INOUT);
	return r->fd < 0 ? r->fd : map_all(r);
}

/* A buffer of r->len bytes, mapped by IOMD_IOC_MAP (huge from 2 MiB). */
static int armed_buffer_ioctl(struct run *r)
{
	r->fd = iomd_buffer_create(iomd_fd, r->len, 0, IOMD_TEST_SHARED_INOUT);
	return r->fd < 0 ? r->fd : map_ioctl(r);
}

/* Shared memory of this process, every page written. */
static void setup_user(struct run *r)
{
	r->mem = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->mem == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memset(r->mem, 0x5a, r->len);
}

/* Describe and wire the memory in one call, then map the descriptor. */
static int armed_user(struct run *r)
{
	struct iomd_range range = {
		.addr = (uintptr_t)r->mem, .length = r->len,
	};

	r->fd = iomd_user_create(iomd_fd, &range, 1,
				 IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	return r->fd < 0 ? r->fd : map_ioctl(r);
}

static void cleanup_user(struct run *r)
{
	if (r->fd >= 0)
		iomd_complete(iomd_fd, r->fd);
	cleanup_desc(r);
	munmap(r->mem, r->len);
}

static void setup_sample(struct run *r)
{
	r->sfd = open(SAMPLE_DEV, O_RDWR | O_CLOEXEC);
	if (r->sfd < 0)
		iomd_tap_bail("open %s: %s", SAMPLE_DEV, strerror(errno));
}

/* 40 requests from the sample driver's zone (no per-CPU caches). */
static int armed_requests(struct run *r)
{
	struct iomd_sample_requests req = { .count = 40 };

	if (ioctl(r->sfd, IOMD_SAMPLE_IOC_ALLOC, &req))
		return -errno;
	/* The driver stops at the first refusal without an error. */
	return req.done == req.count ? 0 : -ENOMEM;
}

/* Closing the driver's file frees its requests. */
static void cleanup_sample(struct run *r)
{
	close(r->sfd);
}

/* The sample driver exports memory it allocates with @memory. */
static int armed_export(struct run *r, unsigned int memory)
{
	struct iomd_sample_export e = { .memory = memory, .size = r->len };

	if (ioctl(r->sfd, IOMD_SAMPLE_IOC_EXPORT, &e))
		return -errno;
	r->fd = e.fd;
	return 0;
}

/* Pages of iomd_malloc_aligned(), exported and mapped. */
static int armed_export_pages(struct run *r)
{
	int ret = armed_export(r, IOMD_SAMPLE_MEM_ALIGNED);

	return ret ? ret : map_all(r);
}

/* Zone memory of iomd_malloc() (a cached class), exported and read. */
static int armed_export_zone(struct run *r)
{
	char buf[100];
	int ret = armed_export(r, IOMD_SAMPLE_MEM_MALLOC);

	return ret ? ret : iomd_kread(iomd_fd, r->fd, 0, buf, sizeof(buf));
}

static void cleanup_export(struct run *r)
{
	cleanup_desc(r);
	close(r->sfd);
}

/* The live counts a run must leave as it found them. */
static bool same_counts(const struct iomd_stats *a, const struct iomd_stats *b,
			bool objects)
{
	if (objects)
		return a->live_descriptors == b->live_descriptors &&
		       a->live_bytes == b->live_bytes;
	return a->live_zone_elements == b->live_zone_elements &&
	       a->pinned_pages == b->pinned_pages;
}

/* Say how the live counts after failing allocation @n differ. */
static void diag_counts(const char *name, unsigned int n,
			const struct iomd_stats *before,
			const struct iomd_stats *after)
{
	iomd_tap_diag("%s: allocation %u failed; live now (before):",
		      name, n);
	iomd_tap_diag("  descriptors %llu (%llu), bytes %llu (%llu)",
		      (unsigned long long)after->live_descriptors,
		      (unsigned long long)before->live_descriptors,
		      (unsigned long long)after->live_bytes,
		      (unsigned long long)before->live_bytes);
	iomd_tap_diag("  zone elements %llu (%llu), pinned pages %llu (%llu)",
		      (unsigned long long)after->live_zone_elements,
		      (unsigned long long)before->live_zone_elements,
		      (unsigned long long)after->pinned_pages,
		      (unsigned long long)before->pinned_pages);
}

static void run_op(const struct op *op)
{
	unsigned int n, left = 0, failures = 0, odd = 0, leaks = 0;
	struct iomd_stats before, after;
	struct run r;
	int ret = 0;

	iomd_test_stats(iomd_fd, &before);
	for (n = 1; n <= MAX_NTH; n++) {
		memset(&r, 0, sizeof(r));
		r.fd = -1;
		r.sfd = -1;
		r.len = op->pages ? op->pages * page : op->bytes;
		if (op->setup)
			op->setup(&r);
		fail_start(n);
		ret = op->armed(&r);
		left = fail_stop();
		op->cleanup(&r);

		if (ret)
			failures++;
		if (ret && ret != -ENOMEM && !odd++)
			iomd_tap_diag("%s: allocation %u failing gave %s",
				      op->name, n, strerror(-ret));
		iomd_test_settle(iomd_fd, before.live_descriptors,
				 before.live_bytes, &after);
		if ((!same_counts(&before, &after, true) ||
		     !same_counts(&before, &after, false)) && !leaks++)
			diag_counts(op->name, n, &before, &after);
		/* The run never reached its Nth allocation: all were tried. */
		if (left)
			break;
	}
	iomd_tap_ok(left && !ret,
		    "%s: succeeds once no allocation fails (%u allocations failed in turn)",
		    op->name, n - 1);
	iomd_tap_ok(failures > 0, "%s: injected failures made it fail",
		    op->name);
	iomd_tap_eq(odd, 0, "%s: every failure is ENOMEM", op->name);
	iomd_tap_eq(leaks, 0, "%s: every run leaves the live counts as it found them",
		    op->name);
}

static const struct op ops[] = {
	{
		.name = "buffer of 16 pages, mmap()ed",
		.pages = 16,
		.armed = armed_buffer,
		.cleanup = cleanup_desc,
	}, {
		.name = "buffer of 16 pages, IOMD_IOC_MAP",
		.pages = 16,
		.armed = armed_buffer_ioctl,
		.cleanup = cleanup_desc,
	}, {
		.name = "buffer of 4 MiB (2 MiB folios), IOMD_IOC_MAP",
		.bytes = 4 << 20,
		.armed = armed_buffer_ioctl,
		.cleanup = cleanup_desc,
	}, {
		.name = "user memory described, wired, IOMD_IOC_MAP",
		.pages = 16,
		.setup = setup_user,
		.armed = armed_user,
		.cleanup = cleanup_user,
	}, {
		.name = "40 requests from a driver zone",
		.setup = setup_sample,
		.armed = armed_requests,
		.cleanup = cleanup_sample,
	}, {
		.name = "iomd_malloc_aligned pages exported and mapped",
		.pages = 2,
		.setup = setup_sample,
		.armed = armed_export_pages,
		.cleanup = cleanup_export,
	}, {
		.name = "iomd_malloc zone memory exported and read",
		.bytes = 100,
		.setup = setup_sample,
		.armed = armed_export_zone,
		.cleanup = cleanup_export,
	},
};

int main(void)
{
	unsigned int i;
	int ret;

	page = iomd_page_size();
	iomd_tap_plan(ARRAY_SIZE(ops) * CHECKS);
	iomd_fd = iomd_test_open();
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		iomd_tap_skip_to(ARRAY_SIZE(ops) * CHECKS,
				 "no fault injection in this kernel (no " FAIL_NTH ")");
		return iomd_tap_finish();
	}
	ret = fail_setup(true);
	if (ret) {
		iomd_tap_diag("failslab/fail_page_alloc: %s", strerror(-ret));
		iomd_tap_skip_to(ARRAY_SIZE(ops) * CHECKS,
				 "cannot set up failslab and fail_page_alloc");
		return iomd_tap_finish();
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		run_op(&ops[i]);
	fail_setup(false);
	close(nth_fd);
	return iomd_tap_finish();
}
