// SPDX-License-Identifier: GPL-2.0
/*
 * Case 4: the general allocator, iomd_malloc()/iomd_free() against
 * kmalloc()/kfree(), timed inside the kernel by the iomd_bench module
 * (bench/kernel/iomd_bench.c) for each size class: the eight zone classes
 * (16 to 2048 bytes) and two page-pool sizes (one and four pages).
 *
 * Two loop shapes: "pair" allocates and frees one object at a time (the
 * allocators' hot path); "batch" allocates IOMD_BENCH_BATCH objects, then
 * frees them all (slabs fill and drain).  Each runs on one kernel thread
 * and on one thread per online CPU at once, every thread bound to its own
 * CPU and started together; the time is the wall time of the whole run,
 * so the cost per pair is the inverse of the throughput.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kernel/iomd_bench.h"
#include "bench.h"

#define IOMD_BENCH_DEV		"/dev/" IOMD_BENCH_DEVICE_NAME
/* Objects held at once in batch mode. */
#define IOMD_BENCH_BATCH	256u
/* Largest zone class of iomd_malloc(); larger sizes use the page pool. */
#define IOMD_BENCH_ZONE_MAX	2048u

/**
 * struct iomd_bench_alloc_arg - parameters of an allocator case
 * @allocator:	IOMD_BENCH_ALLOC_*.
 * @mode:	IOMD_BENCH_MODE_*.
 * @all_cpus:	one thread per online CPU, else one thread.
 */
struct iomd_bench_alloc_arg {
	uint32_t allocator;
	uint32_t mode;
	bool all_cpus;
};

/* Pairs per thread at @size: page-pool sizes do a tenth, whole batches. */
static uint32_t iomd_bench_alloc_iters(size_t size)
{
	uint32_t n = iomd_bench_opts.alloc_iters;

	if (size > IOMD_BENCH_ZONE_MAX)
		n /= 10;
	n -= n % IOMD_BENCH_BATCH;
	return n ? n : IOMD_BENCH_BATCH;
}

static int iomd_bench_alloc(const struct iomd_bench_case *c, size_t size,
			    struct iomd_bench_sample *s)
{
	const struct iomd_bench_alloc_arg *arg = c->arg;
	struct iomd_bench_alloc a;
	int fd, ret;

	memset(&a, 0, sizeof(a));
	a.allocator = arg->allocator;
	a.mode = arg->mode;
	a.size = size;
	a.iters = iomd_bench_alloc_iters(size);
	a.threads = arg->all_cpus ? iomd_bench_cpus() : 1;
	a.batch = IOMD_BENCH_BATCH;

	fd = open(IOMD_BENCH_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return iomd_bench_fail("open %s (is iomd_bench.ko loaded?)",
				       IOMD_BENCH_DEV);
	ret = ioctl(fd, IOMD_BENCH_IOC_ALLOC, &a);
	if (ret)
		ret = iomd_bench_fail("IOMD_BENCH_IOC_ALLOC");
	close(fd);
	if (ret)
		return ret;
	if (a.failed || a.ops != (uint64_t)a.iters * a.threads) {
		errno = 0;
		return iomd_bench_fail("%u allocs of %zu bytes failed, %llu of %llu pairs done",
				       a.failed, size,
				       (unsigned long long)a.ops,
				       (unsigned long long)a.iters * a.threads);
	}
	s->ns = a.wall_ns;
	s->units = a.ops;
	return 0;
}

#define IOMD_BENCH_ALLOC_ARG(name, alloc, shape, all)			\
	static const struct iomd_bench_alloc_arg name = {		\
		.allocator = IOMD_BENCH_ALLOC_##alloc,			\
		.mode = IOMD_BENCH_MODE_##shape,			\
		.all_cpus = all,					\
	}

IOMD_BENCH_ALLOC_ARG(iomd_pair_1, IOMD, PAIR, false);
IOMD_BENCH_ALLOC_ARG(kmalloc_pair_1, KMALLOC, PAIR, false);
IOMD_BENCH_ALLOC_ARG(iomd_pair_all, IOMD, PAIR, true);
IOMD_BENCH_ALLOC_ARG(kmalloc_pair_all, KMALLOC, PAIR, true);
IOMD_BENCH_ALLOC_ARG(iomd_batch_1, IOMD, BATCH, false);
IOMD_BENCH_ALLOC_ARG(kmalloc_batch_1, KMALLOC, BATCH, false);
IOMD_BENCH_ALLOC_ARG(iomd_batch_all, IOMD, BATCH, true);
IOMD_BENCH_ALLOC_ARG(kmalloc_batch_all, KMALLOC, BATCH, true);

static const struct iomd_bench_case iomd_bench_alloc_cases[] = {
	{
		.name = "c4.iomd_pair_1",
		.label = "iomd_malloc/free pairs, 1 thread",
		.baseline = "c4.kmalloc_pair_1",
		.run = iomd_bench_alloc,
		.arg = &iomd_pair_1,
	}, {
		.name = "c4.kmalloc_pair_1",
		.label = "kmalloc/kfree pairs, 1 thread (baseline)",
		.run = iomd_bench_alloc,
		.arg = &kmalloc_pair_1,
	}, {
		.name = "c4.iomd_pair_all",
		.label = "iomd_malloc/free pairs, thread per CPU",
		.baseline = "c4.kmalloc_pair_all",
		.run = iomd_bench_alloc,
		.arg = &iomd_pair_all,
	}, {
		.name = "c4.kmalloc_pair_all",
		.label = "kmalloc/kfree pairs, thread per CPU (baseline)",
		.run = iomd_bench_alloc,
		.arg = &kmalloc_pair_all,
	}, {
		.name = "c4.iomd_batch_1",
		.label = "iomd_malloc 256 then free, 1 thread",
		.baseline = "c4.kmalloc_batch_1",
		.run = iomd_bench_alloc,
		.arg = &iomd_batch_1,
	}, {
		.name = "c4.kmalloc_batch_1",
		.label = "kmalloc 256 then free, 1 thread (baseline)",
		.run = iomd_bench_alloc,
		.arg = &kmalloc_batch_1,
	}, {
		.name = "c4.iomd_batch_all",
		.label = "iomd_malloc 256 then free, thread per CPU",
		.baseline = "c4.kmalloc_batch_all",
		.run = iomd_bench_alloc,
		.arg = &iomd_batch_all,
	}, {
		.name = "c4.kmalloc_batch_all",
		.label = "kmalloc 256 then free, thread per CPU (baseline)",
		.run = iomd_bench_alloc,
		.arg = &kmalloc_batch_all,
	},
	{ }
};

const struct iomd_bench_group iomd_bench_alloc_group = {
	.group = 4,
	.unit = "op",
	.sizes = IOMD_BENCH_SIZES_ALLOC,
	.title = "allocator: alloc + free pairs, timed in the kernel",
	.cases = iomd_bench_alloc_cases,
};
