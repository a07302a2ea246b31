// SPDX-License-Identifier: GPL-2.0
/*
 * user_diskfile: user memory that is page cache of a block-backed file
 * (here a loop device over a tmpfs file: the device's own page cache is
 * written back like any disk file's).
 *
 * A device may read such memory (IOMD_DIR_OUT wires, the kernel sees the
 * owner's later writes, since the pins are the file's own pages) but not
 * write it for the long term (IN or INOUT: EPERM with a reason, on 6.1
 * too, whose GUP would allow it), and iomd does not map it for another
 * process: the pages belong to the file, which iomd does not own (EPERM
 * with a reason, for mmap() of the descriptor and for IOMD_IOC_MAP).  A
 * wired descriptor keeps its pages through the owner's munmap.  A
 * private mapping of the same device is the process's own memory once
 * written: a device may write it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define NPAGES	16
#define PLAN	(2 * 2 + 1 + 1 + 1 + 2 + 2 + 1 + 1 + 1 + 2)

static int iomd_fd;
static size_t page;

static int describe(void *p, size_t len, uint32_t flags)
{
	struct iomd_range r = { .addr = (uintptr_t)p, .length = len };

	return iomd_user_create(iomd_fd, &r, 1, flags);
}

/* The kernel's view of @fd's first @len bytes equals @want. */
static bool kernel_sees(int fd, const void *want, size_t len)
{
	void *got = malloc(len);
	bool same;

	if (!got)
		iomd_tap_bail("out of memory");
	same = !iomd_kread(iomd_fd, fd, 0, got, len) &&
	       !memcmp(got, want, len);
	free(got);
	return same;
}

static void test_shared(int loop)
{
	size_t len = NPAGES * page;
	unsigned char *p, *copy;
	struct iomd_map_create mc;
	void *m;
	int fd;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, loop, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("mmap of the loop device: %s", strerror(errno));
	copy = malloc(len);
	if (!copy)
		iomd_tap_bail("out of memory");

	iomd_test_fails(iomd_fd, -1,
			describe(p, len, IOMD_DIR_IN | IOMD_USER_PREPARE),
			EPERM, "wiring disk page cache for a device that writes (IN)");
	iomd_test_fails(iomd_fd, -1,
			describe(p, len, IOMD_DIR_INOUT | IOMD_USER_PREPARE),
			EPERM, "wiring it INOUT");

	fd = describe(p, len, IOMD_DIR_OUT | IOMD_USER_PREPARE);
	iomd_tap_errno(fd, 0, "a device may read it: OUT wires");
	if (fd < 0) {
		iomd_tap_skip_to(PLAN - 3, "OUT did not wire");
		munmap(p, len);
		free(copy);
		return;
	}
	memcpy(copy, p, len);
	iomd_tap_ok(kernel_sees(fd, copy, len),
		    "the kernel reads the file's bytes");
	iomd_test_fill(p, len, 42);
	memcpy(copy, p, len);
	iomd_tap_ok(kernel_sees(fd, copy, len),
		    "and sees the owner's later writes (the pins are the file's pages)");

	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	iomd_test_fails(iomd_fd, fd, m == MAP_FAILED ? -errno : 0, EPERM,
			"mmap() of the descriptor (file memory iomd does not own)");
	if (m != MAP_FAILED)
		munmap(m, len);
	memset(&mc, 0, sizeof(mc));
	iomd_test_fails(iomd_fd, -1,
			iomd_map_create(iomd_fd, fd, 0, 0, 0, len, &mc),
			EPERM, "IOMD_IOC_MAP of it");

	munmap(p, len);
	iomd_tap_ok(kernel_sees(fd, copy, len),
		    "after the owner's munmap the wired pages stay readable");
	iomd_tap_errno(iomd_complete(iomd_fd, fd), 0, "complete");
	close(fd);
	free(copy);
}

static void test_private(int loop)
{
	size_t len = NPAGES * page;
	unsigned char *p;
	int fd;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, loop, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("private mmap of the loop device: %s",
			      strerror(errno));
	memset(p, 7, len);
	fd = describe(p, len, IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	iomd_tap_errno(fd, 0,
		       "a written private mapping of the device wires INOUT");
	if (fd >= 0)
		close(fd);
	munmap(p, len);
}

int main(void)
{
	struct iomd_stats before;
	char path[64], tmpl[] = "/tmp/iomd-disk-XXXXXX";
	int file, loop;

	page = sysconf(_SC_PAGESIZE);
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	iomd_test_stats(iomd_fd, &before);

	file = mkstemp(tmpl);
	if (file < 0 || ftruncate(file, NPAGES * page))
		iomd_tap_bail("backing file: %s", strerror(errno));
	unlink(tmpl);
	loop = iomd_test_loop_attach(file, path, sizeof(path));
	if (loop < 0)
		iomd_tap_bail("no loop device: %s", strerror(-loop));

	test_shared(loop);
	test_private(loop);

	iomd_test_loop_detach(loop);
	close(file);
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
