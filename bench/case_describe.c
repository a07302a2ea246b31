// SPDX-License-Identifier: GPL-2.0
/*
 * Case 7: describing memory that is already an iomd mapping.
 *
 * IOMD_IOC_USER_CREATE on a range of a process's iomd mapping gives a
 * sub-range of the mapped descriptor (the memory is iomd's own: nothing is
 * pinned), so its cost should not depend on the size of the range.  A
 * shared buffer of the measured size is created and mapped on demand
 * (no entries needed) before the clock starts; timed are
 * IOMD_BENCH_DESCRIBE_CALLS descriptions of the whole mapping, each
 * closed at once, the cost per call (describe + close).
 *
 * c7.iomd_describe describes without wiring; c7.iomd_describe_prepare
 * passes IOMD_USER_PREPARE too (a sub-range of a buffer is always wired,
 * so this should cost the same).  The target compares each row with
 * itself at the smallest size, in the same boot.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libiomd.h"
#include "bench.h"

#define IOMD_BENCH_DESCRIBE_CALLS	256u

struct iomd_bench_describe_arg {
	uint32_t flags;		/* IOMD_IOC_USER_CREATE flags */
};

static int iomd_bench_describe(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	const struct iomd_bench_describe_arg *arg = c->arg;
	unsigned int i, n = IOMD_BENCH_DESCRIBE_CALLS;
	struct iomd_map_create m;
	struct iomd_range range;
	int dev, buf, fd, ret;
	uint64_t t0, t1;

	if (iomd_bench_opts.cycles < n)
		n = iomd_bench_opts.cycles;
	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	buf = iomd_buffer_create(dev, size, 0,
				 IOMD_DIR_INOUT | IOMD_BUF_KERNEL_USER_SHARED);
	if (buf < 0) {
		errno = -buf;
		close(dev);
		return iomd_bench_fail("create a %zu-byte buffer", size);
	}
	ret = iomd_map_create(dev, buf, IOMD_MAP_ONDEMAND, 0, 0, size, &m);
	if (ret) {
		errno = -ret;
		ret = iomd_bench_fail("IOMD_IOC_MAP of %zu bytes", size);
		goto close_buf;
	}
	range.addr = m.addr;
	range.length = size;

	t0 = iomd_bench_now_ns();
	for (i = 0; i < n; i++) {
		fd = iomd_user_create(dev, &range, 1,
				      IOMD_DIR_INOUT | arg->flags);
		if (fd < 0) {
			errno = -fd;
			ret = iomd_bench_fail("IOMD_IOC_USER_CREATE of a %zu-byte iomd mapping",
					      size);
			break;
		}
		close(fd);
	}
	t1 = iomd_bench_now_ns();

	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	s->ns = t1 - t0;
	s->units = n;
close_buf:
	close(buf);
	close(dev);
	return ret;
}

static const struct iomd_bench_describe_arg iomd_bench_describe_plain = {
	.flags = 0,
};

static const struct iomd_bench_describe_arg iomd_bench_describe_prepare = {
	.flags = IOMD_USER_PREPARE,
};

static const struct iomd_bench_case iomd_bench_describe_cases[] = {
	{
		.name = "c7.iomd_describe",
		.label = "IOMD_IOC_USER_CREATE of an iomd mapping (a sub-range) + close",
		.run = iomd_bench_describe,
		.arg = &iomd_bench_describe_plain,
	}, {
		.name = "c7.iomd_desc_prepare",
		.label = "the same with IOMD_USER_PREPARE",
		.baseline = "c7.iomd_describe",
		.run = iomd_bench_describe,
		.arg = &iomd_bench_describe_prepare,
	},
	{ }
};

const struct iomd_bench_group iomd_bench_describe_group = {
	.group = 7,
	.unit = "call",
	.sizes = IOMD_BENCH_SIZES_MAP,
	.title = "describe memory that is an iomd mapping (a sub-range)",
	.cases = iomd_bench_describe_cases,
};
