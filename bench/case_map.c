// SPDX-License-Identifier: GPL-2.0
/*
 * Cases 1 and 2: giving a process a shared buffer.
 *
 * Case 1 times what a program pays for a new shared buffer it will fill:
 * create it, map it, write every page.  Case 2 times mapping a buffer
 * whose pages already exist (created and filled before the clock starts,
 * mapped once and unmapped so that neither side has first-use work
 * left): mmap() plus a write to every page.  Teardown (munmap, close) is
 * never timed; it happens before the process exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libiomd.h"
#include "bench.h"

#define IOMD_BENCH_BUF_FLAGS	(IOMD_DIR_INOUT | IOMD_BUF_KERNEL_USER_SHARED)

/* Map @fd whole, shared, read-write; @flags adds e.g. MAP_POPULATE. */
static void *iomd_bench_map_fd(int fd, size_t size, int flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | flags,
		       fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A new memfd of @size bytes (no pages yet), or -errno. */
static int iomd_bench_memfd(size_t size)
{
	int fd = memfd_create("iomd-bench", MFD_CLOEXEC);

	if (fd < 0)
		return iomd_bench_fail("memfd_create");
	if (ftruncate(fd, size)) {
		int ret = iomd_bench_fail("ftruncate(memfd, %zu)", size);

		close(fd);
		return ret;
	}
	return fd;
}

/* Case 1, iomd: create a buffer (its pages come zeroed), map, touch. */
static int iomd_bench_new_iomd(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	uint64_t t0, t1;
	int dev, fd;
	void *p;

	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	t0 = iomd_bench_now_ns();
	fd = iomd_buffer_create(dev, size, 0, IOMD_BENCH_BUF_FLAGS);
	if (fd < 0) {
		errno = -fd;
		return iomd_bench_fail("create a %zu-byte buffer", size);
	}
	p = iomd_bench_map_fd(fd, size, 0);
	if (!p)
		return iomd_bench_fail("mmap the %zu-byte buffer", size);
	iomd_bench_touch(p, size);
	t1 = iomd_bench_now_ns();

	munmap(p, size);
	close(fd);
	close(dev);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/* Case 1, memfd: create, size, map with MAP_POPULATE, touch. */
static int iomd_bench_new_memfd(const struct iomd_bench_case *c, size_t size,
				struct iomd_bench_sample *s)
{
	uint64_t t0, t1;
	void *p;
	int fd;

	t0 = iomd_bench_now_ns();
	fd = iomd_bench_memfd(size);
	if (fd < 0)
		return fd;
	p = iomd_bench_map_fd(fd, size, MAP_POPULATE);
	if (!p)
		return iomd_bench_fail("mmap(MAP_POPULATE) of the memfd");
	iomd_bench_touch(p, size);
	t1 = iomd_bench_now_ns();

	munmap(p, size);
	close(fd);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/* Case 1, anonymous shared memory: map, then every page faults in. */
static int iomd_bench_new_anon(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	uint64_t t0, t1;
	void *p;

	t0 = iomd_bench_now_ns();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return iomd_bench_fail("mmap(MAP_SHARED | MAP_ANONYMOUS)");
	iomd_bench_touch(p, size);
	t1 = iomd_bench_now_ns();

	munmap(p, size);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/*
 * Map @fd with @flags and touch every page, timed, after one untimed
 * map + touch + unmap that leaves the pages allocated and written.
 */
static int iomd_bench_remap(int fd, size_t size, int flags,
			    struct iomd_bench_sample *s)
{
	uint64_t t0, t1;
	void *p;

	p = iomd_bench_map_fd(fd, size, 0);
	if (!p)
		return iomd_bench_fail("first mmap of the %zu-byte buffer",
				       size);
	iomd_bench_touch(p, size);
	munmap(p, size);

	t0 = iomd_bench_now_ns();
	p = iomd_bench_map_fd(fd, size, flags);
	if (!p)
		return iomd_bench_fail("mmap of the %zu-byte buffer", size);
	iomd_bench_touch(p, size);
	t1 = iomd_bench_now_ns();

	munmap(p, size);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/* Case 2, iomd: mmap of an existing buffer prefaults every page. */
static int iomd_bench_remap_iomd(const struct iomd_bench_case *c,
				 size_t size, struct iomd_bench_sample *s)
{
	int dev, fd, ret;

	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	fd = iomd_buffer_create(dev, size, 0, IOMD_BENCH_BUF_FLAGS);
	if (fd < 0) {
		errno = -fd;
		return iomd_bench_fail("create a %zu-byte buffer", size);
	}
	ret = iomd_bench_remap(fd, size, 0, s);
	close(fd);
	close(dev);
	return ret;
}

/* Case 2, memfd whose pages exist, mapped with MAP_POPULATE. */
static int iomd_bench_remap_memfd(const struct iomd_bench_case *c,
				  size_t size, struct iomd_bench_sample *s)
{
	int fd, ret;

	fd = iomd_bench_memfd(size);
	if (fd < 0)
		return fd;
	ret = iomd_bench_remap(fd, size, MAP_POPULATE, s);
	close(fd);
	return ret;
}

static const struct iomd_bench_case iomd_bench_map_cases[] = {
	{
		.name = "c1.iomd_prefault",
		.label = "iomd buffer, mmap prefaults",
		.baseline = "c1.memfd_populate",
		.run = iomd_bench_new_iomd,
	}, {
		.name = "c1.iomd_ondemand",
		.label = "iomd buffer, mapped on demand",
		.baseline = "c1.memfd_populate",
		.missing = "iomd has no on-demand mapping option yet",
	}, {
		.name = "c1.memfd_populate",
		.label = "memfd + MAP_POPULATE (baseline)",
		.run = iomd_bench_new_memfd,
	}, {
		.name = "c1.anon_shared",
		.label = "anonymous MAP_SHARED, first touch",
		.baseline = "c1.memfd_populate",
		.run = iomd_bench_new_anon,
	},
	{ }
};

static const struct iomd_bench_case iomd_bench_remap_cases[] = {
	{
		.name = "c2.iomd_prefault",
		.label = "iomd buffer, mmap prefaults 4 KiB entries",
		.baseline = "c2.memfd_populate",
		.run = iomd_bench_remap_iomd,
	}, {
		.name = "c2.iomd_huge",
		.label = "iomd contiguous buffer, huge entries",
		.baseline = "c2.iomd_prefault",
		.missing = "pending the huge-mapping issue",
	}, {
		.name = "c2.memfd_populate",
		.label = "memfd, pages exist, MAP_POPULATE (baseline)",
		.run = iomd_bench_remap_memfd,
	},
	{ }
};

const struct iomd_bench_group iomd_bench_map_group = {
	.group = 1,
	.unit = "page",
	.sizes = IOMD_BENCH_SIZES_MAP,
	.title = "create + map + touch every page of a new shared buffer",
	.cases = iomd_bench_map_cases,
};

const struct iomd_bench_group iomd_bench_remap_group = {
	.group = 2,
	.unit = "page",
	.sizes = IOMD_BENCH_SIZES_MAP,
	.title = "map an existing buffer (pages allocated) + touch every page",
	.cases = iomd_bench_remap_cases,
};
