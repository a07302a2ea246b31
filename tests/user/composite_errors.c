// SPDX-License-Identifier: GPL-2.0
/*
 * composite_errors: every refusal of IOMD_IOC_SUBRANGE and IOMD_IOC_MULTI
 * with its errno and reason, the composite's direction, lifetime, and
 * revocation.
 *
 * Revoking a descriptor revokes the composites that contain it, directly
 * or nested: their mappings get SIGBUS and their kernel reads ENODEV, and
 * no new composite can be made of it.  Revoking a composite leaves its
 * parts alone.  A composite keeps its parts alive after their fds are
 * closed, and frees them with itself.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map_common.h"

#define SUB_CHECKS	16
#define MULTI_CHECKS	16
#define DIR_CHECKS	6
#define REVOKE_CHECKS	12
#define LIFE_CHECKS	3
#define SIZE_CHECKS	16
#define PLAN		(SUB_CHECKS + MULTI_CHECKS + DIR_CHECKS + \
			 REVOKE_CHECKS + LIFE_CHECKS + SIZE_CHECKS + 2)

/* The module's bound on the pages of one composite. */
#define LIMIT_PARAM	"/sys/module/iomd/parameters/max_composite_pages"

static int iomd_fd;
static size_t page;

static int make_buffer(size_t len, uint32_t flags)
{
	int fd = iomd_buffer_create(iomd_fd, len, 0, flags);

	if (fd < 0)
		iomd_tap_bail("buffer: %s", strerror(-fd));
	return fd;
}

/* IOMD_IOC_SUBRANGE with a raw argument; the new fd or -errno. */
static int sub_raw(struct iomd_subrange_create *arg)
{
	int ret = iomd_ioctl(iomd_fd, IOMD_IOC_SUBRANGE, arg);

	return ret < 0 ? ret : (int)arg->new_fd;
}

/* A refused creation: 2 lines; a created fd is closed. */
static void expect_fails(int ret, int want, const char *what)
{
	if (ret >= 0)
		close(ret);
	iomd_test_fails(iomd_fd, -1, ret, want, "%s", what);
}

/* A refused creation, errno only: 1 line. */
static void expect_errno(int ret, int want, const char *what)
{
	if (ret >= 0)
		close(ret);
	iomd_tap_errno(ret, want, "%s", what);
}

static void check_subrange_errors(void)
{
	struct iomd_subrange_create arg;
	int b = make_buffer(2 * page, IOMD_TEST_SHARED_INOUT);
	int in = make_buffer(page, IOMD_DIR_IN | IOMD_BUF_KERNEL_USER_SHARED);

	expect_fails(iomd_subrange_create(iomd_fd, b, 0, 0, 0), EINVAL,
		     "sub-range of length 0: EINVAL");
	expect_fails(iomd_subrange_create(iomd_fd, b, UINT64_MAX - 10, 20, 0),
		     EOVERFLOW, "offset + length overflows: EOVERFLOW");
	expect_fails(iomd_subrange_create(iomd_fd, b, page, 2 * page, 0),
		     ERANGE, "range past the end: ERANGE");
	expect_fails(iomd_subrange_create(iomd_fd, b, 2 * page, 1, 0), ERANGE,
		     "offset at the end: ERANGE");
	expect_fails(iomd_subrange_create(iomd_fd, b, 0, 1, 1u << 30), EINVAL,
		     "unknown flags: EINVAL");

	memset(&arg, 0, sizeof(arg));
	arg.fd = b;
	arg.length = 1;
	arg.reserved[1] = 1;
	expect_errno(sub_raw(&arg), EINVAL, "non-zero reserved: EINVAL");
	arg.reserved[1] = 0;
	arg.new_fd = 3;
	expect_errno(sub_raw(&arg), EINVAL, "non-zero new_fd: EINVAL");

	expect_errno(iomd_subrange_create(iomd_fd, 9999, 0, 1, 0), EBADF,
		     "fd not open: EBADF");
	expect_errno(iomd_subrange_create(iomd_fd, iomd_fd, 0, 1, 0), EBADFD,
		     "fd not a descriptor: EBADFD");
	expect_fails(iomd_subrange_create(iomd_fd, in, 0, 1, IOMD_DIR_OUT),
		     EINVAL, "direction OUT of an IN descriptor: EINVAL");
	close(in);
	close(b);
}

static void check_multi_errors(void)
{
	int b = make_buffer(page, IOMD_TEST_SHARED_INOUT);
	int in = make_buffer(page, IOMD_DIR_IN | IOMD_BUF_KERNEL_USER_SHARED);
	int out = make_buffer(page, IOMD_DIR_OUT | IOMD_BUF_KERNEL_USER_SHARED);
	struct iomd_multi_create arg;
	uint32_t ufds[IOMD_MULTI_MAX_DESCS + 1];
	int fds[IOMD_MULTI_MAX_DESCS], nest[IOMD_COMPOSITE_MAX_DEPTH + 1];
	struct iomd_info info;
	unsigned int i;
	int ret, m;

	for (i = 0; i < IOMD_MULTI_MAX_DESCS + 1; i++)
		ufds[i] = b;
	for (i = 0; i < IOMD_MULTI_MAX_DESCS; i++)
		fds[i] = b;
	memset(&arg, 0, sizeof(arg));
	arg.fds = (uintptr_t)ufds;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_MULTI, &arg);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL, "no fds: EINVAL");
	arg.nr_fds = IOMD_MULTI_MAX_DESCS + 1;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_MULTI, &arg);
	if (ret >= 0)
		close(arg.fd);
	iomd_test_fails(iomd_fd, -1, ret, E2BIG,
			"more than IOMD_MULTI_MAX_DESCS fds: E2BIG");
	arg.nr_fds = 1;
	arg.fds = 8;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_MULTI, &arg);
	iomd_tap_errno(ret, EFAULT, "unreadable fd array: EFAULT");

	fds[0] = in;
	fds[1] = out;
	expect_fails(iomd_multi_create(iomd_fd, fds, 2, 0), EINVAL,
		     "parts IN and OUT have no direction in common: EINVAL");
	fds[1] = 9999;
	expect_errno(iomd_multi_create(iomd_fd, fds, 2, 0), EBADF,
		     "one fd not open: EBADF");
	fds[0] = b;
	fds[1] = b;
	expect_errno(iomd_multi_create(iomd_fd, fds, 2, 1u << 29), EINVAL,
		     "unknown flags: EINVAL");

	m = iomd_multi_create(iomd_fd, fds, IOMD_MULTI_MAX_DESCS, 0);
	iomd_tap_errno(m, 0, "IOMD_MULTI_MAX_DESCS parts, one fd repeated");
	ret = m < 0 ? m : iomd_info(iomd_fd, m, &info);
	iomd_tap_ok(!ret && info.length == IOMD_MULTI_MAX_DESCS * page,
		    "its length is the sum of the parts'");
	if (m >= 0)
		close(m);

	/* Sub-ranges of sub-ranges, IOMD_COMPOSITE_MAX_DEPTH deep. */
	nest[0] = b;
	for (i = 1; i <= IOMD_COMPOSITE_MAX_DEPTH; i++) {
		nest[i] = iomd_subrange_create(iomd_fd, nest[i - 1], 0, page, 0);
		if (nest[i] < 0)
			break;
	}
	iomd_tap_eq(i, IOMD_COMPOSITE_MAX_DEPTH + 1,
		    "composites nest IOMD_COMPOSITE_MAX_DEPTH deep");
	ret = i > IOMD_COMPOSITE_MAX_DEPTH ?
	      iomd_subrange_create(iomd_fd, nest[IOMD_COMPOSITE_MAX_DEPTH],
				   0, page, 0) : 0;
	expect_fails(ret, ELOOP, "one more level: ELOOP");
	while (--i > 0)
		close(nest[i]);

	fds[0] = in;
	fds[1] = b;
	m = iomd_multi_create(iomd_fd, fds, 2, 0);
	ret = m < 0 ? m : iomd_info(iomd_fd, m, &info);
	iomd_tap_ok(!ret && info.direction == IOMD_DIR_IN,
		    "multi of IN and INOUT parts is IN");
	if (m >= 0) {
		void *map;

		ret = iomd_map(m, 0, 2 * page, PROT_READ | PROT_WRITE, &map);
		if (!ret)
			iomd_unmap(map, 2 * page);
		iomd_tap_errno(ret, EACCES, "so a writable mmap of it fails");
		close(m);
	} else {
		iomd_tap_ok(false, "no multi to map");
	}
	close(out);
	close(in);
	close(b);
}

static void check_directions(void)
{
	int b = make_buffer(2 * page, IOMD_TEST_SHARED_INOUT), u, m, s, fds[2];
	struct iomd_range r;
	uint8_t data[8] = { 1 }, *mem;
	void *map;
	int ret;

	s = iomd_subrange_create(iomd_fd, b, 0, page, IOMD_DIR_IN);
	iomd_tap_errno(s, 0, "read-only view: sub-range IN of an INOUT buffer");
	ret = iomd_map(s, 0, page, PROT_READ | PROT_WRITE, &map);
	if (!ret)
		iomd_unmap(map, page);
	iomd_tap_errno(ret, EACCES, "its writable mmap fails with EACCES");
	ret = iomd_map(s, 0, page, PROT_READ, &map);
	if (!ret)
		iomd_unmap(map, page);
	iomd_tap_errno(ret, 0, "its read-only mmap works");
	close(s);

	/* User memory described OUT is pinned read-only. */
	mem = aligned_alloc(page, page);
	if (!mem)
		iomd_tap_bail("out of memory");
	r.addr = (uintptr_t)mem;
	r.length = page;
	u = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_OUT | IOMD_USER_PREPARE);
	fds[0] = b;
	fds[1] = u;
	m = iomd_multi_create(iomd_fd, fds, 2, 0);
	ret = m < 0 ? m : iomd_kwrite(iomd_fd, m, 0, data, sizeof(data));
	iomd_tap_errno(ret, EACCES,
		       "KWRITE to a multi with read-only pinned memory: EACCES");
	if (m >= 0)
		close(m);
	close(u);
	free(mem);

	/* Parts that do not meet on a page boundary. */
	s = iomd_subrange_create(iomd_fd, b, 0, page + 5, 0);
	fds[0] = s;
	fds[1] = b;
	m = iomd_multi_create(iomd_fd, fds, 2, 0);
	ret = m < 0 ? m : iomd_kread_flags(iomd_fd, m, IOMD_RW_KMAP, 0, data,
					   sizeof(data));
	iomd_tap_errno(ret, EINVAL,
		       "IOMD_RW_KMAP of parts not meeting on a page boundary: EINVAL");
	ret = m < 0 ? m : iomd_kread(iomd_fd, m, page, data, sizeof(data));
	iomd_tap_errno(ret, 0, "KREAD of them works");
	if (m >= 0)
		close(m);
	close(s);
	close(b);
}

/* Read the first byte of @p: 0 or the signal. */
static int probe(const void *p)
{
	unsigned char v;

	return map_probe_read(p, &v);
}

static void check_revoke(void)
{
	int b = make_buffer(2 * page, IOMD_TEST_SHARED_INOUT);
	int other = make_buffer(page, IOMD_TEST_SHARED_INOUT);
	int s, m, fds[2], ret;
	uint8_t *smap, *mmap_, *bmap, byte;

	s = iomd_subrange_create(iomd_fd, b, 0, 2 * page, 0);
	fds[0] = s;
	fds[1] = other;
	m = iomd_multi_create(iomd_fd, fds, 2, 0);
	if (s < 0 || m < 0 ||
	    iomd_map(s, 0, 2 * page, PROT_READ, (void **)&smap) ||
	    iomd_map(m, 0, 3 * page, PROT_READ, (void **)&mmap_))
		iomd_tap_bail("cannot set up the revocation case");
	probe(smap);
	probe(mmap_);
	iomd_tap_errno(iomd_revoke(iomd_fd, b), 0, "revoke the buffer");
	iomd_tap_eq(probe(smap), SIGBUS,
		    "its sub-range's mapping gets SIGBUS");
	iomd_tap_eq(probe(mmap_ + 2 * page), SIGBUS,
		    "so does the nested multi's, also over the other part");
	ret = iomd_kread(iomd_fd, s, 0, &byte, 1);
	iomd_tap_errno(ret, ENODEV, "KREAD of the sub-range: ENODEV");
	ret = iomd_kread(iomd_fd, m, 0, &byte, 1);
	iomd_tap_errno(ret, ENODEV, "KREAD of the multi: ENODEV");
	expect_errno(iomd_subrange_create(iomd_fd, b, 0, 1, 0), ENODEV,
		     "a new sub-range of the revoked buffer: ENODEV");
	expect_errno(iomd_subrange_create(iomd_fd, s, 0, 1, 0), ENODEV,
		     "a new sub-range of its revoked sub-range: ENODEV");
	ret = iomd_kread(iomd_fd, other, 0, &byte, 1);
	iomd_tap_errno(ret, 0, "the multi's other part still works");
	iomd_unmap(smap, 2 * page);
	iomd_unmap(mmap_, 3 * page);
	close(m);
	close(s);
	close(b);

	/* Revoking the composite leaves its part alone. */
	b = make_buffer(page, IOMD_TEST_SHARED_INOUT);
	s = iomd_subrange_create(iomd_fd, b, 0, page, 0);
	if (s < 0 || iomd_map(s, 0, page, PROT_READ, (void **)&smap) ||
	    iomd_map(b, 0, page, PROT_READ | PROT_WRITE, (void **)&bmap))
		iomd_tap_bail("cannot set up the second revocation case");
	probe(smap);
	iomd_revoke(iomd_fd, s);
	iomd_tap_eq(probe(smap), SIGBUS,
		    "revoking a sub-range: its mapping gets SIGBUS");
	bmap[0] = 9;
	iomd_tap_ok(probe(bmap) == 0 && bmap[0] == 9,
		    "the buffer's own mapping still works");
	ret = iomd_kread(iomd_fd, b, 0, &byte, 1);
	iomd_tap_ok(!ret && byte == 9, "and so does KREAD of the buffer");
	ret = iomd_kread(iomd_fd, s, 0, &byte, 1);
	iomd_tap_errno(ret, ENODEV, "KREAD of the sub-range: ENODEV");
	iomd_unmap(smap, page);
	iomd_unmap(bmap, page);
	close(s);
	close(other);
	close(b);
}

/* The limit's value at start, restored at exit; 0 when unknown. */
static unsigned long long saved_limit;

/* Read max_composite_pages into *@pages: 0 or -errno. */
static int limit_read(unsigned long long *pages)
{
	char text[32] = "", *end;
	ssize_t n;
	int fd;

	fd = open(LIMIT_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	*pages = strtoull(text, &end, 10);
	return end != text && *end == '\n' ? 0 : -EIO;
}

/* Write @text to max_composite_pages: 0 or -errno. */
static int limit_write(const char *text)
{
	ssize_t n;
	int fd;

	fd = open(LIMIT_PARAM, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static void limit_restore(void)
{
	char text[32];

	if (!saved_limit)
		return;
	snprintf(text, sizeof(text), "%llu", saved_limit);
	limit_write(text);
}

/* Whether the client's last reason mentions @word. */
static bool reason_has(const char *word)
{
	char text[512] = "";

	iomd_reason(iomd_fd, -1, NULL, text, sizeof(text));
	return strstr(text, word);
}

/*
 * Composites are bounded in pages before anything is allocated: the
 * issue's 1 TiB multi (64 multis of 64 x 256 MiB, here one multi
 * repeated) asked kvmalloc() for a 2 GiB page array and WARNed.  Then
 * the bound itself, lowered to a few pages: nested parts count in full,
 * partly covered pages count whole.
 */
static void check_size_limit(void)
{
	const size_t big = 256 << 20;
	unsigned long long limit = 0;
	int fds[IOMD_MULTI_MAX_DESCS], b, b9, m4, inner, ret;
	unsigned int start, i;
	struct iomd_info info;

	ret = limit_read(&limit);
	iomd_tap_ok(!ret && limit > 0, "max_composite_pages is readable (%llu)",
		    limit);

	b = iomd_buffer_create(iomd_fd, big, 0, IOMD_DIR_INOUT);
	if (b < 0)
		iomd_tap_bail("256 MiB buffer: %s", strerror(-b));
	for (i = 0; i < IOMD_MULTI_MAX_DESCS; i++)
		fds[i] = b;
	inner = iomd_multi_create(iomd_fd, fds, IOMD_MULTI_MAX_DESCS, 0);
	iomd_tap_ok(inner >= 0 || inner == -E2BIG,
		    "a multi of 64 x 256 MiB is made or refused with E2BIG (%s)",
		    iomd_errno_name(inner));
	ret = inner;
	if (inner >= 0) {
		for (i = 0; i < IOMD_MULTI_MAX_DESCS; i++)
			fds[i] = inner;
		ret = iomd_multi_create(iomd_fd, fds, IOMD_MULTI_MAX_DESCS, 0);
		close(inner);
	}
	if (ret >= 0)
		close(ret);
	iomd_test_fails(iomd_fd, -1, ret, E2BIG,
			"a composite of 1 TiB (64 x 64 x 256 MiB): E2BIG");
	iomd_tap_ok(ret < 0 && reason_has("max_composite_pages"),
		    "the reason names max_composite_pages");
	close(b);

	start = iomd_tap_count();
	if (limit_read(&saved_limit)) {
		iomd_tap_skip_to(start + 11, "no max_composite_pages parameter");
		return;
	}
	atexit(limit_restore);
	iomd_tap_errno(limit_write("8"), 0, "max_composite_pages set to 8");
	b = make_buffer(page, IOMD_TEST_SHARED_INOUT);
	b9 = make_buffer(9 * page, IOMD_TEST_SHARED_INOUT);
	for (i = 0; i < 9; i++)
		fds[i] = b;

	ret = iomd_multi_create(iomd_fd, fds, 8, 0);
	iomd_tap_ok(ret >= 0 && !iomd_info(iomd_fd, ret, &info) &&
		    info.length == 8 * page, "a multi of 8 pages is made");
	if (ret >= 0)
		close(ret);
	expect_fails(iomd_multi_create(iomd_fd, fds, 9, 0), E2BIG,
		     "a multi of 9 pages: E2BIG");
	expect_errno(iomd_subrange_create(iomd_fd, b9, 0, 8 * page, 0), 0,
		     "a sub-range of 8 whole pages is made");
	expect_errno(iomd_subrange_create(iomd_fd, b9, 1, 8 * page, 0), E2BIG,
		     "8 pages of bytes from byte 1 span 9 pages: E2BIG");

	m4 = iomd_multi_create(iomd_fd, fds, 4, 0);
	fds[0] = m4;
	fds[1] = m4;
	fds[2] = b;
	expect_errno(m4 < 0 ? m4 : iomd_multi_create(iomd_fd, fds, 2, 0), 0,
		     "a multi of two 4-page multis is made");
	expect_errno(m4 < 0 ? m4 : iomd_multi_create(iomd_fd, fds, 3, 0),
		     E2BIG, "nested parts count in full: 4 + 4 + 1 pages: E2BIG");
	if (m4 >= 0)
		close(m4);
	close(b9);
	close(b);

	iomd_tap_errno(limit_write("0"), EINVAL, "a limit of 0: EINVAL");
	iomd_tap_errno(limit_write("18446744073709551615"), EINVAL,
		       "a limit whose page array kvmalloc() refuses: EINVAL");
	limit_restore();
	ret = limit_read(&limit);
	iomd_tap_ok(!ret && limit == saved_limit,
		    "max_composite_pages restored to %llu", saved_limit);
}

static void check_lifetime(void)
{
	struct iomd_stats before, st;
	uint8_t byte = 0xee;
	int b, s;

	iomd_test_stats(iomd_fd, &before);
	b = make_buffer(page, IOMD_TEST_SHARED_INOUT);
	iomd_kwrite(iomd_fd, b, 7, &byte, 1);
	s = iomd_subrange_create(iomd_fd, b, 7, 1, 0);
	close(b);
	byte = 0;
	iomd_tap_ok(s >= 0 && !iomd_kread(iomd_fd, s, 0, &byte, 1) &&
		    byte == 0xee,
		    "the sub-range reads its buffer after the buffer's fd is closed");
	iomd_test_settle(iomd_fd, before.live_descriptors + 2,
			 before.live_bytes + page, &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors + 2,
		    "the buffer is alive while the sub-range is");
	close(s);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "closing the sub-range frees both");
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	map_probe_init();
	iomd_test_stats(iomd_fd, &before);

	check_subrange_errors();
	check_multi_errors();
	check_directions();
	check_revoke();
	check_lifetime();
	check_size_limit();

	iomd_test_no_leaks(iomd_fd, &before);
	close(iomd_fd);
	return iomd_tap_finish();
}
