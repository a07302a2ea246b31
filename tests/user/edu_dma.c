// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dma: real DMA through iomd memory, end to end.  The sample driver
 * (samples/iomd_edu.c) has QEMU's edu device read a source descriptor into
 * its 4 KiB buffer and write the buffer into a destination descriptor; the
 * bytes the test wrote through one mapping must show in another:
 *
 *   - buffer descriptors (iomd_buffer_create), copied in part: the driver
 *     makes sub-ranges of them;
 *   - unwired user memory, whole pages and an unaligned range of two
 *     pieces: the driver wires it (prepare), builds its sg_table and maps
 *     it for the device, and unwires it after;
 *   - iomd_malloc_contiguous() memory under edu's 28-bit mask, one
 *     physical run below 256 MiB, both as source and destination;
 *   - a sub-range and a multi made in user space, and a multi the driver
 *     makes of several source descriptors;
 *   - a buffer the driver allocated itself.
 *
 * It runs in the VM configurations with the device (mk/vm.mk): without an
 * IOMMU (device addresses are physical) and with one (IOVAs), and checks
 * the driver sees the configuration it was booted with.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "edu_common.h"

#define PLAN	41

static int iomd_fd, edu_fd;
static size_t page;

/* Anonymous memory of @n pages, or bail out. */
static unsigned char *pages(size_t n)
{
	void *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	return p;
}

/* A mapped buffer descriptor of @n pages, or bail out. */
static int mapped_buffer(size_t n, unsigned char **map)
{
	int fd = iomd_buffer_create(iomd_fd, n * page, 0,
				    IOMD_TEST_SHARED_INOUT);

	if (fd < 0 || iomd_map(fd, 0, n * page, PROT_READ | PROT_WRITE,
			       (void **)map))
		iomd_tap_bail("a buffer of %zu pages: %s", n, strerror(-fd));
	return fd;
}

/* A user descriptor of @nr ranges, or bail out. */
static int describe(const struct iomd_range *r, unsigned int nr, uint32_t dir)
{
	int fd = iomd_user_create(iomd_fd, r, nr, dir);

	if (fd < 0)
		iomd_tap_bail("user descriptor: %s", strerror(-fd));
	return fd;
}

static void check_info(bool iommu)
{
	struct iomd_edu_info info;

	iomd_tap_errno(edu_info(edu_fd, &info), 0, "IOMD_EDU_IOC_INFO");
	iomd_tap_diag("edu: %s, %s, DMA mask 0x%llx, %llu transfers so far",
		      info.flags & IOMD_EDU_INFO_IOMMU ? "IOMMU" : "no IOMMU",
		      info.flags & IOMD_EDU_INFO_MSI ? "MSI" : "INTx",
		      (unsigned long long)info.dma_mask,
		      (unsigned long long)info.transfers);
	iomd_tap_eq(!!(info.flags & IOMD_EDU_INFO_IOMMU), iommu,
		    "the device is %sbehind an IOMMU, as the configuration says",
		    iommu ? "" : "not ");
	iomd_tap_eq(info.dma_mask, (1ULL << IOMD_EDU_DMA_BITS) - 1,
		    "the driver set edu's 28-bit DMA mask");
	iomd_tap_eq(info.buffer_size, IOMD_EDU_BUFFER_SIZE,
		    "the device buffer is 4 KiB");
}

/* Buffers: part of one into the middle of another (sub-ranges). */
static void test_buffers(void)
{
	size_t len = 2 * page + 100, off = 40;
	unsigned char *src, *dst;
	struct iomd_edu_copy c;
	int s, d;

	s = mapped_buffer(3, &src);
	d = mapped_buffer(3, &dst);
	iomd_test_fill(src, 3 * page, 1);
	iomd_tap_errno(edu_copy(edu_fd, s, 0, d, off, len, 0, &c), 0,
		       "buffer -> device -> buffer, %zu bytes at offset %zu",
		       len, off);
	iomd_tap_diag("%u transfers, %u + %u DMA segments", c.transfers,
		      c.src_segments, c.dst_segments);
	iomd_tap_eq(iomd_test_check(dst + off, len, 1), len,
		    "the destination's mapping shows the bytes");
	iomd_tap_ok(iomd_test_nonzero(dst, off) == off &&
		    iomd_test_nonzero(dst + off + len, 3 * page - off - len) ==
		    3 * page - off - len,
		    "and nothing outside the copied range");
	iomd_tap_ok(c.transfers >= 2 * ((len + 4094) / 4095),
		    "at least two transfers per load of the buffer (%u)",
		    c.transfers);
	iomd_unmap(src, 3 * page);
	iomd_unmap(dst, 3 * page);
	close(s);
	close(d);
}

/* Unwired user memory: the driver wires, maps, moves and unwires it. */
static void test_user(void)
{
	unsigned char *src = pages(4), *dst = pages(4);
	struct iomd_range sr[2] = {
		{ .addr = (uintptr_t)src + 100, .length = page },
		{ .addr = (uintptr_t)src + 2 * page, .length = page + 50 },
	};
	struct iomd_range dr = { .addr = (uintptr_t)dst, .length = 4 * page };
	struct iomd_edu_copy c;
	struct iomd_info info;
	size_t len = 2 * page + 50;
	int s, d;

	iomd_test_fill(src, 4 * page, 2);
	memset(dst, 0, 4 * page);
	s = describe(sr, 2, IOMD_DIR_OUT);
	d = describe(&dr, 1, IOMD_DIR_IN);
	iomd_tap_errno(edu_copy(edu_fd, s, 0, d, 0, 4 * page, 0, &c), ERANGE,
		       "a copy longer than the source is refused");
	iomd_tap_errno(edu_copy(edu_fd, s, 0, d, page, len, 0, &c), 0,
		       "unwired user memory (two unaligned pieces) -> device -> user memory");
	iomd_tap_diag("%u transfers, %u + %u DMA segments", c.transfers,
		      c.src_segments, c.dst_segments);
	iomd_tap_ok(memcmp(dst + page, src + 100, page) == 0 &&
		    memcmp(dst + 2 * page, src + 2 * page, page + 50) == 0,
		    "the process sees the gathered bytes in its own memory");
	iomd_tap_ok(iomd_test_nonzero(dst, page) == page &&
		    iomd_test_nonzero(dst + page + len, page - 50) ==
		    page - 50, "and nothing outside them");
	iomd_tap_errno(iomd_info(iomd_fd, s, &info), 0, "source info");
	iomd_tap_eq(info.wire_count, 0,
		    "the driver unwired the source after the copy");
	iomd_tap_errno(iomd_info(iomd_fd, d, &info), 0, "destination info");
	iomd_tap_eq(info.wire_count, 0,
		    "and the destination");

	/* Wired by the process already: the driver's prepare nests. */
	iomd_tap_errno(iomd_prepare(iomd_fd, d), 0, "the process wires it");
	memset(dst, 0, 4 * page);
	iomd_tap_errno(edu_copy(edu_fd, s, 0, d, 0, len, 0, NULL), 0,
		       "into user memory the process wired itself");
	iomd_tap_ok(memcmp(dst, src + 100, page) == 0 &&
		    memcmp(dst + page, src + 2 * page, page + 50) == 0,
		    "the bytes are there");
	iomd_tap_eq(iomd_complete(iomd_fd, d), 0,
		    "the process's complete() is the last");
	close(s);
	close(d);
	munmap(src, 4 * page);
	munmap(dst, 4 * page);
}

/* iomd_malloc_contiguous() under the device's mask, both ways. */
static void test_contiguous(void)
{
	unsigned char *map, *user_mem = pages(2);
	struct iomd_range r = { .addr = (uintptr_t)user_mem,
				.length = 2 * page };
	struct iomd_segment seg[2];
	struct iomd_segments out;
	int c, u;

	c = edu_alloc(edu_fd, IOMD_EDU_MEM_CONTIGUOUS, 2 * page, 0);
	iomd_tap_errno(c, 0, "contiguous memory under the device's mask");
	if (c < 0) {
		iomd_tap_skip_to(iomd_tap_count() + 6, "no contiguous memory");
		return;
	}
	iomd_tap_eq(iomd_segments(iomd_fd, c, 0, seg, 2, &out), 1,
		    "it is one physical run");
	if (out.out_flags & IOMD_SEGMENTS_PHYS)
		iomd_tap_ok(seg[0].phys + seg[0].length <=
			    1ULL << IOMD_EDU_DMA_BITS,
			    "below 256 MiB (0x%llx)",
			    (unsigned long long)seg[0].phys);
	else
		iomd_tap_ok(true, "# SKIP addresses not shown to this user");
	if (iomd_map(c, 0, 2 * page, PROT_READ | PROT_WRITE, (void **)&map))
		iomd_tap_bail("mapping contiguous memory");
	iomd_test_fill(map, 2 * page, 3);
	u = describe(&r, 1, IOMD_DIR_INOUT);
	memset(user_mem, 0, 2 * page);
	iomd_tap_errno(edu_copy(edu_fd, c, 0, u, 0, 2 * page, 0, NULL), 0,
		       "contiguous -> device -> user memory");
	iomd_tap_eq(iomd_test_check(user_mem, 2 * page, 3), 2 * page,
		    "the bytes arrived");
	iomd_test_fill(user_mem, 2 * page, 4);
	iomd_tap_errno(edu_copy(edu_fd, u, 0, c, 0, 2 * page, 0, NULL), 0,
		       "user memory -> device -> contiguous");
	iomd_tap_eq(iomd_test_check(map, 2 * page, 4), 2 * page,
		    "the mapping of the contiguous memory shows them");
	iomd_unmap(map, 2 * page);
	close(u);
	close(c);
	munmap(user_mem, 2 * page);
}

/* Composites from user space, and a multi the driver makes. */
static void test_composites(void)
{
	unsigned char *b, *dst, *mem = pages(2);
	struct iomd_range r = { .addr = (uintptr_t)mem, .length = 2 * page };
	struct iomd_edu_copy c;
	int bf, df, uf, sub, multi, parts[2];
	size_t len;

	bf = mapped_buffer(2, &b);
	df = mapped_buffer(4, &dst);
	iomd_test_fill(b, 2 * page, 5);
	iomd_test_fill(mem, 2 * page, 6);
	uf = describe(&r, 1, IOMD_DIR_OUT);

	sub = iomd_subrange_create(iomd_fd, bf, page / 2, page, 0);
	iomd_tap_errno(sub, 0, "a sub-range of a buffer (user space)");
	iomd_tap_errno(edu_copy(edu_fd, sub, 0, df, 0, page, 0, NULL), 0,
		       "sub-range -> device -> buffer");
	iomd_tap_ok(memcmp(dst, b + page / 2, page) == 0,
		    "the sub-range's bytes arrived");

	parts[0] = uf;
	parts[1] = sub;
	multi = iomd_multi_create(iomd_fd, parts, 2, IOMD_DIR_OUT);
	iomd_tap_errno(multi, 0, "a multi of user memory and the sub-range");
	memset(dst, 0, 4 * page);
	len = 3 * page - 10;
	iomd_tap_errno(edu_copy(edu_fd, multi, 10, df, 0, len, 0, NULL), 0,
		       "multi (from byte 10) -> device -> buffer");
	iomd_tap_ok(memcmp(dst, mem + 10, 2 * page - 10) == 0 &&
		    memcmp(dst + 2 * page - 10, b + page / 2, page) == 0,
		    "the multi's bytes arrived in order");

	/* The driver gathers three descriptors into a multi of its own. */
	memset(&c, 0, sizeof(c));
	c.src_fds[0] = sub;
	c.src_fds[1] = uf;
	c.src_fds[2] = bf;
	c.nr_src = 3;
	c.dst_fd = df;
	c.length = 5 * page + 1;
	memset(dst, 0, 4 * page);
	iomd_tap_errno(edu_ioctl(edu_fd, IOMD_EDU_IOC_COPY, &c), ERANGE,
		       "a gather past its end is refused");
	c.length = page + 2 * page + page / 2;
	iomd_tap_errno(edu_ioctl(edu_fd, IOMD_EDU_IOC_COPY, &c), 0,
		       "three descriptors gathered by the driver -> buffer");
	iomd_tap_ok(memcmp(dst, b + page / 2, page) == 0 &&
		    memcmp(dst + page, mem, 2 * page) == 0 &&
		    memcmp(dst + 3 * page, b, page / 2) == 0,
		    "the gathered bytes arrived in order");
	close(multi);
	close(sub);
	close(uf);
	iomd_unmap(b, 2 * page);
	iomd_unmap(dst, 4 * page);
	close(bf);
	close(df);
	munmap(mem, 2 * page);
}

/* Memory the driver allocated (a buffer) as the source. */
static void test_driver_buffer(void)
{
	unsigned char *map, *mem = pages(1);
	struct iomd_range r = { .addr = (uintptr_t)mem, .length = page };
	int b, u;

	b = edu_alloc(edu_fd, IOMD_EDU_MEM_BUFFER, page, 0);
	iomd_tap_errno(b, 0, "the driver allocates a buffer");
	if (b < 0 || iomd_map(b, 0, page, PROT_READ | PROT_WRITE,
			      (void **)&map))
		iomd_tap_bail("the driver's buffer");
	iomd_test_fill(map, page, 7);
	u = describe(&r, 1, IOMD_DIR_IN);
	iomd_tap_errno(edu_copy(edu_fd, b, 0, u, 0, page, 0, NULL), 0,
		       "driver's buffer -> device -> user memory");
	iomd_tap_eq(iomd_test_check(mem, page, 7), page, "the bytes arrived");
	iomd_unmap(map, page);
	close(u);
	close(b);
	munmap(mem, page);
}

int main(void)
{
	struct iomd_stats before;
	bool iommu;

	edu_fd = edu_begin(PLAN, &iommu, &iomd_fd, &before);
	if (edu_fd < 0)
		return iomd_tap_finish();
	page = iomd_page_size();

	check_info(iommu);
	test_buffers();
	test_user();
	test_contiguous();
	test_composites();
	test_driver_buffer();
	iomd_test_no_leaks(iomd_fd, &before);
	close(edu_fd);
	return iomd_tap_finish();
}
