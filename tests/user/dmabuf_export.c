// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_export: IOMD_IOC_EXPORT_DMABUF makes a descriptor a dma-buf.
 *
 *   buffer:   the dma-buf maps the buffer's bytes (mmap of the dma-buf fd),
 *             writes through it reach the kernel's view, DMA_BUF_IOCTL_SYNC
 *             works, fdinfo names iomd as the exporter, and the dma-buf
 *             keeps the buffer alive after its descriptor fd is closed;
 *   revoke:   revoking the descriptor zaps the dma-buf's mappings
 *             (SIGBUS) and a later mmap of it fails with ENODEV;
 *   user:     a memfd described by the process is wired by the export
 *             (VmPin) for the dma-buf's life, and the dma-buf maps the
 *             memfd's pages (writes show in the file);
 *   refusals: memory user space may not map (a buffer without
 *             IOMD_BUF_KERNEL_USER_SHARED, private memory) fails with
 *             EPERM and a reason; revoked, ENODEV; bad flags, reserved
 *             fields or output field, EINVAL; not a descriptor, EBADFD;
 *   limit:    as uid 1000, exporting more user memory than RLIMIT_MEMLOCK
 *             fails with ENOMEM (the export wires, charged to the user);
 *   import:   the sample driver imports the dma-buf for a device of its
 *             own: attach, DMA mapping of every byte, vmap (the driver's
 *             write through it shows in the buffer); after a revoke the
 *             device can no longer attach (ENODEV).
 * Kernels without dma-buf support skip, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/iomd_sample.h>

#include "iomd_test.h"

#define NPAGES	4
#define PLAN	(8 + 3 + 5 + 2 * 7 + 1 + 6 + 4 + 1 + 2)
/*
 * Imports by each of two processes at once: without the sample's lock, 64
 * each made the debug kernel warn in 3 runs of 4.
 */
#define IMPORT_ROUNDS	512

static int iomd_fd;
static size_t page;

static int export_raw(struct iomd_export_dmabuf *arg)
{
	return iomd_ioctl(iomd_fd, IOMD_IOC_EXPORT_DMABUF, arg);
}

static int sync_dmabuf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

/* The "exp_name:" of @fd's fdinfo, into @out (64 bytes). */
static void exporter_name(int fd, char *out)
{
	char path[64], line[128];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "exp_name: %63s", out) == 1)
			break;
	fclose(f);
}

static void test_buffer(void)
{
	size_t len = NPAGES * page;
	unsigned char *want, *m, *got;
	struct iomd_stats st0, st1;
	char name[64];
	int b, d;

	want = malloc(len);
	got = malloc(len);
	if (!want || !got)
		iomd_tap_bail("out of memory");
	iomd_test_fill(want, len, 7);
	b = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				    want);
	if (b < 0)
		iomd_tap_bail("buffer: %s", strerror(-b));
	d = iomd_export_dmabuf(iomd_fd, b, IOMD_CREATE_CLOEXEC);
	iomd_tap_errno(d, 0, "buffer: exported as a dma-buf");
	if (d < 0) {
		iomd_tap_skip_to(8, "no dma-buf");
		close(b);
		free(want);
		free(got);
		return;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	iomd_tap_ok(m != MAP_FAILED && !memcmp(m, want, len),
		    "buffer: mmap of the dma-buf shows the buffer's bytes");
	if (m == MAP_FAILED)
		iomd_tap_bail("mmap of the dma-buf: %s", strerror(errno));
	iomd_tap_errno(sync_dmabuf(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW),
		       0, "buffer: DMA_BUF_IOCTL_SYNC start");
	iomd_test_fill(m, len, 8);
	iomd_tap_errno(sync_dmabuf(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW),
		       0, "buffer: DMA_BUF_IOCTL_SYNC end");
	iomd_tap_ok(!iomd_kread(iomd_fd, b, 0, got, len) &&
		    !memcmp(got, m, len),
		    "buffer: writes through the dma-buf reach the kernel's view");
	exporter_name(d, name);
	iomd_tap_ok(!strcmp(name, "iomd"),
		    "buffer: fdinfo names the exporter iomd (\"%s\")", name);

	iomd_test_stats(iomd_fd, &st0);
	close(b);
	iomd_test_stats(iomd_fd, &st1);
	iomd_tap_ok(st1.live_descriptors == st0.live_descriptors &&
		    !memcmp(m, got, len),
		    "buffer: the dma-buf keeps it alive after its fd is closed");
	munmap(m, len);
	close(d);
	iomd_test_stats(iomd_fd, &st1);
	iomd_tap_eq(st1.live_descriptors, st0.live_descriptors - 1,
		    "buffer: closing the dma-buf and its mapping frees it");
	free(want);
	free(got);
}

static void test_revoke(void)
{
	unsigned char *m, v;
	void *m2;
	int b, d;

	b = iomd_buffer_create(iomd_fd, 2 * page, 0, IOMD_TEST_SHARED_INOUT);
	d = b < 0 ? b : iomd_export_dmabuf(iomd_fd, b, 0);
	if (d < 0)
		iomd_tap_bail("export for revoke: %s", strerror(-d));
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (m == MAP_FAILED)
		iomd_tap_bail("mmap of the dma-buf: %s", strerror(errno));
	iomd_tap_eq(iomd_test_poke(m, 5), 0,
		    "revoke: the dma-buf mapping works before");
	iomd_revoke(iomd_fd, b);
	iomd_tap_eq(iomd_test_peek(m, &v), SIGBUS,
		    "revoke: zaps the dma-buf's mapping (SIGBUS)");
	m2 = mmap(NULL, page, PROT_READ, MAP_SHARED, d, 0);
	iomd_tap_errno(m2 == MAP_FAILED ? -errno : 0, ENODEV,
		       "revoke: a later mmap of the dma-buf fails");
	if (m2 != MAP_FAILED)
		munmap(m2, page);
	munmap(m, 2 * page);
	close(d);
	close(b);
}

static void test_user(void)
{
	size_t len = NPAGES * page;
	struct iomd_range r;
	unsigned char *p, *m, byte = 0;
	uint64_t pin0;
	int mfd, u, d;

	mfd = memfd_create("iomd-dmabuf", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, len))
		iomd_tap_bail("memfd: %s", strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("mmap memfd: %s", strerror(errno));
	iomd_test_fill(p, len, 9);
	r.addr = (uintptr_t)p;
	r.length = len;
	u = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (u < 0)
		iomd_tap_bail("describe: %s", strerror(-u));
	pin0 = (iomd_test_vm_pin() / 1024);
	d = iomd_export_dmabuf(iomd_fd, u, 0);
	iomd_tap_errno(d, 0, "user: an unwired memfd descriptor exports");
	iomd_tap_eq((iomd_test_vm_pin() / 1024) - pin0, len / 1024,
		    "user: the export wired it (VmPin)");
	m = d < 0 ? MAP_FAILED :
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	iomd_tap_ok(m != MAP_FAILED && !memcmp(m, p, len),
		    "user: the dma-buf maps the memfd's bytes");
	if (m != MAP_FAILED) {
		m[1] = 0xa5;
		munmap(m, len);
	}
	iomd_tap_ok(pread(mfd, &byte, 1, 1) == 1 && byte == 0xa5,
		    "user: writes through the dma-buf land in the memfd");
	if (d >= 0)
		close(d);
	close(u);
	iomd_tap_eq((iomd_test_vm_pin() / 1024), pin0,
		    "user: closing everything unwires it");
	munmap(p, len);
	close(mfd);
}

static void test_refusals(void)
{
	struct iomd_export_dmabuf arg;
	struct iomd_range r;
	void *priv;
	int b, u;

	b = iomd_buffer_create(iomd_fd, page, 0, IOMD_DIR_INOUT);
	iomd_test_fails(iomd_fd, -1, iomd_export_dmabuf(iomd_fd, b, 0), EPERM,
			"a buffer without IOMD_BUF_KERNEL_USER_SHARED");
	close(b);

	priv = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	r.addr = (uintptr_t)priv;
	r.length = page;
	u = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	iomd_test_fails(iomd_fd, -1, iomd_export_dmabuf(iomd_fd, u, 0), EPERM,
			"private memory");
	close(u);
	munmap(priv, page);

	b = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	iomd_revoke(iomd_fd, b);
	iomd_test_fails(iomd_fd, -1, iomd_export_dmabuf(iomd_fd, b, 0),
			ENODEV, "a revoked descriptor");
	close(b);

	b = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	memset(&arg, 0, sizeof(arg));
	arg.fd = b;
	arg.flags = 0x4;
	iomd_test_fails(iomd_fd, -1, export_raw(&arg), EINVAL,
			"unknown flag 0x4");
	memset(&arg, 0, sizeof(arg));
	arg.fd = b;
	arg.reserved[1] = 1;
	iomd_test_fails(iomd_fd, -1, export_raw(&arg), EINVAL,
			"reserved[1] = 1");
	memset(&arg, 0, sizeof(arg));
	arg.fd = b;
	arg.dmabuf_fd = 7;
	iomd_test_fails(iomd_fd, -1, export_raw(&arg), EINVAL,
			"a non-zero dmabuf_fd on input");
	close(b);
	iomd_test_fails(iomd_fd, -1, iomd_export_dmabuf(iomd_fd, iomd_fd, 0),
			EBADFD, "/dev/iomd itself, not a descriptor");
}

/*
 * Become uid 1000 with an RLIMIT_MEMLOCK of @pages pages, keeping root as
 * the saved id for become_root().
 */
static void become_user(size_t pages)
{
	struct rlimit rl = { .rlim_cur = pages * page,
			     .rlim_max = pages * page };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setresgid(1000, 1000, 0) ||
	    setresuid(1000, 1000, 0))
		iomd_tap_bail("cannot become uid 1000: %s", strerror(errno));
}

static void become_root(void)
{
	if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
		iomd_tap_bail("cannot become root again");
}

static void test_limit(void)
{
	struct iomd_range r;
	void *p;
	int u, d;

	p = mmap(NULL, NPAGES * page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	r.addr = (uintptr_t)p;
	r.length = NPAGES * page;
	u = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	become_user(2);
	d = iomd_export_dmabuf(iomd_fd, u, 0);
	iomd_tap_errno(d, ENOMEM,
		       "limit: uid 1000 cannot export (wire) %d pages with a 2-page RLIMIT_MEMLOCK",
		       NPAGES);
	if (d >= 0)
		close(d);
	become_root();
	close(u);
	munmap(p, NPAGES * page);
}

/* IOMD_SAMPLE_IOC_IMPORT of @dfd into @out: 0 or -errno. */
static int sample_import(int dfd, struct iomd_sample_import *out)
{
	int sfd, ret;

	memset(out, 0, sizeof(*out));
	out->dmabuf_fd = dfd;
	sfd = open("/dev/" IOMD_SAMPLE_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	ret = ioctl(sfd, IOMD_SAMPLE_IOC_IMPORT, out) ? -errno : 0;
	close(sfd);
	return ret;
}

static void test_import(void)
{
	size_t len = NPAGES * page;
	struct iomd_sample_import im;
	uint64_t first, now = 0;
	unsigned char *bytes;
	int b, d, ret;

	bytes = malloc(len);
	if (!bytes)
		iomd_tap_bail("out of memory");
	iomd_test_fill(bytes, len, 11);
	memcpy(&first, bytes, sizeof(first));
	b = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				    bytes);
	d = b < 0 ? b : iomd_export_dmabuf(iomd_fd, b, 0);
	if (d < 0)
		iomd_tap_bail("export for import: %s", strerror(-d));
	ret = sample_import(d, &im);
	iomd_tap_ok(!ret && !im.attach_err && im.size == len,
		    "import: a driver attaches its device (%s, attach %u)",
		    iomd_errno_name(-ret), im.attach_err);
	iomd_tap_ok(!im.map_err && im.nents >= 1 && im.dma_bytes == len,
		    "import: DMA-mapped, %u segment(s) covering %llu of %zu bytes",
		    im.nents, (unsigned long long)im.dma_bytes, len);
	iomd_tap_ok(!im.vmap_err && im.first == first,
		    "import: vmap shows the buffer's bytes");
	iomd_tap_ok(!iomd_kread(iomd_fd, b, 0, &now, sizeof(now)) &&
		    now == ~first,
		    "import: the driver's write through the vmap is in the buffer");
	iomd_revoke(iomd_fd, b);
	ret = sample_import(d, &im);
	iomd_tap_ok(!ret && im.attach_err == ENODEV,
		    "import: after a revoke the device cannot attach (%s)",
		    iomd_errno_name(im.attach_err));
	close(d);
	close(b);
	b = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	memset(&im, 0, sizeof(im));
	im.dmabuf_fd = b;
	ret = sample_import(b, &im);
	iomd_tap_errno(ret, EINVAL,
		       "import: an iomd descriptor fd is not a dma-buf (dma_buf_get)");
	close(b);
	free(bytes);
}

/*
 * A multi of the first @nr of @parts, exported as a dma-buf and imported
 * by the sample driver into @im: the multi's fd (the dma-buf is closed).
 */
static int import_multi(const int *parts, unsigned int nr,
			struct iomd_sample_import *im)
{
	int m, d, ret;

	m = iomd_multi_create(iomd_fd, parts, nr, IOMD_DIR_INOUT);
	d = m < 0 ? m : iomd_export_dmabuf(iomd_fd, m, 0);
	if (d < 0)
		iomd_tap_bail("export of a multi of %u: %s", nr, strerror(-d));
	ret = sample_import(d, im);
	if (ret)
		iomd_tap_bail("sample import: %s", strerror(-ret));
	close(d);
	return m;
}

/*
 * A composite that names a buffer twice holds its memory twice: a device
 * may read it (DMA_TO_DEVICE) but not write it, so the sample driver's
 * DMA_BIDIRECTIONAL map is refused and the descriptor says why.  Named
 * once, the same memory maps.  All as uid 1000 with a 2-page
 * RLIMIT_MEMLOCK, as anyone can reach it.
 */
static void test_import_repeat(void)
{
	char why[256] = "";
	struct iomd_sample_import im;
	int a, m, ret, err = 0;
	int parts[2];

	become_user(2);
	a = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	if (a < 0)
		iomd_tap_bail("buffer: %s", strerror(-a));
	parts[0] = a;
	parts[1] = a;
	m = import_multi(parts, 2, &im);
	iomd_tap_ok(!im.attach_err && im.map_err == EINVAL,
		    "import repeat: a device may not write memory held twice (map %s)",
		    iomd_errno_name(im.map_err));
	ret = iomd_reason(iomd_fd, m, &err, why, sizeof(why));
	iomd_tap_ok(!ret && err == -EINVAL &&
		    strstr(why, "reach the same memory"),
		    "import repeat: the descriptor says why: %s", why);
	iomd_tap_ok(!im.vmap_err && im.size == 2 * page,
		    "import repeat: the CPU still reaches it through vmap");
	close(m);
	m = import_multi(parts, 1, &im);
	iomd_tap_ok(!im.map_err && im.dma_bytes == page,
		    "import repeat: named once, it maps (%s)",
		    iomd_errno_name(im.map_err));
	close(m);
	close(a);
	become_root();
}

/*
 * Two processes import one dma-buf at once, over and over: each import
 * maps it DMA_BIDIRECTIONAL for the sample's one device, and two such
 * mappings of the same memory at once are what dma-debug reports as
 * overlapping.  The sample maps one import at a time; the kernel log,
 * which the runner reads, must stay clean.  As uid 1000, 2-page
 * RLIMIT_MEMLOCK.
 */
static void test_import_concurrent(void)
{
	struct iomd_sample_import im;
	int b, d, i, k, status, bad = 0;
	pid_t pid[2];

	become_user(2);
	b = iomd_buffer_create(iomd_fd, 4 * page, 0, IOMD_TEST_SHARED_INOUT);
	d = b < 0 ? b : iomd_export_dmabuf(iomd_fd, b, 0);
	if (d < 0)
		iomd_tap_bail("export for concurrent imports: %s",
			      strerror(-d));
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] < 0)
			iomd_tap_bail("fork: %s", strerror(errno));
		if (!pid[k]) {
			for (i = 0; i < IMPORT_ROUNDS; i++)
				if (sample_import(d, &im) || im.map_err)
					_exit(1);
			_exit(0);
		}
	}
	for (k = 0; k < 2; k++)
		if (waitpid(pid[k], &status, 0) != pid[k] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	iomd_tap_ok(!bad,
		    "import: two processes importing one buffer %d times each all map it",
		    IMPORT_ROUNDS);
	close(d);
	close(b);
	become_root();
}

int main(void)
{
	struct iomd_stats before;

	page = sysconf(_SC_PAGESIZE);
	iomd_fd = iomd_test_dmabuf_begin(PLAN, &before);
	test_buffer();
	test_revoke();
	test_user();
	test_refusals();
	test_limit();
	test_import();
	test_import_repeat();
	test_import_concurrent();
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
