// SPDX-License-Identifier: GPL-2.0
/*
 * user_wire_race: the window of IOMD_IOC_PREPARE between checking a
 * process's ranges and pinning their pages, opened on purpose.
 *
 * Wiring the caller's own private memory checks the ranges under
 * mmap_lock, drops the lock and pins with GUP's lockless walk; the ranges
 * are checked again after the pin only if a write section of mmap_lock
 * began meanwhile (where the kernel counts them, kernel/compat.h), so
 * that memory remapped to a write-combined iomd buffer in that window is
 * never wired as write-back user memory.  Under TCG's one thread two
 * threads of a test almost never meet in a window of microseconds, so
 * the window is held open with userfaultfd: the memory is registered for
 * missing-page faults and never touched, the pin faults on its first page
 * and waits, and the test acts while it waits:
 *
 *   - it answers the faults with pages (UFFDIO_COPY): the wiring succeeds
 *     and the kernel reads the bytes the test gave (the control: the
 *     faults came from the pin, inside the window);
 *   - it maps a write-combined iomd buffer over the range (MAP_FIXED, a
 *     write section of mmap_lock) and wakes the fault: the wiring fails
 *     with EOPNOTSUPP or EFAULT and a reason, and nothing stays pinned
 *     or wired;
 *   - the same with private anonymous memory mapped over the range: the
 *     check after the pin passes and the memory is wired, as it would
 *     have been had the remap come first.
 *
 * Skipped where the kernel has no userfaultfd (CONFIG_USERFAULTFD).  On
 * 6.1, whose long-term pins cannot wait on userfaultfd
 * (pins_wait_on_faults()), the test checks that the pin fails at once and
 * skips the rest (6.1 checks the ranges again after every pin anyway);
 * the write-combined part is skipped where the architecture has no
 * write-combined buffers (iomd_test_cache_modes()).  Runs as root:
 * userfaultfd must catch the kernel's own faults, and write-combined
 * buffers need CAP_SYS_RAWIO.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "iomd_test.h"

#define NPAGES		4
#define CONTROL_CHECKS	5
#define WC_CHECKS	7
#define ANON_CHECKS	4
#define PLAN		(CONTROL_CHECKS + WC_CHECKS + ANON_CHECKS + 2)
/* Seconds to wait for a fault the pin must take. */
#define FAULT_WAIT_MS	20000

static int iomd_fd, uffd = -1;
static size_t page, len;
static unsigned char *fill;

#define OLD_GUP_WHY \
	"a long-term pin on this kernel takes its faults without FAULT_FLAG_ALLOW_RETRY, so userfaultfd cannot hold it in the window"

/*
 * Whether a long-term pin (FOLL_LONGTERM) may drop mmap_lock to wait on a
 * fault, as userfaultfd needs.  6.1's takes the fault with mmap_lock held
 * and no retry, and a userfaultfd fault fails it at once with EFAULT;
 * 6.12's waits (the GUP rework that added FOLL_UNLOCKABLE, in 6.3 as far
 * as we know: only 6.1 and 6.12 are checked here).
 */
static bool pins_wait_on_faults(void)
{
	unsigned int major = 0, minor = 0;
	struct utsname u;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		iomd_tap_bail("uname: cannot read the kernel's release");
	return major > 6 || (major == 6 && minor >= 3);
}

/* Fresh private memory registered for missing-page faults, untouched. */
static unsigned char *uffd_memory(void)
{
	unsigned char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	/* Pages of the pin's own size: no huge page fills the range at once. */
	madvise(mem, len, MADV_NOHUGEPAGE);
	if (uffd >= 0)
		close(uffd);
	uffd = iomd_test_uffd_watch(mem, len, UFFDIO_REGISTER_MODE_MISSING);
	if (uffd < 0)
		iomd_tap_bail("userfaultfd: %s", strerror(-uffd));
	return mem;
}

/*
 * Wait for the next missing-page fault in @mem: its page offset, or -1
 * if none came (@w returned, or nothing for FAULT_WAIT_MS).
 */
static long next_fault(unsigned char *mem, struct iomd_test_call *w)
{
	uint64_t addr;

	if (iomd_test_uffd_fault(uffd, w, FAULT_WAIT_MS, &addr) != 1)
		return -1;
	if (addr < (uintptr_t)mem || addr >= (uintptr_t)mem + len)
		iomd_tap_bail("a fault at 0x%llx, outside the memory watched",
			      (unsigned long long)addr);
	return (addr - (uintptr_t)mem) / page * page;
}

/* Wake whatever waits for a fault in @mem, whatever is mapped there now. */
static void uffd_wake(unsigned char *mem)
{
	struct uffdio_range r = { .start = (uintptr_t)mem, .len = len };

	if (ioctl(uffd, UFFDIO_WAKE, &r))
		iomd_tap_bail("UFFDIO_WAKE: %s", strerror(errno));
}

static int user_desc(unsigned char *mem)
{
	struct iomd_range r = iomd_test_range(mem, len);

	return iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
}

/* Nothing pinned beyond @pinned and @desc not wired: two checks. */
static void check_unwired(int desc, uint64_t pinned, const char *what)
{
	struct iomd_info info;

	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pinned,
		    "%s: no page stays pinned", what);
	iomd_tap_ok(!iomd_info(iomd_fd, desc, &info) && !info.wire_count,
		    "%s: the descriptor is not wired", what);
}

/*
 * The control: the test answers every fault of the pin with a page.
 * Return: whether the pin waited on the faults (the window can be held).
 */
static bool test_control(void)
{
	unsigned int end = iomd_tap_count() + CONTROL_CHECKS;
	unsigned char *mem = uffd_memory(), *got = malloc(len);
	int desc = user_desc(mem), faults = 0, ret;
	struct uffdio_copy copy;
	struct iomd_test_call w;
	long off;

	if (desc < 0 || !got)
		iomd_tap_bail("user descriptor: %s", strerror(-desc));
	iomd_test_wire_start(&w, iomd_fd, desc);
	while ((off = next_fault(mem, &w)) >= 0) {
		copy = (struct uffdio_copy) {
			.dst = (uintptr_t)mem + off,
			.src = (uintptr_t)fill + off,
			.len = page,
		};
		if (ioctl(uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
			iomd_tap_bail("UFFDIO_COPY: %s", strerror(errno));
		faults++;
	}
	ret = iomd_test_call_join(&w);
	if (!pins_wait_on_faults()) {
		iomd_tap_ok(!faults && ret == -EFAULT,
			    "the pin of IOMD_IOC_PREPARE fails at once (%s) on a userfaultfd page, after %d fault(s)",
			    ret < 0 ? iomd_errno_name(-ret) : "it succeeded",
			    faults);
		iomd_tap_skip_to(end, OLD_GUP_WHY);
		iomd_close(desc);
		munmap(mem, len);
		free(got);
		return false;
	}
	iomd_tap_ok(faults >= 1,
		    "the pin of IOMD_IOC_PREPARE waited on %d missing-page fault(s), the test answering",
		    faults);
	iomd_tap_errno(ret, 0, "and the memory is wired");
	ret = iomd_kread(iomd_fd, desc, 0, got, len);
	iomd_test_mem(ret, got, fill, len,
		      "the kernel reads the pages the test gave");
	iomd_tap_errno(iomd_complete(iomd_fd, desc), 0, "complete()");
	iomd_tap_errno(iomd_close(desc), 0, "close");
	munmap(mem, len);
	free(got);
	return true;
}

/*
 * While the pin waits, map @target over the range with @remap; return
 * the result of the wiring and leave the descriptor in *@descp.
 */
static int wire_while_remapped(unsigned char **memp, int *descp,
			       int (*remap)(unsigned char *mem, void *arg),
			       void *arg, bool *waited)
{
	unsigned char *mem = uffd_memory();
	int desc = user_desc(mem);
	struct iomd_test_call w;

	if (desc < 0)
		iomd_tap_bail("user descriptor: %s", strerror(-desc));
	iomd_test_wire_start(&w, iomd_fd, desc);
	*waited = next_fault(mem, &w) >= 0;
	if (*waited && remap(mem, arg))
		iomd_tap_bail("remap: %s", strerror(errno));
	uffd_wake(mem);
	*memp = mem;
	*descp = desc;
	return iomd_test_call_join(&w);
}

/* mmap() of the buffer, which takes its mode; IOMD_MAP_FIXED never replaces. */
static int remap_buffer(unsigned char *mem, void *arg)
{
	void *p = mmap(mem, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, *(int *)arg, 0);

	return p == MAP_FAILED ? -1 : 0;
}

static int remap_anon(unsigned char *mem, void *arg)
{
	void *p = mmap(mem, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memcpy(p, arg, len);
	return 0;
}

/* A write-combined buffer comes in while the pin waits: never wired. */
static void test_write_combined(uint64_t pinned)
{
	unsigned char *mem, *wc = malloc(len);
	char reason[256] = "";
	int buf, desc, ret, err;
	bool waited;

	if (!wc)
		iomd_tap_bail("malloc");
	if (!iomd_test_cache_modes()) {
		iomd_tap_skip_to(iomd_tap_count() + WC_CHECKS,
				 IOMD_TEST_NO_CACHE_MODES);
		free(wc);
		return;
	}
	memset(wc, 0x5c, len);
	buf = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT |
				      IOMD_BUF_CACHE(IOMD_CACHE_WC), wc);
	if (buf < 0)
		iomd_tap_bail("write-combined buffer: %s", strerror(-buf));
	ret = wire_while_remapped(&mem, &desc, remap_buffer, &buf, &waited);
	iomd_tap_ok(waited, "the pin waited on a fault, inside the window");
	iomd_tap_ok(ret == -EOPNOTSUPP || ret == -EFAULT,
		    "a write-combined buffer mapped over the range meanwhile: the wiring fails (%s)",
		    ret < 0 ? iomd_errno_name(-ret) : "it succeeded");
	err = ret < 0 ? iomd_test_last_err(iomd_fd, -1, reason, sizeof(reason)) :
		    0;
	iomd_tap_ok(ret < 0 && err == ret && reason[0],
		    "with that errno as the reason: %s", reason);
	check_unwired(desc, pinned, "after it");
	iomd_tap_errno(iomd_close(desc), 0, "close the descriptor");
	iomd_tap_errno(munmap(mem, len) ? -errno : 0, 0,
		       "unmap the buffer's mapping");
	iomd_close(buf);
	free(wc);
}

/* Private memory comes in instead: checked again, and wired. */
static void test_anon(uint64_t pinned)
{
	unsigned char *mem, *got = malloc(len);
	int desc, ret;
	bool waited;

	if (!got)
		iomd_tap_bail("malloc");
	ret = wire_while_remapped(&mem, &desc, remap_anon, fill, &waited);
	iomd_tap_ok(waited, "the pin waited on a fault, inside the window");
	iomd_tap_errno(ret, 0,
		       "private memory mapped over the range meanwhile: the wiring succeeds");
	ret = iomd_kread(iomd_fd, desc, 0, got, len);
	iomd_test_mem(ret, got, fill, len,
		      "and wired the new memory, as the test wrote it");
	iomd_complete(iomd_fd, desc);
	iomd_close(desc);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pinned,
		    "nothing stays pinned after complete() and close");
	munmap(mem, len);
	free(got);
}

int main(void)
{
	struct iomd_stats before;
	uint64_t pinned;
	char why[128];
	int probe;

	page = iomd_page_size();
	len = NPAGES * page;
	iomd_fd = iomd_test_open();
	probe = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (probe < 0) {
		snprintf(why, sizeof(why),
			 "no userfaultfd to hold the window open: %s",
			 strerror(errno));
		iomd_tap_skip_all(why);
	}
	close(probe);
	iomd_tap_plan(PLAN);
	fill = malloc(len);
	if (!fill)
		iomd_tap_bail("malloc");
	iomd_test_fill(fill, len, 0x75666664);
	iomd_test_stats(iomd_fd, &before);
	pinned = iomd_test_pinned_pages(iomd_fd);

	if (test_control()) {
		test_write_combined(pinned);
		test_anon(pinned);
	} else {
		iomd_tap_skip_to(PLAN - 2, OLD_GUP_WHY);
	}

	iomd_test_no_leaks(iomd_fd, &before);
	if (uffd >= 0)
		close(uffd);
	iomd_close(iomd_fd);
	free(fill);
	return iomd_tap_finish();
}
