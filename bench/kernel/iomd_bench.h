/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iomd_bench: ABI of the benchmark module's device, /dev/iomd_bench.
 *
 * Shared by the module (bench/kernel/iomd_bench.c) and the user-space
 * benchmark (bench/).  Not part of iomd's ABI: it exists only to time iomd
 * against the kernel's own mechanisms from inside the kernel.
 *
 * write() on the device is the "kernel copy path" of the exchange
 * benchmark: the module copies the bytes into a kernel buffer with
 * copy_from_user() and checksums them there.
 */
#ifndef _IOMD_BENCH_H
#define _IOMD_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMD_BENCH_DEVICE_NAME	"iomd_bench"

/* Allocators timed by IOMD_BENCH_IOC_ALLOC. */
#define IOMD_BENCH_ALLOC_IOMD		1u	/* iomd_malloc / iomd_free */
#define IOMD_BENCH_ALLOC_KMALLOC	2u	/* kmalloc / kfree */

/* Loop shapes of IOMD_BENCH_IOC_ALLOC. */
#define IOMD_BENCH_MODE_PAIR	1u	/* alloc + free, repeated */
#define IOMD_BENCH_MODE_BATCH	2u	/* alloc @batch, free them, repeated */

/* Most pointers one thread holds in batch mode. */
#define IOMD_BENCH_MAX_BATCH	1024u

/**
 * struct iomd_bench_alloc - argument of IOMD_BENCH_IOC_ALLOC
 * @allocator:	in: IOMD_BENCH_ALLOC_*.
 * @mode:	in: IOMD_BENCH_MODE_*.
 * @size:	in: bytes per allocation.
 * @iters:	in: allocations per thread (a multiple of @batch in batch
 *		mode).
 * @threads:	in: kernel threads, 1 to the number of online CPUs; thread i
 *		is bound to the i-th online CPU.
 * @batch:	in: allocations held at once in batch mode, 1 to
 *		IOMD_BENCH_MAX_BATCH; ignored in pair mode.
 * @wall_ns:	out: from the first thread's start to the last one's end.
 * @cpu_ns:	out: sum of the threads' own elapsed times.
 * @ops:	out: allocation + free pairs done by all threads.
 * @failed:	out: allocations that returned NULL (the run stops).
 *
 * All threads wait for each other before starting, so @wall_ns measures
 * them running together.
 */
struct iomd_bench_alloc {
	__u32 allocator;
	__u32 mode;
	__u64 size;
	__u32 iters;
	__u32 threads;
	__u32 batch;
	__u32 failed;
	__u64 wall_ns;
	__u64 cpu_ns;
	__u64 ops;
};

/**
 * struct iomd_bench_consume - argument of IOMD_BENCH_IOC_CONSUME
 * @fd:		in: an iomd buffer descriptor fd.
 * @reserved:	must be zero.
 * @offset:	in: first byte to read.
 * @length:	in: bytes to read, a multiple of 8.
 * @sum:	out: 64-bit sum of the bytes read as native-endian u64 words.
 *
 * The module reads the bytes in place, through the buffer's kernel
 * address (iomd_buffer_vaddr()), without copying them.
 */
struct iomd_bench_consume {
	__u32 fd;
	__u32 reserved;
	__u64 offset;
	__u64 length;
	__u64 sum;
};

/**
 * struct iomd_bench_pin - argument of IOMD_BENCH_IOC_PIN
 * @addr:	in: first byte of the caller's memory, page-aligned.
 * @length:	in: bytes, a multiple of the page size.
 * @ns:		out: nanoseconds the pinning took.
 *
 * The floor of wiring (case 3's profile): the module allocates the page
 * array and pins the range with pin_user_pages_fast(FOLL_WRITE |
 * FOLL_LONGTERM), as both iomd and io_uring do, timing only that; then
 * it unpins.
 */
struct iomd_bench_pin {
	__u64 addr;
	__u64 length;
	__u64 ns;
};

#define IOMD_BENCH_IOC_MAGIC	0xB7

#define IOMD_BENCH_IOC_ALLOC	_IOWR(IOMD_BENCH_IOC_MAGIC, 0x01, struct iomd_bench_alloc)
#define IOMD_BENCH_IOC_CONSUME	_IOWR(IOMD_BENCH_IOC_MAGIC, 0x02, struct iomd_bench_consume)
/* Sum (as IOMD_BENCH_IOC_CONSUME) of the last write() on this file. */
#define IOMD_BENCH_IOC_LAST_SUM	_IOR(IOMD_BENCH_IOC_MAGIC, 0x03, __u64)
#define IOMD_BENCH_IOC_PIN	_IOWR(IOMD_BENCH_IOC_MAGIC, 0x04, struct iomd_bench_pin)

/* Largest write() the copy path takes at once. */
#define IOMD_BENCH_SINK_BYTES	(4u << 20)

#endif /* _IOMD_BENCH_H */
