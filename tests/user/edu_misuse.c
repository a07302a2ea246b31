// SPDX-License-Identifier: GPL-2.0
/*
 * edu_misuse: misuse of the edu sample's DMA is an error with a reason,
 * never a corruption (samples/iomd_edu.c on QEMU's edu device):
 *
 *   - the ioctl rules: unknown commands ENOTTY, unknown flags, non-zero
 *     reserved fields and outputs, bad counts EINVAL; a file that is not
 *     a descriptor EBADFD (iomd's answer); a direction that forbids the
 *     transfer EACCES;
 *   - a driver that forgets prepare() on unwired user memory gets ENODATA
 *     from iomd; memory unmapped since it was described EFAULT; a revoked
 *     descriptor ENODEV;
 *   - contiguous memory under a mask no allocation can meet ENOMEM, a mask
 *     wider than the device's EINVAL;
 *   - while the device moves wired user memory, the process's extra
 *     complete() cannot take the driver's own prepare(): it fails with
 *     ENODATA, the memory stays wired until the copy is done, and the
 *     bytes arrive;
 *   - revoking a descriptor while the device moves it ends the copy
 *     cleanly (ENODEV between two transfers, or done), and a process killed
 *     during a copy leaves nothing behind.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "edu_common.h"

#define PLAN	67
/* Pages of the long copies: two transfers of 100 ms each per page. */
#define LONG_PAGES	8

static int iomd_fd, edu_fd;
static size_t page;

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static uint64_t transfers(void)
{
	struct iomd_edu_info info;

	if (edu_info(edu_fd, &info))
		iomd_tap_bail("IOMD_EDU_IOC_INFO: %s", strerror(errno));
	return info.transfers;
}

/* Wait until the device has made @n transfers more than @base. */
static bool wait_transfers(uint64_t base, uint64_t n)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (transfers() >= base + n)
			return true;
		sleep_ms(5);
	}
	return false;
}

/* Fork a child that copies and exits with the errno (0: done). */
static pid_t copy_in_child(int src, int dst, size_t len)
{
	pid_t pid = fork();

	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid)
		_exit(-edu_copy(edu_fd, src, 0, dst, 0, len, 0, NULL));
	return pid;
}

/* The child's errno (0: the copy succeeded), -1 if it did not exit. */
static int child_errno(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static unsigned char *pages(size_t n)
{
	void *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	return p;
}

static int describe(void *addr, size_t len, uint32_t dir)
{
	struct iomd_range r = { .addr = (uintptr_t)addr, .length = len };
	int fd = iomd_user_create(iomd_fd, &r, 1, dir);

	if (fd < 0)
		iomd_tap_bail("user descriptor: %s", strerror(-fd));
	return fd;
}

static void test_rules(int buf)
{
	struct iomd_edu_copy c;
	struct iomd_edu_info info;
	int pipefd[2];

	iomd_tap_errno(edu_ioctl(edu_fd, _IO(IOMD_EDU_IOC_MAGIC, 0x7f), NULL),
		       ENOTTY, "an unknown command is ENOTTY");
	edu_fails(edu_fd, edu_copy(edu_fd, buf, 0, buf, 0, 8, 0x80, NULL),
		  EINVAL, "an unknown copy flag");
	memset(&c, 0, sizeof(c));
	c.src_fds[0] = buf;
	c.nr_src = 1;
	c.dst_fd = buf;
	c.length = 8;
	c.reserved[1] = 1;
	edu_fails(edu_fd, edu_ioctl(edu_fd, IOMD_EDU_IOC_COPY, &c), EINVAL,
		  "a non-zero reserved field");
	c.reserved[1] = 0;
	c.nr_src = 0;
	edu_fails(edu_fd, edu_ioctl(edu_fd, IOMD_EDU_IOC_COPY, &c), EINVAL,
		  "no source descriptor");
	c.nr_src = 1;
	c.src_fds[2] = buf;
	edu_fails(edu_fd, edu_ioctl(edu_fd, IOMD_EDU_IOC_COPY, &c), EINVAL,
		  "an fd past nr_src");
	edu_fails(edu_fd, edu_copy(edu_fd, buf, 0, buf, 0, 0, 0, NULL), EINVAL,
		  "a copy of 0 bytes");
	memset(&info, 0, sizeof(info));
	info.reserved[3] = 1;
	iomd_tap_errno(edu_ioctl(edu_fd, IOMD_EDU_IOC_INFO, &info), EINVAL,
		       "INFO with a reserved field set is EINVAL");
	if (pipe(pipefd))
		iomd_tap_bail("pipe: %s", strerror(errno));
	edu_fails(edu_fd, edu_copy(edu_fd, pipefd[0], 0, buf, 0, 8, 0, NULL),
		  EBADFD, "a pipe as the source");
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_directions(int buf)
{
	unsigned char *mem = pages(1);
	int in = describe(mem, page, IOMD_DIR_IN);
	int out = describe(mem, page, IOMD_DIR_OUT);

	edu_fails(edu_fd, edu_copy(edu_fd, in, 0, buf, 0, 8, 0, NULL), EACCES,
		  "a source the device may only write");
	edu_fails(edu_fd, edu_copy(edu_fd, buf, 0, out, 0, 8, 0, NULL),
		  EACCES, "a destination the device may only read");
	close(in);
	close(out);
	munmap(mem, page);
}

static void test_unwired(int buf)
{
	unsigned char *mem = pages(2);
	int u = describe(mem, 2 * page, IOMD_DIR_INOUT);

	edu_fails(edu_fd, edu_copy(edu_fd, u, 0, buf, 0, page,
				   IOMD_EDU_COPY_NO_PREPARE, NULL),
		  ENODATA, "DMA from unwired user memory (no prepare)");
	edu_fails(edu_fd, edu_copy(edu_fd, buf, 0, u, 0, page,
				   IOMD_EDU_COPY_NO_PREPARE, NULL),
		  ENODATA, "DMA into unwired user memory (no prepare)");
	iomd_tap_errno(iomd_prepare(iomd_fd, u), 0, "the process wires it");
	iomd_tap_errno(edu_copy(edu_fd, buf, 0, u, 0, page,
				IOMD_EDU_COPY_NO_PREPARE, NULL), 0,
		       "then the same DMA works");
	iomd_tap_eq(iomd_complete(iomd_fd, u), 0, "complete() unwires it");

	/* Memory gone since it was described: prepare cannot pin it. */
	munmap(mem, 2 * page);
	edu_fails(edu_fd, edu_copy(edu_fd, u, 0, buf, 0, page, 0, NULL),
		  EFAULT, "DMA from user memory unmapped since");
	close(u);
}

static void test_revoked(void)
{
	unsigned char *map;
	int b = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	int d = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);

	if (b < 0 || d < 0 || iomd_map(b, 0, page, PROT_READ | PROT_WRITE,
				       (void **)&map))
		iomd_tap_bail("buffers");
	iomd_test_fill(map, page, 9);
	iomd_tap_errno(iomd_revoke(iomd_fd, b), 0, "revoke a buffer");
	edu_fails(edu_fd, edu_copy(edu_fd, b, 0, d, 0, page, 0, NULL), ENODEV,
		  "DMA from a revoked buffer");
	edu_fails(edu_fd, edu_copy(edu_fd, d, 0, b, 0, page, 0, NULL), ENODEV,
		  "DMA into a revoked buffer");
	iomd_unmap(map, page);
	close(b);
	close(d);
}

/*
 * A composite naming a buffer twice: the device may read it, but writing
 * memory it reaches twice is refused before anything is mapped.
 */
static void test_repeat(void)
{
	int a = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	int b = iomd_buffer_create(iomd_fd, 2 * page, 0,
				   IOMD_TEST_SHARED_INOUT);
	int parts[2] = { a, a };
	int m = a < 0 ? a : iomd_multi_create(iomd_fd, parts, 2,
					       IOMD_DIR_INOUT);

	if (m < 0 || b < 0)
		iomd_tap_bail("a repeating multi: %s", strerror(-m));
	iomd_tap_errno(edu_copy(edu_fd, m, 0, b, 0, 2 * page, 0, NULL), 0,
		       "DMA from memory a composite holds twice");
	edu_fails(edu_fd, edu_copy(edu_fd, b, 0, m, 0, 2 * page, 0, NULL),
		  EINVAL, "DMA into memory a composite holds twice");
	close(m);
	close(b);
	close(a);
}

/*
 * User memory with one memfd page at two addresses: the device may read
 * the range, not write it.
 */
static void test_alias(void)
{
	int b = iomd_buffer_create(iomd_fd, 2 * page, 0,
				   IOMD_TEST_SHARED_INOUT);
	int mfd = memfd_create("edu_alias", MFD_CLOEXEC);
	unsigned char *mem;
	int u;

	mem = mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (b < 0 || mfd < 0 || ftruncate(mfd, page) || mem == MAP_FAILED ||
	    mmap(mem, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 mfd, 0) == MAP_FAILED ||
	    mmap(mem + page, page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, mfd, 0) == MAP_FAILED)
		iomd_tap_bail("one memfd page at two addresses: %s",
			      strerror(errno));
	u = describe(mem, 2 * page, IOMD_DIR_INOUT);
	iomd_tap_errno(edu_copy(edu_fd, u, 0, b, 0, 2 * page, 0, NULL), 0,
		       "DMA from one page at two addresses");
	edu_fails(edu_fd, edu_copy(edu_fd, b, 0, u, 0, 2 * page, 0, NULL),
		  EINVAL, "DMA into one page at two addresses");
	close(u);
	munmap(mem, 2 * page);
	close(mfd);
	close(b);
}

static void test_masks(void)
{
	edu_fails(edu_fd, edu_alloc(edu_fd, IOMD_EDU_MEM_CONTIGUOUS, 2 * page,
				    12),
		  ENOMEM, "two contiguous pages below 4 KiB (a 12-bit mask)");
	edu_fails(edu_fd, edu_alloc(edu_fd, IOMD_EDU_MEM_CONTIGUOUS, page,
				    IOMD_EDU_DMA_BITS + 1),
		  EINVAL, "a mask wider than the device's");
	edu_fails(edu_fd, edu_alloc(edu_fd, IOMD_EDU_MEM_BUFFER, page, 20),
		  EINVAL, "a mask for a buffer");
	edu_fails(edu_fd, edu_alloc(edu_fd, 99, page, 0), EINVAL,
		  "an unknown kind of memory");
}

/*
 * The driver holds its own prepare() for the whole copy: the process's
 * complete()s can only undo its own.
 */
static void test_complete_during_dma(void)
{
	size_t len = LONG_PAGES * page;
	unsigned char *src = pages(LONG_PAGES), *dst = pages(LONG_PAGES);
	int s = describe(src, len, IOMD_DIR_OUT), d = describe(dst, len, IOMD_DIR_IN);
	struct iomd_info info;
	uint64_t base;
	pid_t pid;
	int ret;

	iomd_test_fill(src, len, 10);
	memset(dst, 0, len);
	iomd_tap_errno(iomd_prepare(iomd_fd, d), 0,
		       "the process wires the destination once");
	base = transfers();
	pid = copy_in_child(s, d, len);
	iomd_tap_ok(wait_transfers(base, 2), "the device is moving the memory");
	ret = iomd_complete(iomd_fd, d);
	iomd_tap_eq(ret, 1,
		    "the process's complete() leaves the driver's wiring (wire count %d)",
		    ret);
	ret = iomd_complete(iomd_fd, d);
	iomd_test_fails(iomd_fd, IOMD_REASON_CLIENT, ret, ENODATA,
			"a second complete() during the DMA");
	iomd_tap_errno(iomd_info(iomd_fd, d, &info), 0, "destination info");
	iomd_tap_eq(info.wire_count, 1,
		    "still wired by the driver while the device writes it");
	iomd_tap_eq(transfers() - base < 2 * LONG_PAGES, true,
		    "(the copy was still running then)");
	iomd_tap_eq(child_errno(pid), 0, "the copy finishes");
	iomd_tap_eq(iomd_test_check(dst, len, 10), len,
		    "every byte arrived in the process's memory");
	iomd_tap_errno(iomd_info(iomd_fd, d, &info), 0, "destination info");
	iomd_tap_eq(info.wire_count, 0, "and the driver unwired it after");
	close(s);
	close(d);
	munmap(src, len);
	munmap(dst, len);
}

/* Revoke while the device moves a buffer; then kill a copy. */
static void test_revoke_kill_during_dma(void)
{
	size_t len = LONG_PAGES * page;
	unsigned char *dst = pages(LONG_PAGES);
	int b = iomd_buffer_create(iomd_fd, len, 0, IOMD_TEST_SHARED_INOUT);
	int d = describe(dst, len, IOMD_DIR_IN);
	uint64_t base, at;
	pid_t pid;
	int err;

	if (b < 0)
		iomd_tap_bail("buffer: %s", strerror(-b));
	base = transfers();
	pid = copy_in_child(b, d, len);
	iomd_tap_ok(wait_transfers(base, 2), "the device is moving a buffer");
	iomd_tap_errno(iomd_revoke(iomd_fd, b), 0,
		       "revoke it during the copy");
	at = transfers() - base;
	err = child_errno(pid);
	iomd_tap_diag("revoked after %llu transfers; the copy took %llu",
		      (unsigned long long)at,
		      (unsigned long long)(transfers() - base));
	/* Two transfers per load at least: a load left means ENODEV. */
	iomd_tap_ok(at + 2 * 2 <= 2 * LONG_PAGES ? err == ENODEV :
		    err == 0 || err == ENODEV,
		    "the copy ends cleanly: %s", err ? iomd_errno_name(err) :
		    "done");
	close(b);

	b = iomd_buffer_create(iomd_fd, len, 0, IOMD_TEST_SHARED_INOUT);
	if (b < 0)
		iomd_tap_bail("buffer: %s", strerror(-b));
	base = transfers();
	pid = copy_in_child(b, d, len);
	iomd_tap_ok(wait_transfers(base, 2), "another copy runs");
	kill(pid, SIGKILL);
	iomd_tap_ok(waitpid(pid, NULL, 0) == pid,
		    "a copy killed mid-way exits");
	iomd_tap_errno(edu_copy(edu_fd, b, 0, d, 0, page, 0, NULL), 0,
		       "and the device works after it");
	close(b);
	close(d);
	munmap(dst, len);
}

int main(void)
{
	struct iomd_stats before, st;
	bool iommu;
	int buf;

	edu_fd = edu_begin(PLAN, &iommu, &iomd_fd, &before);
	if (edu_fd < 0)
		return iomd_tap_finish();
	page = iomd_page_size();
	buf = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	if (buf < 0)
		iomd_tap_bail("buffer: %s", strerror(-buf));

	test_rules(buf);
	test_directions(buf);
	test_unwired(buf);
	test_revoked();
	test_repeat();
	test_alias();
	test_masks();
	test_complete_during_dma();
	test_revoke_kill_during_dma();

	close(buf);
	iomd_test_no_leaks(iomd_fd, &before);
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.pinned_pages, before.pinned_pages,
		    "no page left pinned");
	close(edu_fd);
	return iomd_tap_finish();
}
