// SPDX-License-Identifier: GPL-2.0
/*
 * dev_access: who may open /dev/iomd and what an ordinary user may do
 * with it.
 *
 * The module alone makes the node root-only (dev_mode 0600); the VM's
 * /init applies the shipped udev rule (group iomd = gid 1000, 0660), as
 * udev would.  Then: uid 1001 (not in the group) cannot open it (EACCES);
 * uid 1000 can, and gets EPERM with a reason for what needs a privilege:
 * module-wide STATS and ZONE_INFO (CAP_SYS_ADMIN), write-combined and
 * uncached buffers (CAP_SYS_RAWIO, since converting pages rewrites the
 * kernel's direct map), while write-back buffers, mapped, work.  Root
 * still gets all of it: a write-combined buffer too, where the
 * architecture has them (x86; elsewhere root gets EOPNOTSUPP, and the
 * ordinary user still EPERM first).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iomd_test.h"

#define PLAN	17

static size_t page;

/* Become @id (uid and gid, no other groups), keeping root as saved id. */
static void become(unsigned int id)
{
	if (setresuid(0, 0, 0) || setresgid(id, id, 0) ||
	    setgroups(0, NULL) || setresuid(id, id, 0))
		iomd_tap_bail("cannot switch to uid %u: %s", id, strerror(errno));
}

static void become_root(void)
{
	if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
		iomd_tap_bail("cannot become root again: %s", strerror(errno));
}

static void check_node(void)
{
	char mode[16] = "";
	struct stat st;
	FILE *f;

	f = fopen("/sys/module/iomd/parameters/dev_mode", "r");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
		mode[strcspn(mode, "\n")] = '\0';
	}
	iomd_tap_ok(!strcmp(mode, "0600"),
		    "dev_mode is 0600 by default (read \"%.5s\")", mode);
	iomd_tap_ok(!stat("/dev/iomd", &st) && st.st_gid == 1000 &&
		    (st.st_mode & 07777) == 0660,
		    "the udev rule gave /dev/iomd group iomd, mode 0660");
}

static void check_outsider(void)
{
	int fd;

	become(1001);
	fd = open("/dev/iomd", O_RDWR | O_CLOEXEC);
	iomd_tap_errno(fd < 0 ? -errno : 0, EACCES,
		       "uid 1001, not in group iomd, cannot open /dev/iomd");
	if (fd >= 0)
		close(fd);
	become_root();
}

/* A buffer of cache @mode; its fd or -errno. */
static int cache_buffer(int iomd_fd, unsigned int mode)
{
	return iomd_buffer_create(iomd_fd, page, 0,
				  IOMD_TEST_SHARED_INOUT |
				  IOMD_BUF_CACHE(mode));
}

static void check_member(void)
{
	struct iomd_zone_info zi;
	struct iomd_stats st;
	void *map;
	int fd, b, ret;

	become(1000);
	fd = open("/dev/iomd", O_RDWR | O_CLOEXEC);
	iomd_tap_ok(fd >= 0, "uid 1000, in group iomd, opens /dev/iomd");
	if (fd < 0) {
		iomd_tap_skip_to(iomd_tap_count() + 9, "no /dev/iomd");
		become_root();
		return;
	}
	iomd_test_fails(fd, -1, iomd_stats(fd, &st), EPERM,
			"STATS without CAP_SYS_ADMIN");
	iomd_test_fails(fd, -1, iomd_zone_info(fd, 0, &zi, NULL), EPERM,
			"ZONE_INFO without CAP_SYS_ADMIN");
	b = cache_buffer(fd, IOMD_CACHE_WC);
	iomd_test_fails(fd, -1, b < 0 ? b : 0, EPERM,
			"a write-combined buffer without CAP_SYS_RAWIO");
	if (b >= 0)
		close(b);
	b = cache_buffer(fd, IOMD_CACHE_UC);
	iomd_test_fails(fd, -1, b < 0 ? b : 0, EPERM,
			"an uncached buffer without CAP_SYS_RAWIO");
	if (b >= 0)
		close(b);
	b = cache_buffer(fd, IOMD_CACHE_WB);
	ret = b < 0 ? b : iomd_map(b, 0, page, PROT_READ | PROT_WRITE, &map);
	iomd_tap_errno(ret, 0, "a write-back buffer, mapped, works");
	if (!ret) {
		memset(map, 0x5a, page);
		iomd_unmap(map, page);
	}
	if (b >= 0)
		close(b);
	close(fd);
	become_root();
}

static void check_root(int iomd_fd)
{
	struct iomd_stats st;
	int b;

	iomd_tap_errno(iomd_stats(iomd_fd, &st), 0, "root reads STATS");
	b = cache_buffer(iomd_fd, IOMD_CACHE_WC);
	if (iomd_test_cache_modes())
		iomd_tap_errno(b < 0 ? b : 0, 0,
			       "root creates a write-combined buffer");
	else
		iomd_tap_errno(b < 0 ? b : 0, EOPNOTSUPP,
			       "root asks for a write-combined buffer, which this architecture has not");
	if (b >= 0)
		close(b);
}

int main(void)
{
	struct iomd_stats before;
	int iomd_fd;

	page = sysconf(_SC_PAGESIZE);
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	iomd_test_stats(iomd_fd, &before);
	check_node();
	check_outsider();
	check_member();
	check_root(iomd_fd);
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
