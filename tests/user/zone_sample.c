// SPDX-License-Identifier: GPL-2.0
/*
 * zone_sample: zones and sharing rules, seen from user space through the
 * sample driver (/dev/iomd_sample).
 *
 * The driver allocates requests from its own bounded zone; the test runs
 * a workload, checks the zone's statistics through IOMD_IOC_ZONE_INFO and
 * checks that `iomdctl zprint` prints the same numbers.  Then the driver
 * shares memory it allocated: zone memory and partial pages are refused
 * with EPERM and a reason naming the remedy; whole pages map and show the
 * same bytes to kernel and user.
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

#define PLAN	55

static int iomd_fd;
static size_t page;

/* The sample zone's statistics, or bail out. */
static void sample_zone(struct iomd_zone_info *zi)
{
	char name[IOMD_ZONE_NAME_MAX];
	unsigned int i;

	for (i = 0; iomd_zone_info(iomd_fd, i, zi, name) == 0; i++)
		if (!strcmp(name, IOMD_SAMPLE_ZONE_NAME))
			return;
	iomd_tap_bail("zone %s not listed", IOMD_SAMPLE_ZONE_NAME);
}

static int sample_requests(int sfd, unsigned long cmd, unsigned int count)
{
	struct iomd_sample_requests r = { .count = count };

	if (ioctl(sfd, cmd, &r))
		return -errno;
	return r.done;
}

/* Parse `iomdctl zprint NAME` and compare with @zi. */
static void check_zprint(const struct iomd_zone_info *zi)
{
	unsigned long long v[7];
	char line[256], name[64];
	bool found = false;
	FILE *f;

	f = popen("iomdctl zprint " IOMD_SAMPLE_ZONE_NAME, "r");
	if (!iomd_tap_ok(f, "run iomdctl zprint")) {
		iomd_tap_skip_to(iomd_tap_count() + 7, "no iomdctl");
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu %llu %llu %llu %llu %llu %llu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6]) == 8 &&
		    !strcmp(name, IOMD_SAMPLE_ZONE_NAME))
			found = true;
	iomd_tap_errno(pclose(f) ? -EIO : 0, 0, "iomdctl zprint exits 0");
	if (!iomd_tap_ok(found, "zprint lists %s", IOMD_SAMPLE_ZONE_NAME)) {
		iomd_tap_skip_to(iomd_tap_count() + 5, "no zprint line");
		return;
	}
	iomd_tap_eq(v[0], zi->elem_size, "zprint elem_size");
	iomd_tap_eq(v[1], zi->in_use, "zprint in_use");
	iomd_tap_eq(v[2], zi->peak, "zprint peak");
	iomd_tap_eq(v[4] * 1000000 + v[5], zi->total_allocs * 1000000 +
		    zi->total_frees, "zprint allocs and frees");
	iomd_tap_eq(v[6], zi->failures, "zprint failures");
}

static void test_zone_workload(void)
{
	struct iomd_zone_info base, zi;
	const unsigned int limit = IOMD_SAMPLE_ZONE_LIMIT;
	int sfd, ret;

	sfd = open("/dev/" IOMD_SAMPLE_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (sfd < 0)
		iomd_tap_bail("cannot open the sample driver: %s",
			      strerror(errno));
	sample_zone(&base);
	iomd_tap_eq(base.elem_size, IOMD_SAMPLE_REQUEST_SIZE,
		    "zone element size");
	iomd_tap_eq(base.limit, limit, "zone limit");
	iomd_tap_eq(base.in_use, 0, "zone starts empty");

	iomd_tap_eq(sample_requests(sfd, IOMD_SAMPLE_IOC_ALLOC, 10), 10,
		    "allocate 10 requests");
	iomd_tap_eq(sample_requests(sfd, IOMD_SAMPLE_IOC_FREE, 3), 3,
		    "free 3 requests");
	ret = sample_requests(sfd, IOMD_SAMPLE_IOC_ALLOC, limit * 2);
	iomd_tap_eq(ret, limit - 7,
		    "allocation stops at the zone limit, without error");
	iomd_tap_eq(sample_requests(sfd, IOMD_SAMPLE_IOC_ALLOC, 1), 0,
		    "a full zone refuses the next request");

	sample_zone(&zi);
	iomd_tap_eq(zi.in_use, limit, "in_use is the limit");
	iomd_tap_eq(zi.peak, limit, "peak is the limit");
	iomd_tap_eq(zi.total_allocs - base.total_allocs, 10 + limit - 7,
		    "total allocations");
	iomd_tap_eq(zi.total_frees - base.total_frees, 3, "total frees");
	iomd_tap_eq(zi.failures - base.failures, 2,
		    "two refusals counted as failures");
	check_zprint(&zi);

	iomd_tap_eq(sample_requests(sfd, IOMD_SAMPLE_IOC_FREE, 5), 5,
		    "free 5 requests");
	iomd_tap_eq(sample_requests(sfd, IOMD_SAMPLE_IOC_ALLOC, 1), 1,
		    "the zone recovers after frees");
	close(sfd);
	sample_zone(&zi);
	iomd_tap_eq(zi.in_use, 0, "closing the driver's file frees them all");
	iomd_tap_eq(zi.total_allocs - zi.total_frees, 0,
		    "allocations and frees balance");
}

/* Mapping @fd fails with EPERM and a reason that contains @remedy. */
static void check_refused(int fd, size_t len, const char *remedy,
			  const char *what)
{
	char reason[256];
	void *addr;
	int ret;

	ret = iomd_map(fd, 0, len, PROT_READ | PROT_WRITE, &addr);
	iomd_tap_errno(ret, EPERM, "%s: mmap refused", what);
	if (!ret)
		iomd_unmap(addr, len);
	ret = iomd_test_last_err(iomd_fd, fd, reason, sizeof(reason));
	iomd_tap_eq(ret, -EPERM, "%s: reason carries EPERM", what);
	if (!iomd_tap_ok(strstr(reason, remedy),
			 "%s: reason names the remedy", what))
		iomd_tap_diag("reason: %s", reason);
}

/* Mapping @fd works and kernel and user see the same bytes. */
static void check_shared(int fd, size_t len, const char *what)
{
	static const char from_user[] = "written by user";
	static const char from_kernel[] = "written by kernel";
	char buf[sizeof(from_user)];
	char *map;
	void *addr;
	int ret;

	ret = iomd_map(fd, 0, len, PROT_READ | PROT_WRITE, &addr);
	if (!iomd_tap_errno(ret, 0, "%s: mmap", what)) {
		iomd_tap_skip_to(iomd_tap_count() + 2, "not mapped");
		return;
	}
	map = addr;
	memcpy(map + len - page + 7, from_user, sizeof(from_user));
	ret = iomd_kread(iomd_fd, fd, len - page + 7, buf, sizeof(buf));
	iomd_test_str(ret, buf, from_user, "%s: kernel reads user's bytes",
		      what);
	ret = iomd_kwrite(iomd_fd, fd, 3, from_kernel, sizeof(from_kernel));
	iomd_test_str(ret, map + 3, from_kernel,
		      "%s: user reads kernel's bytes", what);
	iomd_unmap(map, len);
}

static void test_sharing(void)
{
	struct iomd_stats before, st;
	int fd;

	iomd_test_stats(iomd_fd, &before);

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_MALLOC, 100, 0);
	iomd_tap_ok(fd >= 0, "export 100 bytes of iomd_malloc memory");
	check_refused(fd, page, "iomd_malloc_aligned", "zone memory");
	close(fd);

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_ALIGNED, 2 * page + 100, 0);
	iomd_tap_ok(fd >= 0, "export 2 pages + 100 bytes from iomd_malloc_aligned");
	check_refused(fd, 3 * page, "page-multiple", "partial last page");
	close(fd);

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_ALIGNED, 2 * page, 100);
	iomd_tap_ok(fd >= 0, "export aligned pages from byte 100");
	check_refused(fd, 2 * page, "page-aligned", "range starting mid-page");
	close(fd);

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_ALIGNED, 2 * page, 0);
	iomd_tap_ok(fd >= 0, "export 2 pages of iomd_malloc_aligned memory");
	check_shared(fd, 2 * page, "aligned pages");
	close(fd);

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_CONTIGUOUS, 3 * page, 0);
	iomd_tap_ok(fd >= 0, "export 3 contiguous pages");
	check_shared(fd, 3 * page, "contiguous pages");
	close(fd);

	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "every exported descriptor is gone");
	iomd_tap_eq(st.live_zone_elements, before.live_zone_elements,
		    "the driver's memory went back with its descriptors");
}

/* Elements cached (*@cached) and in use (*@in_use) over every zone. */
static void sum_zones(uint64_t *cached, uint64_t *in_use)
{
	struct iomd_zone_info zi;
	unsigned int i;

	*cached = 0;
	*in_use = 0;
	for (i = 0; iomd_zone_info(iomd_fd, i, &zi, NULL) == 0; i++) {
		*cached += zi.cached;
		*in_use += zi.in_use;
	}
}

/*
 * Zones keep freed elements in per-CPU caches; memory pressure (here
 * drop_caches, which runs every shrinker) empties them all.
 */
static void test_shrinker(void)
{
	uint64_t cached, in_use, cached2, in_use2;
	int fd, dc;

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_MALLOC, 100, 0);
	if (fd >= 0)
		close(fd);
	sum_zones(&cached, &in_use);
	iomd_tap_ok(fd >= 0 && cached > 0,
		    "a freed iomd_malloc element stays cached (%llu cached)",
		    (unsigned long long)cached);
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	iomd_tap_ok(dc >= 0 && write(dc, "2", 1) == 1,
		    "drop_caches runs the shrinkers");
	if (dc >= 0)
		close(dc);
	sum_zones(&cached2, &in_use2);
	iomd_tap_ok(cached2 == 0 && in_use2 == in_use,
		    "the shrinker empties every cache (%llu cached, %llu in use; %llu before)",
		    (unsigned long long)cached2, (unsigned long long)in_use2,
		    (unsigned long long)in_use);
}

/* IOMD_IOC_ZONE_INFO with @zi fails with @want (0: succeeds). */
static void zone_info_call(struct iomd_zone_info *zi, int want,
			   const char *what)
{
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_ZONE_INFO, zi), want,
		       "zone info: %s", what);
	memset(zi, 0, sizeof(*zi));
}

static void test_zone_info_errors(void)
{
	struct iomd_zone_info zi = { };

	zi.flags = 1;
	zone_info_call(&zi, EINVAL, "unknown flag");
	zi.reserved0 = 1;
	zone_info_call(&zi, EINVAL, "reserved0 set");
	zi.cached = 1;
	zone_info_call(&zi, EINVAL, "cached (output only) set");
	zi.reserved1 = 1ull << 63;
	zone_info_call(&zi, EINVAL, "reserved1 set");
	zi.index = 0xffffffffu;
	zone_info_call(&zi, ENOENT, "index past the last zone");
	zone_info_call(&zi, 0, "zone 0 without a name buffer");
}

int main(void)
{
	page = iomd_page_size();
	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	test_zone_workload();
	test_zone_info_errors();
	test_shrinker();
	test_sharing();
	return iomd_tap_finish();
}
