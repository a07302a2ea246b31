// SPDX-License-Identifier: GPL-2.0
/*
 * user_object: application memory mapped into another process is a
 * mapping of the object the memory belongs to, never of its pages.
 *
 * Owner A describes memory of a memfd, a tmpfs file or MAP_SHARED
 * anonymous memory and passes the descriptor to process B (SCM_RIGHTS),
 * which maps it.  A then truncates the file, punches a hole, closes its
 * last fd, remaps the range MAP_FIXED or mremap()s it: B's mapping
 * behaves as the object's own mappings do (SIGBUS past the end, zeros in
 * a hole, the bytes kept while B maps them), the wired pages stay valid
 * for the kernel, and the kernel reports nothing.  B cannot reach past the
 * described pages (remap_file_pages(), mremap() growth).  The source
 * document's second listing runs verbatim: 54321 bytes of MAP_ANON |
 * MAP_SHARED memory, mapped as whole pages in B.  Refusals name the most
 * fundamental reason (private memory, zone memory, several objects, other
 * file memory, alignment).  Memory that is an iomd mapping describes as a
 * sub-range of its descriptor: nothing pinned, and revoking the descriptor
 * cuts B's mapping of it.  A descriptor that can give writable mappings
 * keeps its memfd from being sealed against writing.
 *
 * Everything but the sample driver's exports runs as uid 1000 with a
 * small RLIMIT_MEMLOCK.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/iomd_sample.h>

#include "iomd_test.h"

#define LISTING_LEN	54321
#define NPAGES		4

/* Commands A sends B, and B's answers (an int64 each). */
#define CMD_MAP_IOC	1	/* IOMD_IOC_MAP, whole descriptor: 0/-errno */
#define CMD_MAP_MMAP	2	/* mmap() of the fd, arg pages: 0/-errno */
#define CMD_PEEK	3	/* byte at arg, or -signal */
#define CMD_POKE	4	/* write val at arg: 0 or -signal */
#define CMD_INFO	5	/* MAP_INFO flags, or -errno */
#define CMD_LENGTH	6	/* mapped length IOMD_IOC_MAP reported */
#define CMD_REMAP	7	/* remap_file_pages() page 0 to arg: 0/-errno */
#define CMD_GROW	8	/* mremap() to arg pages in place: 0/-errno */
#define CMD_RESIDENT	9	/* MAP_INFO resident bytes, or -errno */
#define CMD_UNMAP	10	/* munmap the mapping: 0/-errno */
#define CMD_EXIT	11

struct cmd {
	int op;
	int val;
	long long arg;
};

static int iomd_fd;
static size_t page;

/* B: serve A's commands on @sock for the descriptor A sends first. */
static int serve(int sock)
{
	struct iomd_map_create mc = {};
	unsigned char *map = NULL, byte;
	struct iomd_map_info mi;
	size_t map_len = 0;
	long long r;
	struct cmd c;
	int fd;
	void *v;

	fd = iomd_recv_fd(sock);
	if (fd < 0)
		return 1;
	while (read(sock, &c, sizeof(c)) == sizeof(c)) {
		switch (c.op) {
		case CMD_MAP_IOC:
			r = iomd_map_create(iomd_fd, fd, 0, 0, 0, 0, &mc);
			if (!r) {
				map = (void *)(uintptr_t)mc.map_addr;
				map_len = mc.map_length;
			}
			break;
		case CMD_MAP_MMAP:
			map_len = c.arg * page;
			r = iomd_map(fd, 0, map_len, PROT_READ | PROT_WRITE,
				     &v);
			map = r ? NULL : v;
			break;
		case CMD_PEEK:
			r = iomd_test_peek(map + c.arg, &byte);
			r = r ? -r : byte;
			break;
		case CMD_POKE:
			r = -iomd_test_poke(map + c.arg, c.val);
			break;
		case CMD_INFO:
		case CMD_RESIDENT:
			r = iomd_map_info(iomd_fd, map, &mi);
			if (!r)
				r = c.op == CMD_INFO ? (long long)mi.flags :
				    (long long)mi.resident;
			break;
		case CMD_LENGTH:
			r = mc.length;
			break;
		case CMD_REMAP:
			r = remap_file_pages(map, page, 0, c.arg, 0) ?
			    -errno : 0;
			break;
		case CMD_GROW:
			r = mremap(map, map_len, c.arg * page, 0) ==
			    MAP_FAILED ? -errno : 0;
			break;
		case CMD_UNMAP:
			r = munmap(map, map_len) ? -errno : 0;
			map = NULL;
			break;
		default:
			close(fd);
			return 0;
		}
		if (write(sock, &r, sizeof(r)) != sizeof(r))
			return 1;
	}
	return 1;
}

struct peer {
	pid_t pid;
	int sock;
};

/* Start B and hand it descriptor @fd. */
static bool peer_start(struct peer *b, int fd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return false;
	b->pid = fork();
	if (b->pid < 0)
		return false;
	if (!b->pid) {
		close(sv[0]);
		_exit(serve(sv[1]));
	}
	close(sv[1]);
	b->sock = sv[0];
	return !iomd_send_fd(b->sock, fd);
}

/* Ask B to do @op; its answer, or LLONG_MIN if B is gone. */
static long long ask(struct peer *b, int op, long long arg, int val)
{
	struct cmd c = { .op = op, .val = val, .arg = arg };
	long long r;

	if (write(b->sock, &c, sizeof(c)) != sizeof(c) ||
	    read(b->sock, &r, sizeof(r)) != sizeof(r))
		return -12345;
	return r;
}

static void peer_stop(struct peer *b)
{
	struct cmd c = { .op = CMD_EXIT };

	if (write(b->sock, &c, sizeof(c)) != sizeof(c))
		kill(b->pid, SIGKILL);
	close(b->sock);
	iomd_test_child_ok(b->pid, "B exits normally");
}

static int describe(const void *addr, size_t len, uint32_t dir)
{
	struct iomd_range r = { .addr = (uintptr_t)addr, .length = len };

	return iomd_user_create(iomd_fd, &r, 1, dir | IOMD_USER_PREPARE);
}

/* The reason of @fd's last failure contains @needle: one check. */
static void reason_has(int fd, const char *needle, const char *what)
{
	char reason[512] = "";

	iomd_reason(iomd_fd, fd, NULL, reason, sizeof(reason));
	if (!iomd_tap_ok(strstr(reason, needle), "%s: the reason names %s",
			 what, needle))
		iomd_tap_diag("reason: %s", reason);
}

/* The seed's listing 2, verbatim: 11 checks. */
static void test_listing2(void)
{
	unsigned char *p, *want;
	struct peer b;
	int fd;

	p = mmap(NULL, LISTING_LEN, PROT_READ | PROT_WRITE,
		 MAP_ANON | MAP_SHARED, -1, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	iomd_test_fill(p, LISTING_LEN, 2);
	fd = describe(p, LISTING_LEN, IOMD_DIR_INOUT);
	iomd_tap_errno(fd, 0, "listing 2: describe and prepare 54321 bytes");
	if (fd < 0 || !peer_start(&b, fd))
		iomd_tap_bail("cannot start B");
	iomd_tap_errno(ask(&b, CMD_MAP_IOC, 0, 0), 0, "listing 2: B maps it");
	iomd_tap_eq(ask(&b, CMD_LENGTH, 0, 0), LISTING_LEN,
		    "listing 2: the mapping reports 54321 bytes");
	iomd_tap_ok(ask(&b, CMD_INFO, 0, 0) & IOMD_MAP_INFO_OBJECT,
		    "listing 2: it is a mapping of the memory's object");
	want = malloc(LISTING_LEN);
	iomd_test_fill(want, LISTING_LEN, 2);
	iomd_tap_ok(ask(&b, CMD_PEEK, 0, 0) == want[0] &&
		    ask(&b, CMD_PEEK, LISTING_LEN - 1, 0) ==
		    want[LISTING_LEN - 1],
		    "listing 2: B sees A's first and last bytes");
	iomd_tap_ok(!ask(&b, CMD_POKE, 100, 0xb1) &&
		    !ask(&b, CMD_POKE, LISTING_LEN - 1, 0xb2) &&
		    p[100] == 0xb1 && p[LISTING_LEN - 1] == 0xb2,
		    "listing 2: A sees B's writes");
	p[7] = 0xa7;
	iomd_tap_eq(ask(&b, CMD_PEEK, 7, 0), 0xa7, "listing 2: B sees A's");
	iomd_tap_eq(ask(&b, CMD_PEEK, iomd_test_round_pages(LISTING_LEN) - 1,
			0), p[iomd_test_round_pages(LISTING_LEN) - 1],
		    "listing 2: the mapping is whole pages");
	iomd_tap_errno(ask(&b, CMD_UNMAP, 0, 0), 0, "listing 2: B unmaps");
	iomd_tap_errno(ask(&b, CMD_MAP_MMAP,
			   iomd_test_round_pages(LISTING_LEN) / page, 0), 0,
		       "listing 2: B mmap()s the whole pages of the fd too");
	peer_stop(&b);
	free(want);
	iomd_close(fd);
	munmap(p, LISTING_LEN);
}

/* What the owner does to its object while B maps it. */
#define OWN_TRUNCATE	0
#define OWN_PUNCH	1
#define OWN_CLOSE	2
#define OWN_FIXED	3
#define OWN_MREMAP	4

static const char * const own_names[] = {
	"truncate", "hole punch", "last close", "MAP_FIXED remap", "mremap",
};

/* Memory kinds. */
#define MEM_MEMFD	0
#define MEM_TMPFS	1
#define MEM_ANON	2

static const char * const mem_names[] = { "memfd", "tmpfs", "shared anon" };

/* One owner action on one kind of memory: 8 checks. */
static void test_owner(int kind, int what)
{
	size_t len = NPAGES * page;
	char name[64], path[64];
	unsigned char *p, old;
	struct peer b;
	int ofd = -1, fd, ret;
	long long got;

	snprintf(name, sizeof(name), "%s, %s", mem_names[kind],
		 own_names[what]);
	if (kind == MEM_MEMFD) {
		ofd = memfd_create("user_object", MFD_CLOEXEC);
	} else if (kind == MEM_TMPFS) {
		snprintf(path, sizeof(path), "/dev/shm/user_object.%d",
			 getpid());
		ofd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		unlink(path);
	}
	if (kind != MEM_ANON && (ofd < 0 || ftruncate(ofd, len)))
		iomd_tap_bail("cannot make the object: %s", strerror(errno));
	p = iomd_test_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, ofd);
	iomd_test_fill(p, len, 3);
	old = p[2 * page];
	fd = describe(p, len, IOMD_DIR_INOUT);
	iomd_tap_errno(fd, 0, "%s: describe and prepare", name);
	if (fd < 0 || !peer_start(&b, fd))
		iomd_tap_bail("cannot start B");
	iomd_tap_errno(ask(&b, CMD_MAP_IOC, 0, 0), 0, "%s: B maps it", name);

	switch (what) {
	case OWN_TRUNCATE:
		ret = ftruncate(ofd, page) ? -errno : 0;
		iomd_tap_errno(ret, 0, "%s: A shrinks the file to 1 page",
			       name);
		got = ask(&b, CMD_PEEK, 2 * page, 0);
		iomd_tap_eq(got, -SIGBUS,
			    "%s: B gets SIGBUS past the end, as A's own mapping",
			    name);
		iomd_tap_eq(iomd_test_peek(p + 2 * page, &old), SIGBUS,
			    "%s: A's own mapping gets SIGBUS there", name);
		break;
	case OWN_PUNCH:
		ret = kind == MEM_ANON ?
		      (madvise(p + 2 * page, page, MADV_REMOVE) ? -errno : 0) :
		      (fallocate(ofd, FALLOC_FL_PUNCH_HOLE |
				 FALLOC_FL_KEEP_SIZE, 2 * page, page) ?
		       -errno : 0);
		iomd_tap_errno(ret, 0, "%s: A punches page 2 out", name);
		iomd_tap_eq(ask(&b, CMD_PEEK, 2 * page, 0), 0,
			    "%s: B reads the hole as zeros", name);
		iomd_tap_ok(!ask(&b, CMD_POKE, 2 * page, 0x5b) &&
			    p[2 * page] == 0x5b,
			    "%s: B's write into the hole reaches A", name);
		break;
	case OWN_CLOSE:
		if (ofd >= 0)
			close(ofd);
		ofd = -1;
		ret = munmap(p, len) ? -errno : 0;
		iomd_tap_errno(ret, 0, "%s: A closes and unmaps its object",
			       name);
		p = NULL;
		iomd_close(fd);
		fd = -1;
		iomd_tap_eq(ask(&b, CMD_PEEK, 2 * page, 0), old,
			    "%s: B's mapping keeps the bytes", name);
		iomd_tap_ok(!ask(&b, CMD_POKE, 3 * page, 0x5c) &&
			    ask(&b, CMD_PEEK, 3 * page, 0) == 0x5c,
			    "%s: and stays writable", name);
		break;
	case OWN_FIXED:
	case OWN_MREMAP:
		if (what == OWN_FIXED)
			ret = mmap(p, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0) == MAP_FAILED ? -errno : 0;
		else
			ret = mremap(p, len, len, MREMAP_MAYMOVE |
				     MREMAP_FIXED, p + 64 * page) ==
			      MAP_FAILED ? -errno : 0;
		iomd_tap_errno(ret, 0, "%s: A replaces its range", name);
		iomd_tap_eq(ask(&b, CMD_PEEK, 2 * page, 0), old,
			    "%s: B still maps the object", name);
		iomd_tap_ok(!ask(&b, CMD_POKE, page, 0x5d),
			    "%s: and writes it", name);
		if (what == OWN_MREMAP) {
			munmap(p + 64 * page, len);
			p = NULL;
		}
		break;
	}
	/* The wired pages stay the kernel's to read, whatever happened. */
	ret = fd >= 0 ? iomd_kread(iomd_fd, fd, 2 * page, &old, 1) : 0;
	iomd_tap_errno(ret, 0, "%s: KREAD of the wired pages", name);
	iomd_tap_errno(ask(&b, CMD_UNMAP, 0, 0), 0, "%s: B unmaps", name);
	peer_stop(&b);
	if (fd >= 0)
		iomd_close(fd);
	if (p)
		munmap(p, len);
	if (ofd >= 0)
		close(ofd);
}

/* B is kept to the described pages: 5 checks. */
static void test_window(void)
{
	unsigned char *p;
	struct peer b;
	int ofd, fd;

	ofd = memfd_create("user_object", MFD_CLOEXEC);
	if (ofd < 0 || ftruncate(ofd, 8 * page))
		iomd_tap_bail("memfd: %s", strerror(errno));
	p = iomd_test_mmap(8 * page, PROT_READ | PROT_WRITE, MAP_SHARED, ofd);
	memset(p, 0x11, 8 * page);
	memset(p + 2 * page, 0x22, 2 * page);
	fd = describe(p + 2 * page, 2 * page, IOMD_DIR_INOUT);
	if (fd < 0 || !peer_start(&b, fd))
		iomd_tap_bail("cannot describe pages 2-3");
	iomd_tap_errno(ask(&b, CMD_MAP_IOC, 0, 0), 0,
		       "window: B maps pages 2-3 of an 8-page memfd");
	iomd_tap_ok(ask(&b, CMD_PEEK, 0, 0) == 0x22 &&
		    ask(&b, CMD_PEEK, page, 0) == 0x22,
		    "window: B sees the described pages");
	iomd_tap_eq(ask(&b, CMD_GROW, 6, 0), -EFAULT,
		    "window: mremap() cannot grow it");
	iomd_tap_eq(ask(&b, CMD_REMAP, 6, 0), -EINVAL,
		    "window: remap_file_pages() to page 6 is refused");
	peer_stop(&b);
	iomd_close(fd);
	munmap(p, 8 * page);
	close(ofd);
}

/* A wired INOUT descriptor keeps its memfd from F_SEAL_WRITE: 3 checks. */
static void test_seal(void)
{
	unsigned char *p;
	int ofd, fd, ret;

	ofd = memfd_create("user_object", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (ofd < 0 || ftruncate(ofd, 2 * page))
		iomd_tap_bail("memfd: %s", strerror(errno));
	p = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, ofd);
	fd = describe(p, 2 * page, IOMD_DIR_INOUT);
	iomd_tap_errno(fd, 0, "seal: describe and prepare a sealable memfd");
	munmap(p, 2 * page);
	ret = fcntl(ofd, F_ADD_SEALS, F_SEAL_WRITE) ? -errno : 0;
	iomd_tap_errno(ret, EBUSY,
		       "seal: F_SEAL_WRITE while the descriptor is wired");
	if (fd >= 0)
		iomd_complete(iomd_fd, fd);
	ret = fcntl(ofd, F_ADD_SEALS, F_SEAL_WRITE) ? -errno : 0;
	iomd_tap_errno(ret, 0, "seal: F_SEAL_WRITE once it is complete");
	if (fd >= 0)
		iomd_close(fd);
	close(ofd);
}

/* Refusals name the most fundamental reason: 12 checks. */
static void test_reasons(void)
{
	struct iomd_range r[2];
	unsigned char *heap, *s, *t;
	size_t len;
	int fd, ret;
	void *v;

	heap = malloc(LISTING_LEN);
	fd = describe(heap, LISTING_LEN, IOMD_DIR_INOUT);
	len = iomd_test_round_pages(LISTING_LEN);
	ret = fd < 0 ? fd : iomd_map(fd, 0, len, PROT_READ, &v);
	iomd_tap_errno(ret, EPERM, "reasons: malloc(54321) is not mapped");
	reason_has(fd, "private memory", "reasons: malloc(54321)");
	if (fd >= 0)
		iomd_close(fd);

	/* Misaligned shared memory, then private memory: private wins. */
	s = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, -1);
	r[0].addr = (uintptr_t)s + 8;
	r[0].length = page;
	r[1].addr = (uintptr_t)heap;
	r[1].length = page;
	fd = iomd_user_create(iomd_fd, r, 2,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	ret = fd < 0 ? fd : iomd_map(fd, 0, 2 * page, PROT_READ, &v);
	iomd_tap_errno(ret, EPERM, "reasons: misaligned + malloc refused");
	reason_has(fd, "private memory", "reasons: misaligned + malloc");
	if (fd >= 0)
		iomd_close(fd);

	/* Two objects, the first misaligned: several objects wins. */
	t = iomd_test_mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, -1);
	r[1].addr = (uintptr_t)t;
	fd = iomd_user_create(iomd_fd, r, 2,
			      IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	ret = fd < 0 ? fd : iomd_map(fd, 0, 2 * page, PROT_READ, &v);
	iomd_tap_errno(ret, EPERM, "reasons: two objects refused");
	reason_has(fd, "different VM object", "reasons: two objects");
	if (fd >= 0)
		iomd_close(fd);

	/* One object, misaligned start: alignment. */
	fd = describe(s + 8, page, IOMD_DIR_INOUT);
	ret = fd < 0 ? fd : iomd_map(fd, 0, 2 * page, PROT_READ, &v);
	iomd_tap_errno(ret, EPERM, "reasons: a misaligned start refused");
	reason_has(fd, "not whole pages", "reasons: a misaligned start");
	if (fd >= 0)
		iomd_close(fd);
	munmap(s, 2 * page);
	munmap(t, page);
	free(heap);
}

/*
 * Wiring judges the caller's private memory by its pinned pages, without
 * looking up its mappings; any other memory in a range, even after a
 * private first page, is judged by its mappings as before: 13 checks.
 */
static void judged(const void *addr, size_t len, uint32_t dir,
		   const char *needle, const char *what)
{
	int fd = describe(addr, len, dir);
	int ret;
	void *v;

	iomd_tap_ok(fd >= 0, "%s: wired", what);
	ret = fd < 0 ? fd : iomd_map(fd, 0, len, PROT_READ, &v);
	iomd_tap_errno(ret, EPERM, "%s: not mapped for another task", what);
	reason_has(fd, needle, what);
	if (fd >= 0)
		iomd_close(fd);
}

static void test_judged_by_pages(void)
{
	unsigned char *p, *q;
	int memfd, buf;

	/* Private, then shared anonymous memory, in one range. */
	p = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	memset(p, 1, page);
	if (mmap(p + page, page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memset(p + page, 2, page);
	judged(p, 2 * page, IOMD_DIR_INOUT, "private memory",
	       "private then shared memory");
	/* Shared, then private. */
	q = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, -1);
	if (mmap(q + page, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memset(q, 3, 2 * page);
	judged(q, 2 * page, IOMD_DIR_INOUT, "private memory",
	       "shared then private memory");
	munmap(p, 2 * page);
	munmap(q, 2 * page);

	/*
	 * A private file mapping: the pages a device may write are the
	 * process's own copies (anonymous), and the ones it only reads are
	 * the file's; either way they belong to one process.
	 */
	memfd = memfd_create("iomd-test", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 2 * page))
		iomd_tap_bail("memfd: %s", strerror(errno));
	p = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			   memfd);
	judged(p, 2 * page, IOMD_DIR_OUT, "private file mapping",
	       "a private file mapping, read");
	memset(p, 4, 2 * page);
	judged(p, 2 * page, IOMD_DIR_INOUT, "private file mapping",
	       "a private file mapping, written");
	munmap(p, 2 * page);
	close(memfd);

	/*
	 * Private memory, then an iomd mapping: a range partly in an iomd
	 * mapping is refused, however private its first page.
	 */
	buf = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	p = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	memset(p, 5, page);
	if (buf < 0 || mmap(p + page, page, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED, buf, 0) == MAP_FAILED)
		iomd_tap_bail("cannot map a buffer after anonymous memory");
	iomd_tap_errno(describe(p, 2 * page, IOMD_DIR_INOUT), EINVAL,
		       "private memory, then an iomd mapping: refused");
	munmap(p, 2 * page);
	iomd_close(buf);
}

/* Zone memory of every size is never shared: 7 checks (root). */
static void test_zone(void)
{
	static const size_t sizes[] = { 64, 200, 4096 };
	char what[64];
	unsigned int i;
	int fd, ret;
	void *v;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(what, sizeof(what), "zone: exported iomd_malloc(%zu)",
			 sizes[i]);
		fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_MALLOC, sizes[i],
					     0);
		ret = fd < 0 ? fd : iomd_map(fd, 0, page, PROT_READ, &v);
		iomd_tap_errno(ret, EPERM, "%s is not mapped", what);
		reason_has(fd, "zone memory", what);
		if (fd >= 0)
			close(fd);
	}
	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_ALIGNED, page, 0);
	ret = fd < 0 ? fd : iomd_map(fd, 0, page, PROT_READ, &v);
	iomd_tap_errno(ret, 0, "zone: iomd_malloc_aligned(page) is mapped");
	if (!ret)
		munmap(v, page);
	if (fd >= 0)
		close(fd);
}

/* An iomd mapping describes as a sub-range: 9 checks. */
static void test_iomd_mapping(void)
{
	struct iomd_stats st0, st;
	struct iomd_info info;
	unsigned char *m;
	struct peer b;
	int buf, fd;
	void *v;

	buf = iomd_buffer_create(iomd_fd, NPAGES * page, 0,
				 IOMD_TEST_SHARED_INOUT);
	if (buf < 0 || iomd_map(buf, 0, NPAGES * page,
				PROT_READ | PROT_WRITE, &v))
		iomd_tap_bail("cannot make and map a buffer");
	m = v;
	memset(m, 0x77, NPAGES * page);
	iomd_test_stats(iomd_fd, &st0);
	fd = describe(m + page, 2 * page, IOMD_DIR_INOUT);
	iomd_tap_errno(fd, 0, "iomd mapping: describe pages 1-2 of it");
	iomd_tap_ok(fd >= 0 && !iomd_info(iomd_fd, fd, &info) &&
		    info.kind == IOMD_KIND_SUBRANGE &&
		    info.length == 2 * page,
		    "iomd mapping: it is a sub-range of the buffer");
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.pinned_pages, st0.pinned_pages,
		    "iomd mapping: nothing is pinned");
	if (fd < 0 || !peer_start(&b, fd))
		iomd_tap_bail("cannot start B");
	iomd_tap_errno(ask(&b, CMD_MAP_IOC, 0, 0), 0,
		       "iomd mapping: B maps the sub-range");
	iomd_tap_eq(ask(&b, CMD_PEEK, 5, 0), 0x77,
		    "iomd mapping: B sees the buffer");
	iomd_tap_errno(iomd_revoke(iomd_fd, buf), 0,
		       "iomd mapping: the buffer is revoked");
	iomd_tap_eq(ask(&b, CMD_RESIDENT, 0, 0), 0,
		    "iomd mapping: nothing of B's mapping stays resident");
	iomd_tap_eq(ask(&b, CMD_PEEK, 5, 0), -SIGBUS,
		    "iomd mapping: B gets SIGBUS");
	peer_stop(&b);
	iomd_close(fd);
	munmap(m, NPAGES * page);
	iomd_close(buf);
}

/*
 * A range that starts in an iomd mapping and runs on into other memory
 * is refused, and each refusal leaves the mapped descriptor's references
 * alone (once it dropped one it had not taken: found by tests/fuzz/):
 * 3 checks.
 */
static void test_iomd_mapping_partly(void)
{
	struct iomd_info info;
	unsigned char *m;
	int buf, fd, i, bad = 0;

	buf = iomd_buffer_create(iomd_fd, NPAGES * page, 0,
				 IOMD_TEST_SHARED_INOUT);
	/* The buffer's pages, then one page of anonymous memory. */
	m = mmap(NULL, (NPAGES + 1) * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf < 0 || m == MAP_FAILED ||
	    mmap(m, NPAGES * page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, buf, 0) == MAP_FAILED)
		iomd_tap_bail("cannot map a buffer before anonymous memory");
	m[page] = 0x5a;
	for (i = 0; i < 16; i++) {
		fd = describe(m + (NPAGES - 1) * page, 2 * page,
			      IOMD_DIR_INOUT);
		if (fd >= 0)
			close(fd);
		if (fd != -EINVAL && !bad++)
			iomd_tap_diag("attempt %d: %s", i, iomd_errno_name(fd));
	}
	iomd_tap_ok(!bad, "iomd mapping partly: 16 descriptions fail with EINVAL");
	iomd_tap_errno(iomd_info(iomd_fd, buf, &info), 0,
		       "iomd mapping partly: the buffer is still alive");
	iomd_tap_eq(m[page], 0x5a,
		    "iomd mapping partly: its mapping still shows its bytes");
	munmap(m, (NPAGES + 1) * page);
	iomd_close(buf);
}

/*
 * zone, uid, listing 2, 13 owner cases, window, seal, reasons, iomd,
 * iomd partly, leaks
 */
#define PLAN	(7 + 1 + 11 + 13 * 8 + 5 + 3 + 8 + 9 + 3 + 2 + 13)

int main(void)
{
	struct rlimit rl;
	struct iomd_stats before;
	int kind, what;

	page = sysconf(_SC_PAGESIZE);
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	iomd_test_stats(iomd_fd, &before);

	test_zone();
	/* The rest as an ordinary user with a small pinning limit. */
	rl.rlim_cur = 64 * page;
	rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setresgid(1000, 1000, 0) ||
	    setresuid(1000, 1000, 0))
		iomd_tap_bail("cannot become uid 1000: %s", strerror(errno));
	iomd_tap_eq(geteuid(), 1000, "runs as uid 1000");
	test_listing2();
	for (kind = MEM_MEMFD; kind <= MEM_ANON; kind++)
		for (what = OWN_TRUNCATE; what <= OWN_MREMAP; what++) {
			/* Shared anonymous memory has no file to cut. */
			if (kind == MEM_ANON &&
			    (what == OWN_TRUNCATE || what == OWN_CLOSE))
				continue;
			test_owner(kind, what);
		}
	test_window();
	test_seal();
	test_reasons();
	test_judged_by_pages();
	test_iomd_mapping();
	test_iomd_mapping_partly();
	if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
		iomd_tap_bail("cannot become root again");
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
