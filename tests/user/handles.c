// SPDX-License-Identifier: GPL-2.0
/*
 * handles: descriptors held by an open /dev/iomd (IOMD_CREATE_HANDLE)
 * instead of by fds.
 *
 * Asserted:
 *   buffer:   BUFFER_CREATE with IOMD_CREATE_HANDLE returns a value with
 *             IOMD_HANDLE_BIT; INFO, KWRITE, MAP, SEGMENTS and REASON take
 *             it; HANDLE_EXPORT gives an fd that KREAD and mmap() see the
 *             same bytes through; the handle stays usable after the
 *             export; closing it leaves the fd (and the mapping) working;
 *             closing it again is EBADF; closing the fd last frees the
 *             descriptor (live_descriptors back).
 *   revoke:   REVOKE through a handle makes a MAP of it SIGBUS.
 *   user:     USER_CREATE by handle, wired by PREPARE/COMPLETE through the
 *             handle (wire counts, pinned_pages) and by IOMD_USER_PREPARE;
 *             closing the handle unpins.
 *   compose:  SUBRANGE of a handle by handle; MULTI of an fd and a handle,
 *             by handle and by fd; their kinds, lengths and bytes.
 *   dma-buf:  EXPORT_DMABUF of a handle, IMPORT_DMABUF by handle.
 *   refused:  unknown handles and plain fd numbers (EBADF), HANDLE with
 *             CLOEXEC (EINVAL, nothing left, no pin), unknown flags and
 *             non-zero reserved0/reserved/fd of CLOSE and EXPORT (EINVAL),
 *             handles of another open of /dev/iomd (EBADF), each with a
 *             reason carrying the errno; IOMD_REASON_CLIENT still names
 *             the client.
 *   fault:    an argument the kernel cannot write back (read-only page)
 *             fails with EFAULT and leaves no handle, no descriptor and
 *             no pin.
 *   window:   a creation held at its copy-out (its argument's page
 *             write-protected with userfaultfd): the number it reserved
 *             names nothing meanwhile (CLOSE, INFO, EXPORT: EBADF), another
 *             creation gets another number; let go, it gets the number;
 *             failing there (the page unmapped), the number is free again
 *             and nothing is left.  Skipped without userfaultfd's
 *             write-protection.
 *   fork:     a child sees the parent's handles through the inherited
 *             /dev/iomd and the parent sees the child's.
 *   release:  a child that wires memory by handle on its own /dev/iomd
 *             and exits without closing anything leaves no descriptor
 *             and no pinned page.
 *   limit:    as uid 1000 with RLIMIT_NOFILE 16, at most 16 handles, then
 *             EMFILE with its reason; closing one makes room for one.
 *   library:  the fd-returning creators refuse IOMD_CREATE_HANDLE
 *             (-EINVAL) and make nothing; the *_handle() calls,
 *             iomd_handle_export(), iomd_handle_reason() and
 *             iomd_handle_close() work.
 *   table:    TABLE_HANDLES handles on a new open of /dev/iomd (past the
 *             table's first array, so it grows), numbered from 0 in
 *             order, each naming its own descriptor; closed ones are
 *             reused lowest first and name nothing meanwhile; with
 *             RLIMIT_NOFILE lowered below the numbers in use, a creation
 *             fails with EMFILE until a lower number is free.
 *   race:     threads creating, exporting and closing handles of one
 *             /dev/iomd, and closing each other's, get only successes and
 *             EBADF, and leave nothing once the survivors are closed.
 *   uid 1000: handles with IOMD_USER_PREPARE under a 16-page
 *             RLIMIT_MEMLOCK: wiring, export, close, and a wiring over
 *             the limit (ENOMEM) that leaves no handle.
 * Every section ends with the module's counters where they started.
 */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "iomd_test.h"

#define NPAGES		4
#define SEED_A		0x68616e646c65ull	/* "handle" */
#define SEED_B		0x6578706f7274ull	/* "export" */
#define NOFILE		16
#define MEMLOCK_PAGES	16

#define BUFFER_CHECKS	17
#define REVOKE_CHECKS	5
#define USER_CHECKS	13
#define COMPOSE_CHECKS	10
#define DMABUF_CHECKS	3
#define REFUSED_CHECKS	44
#define FAULT_CHECKS	8
#define WINDOW_CHECKS	12
#define FORK_CHECKS	3
#define RELEASE_CHECKS	6
#define LIMIT_CHECKS	7
#define LIBRARY_CHECKS	14
#define UNPRIV_CHECKS	3
#define TABLE_CHECKS	8
#define TABLE_HANDLES	200
#define SPARE_CHECKS	7
#define FEW_PAGES	16	/* IOMD_USER_FEW_PAGES: kept in the descriptor */
#define RACE_CHECKS	3
#define RACE_THREADS	4
#define RACE_ROUNDS	400
#define LEAK_CHECKS	2
#define PLAN		(BUFFER_CHECKS + REVOKE_CHECKS + USER_CHECKS + \
			 COMPOSE_CHECKS + DMABUF_CHECKS + REFUSED_CHECKS + \
			 FAULT_CHECKS + WINDOW_CHECKS + FORK_CHECKS + \
			 RELEASE_CHECKS + \
			 LIMIT_CHECKS + LIBRARY_CHECKS + UNPRIV_CHECKS + \
			 TABLE_CHECKS + SPARE_CHECKS + RACE_CHECKS + \
			 LEAK_CHECKS)

static int iomd_fd;
static size_t page;
static size_t len;		/* NPAGES pages */
static unsigned char *ref_a;	/* SEED_A's pattern, len bytes */
static unsigned char *ref_b;	/* SEED_B's pattern, len bytes */

/* An ioctl on @dev: 0 or -errno. */
static int dev_ioctl(int dev, unsigned long cmd, void *arg)
{
	return ioctl(dev, cmd, arg) < 0 ? -errno : 0;
}

/* A buffer made on @dev with IOMD_CREATE_HANDLE | @flags: its handle. */
static int buffer_handle(int dev, uint64_t capacity, uint32_t flags,
			 uint32_t *handle)
{
	struct iomd_buffer_create b = {
		.capacity = capacity,
		.flags = IOMD_TEST_SHARED_INOUT | IOMD_CREATE_HANDLE | flags,
	};
	int ret = dev_ioctl(dev, IOMD_IOC_BUFFER_CREATE, &b);

	if (!ret)
		*handle = b.fd;
	return ret;
}

/* A user descriptor of [@p, @p + @bytes) on @dev with @flags: b.fd. */
static int user_desc(int dev, const void *p, uint64_t bytes, uint32_t flags,
		     uint32_t *out)
{
	struct iomd_range r = iomd_test_range(p, bytes);
	struct iomd_user_create u = {
		.ranges = (uintptr_t)&r,
		.nr_ranges = 1,
		.flags = flags,
	};
	int ret = dev_ioctl(dev, IOMD_IOC_USER_CREATE, &u);

	if (!ret)
		*out = u.fd;
	return ret;
}

/* IOMD_IOC_HANDLE_CLOSE or _EXPORT with every field given: 0 or -errno. */
static int handle_op(int dev, unsigned long cmd, uint32_t handle,
		     uint32_t flags, uint32_t fd, uint32_t reserved0,
		     uint64_t reserved1, uint32_t *out_fd)
{
	struct iomd_handle h = {
		.handle = handle,
		.flags = flags,
		.fd = fd,
		.reserved0 = reserved0,
		.reserved = { 0, reserved1 },
	};
	int ret = dev_ioctl(dev, cmd, &h);

	if (!ret && out_fd)
		*out_fd = h.fd;
	return ret;
}

static int hclose(int dev, uint32_t handle)
{
	return handle_op(dev, IOMD_IOC_HANDLE_CLOSE, handle, 0, 0, 0, 0, NULL);
}

/* The kind and length INFO reports of @desc (an fd or handle) on @dev. */
static int info_of(int dev, uint32_t desc, struct iomd_info *info)
{
	return iomd_info(dev, (int)desc, info);
}

/*
 * IOMD_IOC_REASON for @desc (a handle, which libiomd's iomd_reason()
 * takes for the client since it is negative as an int): its errno as
 * -errno in *@err; 0 or -errno of the ioctl.
 */
static int handle_reason(int dev, uint32_t desc, int *err)
{
	char text[256];
	struct iomd_reason r = {
		.fd = desc,
		.size = sizeof(text),
		.buf = (uintptr_t)text,
	};
	int ret = dev_ioctl(dev, IOMD_IOC_REASON, &r);

	if (!ret)
		*err = -(int)r.errno_value;
	return ret;
}

/*
 * Whether none of the handle numbers 0 to 8 is open on @dev: closing
 * each fails with EBADF.
 */
static bool no_handles_near(int dev)
{
	bool none = true;
	uint32_t i;

	for (i = 0; i <= 8; i++)
		if (hclose(dev, IOMD_HANDLE_BIT | i) != -EBADF)
			none = false;
	return none;
}

/* Wait until live_descriptors is @want; return what was last read. */
static uint64_t settle_descs(uint64_t want)
{
	struct iomd_stats st;
	int i;

	for (i = 0; i < 200; i++) {
		iomd_test_stats(iomd_fd, &st);
		if (st.live_descriptors == want)
			break;
		usleep(10000);
	}
	return st.live_descriptors;
}

/*
 * Report one check: live_descriptors comes back to @before's (waiting
 * for it a little).
 */
static void check_freed(const struct iomd_stats *before, const char *what)
{
	iomd_tap_eq(settle_descs(before->live_descriptors),
		    before->live_descriptors, "%s", what);
}

/* Wait until pinned_pages is @want; return what was last read. */
static uint64_t settle_pins(uint64_t want)
{
	uint64_t got = 0;
	int i;

	for (i = 0; i < 200; i++) {
		got = iomd_test_pinned_pages(iomd_fd);
		if (got == want)
			break;
		usleep(10000);
	}
	return got;
}

/* Anonymous memory of @bytes filled with @ref (populated). */
static unsigned char *anon_filled(size_t bytes, const unsigned char *ref)
{
	unsigned char *p = iomd_test_anon(bytes, MAP_PRIVATE);

	memcpy(p, ref, bytes);
	return p;
}

static void test_buffer(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + BUFFER_CHECKS;
	struct iomd_segment segs[NPAGES + 1];
	struct iomd_map_create m;
	struct iomd_info info;
	unsigned char *back = iomd_test_malloc(len), *mm, *mp;
	uint32_t h = 0, fd = 0;
	uint64_t total = 0;
	int n, i, ret, err = -1;

	ret = buffer_handle(iomd_fd, len, 0, &h);
	if (!iomd_tap_ok(!ret && (h & IOMD_HANDLE_BIT),
			 "buffer: BUFFER_CREATE with IOMD_CREATE_HANDLE returns a handle (0x%x)",
			 h)) {
		iomd_tap_skip_to(end, "no handle");
		free(back);
		return;
	}
	iomd_tap_ok(!info_of(iomd_fd, h, &info) &&
		    info.kind == IOMD_KIND_BUFFER && info.length == len,
		    "buffer: INFO of the handle: a buffer of %zu bytes", len);
	iomd_tap_errno(iomd_kwrite(iomd_fd, (int)h, 0, ref_a, len), 0,
		       "buffer: KWRITE through the handle");
	ret = handle_op(iomd_fd, IOMD_IOC_HANDLE_EXPORT, h, 0, 0, 0, 0, &fd);
	iomd_tap_ok(!ret && !(fd & IOMD_HANDLE_BIT),
		    "buffer: HANDLE_EXPORT gives fd %d", (int)fd);
	iomd_test_mem(iomd_kread(iomd_fd, (int)fd, 0, back, len), back, ref_a,
		      len, "buffer: KREAD through the exported fd sees the bytes");
	mp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (mp == MAP_FAILED)
		mp = NULL;
	iomd_test_mem(mp ? 0 : -errno, mp, ref_a, len,
		      "buffer: mmap() of the exported fd sees them");
	mm = NULL;
	if (!iomd_map_create(iomd_fd, (int)h, 0, 0, 0, 0, &m))
		mm = (unsigned char *)(uintptr_t)m.map_addr;
	iomd_test_mem(mm ? 0 : -EINVAL, mm, ref_a, len,
		      "buffer: MAP through the handle (after the export) sees them");
	if (mm && mp) {
		mm[1] = 0x5a;
		iomd_tap_ok(mp[1] == 0x5a,
			    "buffer: a store through the MAP shows in the mmap()");
		mm[1] = ref_a[1];
	} else {
		iomd_tap_ok(false, "buffer: no two mappings to compare");
	}
	n = iomd_segments(iomd_fd, (int)h, 0, segs, ARRAY_SIZE(segs), NULL);
	for (i = 0; i < n; i++)
		total += segs[i].length;
	iomd_tap_ok(n >= 1 && total == len,
		    "buffer: SEGMENTS of the handle: %d runs of %llu bytes in all",
		    n, (unsigned long long)total);
	ret = handle_reason(iomd_fd, h, &err);
	iomd_tap_ok(!ret && err == 0,
		    "buffer: REASON of the handle: nothing failed (%d)", err);
	iomd_tap_eq(iomd_test_live_descriptors(iomd_fd),
		    before->live_descriptors + 1,
		    "buffer: the handle and the fd hold one descriptor");
	iomd_tap_errno(hclose(iomd_fd, h), 0, "buffer: HANDLE_CLOSE");
	iomd_test_fails(iomd_fd, -1, hclose(iomd_fd, h), EBADF,
			"buffer: HANDLE_CLOSE again");
	iomd_tap_ok(!info_of(iomd_fd, fd, &info) &&
		    info.kind == IOMD_KIND_BUFFER && mp &&
		    iomd_test_check(mp, len, SEED_A) == len,
		    "buffer: the fd and its mmap() still work once the handle is closed");
	if (mm)
		munmap(mm, len);
	if (mp)
		munmap(mp, len);
	iomd_tap_eq(iomd_test_live_descriptors(iomd_fd),
		    before->live_descriptors + 1,
		    "buffer: unmapped, the fd alone holds the descriptor");
	close((int)fd);
	check_freed(before, "buffer: closing the fd frees it");
	iomd_tap_skip_to(end, "a step failed");
	free(back);
}

static void test_revoke(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + REVOKE_CHECKS;
	struct iomd_map_create m;
	unsigned char *p = NULL, v = 0;
	uint32_t h = 0;

	if (!iomd_tap_errno(buffer_handle(iomd_fd, len, 0, &h), 0,
			    "revoke: a buffer by handle")) {
		iomd_tap_skip_to(end, "no handle");
		return;
	}
	if (!iomd_map_create(iomd_fd, (int)h, 0, 0, 0, 0, &m))
		p = (unsigned char *)(uintptr_t)m.map_addr;
	iomd_tap_ok(p && !iomd_test_peek(p + page, &v),
		    "revoke: MAP of the handle reads");
	iomd_tap_errno(iomd_revoke(iomd_fd, (int)h), 0,
		       "revoke: REVOKE through the handle");
	iomd_tap_eq(p ? iomd_test_peek(p + page, &v) : 0, SIGBUS,
		    "revoke: the mapping gets SIGBUS");
	if (p)
		munmap(p, len);
	hclose(iomd_fd, h);
	check_freed(before, "revoke: closed and unmapped, the descriptor is freed");
}

static void test_user(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + USER_CHECKS;
	unsigned char *mem = anon_filled(len, ref_a);
	unsigned char *back = iomd_test_malloc(len);
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	struct iomd_info info;
	uint32_t h = 0;
	int ret;

	ret = user_desc(iomd_fd, mem, len, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE,
			&h);
	if (!iomd_tap_ok(!ret && (h & IOMD_HANDLE_BIT),
			 "user: USER_CREATE by handle (0x%x)", h)) {
		iomd_tap_skip_to(end, "no handle");
		goto out;
	}
	iomd_tap_ok(!info_of(iomd_fd, h, &info) &&
		    info.kind == IOMD_KIND_USER && info.length == len &&
		    info.wire_count == 0,
		    "user: INFO of the handle: user memory, %zu bytes, unwired",
		    len);
	iomd_tap_eq(iomd_prepare(iomd_fd, (int)h), 1,
		    "user: PREPARE through the handle -> 1");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, NPAGES,
		    "user: %d pages pinned", NPAGES);
	iomd_test_mem(iomd_kread(iomd_fd, (int)h, 0, back, len), back, ref_a,
		      len, "user: KREAD through the handle");
	iomd_tap_eq(iomd_complete(iomd_fd, (int)h), 0,
		    "user: COMPLETE through the handle -> 0");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0, "user: unpinned");
	iomd_tap_errno(hclose(iomd_fd, h), 0, "user: HANDLE_CLOSE");

	iomd_tap_ok(!user_desc(iomd_fd, mem, len,
			       IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
			       IOMD_USER_PREPARE, &h) &&
		    (h & IOMD_HANDLE_BIT),
		    "user: USER_CREATE by handle with IOMD_USER_PREPARE");
	ret = info_of(iomd_fd, h, &info);
	iomd_tap_ok(!ret && info.wire_count == 1,
		    "user: it is wired once (%u)", info.wire_count);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, NPAGES,
		    "user: %d pages pinned by the handle", NPAGES);
	iomd_tap_errno(hclose(iomd_fd, h), 0, "user: HANDLE_CLOSE of the wired handle");
	iomd_tap_ok(settle_pins(pin0) == pin0 &&
		    settle_descs(before->live_descriptors) ==
		    before->live_descriptors,
		    "user: closing it unpins and frees");
out:
	munmap(mem, len);
	free(back);
}

static void test_compose(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + COMPOSE_CHECKS;
	unsigned char *back = iomd_test_malloc(2 * len);
	uint32_t hb, sub = 0, multi = 0, fds[2];
	struct iomd_subrange_create s;
	struct iomd_multi_create m;
	struct iomd_info info;
	int a, ret, mfd = -1;

	a = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				    ref_a);
	if (!iomd_tap_ok(a >= 0 && !buffer_handle(iomd_fd, len, 0, &hb) &&
			 !iomd_kwrite(iomd_fd, (int)hb, 0, ref_b, len),
			 "compose: a buffer by fd and one by handle")) {
		iomd_tap_skip_to(end - 1, "no buffers");
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.fd = hb;
	s.flags = IOMD_CREATE_HANDLE;
	s.offset = page;
	s.length = page + 3;
	ret = dev_ioctl(iomd_fd, IOMD_IOC_SUBRANGE, &s);
	iomd_tap_ok(!ret && (s.new_fd & IOMD_HANDLE_BIT),
		    "compose: SUBRANGE of the handle, by handle (0x%x)",
		    s.new_fd);
	sub = s.new_fd;
	iomd_tap_ok(!info_of(iomd_fd, sub, &info) &&
		    info.kind == IOMD_KIND_SUBRANGE && info.length == page + 3,
		    "compose: INFO: a sub-range of %zu bytes", page + 3);
	iomd_test_mem(iomd_kread(iomd_fd, (int)sub, 0, back, page + 3), back,
		      ref_b + page, page + 3,
		      "compose: KREAD of the sub-range sees the parent's bytes");

	fds[0] = (uint32_t)a;
	fds[1] = hb;
	memset(&m, 0, sizeof(m));
	m.fds = (uintptr_t)fds;
	m.nr_fds = 2;
	m.flags = IOMD_CREATE_HANDLE;
	ret = dev_ioctl(iomd_fd, IOMD_IOC_MULTI, &m);
	iomd_tap_ok(!ret && (m.fd & IOMD_HANDLE_BIT),
		    "compose: MULTI of an fd and a handle, by handle (0x%x)",
		    m.fd);
	multi = m.fd;
	iomd_tap_ok(!info_of(iomd_fd, multi, &info) &&
		    info.kind == IOMD_KIND_MULTI && info.length == 2 * len,
		    "compose: INFO: a multi of %zu bytes", 2 * len);
	iomd_tap_ok(!iomd_kread(iomd_fd, (int)multi, 0, back, 2 * len) &&
		    !memcmp(back, ref_a, len) && !memcmp(back + len, ref_b, len),
		    "compose: KREAD of the multi: the fd's bytes, then the handle's");
	m.fd = 0;
	m.flags = 0;
	mfd = dev_ioctl(iomd_fd, IOMD_IOC_MULTI, &m) ? -1 : (int)m.fd;
	iomd_tap_ok(mfd >= 0 && !info_of(iomd_fd, (uint32_t)mfd, &info) &&
		    info.length == 2 * len,
		    "compose: the same MULTI by fd (%d)", mfd);
	iomd_tap_ok(!hclose(iomd_fd, hb) &&
		    !iomd_kread(iomd_fd, (int)sub, 0, back, page) &&
		    !memcmp(back, ref_b + page, page),
		    "compose: the sub-range outlives its parent's handle");
out:
	if (sub)
		hclose(iomd_fd, sub);
	if (multi)
		hclose(iomd_fd, multi);
	if (mfd >= 0)
		close(mfd);
	if (a >= 0)
		close(a);
	check_freed(before, "compose: all freed");
	free(back);
}

static void test_dmabuf(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + DMABUF_CHECKS;
	struct iomd_import_dmabuf im;
	struct iomd_export_dmabuf x;
	struct iomd_info info;
	uint32_t h = 0;
	int ret;

	if (buffer_handle(iomd_fd, len, 0, &h)) {
		iomd_tap_skip_to(end, "no buffer");
		return;
	}
	memset(&x, 0, sizeof(x));
	x.fd = h;
	x.flags = IOMD_CREATE_CLOEXEC;
	ret = dev_ioctl(iomd_fd, IOMD_IOC_EXPORT_DMABUF, &x);
	if (ret == -EOPNOTSUPP) {
		hclose(iomd_fd, h);
		iomd_tap_skip_to(end - 1,
				 "this kernel has no dma-buf support (CONFIG_DMA_SHARED_BUFFER)");
		goto out;
	}
	iomd_tap_errno(ret, 0, "dma-buf: EXPORT_DMABUF of a handle");
	memset(&im, 0, sizeof(im));
	im.dmabuf_fd = ret ? (uint32_t)-1 : x.dmabuf_fd;
	im.flags = IOMD_CREATE_HANDLE;
	iomd_tap_ok(!dev_ioctl(iomd_fd, IOMD_IOC_IMPORT_DMABUF, &im) &&
		    (im.fd & IOMD_HANDLE_BIT) && im.length == len &&
		    !info_of(iomd_fd, im.fd, &info) &&
		    info.kind == IOMD_KIND_DMABUF,
		    "dma-buf: IMPORT_DMABUF by handle: a dma-buf descriptor of %zu bytes",
		    len);
	if (im.fd & IOMD_HANDLE_BIT)
		hclose(iomd_fd, im.fd);
	if (!ret)
		close((int)x.dmabuf_fd);
	hclose(iomd_fd, h);
out:
	check_freed(before, "dma-buf: all freed");
}

/* One refused HANDLE_CLOSE/EXPORT field: EINVAL and a reason. */
static void refused_field(unsigned long cmd, uint32_t h, uint32_t flags,
			  uint32_t fd, uint32_t reserved0, uint64_t reserved1,
			  const char *what)
{
	iomd_test_fails(iomd_fd, -1,
			handle_op(iomd_fd, cmd, h, flags, fd, reserved0,
				  reserved1, NULL),
			EINVAL, "refused: %s %s",
			cmd == IOMD_IOC_HANDLE_CLOSE ? "CLOSE" : "EXPORT",
			what);
}

static void test_refused(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + REFUSED_CHECKS;
	unsigned char *mem = anon_filled(len, ref_a);
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	struct iomd_buffer_create b;
	struct iomd_multi_create m;
	struct iomd_info info;
	uint32_t h = 0, out, parts[2];
	int other, fd, ret, err = 0;

	if (!iomd_tap_errno(buffer_handle(iomd_fd, page, 0, &h), 0,
			    "refused: a buffer by handle")) {
		iomd_tap_skip_to(end, "no handle");
		munmap(mem, len);
		return;
	}
	fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);

	iomd_test_fails(iomd_fd, -1, hclose(iomd_fd, IOMD_HANDLE_BIT | 12345),
			EBADF, "refused: CLOSE of handle 0x%x, never made",
			IOMD_HANDLE_BIT | 12345);
	iomd_test_fails(iomd_fd, -1, hclose(iomd_fd, (uint32_t)fd), EBADF,
			"refused: CLOSE of descriptor fd %d, not a handle", fd);
	iomd_test_fails(iomd_fd, -1,
			handle_op(iomd_fd, IOMD_IOC_HANDLE_EXPORT, (uint32_t)fd,
				  0, 0, 0, 0, NULL),
			EBADF, "refused: EXPORT of descriptor fd %d", fd);
	iomd_test_fails(iomd_fd, -1,
			handle_op(iomd_fd, IOMD_IOC_HANDLE_EXPORT,
				  IOMD_HANDLE_BIT | 12345, 0, 0, 0, 0, NULL),
			EBADF, "refused: EXPORT of a handle never made");
	iomd_test_fails(iomd_fd, -1,
			info_of(iomd_fd, IOMD_HANDLE_BIT | 12345, &info),
			EBADF, "refused: INFO of a handle never made");
	parts[0] = h;
	parts[1] = IOMD_HANDLE_BIT | 12345;
	memset(&m, 0, sizeof(m));
	m.fds = (uintptr_t)parts;
	m.nr_fds = 2;
	m.flags = IOMD_CREATE_HANDLE;
	iomd_test_fails(iomd_fd, -1, dev_ioctl(iomd_fd, IOMD_IOC_MULTI, &m),
			EBADF, "refused: MULTI of a handle and one never made");

	memset(&b, 0, sizeof(b));
	b.capacity = page;
	b.flags = IOMD_TEST_SHARED_INOUT | IOMD_CREATE_HANDLE |
		  IOMD_CREATE_CLOEXEC;
	iomd_test_fails(iomd_fd, -1,
			dev_ioctl(iomd_fd, IOMD_IOC_BUFFER_CREATE, &b), EINVAL,
			"refused: BUFFER_CREATE with HANDLE|CLOEXEC");
	iomd_test_fails(iomd_fd, -1,
			user_desc(iomd_fd, mem, len,
				  IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
				  IOMD_CREATE_CLOEXEC | IOMD_USER_PREPARE,
				  &out),
			EINVAL,
			"refused: USER_CREATE with HANDLE|CLOEXEC|USER_PREPARE");
	iomd_tap_ok(settle_descs(before->live_descriptors + 2) ==
		    before->live_descriptors + 2 &&
		    settle_pins(pin0) == pin0,
		    "refused: those left no descriptor and no pinned page");

	refused_field(IOMD_IOC_HANDLE_CLOSE, h, 1, 0, 0, 0, "with flags 0x1");
	refused_field(IOMD_IOC_HANDLE_CLOSE, h, IOMD_CREATE_CLOEXEC, 0, 0, 0,
		      "with IOMD_CREATE_CLOEXEC");
	refused_field(IOMD_IOC_HANDLE_CLOSE, h, 0, 1, 0, 0, "with fd 1");
	refused_field(IOMD_IOC_HANDLE_CLOSE, h, 0, 0, 1, 0, "with reserved0 1");
	refused_field(IOMD_IOC_HANDLE_CLOSE, h, 0, 0, 0, 1,
		      "with reserved[1] 1");
	refused_field(IOMD_IOC_HANDLE_EXPORT, h, IOMD_CREATE_HANDLE, 0, 0, 0,
		      "with IOMD_CREATE_HANDLE");
	refused_field(IOMD_IOC_HANDLE_EXPORT, h, 0, 7, 0, 0, "with fd 7");
	refused_field(IOMD_IOC_HANDLE_EXPORT, h, 0, 0, 1, 0,
		      "with reserved0 1");
	refused_field(IOMD_IOC_HANDLE_EXPORT, h, 0, 0, 0, 1,
		      "with reserved[1] 1");
	iomd_tap_ok(!info_of(iomd_fd, h, &info) && info.length == page,
		    "refused: after all that the handle still works");

	/* The client's reason is the client's, even with handles around. */
	ret = handle_reason(iomd_fd, IOMD_REASON_CLIENT, &err);
	iomd_tap_ok(!ret && err == -EINVAL,
		    "refused: IOMD_REASON_CLIENT still names the client (%d)",
		    err);

	other = iomd_test_open();
	iomd_test_fails(other, -1, info_of(other, h, &info), EBADF,
			"refused: INFO of the handle on another open of /dev/iomd");
	iomd_test_fails(other, -1, hclose(other, h), EBADF,
			"refused: CLOSE of the handle on another open");
	close(other);
	iomd_tap_errno(hclose(iomd_fd, h), 0,
		       "refused: the handle's own file closes it");
	close(fd);
	munmap(mem, len);
	check_freed(before, "refused: all freed");
}

/*
 * A creation whose argument is in a read-only page: the kernel reads it
 * and makes the descriptor, cannot write the result back (EFAULT) and
 * must leave nothing behind.
 */
static void test_fault(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + FAULT_CHECKS;
	unsigned char *mem = anon_filled(len, ref_a);
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	struct iomd_user_create *u;
	struct iomd_buffer_create *b;
	struct iomd_range *r;
	unsigned char *arg;
	uint32_t h = 0;
	int ret;

	arg = iomd_test_anon(page, MAP_PRIVATE);
	r = (struct iomd_range *)arg;
	*r = iomd_test_range(mem, len);
	u = (struct iomd_user_create *)(arg + 64);
	u->ranges = (uintptr_t)r;
	u->nr_ranges = 1;
	u->flags = IOMD_DIR_INOUT | IOMD_CREATE_HANDLE | IOMD_USER_PREPARE;
	b = (struct iomd_buffer_create *)(arg + 256);
	b->capacity = len;
	b->flags = IOMD_TEST_SHARED_INOUT | IOMD_CREATE_HANDLE;
	if (mprotect(arg, page, PROT_READ)) {
		iomd_tap_skip_to(end, "mprotect failed");
		goto out;
	}
	iomd_test_fails(iomd_fd, -1, dev_ioctl(iomd_fd, IOMD_IOC_USER_CREATE, u),
			EFAULT,
			"fault: USER_CREATE with HANDLE|USER_PREPARE, argument read-only");
	check_freed(before, "fault: no descriptor left");
	iomd_tap_eq(settle_pins(pin0), pin0, "fault: no page left pinned");
	iomd_test_fails(iomd_fd, -1,
			dev_ioctl(iomd_fd, IOMD_IOC_BUFFER_CREATE, b), EFAULT,
			"fault: BUFFER_CREATE with HANDLE, argument read-only");
	iomd_tap_ok(settle_descs(before->live_descriptors) ==
		    before->live_descriptors && no_handles_near(iomd_fd),
		    "fault: no descriptor left, no handle 0 to 8 to close");
	ret = buffer_handle(iomd_fd, page, 0, &h);
	iomd_tap_ok(!ret && !hclose(iomd_fd, h),
		    "fault: the next create by handle works (0x%x)", h);
out:
	munmap(arg, page);
	munmap(mem, len);
}

/*
 * BUFFER_CREATE by handle on a fresh /dev/iomd @dev whose argument @b is
 * in a write-protected page that @uffd watches: started in @c, held at
 * its copy-out.  1 if held, 0 if it returned, -1 if neither came.
 */
static int create_held(int dev, int uffd, struct iomd_buffer_create *b,
		       struct iomd_test_call *c)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)b & ~(uintptr_t)(page - 1),
			   .len = page },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	uint64_t addr;

	*b = (struct iomd_buffer_create) {
		.capacity = page,
		.flags = IOMD_TEST_SHARED_INOUT | IOMD_CREATE_HANDLE,
	};
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		iomd_tap_bail("UFFDIO_WRITEPROTECT: %s", strerror(errno));
	iomd_test_ioctl_start(c, dev, IOMD_IOC_BUFFER_CREATE, b);
	return iomd_test_uffd_fault(uffd, c, 20000, &addr);
}

/*
 * A creation held between reserving its handle and telling user space,
 * where a handle number exists that must name nothing yet.
 */
static void test_window(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + WINDOW_CHECKS;
	const uint32_t first = IOMD_HANDLE_BIT;
	struct uffdio_writeprotect off = { .mode = 0 };
	struct iomd_buffer_create *b;
	struct uffdio_range all;
	struct iomd_test_call c;
	struct iomd_info info;
	uint32_t other = 0;
	int dev, uffd, ret;
	unsigned char *arg;

	arg = iomd_test_anon(page, MAP_PRIVATE);
	memset(arg, 0, page);
	uffd = iomd_test_uffd_watch(arg, page, UFFDIO_REGISTER_MODE_WP);
	if (uffd < 0) {
		iomd_tap_diag("userfaultfd write-protection: %s",
			      strerror(-uffd));
		iomd_tap_skip_to(end, "no userfaultfd write-protection here");
		munmap(arg, page);
		return;
	}
	b = (struct iomd_buffer_create *)arg;
	all = (struct uffdio_range) { .start = (uintptr_t)arg, .len = page };
	off.range = all;

	/* Let go: the creation gets the number it reserved. */
	dev = iomd_test_open();
	ret = create_held(dev, uffd, b, &c);
	iomd_tap_eq(ret, 1,
		    "window: BUFFER_CREATE by handle waits to write its result back");
	iomd_tap_errno(hclose(dev, first), EBADF,
		       "window: its reserved handle cannot be closed");
	iomd_tap_errno(info_of(dev, first, &info), EBADF,
		       "window: nor named (INFO)");
	iomd_tap_errno(handle_op(dev, IOMD_IOC_HANDLE_EXPORT, first, 0, 0, 0,
				 0, NULL), EBADF,
		       "window: nor exported");
	ret = buffer_handle(dev, page, 0, &other);
	iomd_tap_ok(!ret && other != first,
		    "window: another creation meanwhile gets another number (0x%x)",
		    other);
	iomd_tap_ok(!iomd_test_call_done(&c),
		    "window: the first creation is still held");
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &off))
		iomd_tap_bail("UFFDIO_WRITEPROTECT off: %s", strerror(errno));
	ret = iomd_test_call_join(&c);
	iomd_tap_ok(!ret && b->fd == first,
		    "window: let go, it returns the number it reserved (%s, 0x%x)",
		    ret ? iomd_errno_name(-ret) : "0", b->fd);
	iomd_tap_ok(!info_of(dev, first, &info) && info.length == page,
		    "window: which now names its buffer");
	iomd_tap_ok(!hclose(dev, first) && !hclose(dev, other),
		    "window: both handles close");
	iomd_close(dev);

	/* Fail the write-back: the number is free again, nothing is left. */
	dev = iomd_test_open();
	ret = create_held(dev, uffd, b, &c);
	iomd_tap_eq(ret, 1, "window: held again");
	munmap(arg, page);
	if (ioctl(uffd, UFFDIO_WAKE, &all))
		iomd_tap_bail("UFFDIO_WAKE: %s", strerror(errno));
	ret = iomd_test_call_join(&c);
	iomd_tap_errno(ret, EFAULT,
		       "window: with its argument unmapped meanwhile, the creation fails");
	ret = buffer_handle(dev, page, 0, &other);
	iomd_tap_ok(!ret && other == first && !hclose(dev, other) &&
		    settle_descs(before->live_descriptors) ==
		    before->live_descriptors,
		    "window: its number is free again (0x%x) and no descriptor is left",
		    other);
	iomd_close(dev);
	close(uffd);
}

static void test_fork(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + FORK_CHECKS;
	struct iomd_info info;
	uint32_t h = 0, ch = 0;
	int pipefd[2];
	pid_t pid;

	if (buffer_handle(iomd_fd, len, 0, &h) || pipe(pipefd)) {
		iomd_tap_skip_to(end, "no handle");
		return;
	}
	pid = fork();
	if (!pid) {
		close(pipefd[0]);
		if (info_of(iomd_fd, h, &info) || info.length != len)
			_exit(1);
		if (buffer_handle(iomd_fd, page, 0, &ch))
			_exit(2);
		if (write(pipefd[1], &ch, sizeof(ch)) != sizeof(ch))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &ch, sizeof(ch)) != sizeof(ch))
		ch = 0;
	close(pipefd[0]);
	iomd_test_child_ok(pid, "fork: the child uses the parent's handle (INFO) and makes one");
	iomd_tap_ok(ch && !info_of(iomd_fd, ch, &info) && info.length == page,
		    "fork: the parent sees the child's handle 0x%x", ch);
	hclose(iomd_fd, h);
	if (ch)
		hclose(iomd_fd, ch);
	check_freed(before, "fork: all freed");
}

static void test_release(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + RELEASE_CHECKS;
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	int up[2], down[2];
	char c = 0;
	pid_t pid;

	if (pipe(up) || pipe(down)) {
		iomd_tap_skip_to(end, "no pipes");
		return;
	}
	pid = fork();
	if (!pid) {
		int dev = iomd_open();
		unsigned char *mem = anon_filled(len, ref_a);
		uint32_t a, b;

		if (dev < 0 ||
		    user_desc(dev, mem, len, IOMD_DIR_INOUT |
			      IOMD_CREATE_HANDLE | IOMD_USER_PREPARE, &a) ||
		    buffer_handle(dev, len, 0, &b))
			_exit(1);
		if (write(up[1], "w", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		/* Exit with both handles and the /dev/iomd fd open. */
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	iomd_tap_ok(read(up[0], &c, 1) == 1,
		    "release: a child on its own /dev/iomd holds a wired user handle and a buffer handle");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, NPAGES,
		    "release: %d pages pinned while it lives", NPAGES);
	iomd_tap_eq(iomd_test_live_descriptors(iomd_fd),
		    before->live_descriptors + 2,
		    "release: two descriptors live while it lives");
	if (write(down[1], "x", 1) != 1)
		iomd_tap_diag("release: cannot tell the child to go");
	close(down[1]);
	close(up[0]);
	iomd_test_child_ok(pid, "release: the child exits without closing anything");
	iomd_tap_eq(settle_pins(pin0), pin0,
		    "release: its pages are unpinned");
	check_freed(before, "release: its descriptors are freed");
}

/* What the child of test_limit() reports. */
struct limit_report {
	int zero;	/* a create with RLIMIT_NOFILE 0: 0 or -errno */
	int made;	/* handles made before the first failure */
	int err;	/* that failure, -errno */
	int reason;	/* its reason's errno, -errno */
	int again;	/* a create after closing one: 0 or -errno */
};

static void limit_child(int dev, int out)
{
	struct limit_report rep = { .err = 0 };
	struct rlimit rl = { 0, NOFILE };
	uint32_t h, first = 0;
	char text[256];
	int i, ret = 0;

	if (setrlimit(RLIMIT_NOFILE, &rl) || setgroups(0, NULL) ||
	    setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ||
	    geteuid() != 1000)
		_exit(2);
	rep.zero = buffer_handle(dev, page, 0, &h);
	rl.rlim_cur = NOFILE;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		_exit(4);
	for (i = 0; i < 4 * NOFILE; i++) {
		ret = buffer_handle(dev, page, 0, &h);
		if (ret)
			break;
		if (!first)
			first = h;
		rep.made++;
	}
	rep.err = ret;
	rep.reason = INT_MIN;
	if (iomd_reason(dev, -1, &rep.reason, text, sizeof(text)) || !text[0])
		rep.reason = INT_MIN;
	rep.again = -ENOENT;
	if (first && !hclose(dev, first))
		rep.again = buffer_handle(dev, page, 0, &h);
	_exit(write(out, &rep, sizeof(rep)) == sizeof(rep) ? 0 : 3);
}

static void test_limit(const struct iomd_stats *before)
{
	struct limit_report rep = { .made = -1 };
	int dev, pipefd[2];
	pid_t pid;

	dev = iomd_test_open();
	if (pipe(pipefd))
		iomd_tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (!pid)
		limit_child(dev, pipefd[1]);
	close(pipefd[1]);
	close(dev);
	if (read(pipefd[0], &rep, sizeof(rep)) != sizeof(rep))
		rep.made = -1;
	close(pipefd[0]);
	iomd_test_child_ok(pid, "limit: a uid 1000 child makes handles until one fails");
	iomd_tap_errno(rep.zero, EMFILE,
		       "limit: with RLIMIT_NOFILE 0 no handle can be made");
	iomd_tap_ok(rep.made >= 1 && rep.made <= NOFILE,
		    "limit: it made %d handles, at most %d", rep.made, NOFILE);
	iomd_tap_errno(rep.err, EMFILE, "limit: the next one fails with EMFILE");
	iomd_tap_eq(rep.reason, -EMFILE, "limit: and its reason carries EMFILE");
	iomd_tap_errno(rep.again, 0,
		       "limit: after closing one, a create works again");
	check_freed(before, "limit: the child gone, its handles are freed");
}

static void test_library(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + LIBRARY_CHECKS;
	unsigned char *mem = anon_filled(len, ref_a);
	struct iomd_range r = iomd_test_range(mem, len);
	unsigned char *back = iomd_test_malloc(len);
	uint32_t hb = 0, hu = 0;
	int fd, ex, ret, err, parts[1];
	char text[64];
	void *p;

	fd = iomd_buffer_create(iomd_fd, len, 0, IOMD_TEST_SHARED_INOUT);
	if (fd < 0) {
		iomd_tap_skip_to(end, "no buffer");
		goto out;
	}
	parts[0] = fd;
	iomd_tap_errno(iomd_buffer_create(iomd_fd, len, 0,
					  IOMD_TEST_SHARED_INOUT |
					  IOMD_CREATE_HANDLE),
		       EINVAL, "library: iomd_buffer_create() refuses IOMD_CREATE_HANDLE");
	iomd_tap_errno(iomd_user_create(iomd_fd, &r, 1,
					IOMD_DIR_INOUT | IOMD_CREATE_HANDLE),
		       EINVAL, "library: iomd_user_create() refuses it");
	iomd_tap_errno(iomd_subrange_create(iomd_fd, fd, 0, page,
					    IOMD_CREATE_HANDLE),
		       EINVAL, "library: iomd_subrange_create() refuses it");
	iomd_tap_errno(iomd_multi_create(iomd_fd, parts, 1, IOMD_CREATE_HANDLE),
		       EINVAL, "library: iomd_multi_create() refuses it");
	iomd_tap_errno(iomd_import_dmabuf(iomd_fd, fd, IOMD_CREATE_HANDLE),
		       EINVAL, "library: iomd_import_dmabuf() refuses it");
	iomd_tap_eq(iomd_test_live_descriptors(iomd_fd),
		    before->live_descriptors + 1,
		    "library: and none of them made anything");
	ret = iomd_buffer_create_handle(iomd_fd, len, 0,
					IOMD_TEST_SHARED_INOUT, &hb);
	iomd_tap_ok(!ret && (hb & IOMD_HANDLE_BIT),
		    "library: iomd_buffer_create_handle() (0x%x)", hb);
	ret = iomd_user_create_handle(iomd_fd, &r, 1,
				      IOMD_DIR_INOUT | IOMD_USER_PREPARE, &hu);
	iomd_tap_ok(!ret && (hu & IOMD_HANDLE_BIT) &&
		    !iomd_kread(iomd_fd, (int)hu, 0, back, len) &&
		    !memcmp(back, ref_a, len),
		    "library: iomd_user_create_handle() with IOMD_USER_PREPARE reads back (0x%x)",
		    hu);
	ex = iomd_handle_export(iomd_fd, hb, IOMD_CREATE_CLOEXEC);
	p = NULL;
	ret = ex < 0 ? ex : iomd_map(ex, 0, len, PROT_READ | PROT_WRITE, &p);
	iomd_tap_ok(!ret,
		    "library: iomd_handle_export() gives a mappable fd (%d)", ex);
	err = 1;
	ret = iomd_handle_reason(iomd_fd, hu, &err, text, sizeof(text));
	iomd_tap_ok(!ret && !err && !text[0],
		    "library: iomd_handle_reason(): nothing failed (%d, %d)",
		    ret, err);
	iomd_tap_errno(iomd_handle_reason(iomd_fd, 5, &err, NULL, 0), EBADF,
		       "library: iomd_handle_reason() of a value that is no handle");
	iomd_tap_ok(!iomd_handle_close(iomd_fd, hb) &&
		    !iomd_handle_close(iomd_fd, hu),
		    "library: iomd_handle_close() of both");
	iomd_tap_errno(iomd_handle_close(iomd_fd, hu), EBADF,
		       "library: iomd_handle_close() again");
	if (p)
		iomd_unmap(p, len);
	if (ex >= 0)
		close(ex);
	close(fd);
	check_freed(before, "library: all freed");
out:
	munmap(mem, len);
	free(back);
}

/*
 * As uid 1000 with a MEMLOCK_PAGES RLIMIT_MEMLOCK, on the inherited
 * /dev/iomd: exits 0 if wiring by handle, exporting, closing and a
 * refused over-limit wiring all behave.
 */
static void unpriv_child(void)
{
	struct rlimit rl = { MEMLOCK_PAGES * page, MEMLOCK_PAGES * page };
	size_t big = 2 * MEMLOCK_PAGES * page;
	unsigned char *mem = anon_filled(len, ref_a);
	unsigned char *huge_mem = iomd_test_anon(big, MAP_PRIVATE);
	unsigned char back[64];
	struct iomd_info info;
	uint32_t h = 0, x;
	unsigned int i;
	int fd;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ||
	    geteuid() != 1000)
		_exit(2);
	if (user_desc(iomd_fd, mem, len, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
		      IOMD_USER_PREPARE, &h) || !(h & IOMD_HANDLE_BIT))
		_exit(3);
	if (info_of(iomd_fd, h, &info) || info.wire_count != 1 ||
	    iomd_kread(iomd_fd, (int)h, page, back, sizeof(back)) ||
	    memcmp(back, ref_a + page, sizeof(back)))
		_exit(4);
	fd = iomd_handle_export(iomd_fd, h, 0);
	if (fd < 0 || hclose(iomd_fd, h) ||
	    info_of(iomd_fd, (uint32_t)fd, &info) || info.wire_count != 1)
		_exit(5);
	close(fd);
	/* The limit itself, again and again: each close gives the charge back. */
	for (i = 0; i < 4; i++)
		if (user_desc(iomd_fd, huge_mem, MEMLOCK_PAGES * page,
			      IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
			      IOMD_USER_PREPARE, &x) || hclose(iomd_fd, x))
			_exit(8);
	if (user_desc(iomd_fd, huge_mem, big, IOMD_DIR_INOUT |
		      IOMD_CREATE_HANDLE | IOMD_USER_PREPARE, &x) != -ENOMEM)
		_exit(6);
	if (!no_handles_near(iomd_fd))
		_exit(7);
	_exit(0);
}

static void test_unpriv(const struct iomd_stats *before)
{
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	pid_t pid;

	pid = fork();
	if (!pid)
		unpriv_child();
	iomd_test_child_ok(pid, "uid 1000, %d-page memlock: wire, export, close, limit x4, ENOMEM",
			   MEMLOCK_PAGES);
	iomd_tap_eq(settle_pins(pin0), pin0, "uid 1000: nothing left pinned");
	check_freed(before, "uid 1000: nothing left live");
}

/* One thread of test_race(): its random stream and what it saw. */
struct racer {
	pthread_t thread;
	uint64_t rng;
	unsigned int made;	/* handles created */
	unsigned int odd;	/* results other than success and EBADF */
	int first_odd;		/* the first of those */
};

static uint32_t race_next(struct racer *r)
{
	r->rng = r->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(r->rng >> 33);
}

static void race_note(struct racer *r, int ret)
{
	if (!ret || ret == -EBADF)
		return;
	if (!r->odd++)
		r->first_odd = ret;
}

/*
 * Create a handle, use it, export it, close some handle (any thread's,
 * by number) and then its own: with other threads doing the same, the
 * handle numbers are reused all the time.
 */
static void *race_run(void *arg)
{
	struct racer *r = arg;
	struct iomd_info info;
	unsigned int i;
	uint32_t h, fd;
	int ret;

	for (i = 0; i < RACE_ROUNDS; i++) {
		ret = buffer_handle(iomd_fd, page, 0, &h);
		race_note(r, ret);
		if (ret)
			continue;
		r->made++;
		race_note(r, info_of(iomd_fd, h, &info));
		ret = handle_op(iomd_fd, IOMD_IOC_HANDLE_EXPORT,
				IOMD_HANDLE_BIT | (race_next(r) % 9), 0, 0,
				0, 0, &fd);
		race_note(r, ret);
		if (!ret)
			close((int)fd);
		race_note(r, hclose(iomd_fd,
				    IOMD_HANDLE_BIT | (race_next(r) % 9)));
		if (race_next(r) % 4)
			race_note(r, hclose(iomd_fd, h));
	}
	return NULL;
}

static void test_race(const struct iomd_stats *before)
{
	struct racer r[RACE_THREADS];
	unsigned int i, made = 0, odd = 0;
	int first = 0, started = 0;
	uint32_t h;

	memset(r, 0, sizeof(r));
	for (i = 0; i < RACE_THREADS; i++) {
		r[i].rng = SEED_A + i;
		if (pthread_create(&r[i].thread, NULL, race_run, &r[i]))
			break;
		started++;
	}
	for (i = 0; i < (unsigned int)started; i++) {
		pthread_join(r[i].thread, NULL);
		made += r[i].made;
		if (r[i].odd && !odd)
			first = r[i].first_odd;
		odd += r[i].odd;
	}
	iomd_tap_ok(started == RACE_THREADS && made > 0,
		    "race: %d threads made %u handles", started, made);
	iomd_tap_ok(!odd, "race: only successes and EBADF (%u others, first %d)",
		    odd, first);
	/* The survivors: every number up to the most that were ever open. */
	for (h = 0; h <= RACE_THREADS * RACE_ROUNDS; h++)
		hclose(iomd_fd, IOMD_HANDLE_BIT | h);
	check_freed(before, "race: the survivors closed, nothing is left");
}

/* Handles of a new open whose lengths are 1..TABLE_HANDLES bytes. */
static void test_table(const struct iomd_stats *before)
{
	static const unsigned int gone[] = { 70, 5, 150 };
	unsigned int end = iomd_tap_count() + TABLE_CHECKS;
	uint32_t h[TABLE_HANDLES], again[3], low = 0;
	unsigned char *mem = anon_filled(page, ref_a);
	unsigned int i, made = 0, ordered = 0, named = 0;
	struct rlimit rl, lowered;
	struct iomd_info info;
	int dev = iomd_test_open();
	int ret = 0;

	for (i = 0; i < TABLE_HANDLES && !ret; i++) {
		ret = user_desc(dev, mem, i + 1,
				IOMD_DIR_INOUT | IOMD_CREATE_HANDLE, &h[i]);
		made += !ret;
		ordered += !ret && h[i] == (IOMD_HANDLE_BIT | i);
	}
	if (!iomd_tap_ok(made == TABLE_HANDLES && ordered == made,
			 "table: %u handles made on a new open, %u numbered in order from 0",
			 made, ordered)) {
		iomd_tap_skip_to(end, "no table");
		goto out;
	}
	for (i = 0; i < TABLE_HANDLES; i++)
		named += !info_of(dev, h[i], &info) && info.length == i + 1;
	iomd_tap_eq(named, TABLE_HANDLES,
		    "table: each names its own descriptor");

	for (i = 0; i < 3; i++)
		ret |= hclose(dev, h[gone[i]]);
	iomd_tap_ok(!ret && info_of(dev, h[70], &info) == -EBADF &&
		    !info_of(dev, h[71], &info) && info.length == 72,
		    "table: a closed handle names nothing, its neighbour still does");
	for (i = 0; i < 3; i++)
		if (user_desc(dev, mem, page, IOMD_DIR_INOUT |
			      IOMD_CREATE_HANDLE, &again[i]))
			again[i] = 0;
	iomd_tap_ok(again[0] == (IOMD_HANDLE_BIT | 5) &&
		    again[1] == (IOMD_HANDLE_BIT | 70) &&
		    again[2] == (IOMD_HANDLE_BIT | 150),
		    "table: new handles take the closed numbers, lowest first (0x%x 0x%x 0x%x)",
		    again[0], again[1], again[2]);
	iomd_tap_ok(!info_of(dev, again[1], &info) && info.length == page,
		    "table: a reused number names the new descriptor");
	iomd_tap_errno(info_of(dev, IOMD_HANDLE_BIT | 100000, &info), EBADF,
		       "table: a number past the table is refused");

	/* Every number below TABLE_HANDLES is in use. */
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		iomd_tap_skip_to(end - 1, "no RLIMIT_NOFILE");
		goto close;
	}
	lowered = rl;
	lowered.rlim_cur = TABLE_HANDLES / 2;
	if (setrlimit(RLIMIT_NOFILE, &lowered)) {
		iomd_tap_skip_to(end - 1, "cannot lower RLIMIT_NOFILE");
		goto close;
	}
	ret = user_desc(dev, mem, page, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE,
			&low);
	if (!hclose(dev, h[60]) &&
	    user_desc(dev, mem, page, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE,
		      &low))
		low = 0;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		iomd_tap_diag("table: cannot restore RLIMIT_NOFILE");
	iomd_tap_ok(ret == -EMFILE && low == (IOMD_HANDLE_BIT | 60),
		    "table: with RLIMIT_NOFILE %d, no handle until one below it is free (%d, then 0x%x)",
		    TABLE_HANDLES / 2, ret, low);
close:
	close(dev);
	check_freed(before, "table: closing the open frees every descriptor");
out:
	munmap(mem, page);
}

/*
 * Wire @npages of fresh memory by a handle of @dev, check that exactly
 * those pages are pinned and read back through it, and close it: up to
 * FEW_PAGES the page array is part of the descriptor, past it allocated.
 */
static bool wire_read_close(int dev, unsigned int npages)
{
	size_t bytes = npages * page;
	unsigned char *ref = iomd_test_malloc(bytes);
	unsigned char *back = iomd_test_malloc(bytes);
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	unsigned char *mem;
	uint32_t h = 0;
	bool ok;

	iomd_test_fill(ref, bytes, SEED_A + npages);
	mem = anon_filled(bytes, ref);
	ok = !user_desc(dev, mem, bytes, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
			IOMD_USER_PREPARE, &h) &&
	     iomd_test_pinned_pages(iomd_fd) - pin0 == npages &&
	     !iomd_kread(dev, (int)h, 0, back, bytes) &&
	     !memcmp(back, ref, bytes);
	if (h)
		ok &= !hclose(dev, h);
	munmap(mem, bytes);
	free(ref);
	free(back);
	return ok;
}

/*
 * A closed handle's descriptor leaves its memory to the open file's next
 * user descriptor: what that one describes must be its own ranges only,
 * and a descriptor something else still holds must never be taken.
 */
static void test_spare(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + SPARE_CHECKS;
	unsigned char *a = anon_filled(len, ref_a);
	unsigned char *b = anon_filled(len, ref_b);
	unsigned char *back = iomd_test_malloc(len);
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd);
	struct iomd_range two[2] = {
		iomd_test_range(a + 2 * page, 2 * page),
		iomd_test_range(a, 2 * page),
	};
	struct iomd_user_create u = {
		.ranges = (uintptr_t)two,
		.nr_ranges = 2,
		.flags = IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
			 IOMD_USER_PREPARE,
	};
	struct iomd_info info;
	int dev = iomd_test_open();
	uint32_t h = 0, fd = 0;
	int ret;

	if (!iomd_tap_ok(!dev_ioctl(dev, IOMD_IOC_USER_CREATE, &u) &&
			 !hclose(dev, u.fd) && settle_pins(pin0) == pin0,
			 "spare: a wired handle of two ranges, closed, unpinned")) {
		iomd_tap_skip_to(end, "no handle");
		goto out;
	}
	ret = user_desc(dev, b + page, page, IOMD_DIR_INOUT |
			IOMD_CREATE_HANDLE | IOMD_USER_PREPARE, &h);
	iomd_tap_ok(!ret && !info_of(dev, h, &info) &&
		    info.kind == IOMD_KIND_USER && info.length == page &&
		    info.wire_count == 1 &&
		    iomd_test_pinned_pages(iomd_fd) - pin0 == 1,
		    "spare: the next one is one wired page, one page pinned");
	iomd_test_mem(iomd_kread(dev, (int)h, 0, back, page), back,
		      ref_b + page, page,
		      "spare: it reads its own range, not the closed one's");
	ret = hclose(dev, h);
	ret |= user_desc(dev, a, len, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
			 IOMD_USER_PREPARE, &h);
	ret |= handle_op(dev, IOMD_IOC_HANDLE_EXPORT, h, 0, 0, 0, 0, &fd);
	ret |= hclose(dev, h);
	ret |= user_desc(dev, b, len, IOMD_DIR_INOUT | IOMD_CREATE_HANDLE |
			 IOMD_USER_PREPARE, &h);
	iomd_tap_ok(!ret, "spare: a handle closed while an fd holds its descriptor, another made");
	iomd_test_mem(iomd_kread(dev, (int)fd, 0, back, len), back, ref_a,
		      len, "spare: the fd still reads its own memory");
	if (!ret) {
		close((int)fd);
		hclose(dev, h);
	}
	iomd_tap_ok(wire_read_close(dev, FEW_PAGES) &&
		    wire_read_close(dev, FEW_PAGES + 1) &&
		    wire_read_close(dev, 2) && settle_pins(pin0) == pin0,
		    "spare: %d, %d and 2 pages wired in turn each pin and read their own memory",
		    FEW_PAGES, FEW_PAGES + 1);
out:
	close(dev);
	check_freed(before, "spare: closing the open frees every descriptor");
	munmap(a, len);
	munmap(b, len);
	free(back);
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	len = NPAGES * page;
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	ref_a = iomd_test_malloc(len);
	ref_b = iomd_test_malloc(len);
	iomd_test_fill(ref_a, len, SEED_A);
	iomd_test_fill(ref_b, len, SEED_B);
	iomd_test_stats(iomd_fd, &before);

	test_buffer(&before);
	test_revoke(&before);
	test_user(&before);
	test_compose(&before);
	test_dmabuf(&before);
	test_refused(&before);
	test_fault(&before);
	test_window(&before);
	test_fork(&before);
	test_release(&before);
	test_limit(&before);
	test_library(&before);
	test_unpriv(&before);
	test_table(&before);
	test_spare(&before);
	test_race(&before);

	iomd_test_no_leaks(iomd_fd, &before);
	free(ref_a);
	free(ref_b);
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
