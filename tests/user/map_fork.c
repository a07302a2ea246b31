// SPDX-License-Identifier: GPL-2.0
/*
 * map_fork: what a child inherits of IOMD_IOC_MAP mappings.
 *
 * A default mapping (prefaulted or on demand, read-write or read-only) is
 * present in a forked child at the same address and shares the memory
 * both ways: the child sees the parent's writes made after the fork, and
 * the parent and the kernel see the child's.  An IOMD_MAP_NOFORK mapping,
 * alone or with the other options, is absent in the child: not in its
 * /proc/self/smaps, a touch gets SIGSEGV, IOMD_IOC_UNMAP there fails; the
 * parent's mapping keeps working.  Like MADV_DONTFORK, which it is,
 * NOFORK is undone by MADV_DOFORK: the process may choose to share.
 * Children that exit with inherited mappings leave nothing behind.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define NPAGES		4
#define SHARED_CASES	4
#define SHARED_CHECKS	6
#define NOFORK_CASES	5
#define NOFORK_CHECKS	4
#define DOFORK_CHECKS	5
#define PLAN	(SHARED_CASES * SHARED_CHECKS + NOFORK_CASES * NOFORK_CHECKS + \
		 DOFORK_CHECKS + 2)

#define SEED		0x666f726bull	/* "fork" */

static const char pre_fork[] = "parent before fork";
static const char post_fork[] = "parent after fork";
static const char child_msg[] = "child wrote this";

static int iomd_fd;
static size_t page;
static unsigned char *ref;

/* Child failure bits, reported through the exit status. */
#define CF_SYNC		0x01	/* pipe to the parent broke */
#define CF_ABSENT	0x02	/* mapping not in smaps at the address */
#define CF_PERMS	0x04	/* wrong permissions or bounds */
#define CF_PRE		0x08	/* pre-fork bytes wrong */
#define CF_POST		0x10	/* parent's post-fork write not seen */
#define CF_FAULT	0x20	/* touching it faulted */
#define CF_UNMAP	0x40	/* IOMD_IOC_UNMAP in the child failed */

/*
 * Child of test_shared(): check the inherited mapping @m of the bytes
 * @want, write child_msg at byte 100 (or fail to, read-only), and unmap
 * it in the child only.
 */
static int shared_child(const struct iomd_map_create *m,
			const unsigned char *want, bool ro, int go)
{
	char *data = (char *)(uintptr_t)m->addr;
	struct map_vma vma;
	unsigned char byte;
	int fails = 0;
	char c;

	if (map_vma_find(0, m->map_addr, &vma))
		return CF_ABSENT;
	if (vma.start != m->map_addr ||
	    vma.end != m->map_addr + m->map_length ||
	    strcmp(vma.perms, ro ? "r--s" : "rw-s"))
		fails |= CF_PERMS;
	if (map_probe_read(data + m->length - 1, &byte))
		return fails | CF_FAULT;
	if (strcmp(data, pre_fork) ||
	    memcmp(data + 64, want + 64, m->length - 64))
		fails |= CF_PRE;
	if (read(go, &c, 1) != 1)
		return fails | CF_SYNC;
	if (strcmp(data + 32, post_fork))
		fails |= CF_POST;
	if (!ro)
		memcpy(data + 100, child_msg, sizeof(child_msg));
	else if (map_probe_write(data + 100, 'x') != SIGSEGV)
		fails |= CF_PERMS;
	if (iomd_unmap_addr(iomd_fd, data) || map_present(data))
		fails |= CF_UNMAP;
	return fails;
}

/*
 * A default mapping with @options is inherited: the child finds it where
 * the parent has it, with the bytes written before and after the fork.
 */
static void test_shared(uint32_t options, const char *what)
{
	unsigned int end = iomd_tap_count() + SHARED_CHECKS;
	bool ro = options & IOMD_MAP_READONLY;
	uint64_t offset = page + 77, hint = 0;
	struct iomd_map_create m;
	int fd, ret, status, go[2];
	char got[sizeof(child_msg)];
	char *data;
	pid_t pid;

	fd = iomd_test_buffer_filled(iomd_fd, NPAGES * page,
				     IOMD_TEST_SHARED_INOUT, ref);
	if (fd < 0 ||
	    iomd_kwrite(iomd_fd, fd, offset, pre_fork, sizeof(pre_fork)))
		iomd_tap_bail("cannot create and fill a buffer");
	if (options & IOMD_MAP_FIXED)
		hint = map_free_range(NPAGES * page) + offset % page;
	ret = iomd_map_create(iomd_fd, fd, options, hint, offset, 0, &m);
	if (!iomd_tap_errno(ret, 0, "%s: IOMD_IOC_MAP", what)) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	data = (char *)(uintptr_t)m.addr;
	if (pipe(go))
		iomd_tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		_exit(shared_child(&m, ref + offset, ro, go[0]));
	}
	close(go[0]);
	iomd_tap_ok(pid > 0, "%s: fork", what);
	ret = iomd_kwrite(iomd_fd, fd, offset + 32, post_fork,
			  sizeof(post_fork));
	if (write(go[1], "g", 1) != 1)
		iomd_tap_diag("cannot signal the child: %s", strerror(errno));
	close(go[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	if (!iomd_tap_ok(!ret && WIFEXITED(status) && !WEXITSTATUS(status),
			 "%s: the child has it at the same address, sharing both ways",
			 what))
		iomd_tap_diag("child status 0x%x: 2 absent, 4 perms/bounds, 8 pre-fork bytes, %s",
			      status, "0x10 post-fork, 0x20 fault, 0x40 unmap");
	if (ro)
		iomd_test_str(0, data + 32, post_fork,
			      "%s: the parent's mapping still works", what);
	else
		iomd_test_str(0, data + 100, child_msg,
			      "%s: the parent sees the child's write", what);
	ret = iomd_kread(iomd_fd, fd, offset + 100, got, sizeof(got));
	iomd_test_mem(ret, got, ro ? (const void *)(ref + offset + 100) :
		      (const void *)child_msg, sizeof(got),
		      "%s: the kernel sees %s", what,
		      ro ? "the bytes unchanged" : "the child's write");
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, data), 0,
		       "%s: the child's unmap left the parent's", what);
	iomd_close(fd);
}

/* Child of test_nofork(): 0 if the mapping at @m is absent here. */
static int nofork_child(const struct iomd_map_create *m)
{
	unsigned char byte;
	int fails = 0;

	if (map_present((void *)(uintptr_t)m->map_addr) ||
	    map_present((void *)(uintptr_t)(m->map_addr + m->map_length - 1)))
		fails |= CF_ABSENT;
	if (map_probe_read((void *)(uintptr_t)m->addr, &byte) != SIGSEGV)
		fails |= CF_FAULT;
	if (iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m->addr) != -EINVAL)
		fails |= CF_UNMAP;
	return fails;
}

/* An IOMD_MAP_NOFORK mapping with @options is not in the child. */
static void test_nofork(uint32_t options, const char *what)
{
	unsigned int end = iomd_tap_count() + NOFORK_CHECKS;
	struct iomd_map_create m;
	uint64_t hint = 0;
	int fd, ret, status;
	pid_t pid;

	fd = iomd_test_buffer_filled(iomd_fd, NPAGES * page,
				     IOMD_TEST_SHARED_INOUT, ref);
	if (fd < 0)
		iomd_tap_bail("cannot create and fill a buffer");
	if (options & IOMD_MAP_FIXED)
		hint = map_free_range(NPAGES * page) + 5;
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_NOFORK | options, hint, 5,
			      0, &m);
	if (!iomd_tap_errno(ret, 0, "%s: IOMD_IOC_MAP", what)) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(nofork_child(&m));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	if (!iomd_tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
			 "%s: absent in the child (smaps, SIGSEGV, UNMAP EINVAL)",
			 what))
		iomd_tap_diag("child status 0x%x: 2 present, 0x20 no SIGSEGV, %s",
			      status, "0x40 unmap not EINVAL");
	iomd_test_mem(0, (void *)(uintptr_t)m.addr, ref + 5, m.length,
		      "%s: the parent's mapping still has the bytes", what);
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m.addr), 0,
		       "%s: unmap it", what);
	iomd_close(fd);
}

/* Child of test_dofork(): 0 if the mapping at @m is here, with its bytes. */
static int dofork_child(const struct iomd_map_create *m)
{
	unsigned char byte;
	int fails = 0;

	if (!map_present((void *)(uintptr_t)m->map_addr))
		fails |= CF_ABSENT;
	if (map_probe_read((void *)(uintptr_t)m->addr, &byte) != 0)
		fails |= CF_FAULT;
	else if (byte != ref[0])
		fails |= CF_PRE;
	return fails;
}

/*
 * IOMD_MAP_NOFORK is MADV_DONTFORK set by the kernel, and MADV_DOFORK
 * clears it (documented): the child then inherits the mapping.
 */
static void test_dofork(void)
{
	unsigned int end = iomd_tap_count() + DOFORK_CHECKS;
	struct iomd_map_create m;
	int fd, ret, status;
	pid_t pid;

	fd = iomd_test_buffer_filled(iomd_fd, NPAGES * page,
				     IOMD_TEST_SHARED_INOUT, ref);
	if (fd < 0)
		iomd_tap_bail("cannot create and fill a buffer");
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_NOFORK, 0, 0, 0, &m);
	if (!iomd_tap_errno(ret, 0, "NOFORK for MADV_DOFORK: IOMD_IOC_MAP")) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	ret = madvise((void *)(uintptr_t)m.map_addr, m.map_length,
		      MADV_DOFORK) ? -errno : 0;
	iomd_tap_errno(ret, 0, "MADV_DOFORK on a NOFORK mapping is allowed");
	pid = fork();
	if (pid == 0)
		_exit(dofork_child(&m));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	if (!iomd_tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
			 "NOFORK after MADV_DOFORK: the child inherits it, bytes and all"))
		iomd_tap_diag("child status 0x%x: 2 absent, 8 wrong byte, 0x20 faulted",
			      status);
	iomd_tap_ok(map_present((void *)(uintptr_t)m.addr),
		    "NOFORK after MADV_DOFORK: the parent still has it");
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m.addr), 0,
		       "NOFORK after MADV_DOFORK: unmap it");
	iomd_close(fd);
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	ref = map_test_start(iomd_fd, PLAN, NPAGES * page, SEED, &before);

	test_shared(0, "default");
	test_shared(IOMD_MAP_ONDEMAND, "ONDEMAND");
	test_shared(IOMD_MAP_READONLY, "READONLY");
	test_shared(IOMD_MAP_FIXED | IOMD_MAP_ONDEMAND | IOMD_MAP_READONLY,
		    "FIXED ONDEMAND READONLY");
	test_nofork(0, "NOFORK");
	test_nofork(IOMD_MAP_ONDEMAND, "NOFORK ONDEMAND");
	test_nofork(IOMD_MAP_READONLY, "NOFORK READONLY");
	test_nofork(IOMD_MAP_FIXED, "NOFORK FIXED");
	test_nofork(IOMD_MAP_FIXED | IOMD_MAP_ONDEMAND | IOMD_MAP_READONLY,
		    "NOFORK and every other option");
	test_dofork();

	return map_test_finish(iomd_fd, &before, ref);
}
