// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the cases of iomd-bench.
 */
#include <errno.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libiomd.h"
#include "bench.h"

struct iomd_bench_opts iomd_bench_opts = {
	.msg_count = 32,
	.alloc_iters = 20480,
	.cycles = 1000,
};

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t iomd_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

size_t iomd_bench_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

unsigned int iomd_bench_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

/*
 * Print "iomd-bench: ..." with the current errno's text appended when
 * errno is set, and return -errno (or -EIO without one), so a case can
 * `return iomd_bench_fail(...)`.
 */
int iomd_bench_fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fputs("iomd-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	return err ? -err : -EIO;
}

/*
 * Write one byte in every page of [addr, addr + len): what a program
 * that fills a new buffer makes the kernel do, at the least cost in user
 * space.
 */
void iomd_bench_touch(void *addr, size_t len)
{
	size_t page = iomd_bench_page_size();
	unsigned char *p = addr;
	size_t off;

	for (off = 0; off < len; off += page) {
		p[off] = 1;
		/* One store per page, in order: none may be merged or dropped. */
		asm volatile("" : : : "memory");
	}
}

/*
 * Private anonymous memory of @size bytes to wire, in small pages, written
 * page by page if @touched: what cases 3 and 6 pin.  NULL if mmap fails.
 */
void *iomd_bench_user_mem(size_t size, bool touched)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Not fatal: only makes the page size less certain. */
	madvise(p, size, MADV_NOHUGEPAGE);
	if (touched)
		iomd_bench_touch(p, size);
	return p;
}

/* A new memfd of @size bytes (no pages yet), or -errno. */
int iomd_bench_memfd(size_t size)
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

/*
 * The iomd side of a wiring case, before the clock starts: @size bytes of
 * user memory (iomd_bench_user_mem()) in *@mem and /dev/iomd open in
 * *@dev.  0 or -errno.
 */
int iomd_bench_wire_setup(size_t size, bool touched, void **mem, int *dev)
{
	*mem = iomd_bench_user_mem(size, touched);
	if (!*mem)
		return iomd_bench_fail("mmap %zu bytes of user memory", size);
	*dev = iomd_open();
	if (*dev < 0) {
		errno = -*dev;
		return iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
	}
	return 0;
}

/*
 * Describe and wire @size bytes at @mem on @dev in one call, as an fd or
 * (@handle) a handle, whose number goes in *@ref (a handle as an int);
 * failures are reported.  0 or -errno.
 */
int iomd_bench_wire(int dev, void *mem, size_t size, bool handle, int *ref)
{
	const uint32_t flags = IOMD_DIR_INOUT | IOMD_USER_PREPARE;
	struct iomd_range range = {
		.addr = (uintptr_t)mem,
		.length = size,
	};
	uint32_t h;
	int ret;

	if (handle) {
		ret = iomd_user_create_handle(dev, &range, 1, flags, &h);
		*ref = (int)h;
	} else {
		ret = iomd_user_create(dev, &range, 1, flags);
		*ref = ret;
	}
	if (ret >= 0)
		return 0;
	errno = -ret;
	return iomd_bench_fail("IOMD_IOC_USER_CREATE(%zu bytes, %s)", size,
			       handle ? "IOMD_USER_PREPARE | IOMD_CREATE_HANDLE" :
					"IOMD_USER_PREPARE");
}

/* Drop what iomd_bench_wire() or a creation made: an fd, or a handle. */
void iomd_bench_drop(int dev, int ref, bool handle)
{
	if (handle)
		iomd_handle_close(dev, (uint32_t)ref);
	else
		close(ref);
}

/*
 * The io_uring side of a wiring case, before the clock starts: @size
 * bytes of user memory in @iov and a ring of one entry.  0 or -errno.
 */
int iomd_bench_uring_setup(size_t size, bool touched, struct iovec *iov,
			   struct io_uring *ring)
{
	int ret;

	iov->iov_len = size;
	iov->iov_base = iomd_bench_user_mem(size, touched);
	if (!iov->iov_base)
		return iomd_bench_fail("mmap %zu bytes of user memory", size);
	ret = io_uring_queue_init(1, ring, 0);
	if (ret < 0) {
		errno = -ret;
		return iomd_bench_fail("io_uring_queue_init");
	}
	return 0;
}
