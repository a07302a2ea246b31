// SPDX-License-Identifier: GPL-2.0
/*
 * composite_basic: sub-range and multi descriptors of every kind of
 * descriptor, seen from both sides.
 *
 * For each kind of parent (a buffer, a kernel range from the sample
 * driver, MAP_SHARED user memory, malloc'd user memory, and a multi
 * descriptor of two sub-ranges whose own descriptors are closed) a
 * sub-range at an offset that is not page-aligned and a multi descriptor
 * of the parent and a buffer must show the parent's bytes through
 * KREAD, through the kernel mapping (IOMD_RW_KMAP) and through a user
 * mapping, and writes through each must land in the parent's memory.
 * Parts that are not whole pages, and private memory, are refused for
 * user mappings with EPERM and a reason naming the part.
 *
 * Wiring: a composite holding unwired user memory fails with ENODATA
 * until it, or the user descriptor itself, is prepared; prepare and
 * complete on the composite nest and pin the user memory once; a mapping
 * keeps it pinned until munmap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iomd_sample.h>

#include "iomd_test.h"

#define NR_PARENTS	5
#define KIND_CHECKS	21
#define WIRE_CHECKS	23
#define PLAN		(NR_PARENTS * KIND_CHECKS + WIRE_CHECKS + 2)

static int iomd_fd;
static size_t page;

/* A parent descriptor of 4 pages and how this process sees its bytes. */
struct parent {
	const char *name;
	int fd;
	uint8_t *mem;		/* its bytes in this process, or NULL */
	size_t len;
	bool mappable;
	const char *refusal;	/* what the reason names when not mappable */
	void *map;		/* to munmap at the end, or NULL */
	size_t map_len;
	void *heap;		/* to free at the end, or NULL */
};

static int check_fd(int fd, const char *what)
{
	if (fd < 0)
		iomd_tap_bail("%s: %s", what, strerror(-fd));
	return fd;
}

static void *shared_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	return p;
}

/* A user descriptor of @len bytes at @addr, prepared unless told not. */
static int user_desc(void *addr, size_t len, uint32_t flags)
{
	struct iomd_range r = { .addr = (uintptr_t)addr, .length = len };

	return check_fd(iomd_user_create(iomd_fd, &r, 1, flags),
			"user descriptor");
}

/* A mappable shared buffer of @len bytes, mapped read-write at *@mem. */
static int mapped_buffer(size_t len, uint8_t **mem)
{
	int fd = check_fd(iomd_buffer_create(iomd_fd, len, 0,
					     IOMD_TEST_SHARED_INOUT),
			  "buffer");

	if (iomd_map(fd, 0, len, PROT_READ | PROT_WRITE, (void **)mem))
		iomd_tap_bail("mapping a buffer failed");
	return fd;
}

static void parent_make(struct parent *p, unsigned int kind)
{
	size_t len = 4 * page;
	int b, u, s[2];

	memset(p, 0, sizeof(*p));
	p->len = len;
	p->mappable = true;
	switch (kind) {
	case 0:
		p->name = "buffer";
		p->fd = mapped_buffer(len, &p->mem);
		p->map = p->mem;
		p->map_len = len;
		break;
	case 1:
		p->name = "kernel range";
		p->fd = check_fd(iomd_test_sample_export(IOMD_SAMPLE_MEM_ALIGNED,
							 len, 0),
				 "sample export");
		if (iomd_map(p->fd, 0, len, PROT_READ | PROT_WRITE,
			     (void **)&p->mem))
			iomd_tap_bail("mapping a kernel range failed");
		p->map = p->mem;
		p->map_len = len;
		break;
	case 2:
		p->name = "MAP_SHARED user memory";
		p->mem = shared_anon(len);
		p->map = p->mem;
		p->map_len = len;
		p->fd = user_desc(p->mem, len,
				  IOMD_DIR_INOUT | IOMD_USER_PREPARE);
		/* Mapped only through its object, never by a composite. */
		p->mappable = false;
		p->refusal = "application memory";
		break;
	case 3:
		p->name = "malloc user memory";
		p->heap = aligned_alloc(page, len);
		if (!p->heap)
			iomd_tap_bail("out of memory");
		memset(p->heap, 0, len);
		p->mem = p->heap;
		p->mappable = false;
		p->refusal = "private";
		p->fd = user_desc(p->mem, len,
				  IOMD_DIR_INOUT | IOMD_USER_PREPARE);
		break;
	default:
		/* Only the multi descriptor keeps its parts alive. */
		p->name = "nested composite";
		b = check_fd(iomd_buffer_create(iomd_fd, 3 * page, 0,
						IOMD_TEST_SHARED_INOUT),
			     "buffer");
		p->map = shared_anon(3 * page);
		p->map_len = 3 * page;
		u = user_desc(p->map, 3 * page,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
		s[0] = check_fd(iomd_subrange_create(iomd_fd, b, page,
						     2 * page, 0), "sub-range");
		s[1] = check_fd(iomd_subrange_create(iomd_fd, u, 0, 2 * page,
						     0), "sub-range");
		p->fd = check_fd(iomd_multi_create(iomd_fd, s, 2, 0), "multi");
		p->mappable = false;
		p->refusal = "application memory";
		close(s[0]);
		close(s[1]);
		close(b);
		close(u);
		break;
	}
}

static void parent_free(struct parent *p)
{
	close(p->fd);
	if (p->map)
		munmap(p->map, p->map_len);
	free(p->heap);
}

/* @len bytes of descriptor @fd from @off, read by the kernel; or NULL. */
static uint8_t *kread_copy(int fd, size_t off, size_t len)
{
	uint8_t *buf = iomd_test_malloc(len);

	if (iomd_kread(iomd_fd, fd, off, buf, len)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Check that the kernel reads @len bytes at @off of @fd as @want. */
static void expect_kread(int fd, size_t off, const void *want, size_t len,
			 const char *what, const char *name)
{
	uint8_t *got = kread_copy(fd, off, len);

	iomd_test_mem(got ? 0 : -EIO, got, want, len, "%s: %s", name, what);
	free(got);
}

/* mmap of @fd is refused with EPERM and a reason naming @needle. */
static void expect_map_refused(int fd, size_t len, const char *needle,
			       const char *what, const char *name)
{
	char reason[256] = "";
	void *addr;
	int ret;

	ret = iomd_map(fd, 0, len, PROT_READ, &addr);
	if (!ret)
		iomd_unmap(addr, len);
	iomd_test_fails(iomd_fd, fd, ret, EPERM, "%s: %s", name, what);
	iomd_reason(iomd_fd, fd, NULL, reason, sizeof(reason));
	if (!iomd_tap_ok(strstr(reason, needle), "%s: the reason names %s",
			 name, needle))
		iomd_tap_diag("reason: %s", reason);
}

/* The sub-range checks: 12 lines. */
static void check_subrange(struct parent *p, uint8_t *pattern)
{
	size_t off = page / 2 + 3, slen = 2 * page + 5;
	struct iomd_info info;
	uint8_t *got, data[100];
	int sub, ret;

	sub = iomd_subrange_create(iomd_fd, p->fd, off, slen, 0);
	if (!iomd_tap_errno(sub, 0, "%s: sub-range at %zu, %zu bytes",
			    p->name, off, slen))
		iomd_tap_bail("cannot go on without the sub-range");
	ret = iomd_info(iomd_fd, sub, &info);
	iomd_tap_ok(!ret && info.kind == IOMD_KIND_SUBRANGE &&
		    info.length == slen && info.direction == IOMD_DIR_INOUT,
		    "%s: INFO says sub-range, %zu bytes, INOUT", p->name, slen);
	expect_kread(sub, 0, pattern + off, slen,
		     "KREAD of the sub-range shows the parent's bytes",
		     p->name);

	got = iomd_test_malloc(slen);
	ret = iomd_kread_flags(iomd_fd, sub, IOMD_RW_KMAP, 0, got, slen);
	iomd_test_mem(ret, got, pattern + off, slen,
		      "%s: so does its kernel mapping (IOMD_RW_KMAP)",
		      p->name);
	free(got);

	iomd_test_fill(data, sizeof(data), 77);
	ret = iomd_kwrite(iomd_fd, sub, 10, data, sizeof(data));
	memcpy(pattern + off + 10, data, sizeof(data));
	if (!ret)
		expect_kread(p->fd, off + 10, data, sizeof(data),
			     "KWRITE to the sub-range lands in the parent",
			     p->name);
	else
		iomd_tap_errno(ret, 0, "%s: KWRITE to the sub-range", p->name);

	iomd_test_fill(data, 50, 78);
	ret = iomd_kwrite_flags(iomd_fd, sub, IOMD_RW_KMAP, slen - 50, data,
				50);
	memcpy(pattern + off + slen - 50, data, 50);
	if (!ret)
		expect_kread(p->fd, off + slen - 50, data, 50,
			     "a write through the kernel mapping lands in the parent",
			     p->name);
	else
		iomd_tap_errno(ret, 0, "%s: KWRITE with IOMD_RW_KMAP",
			       p->name);

	/* The parent's side: its memory, or the kernel for the nested one. */
	iomd_test_fill(data, sizeof(data), 79);
	if (p->mem)
		memcpy(p->mem + off + page, data, sizeof(data));
	else
		iomd_kwrite(iomd_fd, p->fd, off + page, data, sizeof(data));
	memcpy(pattern + off + page, data, sizeof(data));
	expect_kread(sub, page, data, sizeof(data),
		     "the parent's own writes show in the sub-range", p->name);

	expect_map_refused(sub, page, "part 0",
			   "mmap of a sub-range that is not whole pages", p->name);
	close(sub);
}

/* The page-aligned sub-range and its user mappings: 4 lines. */
static void check_subrange_map(struct parent *p, uint8_t *pattern)
{
	struct iomd_map_create mc;
	uint8_t *map;
	int sub, ret;

	sub = iomd_subrange_create(iomd_fd, p->fd, page, 2 * page, 0);
	if (!iomd_tap_errno(sub, 0, "%s: page-aligned sub-range", p->name))
		iomd_tap_bail("cannot go on without the sub-range");
	if (!p->mappable) {
		expect_map_refused(sub, 2 * page, p->refusal,
				   "mmap of a sub-range of user memory",
				   p->name);
		close(sub);
		return;
	}
	ret = iomd_map(sub, 0, 2 * page, PROT_READ | PROT_WRITE,
		       (void **)&map);
	iomd_test_mem(ret, ret ? NULL : map, pattern + page, 2 * page,
		      "%s: mmap of the sub-range shows the parent's bytes",
		      p->name);
	if (!ret) {
		map[5] = 0xa5;
		pattern[page + 5] = 0xa5;
		expect_kread(p->fd, page + 5, &map[5], 1,
			     "a write through it lands in the parent", p->name);
		iomd_unmap(map, 2 * page);
	} else {
		iomd_tap_ok(false, "%s: no mapping to write through", p->name);
	}

	ret = iomd_map_create(iomd_fd, sub, 0, 0, 100, 300, &mc);
	iomd_test_mem(ret ? ret : (mc.addr % page == 100 ? 0 : -EFAULT),
		      ret ? NULL : (void *)(uintptr_t)mc.addr,
		      pattern + page + 100, 300,
		      "%s: IOMD_IOC_MAP of the sub-range at offset 100",
		      p->name);
	if (!ret)
		munmap((void *)(uintptr_t)mc.map_addr, mc.map_length);
	close(sub);
}

/* A multi descriptor of the parent and a one-page buffer: 5 lines. */
static void check_multi(struct parent *p, uint8_t *pattern)
{
	size_t total = p->len + page;
	uint8_t *extra, *want, *got, *map;
	int buf, multi, fds[2], ret;
	struct iomd_info info;

	buf = mapped_buffer(page, &extra);
	iomd_test_fill(extra, page, 5);
	fds[0] = p->fd;
	fds[1] = buf;
	multi = iomd_multi_create(iomd_fd, fds, 2, 0);
	if (!iomd_tap_errno(multi, 0, "%s: multi of it and a buffer", p->name))
		iomd_tap_bail("cannot go on without the multi descriptor");
	ret = iomd_info(iomd_fd, multi, &info);
	iomd_tap_ok(!ret && info.kind == IOMD_KIND_MULTI &&
		    info.length == total,
		    "%s: INFO says multi of %zu bytes", p->name, total);

	want = iomd_test_malloc(total);
	memcpy(want, pattern, p->len);
	memcpy(want + p->len, extra, page);
	expect_kread(multi, p->len - 100, want + p->len - 100, 200,
		     "KREAD across the parts' boundary", p->name);
	got = iomd_test_malloc(total);
	ret = iomd_kread_flags(iomd_fd, multi, IOMD_RW_KMAP, 0, got, total);
	iomd_test_mem(ret, got, want, total,
		      "%s: the kernel mapping shows both parts in a row",
		      p->name);
	free(got);

	if (p->mappable) {
		ret = iomd_map(multi, 0, total, PROT_READ | PROT_WRITE,
			       (void **)&map);
		iomd_test_mem(ret, ret ? NULL : map, want, total,
			      "%s: mmap of the multi shows both parts",
			      p->name);
		if (!ret) {
			map[p->len - 1] = 0x3c;
			map[p->len] = 0xc3;
			pattern[p->len - 1] = 0x3c;
			iomd_tap_ok(extra[0] == 0xc3 &&
				    !iomd_kread(iomd_fd, p->fd, p->len - 1,
						want, 1) && want[0] == 0x3c,
				    "%s: writes through it land in each part",
				    p->name);
			iomd_unmap(map, total);
		} else {
			iomd_tap_ok(false, "%s: no mapping to write through",
				    p->name);
		}
	} else {
		ret = iomd_map(multi, 0, total, PROT_READ, (void **)&map);
		if (!ret)
			iomd_unmap(map, total);
		iomd_test_fails(iomd_fd, multi, ret, EPERM,
				"%s: mmap of a multi holding user memory",
				p->name);
	}
	free(want);
	close(multi);
	iomd_unmap(extra, page);
	close(buf);
}

static void check_kind(unsigned int kind)
{
	struct parent p;
	uint8_t *pattern;

	parent_make(&p, kind);
	pattern = iomd_test_malloc(p.len);
	iomd_test_fill(pattern, p.len, kind + 1);
	iomd_tap_errno(iomd_kwrite(iomd_fd, p.fd, 0, pattern, p.len), 0,
		       "%s: KWRITE fills the parent", p.name);
	check_subrange(&p, pattern);
	check_subrange_map(&p, pattern);
	check_multi(&p, pattern);
	free(pattern);
	parent_free(&p);
}

static unsigned int wire_count(int fd)
{
	struct iomd_info info;

	if (iomd_info(iomd_fd, fd, &info))
		return UINT32_MAX;
	return info.wire_count;
}

/* Prepare, complete and mappings of a composite holding user memory. */
static void check_wiring(void)
{
	uint64_t base = iomd_test_pinned_pages(iomd_fd);
	struct iomd_segments sa;
	uint8_t *mem, *map, buf[16];
	int u, b, multi, fds[2], ret;

	mem = shared_anon(2 * page);
	memset(mem, 0x42, 2 * page);
	u = user_desc(mem, 2 * page, IOMD_DIR_INOUT);
	b = check_fd(iomd_buffer_create(iomd_fd, page, 0,
					IOMD_TEST_SHARED_INOUT), "buffer");
	fds[0] = b;
	fds[1] = u;
	multi = iomd_multi_create(iomd_fd, fds, 2, 0);
	iomd_tap_errno(multi, 0, "multi of a buffer and unwired user memory");
	iomd_tap_eq(wire_count(multi), 0, "its wire count is 0");
	ret = iomd_kread(iomd_fd, multi, page, buf, sizeof(buf));
	iomd_test_fails(iomd_fd, -1, ret, ENODATA,
			"KREAD of it fails until it is wired");
	ret = iomd_map(multi, 0, 3 * page, PROT_READ, (void **)&map);
	if (!ret)
		iomd_unmap(map, 3 * page);
	iomd_tap_errno(ret, ENODATA, "so does mmap");
	ret = iomd_segments(iomd_fd, multi, 0, NULL, 0, &sa);
	iomd_tap_errno(ret, ENODATA, "and IOMD_IOC_SEGMENTS");

	iomd_tap_eq(iomd_prepare(iomd_fd, multi), 1,
		    "PREPARE of the multi: wire count 1");
	iomd_tap_ok(wire_count(u) > 0, "it wired the user descriptor");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - base, 2,
		    "its 2 pages are pinned");
	iomd_tap_eq(iomd_prepare(iomd_fd, multi), 2, "PREPARE nests: 2");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - base, 2,
		    "and pins nothing more");
	ret = iomd_kread(iomd_fd, multi, page, buf, sizeof(buf));
	iomd_tap_ok(!ret && buf[0] == 0x42 && buf[15] == 0x42,
		    "KREAD of the wired multi shows the user memory");
	iomd_tap_eq(iomd_complete(iomd_fd, multi), 1, "COMPLETE: 1");
	iomd_tap_eq(iomd_complete(iomd_fd, multi), 0, "COMPLETE: 0");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), base,
		    "the pages are unpinned");
	iomd_tap_errno(iomd_complete(iomd_fd, multi), ENODATA,
		       "one COMPLETE too many fails with ENODATA");

	/* Wired directly: the composite can use it. */
	iomd_prepare(iomd_fd, u);
	iomd_tap_errno(iomd_kread(iomd_fd, multi, page, buf, sizeof(buf)), 0,
		       "KREAD works while the user descriptor itself is wired");
	iomd_complete(iomd_fd, u);
	iomd_tap_errno(iomd_kread(iomd_fd, multi, page, buf, sizeof(buf)),
		       ENODATA, "and fails again after its COMPLETE");

	/*
	 * User memory is mapped only through its own object: a composite
	 * holding it, wired, is refused, with the reason.
	 */
	iomd_prepare(iomd_fd, multi);
	ret = iomd_map(multi, 0, 3 * page, PROT_READ | PROT_WRITE,
		       (void **)&map);
	if (!ret)
		iomd_unmap(map, 3 * page);
	iomd_test_fails(iomd_fd, multi, ret, EPERM,
			"mmap of the prepared multi holding user memory");
	iomd_complete(iomd_fd, multi);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), base,
		    "munmap unpins them");

	/* A composite of buffers is always wired. */
	close(multi);
	multi = iomd_subrange_create(iomd_fd, b, 0, page, 0);
	iomd_tap_eq(wire_count(multi), 1,
		    "a sub-range of a buffer reports wire count 1");
	iomd_tap_errno(iomd_complete(iomd_fd, multi), 0,
		       "and COMPLETE on it succeeds, as on the buffer");
	close(multi);
	close(u);
	close(b);
	munmap(mem, 2 * page);
}

int main(void)
{
	struct iomd_stats before;
	unsigned int kind;

	page = iomd_page_size();
	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	iomd_test_stats(iomd_fd, &before);

	for (kind = 0; kind < NR_PARENTS; kind++)
		check_kind(kind);
	check_wiring();

	iomd_test_no_leaks(iomd_fd, &before);
	close(iomd_fd);
	return iomd_tap_finish();
}
