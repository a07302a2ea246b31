// SPDX-License-Identifier: GPL-2.0
/*
 * Case 3: wiring user memory, i.e. making a range of a process's
 * anonymous memory usable for I/O until released (pinning its pages).
 *
 * The memory is a private anonymous mapping with transparent huge pages
 * turned off for it (MADV_NOHUGEPAGE), so every technique pays for the
 * same 4 KiB pages whatever khugepaged did in this boot.  "touched": every
 * page was written before the clock starts; "untouched": wiring has to
 * fault the pages in.  Only the wiring call is timed; releasing it is
 * not.
 *
 * The baseline is io_uring_register_buffers() on the same range, from a
 * ring set up before the clock starts.  The iomd side describes the range
 * and wires it in one call, as the baseline does (IOMD_IOC_USER_CREATE
 * with IOMD_USER_PREPARE: the same work as IOMD_IOC_USER_CREATE then
 * IOMD_IOC_PREPARE, one system call fewer); /dev/iomd is opened before
 * the clock starts, as the ring is set up.  The rows "c3.iomdh_*" make
 * the descriptor a handle of that /dev/iomd (IOMD_CREATE_HANDLE) instead
 * of an fd, as a registered buffer is an index of its ring.
 *
 * The row "c3.floor_first" times a system call that does nothing, made
 * where the wiring call is made: under TCG, the first system calls of a
 * fresh process cost several microseconds whatever they do, which both
 * sides pay and which dilutes their ratio at small sizes.
 * "c3.floor_first_ioctl" is an IOMD_IOC_VERSION ioctl made there instead:
 * the least iomd's first call costs (ioctl entry, LSM hooks, dispatch).
 *
 * The profile rows "c3.prof_pin_*" time pin_user_pages_fast() alone on
 * the same kind of range, inside the kernel (IOMD_BENCH_IOC_PIN of
 * iomd_bench.ko): the page-by-page pinning both sides are built on, and
 * so the floor of any way of wiring the memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "libiomd.h"
#include "kernel/iomd_bench.h"
#include "bench.h"

#define IOMD_BENCH_DEV		"/dev/" IOMD_BENCH_DEVICE_NAME

/**
 * struct iomd_bench_wire_arg - parameters of a wiring case
 * @touched:	write every page before timing.
 * @handle:	iomd's descriptor is a handle, not an fd.
 * @ioctl:	the floor row times an IOMD_IOC_VERSION, not a getppid().
 */
struct iomd_bench_wire_arg {
	bool touched;
	bool handle;
	bool ioctl;
};

static const struct iomd_bench_wire_arg iomd_bench_touched = {
	.touched = true,
};

static const struct iomd_bench_wire_arg iomd_bench_untouched = {
	.touched = false,
};

static const struct iomd_bench_wire_arg iomd_bench_touched_handle = {
	.touched = true,
	.handle = true,
};

static const struct iomd_bench_wire_arg iomd_bench_untouched_handle = {
	.touched = false,
	.handle = true,
};

static const struct iomd_bench_wire_arg iomd_bench_touched_ioctl = {
	.touched = true,
	.ioctl = true,
};

static int iomd_bench_wire_uring(const struct iomd_bench_case *c,
				 size_t size, struct iomd_bench_sample *s)
{
	const struct iomd_bench_wire_arg *arg = c->arg;
	struct io_uring ring;
	struct iovec iov;
	uint64_t t0, t1;
	int ret;

	ret = iomd_bench_uring_setup(size, arg->touched, &iov, &ring);
	if (ret)
		return ret;

	t0 = iomd_bench_now_ns();
	ret = io_uring_register_buffers(&ring, &iov, 1);
	t1 = iomd_bench_now_ns();
	if (ret < 0) {
		errno = -ret;
		return iomd_bench_fail("io_uring_register_buffers(%zu bytes)",
				       size);
	}

	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	munmap(iov.iov_base, size);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

static int iomd_bench_wire_iomd(const struct iomd_bench_case *c,
				size_t size, struct iomd_bench_sample *s)
{
	const struct iomd_bench_wire_arg *arg = c->arg;
	uint64_t t0, t1;
	int dev, ref, ret;
	void *mem;

	ret = iomd_bench_wire_setup(size, arg->touched, &mem, &dev);
	if (ret)
		return ret;

	t0 = iomd_bench_now_ns();
	ret = iomd_bench_wire(dev, mem, size, arg->handle, &ref);
	t1 = iomd_bench_now_ns();
	if (ret)
		return ret;

	iomd_bench_drop(dev, ref, arg->handle);
	iomd_close(dev);
	munmap(mem, size);
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/*
 * Floor: what the first timed system call of a fresh process costs when it
 * does nothing (getppid()), after the same set-up as the iomd side.  Under
 * TCG the first calls after a process starts are far slower than later
 * ones whatever they do, and both sides of this case pay it.  With
 * @ioctl (c3.floor_first_ioctl), an IOMD_IOC_VERSION ioctl instead:
 * iomd's own first call, doing nothing.
 */
static int iomd_bench_wire_first(const struct iomd_bench_case *c,
				 size_t size, struct iomd_bench_sample *s)
{
	const struct iomd_bench_wire_arg *arg = c->arg;
	struct iomd_version v;
	uint64_t t0, t1;
	int dev, ret;
	void *mem;

	ret = iomd_bench_wire_setup(size, arg->touched, &mem, &dev);
	if (ret)
		return ret;
	t0 = iomd_bench_now_ns();
	if (arg->ioctl)
		ret = iomd_version(dev, &v);
	else
		syscall(SYS_getppid);
	t1 = iomd_bench_now_ns();
	iomd_close(dev);
	munmap(mem, size);
	if (ret) {
		errno = -ret;
		return iomd_bench_fail("IOMD_IOC_VERSION");
	}
	s->ns = t1 - t0;
	s->units = size / iomd_bench_page_size();
	return 0;
}

/* Profile: pin_user_pages_fast() of the range, timed in the kernel. */
static int iomd_bench_wire_pin(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	const struct iomd_bench_wire_arg *arg = c->arg;
	struct iomd_bench_pin pin = { .length = size };
	int dev, ret;

	pin.addr = (uintptr_t)iomd_bench_user_mem(size, arg->touched);
	if (!pin.addr)
		return iomd_bench_fail("mmap %zu bytes of user memory", size);
	dev = open(IOMD_BENCH_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return iomd_bench_fail("open %s", IOMD_BENCH_DEV);
	ret = ioctl(dev, IOMD_BENCH_IOC_PIN, &pin);
	close(dev);
	munmap((void *)(uintptr_t)pin.addr, size);
	if (ret)
		return iomd_bench_fail("IOMD_BENCH_IOC_PIN(%zu bytes)", size);
	s->ns = pin.ns;
	s->units = size / iomd_bench_page_size();
	return 0;
}

static const struct iomd_bench_case iomd_bench_wire_cases[] = {
	{
		.name = "c3.iomd_touched",
		.label = "iomd describe + prepare (one call), touched",
		.baseline = "c3.uring_touched",
		.run = iomd_bench_wire_iomd,
		.arg = &iomd_bench_touched,
	}, {
		.name = "c3.uring_touched",
		.label = "io_uring_register_buffers, touched (baseline)",
		.run = iomd_bench_wire_uring,
		.arg = &iomd_bench_touched,
	}, {
		.name = "c3.iomd_untouched",
		.label = "iomd describe + prepare (one call), untouched",
		.baseline = "c3.uring_untouched",
		.run = iomd_bench_wire_iomd,
		.arg = &iomd_bench_untouched,
	}, {
		.name = "c3.uring_untouched",
		.label = "io_uring_register_buffers, untouched (baseline)",
		.run = iomd_bench_wire_uring,
		.arg = &iomd_bench_untouched,
	}, {
		.name = "c3.iomdh_touched",
		.label = "iomd describe + prepare as a handle (one call), touched",
		.baseline = "c3.uring_touched",
		.run = iomd_bench_wire_iomd,
		.arg = &iomd_bench_touched_handle,
	}, {
		.name = "c3.iomdh_untouched",
		.label = "iomd describe + prepare as a handle (one call), untouched",
		.baseline = "c3.uring_untouched",
		.run = iomd_bench_wire_iomd,
		.arg = &iomd_bench_untouched_handle,
	}, {
		.name = "c3.prof_pin_touched",
		.label = "profile: pin_user_pages_fast() alone, touched",
		.baseline = "c3.uring_touched",
		.run = iomd_bench_wire_pin,
		.arg = &iomd_bench_touched,
	}, {
		.name = "c3.prof_pin_untouched",
		.label = "profile: pin_user_pages_fast() alone, untouched",
		.baseline = "c3.uring_untouched",
		.run = iomd_bench_wire_pin,
		.arg = &iomd_bench_untouched,
	}, {
		.name = "c3.floor_first",
		.label = "floor: a bare getppid() as a fresh process's first timed call",
		.baseline = "c3.uring_touched",
		.run = iomd_bench_wire_first,
		.arg = &iomd_bench_touched,
	}, {
		.name = "c3.floor_first_ioctl",
		.label = "floor: a bare IOMD_IOC_VERSION as a fresh process's first timed call",
		.baseline = "c3.uring_touched",
		.run = iomd_bench_wire_first,
		.arg = &iomd_bench_touched_ioctl,
	},
	{ }
};

const struct iomd_bench_group iomd_bench_wire_group = {
	.group = 3,
	.unit = "page",
	.sizes = IOMD_BENCH_SIZES_MAP,
	.title = "wire user memory",
	.cases = iomd_bench_wire_cases,
};
