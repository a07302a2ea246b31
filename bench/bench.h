/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomd-bench: the benchmark suite run by `make bench` (see
 * docs/benchmarks.md).
 *
 * Every case is a function that measures one thing once, in a process of
 * its own: the driver (main.c) runs `iomd-bench one CASE SIZE` as a fresh
 * process for every measurement, interleaving the cases pass by pass, and
 * prints one line per measurement for the host-side report
 * (bench/report.awk).
 */
#ifndef _IOMD_BENCH_USER_H
#define _IOMD_BENCH_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

/* What the sizes of a case mean, and which list they come from. */
enum iomd_bench_sizes {
	IOMD_BENCH_SIZES_MAP,		/* buffer bytes: --sizes */
	IOMD_BENCH_SIZES_ALLOC,		/* allocation size classes */
	IOMD_BENCH_SIZES_MSG,		/* message bytes: --msg */
	IOMD_BENCH_SIZES_SMALL,		/* 1, 4 and 16 pages */
};

/**
 * struct iomd_bench_sample - the outcome of one measurement
 * @ns:		nanoseconds the timed part took.
 * @units:	how many units of work it did (pages, alloc + free pairs,
 *		messages), so that the report can give the cost of one.
 */
struct iomd_bench_sample {
	uint64_t ns;
	uint64_t units;
};

/**
 * struct iomd_bench_case - one thing the suite measures
 * @name:	unique id, "c<group>.<variant>" (the report's key).
 * @label:	what it is, for people.
 * @baseline:	@name of the case its ratio is taken against, in the same
 *		group; NULL for a baseline.
 * @run:	measures the case once at @size: returns 0 and fills the
 *		sample, or a negative errno after printing why to stderr;
 *		NULL while the case is not implemented.
 * @missing:	with @run NULL, why (shown as "n/a" in the report).
 * @arg:	case-specific parameters.
 * @min_size:	smallest size of its group's list it runs at (0: any).
 * @max_size:	largest size of its group's list it runs at (0: any).
 */
struct iomd_bench_case {
	const char *name;
	const char *label;
	const char *baseline;
	int (*run)(const struct iomd_bench_case *c, size_t size,
		   struct iomd_bench_sample *s);
	const char *missing;
	const void *arg;
	size_t min_size;
	size_t max_size;
};

/**
 * struct iomd_bench_group - the cases of one number of the issue
 * @group:	1 to 7.
 * @title:	what the group measures.
 * @unit:	what @iomd_bench_sample.units counts.
 * @sizes:	which sizes its cases run at.
 * @cases:	its cases, baselines included; NULL name ends the list.
 */
struct iomd_bench_group {
	unsigned int group;
	const char *title;
	const char *unit;
	enum iomd_bench_sizes sizes;
	const struct iomd_bench_case *cases;
};

/* The groups, in the order they run (case_*.c). */
extern const struct iomd_bench_group iomd_bench_map_group;
extern const struct iomd_bench_group iomd_bench_remap_group;
extern const struct iomd_bench_group iomd_bench_wire_group;
extern const struct iomd_bench_group iomd_bench_alloc_group;
extern const struct iomd_bench_group iomd_bench_exchange_group;
extern const struct iomd_bench_group iomd_bench_small_group;
extern const struct iomd_bench_group iomd_bench_describe_group;

/**
 * struct iomd_bench_opts - settings every measurement process gets
 * @msg_count:	messages per exchange measurement.
 * @alloc_iters: alloc + free pairs per thread for a size class up to
 *		2 KiB (page-pool classes do a tenth).
 * @cycles:	cycles per measurement of case 6 (at most that many calls
 *		per measurement of case 7).
 */
struct iomd_bench_opts {
	unsigned int msg_count;
	unsigned int alloc_iters;
	unsigned int cycles;
};

extern struct iomd_bench_opts iomd_bench_opts;

/* util.c */
uint64_t iomd_bench_now_ns(void);
size_t iomd_bench_page_size(void);
unsigned int iomd_bench_cpus(void);
__printf(1, 2) int iomd_bench_fail(const char *fmt, ...);
void iomd_bench_touch(void *addr, size_t len);
void *iomd_bench_user_mem(size_t size, bool touched);
int iomd_bench_memfd(size_t size);
int iomd_bench_wire_setup(size_t size, bool touched, void **mem, int *dev);
int iomd_bench_wire(int dev, void *mem, size_t size, bool handle, int *ref);
void iomd_bench_drop(int dev, int ref, bool handle);
struct iovec;
struct io_uring;
int iomd_bench_uring_setup(size_t size, bool touched, struct iovec *iov,
			   struct io_uring *ring);

#endif /* _IOMD_BENCH_USER_H */
