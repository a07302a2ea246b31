// SPDX-License-Identifier: GPL-2.0
/*
 * user_lifetime: wired user memory outlives its owner's use of it, and
 * nothing leaks.
 *
 * The owner unmaps wired memory: the kernel keeps reading and writing the
 * pinned pages (and a shared object can still be mapped through the
 * descriptor) until the last COMPLETE, which returns VmPin and
 * pinned_pages; a new prepare() then fails with EFAULT.  The owner exits
 * after passing the descriptor fd to its parent: the parent keeps reading
 * and writing (and mapping) the pinned pages, and closing the fd unpins
 * them; memory that was never wired can no longer be (ESRCH).  1,000
 * describe/prepare/complete cycles, and 1,000 describe+prepare/close
 * cycles, leave VmPin, pinned_pages and the live descriptor count where
 * they were.  Threads that wire, access, map and complete one descriptor
 * at the same time, or race to wire it first, pin it once and leave the
 * counts balanced.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"

#define MUNMAP_CHECKS		14
#define MUNMAP_SHARED_CHECKS	7
#define EXIT_CHECKS		9
#define EXIT_MAP_CHECKS		6
#define EXIT_UNWIRED_CHECKS	7
#define CYCLES_CHECKS		8
#define CONCURRENT_CHECKS	6
#define PLAN	(MUNMAP_CHECKS + MUNMAP_SHARED_CHECKS + EXIT_CHECKS + \
		 EXIT_MAP_CHECKS + EXIT_UNWIRED_CHECKS + CYCLES_CHECKS + \
		 CONCURRENT_CHECKS)

#define CLIENT		(-1)	/* iomd_test_fails(): the client's reason */
#define NR_CYCLES	1000
#define NR_THREADS	4
#define NR_ROUNDS	300

static int iomd_fd;
static size_t page;

/* Private memory unmapped by its owner while wired. */
static void test_munmap(void)
{
	unsigned int end = iomd_tap_count() + MUNMAP_CHECKS;
	size_t len = 3 * page;
	unsigned char *mem, *want, *got;
	struct iomd_stats before, st;
	uint64_t vm0;
	struct iomd_range r;
	int fd, ret;

	mem = iomd_test_anon(len, MAP_PRIVATE);
	iomd_test_fill(mem, len, 1);
	want = iomd_test_malloc(len);
	got = iomd_test_malloc(len);
	r = iomd_test_range(mem, len);
	iomd_test_stats(iomd_fd, &before);
	vm0 = iomd_test_vm_pin();
	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "munmap: describe and prepare 3 pages")) {
		munmap(mem, len);
		goto out;
	}
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - before.pinned_pages, 3,
		    "munmap: 3 pages pinned");
	iomd_tap_eq(iomd_test_vm_pin() - vm0, len, "munmap: VmPin + 3 pages");
	iomd_tap_errno(munmap(mem, len) ? -errno : 0, 0,
		       "munmap: the owner unmaps the wired memory");

	iomd_test_fill(want, len, 2);
	ret = iomd_kwrite(iomd_fd, fd, 0, want, len);
	if (!ret)
		ret = iomd_kread(iomd_fd, fd, 0, got, len);
	iomd_test_mem(ret, got, want, len,
		      "munmap: the kernel keeps writing and reading the pinned pages");
	iomd_test_fill(want, page, 3);
	ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, page, want, page);
	if (!ret)
		ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, page, got, page);
	iomd_test_mem(ret, got, want, page,
		      "munmap: ... through the kernel mapping too");
	iomd_tap_ok(iomd_test_pinned_pages(iomd_fd) - before.pinned_pages == 3 &&
		    iomd_test_vm_pin() - vm0 == len,
		    "munmap: the pages stay pinned and charged until complete");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0, "munmap: complete -> 0");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), before.pinned_pages,
		    "munmap: complete unpins");
	iomd_tap_eq(iomd_test_vm_pin(), vm0, "munmap: complete returns VmPin");
	iomd_test_fails(iomd_fd, CLIENT, iomd_prepare(iomd_fd, fd), EFAULT,
			"munmap: prepare of the unmapped memory");
	iomd_tap_ok(iomd_test_pinned_pages(iomd_fd) == before.pinned_pages &&
		    iomd_test_vm_pin() == vm0,
		    "munmap: the failed prepare charges nothing");
	iomd_close(fd);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "munmap: close frees the descriptor");
out:
	iomd_tap_skip_to(end, "describe failed");
	free(want);
	free(got);
}

/* A memfd unmapped and closed by its owner while wired. */
static void test_munmap_shared(void)
{
	unsigned int end = iomd_tap_count() + MUNMAP_SHARED_CHECKS;
	static const char msg[] = "after the owner let go";
	size_t len = 2 * page;
	unsigned char *mem, *want;
	char got[sizeof(msg)] = "";
	uint64_t pin0, vm0;
	struct iomd_range r;
	int mfd, fd, ret;
	void *v;

	mfd = iomd_test_memfd("user_lifetime", len);
	mem = iomd_test_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd);
	want = iomd_test_malloc(len);
	r = iomd_test_range(mem, len);
	pin0 = iomd_test_pinned_pages(iomd_fd);
	vm0 = iomd_test_vm_pin();
	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "memfd: describe and prepare 2 pages")) {
		munmap(mem, len);
		close(mfd);
		goto out;
	}
	ret = munmap(mem, len) || close(mfd) ? -errno : 0;
	iomd_tap_errno(ret, 0, "memfd: the owner unmaps and closes the memfd");
	iomd_test_fill(want, len, 4);
	ret = iomd_kwrite(iomd_fd, fd, 0, want, len);
	iomd_tap_errno(ret, 0, "memfd: the kernel writes the pinned pages");
	ret = iomd_map(fd, 0, len, PROT_READ | PROT_WRITE, &v);
	iomd_test_mem(ret, v, want, len,
		      "memfd: a new mapping of the descriptor shows them");
	if (!ret) {
		memcpy((char *)v + page + 7, msg, sizeof(msg));
		memset(got, 0, sizeof(got));
		ret = iomd_kread(iomd_fd, fd, page + 7, got, sizeof(msg));
		iomd_unmap(v, len);
	}
	iomd_test_str(ret, got, msg,
		      "memfd: the kernel reads what was written through it");
	iomd_close(fd);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "memfd: close unpins");
	iomd_tap_eq(iomd_test_vm_pin(), vm0, "memfd: close returns VmPin");
out:
	iomd_tap_skip_to(end, "describe failed");
	free(want);
}

enum exit_kind {
	EXIT_PRIVATE,	/* 3 private pages, wired */
	EXIT_MEMFD,	/* 2 pages of a memfd, wired */
	EXIT_UNWIRED,	/* 1 private page, not wired */
};

/*
 * The owner: describe memory filled with the pattern for seed 5, send the
 * descriptor fd to the parent and exit without closing or completing.
 */
static int owner(int sock, enum exit_kind kind)
{
	size_t len = kind == EXIT_PRIVATE ? 3 * page :
		     kind == EXIT_MEMFD ? 2 * page : page;
	struct iomd_range r;
	unsigned char *mem;
	int mfd, fd;

	if (kind == EXIT_MEMFD) {
		mfd = memfd_create("user_lifetime", 0);
		if (mfd < 0 || ftruncate(mfd, len))
			return 1;
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   mfd, 0);
	} else {
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (mem == MAP_FAILED)
		return 1;
	iomd_test_fill(mem, len, 5);
	r = iomd_test_range(mem, len);
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT |
			      (kind == EXIT_UNWIRED ? 0 : IOMD_USER_PREPARE));
	if (fd < 0)
		return 2;
	return iomd_send_fd(sock, fd) ? 3 : 0;
}

/*
 * Fork an owner of @kind, receive its descriptor fd and wait for it to
 * exit.  Reports two checks; returns the fd or -errno.
 */
static int fd_from_exited_owner(enum exit_kind kind, const char *what)
{
	int sv[2], fd;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(owner(sv[1], kind));
	}
	close(sv[1]);
	fd = pid > 0 ? iomd_recv_fd(sv[0]) : -ECHILD;
	close(sv[0]);
	iomd_tap_errno(fd, 0, "%s: the owner sends its descriptor fd", what);
	iomd_test_child_ok(pid, "%s: the owner exits", what);
	return fd;
}

static void test_exit(void)
{
	unsigned int end = iomd_tap_count() + EXIT_CHECKS;
	size_t len = 3 * page;
	struct iomd_stats before, st;
	unsigned char *buf, *want;
	struct iomd_info info;
	int fd, ret;

	buf = iomd_test_malloc(len);
	want = iomd_test_malloc(len);
	iomd_test_stats(iomd_fd, &before);
	fd = fd_from_exited_owner(EXIT_PRIVATE, "exit");
	if (fd < 0)
		goto out;
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd) - before.pinned_pages, 3,
		    "exit: the 3 pages stay pinned after the owner exits");
	ret = iomd_kread(iomd_fd, fd, 0, buf, len);
	iomd_tap_ok(!ret && iomd_test_check(buf, len, 5) == len,
		    "exit: the kernel reads the owner's bytes");
	iomd_test_fill(want, len, 6);
	ret = iomd_kwrite(iomd_fd, fd, 0, want, len);
	if (!ret)
		ret = iomd_kread(iomd_fd, fd, 0, buf, len);
	iomd_test_mem(ret, buf, want, len,
		      "exit: the kernel keeps writing and reading them");
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, buf, len);
	iomd_test_mem(ret, buf, want, len,
		      "exit: ... through the kernel mapping too");
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.wire_count, 1, "exit: still wired once");
	iomd_close(fd);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.pinned_pages, before.pinned_pages,
		    "exit: closing the last fd unpins the pages");
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "exit: closing the last fd frees the descriptor");
out:
	iomd_tap_skip_to(end, "no descriptor from the owner");
	free(buf);
	free(want);
}

static void test_exit_map(void)
{
	unsigned int end = iomd_tap_count() + EXIT_MAP_CHECKS;
	static const char msg[] = "written by the kernel";
	size_t len = 2 * page;
	uint64_t pin0;
	void *map;
	int fd, ret;

	pin0 = iomd_test_pinned_pages(iomd_fd);
	fd = fd_from_exited_owner(EXIT_MEMFD, "exit memfd");
	if (fd < 0)
		goto out;
	ret = iomd_map(fd, 0, len, PROT_READ | PROT_WRITE, &map);
	if (!iomd_tap_errno(ret, 0, "exit memfd: the parent maps the descriptor")) {
		iomd_close(fd);
		goto out;
	}
	iomd_tap_eq(iomd_test_check(map, len, 5), len,
		    "exit memfd: the mapping shows the owner's bytes");
	ret = iomd_kwrite(iomd_fd, fd, page + 3, msg, sizeof(msg));
	iomd_test_str(ret, (char *)map + page + 3, msg,
		      "exit memfd: the mapping shows a kernel write");
	iomd_unmap(map, len);
	iomd_close(fd);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "exit memfd: munmap and close unpin the pages");
out:
	iomd_tap_skip_to(end, "no descriptor or mapping");
}

static void test_exit_unwired(void)
{
	unsigned int end = iomd_tap_count() + EXIT_UNWIRED_CHECKS;
	struct iomd_stats before, st;
	unsigned char buf[8];
	int fd;

	iomd_test_stats(iomd_fd, &before);
	fd = fd_from_exited_owner(EXIT_UNWIRED, "exit unwired");
	if (fd < 0)
		goto out;
	iomd_test_fails(iomd_fd, CLIENT, iomd_prepare(iomd_fd, fd), ESRCH,
			"exit unwired: prepare after the owner exited");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), before.pinned_pages,
		    "exit unwired: nothing is pinned");
	iomd_tap_errno(iomd_kread(iomd_fd, fd, 0, buf, sizeof(buf)), ENODATA,
		       "exit unwired: KREAD fails with ENODATA");
	iomd_close(fd);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "exit unwired: close frees the descriptor");
out:
	iomd_tap_skip_to(end, "no descriptor from the owner");
}

static void test_cycles(void)
{
	unsigned int good = 0, good_close = 0, i;
	struct iomd_stats before, st;
	unsigned char *mem;
	struct iomd_range r;
	uint64_t vm0;
	uint32_t got;
	int fd;

	mem = iomd_test_anon(2 * page, MAP_PRIVATE);
	memset(mem, 0, 2 * page);
	r = iomd_test_range(mem + 100, page);
	iomd_test_stats(iomd_fd, &before);
	vm0 = iomd_test_vm_pin();
	for (i = 0; i < NR_CYCLES; i++) {
		fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
		if (fd < 0)
			continue;
		if (iomd_prepare(iomd_fd, fd) == 1 &&
		    !iomd_kwrite(iomd_fd, fd, page - 8, &i, sizeof(i)) &&
		    !memcmp(mem + 100 + page - 8, &i, sizeof(i)) &&
		    iomd_complete(iomd_fd, fd) == 0)
			good++;
		iomd_close(fd);
	}
	iomd_tap_eq(good, NR_CYCLES,
		    "%d describe/prepare/KWRITE/complete/close cycles succeed",
		    NR_CYCLES);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(iomd_test_vm_pin(), vm0,
		    "the cycles leave VmPin where it was");
	iomd_tap_eq(st.pinned_pages, before.pinned_pages,
		    "the cycles leave pinned_pages where it was");
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "the cycles leave no live descriptor");
	iomd_tap_eq(st.created_total - before.created_total, NR_CYCLES,
		    "created_total grew by %d", NR_CYCLES);

	for (i = 0; i < NR_CYCLES; i++) {
		fd = iomd_user_create(iomd_fd, &r, 1,
				      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
		if (fd < 0)
			continue;
		got = ~i;
		if (!iomd_kread(iomd_fd, fd, page - 8, &got, sizeof(got)) &&
		    got == NR_CYCLES - 1)
			good_close++;
		iomd_close(fd);
	}
	iomd_tap_eq(good_close, NR_CYCLES,
		    "%d describe+prepare/KREAD/close-while-wired cycles succeed",
		    NR_CYCLES);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_ok(iomd_test_vm_pin() == vm0 &&
		    st.pinned_pages == before.pinned_pages,
		    "closing wired descriptors leaves VmPin and pinned_pages where they were");
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "closing them leaves no live descriptor");
	munmap(mem, 2 * page);
}

struct racer {
	pthread_barrier_t *start;
	int fd;
	size_t len;
	unsigned int failures;
	bool map;		/* also mmap/munmap the descriptor */
};

/* Nested prepare, KREAD, (mmap, munmap,) complete, NR_ROUNDS times. */
static void *race_wire(void *arg)
{
	struct racer *t = arg;
	unsigned char buf[64];
	unsigned int i;
	void *map;

	pthread_barrier_wait(t->start);
	for (i = 0; i < NR_ROUNDS; i++) {
		if (iomd_prepare(iomd_fd, t->fd) < 2 ||
		    iomd_kread(iomd_fd, t->fd, (i * 64) % t->len, buf,
			       sizeof(buf)))
			t->failures++;
		if (t->map) {
			if (iomd_map(t->fd, 0, t->len, PROT_READ, &map))
				t->failures++;
			else
				iomd_unmap(map, t->len);
		}
		if (iomd_complete(iomd_fd, t->fd) < 1)
			t->failures++;
	}
	return NULL;
}

/* One prepare, all threads at once, on memory nobody has wired yet. */
static void *race_first(void *arg)
{
	struct racer *t = arg;

	pthread_barrier_wait(t->start);
	if (iomd_prepare(iomd_fd, t->fd) < 1)
		t->failures++;
	return NULL;
}

/* Start NR_THREADS threads running @fn on @fd; returns their failures. */
static unsigned int race(void *(*fn)(void *), int fd, size_t len)
{
	struct racer t[NR_THREADS];
	pthread_t tid[NR_THREADS];
	pthread_barrier_t start;
	unsigned int i, failures = 0;

	pthread_barrier_init(&start, NULL, NR_THREADS);
	for (i = 0; i < NR_THREADS; i++) {
		t[i].start = &start;
		t[i].fd = fd;
		t[i].len = len;
		t[i].failures = 0;
		t[i].map = i % 2;
		if (pthread_create(&tid[i], NULL, fn, &t[i]))
			iomd_tap_bail("pthread_create failed");
	}
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(tid[i], NULL);
		failures += t[i].failures;
	}
	pthread_barrier_destroy(&start);
	return failures;
}

static void test_concurrent(void)
{
	unsigned int end = iomd_tap_count() + CONCURRENT_CHECKS;
	size_t len = 4 * page;
	struct iomd_info info;
	struct iomd_range r;
	unsigned char *mem;
	uint64_t pin0, vm0;
	unsigned int i;
	int fd, ret;

	mem = iomd_test_anon(len, MAP_SHARED);
	memset(mem, 7, len);
	r = iomd_test_range(mem, len);
	pin0 = iomd_test_pinned_pages(iomd_fd);
	vm0 = iomd_test_vm_pin();
	fd = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (fd < 0)
		goto out;
	iomd_tap_eq(race(race_first, fd, len), 0,
		    "%d threads racing to wire the memory all succeed",
		    NR_THREADS);
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_ok(!ret && info.wire_count == NR_THREADS &&
		    iomd_test_pinned_pages(iomd_fd) - pin0 == 4 && iomd_test_vm_pin() - vm0 == len,
		    "... wired %d times, pinned and charged once",
		    NR_THREADS);
	iomd_tap_eq(race(race_wire, fd, len), 0,
		    "%d threads wiring, reading, mapping and completing at once all succeed",
		    NR_THREADS);
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.wire_count, NR_THREADS,
		    "... and leave the wire count where it was");
	for (i = 0, ret = 0; i < NR_THREADS && ret >= 0; i++)
		ret = iomd_complete(iomd_fd, fd);
	iomd_tap_eq(ret, 0, "%d completes -> 0", NR_THREADS);
	iomd_tap_ok(iomd_test_pinned_pages(iomd_fd) == pin0 && iomd_test_vm_pin() == vm0,
		    "the last complete unpins and returns VmPin");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(mem, len);
}

int main(void)
{
	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);

	test_munmap();
	test_munmap_shared();
	test_exit();
	test_exit_map();
	test_exit_unwired();
	test_cycles();
	test_concurrent();

	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
