// SPDX-License-Identifier: GPL-2.0
/*
 * map_revoke: IOMD_IOC_REVOKE with live mappings.
 *
 * A descriptor (an 8-page buffer, a buffer of 64 MiB or two PMD sizes,
 * whichever is more, mapped with PMD entries, and a user descriptor of
 * shared anonymous memory) is mapped in
 * two processes: twice in this one (IOMD_IOC_MAP prefaulted and on
 * demand), once by a child with its own mmap() of the descriptor fd.
 * Two threads zap their mapping with MADV_DONTNEED and fault it back
 * in, reading and writing, in a loop; the descriptor is revoked under
 * them.  Then every touch, in each thread, in this process
 * and in the child, gets SIGBUS (never another signal, never stale
 * bytes); nothing stays resident; mmap(), IOMD_IOC_MAP, kernel reads and
 * writes and IOMD_IOC_PREPARE fail with ENODEV and leave a reason; a
 * second revoke succeeds and changes nothing.  The revoked descriptor
 * lives on, counted, while anything holds it: this process's mappings
 * and fd go first, and it is freed when the child unmaps the last
 * mapping.  A descriptor revoked with no mapping is freed at the last
 * close.  The refusals of IOMD_IOC_REVOKE itself change nothing.  A user
 * descriptor's owner keeps its own memory and bytes, and the pinned
 * pages are released.  Without transparent huge pages the huge buffer
 * is mapped with page entries (the fallback, checked); its checks are
 * skipped, saying why, where it and its reference copy do not fit in half
 * the machine's memory (two 512 MiB PMDs of 64 KiB pages in a small VM).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define NPAGES		8
#define HUGE_MIN	(64UL << 20)	/* the huge buffer, at least */
#define USER_PAGES	4
#define SEED		0x7265766bull	/* "revk" */

/* Loops each faulting thread completes before the revoke. */
#define MIN_LOOPS	3

/* Checks of one child (child_checks[] and its exit status). */
#define CHILD_CHECKS	7
/* Checks of live_test(), the child's included. */
#define LIVE_CHECKS	(CHILD_CHECKS + 34)
#define USER_CHECKS	5
#define CLOSE_CHECKS	13
#define ERRORS_CHECKS	12
#define PLAN	(3 * LIVE_CHECKS + USER_CHECKS + CLOSE_CHECKS + \
		 ERRORS_CHECKS + 2)

static int iomd_fd;
static size_t page;
static unsigned char *ref;	/* the descriptors' bytes, as filled */
/* The PMD size, the huge buffer's bytes (0: none) and why there is none. */
static size_t huge;
static size_t huge_bytes;
static char no_huge[160];

/* A descriptor under test and how to touch it. */
struct subject {
	const char *name;
	int fd;
	size_t len;
	size_t step;		/* bytes between touches (every page, or
				 * four per PMD entry)
				 */
	bool huge;		/* mapped with PMD entries */
};

/* --- the child ---------------------------------------------------------- */

/* Child failure bits, reported through the exit status. */
#define CF_SYNC		0x01
#define CF_MAP		0x02
#define CF_BYTES	0x04
#define CF_READ		0x08
#define CF_WRITE	0x10
#define CF_REMAP	0x20
#define CF_MUNMAP	0x40

static const char *const child_checks[CHILD_CHECKS - 1] = {
	"talks to the parent",
	"maps the descriptor itself",
	"sees the kernel's bytes before the revoke",
	"every touch it reads gets SIGBUS after the revoke",
	"a write gets SIGBUS after the revoke",
	"its new mmap() fails with ENODEV",
	/* CF_MUNMAP: reported as its own check below */
};

static bool say(int fd, char c)
{
	return write(fd, &c, 1) == 1;
}

static bool hear(int fd, char c)
{
	char got;

	return read(fd, &got, 1) == 1 && got == c;
}

/* Every touch of [@p, @p + @len) every @step bytes gets SIGBUS. */
static bool all_sigbus(unsigned char *p, size_t len, size_t step,
		       bool write)
{
	unsigned char byte;
	size_t off;

	for (off = 0; off < len; off += step)
		if ((write ? map_probe_write(p + off, 0x5a) :
			     map_probe_read(p + off, &byte)) != SIGBUS)
			return false;
	return true;
}

/*
 * The child: map @s itself, say 'R'; at 'G' (revoked) check the mapping
 * and a new mmap(), close its fd, say 'P'; at 'X' unmap and exit.
 */
static int child_run(const struct subject *s, int to_parent, int from_parent)
{
	unsigned char *p;
	int fails = 0;

	p = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED)
		return CF_MAP | CF_BYTES | CF_READ | CF_WRITE | CF_MUNMAP;
	if (memcmp(p, ref, s->len))
		fails |= CF_BYTES;
	if (!say(to_parent, 'R') || !hear(from_parent, 'G'))
		return fails | CF_SYNC;
	if (!all_sigbus(p, s->len, s->step, false))
		fails |= CF_READ;
	if (!all_sigbus(p, s->len, s->len, true))
		fails |= CF_WRITE;
	{
		void *q = mmap(NULL, s->len, PROT_READ, MAP_SHARED, s->fd, 0);

		if (q != MAP_FAILED || errno != ENODEV)
			fails |= CF_REMAP;
		if (q != MAP_FAILED)
			munmap(q, s->len);
	}
	close(s->fd);
	if (!say(to_parent, 'P') || !hear(from_parent, 'X'))
		return fails | CF_SYNC;
	if (munmap(p, s->len))
		fails |= CF_MUNMAP;
	return fails;
}

/* Report the child's checks from its exit @status. */
static void child_report(const char *name, int status)
{
	bool exited = WIFEXITED(status);
	int bits = exited ? WEXITSTATUS(status) : 0xff;
	unsigned int i;

	if (!iomd_tap_ok(exited, "%s: the child exits normally", name))
		iomd_tap_diag("wait status 0x%x", status);
	for (i = 0; i < CHILD_CHECKS - 1; i++)
		iomd_tap_ok(!(bits & (1 << i)), "%s: the child %s", name,
			    child_checks[i]);
}

/* --- the faulting threads -------------------------------------------- */

struct faulter {
	pthread_t thread;
	unsigned char *p;
	size_t len;
	size_t step;
	unsigned long loops;	/* atomic: loops completed */
	int stop;		/* atomic: give up, the revoke did not cut */
	int sig;		/* atomic: the signal that ended the loop */
	unsigned long wrong;	/* bytes read that were not the kernel's */
	unsigned long madvise_failed;
	unsigned long after;	/* touches after the end without SIGBUS */
};

/*
 * Zap the mapping, then touch it every @step bytes: writes of the bytes
 * it holds on odd loops, reads on even ones, so that each loop faults it
 * all back in.  Until a touch gets a signal.
 */
static void *faulter_run(void *arg)
{
	struct faulter *f = arg;
	unsigned long loop;
	unsigned char byte;
	size_t off;
	int sig = 0;

	for (loop = 0; !sig && !__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST);
	     loop++) {
		if (madvise(f->p, f->len, MADV_DONTNEED))
			f->madvise_failed++;
		for (off = 0; off < f->len && !sig; off += f->step) {
			if (loop & 1) {
				sig = map_probe_write(f->p + off, ref[off]);
				continue;
			}
			sig = map_probe_read(f->p + off, &byte);
			if (!sig && byte != ref[off])
				f->wrong++;
		}
		if (!sig)
			__atomic_add_fetch(&f->loops, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&f->sig, sig, __ATOMIC_SEQ_CST);
	for (off = 0; off < f->len; off += f->step)
		if (map_probe_read(f->p + off, &byte) != SIGBUS)
			f->after++;
	return NULL;
}

static bool faulter_start(struct faulter *f, unsigned char *p, size_t len,
			  size_t step)
{
	memset(f, 0, sizeof(*f));
	f->p = p;
	f->len = len;
	f->step = step;
	return !pthread_create(&f->thread, NULL, faulter_run, f);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait (up to 30 s) until each of @f[0..1] has done MIN_LOOPS loops. */
static bool faulters_running(struct faulter *f)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (__atomic_load_n(&f[0].loops, __ATOMIC_SEQ_CST) >= MIN_LOOPS &&
		    __atomic_load_n(&f[1].loops, __ATOMIC_SEQ_CST) >= MIN_LOOPS)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Wait (up to 10 s) for @f to end with a signal, then stop and join it. */
static void faulter_join(struct faulter *f)
{
	int i;

	for (i = 0; i < 1000 && !__atomic_load_n(&f->sig, __ATOMIC_SEQ_CST);
	     i++)
		sleep_ms(10);
	__atomic_store_n(&f->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(f->thread, NULL);
}

/* --- revoke with live mappings ------------------------------------------ */

/*
 * Report one check: live_descriptors and live_bytes are @before's plus
 * @descs and @bytes.
 */
static __printf(4, 5) void expect_live(const struct iomd_stats *before,
				       uint64_t descs, uint64_t bytes,
				       const char *fmt, ...)
{
	struct iomd_stats st;
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	iomd_test_settle(iomd_fd, before->live_descriptors + descs,
			 before->live_bytes + bytes, &st);
	if (!iomd_tap_ok(st.live_descriptors == before->live_descriptors + descs &&
			 st.live_bytes == before->live_bytes + bytes,
			 "%s", what))
		iomd_tap_diag("live descriptors %llu (want %llu), bytes %llu (want %llu)",
			      (unsigned long long)st.live_descriptors,
			      (unsigned long long)(before->live_descriptors + descs),
			      (unsigned long long)st.live_bytes,
			      (unsigned long long)(before->live_bytes + bytes));
}

/* The kernel's accesses of a revoked descriptor: 8 checks. */
static void revoked_refusals(const struct subject *s)
{
	struct iomd_map_create m;
	unsigned char byte = 0;
	void *q;
	int ret;

	q = mmap(NULL, s->len, PROT_READ, MAP_SHARED, s->fd, 0);
	ret = q == MAP_FAILED ? -errno : 0;
	if (!ret)
		munmap(q, s->len);
	iomd_test_fails(iomd_fd, s->fd, ret, ENODEV, "%s: mmap() after revoke",
			s->name);
	ret = iomd_map_create(iomd_fd, s->fd, IOMD_MAP_ONDEMAND, 0, 0, 0, &m);
	if (!ret)
		munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_test_fails(iomd_fd, -1, ret, ENODEV,
			"%s: IOMD_IOC_MAP after revoke", s->name);
	ret = iomd_kread(iomd_fd, s->fd, 0, &byte, 1);
	iomd_test_fails(iomd_fd, -1, ret, ENODEV, "%s: IOMD_IOC_KREAD after revoke",
			s->name);
	ret = iomd_kwrite(iomd_fd, s->fd, 0, &byte, 1);
	iomd_test_fails(iomd_fd, -1, ret, ENODEV,
			"%s: IOMD_IOC_KWRITE after revoke", s->name);
}

/*
 * Map @s in a child and twice here, revoke it under two faulting
 * threads, check everything, and let go of it: LIVE_CHECKS checks.
 * Closes @s->fd.  @extra_bytes: live bytes the descriptor accounts for.
 */
static void live_test(const struct subject *s, uint64_t extra_bytes,
		      const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + LIVE_CHECKS;
	int up[2], down[2], status = 0, ret;
	struct faulter f[2];
	struct iomd_map_create m, m2;
	struct map_vma vma;
	unsigned char *p1, *p2;
	const char *name = s->name;
	bool child_ok;
	pid_t pid, pid2;

	if (pipe(up) || pipe(down))
		iomd_tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		iomd_tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		_exit(child_run(s, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	child_ok = hear(up[0], 'R');

	ret = iomd_map_create(iomd_fd, s->fd, 0, 0, 0, 0, &m);
	iomd_tap_errno(ret, 0, "%s: IOMD_IOC_MAP (prefault)", name);
	p1 = ret ? NULL : (unsigned char *)(uintptr_t)m.addr;
	ret = iomd_map_create(iomd_fd, s->fd, IOMD_MAP_ONDEMAND, 0, 0, 0, &m2);
	iomd_tap_errno(ret, 0, "%s: IOMD_IOC_MAP (on demand)", name);
	p2 = ret ? NULL : (unsigned char *)(uintptr_t)m2.addr;
	if (!p1 || !p2 || !child_ok) {
		iomd_tap_diag("%s: setup failed (child %s)", name,
			      child_ok ? "ready" : "not ready");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (p1)
			munmap((void *)(uintptr_t)m.map_addr, m.map_length);
		if (p2)
			munmap(p2, s->len);
		close(s->fd);
		close(up[0]);
		close(down[1]);
		iomd_tap_skip_to(end, "setup failed");
		return;
	}
	ret = map_vma_find(0, m.map_addr, &vma);
	if (s->huge && !iomd_test_thp()) {
		/* No THP: page entries, all of them installed. */
		iomd_tap_ok(!ret && map_vma_paged(&vma) && vma.rss == s->len,
			    "%s: no THP: the prefaulted mapping is all resident, page entries",
			    name);
	} else if (s->huge) {
		/* Only PMD-order folios that came cheaply get PMD entries. */
		if (!iomd_tap_ok(!ret && vma.pmd >= huge,
				 "%s: the prefaulted mapping has PMD entries",
				 name) || vma.pmd != s->len)
			iomd_tap_diag("%s: %llu of %zu bytes mapped by PMD entries",
				      name, (unsigned long long)vma.pmd, s->len);
	} else {
		iomd_tap_eq(ret ? 0 : vma.rss, s->len,
			    "%s: the prefaulted mapping is all resident", name);
	}
	iomd_test_mem(0, p1, ref, s->len, "%s: both mappings show the kernel's bytes",
		      name);

	if (!faulter_start(&f[0], p1, s->len, s->step) ||
	    !faulter_start(&f[1], p2, s->len, s->step))
		iomd_tap_bail("pthread_create failed");
	iomd_tap_ok(faulters_running(f),
		    "%s: two threads fault both mappings in a loop", name);

	iomd_tap_errno(iomd_revoke(iomd_fd, s->fd), 0, "%s: IOMD_IOC_REVOKE",
		       name);
	say(down[1], 'G');
	faulter_join(&f[0]);
	faulter_join(&f[1]);
	iomd_tap_eq(f[0].sig, SIGBUS,
		    "%s: the thread on the prefaulted mapping stops on SIGBUS (%s)",
		    name, map_sig_name(f[0].sig));
	iomd_tap_eq(f[1].sig, SIGBUS,
		    "%s: the thread on the on-demand mapping stops on SIGBUS (%s)",
		    name, map_sig_name(f[1].sig));
	if (!iomd_tap_ok(!f[0].wrong && !f[1].wrong && !f[0].madvise_failed &&
			 !f[1].madvise_failed,
			 "%s: the threads read only the kernel's bytes before",
			 name))
		iomd_tap_diag("wrong bytes %lu, %lu; madvise failures %lu, %lu",
			      f[0].wrong, f[1].wrong, f[0].madvise_failed,
			      f[1].madvise_failed);
	iomd_tap_ok(!f[0].after && !f[1].after,
		    "%s: after their SIGBUS every touch of theirs gets SIGBUS",
		    name);
	iomd_tap_diag("%s: %lu and %lu fault loops before the revoke cut them",
		      name, f[0].loops, f[1].loops);

	iomd_tap_ok(all_sigbus(p1, s->len, s->step, false) &&
		    all_sigbus(p2, s->len, s->step, false),
		    "%s: here, every read of both mappings gets SIGBUS", name);
	iomd_tap_ok(all_sigbus(p1, s->len, s->len, true) &&
		    all_sigbus(p2, s->len, s->len, true),
		    "%s: here, a write to each mapping gets SIGBUS", name);
	iomd_tap_ok(map_rss(p1) == 0 && map_rss(p2) == 0,
		    "%s: nothing of either mapping stays resident", name);
	revoked_refusals(s);
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_PREPARE,
			 &(struct iomd_wire){ .fd = s->fd });
	iomd_test_fails(iomd_fd, -1, ret, ENODEV,
			"%s: IOMD_IOC_PREPARE after revoke", name);

	iomd_tap_errno(iomd_revoke(iomd_fd, s->fd), 0,
		       "%s: a second IOMD_IOC_REVOKE succeeds", name);
	iomd_tap_ok(all_sigbus(p1, s->len, s->step, false) && map_rss(p2) == 0,
		    "%s: and changes nothing: still SIGBUS, nothing resident",
		    name);

	/* A revoked mapping can still be split and inherited. */
	ret = mprotect(p1 + page, page, PROT_READ) ? -errno : 0;
	iomd_tap_ok(!ret && all_sigbus(p1, s->len, s->step, false),
		    "%s: mprotect() splits a revoked mapping; both parts SIGBUS",
		    name);
	pid2 = fork();
	if (pid2 == 0)
		_exit(!all_sigbus(p1, s->len, s->step, false) ||
		      !all_sigbus(p2, s->len, s->step, true));
	if (pid2 < 0 || waitpid(pid2, &status, 0) != pid2)
		status = -1;
	iomd_tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
		    "%s: a child forked now gets SIGBUS from both mappings",
		    name);

	/* Let go here first; the child's mapping still holds it. */
	iomd_tap_ok(hear(up[0], 'P'), "%s: the child is done with its checks",
		    name);
	expect_live(before, 1, extra_bytes,
		    "%s: the revoked descriptor is still counted while mapped",
		    name);
	ret = munmap((void *)(uintptr_t)m.map_addr, m.map_length) ? -errno : 0;
	ret = ret ?: munmap(p2, s->len) ? -errno : 0;
	iomd_tap_errno(ret, 0, "%s: munmap() of both revoked mappings", name);
	expect_live(before, 1, extra_bytes,
		    "%s: after this process unmapped, the child's mapping holds it",
		    name);
	close(s->fd);
	expect_live(before, 1, extra_bytes,
		    "%s: after the last close too: still held by the mapping",
		    name);
	say(down[1], 'X');
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	child_report(name, status);
	iomd_tap_ok(WIFEXITED(status) && !(WEXITSTATUS(status) & CF_MUNMAP),
		    "%s: the child unmaps the last mapping", name);
	expect_live(before, 0, 0,
		    "%s: which frees the descriptor and its memory", name);
	close(up[0]);
	close(down[1]);
}

static void test_buffer(const struct iomd_stats *before)
{
	struct subject s = {
		.name = "buffer", .len = NPAGES * page, .step = page,
	};

	s.fd = iomd_test_buffer_filled(iomd_fd, s.len, IOMD_TEST_SHARED_INOUT,
				       ref);
	if (s.fd < 0)
		iomd_tap_bail("cannot create and fill an 8-page buffer");
	live_test(&s, s.len, before);
}

static void test_huge(const struct iomd_stats *before)
{
	struct subject s = {
		.name = "huge", .len = huge_bytes, .step = huge / 4,
		.huge = true,
	};

	if (!huge_bytes) {
		iomd_tap_skip_to(iomd_tap_count() + LIVE_CHECKS, no_huge);
		return;
	}
	map_compact_memory();
	s.fd = iomd_test_buffer_filled(iomd_fd, s.len, IOMD_TEST_SHARED_INOUT,
				       ref);
	if (s.fd < 0)
		iomd_tap_bail("cannot create and fill a %zu MiB buffer",
			      s.len >> 20);
	live_test(&s, s.len, before);
}

/*
 * A user descriptor of shared anonymous memory, prepared: the same, and
 * its owner keeps its memory and the bytes; the pins go with the
 * descriptor.
 */
static void test_user(const struct iomd_stats *before)
{
	struct subject s = {
		.name = "user", .len = USER_PAGES * page, .step = page,
	};
	struct iomd_stats st;
	struct iomd_range r;
	unsigned char *mem;

	mem = mmap(NULL, s.len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memcpy(mem, ref, s.len);
	r.addr = (uintptr_t)mem;
	r.length = s.len;
	s.fd = iomd_user_create(iomd_fd, &r, 1,
				IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	iomd_tap_ok(s.fd >= 0, "user: describe and prepare shared memory");
	if (s.fd < 0) {
		iomd_tap_skip_to(iomd_tap_count() + LIVE_CHECKS + USER_CHECKS - 1,
				 "no user descriptor");
		munmap(mem, s.len);
		return;
	}
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.pinned_pages, before->pinned_pages + USER_PAGES,
		    "user: its pages are pinned");
	live_test(&s, 0, before);
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.pinned_pages, before->pinned_pages,
		    "user: the pins went with the descriptor");
	iomd_test_mem(0, mem, ref, s.len,
		      "user: the owner's memory keeps its bytes");
	iomd_tap_eq(map_probe_write(mem, 0x77), 0,
		    "user: and stays the owner's to write");
	munmap(mem, s.len);
}

/*
 * Revoked with no mapping, twice: the fd keeps the descriptor; every
 * access is refused; the last close frees it.
 */
static void test_last_close(const struct iomd_stats *before)
{
	struct subject s = { .name = "unmapped", .len = NPAGES * page };

	s.fd = iomd_buffer_create(iomd_fd, s.len, 0, IOMD_TEST_SHARED_INOUT);
	if (!iomd_tap_ok(s.fd >= 0, "unmapped: create an 8-page buffer")) {
		iomd_tap_skip_to(iomd_tap_count() + CLOSE_CHECKS - 1,
				 "create failed");
		return;
	}
	iomd_tap_errno(iomd_revoke(iomd_fd, s.fd), 0,
		       "unmapped: IOMD_IOC_REVOKE of a descriptor never mapped");
	iomd_tap_errno(iomd_revoke(iomd_fd, s.fd), 0,
		       "unmapped: a second IOMD_IOC_REVOKE succeeds");
	revoked_refusals(&s);
	expect_live(before, 1, s.len,
		    "%s: the revoked descriptor is counted while its fd is open",
		    s.name);
	close(s.fd);
	expect_live(before, 0, 0, "%s: the last close frees it", s.name);
}

/* IOMD_IOC_REVOKE's refusals; none of them revokes anything. */
static void test_errors(void)
{
	unsigned int end = iomd_tap_count() + ERRORS_CHECKS;
	struct iomd_revoke arg;
	unsigned char *p;
	int fd, null_fd, ret;

	fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!iomd_tap_ok(fd >= 0 && null_fd >= 0,
			 "errors: a 1-page buffer and /dev/null")) {
		iomd_tap_skip_to(end, "setup failed");
		return;
	}
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.flags = 1;
	iomd_test_fails(iomd_fd, -1, iomd_ioctl(iomd_fd, IOMD_IOC_REVOKE, &arg),
			EINVAL, "errors: flags 1");
	arg.flags = 0;
	arg.reserved[1] = 1;
	iomd_test_fails(iomd_fd, -1, iomd_ioctl(iomd_fd, IOMD_IOC_REVOKE, &arg),
			EINVAL, "errors: reserved[1] 1");
	iomd_test_fails(iomd_fd, -1, iomd_revoke(iomd_fd, -1), EBADF,
			"errors: fd -1");
	iomd_test_fails(iomd_fd, -1, iomd_revoke(iomd_fd, null_fd), EBADFD,
			"errors: /dev/null's fd");
	/* Nothing was revoked: the buffer still maps and holds its byte. */
	ret = iomd_kwrite(iomd_fd, fd, 0, "k", 1);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	iomd_tap_ok(!ret && p != MAP_FAILED && *p == 'k',
		    "errors: the descriptor named by the refused calls still maps and holds its bytes");
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	iomd_tap_errno(iomd_ioctl(fd, IOMD_IOC_REVOKE, &arg), ENOTTY,
		       "errors: IOMD_IOC_REVOKE on the descriptor fd itself");
	iomd_tap_ok(p != MAP_FAILED && !munmap(p, page), "errors: unmap it");
	close(null_fd);
	close(fd);
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	huge = map_huge_size();
	huge_bytes = 2 * huge > HUGE_MIN ? 2 * huge : HUGE_MIN;
	if (!huge) {
		snprintf(no_huge, sizeof(no_huge), "THP without hpage_pmd_size");
		huge_bytes = 0;
	} else if (!map_huge_fits(2 * huge_bytes)) {
		snprintf(no_huge, sizeof(no_huge),
			 "PMD size %zu MiB: a buffer of two and its copy need more than half of %zu MiB",
			 huge >> 20, map_mem_total() >> 20);
		huge_bytes = 0;
	}
	ref = map_test_start(iomd_fd, PLAN,
			     huge_bytes > NPAGES * page ? huge_bytes :
			     NPAGES * page, SEED, &before);

	test_errors();
	test_buffer(&before);
	test_huge(&before);
	test_user(&before);
	test_last_close(&before);

	return map_test_finish(iomd_fd, &before, ref);
}
