// SPDX-License-Identifier: GPL-2.0
/*
 * Cases 1 and 2: giving a process a shared buffer.
 *
 * Case 1 times what a program pays for a new shared buffer it will fill:
 * create it, map it, write every page.  Case 2 times mapping a buffer
 * whose pages already exist (created and filled before the clock starts,
 * mapped once and unmapped so that neither side has first-use work
 * left) until every page has its page-table entry: the map call for
 * prefaulted mappings and MAP_POPULATE, the map call plus a write to
 * every page for on-demand mappings.  Case 2 does not add a write to
 * every page after a prefaulted map: that is the same work for every
 * case (no fault), and under TCG its emulated TLB misses would swamp
 * the mapping work being compared.  Teardown (munmap, close) is never
 * timed; it happens before the process exits.
 *
 * Shared iomd buffers of the PMD size and more (2 MiB with 4 KiB pages,
 * 32 MiB with 16 KiB, 512 MiB with 64 KiB) are made of PMD-order folios
 * and mapped with PMD entries where the mapping is PMD-aligned, which is
 * where the kernel places it.  The "page entries" cases (c1.iomd_prefault_4k,
 * named for 4 KiB pages) map the same buffer with IOMD_MAP_NOHUGE;
 * IOMD_IOC_MAP_INFO checks, untimed, what each mapping got.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The PMD (huge entry) size; 0 if the kernel has no huge pages. */
static size_t iomd_bench_pmd_size(void)
{
	static size_t pmd;
	FILE *f;

	if (pmd)
		return pmd;
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (!f || fscanf(f, "%zu", &pmd) != 1)
		pmd = 1;
	if (f)
		fclose(f);
	return pmd > 1 ? pmd : 0;
}

/*
 * Fail unless the iomd mapping at @p has entries for all its @size bytes
 * and @huge PMD entries (any number if @huge is -1, none if 0): a huge
 * case must really be huge, a 4 KiB case really use pages, and the timed
 * part must have left nothing to fault in.
 */
static int iomd_bench_check_entries(int dev, void *p, size_t size, long huge)
{
	struct iomd_map_info info;
	int ret = iomd_map_info(dev, p, &info);

	if (ret) {
		errno = -ret;
		return iomd_bench_fail("IOMD_IOC_MAP_INFO");
	}
	if (info.resident != size) {
		errno = EPROTO;
		return iomd_bench_fail("only %llu of %zu bytes are mapped",
				       (unsigned long long)info.resident, size);
	}
	if ((huge < 0 && !info.huge_entries) ||
	    (huge >= 0 && info.huge_entries != (uint64_t)huge)) {
		errno = EPROTO;
		return iomd_bench_fail("mapping has %llu huge entries, want %ld",
				       (unsigned long long)info.huge_entries,
				       huge);
	}
	return 0;
}

/* How an iomd case maps its buffer. */
struct iomd_bench_map_how {
	uint32_t options;	/* IOMD_MAP_* */
	bool huge;		/* must get PMD entries (from the PMD size on) */
	bool handle;		/* case 1: the buffer is a handle, not an fd */
};

/*
 * IOMD_IOC_MAP of all of @fd as @how says, then a write to every page if
 * @touch: the timed part of the iomd cases.  *@p receives the mapping.
 */
static int iomd_bench_map_touch(int dev, int fd, size_t size,
				const struct iomd_bench_map_how *how,
				bool touch, void **p)
{
	struct iomd_map_create m;
	int ret;

	ret = iomd_map_create(dev, fd, how->options, 0, 0, size, &m);
	if (ret) {
		errno = -ret;
		return iomd_bench_fail("IOMD_IOC_MAP of %zu bytes", size);
	}
	*p = (void *)(uintptr_t)m.addr;
	if (touch)
		iomd_bench_touch(*p, size);
	return 0;
}

/* After the clock: check the entries @how promised, and unmap. */
static int iomd_bench_map_done(int dev, void *p, size_t size,
			       const struct iomd_bench_map_how *how)
{
	size_t pmd = iomd_bench_pmd_size();
	long huge = 0;
	int ret;

	if (how->huge && pmd && size >= pmd)
		huge = -1;
	ret = iomd_bench_check_entries(dev, p, size, huge);
	munmap(p, size);
	return ret;
}

/* Case 1, iomd: create a buffer (its pages come zeroed), map, touch. */
static int iomd_bench_new_iomd(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	const struct iomd_bench_map_how *how = c->arg;
	uint64_t t0, t1;
	int dev, fd, ret;
	uint32_t h;
	void *p;

	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	t0 = iomd_bench_now_ns();
	/* A handle is a negative int (its top bit set): check ret. */
	if (how->handle) {
		ret = iomd_buffer_create_handle(dev, size, 0,
						IOMD_BENCH_BUF_FLAGS, &h);
		fd = (int)h;
	} else {
		fd = iomd_buffer_create(dev, size, 0, IOMD_BENCH_BUF_FLAGS);
		ret = fd < 0 ? fd : 0;
	}
	if (ret) {
		errno = -ret;
		return iomd_bench_fail("create a %zu-byte buffer", size);
	}
	ret = iomd_bench_map_touch(dev, fd, size, how, true, &p);
	t1 = iomd_bench_now_ns();
	if (!ret)
		ret = iomd_bench_map_done(dev, p, size, how);

	iomd_bench_drop(dev, fd, how->handle);
	close(dev);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return ret;
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

/* Map all of @fd, write every page and unmap: pages exist afterwards. */
static int iomd_bench_prime(int fd, size_t size)
{
	void *p = iomd_bench_map_fd(fd, size, 0);

	if (!p)
		return iomd_bench_fail("first mmap of the %zu-byte buffer",
				       size);
	iomd_bench_touch(p, size);
	munmap(p, size);
	return 0;
}

/*
 * Map @fd with @flags (MAP_POPULATE: every entry installed), timed,
 * after one untimed map + touch + unmap that leaves the pages allocated
 * and written.
 */
static int iomd_bench_remap(int fd, size_t size, int flags,
			    struct iomd_bench_sample *s)
{
	uint64_t t0, t1;
	void *p;
	int ret;

	ret = iomd_bench_prime(fd, size);
	if (ret)
		return ret;

	t0 = iomd_bench_now_ns();
	p = iomd_bench_map_fd(fd, size, flags);
	if (!p)
		return iomd_bench_fail("mmap of the %zu-byte buffer", size);
	t1 = iomd_bench_now_ns();

	munmap(p, size);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/* Case 2, iomd: IOMD_IOC_MAP of an existing buffer, as @c->arg says. */
static int iomd_bench_remap_iomd(const struct iomd_bench_case *c,
				 size_t size, struct iomd_bench_sample *s)
{
	const struct iomd_bench_map_how *how = c->arg;
	uint64_t t0, t1;
	int dev, fd, ret;
	void *p;

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
	ret = iomd_bench_prime(fd, size);
	if (ret)
		return ret;

	t0 = iomd_bench_now_ns();
	ret = iomd_bench_map_touch(dev, fd, size, how,
				   how->options & IOMD_MAP_ONDEMAND, &p);
	t1 = iomd_bench_now_ns();
	if (!ret)
		ret = iomd_bench_map_done(dev, p, size, how);

	close(fd);
	close(dev);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
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

static const struct iomd_bench_map_how iomd_bench_prefault = {
	.huge = true,
};

static const struct iomd_bench_map_how iomd_bench_prefault_handle = {
	.huge = true,
	.handle = true,
};

static const struct iomd_bench_map_how iomd_bench_ondemand = {
	.options = IOMD_MAP_ONDEMAND,
	.huge = true,
};

static const struct iomd_bench_map_how iomd_bench_prefault_4k = {
	.options = IOMD_MAP_NOHUGE,
};

static const struct iomd_bench_map_how iomd_bench_ondemand_4k = {
	.options = IOMD_MAP_ONDEMAND | IOMD_MAP_NOHUGE,
};

static const struct iomd_bench_case iomd_bench_map_cases[] = {
	{
		.name = "c1.iomd_prefault",
		.label = "iomd buffer, IOMD_IOC_MAP prefaults (huge from the PMD size)",
		.baseline = "c1.memfd_populate",
		.run = iomd_bench_new_iomd,
		.arg = &iomd_bench_prefault,
	}, {
		.name = "c1.iomdh_prefault",
		.label = "iomd buffer as a handle of /dev/iomd, IOMD_IOC_MAP prefaults",
		.baseline = "c1.memfd_populate",
		.run = iomd_bench_new_iomd,
		.arg = &iomd_bench_prefault_handle,
	}, {
		.name = "c1.iomd_ondemand",
		.label = "iomd buffer, mapped on demand (huge from the PMD size)",
		.baseline = "c1.memfd_populate",
		.run = iomd_bench_new_iomd,
		.arg = &iomd_bench_ondemand,
	}, {
		.name = "c1.iomd_prefault_4k",
		.label = "iomd buffer, prefault, page entries only",
		.baseline = "c1.memfd_populate",
		.run = iomd_bench_new_iomd,
		.arg = &iomd_bench_prefault_4k,
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
		.label = "iomd buffer, IOMD_IOC_MAP prefaults page entries",
		.baseline = "c2.memfd_populate",
		.run = iomd_bench_remap_iomd,
		.arg = &iomd_bench_prefault_4k,
	}, {
		.name = "c2.iomd_ondemand",
		.label = "iomd buffer, page entries on demand, touch all",
		.baseline = "c2.memfd_populate",
		.run = iomd_bench_remap_iomd,
		.arg = &iomd_bench_ondemand_4k,
	}, {
		.name = "c2.iomd_huge",
		.label = "iomd buffer, prefault, huge entries from the PMD size",
		.baseline = "c2.iomd_prefault",
		.run = iomd_bench_remap_iomd,
		.arg = &iomd_bench_prefault,
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
	.title = "map an existing buffer (pages allocated), every entry in place",
	.cases = iomd_bench_remap_cases,
};
