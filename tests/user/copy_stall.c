// SPDX-License-Identifier: GPL-2.0
/*
 * copy_stall: a process that stalls iomd's copy to its memory (a
 * userfaultfd page it never answers) blocks nobody else.
 *
 * IOMD_IOC_KREAD copies a descriptor's bytes to the caller's buffer with
 * the descriptor held (a count), no iomd lock taken: so while that copy
 * waits on a missing-page fault,
 *
 *   - a buffer can still be revoked (the driver's device-removal path),
 *     and a new KREAD of it fails with ENODEV at once; the copy in flight
 *     then finishes with the bytes it started on;
 *   - a wired user descriptor can still be completed by its owner, which
 *     leaves only the copy's hold: INFO reports wire count 1 and the
 *     pages stay pinned until the copy ends, then both go.
 *
 * A call that waited for the stalled copy would hang the test until its
 * timeout, which fails it.  Skipped where the kernel has no userfaultfd.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iomd_test.h"

#define REVOKE_CHECKS	6
#define COMPLETE_CHECKS	6
#define PLAN		(REVOKE_CHECKS + COMPLETE_CHECKS + 2)
#define FAULT_WAIT_MS	20000

static int iomd_fd;
static size_t page;

/*
 * A KREAD of @fd's first page into a fresh page that a userfaultfd
 * watches for missing pages, started in @c; 1 once its copy waits on the
 * fault.  The page and the userfaultfd are returned in *@dst and *@uffd.
 */
static int kread_stalled(int fd, struct iomd_test_call *c,
			 struct iomd_rw *rw, unsigned char **dst, int *uffd)
{
	uint64_t addr;

	*dst = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*dst == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	*uffd = iomd_test_uffd_watch(*dst, page,
				     UFFDIO_REGISTER_MODE_MISSING);
	if (*uffd < 0)
		iomd_tap_bail("userfaultfd: %s", strerror(-*uffd));
	*rw = (struct iomd_rw) {
		.fd = fd,
		.length = page,
		.user_addr = (uintptr_t)*dst,
	};
	iomd_test_ioctl_start(c, iomd_fd, IOMD_IOC_KREAD, rw);
	return iomd_test_uffd_fault(*uffd, c, FAULT_WAIT_MS, &addr);
}

/* Answer the stalled copy's fault with a zero page; its result. */
static int kread_release(int uffd, unsigned char *dst,
			 struct iomd_test_call *c)
{
	struct uffdio_zeropage zero = {
		.range = { .start = (uintptr_t)dst, .len = page },
	};
	int ret;

	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero) && errno != EEXIST)
		iomd_tap_bail("UFFDIO_ZEROPAGE: %s", strerror(errno));
	ret = iomd_test_call_join(c);
	close(uffd);
	return ret;
}

static void test_revoke(unsigned char *ref)
{
	unsigned char *dst, got;
	struct iomd_test_call c;
	struct iomd_rw rw;
	int buf, uffd, ret;

	buf = iomd_test_buffer_filled(iomd_fd, page, IOMD_TEST_SHARED_INOUT,
				      ref);
	if (buf < 0)
		iomd_tap_bail("buffer: %s", strerror(-buf));
	iomd_tap_eq(kread_stalled(buf, &c, &rw, &dst, &uffd), 1,
		    "revoke: KREAD of a buffer waits in its copy to the caller");
	iomd_tap_errno(iomd_revoke(iomd_fd, buf), 0,
		       "revoke: the buffer is revoked meanwhile");
	iomd_tap_errno(iomd_kread(iomd_fd, buf, 0, &got, 1), ENODEV,
		       "revoke: a new KREAD of it fails at once");
	iomd_tap_ok(!iomd_test_call_done(&c),
		    "revoke: the first KREAD still waits");
	ret = kread_release(uffd, dst, &c);
	iomd_tap_errno(ret, 0, "revoke: answered, the first KREAD finishes");
	iomd_test_mem(ret, dst, ref, page,
		      "revoke: with the bytes it started on");
	munmap(dst, page);
	iomd_close(buf);
}

static void test_complete(unsigned char *ref, uint64_t pinned)
{
	unsigned char *mem, *dst;
	struct iomd_test_call c;
	struct iomd_range r;
	struct iomd_info info;
	struct iomd_rw rw;
	int u, uffd, ret;

	mem = iomd_test_anon(page, MAP_PRIVATE);
	memcpy(mem, ref, page);
	r = iomd_test_range(mem, page);
	u = iomd_user_create(iomd_fd, &r, 1,
			     IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (u < 0)
		iomd_tap_bail("wired user descriptor: %s", strerror(-u));
	iomd_tap_eq(kread_stalled(u, &c, &rw, &dst, &uffd), 1,
		    "complete: KREAD of wired user memory waits in its copy to the caller");
	iomd_tap_errno(iomd_complete(iomd_fd, u), 0,
		       "complete: its owner unwires it meanwhile");
	ret = iomd_info(iomd_fd, u, &info);
	iomd_tap_ok(!ret && info.wire_count == 1 &&
		    iomd_test_pinned_pages(iomd_fd) == pinned + 1,
		    "complete: only the copy's hold is left, its page pinned (wire count %u)",
		    ret ? 0 : info.wire_count);
	iomd_tap_ok(!iomd_test_call_done(&c),
		    "complete: the KREAD still waits");
	ret = kread_release(uffd, dst, &c);
	iomd_test_mem(ret, dst, ref, page,
		      "complete: answered, the KREAD finishes with the bytes");
	ret = iomd_info(iomd_fd, u, &info);
	iomd_tap_ok(!ret && !info.wire_count &&
		    iomd_test_pinned_pages(iomd_fd) == pinned,
		    "complete: then nothing is wired or pinned");
	munmap(dst, page);
	iomd_close(u);
	munmap(mem, page);
}

int main(void)
{
	struct iomd_stats before;
	unsigned char *ref;
	uint64_t pinned;
	char why[128];
	int probe;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	probe = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (probe < 0) {
		snprintf(why, sizeof(why), "no userfaultfd to stall a copy: %s",
			 strerror(errno));
		iomd_tap_skip_all(why);
	}
	close(probe);
	iomd_tap_plan(PLAN);
	ref = iomd_test_malloc(page);
	iomd_test_fill(ref, page, 0x7374616c);
	iomd_test_stats(iomd_fd, &before);
	pinned = iomd_test_pinned_pages(iomd_fd);

	test_revoke(ref);
	test_complete(ref, pinned);

	iomd_test_no_leaks(iomd_fd, &before);
	free(ref);
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
