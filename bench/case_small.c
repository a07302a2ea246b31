// SPDX-License-Identifier: GPL-2.0
/*
 * Case 6: small buffers, the per-request buffers, rings and descriptor
 * tables of a few pages most drivers use, where a fixed cost per call
 * matters more than the cost per page.
 *
 * Every measurement is IOMD_BENCH_CYCLES cycles (--cycles) of one job, at
 * 1, 4 and 16 pages (sysconf(_SC_PAGESIZE)), timed as a whole; the cost
 * is per cycle:
 *
 *  - c6.iomd_cycle: IOMD_IOC_BUFFER_CREATE + IOMD_IOC_MAP (prefaulted) +
 *    a write to every page + munmap() + close() of the descriptor,
 *    against c6.memfd_cycle: memfd_create() + ftruncate() +
 *    mmap(MAP_POPULATE) + a write to every page + munmap() + close().
 *  - c6.iomd_map: IOMD_IOC_MAP (prefaulted) + munmap() of a buffer whose
 *    pages exist, against c6.memfd_map: mmap(MAP_POPULATE) + munmap() of
 *    a memfd whose pages exist: the fixed cost of a map call.  The floor
 *    row c6.floor_mmap is a bare mmap() (no populate, no touch) + munmap()
 *    of the same memfd: what any mapping system call costs.
 *  - c6.iomd_wire: IOMD_IOC_USER_CREATE with IOMD_USER_PREPARE (describe
 *    and wire) + close() (which unwires), against c6.uring_wire:
 *    io_uring_register_buffers() + io_uring_unregister_buffers(), on the
 *    same touched private memory, MADV_NOHUGEPAGE (as case 3).
 *  - c6.iomdh_cycle and c6.iomdh_wire: the same cycles with the
 *    descriptor a handle of /dev/iomd (IOMD_CREATE_HANDLE), dropped with
 *    IOMD_IOC_HANDLE_CLOSE, instead of an fd dropped with close().  The
 *    floor row c6.floor_ioctl is two IOMD_IOC_VERSION calls: the two
 *    system calls of a handle's wire cycle, doing nothing; c6.floor_syscall
 *    is two getppid() calls, the least io_uring's two system calls cost,
 *    so that the part of c6.uring_wire that is io_uring's own work is
 *    c6.uring_wire - c6.floor_syscall.  c6.floor_vfs is two FIOCLEX
 *    ioctls, which the VFS answers after the LSM hooks without calling
 *    the driver: the part of c6.iomdh_wire that is iomd's own work,
 *    dispatcher included, is c6.iomdh_wire - c6.floor_vfs.
 *
 * The profile rows c6.prof_* run c6.iomd_cycle but report the time of
 * one of its calls alone, summed over the cycles (each call between two
 * clock reads): what the cycle's fixed cost is made of.  c6.floor_fd is
 * eventfd() + close(): a file descriptor of the kernel's shared anonymous
 * inode made and dropped, the least any object handed out as an fd costs.
 * /dev/iomd, the ring and the memory to wire are set up before the clock
 * starts.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "libiomd.h"
#include "bench.h"

#define IOMD_BENCH_SMALL_FLAGS	(IOMD_DIR_INOUT | IOMD_BUF_KERNEL_USER_SHARED)

/* Which call of an iomd cycle a profile row times (0: the whole cycle). */
enum iomd_bench_step {
	IOMD_BENCH_STEP_ALL,
	IOMD_BENCH_STEP_CREATE,
	IOMD_BENCH_STEP_MAP,
	IOMD_BENCH_STEP_TOUCH,
	IOMD_BENCH_STEP_UNMAP,
	IOMD_BENCH_STEP_CLOSE,
};

/**
 * struct iomd_bench_cycle_arg - what an iomd cycle row measures
 * @step:	the call timed, or the whole cycle.
 * @handle:	the buffer is a handle, not an fd.
 */
struct iomd_bench_cycle_arg {
	enum iomd_bench_step step;
	bool handle;
};

/* Time of @step, or of the cycle, for the sample. */
struct iomd_bench_clock {
	enum iomd_bench_step step;
	uint64_t ns;
	uint64_t t;
};

/* Mark the end of @step (which started at the last mark). */
static void iomd_bench_lap(struct iomd_bench_clock *clk,
			   enum iomd_bench_step step)
{
	uint64_t now;

	if (clk->step == IOMD_BENCH_STEP_ALL)
		return;
	now = iomd_bench_now_ns();
	if (step == clk->step)
		clk->ns += now - clk->t;
	clk->t = now;
}

/* One c6.iomd_cycle (or iomdh_cycle), laps marked for the profile rows. */
static int iomd_bench_iomd_cycle_once(int dev, size_t size, bool handle,
				      struct iomd_bench_clock *clk)
{
	struct iomd_map_create m;
	uint32_t h;
	int fd, ret;
	void *p;

	if (handle) {
		ret = iomd_buffer_create_handle(dev, size, 0,
						IOMD_BENCH_SMALL_FLAGS, &h);
		fd = ret ? ret : (int)h;
	} else {
		fd = iomd_buffer_create(dev, size, 0, IOMD_BENCH_SMALL_FLAGS);
		ret = fd;
	}
	iomd_bench_lap(clk, IOMD_BENCH_STEP_CREATE);
	if (ret < 0) {
		errno = -ret;
		return iomd_bench_fail("create a %zu-byte buffer", size);
	}
	ret = iomd_map_create(dev, fd, 0, 0, 0, size, &m);
	iomd_bench_lap(clk, IOMD_BENCH_STEP_MAP);
	if (ret) {
		errno = -ret;
		iomd_bench_drop(dev, fd, handle);
		return iomd_bench_fail("IOMD_IOC_MAP of %zu bytes", size);
	}
	p = (void *)(uintptr_t)m.map_addr;
	iomd_bench_touch(p, size);
	iomd_bench_lap(clk, IOMD_BENCH_STEP_TOUCH);
	ret = munmap(p, m.map_length);
	iomd_bench_lap(clk, IOMD_BENCH_STEP_UNMAP);
	iomd_bench_drop(dev, fd, handle);
	iomd_bench_lap(clk, IOMD_BENCH_STEP_CLOSE);
	return ret ? iomd_bench_fail("munmap") : 0;
}

static int iomd_bench_iomd_cycle(const struct iomd_bench_case *c, size_t size,
				 struct iomd_bench_sample *s)
{
	const struct iomd_bench_cycle_arg *arg = c->arg;
	struct iomd_bench_clock clk = { .step = arg->step };
	unsigned int i, n = iomd_bench_opts.cycles;
	uint64_t t0;
	int dev, ret = 0;

	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	t0 = iomd_bench_now_ns();
	clk.t = t0;
	for (i = 0; i < n && !ret; i++)
		ret = iomd_bench_iomd_cycle_once(dev, size, arg->handle, &clk);
	s->ns = clk.step == IOMD_BENCH_STEP_ALL ? iomd_bench_now_ns() - t0 :
						  clk.ns;
	s->units = n;
	close(dev);
	return ret;
}

static int iomd_bench_memfd_cycle(const struct iomd_bench_case *c, size_t size,
				  struct iomd_bench_sample *s)
{
	unsigned int i, n = iomd_bench_opts.cycles;
	uint64_t t0;
	int fd;
	void *p;

	t0 = iomd_bench_now_ns();
	for (i = 0; i < n; i++) {
		fd = iomd_bench_memfd(size);
		if (fd < 0)
			return fd;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED) {
			close(fd);
			return iomd_bench_fail("mmap(MAP_POPULATE) of the memfd");
		}
		iomd_bench_touch(p, size);
		munmap(p, size);
		close(fd);
	}
	s->ns = iomd_bench_now_ns() - t0;
	s->units = n;
	return 0;
}

/* c6.iomd_map: map + unmap an existing buffer, IOMD_BENCH_CYCLES times. */
static int iomd_bench_iomd_map(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	unsigned int i, n = iomd_bench_opts.cycles;
	struct iomd_map_create m;
	int dev, fd, ret = 0;
	uint64_t t0, t1;
	void *p;

	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	fd = iomd_buffer_create(dev, size, 0, IOMD_BENCH_SMALL_FLAGS);
	if (fd < 0) {
		errno = -fd;
		close(dev);
		return iomd_bench_fail("create a %zu-byte buffer", size);
	}
	t0 = iomd_bench_now_ns();
	for (i = 0; i < n; i++) {
		ret = iomd_map_create(dev, fd, 0, 0, 0, size, &m);
		if (ret) {
			errno = -ret;
			ret = iomd_bench_fail("IOMD_IOC_MAP of %zu bytes", size);
			break;
		}
		p = (void *)(uintptr_t)m.map_addr;
		munmap(p, m.map_length);
	}
	t1 = iomd_bench_now_ns();
	close(fd);
	close(dev);
	s->ns = t1 - t0;
	s->units = n;
	return ret;
}

/*
 * c6.memfd_map: mmap(MAP_POPULATE) + munmap of a memfd whose pages exist;
 * with @c->arg, a bare mmap() (c6.floor_mmap).
 */
static int iomd_bench_memfd_map(const struct iomd_bench_case *c, size_t size,
				struct iomd_bench_sample *s)
{
	int flags = MAP_SHARED | (c->arg ? 0 : MAP_POPULATE);
	unsigned int i, n = iomd_bench_opts.cycles;
	uint64_t t0, t1;
	int fd, ret = 0;
	void *p;

	fd = iomd_bench_memfd(size);
	if (fd < 0)
		return fd;
	/* Allocate and write the pages once, untimed. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return iomd_bench_fail("mmap of the memfd");
	}
	iomd_bench_touch(p, size);
	munmap(p, size);

	t0 = iomd_bench_now_ns();
	for (i = 0; i < n; i++) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
		if (p == MAP_FAILED) {
			ret = iomd_bench_fail("mmap of the memfd");
			break;
		}
		munmap(p, size);
	}
	t1 = iomd_bench_now_ns();
	close(fd);
	s->ns = t1 - t0;
	s->units = n;
	return ret;
}

/* c6.floor_fd: eventfd() + close(), the cost of an fd alone. */
static int iomd_bench_floor_fd(const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_sample *s)
{
	unsigned int i, n = iomd_bench_opts.cycles;
	uint64_t t0;
	int fd;

	t0 = iomd_bench_now_ns();
	for (i = 0; i < n; i++) {
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0)
			return iomd_bench_fail("eventfd");
		close(fd);
	}
	s->ns = iomd_bench_now_ns() - t0;
	s->units = n;
	return 0;
}

/*
 * c6.floor_ioctl: two IOMD_IOC_VERSION calls, the least the two ioctls of
 * a handle's wire cycle cost (entry, LSM hook, dispatch, copy-in and out).
 * With @c->arg &iomd_bench_syscall (c6.floor_syscall), two getppid()
 * calls: the least any two system calls cost, such as io_uring's register
 * and unregister.  With &iomd_bench_vfs (c6.floor_vfs), two FIOCLEX
 * ioctls on the /dev/iomd fd, which the VFS answers itself after the LSM
 * hooks: what any ioctl costs before a driver's code runs.
 */
static const bool iomd_bench_syscall = true;
static const bool iomd_bench_vfs = true;

static int iomd_bench_floor_ioctl(const struct iomd_bench_case *c,
				  size_t size, struct iomd_bench_sample *s)
{
	unsigned int i, n = iomd_bench_opts.cycles;
	struct iomd_version v;
	int dev, ret = 0;
	uint64_t t0, t1;

	dev = iomd_open();
	if (dev < 0) {
		errno = -dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	t0 = iomd_bench_now_ns();
	for (i = 0; i < n && !ret; i++) {
		if (c->arg == &iomd_bench_syscall) {
			syscall(SYS_getppid);
			syscall(SYS_getppid);
			continue;
		}
		if (c->arg == &iomd_bench_vfs) {
			ret = iomd_ioctl(dev, FIOCLEX, NULL);
			if (!ret)
				ret = iomd_ioctl(dev, FIOCLEX, NULL);
			continue;
		}
		ret = iomd_version(dev, &v);
		if (!ret)
			ret = iomd_version(dev, &v);
	}
	t1 = iomd_bench_now_ns();
	close(dev);
	if (ret) {
		errno = -ret;
		return iomd_bench_fail(c->arg == &iomd_bench_vfs ?
				       "ioctl(FIOCLEX)" : "IOMD_IOC_VERSION");
	}
	s->ns = t1 - t0;
	s->units = n;
	return 0;
}

/*
 * c6.iomd_wire: describe + wire (one call), close (unwires); with @c->arg
 * (c6.iomdh_wire) as a handle, closed with IOMD_IOC_HANDLE_CLOSE.
 */
static int iomd_bench_iomd_wire(const struct iomd_bench_case *c, size_t size,
				struct iomd_bench_sample *s)
{
	unsigned int i, n = iomd_bench_opts.cycles;
	bool handle = c->arg;
	int dev, ref, ret;
	uint64_t t0, t1;
	void *mem;

	ret = iomd_bench_wire_setup(size, true, &mem, &dev);
	if (ret)
		return ret;
	t0 = iomd_bench_now_ns();
	for (i = 0; i < n && !ret; i++) {
		ret = iomd_bench_wire(dev, mem, size, handle, &ref);
		if (!ret)
			iomd_bench_drop(dev, ref, handle);
	}
	t1 = iomd_bench_now_ns();
	close(dev);
	munmap(mem, size);
	s->ns = t1 - t0;
	s->units = n;
	return ret;
}

/* c6.uring_wire: io_uring register + unregister of the same memory. */
static int iomd_bench_uring_wire(const struct iomd_bench_case *c, size_t size,
				 struct iomd_bench_sample *s)
{
	unsigned int i, n = iomd_bench_opts.cycles;
	struct io_uring ring;
	struct iovec iov;
	uint64_t t0, t1;
	int ret;

	ret = iomd_bench_uring_setup(size, true, &iov, &ring);
	if (ret)
		return ret;
	t0 = iomd_bench_now_ns();
	for (i = 0; i < n; i++) {
		ret = io_uring_register_buffers(&ring, &iov, 1);
		if (ret < 0) {
			errno = -ret;
			ret = iomd_bench_fail("io_uring_register_buffers(%zu bytes)",
					      size);
			break;
		}
		ret = io_uring_unregister_buffers(&ring);
		if (ret < 0) {
			errno = -ret;
			ret = iomd_bench_fail("io_uring_unregister_buffers");
			break;
		}
	}
	t1 = iomd_bench_now_ns();
	io_uring_queue_exit(&ring);
	munmap(iov.iov_base, size);
	s->ns = t1 - t0;
	s->units = n;
	return ret < 0 ? ret : 0;
}

static const struct iomd_bench_cycle_arg iomd_bench_step_all = {
	.step = IOMD_BENCH_STEP_ALL,
};

static const struct iomd_bench_cycle_arg iomd_bench_step_create = {
	.step = IOMD_BENCH_STEP_CREATE,
};

static const struct iomd_bench_cycle_arg iomd_bench_step_map = {
	.step = IOMD_BENCH_STEP_MAP,
};

static const struct iomd_bench_cycle_arg iomd_bench_step_touch = {
	.step = IOMD_BENCH_STEP_TOUCH,
};

static const struct iomd_bench_cycle_arg iomd_bench_step_unmap = {
	.step = IOMD_BENCH_STEP_UNMAP,
};

static const struct iomd_bench_cycle_arg iomd_bench_step_close = {
	.step = IOMD_BENCH_STEP_CLOSE,
};

static const struct iomd_bench_cycle_arg iomd_bench_handle_all = {
	.step = IOMD_BENCH_STEP_ALL,
	.handle = true,
};

static const bool iomd_bench_bare = true;
static const bool iomd_bench_handle = true;

static const struct iomd_bench_case iomd_bench_small_cases[] = {
	{
		.name = "c6.iomd_cycle",
		.label = "iomd create + map + touch + munmap + close",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_step_all,
	}, {
		.name = "c6.iomdh_cycle",
		.label = "iomd create as a handle + map + touch + munmap + handle close",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_handle_all,
	}, {
		.name = "c6.memfd_cycle",
		.label = "memfd + ftruncate + mmap(POPULATE) + touch + munmap + close (baseline)",
		.run = iomd_bench_memfd_cycle,
	}, {
		.name = "c6.prof_create",
		.label = "profile: the IOMD_IOC_BUFFER_CREATE of c6.iomd_cycle",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_step_create,
	}, {
		.name = "c6.prof_map",
		.label = "profile: the IOMD_IOC_MAP of c6.iomd_cycle",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_step_map,
	}, {
		.name = "c6.prof_touch",
		.label = "profile: the writes of c6.iomd_cycle",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_step_touch,
	}, {
		.name = "c6.prof_unmap",
		.label = "profile: the munmap of c6.iomd_cycle",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_step_unmap,
	}, {
		.name = "c6.prof_close",
		.label = "profile: the close of c6.iomd_cycle",
		.baseline = "c6.memfd_cycle",
		.run = iomd_bench_iomd_cycle,
		.arg = &iomd_bench_step_close,
	}, {
		.name = "c6.iomd_map",
		.label = "iomd IOMD_IOC_MAP (prefault) + munmap of an existing buffer",
		.baseline = "c6.memfd_map",
		.run = iomd_bench_iomd_map,
	}, {
		.name = "c6.memfd_map",
		.label = "mmap(MAP_POPULATE) + munmap of a memfd whose pages exist (baseline)",
		.run = iomd_bench_memfd_map,
	}, {
		.name = "c6.floor_mmap",
		.label = "floor: bare mmap + munmap of a memfd page range, no populate",
		.baseline = "c6.memfd_map",
		.run = iomd_bench_memfd_map,
		.arg = &iomd_bench_bare,
	}, {
		.name = "c6.floor_fd",
		.label = "floor: eventfd + close (an fd of the shared anonymous inode)",
		.baseline = "c6.uring_wire",
		.run = iomd_bench_floor_fd,
	}, {
		.name = "c6.floor_ioctl",
		.label = "floor: two IOMD_IOC_VERSION ioctls (a handle wire cycle's calls)",
		.baseline = "c6.uring_wire",
		.run = iomd_bench_floor_ioctl,
	}, {
		.name = "c6.floor_syscall",
		.label = "floor: two getppid() calls (any two system calls, io_uring's too)",
		.baseline = "c6.uring_wire",
		.run = iomd_bench_floor_ioctl,
		.arg = &iomd_bench_syscall,
	}, {
		.name = "c6.floor_vfs",
		.label = "floor: two FIOCLEX ioctls (any ioctl before the driver)",
		.baseline = "c6.uring_wire",
		.run = iomd_bench_floor_ioctl,
		.arg = &iomd_bench_vfs,
	}, {
		.name = "c6.iomd_wire",
		.label = "iomd describe + wire (IOMD_USER_PREPARE) + close, touched",
		.baseline = "c6.uring_wire",
		.run = iomd_bench_iomd_wire,
	}, {
		.name = "c6.iomdh_wire",
		.label = "iomd describe + wire as a handle + handle close, touched",
		.baseline = "c6.uring_wire",
		.run = iomd_bench_iomd_wire,
		.arg = &iomd_bench_handle,
	}, {
		.name = "c6.uring_wire",
		.label = "io_uring register + unregister, touched (baseline)",
		.run = iomd_bench_uring_wire,
	},
	{ }
};

const struct iomd_bench_group iomd_bench_small_group = {
	.group = 6,
	.unit = "cycle",
	.sizes = IOMD_BENCH_SIZES_SMALL,
	.title = "small buffers: cycles of 1, 4 and 16 pages",
	.cases = iomd_bench_small_cases,
};
