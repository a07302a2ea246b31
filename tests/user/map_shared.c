// SPDX-License-Identifier: GPL-2.0
/*
 * map_shared: a descriptor's user mappings share one file, and each keeps
 * its own options.
 *
 * Two IOMD_IOC_MAPs and a plain mmap() of one buffer show the same inode
 * in /proc/self/maps, the one the descriptor's fdinfo names (iomd-inode),
 * and see each other's writes; IOMD_IOC_REVOKE zaps all three (SIGBUS).
 * An IOMD_MAP_READONLY map, an ordinary one after it, a READONLY one
 * after that and a read-only mmap() of the buffer each get their own
 * protections: mprotect(PROT_WRITE) fails with EACCES on the READONLY
 * ones and works on the others, a store through a READONLY one gets
 * SIGSEGV, and MAP_INFO reports READONLY on those alone.  Four threads
 * mapping the same buffer at once with different options
 * (READONLY|ONDEMAND, and none), and a fifth mmap()ing it, each get
 * exactly their own, while another keeps taking mmap_lock for long so
 * that their calls queue up behind it together.  Two mappings placed
 * side by side with their pages following on (page 1, then page 0 just
 * below it) stay two for IOMD_IOC_MAP_INFO and IOMD_IOC_UNMAP, though
 * they share a file, for root and for uid 1000 with a small
 * RLIMIT_MEMLOCK.  Once everything is unmapped the descriptor's fd
 * alone keeps it, and closing it frees it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define NPAGES		2
#define SAME_CHECKS	16
#define RO_CHECKS	16
#define THREAD_CHECKS	7
#define ADJ_CHECKS	12
#define LEAK_CHECKS	2
#define PLAN		(SAME_CHECKS + RO_CHECKS + THREAD_CHECKS + ADJ_CHECKS + \
			 LEAK_CHECKS)
#define SEED		0x7368617265ull	/* "share" */
#define ROUNDS		160
#define BATCH		8
#define NR_MAPPERS	5
#define BLOCKER_BYTES	(4 << 20)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

static int iomd_fd;
static size_t page;
static size_t len;
static unsigned char *ref;	/* the buffers' bytes, as filled */

/* The inode column of /proc/self/maps for the mapping at @addr; 0: none. */
static unsigned long maps_inode(const void *addr)
{
	unsigned long long start, end, off, ino;
	unsigned long found = 0;
	char perms[8], dev[16], *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%llx-%llx %7s %llx %15s %llu", &start, &end,
			   perms, &off, dev, &ino) != 6)
			continue;
		if ((uintptr_t)addr >= start && (uintptr_t)addr < end) {
			found = ino;
			break;
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* The iomd-inode line of @fd's fdinfo; 0: none. */
static unsigned long fdinfo_inode(int fd)
{
	unsigned long ino, found = 0;
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		if (sscanf(line, "iomd-inode: %lu", &ino) == 1)
			found = ino;
	free(line);
	fclose(f);
	return found;
}

/* IOMD_IOC_MAP of the whole of @fd with @options; NULL on failure. */
static unsigned char *map_call(int fd, uint32_t options)
{
	struct iomd_map_create m;

	if (iomd_map_create(iomd_fd, fd, options, 0, 0, 0, &m))
		return NULL;
	return (unsigned char *)(uintptr_t)m.map_addr;
}

/* mmap() of the whole of @fd with @prot; NULL on failure. */
static unsigned char *map_plain(int fd, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static bool unmap_all(unsigned char **maps, unsigned int n)
{
	bool ok = true;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!maps[i] || munmap(maps[i], len))
			ok = false;
	return ok;
}

/*
 * Unmapped, only the descriptor @fd is live besides those of @before;
 * closing it frees it.
 */
static void check_fd_alone(const char *name, int fd,
			   const struct iomd_stats *before)
{
	struct iomd_stats st;

	iomd_tap_eq(iomd_test_live_descriptors(iomd_fd),
		    before->live_descriptors + 1,
		    "%s: unmapped, only the fd keeps the descriptor", name);
	close(fd);
	iomd_test_settle(iomd_fd, before->live_descriptors,
			 before->live_bytes, &st);
	iomd_tap_eq(st.live_descriptors, before->live_descriptors,
		    "%s: closing the fd frees the descriptor", name);
}

/* Two map calls and an mmap() share a file; a revoke zaps them all. */
static void test_same_file(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + SAME_CHECKS;
	unsigned char *maps[3], v;
	unsigned long ino;
	int fd;

	fd = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     ref);
	if (!iomd_tap_ok(fd >= 0, "same: a %d-page buffer", NPAGES)) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	maps[0] = map_call(fd, 0);
	iomd_tap_ok(maps[0], "same: IOMD_IOC_MAP");
	maps[1] = map_call(fd, 0);
	iomd_tap_ok(maps[1], "same: a second IOMD_IOC_MAP");
	maps[2] = map_plain(fd, PROT_READ | PROT_WRITE);
	iomd_tap_ok(maps[2], "same: mmap() of the fd");
	if (!maps[0] || !maps[1] || !maps[2]) {
		iomd_tap_skip_to(end, "a map failed");
		unmap_all(maps, 3);
		close(fd);
		return;
	}
	ino = maps_inode(maps[0]);
	iomd_tap_ok(ino && ino == fdinfo_inode(fd),
		    "same: the first map's inode %lu is the descriptor's (fdinfo %lu)",
		    ino, fdinfo_inode(fd));
	iomd_tap_eq(maps_inode(maps[1]), ino,
		    "same: the second map has the same inode");
	iomd_tap_eq(maps_inode(maps[2]), ino,
		    "same: the mmap() has the same inode");
	maps[0][1] = 0x5a;
	maps[2][page] = 0xa5;
	iomd_tap_ok(maps[1][1] == 0x5a && maps[1][page] == 0xa5,
		    "same: each sees the others' writes");
	iomd_tap_errno(iomd_revoke(iomd_fd, fd), 0, "same: IOMD_IOC_REVOKE");
	iomd_tap_eq(map_probe_read(maps[0], &v), SIGBUS,
		    "same: the first map gets SIGBUS");
	iomd_tap_eq(map_probe_read(maps[1] + page, &v), SIGBUS,
		    "same: the second map gets SIGBUS");
	iomd_tap_eq(map_probe_read(maps[2], &v), SIGBUS,
		    "same: the mmap() gets SIGBUS");
	iomd_tap_errno(iomd_map_create(iomd_fd, fd, 0, 0, 0, 0, NULL), ENODEV,
		       "same: a map after the revoke is refused");
	iomd_tap_ok(unmap_all(maps, 3), "same: unmap all three");
	check_fd_alone("same", fd, before);
}

/* Whether MAP_INFO of @p says READONLY (1), not (0), or fails (-1). */
static int info_readonly(const void *p)
{
	struct iomd_map_info info;

	if (iomd_map_info(iomd_fd, p, &info))
		return -1;
	return !!(info.flags & IOMD_MAP_INFO_READONLY);
}

/* READONLY and ordinary maps of one buffer keep their own protections. */
static void test_readonly_then_ordinary(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + RO_CHECKS;
	unsigned char *maps[4];
	unsigned long ino;
	int fd, i;
	bool same;

	fd = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     ref);
	if (!iomd_tap_ok(fd >= 0, "protections: a %d-page buffer", NPAGES)) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	maps[0] = map_call(fd, IOMD_MAP_READONLY);
	maps[1] = map_call(fd, 0);
	maps[2] = map_call(fd, IOMD_MAP_READONLY);
	maps[3] = map_plain(fd, PROT_READ);
	if (!iomd_tap_ok(maps[0] && maps[1] && maps[2] && maps[3],
			 "protections: READONLY, ordinary and READONLY maps, a read-only mmap()")) {
		iomd_tap_skip_to(end, "a map failed");
		unmap_all(maps, 4);
		close(fd);
		return;
	}
	iomd_tap_ok(mprotect(maps[0], len, PROT_READ | PROT_WRITE) &&
		    errno == EACCES,
		    "protections: mprotect(PROT_WRITE) of the first READONLY map fails with EACCES");
	iomd_tap_ok(!mprotect(maps[1], len, PROT_READ) &&
		    !mprotect(maps[1], len, PROT_READ | PROT_WRITE),
		    "protections: the ordinary map after it can be made read-only and writable again");
	iomd_tap_ok(mprotect(maps[2], len, PROT_READ | PROT_WRITE) &&
		    errno == EACCES,
		    "protections: mprotect(PROT_WRITE) of the READONLY map after that fails with EACCES");
	iomd_tap_ok(!mprotect(maps[3], len, PROT_READ | PROT_WRITE),
		    "protections: the read-only mmap() of the fd can be made writable");
	iomd_tap_eq(map_probe_write(maps[0], 1), SIGSEGV,
		    "protections: a store through the first READONLY map gets SIGSEGV");
	iomd_tap_eq(map_probe_write(maps[1] + page, 0x3c), 0,
		    "protections: a store through the ordinary map works");
	iomd_tap_ok(maps[0][page] == 0x3c && maps[2][page] == 0x3c &&
		    maps[3][page] == 0x3c,
		    "protections: the READONLY maps and the mmap() see it");
	iomd_tap_eq(map_probe_write(maps[3], 0x3d), 0,
		    "protections: a store through the mmap() made writable works");
	iomd_tap_ok(info_readonly(maps[0]) == 1 && info_readonly(maps[2]) == 1,
		    "protections: MAP_INFO says READONLY of both READONLY maps");
	iomd_tap_ok(info_readonly(maps[1]) == 0 && info_readonly(maps[3]) == 0,
		    "protections: and not of the ordinary map and the mmap()");
	ino = maps_inode(maps[0]);
	for (same = ino, i = 1; i < 4; i++)
		same = same && maps_inode(maps[i]) == ino;
	iomd_tap_ok(same, "protections: all four have inode %lu", ino);
	iomd_tap_ok(unmap_all(maps, 4), "protections: unmap all four");
	check_fd_alone("protections", fd, before);
}

/* One thread's part of test_threads(). */
struct mapper {
	pthread_t thread;
	int fd;
	uint32_t options;	/* IOMD_IOC_MAP options */
	bool plain;		/* mmap() instead */
	unsigned int wrong;	/* rounds that got another's options */
	unsigned int failed;	/* rounds whose map failed */
};

/* Whether @p maps the whole buffer as @m's options make it. */
static bool mapper_right(const struct mapper *m, const void *p)
{
	bool readonly = m->options & IOMD_MAP_READONLY;
	bool installed = !m->plain && !(m->options & IOMD_MAP_ONDEMAND);
	struct iomd_map_info info;

	return !iomd_map_info(iomd_fd, p, &info) &&
	       !!(info.flags & IOMD_MAP_INFO_READONLY) == readonly &&
	       info.resident == (installed ? len : 0) &&
	       info.map_length == len;
}

/*
 * Map ROUNDS times, BATCH mappings at a time, then check each is what its
 * own options make (READONLY or not, installed or not) and unmap it: the
 * threads spend most of their calls mapping, so their map calls meet.
 */
static void *mapper_run(void *arg)
{
	struct mapper *m = arg;
	unsigned char *p[BATCH];
	unsigned int i, j;

	for (i = 0; i < ROUNDS; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			p[j] = m->plain ?
			       map_plain(m->fd, PROT_READ | PROT_WRITE) :
			       map_call(m->fd, m->options);
		for (j = 0; j < BATCH; j++) {
			if (!p[j]) {
				m->failed++;
				continue;
			}
			if (!mapper_right(m, p[j]))
				m->wrong++;
			munmap(p[j], len);
		}
	}
	return NULL;
}

/* The blocker of test_threads(): anonymous memory and when to stop. */
struct blocker {
	pthread_t thread;
	void *mem;
	int stop;
};

/*
 * Hold mmap_lock for reading, again and again, for long (populating
 * BLOCKER_BYTES page by page): the mappers' map calls, their requests
 * made, queue up behind it and then run one after another while the
 * others' requests are there too, which is what they must not mix up.
 */
static void *blocker_run(void *arg)
{
	struct blocker *b = arg;

	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED)) {
		madvise(b->mem, BLOCKER_BYTES, MADV_POPULATE_WRITE);
		madvise(b->mem, BLOCKER_BYTES, MADV_DONTNEED);
	}
	return NULL;
}

/*
 * Maps from four threads at once, two with READONLY|ONDEMAND and two with
 * no option, and mmap()s from a fifth, each keep their own options.
 */
static void test_threads(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + THREAD_CHECKS;
	struct mapper m[NR_MAPPERS] = {
		{ .options = IOMD_MAP_READONLY | IOMD_MAP_ONDEMAND },
		{ .options = 0 },
		{ .options = IOMD_MAP_READONLY | IOMD_MAP_ONDEMAND },
		{ .options = 0 },
		{ .plain = true },
	};
	struct blocker b = {};
	bool started = true;
	int fd, i;

	fd = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     ref);
	if (!iomd_tap_ok(fd >= 0, "threads: a %d-page buffer", NPAGES)) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	b.mem = iomd_test_anon(BLOCKER_BYTES, MAP_PRIVATE);
	/* Page by page: huge pages would populate it at once. */
	madvise(b.mem, BLOCKER_BYTES, MADV_NOHUGEPAGE);
	if (pthread_create(&b.thread, NULL, blocker_run, &b))
		started = false;
	for (i = 0; i < NR_MAPPERS; i++) {
		m[i].fd = fd;
		if (pthread_create(&m[i].thread, NULL, mapper_run, &m[i])) {
			started = false;
			m[i].fd = -1;
		}
	}
	for (i = 0; i < NR_MAPPERS; i++)
		if (m[i].fd >= 0)
			pthread_join(m[i].thread, NULL);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELAXED);
	if (started)
		pthread_join(b.thread, NULL);
	munmap(b.mem, BLOCKER_BYTES);
	iomd_tap_ok(started,
		    "threads: %d threads mapped %d times each, another holding mmap_lock",
		    NR_MAPPERS, ROUNDS);
	iomd_tap_ok(!m[0].wrong && !m[0].failed && !m[2].wrong && !m[2].failed,
		    "threads: READONLY|ONDEMAND maps were read-only and empty (%u wrong, %u failed)",
		    m[0].wrong + m[2].wrong, m[0].failed + m[2].failed);
	iomd_tap_ok(!m[1].wrong && !m[1].failed && !m[3].wrong && !m[3].failed,
		    "threads: ordinary maps were writable and installed (%u wrong, %u failed)",
		    m[1].wrong + m[3].wrong, m[1].failed + m[3].failed);
	iomd_tap_ok(!m[4].wrong && !m[4].failed,
		    "threads: writable mmap()s were made and empty (%u wrong, %u failed)",
		    m[4].wrong, m[4].failed);
	check_fd_alone("threads", fd, before);
}

/*
 * The adjacent case again in a child as uid 1000 with a 16-page
 * RLIMIT_MEMLOCK (IOMD_IOC_STATS, which the other checks use, is root's):
 * exits 0 if both mappings are made, each is its own for MAP_INFO, and
 * unmapping one leaves the other with its data.
 */
static void adjacent_unprivileged(void)
{
	struct rlimit rl = { 16 * page, 16 * page };
	struct iomd_map_info info;
	unsigned char *r, v = 0;
	int fd;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setresgid(1000, 1000, 1000) ||
	    setresuid(1000, 1000, 1000) || geteuid() != 1000)
		_exit(2);
	fd = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     ref);
	r = mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || r == MAP_FAILED || munmap(r, 2 * page))
		_exit(3);
	if (iomd_map_create(iomd_fd, fd, IOMD_MAP_FIXED, (uintptr_t)r + page,
			    page, page, NULL) ||
	    iomd_map_create(iomd_fd, fd, IOMD_MAP_FIXED, (uintptr_t)r, 0,
			    page, NULL))
		_exit(4);
	if (iomd_map_info(iomd_fd, r, &info) || info.map_length != page)
		_exit(5);
	if (iomd_unmap_addr(iomd_fd, r) || map_probe_read(r, &v) != SIGSEGV)
		_exit(6);
	if (map_probe_read(r + page, &v) || v != ref[page])
		_exit(7);
	_exit(iomd_unmap_addr(iomd_fd, r + page) ? 8 : 0);
}

/*
 * Page 1 mapped, then page 0 fixed just below it: two mappings of one
 * file whose pages follow on, which MAP_INFO and UNMAP keep apart.
 */
static void test_adjacent(const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + ADJ_CHECKS;
	struct iomd_map_info info;
	unsigned char *r, v = 0;
	pid_t pid;
	int fd;

	fd = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     ref);
	if (!iomd_tap_ok(fd >= 0, "adjacent: a %d-page buffer", NPAGES)) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	/* Two free pages: reserved, then given back for the fixed maps. */
	r = mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED || munmap(r, 2 * page)) {
		iomd_tap_skip_to(end, "no two free pages");
		close(fd);
		return;
	}
	iomd_tap_errno(iomd_map_create(iomd_fd, fd, IOMD_MAP_FIXED,
				       (uintptr_t)r + page, page, page, NULL),
		       0, "adjacent: page 1 mapped at %p", r + page);
	iomd_tap_errno(iomd_map_create(iomd_fd, fd, IOMD_MAP_FIXED,
				       (uintptr_t)r, 0, page, NULL),
		       0, "adjacent: page 0 mapped just below it");
	iomd_tap_ok(!iomd_map_info(iomd_fd, r, &info) &&
		    info.map_addr == (uintptr_t)r && info.map_length == page &&
		    info.offset == 0,
		    "adjacent: MAP_INFO of page 0's mapping is its one page");
	iomd_tap_ok(!iomd_map_info(iomd_fd, r + page, &info) &&
		    info.map_addr == (uintptr_t)r + page &&
		    info.map_length == page && info.offset == page,
		    "adjacent: MAP_INFO of page 1's mapping is its one page");
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, r), 0,
		       "adjacent: IOMD_IOC_UNMAP of page 0's mapping");
	iomd_tap_eq(map_probe_read(r, &v), SIGSEGV,
		    "adjacent: page 0's mapping is gone");
	iomd_tap_ok(map_probe_read(r + page, &v) == 0 && v == ref[page],
		    "adjacent: page 1's mapping is still there, with its data");
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, r + page), 0,
		       "adjacent: IOMD_IOC_UNMAP of page 1's mapping");
	check_fd_alone("adjacent", fd, before);

	pid = fork();
	if (!pid)
		adjacent_unprivileged();
	iomd_test_child_ok(pid, "adjacent: the same as uid 1000 with RLIMIT_MEMLOCK of 16 pages");
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	len = NPAGES * page;
	iomd_fd = iomd_test_open();
	ref = map_test_start(iomd_fd, PLAN, len, SEED, &before);

	test_same_file(&before);
	test_readonly_then_ordinary(&before);
	test_threads(&before);
	test_adjacent(&before);

	return map_test_finish(iomd_fd, &before, ref);
}
