// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_limit: buffer memory made for a user request is charged to the
 * caller's memory cgroup, so memory.max bounds it: past the limit a create
 * fails with ENOMEM and a reason, and nobody is OOM-killed for it (buffer
 * pages are allocated with __GFP_RETRY_MAYFAIL, which a cgroup turns into
 * a failed charge, not an OOM kill).
 *
 * A child moves itself into a new cgroup v2 group with memory.max LIMIT,
 * becomes uid 1000 and creates buffers; it stores what it saw in shared
 * memory and the parent reports.
 *
 * When the group runs out for other reasons, its OOM killer picks the
 * process that holds and maps a buffer (mapped buffer pages count in its
 * RSS, which is what the OOM killer weighs), not the one that asked for
 * memory: a holder maps HOLD, a hog then allocates up to HOG of anonymous
 * memory; the OOM killer's first victim (from /dev/kmsg) is the holder,
 * and its buffer is freed.  The hog may be killed after it: the killed
 * holder's buffer, like a memfd's pages, is freed when its files close,
 * late in exit, and the OOM killer skips a victim once its address space
 * is gone, so a charge that cannot wait picks again.  That is the core's
 * behaviour for any memory freed with a file; only the first pick is
 * iomd's business.  (A buffer held by an fd alone, or through a small mapping,
 * is charged to the group but weighs nothing: memory.max bounds it, the
 * OOM killer does not see it; see README, "Security model".)
 *
 * Kernels without the memory controller skip, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "iomd_test.h"

#define CGROOT	"/sys/fs/cgroup"
#define GROUP	CGROOT "/iomd-memcg"
#define MIB	(1024 * 1024ULL)
#define LIMIT	(24 * MIB)
#define MAX_BUFS	64

/* What the child saw. */
struct seen {
	long long cur0;		/* memory.current before anything */
	int first;		/* 4 MiB buffer: fd or -errno */
	long long cur1;		/* memory.current with it */
	int nbufs;		/* 1 MiB buffers made before the first failure */
	int err;		/* that failure's -errno */
	int reason;		/* the reason's errno */
	long long oom_kills;	/* memory.events oom_kill */
	long long cur2;		/* memory.current after closing all */
};

#define HOLD	(20 * MIB)
#define HOG	(20 * MIB)
/* How long a killed holder may take to exit (TCG, a loaded machine). */
#define HOLDER_EXIT_MS	5000

#define PLAN	(8 + 4 + 2)

static int iomd_fd;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* The number after @key in @path ("key value" lines or one number). */
static long long read_value(const char *path, const char *key)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtoll(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ' ') {
			v = strtoll(line + strlen(key) + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Mount cgroup v2 and make the group; NULL or why it cannot be done. */
static const char *setup_group(void)
{
	static char why[128];
	char text[64];
	FILE *f;

	if (access(CGROOT "/cgroup.controllers", F_OK) &&
	    mount("none", CGROOT, "cgroup2", 0, NULL))
		return "no cgroup v2 (kernel without CONFIG_CGROUPS)";
	f = fopen(CGROOT "/cgroup.controllers", "r");
	if (!f || !fgets(text, sizeof(text), f) || !strstr(text, "memory")) {
		if (f)
			fclose(f);
		return "no memory controller (kernel without CONFIG_MEMCG)";
	}
	fclose(f);
	if (write_file(CGROOT "/cgroup.subtree_control", "+memory"))
		return "cannot enable the memory controller";
	if (mkdir(GROUP, 0755) && errno != EEXIST) {
		snprintf(why, sizeof(why), "mkdir %s: %s", GROUP,
			 strerror(errno));
		return why;
	}
	snprintf(text, sizeof(text), "%llu", LIMIT);
	if (write_file(GROUP "/memory.max", text))
		return "cannot set memory.max";
	/* No swap in the VM; where there is, keep it out of the way. */
	write_file(GROUP "/memory.swap.max", "0");
	return NULL;
}

/* Move into @group and become uid 1000 with no privilege (children only). */
static void enter_group(const char *group)
{
	char path[128], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", group);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(path, pid) || setgroups(0, NULL) ||
	    setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		_exit(2);
}

static void child(struct seen *s)
{
	int bufs[MAX_BUFS], i, fd;
	char text[8];

	enter_group(GROUP);
	s->cur0 = read_value(GROUP "/memory.current", NULL);
	s->first = iomd_buffer_create(iomd_fd, 4 * MIB, 0,
				      IOMD_TEST_SHARED_INOUT);
	s->cur1 = read_value(GROUP "/memory.current", NULL);
	s->err = 0;
	for (i = 0; i < MAX_BUFS; i++) {
		fd = iomd_buffer_create(iomd_fd, MIB, 0,
					IOMD_TEST_SHARED_INOUT);
		if (fd < 0) {
			s->err = fd;
			s->reason = iomd_test_last_err(iomd_fd, -1, text,
						       sizeof(text));
			break;
		}
		bufs[i] = fd;
	}
	s->nbufs = i;
	s->oom_kills = read_value(GROUP "/memory.events", "oom_kill");
	while (i--)
		close(bufs[i]);
	if (s->first >= 0)
		close(s->first);
	s->cur2 = read_value(GROUP "/memory.current", NULL);
	_exit(0);
}

/* Holder: map and touch a HOLD buffer, say so on @ready, then wait. */
static void holder(int ready)
{
	void *map;
	int fd;

	enter_group(GROUP);
	fd = iomd_buffer_create(iomd_fd, HOLD, 0, IOMD_TEST_SHARED_INOUT);
	if (fd < 0 || iomd_map(fd, 0, HOLD, PROT_READ | PROT_WRITE, &map))
		_exit(3);
	memset(map, 0x11, HOLD);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		pause();
}

/* Hog: allocate and touch HOG of anonymous memory, a MiB at a time. */
static void hog(long long *done)
{
	char *p;

	enter_group(GROUP);
	for (*done = 0; *done < (long long)(HOG / MIB); (*done)++) {
		p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		memset(p, 0x22, MIB);
	}
	_exit(0);
}

/* The pid in the first "Killed process PID" record of @kmsg, or -1. */
static int first_victim(int kmsg)
{
	char rec[1024], *k;
	ssize_t n;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten: go on */
		if (n <= 0)
			return -1;
		rec[n] = '\0';
		k = strstr(rec, "Killed process ");
		if (k)
			return atoi(k + strlen("Killed process "));
	}
}

/*
 * What memory.current may still show when the group's processes are gone:
 * 2 MiB, or more where the charges each CPU keeps in stock for the group
 * (up to MEMCG_CHARGE_BATCH, 64 pages) weigh more, with 64 KiB pages 4 MiB
 * a CPU.  Well below HOLD either way.
 */
static long long left_over(void)
{
	long long stock = 64LL * sysconf(_SC_PAGESIZE) *
			  sysconf(_SC_NPROCESSORS_ONLN);

	return stock > (long long)(2 * MIB) ? stock : (long long)(2 * MIB);
}

/* Whether @h exits within HOLDER_EXIT_MS, with its status in *@st. */
static bool holder_exited(pid_t h, int *st)
{
	int ms;

	for (ms = 0; ms < HOLDER_EXIT_MS; ms += 10) {
		if (waitpid(h, st, WNOHANG) == h)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

static void test_oom(long long *shared)
{
	int pipefd[2], hst, gst, kmsg;
	long long kills0;
	pid_t h, g;
	char c;

	kills0 = read_value(GROUP "/memory.events", "oom_kill");
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	if (pipe(pipefd))
		iomd_tap_bail("pipe: %s", strerror(errno));
	h = fork();
	if (h < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!h) {
		close(pipefd[0]);
		holder(pipefd[1]);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		close(pipefd[0]);
		waitpid(h, &hst, 0);
		iomd_tap_diag("holder status %#x", hst);
		iomd_tap_skip_to(iomd_tap_count() + 4,
				 "the holder could not map its buffer");
		return;
	}
	close(pipefd[0]);
	g = fork();
	if (g < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!g)
		hog(shared);
	waitpid(g, &gst, 0);
	/*
	 * If the hog was the only victim, the holder is still there.  A
	 * killed holder may still be exiting when the hog is done (the OOM
	 * reaper cannot free shared memory, so the killer may take the hog
	 * too meanwhile): give its exit time before deciding.
	 */
	if (!holder_exited(h, &hst)) {
		kill(h, SIGKILL);
		waitpid(h, &hst, 0);
		hst = 0;
	}
	iomd_tap_ok(WIFSIGNALED(hst) && WTERMSIG(hst) == SIGKILL,
		    "the group's OOM killer killed the holder of the mapped %llu MiB buffer",
		    HOLD / MIB);
	iomd_tap_eq(kmsg < 0 ? -1 : first_victim(kmsg), h,
		    "its first victim was the holder (pid %d), not the hog (pid %d)",
		    (int)h, (int)g);
	iomd_tap_ok(read_value(GROUP "/memory.events", "oom_kill") > kills0,
		    "memory.events counts the kill");
	iomd_tap_diag("the hog %s after %lld MiB; %lld OOM kill(s)",
		      WIFEXITED(gst) && !WEXITSTATUS(gst) ? "finished" :
		      "was killed too", *shared,
		      read_value(GROUP "/memory.events", "oom_kill") - kills0);
	if (kmsg >= 0)
		close(kmsg);
	iomd_tap_ok(read_value(GROUP "/memory.current", NULL) < left_over(),
		    "the killed holder's buffer went back (memory.current %lld KiB)",
		    read_value(GROUP "/memory.current", NULL) / 1024);
}

int main(void)
{
	struct iomd_stats before;
	const char *why;
	struct seen *s;
	int status, fd;
	pid_t pid;

	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	iomd_test_stats(iomd_fd, &before);

	why = setup_group();
	if (why) {
		iomd_tap_skip_to(12, why);
		iomd_test_no_leaks(iomd_fd, &before);
		return iomd_tap_finish();
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memset(s, 0, sizeof(*s));
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (!pid)
		child(s);
	waitpid(pid, &status, 0);
	iomd_tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
		    "uid 1000 in a group with memory.max %llu MiB ran to the end, not killed",
		    LIMIT / MIB);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		iomd_tap_diag("child status %#x", status);
	iomd_tap_errno(s->first, 0, "a 4 MiB buffer in the group");
	iomd_tap_ok(s->cur1 - s->cur0 >= (long long)(4 * MIB),
		    "memory.current grew by at least 4 MiB (%lld KiB)",
		    (s->cur1 - s->cur0) / 1024);
	iomd_tap_ok(s->err == -ENOMEM && s->nbufs >= 8 &&
		    s->nbufs < (int)(LIMIT / MIB),
		    "1 MiB buffers up to the limit, then ENOMEM (%d made, %s)",
		    s->nbufs, iomd_errno_name(-s->err));
	iomd_tap_eq(s->reason, -ENOMEM, "the refusal carries a reason");
	iomd_tap_eq(s->oom_kills, 0, "memory.events: no OOM kill");
	iomd_tap_ok(s->cur2 >= 0 && s->cur2 - s->cur0 < (long long)MIB,
		    "closing the buffers returns the charge (%lld KiB left)",
		    (s->cur2 - s->cur0) / 1024);
	fd = iomd_buffer_create(iomd_fd, 4 * LIMIT, 0, IOMD_TEST_SHARED_INOUT);
	iomd_tap_errno(fd < 0 ? fd : 0, 0,
		       "outside the group, %llu MiB is fine", 4 * LIMIT / MIB);
	if (fd >= 0)
		close(fd);
	test_oom(&s->cur0);
	if (rmdir(GROUP))
		iomd_tap_diag("rmdir %s: %s", GROUP, strerror(errno));
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
