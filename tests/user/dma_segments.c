// SPDX-License-Identifier: GPL-2.0
/*
 * dma_segments: the DMA view (IOMD_IOC_SEGMENTS) against the page frames
 * /proc/self/pagemap shows for the same memory (run as root, which sees
 * frame numbers).
 *
 * For a physically contiguous buffer and kernel range the list is one
 * segment; for user memory (whole pages, unaligned ranges, two ranges
 * that meet inside a page) and for a composite of user memory and a
 * buffer it is exactly the runs of consecutive frames of the bytes, in
 * order.  Without CAP_SYS_ADMIN the runs come back cut at every page
 * boundary with the addresses zeroed.  Unwired user memory fails with ENODATA.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iomd_sample.h>

#include "iomd_test.h"

#define PLAN		21
#define MAX_RUNS	64

static int iomd_fd, pagemap_fd;
static size_t page;

/* A piece of a descriptor's bytes: where it is in this process. */
struct piece {
	const uint8_t *addr;
	size_t len;
};

/* Physical address of the byte at @p, from pagemap; 0 if not shown. */
static uint64_t phys_of(const void *p)
{
	uint64_t entry, va = (uintptr_t)p;

	if (pread(pagemap_fd, &entry, sizeof(entry),
		  (va / page) * sizeof(entry)) != sizeof(entry))
		return 0;
	if (!(entry >> 63) || !(entry & ((1ULL << 55) - 1)))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * page + va % page;
}

/*
 * The runs @pieces should give: each piece page by page, merged with the
 * run before when it follows it physically.  Returns the count, or 0 if
 * a frame is not shown.
 */
static unsigned int expect_runs(const struct piece *pieces, unsigned int n,
				struct iomd_segment *runs)
{
	unsigned int i, nr = 0;
	uint64_t offset = 0;

	for (i = 0; i < n; i++) {
		size_t done = 0;

		while (done < pieces[i].len) {
			const uint8_t *a = pieces[i].addr + done;
			size_t len = page - (uintptr_t)a % page;
			struct iomd_segment *last = nr ? &runs[nr - 1] : NULL;
			uint64_t phys;

			/* Mappings fill in at the first touch. */
			(void)__atomic_load_n(a, __ATOMIC_RELAXED);
			phys = phys_of(a);

			if (!phys || nr == MAX_RUNS)
				return 0;
			if (len > pieces[i].len - done)
				len = pieces[i].len - done;
			if (last && last->phys + last->length == phys) {
				last->length += len;
			} else {
				runs[nr].offset = offset;
				runs[nr].length = len;
				runs[nr].phys = phys;
				nr++;
			}
			offset += len;
			done += len;
		}
	}
	return nr;
}

/* One line: IOMD_IOC_SEGMENTS of @fd equals the runs of @pieces. */
static void check_matches(int fd, const struct piece *pieces, unsigned int n,
			  const char *what)
{
	struct iomd_segment want[MAX_RUNS], got[MAX_RUNS];
	unsigned int nr_want = expect_runs(pieces, n, want), i;
	struct iomd_segments out;
	int ret;
	bool same;

	memset(got, 0, sizeof(got));
	ret = iomd_segments(iomd_fd, fd, 0, got, MAX_RUNS, &out);
	same = nr_want && ret == (int)nr_want && out.total == nr_want &&
	       (out.out_flags & IOMD_SEGMENTS_PHYS);
	for (i = 0; same && i < nr_want; i++)
		same = got[i].offset == want[i].offset &&
		       got[i].length == want[i].length &&
		       got[i].phys == want[i].phys;
	iomd_tap_ok(same, "%s: %u segment(s) matching pagemap", what, nr_want);
	if (same)
		return;
	iomd_tap_diag("ioctl returned %d (%s), total %u, flags %#x; pagemap gives %u",
		      ret, iomd_errno_name(ret), out.total, out.out_flags,
		      nr_want);
	for (i = 0; i < nr_want || (ret > 0 && i < (unsigned int)ret); i++)
		iomd_tap_diag("%u: want %llu+%llu @%#llx got %llu+%llu @%#llx",
			      i, (unsigned long long)want[i].offset,
			      (unsigned long long)want[i].length,
			      (unsigned long long)want[i].phys,
			      (unsigned long long)got[i].offset,
			      (unsigned long long)got[i].length,
			      (unsigned long long)got[i].phys);
}

static void *shared_anon(size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memset(p, 1, len);
	return p;
}

static int user_desc(const struct iomd_range *r, unsigned int n,
		     uint32_t flags)
{
	int fd = iomd_user_create(iomd_fd, r, n, flags);

	if (fd < 0)
		iomd_tap_bail("user descriptor: %s", strerror(-fd));
	return fd;
}

/*
 * Without CAP_SYS_ADMIN: root's runs cut at every page boundary, no
 * addresses, so nothing tells which pages are physically contiguous.
 * 1 line.
 */
static void check_unprivileged(int fd, const struct iomd_segment *root,
			       unsigned int nr, const char *what)
{
	struct iomd_segment want[MAX_RUNS], got[MAX_RUNS];
	struct iomd_segments out;
	unsigned int i, n = 0;
	uint64_t phys, off, len, cut;
	int status, ret;
	pid_t pid;

	for (i = 0; i < nr; i++) {
		phys = root[i].phys;
		off = root[i].offset;
		for (len = root[i].length; len && n < MAX_RUNS; len -= cut) {
			cut = page - phys % page;
			if (cut > len)
				cut = len;
			want[n].offset = off;
			want[n].length = cut;
			want[n++].phys = 0;
			phys += cut;
			off += cut;
		}
	}
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		ret = iomd_segments(iomd_fd, fd, 0, got, MAX_RUNS, &out);
		if (ret != (int)n || out.total != n || out.out_flags)
			_exit(3);
		if (memcmp(got, want, n * sizeof(*got)))
			_exit(4);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	iomd_tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
		    "%s without CAP_SYS_ADMIN: %u runs of at most a page, addresses 0, no IOMD_SEGMENTS_PHYS",
		    what, n);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		iomd_tap_diag("child status %#x", status);
}

/* A contiguous buffer and kernel range are one segment each: 5 lines. */
static void check_contiguous(void)
{
	struct iomd_segment seg;
	struct iomd_segments out;
	struct piece pc;
	uint8_t *map;
	int b, k, ret;

	/* Alignment above a page makes the buffer one contiguous run. */
	b = iomd_buffer_create(iomd_fd, 4 * page, 4 * page,
			       IOMD_TEST_SHARED_INOUT);
	if (b < 0 || iomd_map(b, 0, 4 * page, PROT_READ | PROT_WRITE,
			      (void **)&map))
		iomd_tap_bail("cannot map a contiguous buffer");
	memset(map, 2, 4 * page);
	ret = iomd_segments(iomd_fd, b, 0, &seg, 1, &out);
	iomd_tap_ok(ret == 1 && out.total == 1 && seg.offset == 0 &&
		    seg.length == 4 * page,
		    "a contiguous 4-page buffer is one segment of 4 pages");
	iomd_tap_ok(out.out_flags & IOMD_SEGMENTS_PHYS,
		    "root is shown physical addresses");
	iomd_tap_eq(seg.phys, phys_of(map),
		    "its address is the frame pagemap shows");
	check_unprivileged(b, &seg, 1, "the contiguous buffer");
	iomd_unmap(map, 4 * page);
	close(b);

	k = iomd_test_sample_export(IOMD_SAMPLE_MEM_CONTIGUOUS, 3 * page, 0);
	if (k < 0 || iomd_map(k, 0, 3 * page, PROT_READ, (void **)&map))
		iomd_tap_bail("cannot map a contiguous kernel range");
	pc.addr = map;
	pc.len = 3 * page;
	check_matches(k, &pc, 1, "a contiguous kernel range");
	iomd_unmap(map, 3 * page);
	close(k);
}

/* User memory and a composite: 8 lines. */
static void check_user(void)
{
	struct iomd_segment all[MAX_RUNS], one;
	struct iomd_segments out;
	struct iomd_range r[2];
	struct piece pc[3];
	uint8_t *mem, *heap, *bmap;
	int u, v, w, b, sub, multi, fds[2], ret;

	mem = shared_anon(8 * page);
	r[0].addr = (uintptr_t)mem;
	r[0].length = 8 * page;
	u = user_desc(r, 1, IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	pc[0].addr = mem;
	pc[0].len = 8 * page;
	check_matches(u, pc, 1, "8 pages of MAP_SHARED memory");

	ret = iomd_segments(iomd_fd, u, 0, all, MAX_RUNS, &out);
	if (ret <= 0)
		iomd_tap_bail("IOMD_IOC_SEGMENTS failed: %d", ret);
	memset(&one, 0, sizeof(one));
	ret = iomd_segments(iomd_fd, u, out.total - 1, &one, 1, &out);
	iomd_tap_ok(ret == 1 && !memcmp(&one, &all[out.total - 1], sizeof(one)),
		    "first = the last index returns the last segment alone");
	ret = iomd_segments(iomd_fd, u, 0, NULL, 0, &out);
	iomd_tap_ok(ret == 0 && out.total >= 1, "nr 0 only counts (%u)",
		    out.total);
	check_unprivileged(u, all, out.total, "8 pages of MAP_SHARED memory");

	heap = aligned_alloc(page, 3 * page);
	if (!heap)
		iomd_tap_bail("out of memory");
	memset(heap, 3, 3 * page);
	r[0].addr = (uintptr_t)heap + 100;
	r[0].length = page;
	r[1].addr = (uintptr_t)heap + 2 * page + 50;
	r[1].length = 200;
	v = user_desc(r, 2, IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	pc[0].addr = heap + 100;
	pc[0].len = page;
	pc[1].addr = heap + 2 * page + 50;
	pc[1].len = 200;
	check_matches(v, pc, 2, "two unaligned ranges of malloc memory");

	r[0].addr = (uintptr_t)heap + 10;
	r[0].length = 10;
	r[1].addr = (uintptr_t)heap + 20;
	r[1].length = 10;
	w = user_desc(r, 2, IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	ret = iomd_segments(iomd_fd, w, 0, &one, 1, &out);
	iomd_tap_ok(ret == 1 && out.total == 1 && one.length == 20 &&
		    one.phys == phys_of(heap + 10),
		    "two ranges meeting inside a page are one segment");

	/* A multi of a sub-range of user memory and a buffer. */
	b = iomd_buffer_create(iomd_fd, 2 * page, 0, IOMD_TEST_SHARED_INOUT);
	if (b < 0 || iomd_map(b, 0, 2 * page, PROT_READ | PROT_WRITE,
			      (void **)&bmap))
		iomd_tap_bail("cannot map a buffer");
	memset(bmap, 4, 2 * page);
	sub = iomd_subrange_create(iomd_fd, u, 100, 3 * page, 0);
	fds[0] = sub;
	fds[1] = b;
	multi = iomd_multi_create(iomd_fd, fds, 2, 0);
	pc[0].addr = mem + 100;
	pc[0].len = 3 * page;
	pc[1].addr = bmap;
	pc[1].len = 2 * page;
	check_matches(multi, pc, 2,
		      "a multi of a sub-range of user memory and a buffer");

	close(multi);
	close(sub);
	iomd_unmap(bmap, 2 * page);
	close(b);
	close(w);
	close(v);
	close(u);
	free(heap);
	munmap(mem, 8 * page);
}

/* Refusals: 7 lines. */
static void check_errors(void)
{
	struct iomd_segments arg;
	struct iomd_segment seg;
	struct iomd_range r;
	uint8_t *mem = shared_anon(page);
	int u, b, ret;

	r.addr = (uintptr_t)mem;
	r.length = page;
	u = user_desc(&r, 1, IOMD_DIR_INOUT);
	ret = iomd_segments(iomd_fd, u, 0, &seg, 1, NULL);
	iomd_test_fails(iomd_fd, -1, ret, ENODATA,
			"unwired user memory: ENODATA");

	b = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	memset(&arg, 0, sizeof(arg));
	arg.fd = b;
	arg.flags = 1;
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_SEGMENTS, &arg), EINVAL,
		       "unknown flags: EINVAL");
	arg.flags = 0;
	arg.total = 1;
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_SEGMENTS, &arg), EINVAL,
		       "non-zero output field: EINVAL");
	arg.total = 0;
	arg.segs = 8;
	arg.nr = 1;
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_SEGMENTS, &arg), EFAULT,
		       "unwritable segment array: EFAULT");
	iomd_tap_errno(iomd_segments(iomd_fd, 9999, 0, NULL, 0, NULL), EBADF,
		       "fd not open: EBADF");
	iomd_revoke(iomd_fd, b);
	iomd_tap_errno(iomd_segments(iomd_fd, b, 0, NULL, 0, NULL), ENODEV,
		       "revoked: ENODEV");
	close(b);
	close(u);
	munmap(mem, page);
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	iomd_tap_plan(PLAN);
	if (geteuid())
		iomd_tap_bail("must run as root to read frame numbers");
	iomd_fd = iomd_test_open();
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0)
		iomd_tap_bail("/proc/self/pagemap: %s", strerror(errno));
	iomd_test_stats(iomd_fd, &before);

	check_contiguous();
	check_user();
	check_errors();

	iomd_test_no_leaks(iomd_fd, &before);
	close(pagemap_fd);
	close(iomd_fd);
	return iomd_tap_finish();
}
