// SPDX-License-Identifier: GPL-2.0
/*
 * user_charge: wired pages are charged to the *user* that wired them, as
 * io_uring charges registered buffers, so RLIMIT_MEMLOCK bounds what one
 * unprivileged user can pin, whatever its processes do with the
 * descriptors: pass them on over SCM_RIGHTS, fork, exit.  The charge goes
 * when the last holder of the pin lets go, whoever that is.
 *
 * Runs as uid 1000 (no capabilities) with a limit of LIMIT pages:
 *   passing:  a child wires LIMIT pages, sends the descriptor to the
 *             parent and exits; the parent cannot wire one page (ENOMEM,
 *             with a reason) until it closes what it received;
 *   fork:     the parent wires HALF pages, a forked child can wire only
 *             the rest; after the child exits its share is back;
 *   relay:    a child wires LIMIT pages and hands them to a second child,
 *             which outlives the first; the charge follows the pin, not
 *             the process that made it, and goes when the second exits;
 *   sibling:  the limit of the caller applies to the user's total: a
 *             process with a larger limit can wire what is left of it.
 * Against a per-process charge (VmPin of the describing mm, d535c30) the
 * passing, fork and relay cases wire far above the limit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "iomd_test.h"

#define LIMIT	16
#define HALF	10

static int iomd_fd;
static size_t page;

static int set_memlock(unsigned long npages)
{
	struct rlimit rl = {
		.rlim_cur = npages * page,
		.rlim_max = npages * page,
	};

	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

/* Describe and wire @npages of fresh private memory: a fd or -errno. */
static int wire(unsigned long npages)
{
	struct iomd_range r;
	void *p;
	int fd;

	p = mmap(NULL, npages * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	r.addr = (uintptr_t)p;
	r.length = npages * page;
	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	/* The descriptor keeps the pages pinned; the mapping can go. */
	munmap(p, npages * page);
	return fd;
}

static void test_passing(void)
{
	int sv[2], fd, got;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		fd = wire(LIMIT);
		_exit(fd < 0 ? 1 : iomd_send_fd(sv[1], fd) ? 2 : 0);
	}
	close(sv[1]);
	fd = iomd_recv_fd(sv[0]);
	close(sv[0]);
	iomd_tap_eq(iomd_test_wait(pid), 0, "passing: a child wired %d pages and sent them",
		    LIMIT);
	iomd_tap_ok(fd >= 0, "passing: the parent holds them, the child is gone");
	got = wire(1);
	iomd_test_fails(iomd_fd, -1, got, ENOMEM,
			"passing: wiring 1 more page of the same user");
	if (got >= 0)
		close(got);
	if (fd >= 0)
		close(fd);
	got = wire(LIMIT);
	iomd_tap_errno(got, 0,
		       "passing: once the received descriptor is closed, %d pages wire",
		       LIMIT);
	if (got >= 0)
		close(got);
}

static void test_fork(void)
{
	int fd, got;
	pid_t pid;

	fd = wire(HALF);
	iomd_tap_errno(fd, 0, "fork: the parent wires %d pages", HALF);
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		int over = wire(HALF), rest = wire(LIMIT - HALF);

		/* 0: refused above the user's total, the rest fits. */
		_exit(over != -ENOMEM ? 1 : rest < 0 ? 2 : 0);
	}
	got = iomd_test_wait(pid);
	iomd_tap_eq(got, 0,
		    "fork: the child cannot wire %d more (ENOMEM), but %d do",
		    HALF, LIMIT - HALF);
	got = wire(LIMIT - HALF);
	iomd_tap_errno(got, 0,
		       "fork: the child's %d pages went with its exit",
		       LIMIT - HALF);
	if (got >= 0)
		close(got);
	if (fd >= 0)
		close(fd);
}

static void test_relay(void)
{
	int sv[2], gate[2], fd, got;
	pid_t first, second;
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(gate))
		iomd_tap_bail("socketpair/pipe: %s", strerror(errno));
	second = fork();
	if (second < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!second) {
		/* Holds what it receives until the parent says go. */
		close(sv[1]);
		close(gate[1]);
		fd = iomd_recv_fd(sv[0]);
		if (read(gate[0], &c, 1) != 1)
			_exit(3);
		_exit(fd < 0 ? 1 : 0);
	}
	first = fork();
	if (first < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!first) {
		fd = wire(LIMIT);
		_exit(fd < 0 ? 1 : iomd_send_fd(sv[1], fd) ? 2 : 0);
	}
	close(sv[0]);
	close(sv[1]);
	close(gate[0]);
	iomd_tap_eq(iomd_test_wait(first), 0,
		    "relay: the first child wired %d pages, sent them, exited",
		    LIMIT);
	got = wire(1);
	iomd_tap_errno(got, ENOMEM,
		       "relay: while the second child holds them, 1 page is refused");
	if (got >= 0)
		close(got);
	if (write(gate[1], &c, 1) != 1)
		iomd_tap_bail("pipe write: %s", strerror(errno));
	close(gate[1]);
	iomd_tap_eq(iomd_test_wait(second), 0, "relay: the second child held them");
	got = wire(LIMIT);
	iomd_tap_errno(got, 0,
		       "relay: after the holder exits, %d pages wire again",
		       LIMIT);
	if (got >= 0)
		close(got);
}

static void test_sibling(void)
{
	int fd, got;

	fd = wire(LIMIT);
	iomd_tap_errno(fd, 0, "sibling: %d pages wired", LIMIT);
	/* Raising the soft limit needs no privilege up to the hard one. */
	set_memlock(LIMIT + 4);
	got = wire(5);
	iomd_tap_errno(got, ENOMEM,
		       "sibling: with a %d-page limit, 5 more pages are refused",
		       LIMIT + 4);
	if (got >= 0)
		close(got);
	got = wire(4);
	iomd_tap_errno(got, 0, "sibling: and 4 more fit");
	if (got >= 0)
		close(got);
	if (fd >= 0)
		close(fd);
	set_memlock(LIMIT);
}

#define PLAN	(1 + 5 + 3 + 4 + 3 + 2)

int main(void)
{
	struct iomd_stats before;
	struct rlimit rl;

	page = sysconf(_SC_PAGESIZE);
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	iomd_test_stats(iomd_fd, &before);

	/* Hard limit LIMIT + 4 so that test_sibling can raise the soft one. */
	rl.rlim_cur = LIMIT * page;
	rl.rlim_max = (LIMIT + 4) * page;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setresgid(1000, 1000, 0) || setresuid(1000, 1000, 0))
		iomd_tap_bail("cannot become uid 1000: %s", strerror(errno));
	iomd_tap_eq(geteuid(), 1000, "runs as uid 1000, limit %d pages",
		    LIMIT);
	test_passing();
	test_fork();
	test_relay();
	test_sibling();
	if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
		iomd_tap_bail("cannot become root again");
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
