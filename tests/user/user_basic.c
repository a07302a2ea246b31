// SPDX-License-Identifier: GPL-2.0
/*
 * user_basic: describing, wiring and accessing application memory.
 *
 * A user descriptor of malloc memory, anonymous MAP_SHARED memory and a
 * memfd is prepared, read and written by the kernel in both directions;
 * a range that starts and ends mid-page, several ranges of different
 * memory, and the most ranges allowed land their bytes exactly where
 * described and nowhere else.  Unwired descriptors refuse access with
 * ENODATA; prepare() nests and pins once; IOMD_RW_KMAP works on a single
 * mid-page range and on page-aligned ranges and refuses ranges that a
 * kernel mapping cannot make contiguous; direction OUT describes read-only
 * memory, which the device only reads, so neither the kernel nor a mapping
 * may write it.
 *
 * Pinning is judged by IOMD_IOC_STATS pinned_pages (pages the ranges
 * span) and by VmPin in /proc/self/status (the same pages, charged to
 * this process).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define KIND_CHECKS		11
#define KINDS_CHECKS		(3 * KIND_CHECKS)
#define MID_PAGE_CHECKS		10
#define MULTI_CHECKS		10
#define MAX_RANGES_CHECKS	6
#define UNWIRED_CHECKS		13
#define NESTED_CHECKS		19
#define KMAP_CHECKS		19
#define READ_ONLY_CHECKS	15
#define PLAN	(KINDS_CHECKS + MID_PAGE_CHECKS + MULTI_CHECKS + \
		 MAX_RANGES_CHECKS + UNWIRED_CHECKS + NESTED_CHECKS + \
		 KMAP_CHECKS + READ_ONLY_CHECKS)

#define CLIENT	(-1)	/* iomd_test_fails(): check the client's reason */
#define GUARD	0xa5	/* bytes around a range that must not change */

static int iomd_fd;
static size_t page;

/* Pages that [addr, addr + len) touches. */
static uint64_t span_pages(const void *addr, uint64_t len)
{
	uintptr_t a = (uintptr_t)addr;

	return (a + len - 1) / page - a / page + 1;
}

static uint64_t total_length(const struct iomd_range *r, unsigned int n)
{
	uint64_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		len += r[i].length;
	return len;
}

/* Copy the described bytes, in descriptor order, to @out. */
static void gather(const struct iomd_range *r, unsigned int n, void *out)
{
	unsigned char *dst = out;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memcpy(dst, (void *)(uintptr_t)r[i].addr, r[i].length);
		dst += r[i].length;
	}
}

/* Store @in, in descriptor order, into the described bytes. */
static void scatter(const struct iomd_range *r, unsigned int n,
		    const void *in)
{
	const unsigned char *src = in;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memcpy((void *)(uintptr_t)r[i].addr, src, r[i].length);
		src += r[i].length;
	}
}

/*
 * Index of the first byte of [@lo, @hi) that is not GUARD, skipping the
 * described ranges; @hi - @lo if there is none.
 */
static size_t guard_breach(const unsigned char *lo, const unsigned char *hi,
			   const struct iomd_range *r, unsigned int n)
{
	const unsigned char *p;
	unsigned int i;

	for (p = lo; p < hi; p++) {
		for (i = 0; i < n; i++)
			if ((uintptr_t)p >= r[i].addr &&
			    (uintptr_t)p - r[i].addr < r[i].length)
				break;
		if (i == n && *p != GUARD)
			return p - lo;
	}
	return hi - lo;
}

/*
 * One kind of memory: @len bytes at @mem, @npages pages.  The kernel
 * reads what user space wrote before and after prepare(), user space
 * reads what the kernel wrote, and the pin is charged and returned.
 */
static void test_kind(const char *kind, unsigned char *mem, size_t len)
{
	unsigned int end = iomd_tap_count() + KIND_CHECKS;
	uint64_t npages = span_pages(mem, len);
	struct iomd_range r = iomd_test_range(mem, len);
	uint64_t pin0, vm0;
	struct iomd_info info;
	unsigned char *buf;
	int fd, ret;

	buf = iomd_test_malloc(len);
	iomd_test_fill(mem, len, 1);
	pin0 = iomd_test_pinned_pages(iomd_fd);
	vm0 = iomd_test_vm_pin();
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "%s: describe %zu bytes", kind, len)) {
		iomd_tap_skip_to(end, "describe failed");
		free(buf);
		return;
	}
	ret = iomd_info(iomd_fd, fd, &info);
	if (!iomd_tap_ok(!ret && info.kind == IOMD_KIND_USER &&
			 info.length == len && info.nr_ranges == 1 &&
			 info.wire_count == 0 &&
			 info.direction == IOMD_DIR_INOUT,
			 "%s: info says user kind, %zu bytes, 1 range, not wired",
			 kind, len))
		iomd_tap_diag("ret %d kind %u length %llu ranges %u wired %u dir %u",
			      ret, info.kind, (unsigned long long)info.length,
			      info.nr_ranges, info.wire_count, info.direction);

	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "%s: prepare -> 1", kind);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, npages,
		    "%s: pinned_pages grows by the %llu pages spanned", kind,
		    (unsigned long long)npages);
	iomd_tap_eq(iomd_test_vm_pin() - vm0, npages * page,
		    "%s: VmPin grows by %llu pages", kind,
		    (unsigned long long)npages);

	ret = iomd_kread(iomd_fd, fd, 0, buf, len);
	iomd_tap_ok(!ret && iomd_test_check(buf, len, 1) == len,
		    "%s: the kernel reads what user space wrote before prepare",
		    kind);
	iomd_test_fill(buf, len, 2);
	ret = iomd_kwrite(iomd_fd, fd, 0, buf, len);
	iomd_test_mem(ret, mem, buf, len,
		      "%s: user space reads what the kernel wrote", kind);
	iomd_test_fill(mem + len / 3, len - len / 3, 3);
	ret = iomd_kread(iomd_fd, fd, len / 3, buf, len - len / 3);
	iomd_tap_ok(!ret && iomd_test_check(buf, len - len / 3, 3) ==
			len - len / 3,
		    "%s: the kernel reads what user space wrote while wired",
		    kind);

	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "%s: complete -> 0", kind);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "%s: complete unpins", kind);
	iomd_tap_eq(iomd_test_vm_pin(), vm0,
		    "%s: complete returns VmPin", kind);
	iomd_close(fd);
	free(buf);
}

static void test_kinds(void)
{
	size_t len = 3 * page;
	unsigned char *mem;
	int mfd;

	/* Deliberately not page-aligned: malloc's own alignment. */
	mem = iomd_test_malloc(len);
	test_kind("malloc", mem, len);
	free(mem);

	mem = iomd_test_anon(len, MAP_SHARED);
	test_kind("MAP_SHARED anon", mem, len);
	munmap(mem, len);

	mfd = iomd_test_memfd("user_basic", len);
	mem = iomd_test_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd);
	test_kind("memfd", mem, len);
	munmap(mem, len);
	close(mfd);
}

/* One range from 10 bytes before a page boundary to 10 bytes past the next. */
static void test_mid_page(void)
{
	unsigned int end = iomd_tap_count() + MID_PAGE_CHECKS;
	size_t len = page + 20;
	unsigned char *region, *buf;
	struct iomd_range r;
	struct iomd_info info;
	uint64_t pin0;
	int fd, ret;

	region = iomd_test_anon(4 * page, MAP_PRIVATE);
	memset(region, GUARD, 4 * page);
	r = iomd_test_range(region + page - 10, len);
	buf = iomd_test_malloc(len);
	pin0 = iomd_test_pinned_pages(iomd_fd);

	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "mid-page: describe [page - 10, 2 pages + 10)"))
		goto out;
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.length, len, "mid-page: length is %zu",
		    len);
	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "mid-page: prepare");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, 3,
		    "mid-page: the 3 pages touched are pinned");

	iomd_test_fill(buf, len, 4);
	ret = iomd_kwrite(iomd_fd, fd, 0, buf, len);
	iomd_test_mem(ret, region + page - 10, buf, len,
		      "mid-page: kernel write lands at the range");
	iomd_tap_eq(guard_breach(region, region + 4 * page, &r, 1), 4 * page,
		    "mid-page: no byte outside the range changed");
	memset(buf, 0, len);
	/* Offset 10 is the page boundary inside the range. */
	ret = iomd_kread(iomd_fd, fd, 5, buf, 30);
	iomd_test_mem(ret, buf, region + page - 5, 30,
		      "mid-page: kernel read across the page boundary");
	iomd_tap_errno(iomd_kread(iomd_fd, fd, len - 1, buf, 2), ERANGE,
		       "mid-page: kernel read past the end fails with ERANGE");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "mid-page: complete");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "mid-page: complete unpins");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(region, 4 * page);
	free(buf);
}

/*
 * Four ranges of four kinds of memory, of odd lengths and offsets; the
 * descriptor's bytes are theirs in order.
 */
static void test_multi(void)
{
	unsigned int end = iomd_tap_count() + MULTI_CHECKS;
	unsigned char stack[96], *heap, *anon, *mfd_mem, *want, *got;
	struct iomd_range r[4];
	uint64_t pin0, npages = 0, len, cut;
	struct iomd_info info;
	unsigned int i;
	size_t breach;
	int mfd, fd, ret;

	heap = iomd_test_malloc(200);
	anon = iomd_test_anon(3 * page, MAP_SHARED);
	mfd = iomd_test_memfd("user_basic", 4 * page);
	mfd_mem = iomd_test_mmap(4 * page, PROT_READ | PROT_WRITE,
				 MAP_SHARED, mfd);
	memset(stack, GUARD, sizeof(stack));
	memset(heap, GUARD, 200);
	memset(anon, GUARD, 3 * page);
	memset(mfd_mem, GUARD, 4 * page);
	r[0] = iomd_test_range(heap + 3, 100);
	r[1] = iomd_test_range(anon + page - 50, page + 100);
	r[2] = iomd_test_range(mfd_mem + page, 2 * page);
	r[3] = iomd_test_range(stack + 16, 64);
	len = total_length(r, 4);
	for (i = 0; i < 4; i++)
		npages += span_pages((void *)(uintptr_t)r[i].addr,
				     r[i].length);
	want = iomd_test_malloc(len);
	got = iomd_test_malloc(len);
	pin0 = iomd_test_pinned_pages(iomd_fd);

	fd = iomd_user_create(iomd_fd, r, 4, IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "multi: describe heap, anon, memfd and stack ranges"))
		goto out;
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_ok(!ret && info.nr_ranges == 4 && info.length == len,
		    "multi: info says 4 ranges of %llu bytes in all",
		    (unsigned long long)len);
	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "multi: prepare");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, npages,
		    "multi: every range's pages are pinned (%llu)",
		    (unsigned long long)npages);

	iomd_test_fill(want, len, 5);
	ret = iomd_kwrite(iomd_fd, fd, 0, want, len);
	gather(r, 4, got);
	iomd_test_mem(ret, got, want, len,
		      "multi: a kernel write is split over the ranges in order");
	breach = guard_breach(stack, stack + sizeof(stack), r, 4) +
		 guard_breach(heap, heap + 200, r, 4) +
		 guard_breach(anon, anon + 3 * page, r, 4) +
		 guard_breach(mfd_mem, mfd_mem + 4 * page, r, 4);
	iomd_tap_eq(breach, sizeof(stack) + 200 + 7 * page,
		    "multi: no byte outside the ranges changed");

	iomd_test_fill(want, len, 6);
	scatter(r, 4, want);
	ret = iomd_kread(iomd_fd, fd, 0, got, len);
	iomd_test_mem(ret, got, want, len,
		      "multi: a kernel read gathers the ranges in order");
	cut = r[0].length + r[1].length;
	ret = iomd_kread(iomd_fd, fd, cut - 7, got, 14);
	iomd_test_mem(ret, got, want + cut - 7, 14,
		      "multi: a kernel read across ranges 1 and 2");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "multi: complete");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "multi: complete unpins");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	free(want);
	free(got);
	free(heap);
	munmap(anon, 3 * page);
	munmap(mfd_mem, 4 * page);
	close(mfd);
}

/* IOMD_USER_MAX_RANGES one-byte ranges spread over two pages. */
static void test_max_ranges(void)
{
	unsigned int end = iomd_tap_count() + MAX_RANGES_CHECKS;
	struct iomd_range r[IOMD_USER_MAX_RANGES];
	unsigned char want[IOMD_USER_MAX_RANGES], got[IOMD_USER_MAX_RANGES];
	size_t stride = 2 * page / IOMD_USER_MAX_RANGES, breach;
	struct iomd_info info;
	unsigned char *mem;
	unsigned int i;
	int fd, ret;

	mem = iomd_test_anon(2 * page, MAP_PRIVATE);
	memset(mem, GUARD, 2 * page);
	for (i = 0; i < IOMD_USER_MAX_RANGES; i++) {
		r[i] = iomd_test_range(mem + i * stride + i % 7, 1);
		want[i] = i + 1;
	}
	fd = iomd_user_create(iomd_fd, r, IOMD_USER_MAX_RANGES,
			      IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "max: describe %d one-byte ranges",
			    IOMD_USER_MAX_RANGES))
		goto out;
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_ok(!ret && info.nr_ranges == IOMD_USER_MAX_RANGES &&
		    info.length == IOMD_USER_MAX_RANGES,
		    "max: info says %d ranges and %d bytes",
		    IOMD_USER_MAX_RANGES, IOMD_USER_MAX_RANGES);
	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "max: prepare");
	ret = iomd_kwrite(iomd_fd, fd, 0, want, sizeof(want));
	gather(r, IOMD_USER_MAX_RANGES, got);
	breach = guard_breach(mem, mem + 2 * page, r, IOMD_USER_MAX_RANGES);
	iomd_tap_ok(!ret && !memcmp(got, want, sizeof(want)) &&
		    breach == 2 * page,
		    "max: each byte of a kernel write lands in its own range");
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, 0, got, sizeof(got));
	iomd_test_mem(ret, got, want, sizeof(want),
		      "max: a kernel read gathers the %d bytes",
		      IOMD_USER_MAX_RANGES);
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "max: complete");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(mem, 2 * page);
}

/* Nothing reaches memory that is not wired. */
static void test_unwired(void)
{
	unsigned int end = iomd_tap_count() + UNWIRED_CHECKS;
	struct iomd_range r;
	unsigned char buf[16];
	unsigned char *mem;
	uint64_t pin0;
	void *map;
	int fd, ret;

	mem = iomd_test_anon(2 * page, MAP_SHARED);
	r = iomd_test_range(mem, 2 * page);
	pin0 = iomd_test_pinned_pages(iomd_fd);
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "unwired: describe 2 shared pages"))
		goto out;
	iomd_test_fails(iomd_fd, CLIENT, iomd_kread(iomd_fd, fd, 0, buf, 8),
			ENODATA, "unwired: KREAD");
	iomd_tap_errno(iomd_kwrite(iomd_fd, fd, 0, buf, 8), ENODATA,
		       "unwired: KWRITE fails with ENODATA");
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, buf, 8);
	iomd_tap_errno(ret, ENODATA,
		       "unwired: KREAD with IOMD_RW_KMAP fails with ENODATA");
	ret = iomd_map(fd, 0, 2 * page, PROT_READ | PROT_WRITE, &map);
	if (!ret)
		iomd_unmap(map, 2 * page);
	iomd_test_fails(iomd_fd, fd, ret, ENODATA, "unwired: mmap");
	iomd_test_fails(iomd_fd, CLIENT, iomd_complete(iomd_fd, fd), ENODATA,
			"unwired: COMPLETE");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "unwired: nothing is pinned");

	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "unwired: prepare");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "unwired: complete");
	iomd_tap_errno(iomd_kread(iomd_fd, fd, 0, buf, 8), ENODATA,
		       "unwired: KREAD after the last complete fails with ENODATA");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(mem, 2 * page);
}

/* prepare() nests; only the first pins and only the last unpins. */
static void test_nested(void)
{
	unsigned int end = iomd_tap_count() + NESTED_CHECKS;
	static const char msg[] = "wired once more";
	uint64_t pin0, vm0, two = 2 * page;
	struct iomd_info info;
	struct iomd_range r;
	unsigned char *mem;
	int fd, ret;

	mem = iomd_test_anon(2 * page, MAP_PRIVATE);
	memset(mem, 0, 2 * page);
	r = iomd_test_range(mem, 2 * page);
	pin0 = iomd_test_pinned_pages(iomd_fd);
	vm0 = iomd_test_vm_pin();
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "nested: describe 2 pages"))
		goto out;
	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "nested: prepare -> 1");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, 2,
		    "nested: 2 pages pinned");
	iomd_tap_eq(iomd_test_vm_pin() - vm0, two, "nested: VmPin + 2 pages");
	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 2, "nested: prepare -> 2");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, 2,
		    "nested: the second prepare pins nothing more");
	iomd_tap_eq(iomd_test_vm_pin() - vm0, two,
		    "nested: the second prepare charges nothing more");
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.wire_count, 2, "nested: info says wired twice");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 1, "nested: complete -> 1");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, 2,
		    "nested: pages stay pinned until the last complete");
	ret = iomd_kwrite(iomd_fd, fd, page - 3, msg, sizeof(msg));
	iomd_test_str(ret, (char *)mem + page - 3, msg,
		      "nested: the kernel still writes at wire count 1");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "nested: complete -> 0");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "nested: the last complete unpins");
	iomd_tap_eq(iomd_test_vm_pin(), vm0,
		    "nested: the last complete returns VmPin");
	iomd_tap_errno(iomd_complete(iomd_fd, fd), ENODATA,
		       "nested: one complete too many fails with ENODATA");
	iomd_close(fd);

	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	iomd_tap_errno(fd, 0, "nested: describe with IOMD_USER_PREPARE");
	ret = fd < 0 ? fd : iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.wire_count, 1,
		    "nested: IOMD_USER_PREPARE leaves it wired once");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - pin0, 2,
		    "nested: IOMD_USER_PREPARE pins the pages");
	if (fd >= 0)
		iomd_close(fd);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "nested: closing a wired descriptor unpins it");
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(mem, 2 * page);
}

static void test_kmap_single(void)
{
	size_t len = page + 17, off = page / 2 + 3;
	unsigned char *mem, *want, *got;
	struct iomd_range r;
	int fd, ret;

	mem = iomd_test_anon(3 * page, MAP_PRIVATE);
	memset(mem, GUARD, 3 * page);
	r = iomd_test_range(mem + off, len);
	want = iomd_test_malloc(len);
	got = iomd_test_malloc(len);
	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "kmap: describe and prepare one mid-page range")) {
		iomd_tap_skip_to(iomd_tap_count() + 7, "describe failed");
		goto out;
	}
	iomd_test_fill(want, len, 7);
	ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, want, len);
	iomd_test_mem(ret, mem + off, want, len,
		      "kmap: a KMAP write lands at the mid-page range");
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, page / 2 - 10, got, 20);
	iomd_test_mem(ret, got, want + page / 2 - 10, 20,
		      "kmap: a KMAP read across the page boundary");
	memset(got, 0, len);
	ret = iomd_kread(iomd_fd, fd, 0, got, len);
	iomd_test_mem(ret, got, want, len,
		      "kmap: a page-by-page read agrees with the KMAP write");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "kmap: complete");
	iomd_tap_eq(iomd_prepare(iomd_fd, fd), 1, "kmap: prepare again");
	memset(got, 0, len);
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, got, len);
	iomd_test_mem(ret, got, want, len,
		      "kmap: a KMAP read after wiring again sees the same bytes");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "kmap: complete again");
	iomd_close(fd);
out:
	free(want);
	free(got);
	munmap(mem, 3 * page);
}

static void test_kmap_pages(void)
{
	unsigned char *a, *b, *m, *want, *got;
	struct iomd_range r[3];
	size_t len = 4 * page;
	int mfd, fd, ret;

	a = iomd_test_anon(2 * page, MAP_PRIVATE);
	b = iomd_test_anon(2 * page, MAP_SHARED);
	mfd = iomd_test_memfd("user_basic", page);
	m = iomd_test_mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, mfd);
	r[0] = iomd_test_range(a + page, page);
	r[1] = iomd_test_range(b, 2 * page);
	r[2] = iomd_test_range(m, page);
	want = iomd_test_malloc(len);
	got = iomd_test_malloc(len);
	fd = iomd_user_create(iomd_fd, r, 3,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "kmap: describe and prepare 3 page-aligned ranges")) {
		iomd_tap_skip_to(iomd_tap_count() + 3, "describe failed");
		goto out;
	}
	iomd_test_fill(want, len, 8);
	ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, want, len);
	gather(r, 3, got);
	iomd_test_mem(ret, got, want, len,
		      "kmap: a KMAP write is split over whole-page ranges in order");
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, page - 9, got, 18);
	iomd_test_mem(ret, got, want + page - 9, 18,
		      "kmap: a KMAP read across ranges 0 and 1");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "kmap: complete");
	iomd_close(fd);
out:
	free(want);
	free(got);
	munmap(a, 2 * page);
	munmap(b, 2 * page);
	munmap(m, page);
	close(mfd);
}

/* Ranges that no kernel mapping can make contiguous. */
static void test_kmap_partial(void)
{
	unsigned char *mem, buf[32];
	struct iomd_range r[2];
	int fd, ret;

	mem = iomd_test_anon(4 * page, MAP_PRIVATE);
	memset(mem, 0, 4 * page);

	/* Range 0 ends mid-page. */
	r[0] = iomd_test_range(mem + 100, 100);
	r[1] = iomd_test_range(mem + 2 * page, page);
	fd = iomd_user_create(iomd_fd, r, 2,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (iomd_tap_errno(fd, 0, "kmap: describe a 100-byte range and a page")) {
		ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, buf, 8);
		iomd_test_fails(iomd_fd, CLIENT, ret, EINVAL,
				"kmap: KMAP read of partial ranges");
		ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, buf, 8);
		iomd_tap_errno(ret, EINVAL,
			       "kmap: KMAP write of partial ranges fails with EINVAL");
		iomd_tap_errno(iomd_kread(iomd_fd, fd, 90, buf, 20), 0,
			       "kmap: a page-by-page read of them works");
		iomd_close(fd);
	} else {
		iomd_tap_skip_to(iomd_tap_count() + 4, "describe failed");
	}

	/* Range 1 starts mid-page. */
	r[0] = iomd_test_range(mem, page);
	r[1] = iomd_test_range(mem + 2 * page + 8, 64);
	fd = iomd_user_create(iomd_fd, r, 2,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (iomd_tap_errno(fd, 0, "kmap: describe a page and a mid-page range")) {
		ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, buf, 8);
		iomd_tap_errno(ret, EINVAL,
			       "kmap: KMAP read when range 1 starts mid-page fails with EINVAL");
		iomd_close(fd);
	} else {
		iomd_tap_skip_to(iomd_tap_count() + 1, "describe failed");
	}
	munmap(mem, 4 * page);
}

static void test_kmap(void)
{
	unsigned int end = iomd_tap_count() + KMAP_CHECKS;

	test_kmap_single();
	test_kmap_pages();
	test_kmap_partial();
	if (iomd_tap_count() != end)
		iomd_tap_bail("kmap section ran %u checks, planned %u",
			      iomd_tap_count() - (end - KMAP_CHECKS),
			      KMAP_CHECKS);
}

/*
 * Direction OUT: the device only reads, so read-only memory may be
 * described and wired.  It stays read-only: a kernel write or a writable
 * mapping of it would change memory this process (or any process that
 * can only read the file) was never allowed to write.
 */
static void test_read_only(void)
{
	unsigned int end = iomd_tap_count() + READ_ONLY_CHECKS;
	static const char path[] = "/tmp/iomd_user_basic_ro";
	unsigned char *mem, *buf, *file_map;
	struct iomd_range r;
	void *map = NULL;
	int fd, file, ret;

	mem = iomd_test_anon(2 * page, MAP_PRIVATE);
	iomd_test_fill(mem, 2 * page, 9);
	if (mprotect(mem, 2 * page, PROT_READ))
		iomd_tap_bail("mprotect: %s", strerror(errno));
	r = iomd_test_range(mem, 2 * page);
	buf = iomd_test_malloc(2 * page);

	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_IN);
	if (fd >= 0)
		iomd_close(fd);
	iomd_test_fails(iomd_fd, CLIENT, fd, EACCES,
			"read-only: describing read-only memory for IN");
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (fd >= 0)
		iomd_close(fd);
	iomd_tap_errno(fd, EACCES,
		       "read-only: describing it for INOUT fails with EACCES");
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_OUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "read-only: describe and prepare it for OUT"))
		goto file;
	ret = iomd_kread(iomd_fd, fd, 0, buf, 2 * page);
	iomd_tap_ok(!ret && iomd_test_check(buf, 2 * page, 9) == 2 * page,
		    "read-only: the kernel reads it");
	memset(buf, 0, 2 * page);
	iomd_tap_errno(iomd_kwrite(iomd_fd, fd, 0, buf, 16), EACCES,
		       "read-only: a kernel write fails with EACCES");
	ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, page, buf, 16);
	iomd_tap_errno(ret, EACCES,
		       "read-only: a KMAP kernel write fails with EACCES");
	iomd_tap_eq(iomd_test_check(mem, 2 * page, 9), 2 * page,
		    "read-only: the memory is unchanged");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "read-only: complete");
	iomd_close(fd);

file:
	iomd_tap_skip_to(end - 6, "describe failed");
	/* A file this process may only read, mapped shared and read-only. */
	file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	iomd_test_fill(buf, page, 10);
	if (file < 0 || write(file, buf, page) != (ssize_t)page)
		iomd_tap_bail("cannot write %s: %s", path, strerror(errno));
	close(file);
	file = open(path, O_RDONLY);
	file_map = mmap(NULL, page, PROT_READ, MAP_SHARED, file, 0);
	if (file < 0 || file_map == MAP_FAILED)
		iomd_tap_bail("cannot map %s: %s", path, strerror(errno));
	r = iomd_test_range(file_map, page);
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_OUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "read-only file: describe and prepare it for OUT"))
		goto out;
	ret = iomd_kread(iomd_fd, fd, 0, buf, page);
	iomd_tap_ok(!ret && iomd_test_check(buf, page, 10) == page,
		    "read-only file: the kernel reads it");
	memset(buf, 0, page);
	iomd_tap_errno(iomd_kwrite(iomd_fd, fd, 0, buf, 16), EACCES,
		       "read-only file: a kernel write fails with EACCES");
	ret = iomd_map(fd, 0, page, PROT_READ | PROT_WRITE, &map);
	if (!ret) {
		memset(map, 0, 16);
		iomd_unmap(map, page);
	}
	iomd_tap_errno(ret, EACCES,
		       "read-only file: a writable mmap of it fails with EACCES");
	ret = pread(file, buf, page, 0) == (ssize_t)page ? 0 : -EIO;
	iomd_tap_ok(!ret && iomd_test_check(buf, page, 10) == page,
		    "read-only file: the file is unchanged");
	/* Compared with the file as it is now, right or wrong. */
	ret = pread(file, buf, page, 0) == (ssize_t)page ? 0 : -EIO;
	if (!ret)
		ret = iomd_map(fd, 0, page, PROT_READ, &map);
	iomd_test_mem(ret, map, buf, page,
		      "read-only file: a read-only mmap shows the file");
	if (!ret)
		iomd_unmap(map, page);
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(file_map, page);
	close(file);
	unlink(path);
	munmap(mem, 2 * page);
	free(buf);
}

int main(void)
{
	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);

	test_kinds();
	test_mid_page();
	test_multi();
	test_max_ranges();
	test_unwired();
	test_nested();
	test_kmap();
	test_read_only();

	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
