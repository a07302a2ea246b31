// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dmabuf: a real device moves the bytes of imported dma-bufs.  The
 * edu sample driver (samples/iomd_edu.c) takes descriptor fds; here they
 * are imports (IOMD_IOC_IMPORT_DMABUF) of
 *
 *   - an iomd buffer exported as a dma-buf (every kernel): the device
 *     reads the import into a buffer and writes a buffer into the import,
 *     and the exporter's buffer shows the bytes;
 *   - a udmabuf of a memfd (kernels with CONFIG_UDMABUF): the memfd shows
 *     what the device wrote, and the device reads what was written to it;
 *   - a system dma-heap buffer (kernels with CONFIG_DMABUF_HEAPS_SYSTEM);
 *   - a multi the driver gathers of an import and a buffer;
 *
 * and a revoked import is refused by the driver with ENODEV and a reason.
 * It runs in the VM configurations with the device, with and without an
 * IOMMU; udmabuf and dma-heap checks skip, saying why, where the kernel
 * has no device node for them.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "edu_common.h"

#define NPAGES		3
#define RT_CHECKS	5
#define UDMABUF_CHECKS	5
#define HEAP_CHECKS	3
#define PLAN		(RT_CHECKS + UDMABUF_CHECKS + HEAP_CHECKS + 2 + 2 + 2)

static int iomd_fd, edu_fd;
static size_t page, len;

/* A mapped buffer descriptor of @len bytes, or bail out. */
static int mapped_buffer(unsigned char **map)
{
	int fd = iomd_buffer_create(iomd_fd, len, 0, IOMD_TEST_SHARED_INOUT);

	if (fd < 0 || iomd_map(fd, 0, len, PROT_READ | PROT_WRITE,
			       (void **)map))
		iomd_tap_bail("a buffer: %s", strerror(-fd));
	return fd;
}

/* The device copies all of @src into @dst: 0 or -errno. */
static int copy_all(int src, int dst)
{
	return edu_copy(edu_fd, src, 0, dst, 0, len, 0, NULL);
}

/*
 * Two checks: the device copies a buffer of pattern @seed into import
 * @imp, and a mapping of @map_fd (the dma-buf, or the memory behind it)
 * shows the pattern.
 */
static void device_writes(int imp, int map_fd, uint64_t seed,
			  const char *what)
{
	unsigned char *other, *m;
	int o;

	o = mapped_buffer(&other);
	iomd_test_fill(other, len, seed);
	iomd_tap_errno(copy_all(o, imp), 0, "buffer -> device -> %s", what);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, map_fd, 0);
	iomd_tap_ok(m != MAP_FAILED && iomd_test_check(m, len, seed) == len,
		    "%s: a mapping shows what the device wrote", what);
	if (m != MAP_FAILED)
		munmap(m, len);
	iomd_unmap(other, len);
	close(o);
}

/* An iomd buffer exported and imported again. */
static void test_round_trip(void)
{
	unsigned char *exp, *other;
	int b, d, i, o;

	b = mapped_buffer(&exp);
	o = mapped_buffer(&other);
	iomd_test_fill(exp, len, 1);
	d = iomd_export_dmabuf(iomd_fd, b, IOMD_CREATE_CLOEXEC);
	i = d < 0 ? d : iomd_import_dmabuf(iomd_fd, d, IOMD_CREATE_CLOEXEC);
	iomd_tap_errno(i, 0, "an exported buffer imports");
	if (i < 0)
		iomd_tap_bail("round trip: %s", strerror(-i));
	iomd_tap_errno(copy_all(i, o), 0, "import -> device -> buffer");
	iomd_tap_eq(iomd_test_check(other, len, 1), len,
		    "the exporter's bytes arrived");
	iomd_test_fill(other, len, 2);
	iomd_tap_errno(copy_all(o, i), 0, "buffer -> device -> import");
	iomd_tap_eq(iomd_test_check(exp, len, 2), len,
		    "the exporter's buffer shows what the device wrote");
	close(i);
	close(d);
	iomd_unmap(exp, len);
	iomd_unmap(other, len);
	close(b);
	close(o);
}

static void test_udmabuf(void)
{
	unsigned char *other;
	int mfd = -1, u, i, o;

	u = iomd_test_udmabuf(len, 3, &mfd);
	i = iomd_test_import(iomd_fd, u, UDMABUF_CHECKS, IOMD_TEST_NO_UDMABUF,
			     "a udmabuf of a memfd");
	if (i < 0)
		return;
	o = mapped_buffer(&other);
	iomd_tap_errno(copy_all(i, o), 0, "udmabuf import -> device -> buffer");
	iomd_tap_eq(iomd_test_check(other, len, 3), len,
		    "the memfd's bytes arrived");
	iomd_unmap(other, len);
	close(o);
	device_writes(i, mfd, 4, "udmabuf import (the memfd)");
	close(i);
	close(u);
	close(mfd);
}

static void test_heap(void)
{
	int h, i;

	h = iomd_test_dma_heap(len, O_RDWR);
	i = iomd_test_import(iomd_fd, h, HEAP_CHECKS, IOMD_TEST_NO_DMA_HEAP,
			     "a system dma-heap buffer");
	if (i < 0)
		return;
	device_writes(i, h, 5, "heap import");
	close(i);
	close(h);
}

/* The driver gathers an import and a buffer; then the import is revoked. */
static void test_gather_revoke(void)
{
	unsigned char *exp, *part, *dst;
	struct iomd_edu_copy c;
	int b, d, i, p, o, ret;

	b = mapped_buffer(&exp);
	p = mapped_buffer(&part);
	iomd_test_fill(exp, len, 6);
	iomd_test_fill(part, len, 7);
	d = iomd_export_dmabuf(iomd_fd, b, IOMD_CREATE_CLOEXEC);
	i = d < 0 ? d : iomd_import_dmabuf(iomd_fd, d, IOMD_CREATE_CLOEXEC);
	if (i < 0)
		iomd_tap_bail("gather: %s", strerror(-i));
	o = iomd_buffer_create(iomd_fd, 2 * len, 0, IOMD_TEST_SHARED_INOUT);
	if (o < 0 || iomd_map(o, 0, 2 * len, PROT_READ | PROT_WRITE,
			      (void **)&dst))
		iomd_tap_bail("a buffer: %s", strerror(-o));
	memset(&c, 0, sizeof(c));
	c.src_fds[0] = i;
	c.src_fds[1] = p;
	c.nr_src = 2;
	c.dst_fd = o;
	c.src_offset = page / 2;
	c.length = 2 * len - page;
	ret = edu_ioctl(edu_fd, IOMD_EDU_IOC_COPY, &c);
	iomd_tap_errno(ret, 0,
		       "an import and a buffer gathered by the driver -> buffer");
	iomd_tap_ok(!memcmp(dst, exp + page / 2, len - page / 2) &&
		    !memcmp(dst + len - page / 2, part, len - page / 2),
		    "the gathered bytes arrived in order");

	iomd_revoke(iomd_fd, i);
	edu_fails(edu_fd, copy_all(i, o), ENODEV, "DMA from a revoked import");
	iomd_unmap(dst, 2 * len);
	iomd_unmap(exp, len);
	iomd_unmap(part, len);
	close(o);
	close(i);
	close(d);
	close(b);
	close(p);
}

int main(void)
{
	struct iomd_stats before;
	bool iommu;

	page = iomd_page_size();
	len = NPAGES * page;
	edu_fd = edu_begin(PLAN, &iommu, &iomd_fd, &before);
	if (edu_fd < 0)
		return iomd_tap_finish();
	iomd_tap_diag("edu %s an IOMMU", iommu ? "behind" : "without");

	test_round_trip();
	test_udmabuf();
	test_heap();
	test_gather_revoke();
	iomd_test_no_leaks(iomd_fd, &before);
	close(edu_fd);
	return iomd_tap_finish();
}
