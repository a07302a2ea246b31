// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_import: IOMD_IOC_IMPORT_DMABUF makes a dma-buf a descriptor.
 *
 *   round trip: a buffer exported as a dma-buf and imported again is the
 *               same memory both ways: the kernel reads the buffer's bytes
 *               through the import (also through its kernel mapping, the
 *               exporter's vmap), the import's writes show in the buffer,
 *               mmap of the import (handed to the dma-buf's mmap) shows
 *               and writes them, its segments are the buffer's, and
 *               sub-ranges and multis of it read right, while a multi
 *               holding it cannot be mapped (EPERM, a reason); closing the
 *               dma-buf and buffer fds leaves the import working, closing
 *               it frees both;
 *   exporter:   revoking the exported buffer zaps the import's mapping
 *               (it was the exporter's) and a later mmap of the import
 *               fails with ENODEV, the reason naming the exporter;
 *   revoke:     a revoked import refuses kernel access, mmap and new
 *               sub-ranges (ENODEV with a reason), a multi holding it is
 *               revoked too, and the dma-buf itself is untouched;
 *   udmabuf:    a udmabuf of a memfd: the import reads and writes the
 *               memfd's bytes, its mapping is the dma-buf's (no iomd
 *               mapping at that address), its segments cover it, it
 *               composes, and it outlives the udmabuf and memfd fds;
 *               after the import is gone the dma-buf still works;
 *   dma-heap:   a system heap buffer, read-write and read-only: a
 *               read-only one is OUT, and kernel writes, direction IN
 *               and writable mappings are refused with EACCES;
 *   refusals:   not a dma-buf (EBADFD), not open (EBADF), bad flags,
 *               reserved and output fields (EINVAL), each with a reason;
 *   uid 1000:   an unprivileged user imports and reads, and its
 *               segments do not show physical addresses.
 * udmabuf and dma-heap checks skip on kernels without them (6.1), found
 * out by their device nodes; kernels without dma-buf skip everything.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define NPAGES		4
#define RT_CHECKS	16
#define EXP_CHECKS	3
#define REVOKE_CHECKS	8
#define UDMABUF_CHECKS	10
#define HEAP_CHECKS	12
#define REFUSE_CHECKS	16
#define UID_CHECKS	3
#define PLAN	(RT_CHECKS + EXP_CHECKS + REVOKE_CHECKS + UDMABUF_CHECKS + \
		 HEAP_CHECKS + REFUSE_CHECKS + UID_CHECKS + 2)

static int iomd_fd;
static size_t page, len;
static unsigned char *want, *got;

static int import_raw(struct iomd_import_dmabuf *arg)
{
	return iomd_ioctl(iomd_fd, IOMD_IOC_IMPORT_DMABUF, arg);
}

/* A shared buffer of @len bytes of pattern @seed, exported: 0 or bail. */
static void exported_buffer(uint64_t seed, int *b, int *d)
{
	iomd_test_fill(want, len, seed);
	*b = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     want);
	*d = *b < 0 ? *b : iomd_export_dmabuf(iomd_fd, *b, IOMD_CREATE_CLOEXEC);
	if (*d < 0)
		iomd_tap_bail("export a buffer: %s", strerror(-*d));
}

/* Whether the runs of descriptors @a and @b are the same. */
static bool same_segments(int a, int b, uint32_t *count)
{
	struct iomd_segment sa[NPAGES], sb[NPAGES];
	struct iomd_segments oa, ob;
	int na, nb;

	na = iomd_segments(iomd_fd, a, 0, sa, NPAGES, &oa);
	nb = iomd_segments(iomd_fd, b, 0, sb, NPAGES, &ob);
	*count = na < 0 ? 0 : oa.total;
	return na > 0 && na == nb && oa.total == ob.total &&
	       oa.out_flags == ob.out_flags &&
	       !memcmp(sa, sb, na * sizeof(sa[0]));
}

/* Sum of the lengths of @fd's runs, or 0. */
static uint64_t segment_bytes(int fd, struct iomd_segments *out)
{
	struct iomd_segment s[NPAGES];
	uint64_t sum = 0;
	int i, n;

	n = iomd_segments(iomd_fd, fd, 0, s, NPAGES, out);
	for (i = 0; i < n; i++)
		sum += s[i].length;
	return n > 0 && out->total == (uint32_t)n ? sum : 0;
}

static void test_round_trip(void)
{
	struct iomd_stats st0, st1;
	struct iomd_info info;
	unsigned char *m, *cat;
	int b, d, i, c, s, mu, parts[2];
	uint32_t runs = 0;
	bool ok;
	void *mm;

	iomd_test_stats(iomd_fd, &st0);
	exported_buffer(21, &b, &d);
	i = iomd_import_dmabuf(iomd_fd, d, IOMD_CREATE_CLOEXEC);
	iomd_tap_errno(i, 0, "round trip: the exported buffer imports");
	if (i < 0) {
		iomd_tap_skip_to(RT_CHECKS, "no import");
		close(d);
		close(b);
		return;
	}
	memset(&info, 0, sizeof(info));
	ok = !iomd_info(iomd_fd, i, &info);
	iomd_tap_ok(ok && info.kind == IOMD_KIND_DMABUF && info.length == len &&
		    info.direction == IOMD_DIR_INOUT && info.wire_count == 1,
		    "round trip: INFO says dmabuf, %zu bytes, INOUT, wired (kind %u, %llu, dir %u, wire %u)",
		    len, info.kind, (unsigned long long)info.length,
		    info.direction, info.wire_count);
	iomd_test_mem(iomd_kread(iomd_fd, i, 0, got, len), got, want, len,
		      "round trip: the import reads the buffer's bytes");
	iomd_test_mem(iomd_kread_flags(iomd_fd, i, IOMD_RW_KMAP, 0, got, len),
		      got, want, len,
		      "round trip: so does its kernel mapping (the exporter's vmap)");
	iomd_test_fill(want, len, 22);
	iomd_tap_errno(iomd_kwrite(iomd_fd, i, 0, want, len), 0,
		       "round trip: the kernel writes through the import");
	iomd_test_mem(iomd_kread(iomd_fd, b, 0, got, len), got, want, len,
		      "round trip: the import's writes are in the buffer");

	m = MAP_FAILED;
	if (iomd_map(i, 0, len, PROT_READ | PROT_WRITE, &mm) == 0)
		m = mm;
	iomd_tap_ok(m != MAP_FAILED && !memcmp(m, want, len),
		    "round trip: mmap of the import shows the bytes");
	if (m != MAP_FAILED) {
		iomd_test_fill(m, len, 23);
		iomd_test_fill(want, len, 23);
		iomd_unmap(m, len);
	}
	iomd_test_mem(iomd_kread(iomd_fd, b, 0, got, len), got, want, len,
		      "round trip: writes through that mapping are in the buffer");
	ok = same_segments(i, b, &runs);
	iomd_tap_ok(ok, "round trip: the import's %u segment(s) are the buffer's",
		    runs);

	s = iomd_subrange_create(iomd_fd, i, page, 2 * page, 0);
	iomd_test_mem(s < 0 ? s : iomd_kread(iomd_fd, s, 0, got, 2 * page),
		      got, want + page, 2 * page,
		      "round trip: a sub-range of the import reads its pages");
	c = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	if (c < 0)
		iomd_tap_bail("a buffer: %s", strerror(-c));
	cat = iomd_test_malloc(len + page);
	memset(cat, 0, len + page);
	memcpy(cat, want, len);
	parts[0] = i;
	parts[1] = c;
	mu = iomd_multi_create(iomd_fd, parts, 2, 0);
	iomd_test_mem(mu < 0 ? mu : iomd_kread(iomd_fd, mu, 0, got, len),
		      got, cat, len,
		      "round trip: a multi of the import and a buffer reads both");
	iomd_test_fails(iomd_fd, mu, iomd_map(mu, 0, page, PROT_READ, &mm),
			EPERM, "mmap of a multi holding an import");
	close(mu);
	close(s);
	close(c);
	free(cat);

	close(d);
	close(b);
	iomd_test_stats(iomd_fd, &st1);
	iomd_test_mem(iomd_kread(iomd_fd, i, 0, got, len), got, want, len,
		      "round trip: the import works after the dma-buf and buffer fds are closed");
	iomd_tap_eq(st1.live_descriptors, st0.live_descriptors + 2,
		    "round trip: the import keeps the buffer alive (through the dma-buf)");
	close(i);
	iomd_test_settle(iomd_fd, st0.live_descriptors, st0.live_bytes, &st1);
	iomd_tap_eq(st1.live_descriptors, st0.live_descriptors,
		    "round trip: closing the import frees it, the dma-buf and the buffer");
}

static void test_exporter_revoke(void)
{
	unsigned char *m, v;
	int b, d, i;
	void *mm;

	exported_buffer(31, &b, &d);
	i = iomd_import_dmabuf(iomd_fd, d, 0);
	if (i < 0 || iomd_map(i, 0, len, PROT_READ, &mm))
		iomd_tap_bail("import and map: %s", strerror(-i));
	m = mm;
	iomd_revoke(iomd_fd, b);
	iomd_tap_eq(iomd_test_peek(m, &v), SIGBUS,
		    "exporter: revoking the exported buffer zaps the import's mapping (SIGBUS)");
	iomd_test_fails(iomd_fd, i, iomd_map(i, 0, page, PROT_READ, &mm),
			ENODEV, "exporter: mmap of the import after the exporter's revoke");
	iomd_unmap(m, len);
	close(i);
	close(d);
	close(b);
}

static void test_revoke(void)
{
	int b, d, i, s, c, mu, parts[2];
	void *mm;

	exported_buffer(41, &b, &d);
	i = iomd_import_dmabuf(iomd_fd, d, 0);
	c = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	parts[0] = c;
	parts[1] = i;
	mu = i < 0 || c < 0 ? -EBADF : iomd_multi_create(iomd_fd, parts, 2, 0);
	if (mu < 0)
		iomd_tap_bail("import and multi: %s", strerror(-mu));
	iomd_tap_errno(iomd_revoke(iomd_fd, i), 0, "revoke: of the import");
	iomd_test_fails(iomd_fd, -1, iomd_kread(iomd_fd, i, 0, got, len),
			ENODEV, "revoke: kernel read of the import");
	iomd_test_fails(iomd_fd, i, iomd_map(i, 0, page, PROT_READ, &mm),
			ENODEV, "revoke: mmap of the import");
	s = iomd_subrange_create(iomd_fd, i, 0, page, 0);
	iomd_tap_errno(s, ENODEV, "revoke: a new sub-range of the import");
	if (s >= 0)
		close(s);
	iomd_tap_errno(iomd_kread(iomd_fd, mu, 0, got, page), ENODEV,
		       "revoke: the multi holding it is revoked too");
	iomd_test_mem(iomd_kread(iomd_fd, b, 0, got, len), got, want, len,
		      "revoke: the dma-buf's memory is untouched");
	close(mu);
	close(c);
	close(i);
	close(d);
	close(b);
}

static void test_udmabuf(void)
{
	struct iomd_segments so = { 0 };
	struct iomd_map_info mi;
	uint64_t sum;
	unsigned char *m, byte = 0;
	int mfd = -1, u, i, c, mu, parts[2];
	void *mm;

	u = iomd_test_udmabuf(len, 51, &mfd);
	i = iomd_test_import(iomd_fd, u, UDMABUF_CHECKS, IOMD_TEST_NO_UDMABUF,
			     "udmabuf: a udmabuf of a memfd");
	if (i < 0)
		return;
	iomd_test_fill(want, len, 51);
	iomd_test_mem(iomd_kread(iomd_fd, i, 0, got, len), got, want, len,
		      "udmabuf: the import reads the memfd's bytes");
	byte = 0x5a;
	iomd_kwrite(iomd_fd, i, 3, &byte, 1);
	byte = 0;
	iomd_tap_ok(pread(mfd, &byte, 1, 3) == 1 && byte == 0x5a,
		    "udmabuf: the import's writes land in the memfd");
	want[3] = 0x5a;
	m = MAP_FAILED;
	if (iomd_map(i, 0, len, PROT_READ | PROT_WRITE, &mm) == 0)
		m = mm;
	iomd_tap_ok(m != MAP_FAILED && !memcmp(m, want, len),
		    "udmabuf: mmap of the import shows the memfd's bytes");
	if (m == MAP_FAILED)
		iomd_tap_bail("mmap of the import: %s", strerror(errno));
	m[5] = 0xc3;
	iomd_tap_ok(pread(mfd, &byte, 1, 5) == 1 && byte == 0xc3,
		    "udmabuf: writes through that mapping land in the memfd");
	want[5] = 0xc3;
	iomd_tap_errno(iomd_map_info(iomd_fd, m, &mi), EINVAL,
		       "udmabuf: the mapping is the dma-buf's, not an iomd mapping");
	iomd_unmap(m, len);
	sum = segment_bytes(i, &so);
	iomd_tap_eq(sum, len, "udmabuf: the import's %u segment(s) cover it",
		    so.total);

	c = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	parts[0] = c;
	parts[1] = i;
	mu = c < 0 ? c : iomd_multi_create(iomd_fd, parts, 2, 0);
	iomd_test_mem(mu < 0 ? mu : iomd_kread(iomd_fd, mu, page, got, len),
		      got, want, len,
		      "udmabuf: a multi of a buffer and the import reads the memfd's bytes after the buffer's");
	if (mu >= 0)
		close(mu);
	close(c);

	close(u);
	close(mfd);
	iomd_test_mem(iomd_kread(iomd_fd, i, 0, got, len), got, want, len,
		      "udmabuf: the import outlives the udmabuf and memfd fds");
	/* The other way round: a dma-buf outlives an import of it. */
	u = iomd_test_udmabuf(len, 52, &mfd);
	c = u < 0 ? u : iomd_import_dmabuf(iomd_fd, u, 0);
	if (c >= 0)
		close(c);
	iomd_test_fill(want, len, 52);
	m = u < 0 ? MAP_FAILED :
	    mmap(NULL, len, PROT_READ, MAP_SHARED, u, 0);
	iomd_tap_ok(c >= 0 && m != MAP_FAILED && !memcmp(m, want, len),
		    "udmabuf: the dma-buf works after an import of it is gone");
	if (m != MAP_FAILED)
		munmap(m, len);
	if (u >= 0) {
		close(u);
		close(mfd);
	}
	close(i);
}

static void test_heap(void)
{
	unsigned char *m;
	struct iomd_segments so = { 0 };
	struct iomd_info info;
	uint64_t sum;
	int h, i;
	void *mm;

	h = iomd_test_dma_heap(len, O_RDWR);
	i = iomd_test_import(iomd_fd, h, HEAP_CHECKS, IOMD_TEST_NO_DMA_HEAP,
			     "dma-heap: a system heap buffer");
	if (i < 0)
		return;
	iomd_test_fill(want, len, 61);
	iomd_kwrite(iomd_fd, i, 0, want, len);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, h, 0);
	iomd_tap_ok(m != MAP_FAILED && !memcmp(m, want, len),
		    "dma-heap: the import's writes show in a mapping of the heap buffer");
	if (m != MAP_FAILED)
		munmap(m, len);
	m = MAP_FAILED;
	if (iomd_map(i, 0, len, PROT_READ, &mm) == 0)
		m = mm;
	iomd_tap_ok(m != MAP_FAILED && !memcmp(m, want, len),
		    "dma-heap: mmap of the import shows them");
	if (m != MAP_FAILED)
		iomd_unmap(m, len);
	sum = segment_bytes(i, &so);
	iomd_tap_eq(sum, len, "dma-heap: the import's %u segment(s) cover it",
		    so.total);
	close(i);
	close(h);

	h = iomd_test_dma_heap(len, O_RDONLY);
	if (h < 0)
		iomd_tap_bail("read-only dma-heap buffer: %s", strerror(-h));
	i = iomd_import_dmabuf(iomd_fd, h, 0);
	memset(&info, 0, sizeof(info));
	if (i >= 0)
		iomd_info(iomd_fd, i, &info);
	iomd_tap_ok(i >= 0 && info.direction == IOMD_DIR_OUT,
		    "dma-heap: a read-only buffer imports as IOMD_DIR_OUT (%s)",
		    iomd_errno_name(i < 0 ? -i : 0));
	iomd_test_fails(iomd_fd, -1, iomd_kwrite(iomd_fd, i, 0, want, 1),
			EACCES, "dma-heap: a kernel write to the read-only import");
	iomd_test_fails(iomd_fd, -1,
			iomd_import_dmabuf(iomd_fd, h, IOMD_DIR_IN), EACCES,
			"dma-heap: importing a read-only buffer IOMD_DIR_IN");
	iomd_test_fails(iomd_fd, i,
			iomd_map(i, 0, len, PROT_READ | PROT_WRITE, &mm),
			EACCES, "dma-heap: a writable mapping of the read-only import");
	m = MAP_FAILED;
	if (iomd_map(i, 0, len, PROT_READ, &mm) == 0)
		m = mm;
	iomd_tap_ok(m != MAP_FAILED && iomd_test_nonzero(m, len) == len,
		    "dma-heap: a read-only mapping of it works (and shows zeroes)");
	if (m != MAP_FAILED)
		iomd_unmap(m, len);
	if (i >= 0)
		close(i);
	close(h);
}

/* Arguments refused with EINVAL, whatever the dma-buf. */
static const struct {
	struct iomd_import_dmabuf arg;
	const char *what;
} bad[] = {
	{ { .flags = 0x4 }, "unknown flag 0x4" },
	{ { .reserved = { 1 } }, "reserved[0] = 1" },
	{ { .reserved0 = 1 }, "reserved0 = 1" },
	{ { .fd = 9 }, "a non-zero fd (an output) on input" },
	{ { .length = 4096 }, "a non-zero length (an output) on input" },
};

static void test_refusals(void)
{
	struct iomd_import_dmabuf arg;
	int mfd, b, d;
	size_t n;

	mfd = iomd_test_memfd("iomd-not-a-dmabuf", page);
	iomd_test_fails(iomd_fd, -1, iomd_import_dmabuf(iomd_fd, mfd, 0),
			EBADFD, "a memfd, not a dma-buf");
	close(mfd);
	iomd_test_fails(iomd_fd, -1, iomd_import_dmabuf(iomd_fd, 1000, 0),
			EBADF, "fd 1000, not open");
	exported_buffer(71, &b, &d);
	iomd_test_fails(iomd_fd, -1, iomd_import_dmabuf(iomd_fd, b, 0),
			EBADFD, "an iomd descriptor fd, not a dma-buf");
	for (n = 0; n < ARRAY_SIZE(bad); n++) {
		arg = bad[n].arg;
		arg.dmabuf_fd = d;
		iomd_test_fails(iomd_fd, -1, import_raw(&arg), EINVAL, "%s",
				bad[n].what);
	}
	close(d);
	close(b);
}

static void test_uid(void)
{
	struct iomd_segment seg;
	struct iomd_segments so;
	int b, d, i, n;

	exported_buffer(81, &b, &d);
	if (setresgid(1000, 1000, 0) || setresuid(1000, 1000, 0))
		iomd_tap_bail("cannot become uid 1000: %s", strerror(errno));
	i = iomd_import_dmabuf(iomd_fd, d, 0);
	iomd_tap_errno(i, 0, "uid 1000: imports a dma-buf it holds");
	iomd_test_mem(i < 0 ? i : iomd_kread(iomd_fd, i, 0, got, len), got,
		      want, len, "uid 1000: and reads it");
	memset(&so, 0, sizeof(so));
	n = i < 0 ? i : iomd_segments(iomd_fd, i, 0, &seg, 1, &so);
	iomd_tap_ok(n == 1 && !(so.out_flags & IOMD_SEGMENTS_PHYS) &&
		    !seg.phys && so.total == NPAGES,
		    "uid 1000: its segments hide physical addresses (%u runs, flags 0x%x)",
		    n == 1 ? so.total : 0, n == 1 ? so.out_flags : 0);
	if (i >= 0)
		close(i);
	if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
		iomd_tap_bail("cannot become root again");
	close(d);
	close(b);
}

int main(void)
{
	struct iomd_stats before;

	page = sysconf(_SC_PAGESIZE);
	len = NPAGES * page;
	want = iomd_test_malloc(len);
	got = iomd_test_malloc(len);
	iomd_fd = iomd_test_dmabuf_begin(PLAN, &before);
	test_round_trip();
	test_exporter_revoke();
	test_revoke();
	test_udmabuf();
	test_heap();
	test_refusals();
	test_uid();
	iomd_test_no_leaks(iomd_fd, &before);
	free(want);
	free(got);
	return iomd_tap_finish();
}
