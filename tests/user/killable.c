// SPDX-License-Identifier: GPL-2.0
/*
 * killable: long kernel work on behalf of a process ends when the process
 * is killed, and leaves nothing behind.
 *
 * Mapping: a child maps a million pages (4 GiB with 4 KiB pages, 64 GiB
 * with 64 KiB ones: a multi descriptor of one 64 MiB buffer repeated, in
 * nested multis where 64 parts are not enough; the page entries without
 * the memory for them) with IOMD_IOC_MAP, every page installed before the
 * call returns, and is killed with SIGKILL a twentieth of the way in.
 * The work, and the number of batches iomd installs it in (a page table's
 * worth each), is a number of pages: counting pages, not bytes, keeps it
 * as long at every page size.  It must be gone in
 * less than half the time a whole mapping takes (measured first, in the
 * same boot, so the bound holds however fast the machine is), never
 * having returned to user space, and the module's live counts must come
 * back.  Installing in one go, it died only after the whole mapping.
 *
 * Wiring: a prepare() that waits for another task's pinning must be
 * killable.  The owner's pin is held up by a userfaultfd page fault that
 * the test resolves only afterwards; a child's prepare() of the same
 * descriptor waits for it and is killed: it must die while the pin still
 * waits, and leave no wire count.  Kernels whose long-term pins do not
 * wait for userfaultfd (6.1) or that have no userfaultfd skip this part.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "iomd_test.h"

#define MAP_CHECKS	6
#define WIRE_CHECKS	7
#define PLAN		(MAP_CHECKS + WIRE_CHECKS)

/*
 * What is mapped: one buffer repeated in a multi descriptor, so that the
 * mapping takes long enough to be timed well without taking that much
 * memory.  MAP_PAGES is the default max_composite_pages (8 MiB of page
 * pointers), which is a number of pages whatever their size.
 */
#define PART_BYTES	(64ull << 20)
#define MAP_PAGES	(1024ull * 1024)

static int iomd_fd;
static size_t page;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_for(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (time_t)secs) * 1e9),
	};

	nanosleep(&ts, NULL);
}

/*
 * Wait up to @timeout seconds for child @pid to end; its status in
 * *@status.  Return the seconds it took, or -1 if it is still there.
 */
static double wait_dead(pid_t pid, double timeout, int *status)
{
	double start = now();

	while (now() - start < timeout) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return now() - start;
		sleep_for(0.001);
	}
	return -1;
}

/* The state letter of task @pid in /proc (R, S, D, ...), or '?'. */
static char task_state(pid_t pid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Child: map all of @buf with page entries, prefaulted.  Writes one byte
 * to @out just before the ioctl and the seconds it took just after it.
 */
static void __noreturn map_child(int buf, int out)
{
	struct iomd_map_create mc;
	double start, secs;
	int ret;

	memset(&mc, 0, sizeof(mc));
	mc.fd = buf;
	mc.options = IOMD_MAP_NOHUGE;
	if (write(out, "m", 1) != 1)
		_exit(2);
	start = now();
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_MAP, &mc);
	secs = now() - start;
	if (write(out, &secs, sizeof(secs)) != sizeof(secs))
		_exit(2);
	_exit(ret ? 1 : 0);
}

/* Fork a map_child(); its pid, with the read end of its pipe in *@in. */
static pid_t start_map_child(int buf, int *in)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe(pfd))
		iomd_tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		close(pfd[0]);
		map_child(buf, pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		iomd_tap_bail("the mapping child did not start");
	*in = pfd[0];
	return pid;
}

/*
 * A multi descriptor of @count copies of descriptor @fd: one multi of
 * them, or where that is more than IOMD_MULTI_MAX_DESCS parts, a multi of
 * copies of a multi of IOMD_MULTI_MAX_DESCS.  @count is at most
 * IOMD_MULTI_MAX_DESCS or a multiple of it.  Closes @fd; the new fd or
 * -errno.
 */
static int repeat_multi(int fd, unsigned long long count)
{
	int fds[IOMD_MULTI_MAX_DESCS], multi;
	unsigned int i, n;

	n = count > IOMD_MULTI_MAX_DESCS ? IOMD_MULTI_MAX_DESCS : count;
	if (count % n) {
		close(fd);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		fds[i] = fd;
	multi = iomd_multi_create(iomd_fd, fds, n, 0);
	close(fd);
	if (multi < 0 || count == n)
		return multi;
	return repeat_multi(multi, count / n);
}

static void test_map_kill(void)
{
	unsigned long long map_bytes = MAP_PAGES * page;
	double full = 0, secs, latency;
	struct iomd_stats before, st;
	int buf, multi, in, status = 0;
	pid_t pid;
	ssize_t got;

	iomd_test_stats(iomd_fd, &before);
	buf = iomd_buffer_create(iomd_fd, PART_BYTES, 0,
				 IOMD_TEST_SHARED_INOUT);
	if (buf < 0)
		iomd_tap_bail("no %llu MiB buffer: %s", PART_BYTES >> 20,
			      strerror(-buf));
	multi = repeat_multi(buf, map_bytes / PART_BYTES);
	if (!iomd_tap_errno(multi, 0,
			    "%llu x %llu MiB in multis (%llu MiB, %llu pages)",
			    map_bytes / PART_BYTES, PART_BYTES >> 20,
			    map_bytes >> 20, MAP_PAGES))
		iomd_tap_bail("nothing to map");

	/* A whole mapping, to know how long one takes. */
	pid = start_map_child(multi, &in);
	got = read(in, &full, sizeof(full));
	close(in);
	waitpid(pid, &status, 0);
	iomd_tap_ok(got == sizeof(full) && WIFEXITED(status) &&
		    !WEXITSTATUS(status) && full > 0,
		    "an uninterrupted IOMD_IOC_MAP of it succeeds (%.3f s)",
		    full);

	/* The same, killed a twentieth of the way in. */
	pid = start_map_child(multi, &in);
	sleep_for(full / 20);
	kill(pid, SIGKILL);
	latency = wait_dead(pid, 10 * full + 10, &status);
	if (latency < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	/* Nothing to read: it never got back from the ioctl to write. */
	got = read(in, &secs, sizeof(secs));
	close(in);
	iomd_tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		    got == 0,
		    "the killed child never returned from the map to user space");
	iomd_tap_ok(latency >= 0 && latency < full / 2,
		    "it died %.3f s after SIGKILL; a whole mapping takes %.3f s",
		    latency, full);
	close(multi);

	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "no live descriptor left");
	iomd_tap_eq(st.live_bytes, before.live_bytes, "no live bytes left");
}

static void test_wire_kill(void)
{
	unsigned int start = iomd_tap_count();
	struct iomd_test_call job = { .fd = -1 };
	struct uffdio_zeropage zero;
	struct iomd_stats before, st;
	struct iomd_info info;
	struct iomd_range r;
	int uffd, go[2], status = 0, waiting, ret;
	uint64_t fault;
	double latency;
	char state = '?';
	void *mem;
	pid_t pid;

	iomd_test_stats(iomd_fd, &before);
	mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	uffd = iomd_test_uffd_watch(mem, page, UFFDIO_REGISTER_MODE_MISSING);
	if (uffd < 0) {
		iomd_tap_diag("userfaultfd: %s", strerror(-uffd));
		iomd_tap_skip_to(start + WIRE_CHECKS, "no userfaultfd");
		munmap(mem, page);
		return;
	}
	r.addr = (uintptr_t)mem;
	r.length = page;
	job.fd = iomd_user_create(iomd_fd, &r, 1,
				  IOMD_DIR_INOUT | IOMD_CREATE_CLOEXEC);
	if (!iomd_tap_errno(job.fd, 0, "describe a page userfaultfd watches"))
		iomd_tap_bail("no user descriptor");

	/* The child's prepare() will wait for the owner's. */
	if (pipe(go))
		iomd_tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(iomd_prepare(iomd_fd, job.fd) ? 1 : 0);
	}
	close(go[0]);

	iomd_test_wire_start(&job, iomd_fd, job.fd);
	waiting = iomd_test_uffd_fault(uffd, &job, 5000, &fault);
	if (waiting == 0) {
		iomd_tap_diag("the pin ended at once (%s): long-term pins %s",
			      iomd_errno_name(job.ret),
			      "do not wait for userfaultfd");
		iomd_tap_skip_to(start + WIRE_CHECKS,
				 "pins do not wait for userfaultfd");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		iomd_test_call_join(&job);
		goto close_fds;
	}
	iomd_tap_ok(waiting == 1,
		    "the owner's prepare() waits in a userfaultfd fault");

	if (write(go[1], "g", 1) != 1)
		iomd_tap_bail("cannot start the child");
	for (ret = 0; ret < 5000; ret++) {
		state = task_state(pid);
		if (state == 'D')
			break;
		sleep_for(0.001);
	}
	iomd_tap_ok(state == 'D',
		    "the child's prepare() waits for the owner's (state %c)",
		    state);

	kill(pid, SIGKILL);
	latency = wait_dead(pid, 2, &status);
	iomd_tap_ok(latency >= 0 && WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL &&
		    !iomd_test_call_done(&job),
		    "SIGKILL ends the waiting child (%.3f s) while the pin still waits",
		    latency);

	/* Let the owner's pin go on. */
	memset(&zero, 0, sizeof(zero));
	zero.range.start = (uintptr_t)mem;
	zero.range.len = page;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		iomd_tap_diag("UFFDIO_ZEROPAGE: %s", strerror(errno));
	iomd_test_call_join(&job);
	if (latency < 0)
		waitpid(pid, &status, 0);
	iomd_tap_errno(job.ret, 0, "the owner's prepare() then succeeds");
	ret = iomd_info(iomd_fd, job.fd, &info);
	iomd_tap_ok(!ret && info.wire_count == 1,
		    "the killed prepare() left no wire count (wire_count %u)",
		    ret ? 0 : info.wire_count);
	if (!job.ret)
		iomd_complete(iomd_fd, job.fd);

close_fds:
	close(go[1]);
	close(job.fd);
	close(uffd);
	munmap(mem, page);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	if (iomd_tap_count() < start + WIRE_CHECKS)
		iomd_tap_eq(st.pinned_pages, before.pinned_pages,
			    "no pinned page left");
}

int main(void)
{
	page = iomd_page_size();
	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	test_map_kill();
	test_wire_kill();
	return iomd_tap_finish();
}
