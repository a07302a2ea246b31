// SPDX-License-Identifier: GPL-2.0
/*
 * user_share: user descriptors mapped by other processes, and fork().
 *
 * Process A describes and prepares its memory after fork() and passes the
 * descriptor fd to process B over a unix socket (SCM_RIGHTS).  When the
 * memory is whole pages of one shared VM object (anonymous MAP_SHARED
 * memory, a memfd, here as two ranges in the object's order, or an iomd
 * buffer mapping, which describes as a sub-range of the buffer), B maps
 * it and both see the same bytes in both directions.  Private memory
 * (malloc, a MAP_PRIVATE memfd mapping), ranges of two objects or out of
 * the object's order, and partial pages cannot be mapped anywhere: mmap
 * fails with EPERM and IOMD_IOC_REASON on the descriptor fd says why, in
 * A and in B, while the kernel can still read and write the memory for
 * either.
 *
 * A mapping of user memory is a mapping of the object it belongs to: it
 * holds no wire count, so the last COMPLETE unpins the pages while it
 * stays mapped, and it goes on sharing the owner's memory.
 *
 * fork() while private memory is pinned: the pinned pages stay the
 * parent's.  Linux copies pinned anonymous pages for the child at fork
 * time instead of sharing them copy-on-write, so the parent's writes keep
 * reaching the pinned pages and kernel writes after the fork are seen by
 * the parent, while the child's writes go to its own copy and never reach
 * the bytes the kernel sees.  For MAP_SHARED memory there is one object,
 * so the child's writes are the kernel's bytes.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"

#define CROSS_CHECKS		11
#define REFUSE_CROSS_CHECKS	7
#define REFUSE_LOCAL_CHECKS	3
#define MAP_HOLDS_CHECKS	12
#define MAP_OFFSET_CHECKS	6
#define FORK_PRIVATE_CHECKS	11
#define FORK_SHARED_CHECKS	4
#define PLAN	(3 * CROSS_CHECKS + 2 * REFUSE_CROSS_CHECKS + \
		 4 * REFUSE_LOCAL_CHECKS + MAP_HOLDS_CHECKS + \
		 MAP_OFFSET_CHECKS + FORK_PRIVATE_CHECKS + \
		 FORK_SHARED_CHECKS + 1)

#define UNSET		LLONG_MIN
#define MARK_LEN	64

/* What a child saw, by index into struct results.v. */
enum {
	C_MAP,		/* mmap of the descriptor: 0 or -errno */
	C_SAW_A,	/* 1: the mapping showed A's first bytes */
	C_SAW_A2,	/* 1: the mapping showed A's later bytes */
	C_KREAD,	/* 1: KREAD in the child returned them too */
	C_KWRITE,	/* KWRITE of MARK_LEN bytes at 0: 0 or -errno */
	C_REASON,	/* errno of IOMD_IOC_REASON on the descriptor fd */
	F_SAW_PRE,	/* 1: the child's copy had the pre-fork bytes */
	F_VMPIN,	/* the child's VmPin in bytes */
	F_KEPT,		/* 1: the child's copy kept the child's bytes */
	NR_RESULTS
};

struct results {
	long long v[NR_RESULTS];
	char text[256];
};

/* A's memory for one case: up to two ranges over one or two mappings. */
struct mem {
	const char *name;
	struct iomd_range r[2];
	unsigned int n;
	void *map[2];
	size_t map_len[2];
	int fd[2];	/* memfds or the iomd buffer, -1 if none */
	bool malloced;
};

static int iomd_fd;
static size_t page;
static struct results *res;

static uint64_t mem_length(const struct mem *m)
{
	uint64_t len = 0;
	unsigned int i;

	for (i = 0; i < m->n; i++)
		len += m->r[i].length;
	return len;
}

/* Copy @len of the described bytes, in descriptor order, to @out. */
static void gather(const struct mem *m, void *out, uint64_t len)
{
	unsigned char *dst = out;
	unsigned int i;
	uint64_t n;

	for (i = 0; i < m->n && len; i++) {
		n = m->r[i].length < len ? m->r[i].length : len;
		memcpy(dst, (void *)(uintptr_t)m->r[i].addr, n);
		dst += n;
		len -= n;
	}
}

/* Fill the described bytes with the pattern for @seed, in order. */
static void scatter_fill(const struct mem *m, uint64_t seed)
{
	uint64_t len = mem_length(m);
	unsigned char *buf = iomd_test_malloc(len);
	const unsigned char *src = buf;
	unsigned int i;

	iomd_test_fill(buf, len, seed);
	for (i = 0; i < m->n; i++) {
		memcpy((void *)(uintptr_t)m->r[i].addr, src, m->r[i].length);
		src += m->r[i].length;
	}
	free(buf);
}

/* True if the described bytes hold the pattern for @seed. */
static bool mem_holds(const struct mem *m, uint64_t seed)
{
	uint64_t len = mem_length(m);
	unsigned char *buf = iomd_test_malloc(len);
	bool ok;

	gather(m, buf, len);
	ok = iomd_test_check(buf, len, seed) == len;
	free(buf);
	return ok;
}

enum kind {
	K_ANON,		/* 3 pages of MAP_SHARED anonymous memory */
	K_MEMFD,	/* pages 0-1 then 2-3 of one memfd mapping, in order */
	K_MEMFD_REVERSED, /* pages 2-3 then 0-1 of one memfd mapping */
	K_BUFFER,	/* a 3-page mapping of an iomd buffer */
	K_MALLOC,	/* 2 page-aligned pages from malloc */
	K_MIXED,	/* a memfd page, then a MAP_SHARED anonymous page */
	K_PARTIAL,	/* 100 bytes in the middle of a memfd page */
	K_TWO_ANON,	/* two separate MAP_SHARED anonymous pages */
	K_PRIVATE_FILE,	/* a memfd mapped MAP_PRIVATE */
};

static void mem_make(struct mem *m, enum kind kind)
{
	static const char * const names[] = {
		[K_ANON] = "MAP_SHARED anon",
		[K_MEMFD] = "memfd",
		[K_MEMFD_REVERSED] = "memfd out of order",
		[K_BUFFER] = "iomd buffer mapping",
		[K_MALLOC] = "malloc",
		[K_MIXED] = "memfd + anon",
		[K_PARTIAL] = "mid-page memfd",
		[K_TWO_ANON] = "two anon objects",
		[K_PRIVATE_FILE] = "MAP_PRIVATE memfd",
	};
	unsigned char *p;
	void *v;

	memset(m, 0, sizeof(*m));
	m->name = names[kind];
	m->fd[0] = -1;
	m->fd[1] = -1;
	m->n = 1;
	switch (kind) {
	case K_ANON:
		m->map_len[0] = 3 * page;
		m->map[0] = iomd_test_anon(3 * page, MAP_SHARED);
		m->r[0] = iomd_test_range(m->map[0], 3 * page);
		break;
	case K_MEMFD:
	case K_MEMFD_REVERSED:
		m->fd[0] = iomd_test_memfd("user_share", 4 * page);
		m->map_len[0] = 4 * page;
		m->map[0] = iomd_test_mmap(4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd[0]);
		p = m->map[0];
		if (kind == K_MEMFD) {
			m->r[0] = iomd_test_range(p, 2 * page);
			m->r[1] = iomd_test_range(p + 2 * page, 2 * page);
		} else {
			m->r[0] = iomd_test_range(p + 2 * page, 2 * page);
			m->r[1] = iomd_test_range(p, 2 * page);
		}
		m->n = 2;
		break;
	case K_BUFFER:
		m->fd[0] = iomd_buffer_create(iomd_fd, 3 * page, 0,
					      IOMD_TEST_SHARED_INOUT);
		if (m->fd[0] < 0 ||
		    iomd_map(m->fd[0], 0, 3 * page, PROT_READ | PROT_WRITE,
			     &v))
			iomd_tap_bail("cannot make and map an iomd buffer");
		m->map[0] = v;
		m->map_len[0] = 3 * page;
		m->r[0] = iomd_test_range(v, 3 * page);
		break;
	case K_MALLOC:
		if (posix_memalign(&v, page, 2 * page))
			iomd_tap_bail("out of memory");
		m->malloced = true;
		m->map[0] = v;
		m->r[0] = iomd_test_range(v, 2 * page);
		break;
	case K_MIXED:
		m->fd[0] = iomd_test_memfd("user_share", page);
		m->map_len[0] = page;
		m->map[0] = iomd_test_mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd[0]);
		m->map_len[1] = page;
		m->map[1] = iomd_test_anon(page, MAP_SHARED);
		m->r[0] = iomd_test_range(m->map[0], page);
		m->r[1] = iomd_test_range(m->map[1], page);
		m->n = 2;
		break;
	case K_PARTIAL:
		m->fd[0] = iomd_test_memfd("user_share", page);
		m->map_len[0] = page;
		m->map[0] = iomd_test_mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd[0]);
		m->r[0] = iomd_test_range((char *)m->map[0] + 100, 100);
		break;
	case K_TWO_ANON:
		m->map_len[0] = page;
		m->map[0] = iomd_test_anon(page, MAP_SHARED);
		m->map_len[1] = page;
		m->map[1] = iomd_test_anon(page, MAP_SHARED);
		m->r[0] = iomd_test_range(m->map[0], page);
		m->r[1] = iomd_test_range(m->map[1], page);
		m->n = 2;
		break;
	case K_PRIVATE_FILE:
		m->fd[0] = iomd_test_memfd("user_share", page);
		m->map_len[0] = page;
		m->map[0] = iomd_test_mmap(page, PROT_READ | PROT_WRITE, MAP_PRIVATE, m->fd[0]);
		m->r[0] = iomd_test_range(m->map[0], page);
		break;
	}
}

static void mem_free(struct mem *m)
{
	unsigned int i;

	if (m->malloced)
		free(m->map[0]);
	for (i = 0; i < 2; i++) {
		if (!m->malloced && m->map[i])
			munmap(m->map[i], m->map_len[i]);
		if (m->fd[i] >= 0)
			close(m->fd[i]);
	}
}

static bool say(int sock, char c)
{
	return write(sock, &c, 1) == 1;
}

/* Wait for @c from the other side; false if it went away instead. */
static bool hear(int sock, char c)
{
	char got;

	return read(sock, &got, 1) == 1 && got == c;
}

static void reset_results(void)
{
	unsigned int i;

	for (i = 0; i < NR_RESULTS; i++)
		res->v[i] = UNSET;
	res->text[0] = '\0';
}

/* Process B when the memory can be shared. */
static int share_child(int sock)
{
	unsigned char mark[MARK_LEN], *buf;
	struct iomd_info info;
	long long *v = res->v;
	void *map;
	int fd;

	fd = iomd_recv_fd(sock);
	if (fd < 0 || iomd_info(iomd_fd, fd, &info))
		return 1;
	buf = malloc(info.length);
	if (!buf)
		return 1;
	v[C_MAP] = iomd_map(fd, 0, info.length, PROT_READ | PROT_WRITE,
			    &map);
	if (v[C_MAP])
		return 2;
	v[C_SAW_A] = iomd_test_check(map, info.length, 11) == info.length;
	iomd_test_fill(map, info.length, 12);
	if (!say(sock, 'w') || !hear(sock, 'r'))
		return 3;
	v[C_SAW_A2] = iomd_test_check(map, info.length, 13) == info.length;
	v[C_KREAD] = !iomd_kread(iomd_fd, fd, 0, buf, info.length) &&
		     iomd_test_check(buf, info.length, 13) == info.length;
	iomd_test_fill(mark, MARK_LEN, 14);
	v[C_KWRITE] = iomd_kwrite(iomd_fd, fd, 0, mark, MARK_LEN);
	iomd_unmap(map, info.length);
	iomd_close(fd);
	return say(sock, 'd') ? 0 : 4;
}

/* Process B when the memory cannot be mapped. */
static int refuse_child(int sock)
{
	unsigned char mark[MARK_LEN];
	struct iomd_info info;
	long long *v = res->v;
	void *map;
	int fd;

	fd = iomd_recv_fd(sock);
	if (fd < 0 || iomd_info(iomd_fd, fd, &info))
		return 1;
	v[C_MAP] = iomd_map(fd, 0, info.length, PROT_READ | PROT_WRITE,
			    &map);
	if (!v[C_MAP])
		iomd_unmap(map, info.length);
	v[C_REASON] = iomd_test_last_err(iomd_fd, fd, res->text,
					 sizeof(res->text));
	iomd_test_fill(mark, MARK_LEN, 14);
	v[C_KWRITE] = iomd_kwrite(iomd_fd, fd, 0, mark, MARK_LEN);
	iomd_close(fd);
	return say(sock, 'd') ? 0 : 4;
}

static void expect(unsigned int i, long long want, const char *fmt,
		   const char *name)
{
	long long got = res->v[i];

	if (iomd_tap_ok(got == want, fmt, name))
		return;
	if (got == UNSET)
		iomd_tap_diag("the child never got there");
	else if (got < 0 && got > -4096)
		iomd_tap_diag("expected %lld, got %s", want,
			      iomd_errno_name((int)got));
	else
		iomd_tap_diag("expected %lld, got %lld", want, got);
}

/* Fork B, then make the memory in A, describe it and send the fd. */
static pid_t fork_b(int (*child)(int sock), int *sock)
{
	int sv[2];
	pid_t pid;

	reset_results();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(child(sv[1]));
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

static void test_cross(enum kind kind)
{
	unsigned int end = iomd_tap_count() + CROSS_CHECKS;
	unsigned char mark[MARK_LEN], got[MARK_LEN], *buf;
	struct iomd_info info;
	uint64_t pin0, len;
	struct mem m;
	int sock, fd, ret;
	pid_t pid;

	pid = fork_b(share_child, &sock);
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	pin0 = iomd_test_pinned_pages(iomd_fd);
	mem_make(&m, kind);
	len = mem_length(&m);
	buf = iomd_test_malloc(len);
	scatter_fill(&m, 11);
	fd = iomd_user_create(iomd_fd, m.r, m.n,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "%s: A describes and prepares", m.name)) {
		close(sock);
		iomd_test_child_ok(pid, "%s", "B exits");
		goto out;
	}
	/* B goes away at the first failure; A then sees EOF. */
	if (iomd_send_fd(sock, fd) || !hear(sock, 'w'))
		iomd_tap_diag("B went away");
	expect(C_MAP, 0, "%s: B maps the descriptor", m.name);
	expect(C_SAW_A, 1, "%s: B's mapping shows A's bytes", m.name);
	iomd_tap_ok(mem_holds(&m, 12), "%s: A's memory shows B's writes",
		    m.name);
	ret = iomd_kread(iomd_fd, fd, 0, buf, len);
	iomd_tap_ok(!ret && iomd_test_check(buf, len, 12) == len,
		    "%s: A's KREAD returns B's writes", m.name);
	scatter_fill(&m, 13);
	if (!say(sock, 'r') || !hear(sock, 'd'))
		iomd_tap_diag("B went away");
	close(sock);
	iomd_test_child_ok(pid, "%s", "B exits");
	expect(C_SAW_A2, 1, "%s: B's mapping shows A's later writes", m.name);
	expect(C_KREAD, 1, "%s: B's KREAD returns them", m.name);
	iomd_test_fill(mark, MARK_LEN, 14);
	gather(&m, got, MARK_LEN);
	iomd_test_mem(res->v[C_KWRITE] == UNSET ? -EIO : (int)res->v[C_KWRITE],
		      got, mark, MARK_LEN,
		      "%s: A's memory shows B's KWRITE", m.name);
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.wire_count, 1,
		    "%s: B's mapping is gone, the prepare's wire count stays",
		    m.name);
	/* The wire count left: 0, or 1 for a sub-range of a buffer. */
	ret = iomd_complete(iomd_fd, fd);
	iomd_close(fd);
	iomd_tap_ok(ret >= 0 && iomd_test_pinned_pages(iomd_fd) == pin0,
		    "%s: complete and close unpin every page", m.name);
out:
	iomd_tap_skip_to(end, "describe failed");
	mem_free(&m);
	free(buf);
}

static void test_refuse_cross(enum kind kind)
{
	unsigned int end = iomd_tap_count() + REFUSE_CROSS_CHECKS;
	unsigned char mark[MARK_LEN], got[MARK_LEN];
	struct mem m;
	int sock, fd, ret;
	void *map;
	pid_t pid;

	pid = fork_b(refuse_child, &sock);
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	mem_make(&m, kind);
	memset((void *)(uintptr_t)m.r[0].addr, 0, MARK_LEN);
	fd = iomd_user_create(iomd_fd, m.r, m.n,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "%s: A describes and prepares", m.name)) {
		close(sock);
		goto out;
	}
	ret = iomd_map(fd, 0, mem_length(&m), PROT_READ, &map);
	if (!ret)
		iomd_unmap(map, mem_length(&m));
	iomd_test_fails(iomd_fd, fd, ret, EPERM, "%s: mmap in A", m.name);
	if (iomd_send_fd(sock, fd) || !hear(sock, 'd'))
		iomd_tap_diag("B went away");
	close(sock);
	iomd_test_child_ok(pid, "%s", "B exits");
	pid = 0;
	expect(C_MAP, -EPERM, "%s: mmap in B fails with EPERM", m.name);
	if (!iomd_tap_ok(res->v[C_REASON] == -EPERM && res->text[0],
			 "%s: B reads a reason carrying EPERM on the descriptor fd",
			 m.name))
		iomd_tap_diag("errno %lld", res->v[C_REASON]);
	iomd_tap_diag("%s: reason: %s", m.name, res->text);
	iomd_test_fill(mark, MARK_LEN, 14);
	memcpy(got, (void *)(uintptr_t)m.r[0].addr, MARK_LEN);
	iomd_test_mem(res->v[C_KWRITE] == UNSET ? -EIO : (int)res->v[C_KWRITE],
		      got, mark, MARK_LEN,
		      "%s: B's KWRITE still reaches A's memory", m.name);
	iomd_close(fd);
out:
	iomd_tap_skip_to(end - 1, "describe failed");
	if (pid)
		iomd_test_child_ok(pid, "%s", "B exits");
	else
		iomd_tap_skip_to(end, "B already reported");
	mem_free(&m);
}

static void test_refuse_local(enum kind kind)
{
	unsigned int end = iomd_tap_count() + REFUSE_LOCAL_CHECKS;
	struct mem m;
	int fd, ret;
	void *map;

	mem_make(&m, kind);
	fd = iomd_user_create(iomd_fd, m.r, m.n,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (iomd_tap_errno(fd, 0, "%s: describe and prepare", m.name)) {
		ret = iomd_map(fd, 0, mem_length(&m), PROT_READ, &map);
		if (!ret)
			iomd_unmap(map, mem_length(&m));
		iomd_test_fails(iomd_fd, fd, ret, EPERM, "%s: mmap", m.name);
		iomd_close(fd);
	}
	iomd_tap_skip_to(end, "describe failed");
	mem_free(&m);
}

/* A mapping maps the object: it holds no pins and outlives the wiring. */
static void test_map_holds(void)
{
	unsigned int end = iomd_tap_count() + MAP_HOLDS_CHECKS;
	static const char msg[] = "through the mapping";
	static const char msg2[] = "after the last COMPLETE";
	struct iomd_map_info mi;
	struct iomd_info info;
	char got[sizeof(msg)];
	uint64_t pin0;
	struct mem m;
	char *map;
	void *v;
	int fd, ret;

	pin0 = iomd_test_pinned_pages(iomd_fd);
	mem_make(&m, K_ANON);
	fd = iomd_user_create(iomd_fd, m.r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "holds: describe and prepare 3 pages"))
		goto out;
	ret = iomd_map(fd, 0, 3 * page, PROT_READ | PROT_WRITE, &v);
	if (!iomd_tap_errno(ret, 0, "holds: mmap the descriptor")) {
		iomd_close(fd);
		goto out;
	}
	map = v;
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_eq(ret ? 0 : info.wire_count, 1,
		    "holds: the mapping, of the object itself, adds no wire count");
	ret = iomd_map_info(iomd_fd, map, &mi);
	iomd_tap_ok(!ret && (mi.flags & IOMD_MAP_INFO_OBJECT) &&
		    mi.offset == 0 && mi.map_length == 3 * page,
		    "holds: MAP_INFO says it maps the memory's object, 3 pages from 0");
	memcpy(map + page + 1, msg, sizeof(msg));
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, page + 1, got, sizeof(msg));
	iomd_test_str(ret, got, msg,
		      "holds: the kernel reads what was written through the mapping");
	ret = madvise(map, 3 * page, MADV_DONTNEED) ? -errno : 0;
	iomd_test_str(ret, map + page + 1, msg,
		      "holds: after MADV_DONTNEED the mapping faults the same pages back");
	iomd_tap_eq(iomd_complete(iomd_fd, fd), 0,
		    "holds: COMPLETE of the prepare -> 0");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "holds: the last COMPLETE unpins, mapped or not");
	memcpy(map + 2 * page, msg2, sizeof(msg2));
	iomd_tap_ok(!memcmp((char *)m.map[0] + 2 * page, msg2, sizeof(msg2)),
		    "holds: the mapping still shares the owner's memory");
	iomd_tap_errno(iomd_kread(iomd_fd, fd, 0, got, 1), ENODATA,
		       "holds: KREAD of the unwired descriptor fails with ENODATA");
	iomd_tap_errno(iomd_unmap(map, 3 * page), 0, "holds: munmap");
	iomd_tap_ok(!memcmp((char *)m.map[0] + page + 1, msg, sizeof(msg)),
		    "holds: the owner's memory keeps the mapping's writes");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "setup failed");
	mem_free(&m);
}

/* Partial mappings, and direction IN. */
static void test_map_offset(void)
{
	unsigned int end = iomd_tap_count() + MAP_OFFSET_CHECKS;
	unsigned char *want;
	struct mem m;
	void *map;
	int fd, ret;

	mem_make(&m, K_MEMFD);
	scatter_fill(&m, 15);
	want = iomd_test_malloc(4 * page);
	iomd_test_fill(want, 4 * page, 15);
	fd = iomd_user_create(iomd_fd, m.r, m.n,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "offset: describe and prepare 4 memfd pages"))
		goto in;
	ret = iomd_map(fd, page, page, PROT_READ, &map);
	iomd_test_mem(ret, map, want + page, page,
		      "offset: mapping page 1 alone shows descriptor page 1");
	if (!ret)
		iomd_unmap(map, page);
	ret = iomd_map(fd, 3 * page, 2 * page, PROT_READ, &map);
	if (!ret)
		iomd_unmap(map, 2 * page);
	iomd_tap_errno(ret, EINVAL,
		       "offset: a mapping past the end fails with EINVAL");
	iomd_close(fd);
in:
	iomd_tap_skip_to(end - 3, "describe failed");
	fd = iomd_user_create(iomd_fd, m.r, m.n,
			      IOMD_DIR_IN | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "offset: describe and prepare them for IN"))
		goto out;
	ret = iomd_map(fd, 0, 4 * page, PROT_READ | PROT_WRITE, &map);
	if (!ret)
		iomd_unmap(map, 4 * page);
	iomd_tap_errno(ret, EACCES, "IN: a writable mmap fails with EACCES");
	ret = iomd_map(fd, 0, 4 * page, PROT_READ, &map);
	iomd_test_mem(ret, map, want, 4 * page,
		      "IN: a read-only mmap shows the bytes");
	if (!ret)
		iomd_unmap(map, 4 * page);
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	free(want);
	mem_free(&m);
}

/* The child of test_fork_private(). */
static int fork_private_child(int sock, unsigned char *mem, size_t len)
{
	long long *v = res->v;

	v[F_SAW_PRE] = iomd_test_check(mem, len, 21) == len;
	v[F_VMPIN] = iomd_test_vm_pin();
	iomd_test_fill(mem, len, 22);
	if (!say(sock, 'c') || !hear(sock, 'k'))
		return 1;
	v[F_KEPT] = iomd_test_check(mem, len, 22) == len;
	return 0;
}

static void test_fork_private(void)
{
	unsigned int end = iomd_tap_count() + FORK_PRIVATE_CHECKS;
	static const char msg[] = "parent after fork";
	size_t len = 2 * page;
	unsigned char *mem, *buf;
	uint64_t pin0, pin1, vm0;
	struct iomd_range r;
	char got[sizeof(msg)];
	int sv[2], fd, ret;
	pid_t pid;

	mem = iomd_test_malloc(len);
	buf = iomd_test_malloc(len);
	iomd_test_fill(mem, len, 21);
	r = iomd_test_range(mem, len);
	reset_results();
	pin0 = iomd_test_pinned_pages(iomd_fd);
	vm0 = iomd_test_vm_pin();
	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "fork: describe and prepare malloc memory"))
		goto out;
	pin1 = iomd_test_pinned_pages(iomd_fd);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(fork_private_child(sv[1], mem, len));
	}
	close(sv[1]);
	if (pid < 0 || !hear(sv[0], 'c'))
		iomd_tap_diag("the child went away");

	ret = iomd_kread(iomd_fd, fd, 0, buf, len);
	iomd_tap_ok(!ret && iomd_test_check(buf, len, 21) == len,
		    "fork: the child's writes to its copy do not reach the kernel's bytes");
	iomd_tap_eq(iomd_test_check(mem, len, 21), len,
		    "fork: nor the parent's memory");
	iomd_test_fill(buf, len, 23);
	ret = iomd_kwrite(iomd_fd, fd, 0, buf, len);
	iomd_test_mem(ret, mem, buf, len,
		      "fork: kernel writes after the fork are seen by the parent");
	memcpy(mem + page - 5, msg, sizeof(msg));
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, page - 5, got, sizeof(msg));
	iomd_test_str(ret, got, msg,
		      "fork: the parent's writes after the fork reach the kernel");
	if (pid > 0 && !say(sv[0], 'k'))
		iomd_tap_diag("the child went away");
	close(sv[0]);
	iomd_test_child_ok(pid, "%s", "fork: the child exits");
	expect(F_SAW_PRE, 1, "%s", "fork: the child's copy had the pre-fork bytes");
	expect(F_VMPIN, 0, "%s", "fork: the pins are not charged to the child");
	expect(F_KEPT, 1, "%s",
	       "fork: the child's copy keeps its own bytes, not the kernel's later writes");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin1,
		    "fork: fork and the child's exit change no pin");
	ret = iomd_complete(iomd_fd, fd);
	iomd_tap_ok(!ret && iomd_test_pinned_pages(iomd_fd) == pin0 && iomd_test_vm_pin() == vm0,
		    "fork: complete unpins and returns VmPin");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	free(mem);
	free(buf);
}

/* The child of test_fork_shared(). */
static int fork_shared_child(int sock, unsigned char *mem, size_t len)
{
	iomd_test_fill(mem, len, 24);
	if (!say(sock, 'c') || !hear(sock, 'k'))
		return 1;
	return iomd_test_check(mem, len, 25) == len ? 0 : 2;
}

static void test_fork_shared(void)
{
	unsigned int end = iomd_tap_count() + FORK_SHARED_CHECKS;
	size_t len = 2 * page;
	unsigned char *mem, *buf;
	struct iomd_range r;
	int sv[2], fd, ret;
	pid_t pid;

	mem = iomd_test_anon(len, MAP_SHARED);
	buf = iomd_test_malloc(len);
	r = iomd_test_range(mem, len);
	fd = iomd_user_create(iomd_fd, &r, 1,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (!iomd_tap_errno(fd, 0, "fork shared: describe and prepare"))
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(fork_shared_child(sv[1], mem, len));
	}
	close(sv[1]);
	if (pid < 0 || !hear(sv[0], 'c'))
		iomd_tap_diag("the child went away");
	ret = iomd_kread(iomd_fd, fd, 0, buf, len);
	iomd_tap_ok(!ret && iomd_test_check(buf, len, 24) == len,
		    "fork shared: the child's writes are the kernel's bytes");
	iomd_test_fill(buf, len, 25);
	ret = iomd_kwrite(iomd_fd, fd, 0, buf, len);
	iomd_tap_errno(ret, 0, "fork shared: KWRITE");
	if (pid > 0 && !say(sv[0], 'k'))
		iomd_tap_diag("the child went away");
	close(sv[0]);
	iomd_test_child_ok(pid, "%s", "fork shared: the child sees the kernel's write");
	iomd_close(fd);
out:
	iomd_tap_skip_to(end, "describe failed");
	munmap(mem, len);
	free(buf);
}

int main(void)
{
	struct iomd_stats before, st;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	iomd_test_stats(iomd_fd, &before);

	test_cross(K_ANON);
	test_cross(K_MEMFD);
	test_cross(K_BUFFER);
	test_refuse_cross(K_MALLOC);
	test_refuse_cross(K_MIXED);
	test_refuse_local(K_PARTIAL);
	test_refuse_local(K_TWO_ANON);
	test_refuse_local(K_PRIVATE_FILE);
	test_refuse_local(K_MEMFD_REVERSED);
	test_map_holds();
	test_map_offset();
	test_fork_private();
	test_fork_shared();

	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	if (!iomd_tap_ok(st.pinned_pages == before.pinned_pages &&
			 st.live_descriptors == before.live_descriptors,
			 "nothing left pinned or alive"))
		iomd_tap_diag("left behind: %lld pinned pages, %lld descriptors",
			      (long long)(st.pinned_pages -
					  before.pinned_pages),
			      (long long)(st.live_descriptors -
					  before.live_descriptors));
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
