// SPDX-License-Identifier: GPL-2.0
/*
 * buffer_lifetime: who keeps a descriptor alive, and that nothing leaks.
 *
 * A mapping keeps its descriptor alive after the fd is closed; a forked
 * child shares the memory in both directions; a process that exits with
 * live descriptors and mappings leaves nothing behind; 1,000 descriptors
 * created and destroyed one after the other, or held all at once, leave
 * nothing behind.  "Nothing behind" is judged by IOMD_IOC_STATS
 * live_descriptors and live_bytes returning to their values before.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"

#define CLOSE_MAPPED_CHECKS	9
#define FORK_CHECKS		8
#define EXIT_CHECKS		4
#define LOOP_CHECKS		5
#define HOLD_CHECKS		5
#define PLAN	(CLOSE_MAPPED_CHECKS + FORK_CHECKS + EXIT_CHECKS + \
		 LOOP_CHECKS + HOLD_CHECKS)

#define NR_LOOP		1000
#define SZ_64K		(64ull << 10)

static const char pre_fork[] = "parent before fork";
static const char post_fork[] = "parent after fork";
static const char child_user[] = "child user";
static const char child_kernel[] = "child kernel";

static int iomd_fd;
static size_t page;

static void test_close_mapped(void)
{
	unsigned int end = iomd_tap_count() + CLOSE_MAPPED_CHECKS;
	static const char marker[] = "still here";
	struct iomd_stats before, st;
	char *map;
	void *addr;
	int fd, ret;

	iomd_test_stats(iomd_fd, &before);
	fd = iomd_buffer_create(iomd_fd, 2 * page, 0, IOMD_TEST_SHARED_INOUT);
	if (!iomd_tap_errno(fd, 0, "create a 2-page in/out buffer")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_kwrite(iomd_fd, fd, page + 5, marker, sizeof(marker));
	iomd_tap_errno(ret, 0, "kernel writes a marker into page 2");
	ret = iomd_map(fd, 0, 2 * page, PROT_READ | PROT_WRITE, &addr);
	if (!iomd_tap_errno(ret, 0, "map both pages")) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	map = addr;
	iomd_tap_errno(iomd_close(fd), 0, "close the descriptor fd");
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors + 1,
		    "the mapping keeps the descriptor alive");
	/* Writes to a mapping that lost its memory would fault here. */
	map[0] = 'x';
	map[2 * page - 1] = 'y';
	iomd_test_str(0, map + page + 5, marker,
		      "the mapping still works after close");
	iomd_tap_errno(iomd_unmap(map, 2 * page), 0, "munmap");
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "munmap releases the descriptor");
	iomd_tap_eq(st.live_bytes, before.live_bytes,
		    "munmap releases the memory");
}

/* Child side of test_fork(): returns a bit mask of failed checks. */
static int fork_child(int fd, char *map, int go)
{
	char got[32], byte;
	int fails = 0;

	/* Wait until the parent has written after the fork. */
	if (read(go, &byte, 1) != 1)
		return 0x40;
	if (strcmp(map, pre_fork))
		fails |= 0x01;
	if (strcmp(map + 100, post_fork))
		fails |= 0x02;
	memset(got, 0, sizeof(got));
	if (iomd_kread(iomd_fd, fd, 100, got, sizeof(got) - 1) ||
	    strcmp(got, post_fork))
		fails |= 0x04;
	memcpy(map + 200, child_user, sizeof(child_user));
	if (iomd_kwrite(iomd_fd, fd, 300, child_kernel,
			sizeof(child_kernel)))
		fails |= 0x08;
	return fails;
}

static void test_fork(void)
{
	unsigned int end = iomd_tap_count() + FORK_CHECKS;
	struct iomd_stats before, st;
	char got[32], *map;
	int fd, ret, status, go[2];
	void *addr;
	pid_t pid;

	iomd_test_stats(iomd_fd, &before);
	fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	if (!iomd_tap_errno(fd, 0, "create a 1-page in/out buffer")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_map(fd, 0, page, PROT_READ | PROT_WRITE, &addr);
	if (!iomd_tap_errno(ret, 0, "map it")) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	map = addr;
	memcpy(map, pre_fork, sizeof(pre_fork));
	if (pipe(go))
		iomd_tap_bail("pipe: %s", strerror(errno));

	pid = fork();
	if (pid == 0) {
		close(go[1]);
		_exit(fork_child(fd, map, go[0]));
	}
	close(go[0]);
	if (!iomd_tap_ok(pid > 0, "fork")) {
		close(go[1]);
		iomd_unmap(map, page);
		iomd_close(fd);
		iomd_tap_skip_to(end, "fork failed");
		return;
	}
	/* Written after the fork: only shared memory can carry it. */
	memcpy(map + 100, post_fork, sizeof(post_fork));
	if (write(go[1], "g", 1) != 1)
		iomd_tap_diag("cannot signal the child: %s", strerror(errno));
	close(go[1]);
	ret = waitpid(pid, &status, 0);
	if (!iomd_tap_ok(ret == pid && WIFEXITED(status) &&
			 WEXITSTATUS(status) == 0,
			 "child sees the parent's writes, mapped and via kread"))
		iomd_tap_diag("child status 0x%x: 1 pre, 2 post, 4 kread, 8 kwrite, 0x40 sync",
			      status);
	iomd_test_str(0, map + 200, child_user,
		      "parent's mapping sees the child's user write");
	iomd_test_str(0, map + 300, child_kernel,
		      "parent's mapping sees the child's kernel write");
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, 200, got, sizeof(got) - 1);
	iomd_test_str(ret, got, child_user,
		      "kernel sees the child's user write");

	iomd_unmap(map, page);
	iomd_close(fd);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	if (!iomd_tap_ok(st.live_descriptors == before.live_descriptors &&
			 st.live_bytes == before.live_bytes,
			 "nothing left after parent and child are done"))
		iomd_tap_diag("live_descriptors %llu -> %llu, live_bytes %llu -> %llu",
			      (unsigned long long)before.live_descriptors,
			      (unsigned long long)st.live_descriptors,
			      (unsigned long long)before.live_bytes,
			      (unsigned long long)st.live_bytes);
}

/*
 * Child side of test_exit(): make five descriptors, map some of them
 * (one twice, one with its fd closed) and return without cleaning up.
 * Returns 0, or 1 if setup failed, or 2 if the counters did not see them.
 */
static int exit_child(const struct iomd_stats *before)
{
	static const struct {
		uint64_t size, align;
		uint32_t flags;
		int maps;
	} bufs[] = {
		{ 1, 0, IOMD_TEST_SHARED_INOUT, 1 },
		{ 1, 0, IOMD_DIR_INOUT, 0 },
		{ 3, 0, IOMD_TEST_SHARED_INOUT, 1 },
		{ SZ_64K, SZ_64K, IOMD_TEST_SHARED_INOUT, 2 },
		{ 2, 0, IOMD_DIR_IN | IOMD_BUF_KERNEL_USER_SHARED, 1 },
	};
	struct iomd_stats st;
	unsigned int i;
	uint64_t size;
	int fd, m, prot;
	char *map;
	void *addr;

	for (i = 0; i < 5; i++) {
		/* Small sizes count pages, except the 1-byte ones. */
		size = bufs[i].size == 1 || bufs[i].align ? bufs[i].size :
		       bufs[i].size * page;
		fd = iomd_buffer_create(iomd_fd, size, bufs[i].align,
					bufs[i].flags);
		if (fd < 0)
			return 1;
		prot = bufs[i].flags & IOMD_DIR_OUT ? PROT_READ | PROT_WRITE :
		       PROT_READ;
		for (m = 0; m < bufs[i].maps; m++) {
			if (iomd_map(fd, 0, size, prot, &addr))
				return 1;
			map = addr;
			if (prot & PROT_WRITE)
				map[0] = (char)i;
		}
		/* The 3-page buffer lives on through its mapping only. */
		if (i == 2)
			iomd_close(fd);
	}
	if (iomd_stats(iomd_fd, &st) ||
	    st.live_descriptors != before->live_descriptors + 5)
		return 2;
	return 0;
}

static void test_exit(void)
{
	struct iomd_stats before, st;
	int status = -1;
	pid_t pid;

	iomd_test_stats(iomd_fd, &before);
	pid = fork();
	if (pid == 0)
		_exit(exit_child(&before));
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	if (!iomd_tap_ok(pid > 0 && WIFEXITED(status) &&
			 WEXITSTATUS(status) == 0,
			 "child made 5 descriptors and exited without cleanup"))
		iomd_tap_diag("fork %d, status 0x%x (exit 1: setup failed, 2: counters wrong)",
			      pid, status);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "exited child leaves no live descriptor");
	iomd_tap_eq(st.live_bytes, before.live_bytes,
		    "exited child leaves no live bytes");
	iomd_tap_eq(st.created_total - before.created_total, 5,
		    "created_total counted the child's 5 descriptors");
}

static void test_loop(void)
{
	struct iomd_stats before, st;
	unsigned int created = 0, good = 0, i;
	uint32_t got, *map;
	size_t slot;
	void *addr;
	int fd;

	iomd_test_stats(iomd_fd, &before);
	for (i = 0; i < NR_LOOP; i++) {
		fd = iomd_buffer_create(iomd_fd, page, 0,
					IOMD_TEST_SHARED_INOUT);
		if (fd < 0)
			continue;
		created++;
		if (!iomd_map(fd, 0, page, PROT_READ | PROT_WRITE, &addr)) {
			map = addr;
			slot = i % (page / sizeof(*map));
			map[slot] = i + 1;
			got = 0;
			if (!iomd_kread(iomd_fd, fd, slot * sizeof(*map), &got,
					sizeof(got)) && got == i + 1)
				good++;
			iomd_unmap(addr, page);
		}
		iomd_close(fd);
	}
	iomd_tap_eq(created, NR_LOOP, "%d creates in a loop succeed",
		    NR_LOOP);
	iomd_tap_eq(good, NR_LOOP, "%d map/write/kread round-trips succeed",
		    NR_LOOP);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "loop leaves no live descriptor");
	iomd_tap_eq(st.live_bytes, before.live_bytes,
		    "loop leaves no live bytes");
	iomd_tap_eq(st.created_total - before.created_total, NR_LOOP,
		    "created_total grew by %d", NR_LOOP);
}

static void test_hold(void)
{
	struct iomd_stats before, st;
	unsigned int created = 0, i;
	struct rlimit rl;
	int *fds;

	/* 1,000 fds at once need more than a default soft limit of 1024. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < NR_LOOP + 64) {
		rl.rlim_cur = rl.rlim_max < NR_LOOP + 64 ? rl.rlim_max :
			      NR_LOOP + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = calloc(NR_LOOP, sizeof(*fds));
	if (!fds)
		iomd_tap_bail("out of memory");

	iomd_test_stats(iomd_fd, &before);
	for (i = 0; i < NR_LOOP; i++) {
		fds[i] = iomd_buffer_create(iomd_fd, page, 0,
					    IOMD_TEST_SHARED_INOUT);
		if (fds[i] >= 0)
			created++;
	}
	if (!iomd_tap_eq(created, NR_LOOP, "%d descriptors held at once",
			 NR_LOOP)) {
		for (i = 0; i < NR_LOOP && fds[i] >= 0; i++)
			;
		if (i < NR_LOOP)
			iomd_tap_diag("descriptor %u failed first: %s", i,
				      iomd_errno_name(fds[i]));
	}
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors + created,
		    "live_descriptors counts every held descriptor");
	iomd_tap_eq(st.live_bytes, before.live_bytes + created * page,
		    "live_bytes counts a page per held descriptor");
	for (i = 0; i < NR_LOOP; i++)
		if (fds[i] >= 0)
			iomd_close(fds[i]);
	free(fds);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "closing them leaves no live descriptor");
	iomd_tap_eq(st.live_bytes, before.live_bytes,
		    "closing them leaves no live bytes");
}

int main(void)
{
	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);

	test_close_mapped();
	test_fork();
	test_exit();
	test_loop();
	test_hold();

	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
