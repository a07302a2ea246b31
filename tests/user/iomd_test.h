/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the iomd user-space tests: opening the device, the
 * "fails with this errno and leaves this reason" check, data patterns and
 * waiting for the module-wide counters to settle.
 *
 * The tests assume they are the only users of /dev/iomd while they run:
 * they compare IOMD_IOC_STATS counters before and after.
 */
#ifndef _IOMD_TEST_H
#define _IOMD_TEST_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libiomd.h"
#include "tap.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* A buffer flag set used by most tests: mappable, read-write. */
#define IOMD_TEST_SHARED_INOUT	(IOMD_DIR_INOUT | IOMD_BUF_KERNEL_USER_SHARED)

/*
 * Reason of the checks skipped where there are no write-combined or
 * uncached buffers (iomd_test_cache_modes() false).
 */
#define IOMD_TEST_NO_CACHE_MODES \
	"no write-combined or uncached buffers on this architecture " \
	"(their refusal, EOPNOTSUPP, is checked instead)"

/*
 * Whether iomd can make write-combined and uncached buffers here: it
 * gives the kernel's own mapping of their pages the buffer's mode with
 * set_pages_array_wc()/_uc() (x86 PAT), and never maps a page with two
 * modes, so on architectures without those (arm64) it refuses such
 * buffers with EOPNOTSUPP and a reason.  Tests check that refusal there
 * and what the modes do on x86; which of the two is decided by the
 * kernel's architecture (uname), never by what iomd answers.
 */
bool iomd_test_cache_modes(void);

/*
 * Whether the kernel has transparent huge pages, so that iomd can map a
 * buffer's PMD-order folios with PMD entries: the kernel publishes
 * /sys/kernel/mm/transparent_hugepage exactly when it is built with them.
 * Kernels without them (PREEMPT_RT ones, for a start) get no PMD-order
 * folios from iomd and map every buffer with page entries; tests check
 * that fallback there instead of the huge entries.  The first call says
 * which of the two a test checks (a TAP diagnostic).
 */
bool iomd_test_thp(void);

/*
 * Open /dev/iomd or bail out of the whole run; without /dev/iomd (no
 * module loaded) skip the whole program (exit status 4).
 */
int iomd_test_open(void);

/*
 * Read IOMD_IOC_STATS (which needs CAP_SYS_ADMIN: as root for a moment if
 * the saved uid allows) or bail out of the whole run.
 */
void iomd_test_stats(int iomd_fd, struct iomd_stats *stats);

/* @len rounded up to whole pages. */
uint64_t iomd_test_round_pages(uint64_t len);

/*
 * Report one check: IOMD_IOC_REASON for @fd (negative: the client's own
 * reason) returns @want as its errno and a non-empty string.
 */
bool iomd_test_reason(int iomd_fd, int fd, int want, const char *what);

/*
 * The failure iomd_reason() records for @fd (negative: the client), as
 * -errno (0: none), with its text in @buf; INT_MIN if it cannot be read.
 */
int iomd_test_last_err(int iomd_fd, int fd, char *buf, size_t size);

/*
 * Report two checks: @got (0 or -errno) is -@want, and the reason recorded
 * for @reason_fd (negative: the client) carries @want and is non-empty.
 */
__printf(5, 6) void iomd_test_fails(int iomd_fd, int reason_fd, int got,
				    int want, const char *fmt, ...);

/*
 * Report one check: @ret (0 or -errno from the operation that produced
 * @got) is 0 and the string @got equals @want.
 */
__printf(4, 5) bool iomd_test_str(int ret, const char *got, const char *want,
				  const char *fmt, ...);

/*
 * Report one check: @ret is 0 and @len bytes at @got equal those at @want;
 * on failure the first differing offset is diagnosed.
 */
__printf(5, 6) bool iomd_test_mem(int ret, const void *got, const void *want,
				  size_t len, const char *fmt, ...);

/* Fill @len bytes at @p with a pattern that depends on @seed and offset. */
void iomd_test_fill(void *p, size_t len, uint64_t seed);

/*
 * A buffer descriptor of @len bytes made with @flags and holding @bytes
 * (written by the kernel): its fd, or -errno of the create or the write.
 */
int iomd_test_buffer_filled(int iomd_fd, size_t len, uint32_t flags,
			    const void *bytes);

/*
 * Check @len bytes at @p against the pattern iomd_test_fill() wrote for
 * @seed when @p was at offset 0.  Returns the index of the first
 * mismatching byte, or @len if all match.
 */
size_t iomd_test_check(const void *p, size_t len, uint64_t seed);

/* Index of the first non-zero byte at @p, or @len if all are zero. */
size_t iomd_test_nonzero(const void *p, size_t len);

/*
 * Wait (up to two seconds) until live_descriptors and live_bytes equal
 * @descs and @bytes, for a module that frees memory asynchronously.  The
 * last counters read are left in @stats.
 */
void iomd_test_settle(int iomd_fd, uint64_t descs, uint64_t bytes,
		      struct iomd_stats *stats);

/*
 * Wait as iomd_test_settle() does for the counts of @before, then check
 * them: two TAP lines, "no live descriptor left" and "no live bytes left".
 */
void iomd_test_no_leaks(int iomd_fd, const struct iomd_stats *before);

/*
 * Have the sample driver allocate @size bytes of IOMD_SAMPLE_MEM_@memory
 * and export a kernel-range descriptor of them from @offset on (INOUT,
 * close-on-exec).  Returns the descriptor fd or -errno.
 */
int iomd_test_sample_export(unsigned int memory, size_t size, size_t offset);

/*
 * Why a kernel cannot make udmabufs or dma-heap buffers, for skips: the
 * device node is missing (-ENOENT from the helpers below), which is how
 * a kernel without the option looks at run time.
 */
#define IOMD_TEST_NO_UDMABUF \
	"this kernel has no /dev/udmabuf (CONFIG_UDMABUF is not set)"
#define IOMD_TEST_NO_DMA_HEAP \
	"this kernel has no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM is not set)"

/*
 * A udmabuf of a new sealed memfd of @len bytes filled with the pattern
 * of @seed: the dma-buf fd (close-on-exec), with the memfd in *@memfd,
 * or -errno (-ENOENT without /dev/udmabuf).
 */
int iomd_test_udmabuf(size_t len, uint64_t seed, int *memfd);

/*
 * A buffer of @len bytes from the system dma-heap, its fd opened with
 * @fd_flags (O_RDWR or O_RDONLY, close-on-exec added): the dma-buf fd or
 * -errno (-ENOENT without /dev/dma_heap/system).
 */
int iomd_test_dma_heap(size_t len, unsigned int fd_flags);

/*
 * Import @dmabuf_fd, the result of iomd_test_udmabuf() or
 * iomd_test_dma_heap(): for -ENOENT (the kernel cannot make such a
 * dma-buf), skip the next @checks checks with @why and return -1; bail
 * out for another error; else report one check, "@what imports", and
 * return the descriptor fd (or bail out if the import failed).
 */
int iomd_test_import(int iomd_fd, int dmabuf_fd, unsigned int checks,
		     const char *why, const char *what);

/*
 * The start of a dma-buf test: open /dev/iomd (see iomd_test_open()),
 * print the plan of @plan checks (the last two the leak checks) and read
 * the counters into *@before.  On a kernel without dma-buf support
 * (exporting a buffer fails with EOPNOTSUPP) every other check is skipped
 * and the program ends.  Returns the /dev/iomd fd.
 */
int iomd_test_dmabuf_begin(unsigned int plan, struct iomd_stats *before);

/* malloc() or bail out. */
void *iomd_test_malloc(size_t len);

/* mmap() of @fd (negative: anonymous memory), or bail out. */
void *iomd_test_mmap(size_t len, int prot, int flags, int fd);

/* Read-write anonymous memory mapped with @flags (MAP_PRIVATE, ...). */
void *iomd_test_anon(size_t len, int flags);

/* A new close-on-exec memfd of @len bytes, or bail out. */
int iomd_test_memfd(const char *name, size_t len);

/* The user range [@addr, @addr + @len) for iomd_user_create(). */
struct iomd_range iomd_test_range(const void *addr, uint64_t len);

/*
 * A "kB" line of /proc/self/status (such as "VmPin"), in bytes;
 * UINT64_MAX when the line cannot be read.
 */
uint64_t iomd_test_status_bytes(const char *field);

/* This process's VmPin in bytes; bails out if it cannot be read. */
uint64_t iomd_test_vm_pin(void);

/* IOMD_IOC_STATS' pinned_pages and live_descriptors (or bail out). */
uint64_t iomd_test_pinned_pages(int iomd_fd);
uint64_t iomd_test_live_descriptors(int iomd_fd);

/* Wait for the child @pid: its exit status, or -1 if it did not exit. */
int iomd_test_wait(pid_t pid);

/*
 * Report one check: the child @pid (as fork() returned it) exits with
 * status 0; the diagnostic gives the status otherwise.
 */
__printf(2, 3) bool iomd_test_child_ok(pid_t pid, const char *fmt, ...);

/*
 * Read the byte at @p, surviving a fault: 0 with the byte in *@out, or
 * the number of the signal the access raised (SIGBUS, SIGSEGV).
 */
int iomd_test_peek(const unsigned char *p, unsigned char *out);

/* Write @v at @p, surviving a fault: 0 or the signal's number. */
int iomd_test_poke(unsigned char *p, unsigned char v);

/*
 * Attach a free loop device to the open file @file: the device's fd
 * (O_RDWR), its path in @path, or -errno.
 */
int iomd_test_loop_attach(int file, char *path, size_t size);

/* Detach and close a loop device from iomd_test_loop_attach(). */
void iomd_test_loop_detach(int loop);

/**
 * struct iomd_test_call - an iomd call run by a thread of its own
 * @thread:	the thread.
 * @iomd_fd:	the open /dev/iomd.
 * @fd:		iomd_test_wire_start(): the descriptor to wire.
 * @cmd:	iomd_test_ioctl_start(): the ioctl.
 * @arg:	iomd_test_ioctl_start(): its argument.
 * @ret:	the call's result (0 or more, or -errno), once @done.
 * @done:	set (atomically) when the call returned.
 *
 * For tests that act while a call waits, e.g. in a userfaultfd fault.
 */
struct iomd_test_call {
	pthread_t thread;
	int iomd_fd;
	int fd;
	unsigned long cmd;
	void *arg;
	int ret;
	int done;
};

/* Start iomd_prepare(@iomd_fd, @fd) in a new thread; bails on failure. */
void iomd_test_wire_start(struct iomd_test_call *c, int iomd_fd, int fd);

/* Start iomd_ioctl(@iomd_fd, @cmd, @arg) in a new thread; bails on failure. */
void iomd_test_ioctl_start(struct iomd_test_call *c, int iomd_fd,
			   unsigned long cmd, void *arg);

/* Whether the thread's call has returned. */
bool iomd_test_call_done(struct iomd_test_call *c);

/* Wait for the thread: its call's result. */
int iomd_test_call_join(struct iomd_test_call *c);

/*
 * A non-blocking userfaultfd watching @len bytes at @addr, or -errno
 * (ENOSYS without CONFIG_USERFAULTFD, EINVAL for a @mode the kernel does
 * not have): @mode UFFDIO_REGISTER_MODE_MISSING for pages never touched,
 * UFFDIO_REGISTER_MODE_WP for writes once UFFDIO_WRITEPROTECT is on.  It
 * catches the kernel's own faults too (GUP's, copy_to_user()'s), which
 * needs root.
 */
int iomd_test_uffd_watch(void *addr, size_t len, uint64_t mode);

/*
 * Wait up to @timeout_ms for a page fault on @uffd, or for @c (if not
 * NULL) to return: 1 for a fault, its address in *@addr; 0 if @c
 * returned first; -1 on timeout.
 */
int iomd_test_uffd_fault(int uffd, struct iomd_test_call *c, int timeout_ms,
			 uint64_t *addr);

#endif /* _IOMD_TEST_H */
