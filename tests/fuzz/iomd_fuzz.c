// SPDX-License-Identifier: GPL-2.0
/*
 * iomd_fuzz: a seeded fuzzer of /dev/iomd, run by `make check` (a short
 * run) and `make fuzz` (a long one).
 *
 * A supervisor forks --procs worker processes (some of them uid 1000 with
 * small RLIMIT_MEMLOCK, RLIMIT_NOFILE and RLIMIT_AS), each running
 * --threads threads.  Every thread draws operations from its own random
 * stream: every ioctl of the uAPI with structures that are valid most of
 * the time and mutated otherwise (bit flips, interesting values, reserved
 * fields and flags set, bad fds, fds of other kinds, kernel and
 * unaligned addresses; descriptors made as handles of a /dev/iomd, and
 * handles, held or made up, where fds go), mixed with mmap, munmap, mremap, mprotect,
 * madvise, memfds (ftruncate, hole punching, seals), touches of every
 * mapping, fork, SCM_RIGHTS fd passing between the processes and exits
 * in every state.  Workers live for a random number of operations and are
 * replaced until --secs have passed.
 *
 * Then it checks, in TAP: that no process died of an unexpected signal
 * (SIGSEGV and SIGBUS on touched mappings are expected and counted: a
 * sigsetjmp handler catches them), that every worker stopped in time, that
 * the module's live counters (descriptors, bytes, zone elements, pinned
 * pages) came back to where they started once every process exited and
 * every fd passed in flight was closed, that no free was refused, and that
 * the device still works.
 *
 * The seed is printed first; each worker's stream is derived from it, its
 * slot and its generation, each thread's from that.  With --procs 1
 * --threads 1 --ops N the sequence of operations is the same on every run
 * of the same seed (results may differ only where the kernel's do: ASLR
 * moves addresses, not decisions).  --trace prints every operation.
 *
 * Safety of the fuzzer itself: nothing the kernel writes on our behalf
 * (KREAD targets, reason and zone-name buffers, segment arrays, user
 * memory a descriptor may write) may land in memory the process had
 * before fuzzing started (its image, heap, stacks): those ranges are read
 * from /proc/self/maps at start, workers allocate nothing afterwards, and
 * a mutated pointer into them is replaced by a bad one.  Everything else
 * in the address space is the fuzzer's own mappings.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iomd_sample.h>

#include "iomd_test.h"

#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#define FZ_MAX_PROCS	16
#define FZ_MAX_THREADS	8
#define FZ_MAX_FDS	40	/* table entries per process */
#define FZ_MAX_HANDLES	24	/* handles tracked per process */
#define FZ_MAX_MAPS	24	/* mappings tracked per process */
#define FZ_MAX_FOREIGN	128
#define FZ_MAX_CHILDREN	2	/* forked children alive per worker */
#define FZ_SLOT_SIZE	(4ul << 20)
#define FZ_NR_SLOTS	16	/* arena: 64 MiB of placement room */
#define FZ_SCRATCH	(256ul << 10)	/* per thread, in the arena */
#define FZ_USER_TOP	0x800000000000ull	/* end of user space */
/* Module-wide buffer bytes above which only small buffers are made. */
#define FZ_BYTES_SOFT	(160ull << 20)
#define FZ_GRACE_SECS	30

enum {
	FZ_BUFFER_CREATE, FZ_INFO, FZ_KREAD, FZ_KWRITE, FZ_REASON, FZ_STATS,
	FZ_ZONE_INFO, FZ_USER_CREATE, FZ_PREPARE, FZ_COMPLETE, FZ_MAP,
	FZ_UNMAP, FZ_REVOKE, FZ_SUBRANGE, FZ_MULTI, FZ_SEGMENTS, FZ_MAP_INFO,
	FZ_BAD_IOCTL, FZ_MMAP, FZ_MUNMAP, FZ_MREMAP, FZ_MPROTECT, FZ_MADVISE,
	FZ_MEMFD, FZ_FTRUNCATE, FZ_FALLOCATE, FZ_TOUCH, FZ_CLOSE, FZ_DUP,
	FZ_SEND_FD, FZ_RECV_FD, FZ_FORK, FZ_SAMPLE, FZ_OPEN_DEV, FZ_FILE_IO,
	FZ_DMABUF, FZ_HANDLE_CLOSE, FZ_HANDLE_EXPORT, FZ_NR_OPS
};

static const char * const fz_op_names[FZ_NR_OPS] = {
	"BUFFER_CREATE", "INFO", "KREAD", "KWRITE", "REASON", "STATS",
	"ZONE_INFO", "USER_CREATE", "PREPARE", "COMPLETE", "MAP", "UNMAP",
	"REVOKE", "SUBRANGE", "MULTI", "SEGMENTS", "MAP_INFO", "bad ioctl",
	"mmap", "munmap", "mremap", "mprotect", "madvise", "memfd_create",
	"ftruncate", "fallocate/seal", "touch", "close", "dup/reopen", "send fd",
	"recv fd", "fork", "sample export", "open /dev/iomd", "read/write",
	"dma-buf export/import", "HANDLE_CLOSE", "HANDLE_EXPORT",
};

/* Relative frequency of each operation. */
static const unsigned int fz_weights[FZ_NR_OPS] = {
	[FZ_BUFFER_CREATE] = 8, [FZ_INFO] = 4, [FZ_KREAD] = 6,
	[FZ_KWRITE] = 6, [FZ_REASON] = 3, [FZ_STATS] = 2,
	[FZ_ZONE_INFO] = 2, [FZ_USER_CREATE] = 7, [FZ_PREPARE] = 5,
	[FZ_COMPLETE] = 4, [FZ_MAP] = 7, [FZ_UNMAP] = 3, [FZ_REVOKE] = 1,
	[FZ_SUBRANGE] = 5, [FZ_MULTI] = 4, [FZ_SEGMENTS] = 3,
	[FZ_MAP_INFO] = 3, [FZ_BAD_IOCTL] = 2, [FZ_MMAP] = 7,
	[FZ_MUNMAP] = 4, [FZ_MREMAP] = 2, [FZ_MPROTECT] = 2,
	[FZ_MADVISE] = 4, [FZ_MEMFD] = 1, [FZ_FTRUNCATE] = 2,
	[FZ_FALLOCATE] = 2, [FZ_TOUCH] = 10, [FZ_CLOSE] = 7, [FZ_DUP] = 1,
	[FZ_SEND_FD] = 3, [FZ_RECV_FD] = 3, [FZ_FORK] = 1, [FZ_SAMPLE] = 1,
	[FZ_OPEN_DEV] = 1, [FZ_FILE_IO] = 2, [FZ_DMABUF] = 3,
	[FZ_HANDLE_CLOSE] = 4, [FZ_HANDLE_EXPORT] = 3,
};

/* Counters of the whole run, in memory shared by every process. */
struct fz_shared {
	uint64_t calls[FZ_NR_OPS];
	uint64_t oks[FZ_NR_OPS];
	uint64_t sigsegv;
	uint64_t sigbus;
	uint64_t workers;
	uint64_t children;
	uint64_t suicides;
	uint64_t bad_deaths;
	uint64_t slot_ops[FZ_MAX_PROCS];
	int stop;
	int intended[FZ_MAX_PROCS];	/* pid about to SIGKILL itself */
	char bad_msg[200];
};

enum { FZ_FD_FREE, FZ_FD_DESC, FZ_FD_MEMFD, FZ_FD_DEV };

struct fz_fd {
	int fd;
	int kind;
	uint64_t len;
};

/*
 * A handle this process made (it may have been closed since, through
 * another copy of the table after a fork): the /dev/iomd fd it was made
 * on, whose release drops it.
 */
struct fz_handle {
	uint32_t handle;	/* 0: free entry */
	int dev;
	uint64_t len;
};

struct fz_map {
	uint64_t addr;
	uint64_t len;	/* 0: free entry */
};

struct fz_range {
	uint64_t start;
	uint64_t end;
};

/* One worker process; its threads share it. */
struct fz_proc {
	pthread_mutex_t lock;
	int slot;
	int gen;
	int dev;
	int sock_tx;
	int sock_rx;
	int pipe_fd;
	bool child;		/* a forked child: one thread */
	bool dropped;		/* uid 1000 */
	uint64_t page;
	uint64_t max_buffer;
	uint64_t live_bytes;	/* last IOMD_IOC_STATS seen */
	uint8_t *arena;
	int64_t budget;		/* operations left before exiting */
	int nr_children;
	int nr_foreign;
	struct fz_range foreign[FZ_MAX_FOREIGN];
	struct fz_fd fds[FZ_MAX_FDS];
	struct fz_handle handles[FZ_MAX_HANDLES];
	struct fz_map maps[FZ_MAX_MAPS];
};

struct fz_thread {
	uint64_t rng;
	int id;
	uint8_t *scratch;
	pthread_t tid;
};

struct fz_opts {
	uint64_t seed;
	unsigned int secs;
	unsigned int procs;
	unsigned int threads;
	uint64_t ops;
	bool trace;
};

static struct fz_shared *fz_sh;
static struct fz_proc fz_p;
static struct fz_opts fz_o;
static struct fz_thread fz_threads[FZ_MAX_THREADS];

static __thread sigjmp_buf fz_jmp;
static __thread int fz_in_touch;
static uint8_t fz_sink;

/* --- random numbers ------------------------------------------------------ */

static uint64_t fz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t fz_rand(struct fz_thread *t)
{
	t->rng = fz_mix(t->rng);
	return t->rng;
}

static uint64_t fz_below(struct fz_thread *t, uint64_t n)
{
	return n ? fz_rand(t) % n : 0;
}

static bool fz_pct(struct fz_thread *t, unsigned int pct)
{
	return fz_below(t, 100) < pct;
}

/* A size: mostly small, sometimes up to 4 MiB, rarely 16 MiB. */
static uint64_t fz_size(struct fz_thread *t, uint64_t page)
{
	unsigned int r = fz_below(t, 100);
	uint64_t n;

	if (r < 60)
		n = 1 + fz_below(t, 16 * page);
	else if (r < 85)
		n = 1 + fz_below(t, 256 << 10);
	else if (r < 98)
		n = 1 + fz_below(t, 4 << 20);
	else
		n = 1 + fz_below(t, 16 << 20);
	if (fz_pct(t, 40))
		n = (n + page - 1) & ~(page - 1);
	if (fz_pct(t, 3))
		n = fz_pct(t, 50) ? 2 << 20 : 4 << 20;
	return n;
}

/* --- addresses ----------------------------------------------------------- */

static const uint64_t fz_bad_addrs[] = {
	0, 8, 0xffff888000000000ull, 0xffffffff81000000ull,
	0x0000800000000000ull, 0xdead000000000000ull, ~0ull - 4095,
};

static uint64_t fz_bad_addr(struct fz_thread *t)
{
	return fz_bad_addrs[fz_below(t, ARRAY_SIZE(fz_bad_addrs))];
}

/*
 * True if the kernel may write @len bytes at @addr for us: no byte of it
 * is memory the process had before it started fuzzing.
 */
static bool fz_safe(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + (len ? len : 1);
	int i;

	if (end < addr || end > FZ_USER_TOP)
		return false;
	if (fz_p.nr_foreign < 0)
		return addr >= (uintptr_t)fz_p.arena &&
		       end <= (uintptr_t)fz_p.arena + FZ_NR_SLOTS * FZ_SLOT_SIZE;
	for (i = 0; i < fz_p.nr_foreign; i++)
		if (addr < fz_p.foreign[i].end && end > fz_p.foreign[i].start)
			return false;
	return true;
}

/* Keep @addr if the kernel may write @len bytes there, else a bad one. */
static uint64_t fz_out(struct fz_thread *t, uint64_t addr, uint64_t len)
{
	return fz_safe(addr, len) ? addr : fz_bad_addr(t);
}

/* Read /proc/self/maps: every range there is off limits from now on. */
static void fz_snapshot(void)
{
	static char buf[32768];
	uint64_t start, end;
	size_t used = 0;
	char *p, *nl;
	ssize_t n;
	int fd;

	fz_p.nr_foreign = 0;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (used < sizeof(buf) - 1) {
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += n;
	}
	close(fd);
	buf[used] = '\0';
	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (fz_p.nr_foreign == FZ_MAX_FOREIGN) {
			/* Too many to list: only the arena is safe. */
			fz_p.nr_foreign = -1;
			return;
		}
		*nl = '\0';
		start = strtoull(p, &p, 16);
		end = strtoull(p + 1, NULL, 16);
		if (start >= FZ_USER_TOP)
			continue;
		/* The main stack may grow. */
		if (strstr(p, "[stack]") && start > (16 << 20))
			start -= 16 << 20;
		fz_p.foreign[fz_p.nr_foreign].start = start;
		fz_p.foreign[fz_p.nr_foreign].end = end;
		fz_p.nr_foreign++;
	}
}

/* --- tables -------------------------------------------------------------- */

static void fz_lock(void)
{
	if (!fz_p.child)
		pthread_mutex_lock(&fz_p.lock);
}

static void fz_unlock(void)
{
	if (!fz_p.child)
		pthread_mutex_unlock(&fz_p.lock);
}

/* Remember @fd; closes it when the table is full. */
static void fz_add_fd(int fd, int kind, uint64_t len)
{
	int i;

	if (fd < 0)
		return;
	fz_lock();
	for (i = 0; i < FZ_MAX_FDS; i++) {
		if (fz_p.fds[i].kind == FZ_FD_FREE) {
			fz_p.fds[i].fd = fd;
			fz_p.fds[i].kind = kind;
			fz_p.fds[i].len = len;
			fz_unlock();
			return;
		}
	}
	fz_unlock();
	close(fd);
}

static int fz_count_fds(int kind)
{
	int i, n = 0;

	for (i = 0; i < FZ_MAX_FDS; i++)
		n += fz_p.fds[i].kind == kind;
	return n;
}

/*
 * Remember @handle, made on @dev; when the table is full, close it (or
 * leave it to @dev's release if that fails).
 */
static void fz_add_handle(uint32_t handle, int dev, uint64_t len)
{
	struct iomd_handle h = { .handle = handle };
	int i;

	fz_lock();
	for (i = 0; i < FZ_MAX_HANDLES; i++) {
		if (!fz_p.handles[i].handle) {
			fz_p.handles[i].handle = handle;
			fz_p.handles[i].dev = dev;
			fz_p.handles[i].len = len;
			fz_unlock();
			return;
		}
	}
	fz_unlock();
	ioctl(dev, IOMD_IOC_HANDLE_CLOSE, &h);
}

/*
 * A tracked handle, the first from a random entry on (the table is
 * small): copied, or false.
 */
static bool fz_pick_handle(struct fz_thread *t, struct fz_handle *out,
			   int *index)
{
	int start = fz_below(t, FZ_MAX_HANDLES), i, at = -1;

	fz_lock();
	for (i = 0; i < FZ_MAX_HANDLES && at < 0; i++)
		if (fz_p.handles[(start + i) % FZ_MAX_HANDLES].handle)
			at = (start + i) % FZ_MAX_HANDLES;
	if (at >= 0)
		*out = fz_p.handles[at];
	fz_unlock();
	if (index)
		*index = at;
	return at >= 0;
}

/* Forget the tracked handle @i if it is still @h. */
static void fz_forget_handle(int i, const struct fz_handle *h)
{
	fz_lock();
	if (fz_p.handles[i].handle == h->handle &&
	    fz_p.handles[i].dev == h->dev)
		fz_p.handles[i].handle = 0;
	fz_unlock();
}

/*
 * A value for a descriptor field that names no descriptor of ours as a
 * handle: a small or random number with IOMD_HANDLE_BIT, the highest
 * handle, or IOMD_REASON_CLIENT.
 */
static uint32_t fz_bad_handle(struct fz_thread *t)
{
	switch (fz_below(t, 4)) {
	case 0:
		return IOMD_HANDLE_BIT | (uint32_t)fz_rand(t);
	case 1:
		return fz_pct(t, 50) ? IOMD_HANDLE_BIT | 0x7ffffffe :
		       IOMD_REASON_CLIENT;
	default:
		return IOMD_HANDLE_BIT | (uint32_t)fz_below(t, 64);
	}
}

/*
 * Remember what a creation gave: a handle (IOMD_HANDLE_BIT, made on
 * @dev) or an fd.
 */
static void fz_add_made(uint32_t made, int dev, uint64_t len)
{
	if (made & IOMD_HANDLE_BIT)
		fz_add_handle(made, dev, len);
	else
		fz_add_fd((int)made, FZ_FD_DESC, len);
}

/*
 * How a creation gives its descriptor: an fd, close-on-exec or not, or
 * a handle, rarely both (EINVAL).
 */
static uint32_t fz_give_flags(struct fz_thread *t)
{
	unsigned int r = fz_below(t, 100);

	if (r < 30)
		return IOMD_CREATE_HANDLE;
	if (r < 32)
		return IOMD_CREATE_HANDLE | IOMD_CREATE_CLOEXEC;
	return r < 66 ? IOMD_CREATE_CLOEXEC : 0;
}

/* A random table entry of @kind (FZ_FD_FREE: any kind): copied, or false. */
static bool fz_pick_entry(struct fz_thread *t, int kind, struct fz_fd *out,
			  int *index)
{
	int i, n = 0, want, pick = -1;

	fz_lock();
	for (i = 0; i < FZ_MAX_FDS; i++)
		if (fz_p.fds[i].kind != FZ_FD_FREE &&
		    (kind == FZ_FD_FREE || fz_p.fds[i].kind == kind))
			n++;
	want = fz_below(t, n);
	for (i = 0; n && i < FZ_MAX_FDS; i++) {
		if (fz_p.fds[i].kind == FZ_FD_FREE ||
		    (kind != FZ_FD_FREE && fz_p.fds[i].kind != kind))
			continue;
		if (want-- == 0) {
			pick = i;
			*out = fz_p.fds[i];
			break;
		}
	}
	fz_unlock();
	if (index)
		*index = pick;
	return pick >= 0;
}

/* Any fd that is not of @kind, or no open fd at all. */
static int fz_other_fd(struct fz_thread *t)
{
	struct fz_fd e;

	switch (fz_below(t, 9)) {
	case 0:
		return -1;
	case 1:
		return fz_p.dev;
	case 2:
		return fz_p.sock_tx;
	case 3:
		return fz_p.pipe_fd;
	case 4:
		return 1000 + fz_below(t, 64);	/* not open */
	case 5:
		return 0x7fffffff;
	case 6:
		return fz_pick_entry(t, FZ_FD_MEMFD, &e, NULL) ? e.fd : 0;
	case 7:
		return fz_pick_entry(t, FZ_FD_DEV, &e, NULL) ? e.fd : 2;
	default:
		return fz_pick_entry(t, FZ_FD_FREE, &e, NULL) ? e.fd : -9;
	}
}

/*
 * A descriptor: an fd (90%) or a handle we hold (25% of those, as
 * (int)handle) with its length; else some other fd or a made-up handle.
 */
static int fz_desc(struct fz_thread *t, uint64_t *len)
{
	struct fz_handle h;
	struct fz_fd e;

	*len = fz_p.page;
	if (fz_pct(t, 90)) {
		if (fz_pct(t, 25) && fz_pick_handle(t, &h, NULL)) {
			*len = h.len ? h.len : fz_p.page;
			return (int)h.handle;
		}
		if (fz_pick_entry(t, FZ_FD_DESC, &e, NULL)) {
			*len = e.len ? e.len : fz_p.page;
			return e.fd;
		}
	}
	if (fz_pct(t, 20))
		return (int)fz_bad_handle(t);
	return fz_other_fd(t);
}

/* The /dev/iomd fd to issue an ioctl on: ours, another, or a wrong one. */
static int fz_dev(struct fz_thread *t)
{
	struct fz_fd e;
	unsigned int r = fz_below(t, 100);

	if (r < 90)
		return fz_p.dev;
	if (r < 95 && fz_pick_entry(t, FZ_FD_DEV, &e, NULL))
		return e.fd;
	return fz_other_fd(t);
}

static void fz_add_map(uint64_t addr, uint64_t len)
{
	int i, victim;

	fz_lock();
	for (i = 0; i < FZ_MAX_MAPS; i++) {
		if (!fz_p.maps[i].len) {
			fz_p.maps[i].addr = addr;
			fz_p.maps[i].len = len;
			fz_unlock();
			return;
		}
	}
	/* Full: forget one (it stays mapped; it is still ours). */
	victim = (int)((addr >> 12) % FZ_MAX_MAPS);
	fz_p.maps[victim].addr = addr;
	fz_p.maps[victim].len = len;
	fz_unlock();
}

/* A random tracked mapping: copied, or false. */
static bool fz_pick_map(struct fz_thread *t, struct fz_map *out, int *index)
{
	int i, n = 0, want;

	fz_lock();
	for (i = 0; i < FZ_MAX_MAPS; i++)
		n += fz_p.maps[i].len != 0;
	want = fz_below(t, n);
	for (i = 0; n && i < FZ_MAX_MAPS; i++) {
		if (fz_p.maps[i].len && want-- == 0) {
			*out = fz_p.maps[i];
			if (index)
				*index = i;
			fz_unlock();
			return true;
		}
	}
	fz_unlock();
	return false;
}

/* Forget the tracked mapping @i if it is still @m. */
static void fz_set_map(int i, const struct fz_map *old, uint64_t addr,
		       uint64_t len)
{
	fz_lock();
	if (fz_p.maps[i].addr == old->addr && fz_p.maps[i].len == old->len) {
		fz_p.maps[i].addr = addr;
		fz_p.maps[i].len = len;
	}
	fz_unlock();
}

/* Forget every tracked mapping that overlaps [addr, addr + len). */
static void fz_forget_maps(uint64_t addr, uint64_t len)
{
	int i;

	fz_lock();
	for (i = 0; i < FZ_MAX_MAPS; i++)
		if (fz_p.maps[i].len && addr < fz_p.maps[i].addr +
		    fz_p.maps[i].len && addr + len > fz_p.maps[i].addr)
			fz_p.maps[i].len = 0;
	fz_unlock();
}

/* An address for a user pointer: in a mapping, in scratch, or anywhere. */
static uint64_t fz_addr(struct fz_thread *t, uint64_t *room)
{
	struct fz_map m;
	uint64_t off;
	unsigned int r = fz_below(t, 100);

	if (r < 45 && fz_pick_map(t, &m, NULL)) {
		off = fz_pct(t, 50) ? 0 : fz_below(t, m.len);
		if (fz_pct(t, 30))
			off &= ~(fz_p.page - 1);
		*room = m.len - off;
		return m.addr + off;
	}
	if (r < 85) {
		off = fz_below(t, FZ_SCRATCH);
		if (fz_pct(t, 50))
			off &= ~(fz_p.page - 1);
		*room = FZ_SCRATCH - off;
		return (uint64_t)(uintptr_t)t->scratch + off;
	}
	if (r < 95) {
		off = fz_below(t, FZ_NR_SLOTS * FZ_SLOT_SIZE);
		*room = FZ_NR_SLOTS * FZ_SLOT_SIZE - off;
		return (uint64_t)(uintptr_t)fz_p.arena + off;
	}
	*room = fz_p.page;
	return fz_bad_addr(t);
}

/* Start of a random arena slot, for fixed placements. */
static uint64_t fz_slot_addr(struct fz_thread *t)
{
	return (uint64_t)(uintptr_t)fz_p.arena +
	       fz_below(t, FZ_NR_SLOTS) * FZ_SLOT_SIZE;
}

/* --- mutation ------------------------------------------------------------ */

static uint64_t fz_interesting(struct fz_thread *t)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 7, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001,
		0xffff, 0x10000, 0x200000, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, ~0ull, 0xffff888000000000ull,
		0x0000800000000000ull,
	};

	switch (fz_below(t, 5)) {
	case 0:
		return fz_p.max_buffer + fz_below(t, 3);
	case 1:
		return fz_p.page * fz_below(t, 4) + fz_below(t, 3) - 1;
	default:
		return v[fz_below(t, ARRAY_SIZE(v))];
	}
}

/*
 * Leave @s alone most of the time; otherwise flip bits, or store
 * interesting values or random words anywhere in it (reserved fields,
 * flags, fds and outputs included).
 */
static bool fz_mutate(struct fz_thread *t, void *s, size_t size)
{
	unsigned char *b = s;
	unsigned int n, i;
	uint64_t v;
	size_t at;

	if (fz_pct(t, 78))
		return false;
	n = 1 + fz_below(t, 3);
	for (i = 0; i < n; i++) {
		switch (fz_below(t, 4)) {
		case 0:
		case 1:
			at = fz_below(t, size * 8);
			b[at / 8] ^= 1u << (at % 8);
			break;
		case 2:
			v = fz_interesting(t);
			at = fz_below(t, size / 4) * 4;
			memcpy(b + at, &v, size - at >= 8 ? 8 : 4);
			break;
		default:
			v = fz_rand(t);
			at = fz_below(t, size / 4) * 4;
			memcpy(b + at, &v, 4);
			break;
		}
	}
	return true;
}

/* --- faults -------------------------------------------------------------- */

static void fz_fault(int sig)
{
	if (!fz_in_touch) {
		/* Not ours to catch: die of it, the supervisor reports it. */
		signal(sig, SIG_DFL);
		return;
	}
	fz_in_touch = 0;
	__atomic_fetch_add(sig == SIGBUS ? &fz_sh->sigbus : &fz_sh->sigsegv,
			   1, __ATOMIC_RELAXED);
	siglongjmp(fz_jmp, sig);
}

/* Read or write a byte per 64 of @len bytes at @p; may fault. */
static __attribute__((noinline)) void fz_do_access(uint8_t *p, uint64_t len,
						   bool write, uint8_t v)
{
	uint64_t i;

	for (i = 0; i < len; i += 64) {
		if (write)
			__atomic_store_n(p + i, v, __ATOMIC_RELAXED);
		else
			v += __atomic_load_n(p + i, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&fz_sink, v, __ATOMIC_RELAXED);
}

/* fz_do_access(), surviving faults: 0 or the signal's number. */
static int fz_access(uint64_t addr, uint64_t len, bool write, uint8_t v)
{
	int sig;

	fz_in_touch = 1;
	sig = sigsetjmp(fz_jmp, 0);
	if (!sig)
		fz_do_access((uint8_t *)(uintptr_t)addr, len, write, v);
	fz_in_touch = 0;
	return sig;
}

/* --- operations ---------------------------------------------------------- */

static int fz_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* The ioctl argument pointer: @arg, rarely a bad one. */
static void *fz_argp(struct fz_thread *t, void *arg)
{
	if (!fz_pct(t, 2))
		return arg;
	if (fz_pct(t, 50))
		return (void *)(uintptr_t)fz_bad_addr(t);
	/* Read-only memory: _IOWR arguments cannot be written back. */
	return (void *)fz_op_names;
}

static int fz_op_buffer_create(struct fz_thread *t)
{
	struct iomd_buffer_create b = { 0 };
	uint64_t soft;
	int dev, ret;

	b.capacity = fz_size(t, fz_p.page);
	if (fz_pct(t, 15))
		b.alignment = 1ull << fz_below(t, 23);
	b.flags = 1 + fz_below(t, 3);
	if (fz_pct(t, 85))
		b.flags |= IOMD_BUF_KERNEL_USER_SHARED;
	if (fz_pct(t, 15))
		b.flags |= IOMD_BUF_CACHE(fz_below(t, 4));
	b.flags |= fz_give_flags(t);
	fz_mutate(t, &b, sizeof(b));
	/* Never allocate a large buffer when many bytes are live already. */
	soft = __atomic_load_n(&fz_p.live_bytes, __ATOMIC_RELAXED) >
	       FZ_BYTES_SOFT ? 64 << 10 : 16 << 20;
	if (b.capacity > soft && b.capacity <= fz_p.max_buffer)
		b.capacity = fz_p.max_buffer + 1 + fz_below(t, 1 << 20);
	dev = fz_dev(t);
	ret = fz_ioctl(dev, IOMD_IOC_BUFFER_CREATE, fz_argp(t, &b));
	if (!ret)
		fz_add_made(b.fd, dev, b.capacity);
	return ret;
}

static int fz_op_info(struct fz_thread *t)
{
	struct iomd_info i = { 0 };
	uint64_t len;

	i.fd = fz_desc(t, &len);
	fz_mutate(t, &i, sizeof(i));
	return fz_ioctl(fz_dev(t), IOMD_IOC_INFO, fz_argp(t, &i));
}

static int fz_op_rw(struct fz_thread *t, bool kread)
{
	struct iomd_rw r = { 0 };
	uint64_t len, room;

	r.fd = fz_desc(t, &len);
	r.offset = fz_pct(t, 50) ? 0 : fz_below(t, len);
	r.length = fz_below(t, len - (r.offset < len ? r.offset : len) + 1);
	if (r.length > FZ_SCRATCH)
		r.length = fz_below(t, FZ_SCRATCH);
	if (fz_pct(t, 30))
		r.flags |= IOMD_RW_KMAP;
	if (fz_pct(t, 10))
		r.flags |= IOMD_RW_CACHE(fz_below(t, 4));
	r.user_addr = fz_addr(t, &room);
	if (r.length > room && fz_pct(t, 80))
		r.length = room;
	fz_mutate(t, &r, sizeof(r));
	if (kread)
		r.user_addr = fz_out(t, r.user_addr, r.length);
	return fz_ioctl(fz_dev(t), kread ? IOMD_IOC_KREAD : IOMD_IOC_KWRITE,
			fz_argp(t, &r));
}

static int fz_op_reason(struct fz_thread *t)
{
	struct iomd_reason r = { 0 };
	uint64_t len;

	r.fd = fz_pct(t, 50) ? IOMD_REASON_CLIENT : (uint32_t)fz_desc(t, &len);
	r.size = fz_below(t, 320);
	r.buf = (uint64_t)(uintptr_t)t->scratch + fz_below(t, 64);
	if (fz_pct(t, 5))
		r.buf = 0;
	fz_mutate(t, &r, sizeof(r));
	r.buf = fz_out(t, r.buf, r.size);
	return fz_ioctl(fz_dev(t), IOMD_IOC_REASON, fz_argp(t, &r));
}

static int fz_op_stats(struct fz_thread *t)
{
	struct iomd_stats s;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = fz_ioctl(fz_dev(t), IOMD_IOC_STATS, fz_argp(t, &s));
	if (!ret && s.max_buffer_bytes)
		__atomic_store_n(&fz_p.live_bytes, s.live_bytes,
				 __ATOMIC_RELAXED);
	return ret;
}

static int fz_op_zone_info(struct fz_thread *t)
{
	struct iomd_zone_info z = { 0 };

	z.index = fz_below(t, 24);
	if (fz_pct(t, 70))
		z.name = (uint64_t)(uintptr_t)t->scratch + fz_below(t, 64);
	fz_mutate(t, &z, sizeof(z));
	if (z.name)
		z.name = fz_out(t, z.name, IOMD_ZONE_NAME_MAX);
	return fz_ioctl(fz_dev(t), IOMD_IOC_ZONE_INFO, fz_argp(t, &z));
}

static int fz_op_user_create(struct fz_thread *t)
{
	struct iomd_range r[IOMD_USER_MAX_RANGES + 1];
	struct iomd_user_create u = { 0 };
	uint64_t room, want, ranges;
	unsigned int i, n;
	int dev, ret;

	memset(r, 0, sizeof(r));
	n = fz_pct(t, 90) ? 1 + fz_below(t, 4) :
	    1 + fz_below(t, IOMD_USER_MAX_RANGES + 1);
	for (i = 0; i < n; i++) {
		r[i].addr = fz_addr(t, &room);
		want = fz_pct(t, 50) ? room : 1 + fz_below(t, 64 << 10);
		r[i].length = want > room && fz_pct(t, 90) ? room : want;
		if (r[i].length > (4 << 20) && fz_pct(t, 90))
			r[i].length = 4 << 20;
		/* Overlapping ranges. */
		if (i && fz_pct(t, 10))
			r[i] = r[i - 1];
	}
	if (fz_pct(t, 10))
		fz_mutate(t, r, n * sizeof(r[0]));
	/* The kernel may write whatever these describe. */
	for (i = 0; i < ARRAY_SIZE(r); i++)
		if (r[i].addr || r[i].length)
			r[i].addr = fz_out(t, r[i].addr, r[i].length);
	ranges = (uint64_t)(uintptr_t)r;
	u.ranges = ranges;
	u.nr_ranges = n;
	u.flags = 1 + fz_below(t, 3);
	if (fz_pct(t, 40))
		u.flags |= IOMD_USER_PREPARE;
	u.flags |= fz_give_flags(t);
	fz_mutate(t, &u, sizeof(u));
	/* Ranges read from anywhere else could describe our own image. */
	if (u.ranges != ranges)
		u.ranges = fz_bad_addr(t);
	dev = fz_dev(t);
	ret = fz_ioctl(dev, IOMD_IOC_USER_CREATE, fz_argp(t, &u));
	if (!ret) {
		room = 0;
		for (i = 0; i < n && i < ARRAY_SIZE(r); i++)
			room += r[i].length;
		fz_add_made(u.fd, dev, room);
	}
	return ret;
}

static int fz_op_wire(struct fz_thread *t, bool prepare)
{
	struct iomd_wire w = { 0 };
	uint64_t len;

	w.fd = fz_desc(t, &len);
	fz_mutate(t, &w, sizeof(w));
	return fz_ioctl(fz_dev(t), prepare ? IOMD_IOC_PREPARE :
			IOMD_IOC_COMPLETE, fz_argp(t, &w));
}

static int fz_op_map(struct fz_thread *t)
{
	struct iomd_map_create m = { 0 };
	struct fz_map old;
	uint64_t len;
	int ret;

	m.fd = fz_desc(t, &len);
	m.options = fz_below(t, 16) & (IOMD_MAP_READONLY | IOMD_MAP_FIXED |
				       IOMD_MAP_ONDEMAND | IOMD_MAP_NOFORK);
	if (fz_pct(t, 20))
		m.options |= IOMD_MAP_NOHUGE;
	if (fz_pct(t, 10))
		m.options |= IOMD_MAP_CACHE(fz_below(t, 4));
	m.offset = fz_pct(t, 40) ? 0 : fz_below(t, len);
	if (fz_pct(t, 50))
		m.offset &= ~(fz_p.page - 1);
	m.length = fz_pct(t, 40) ? 0 : fz_below(t, len - m.offset + 1);
	if (m.options & IOMD_MAP_FIXED) {
		if (fz_pct(t, 70) || !fz_pick_map(t, &old, NULL))
			m.addr = fz_slot_addr(t);
		else
			m.addr = old.addr;
		if (fz_pct(t, 80))
			m.addr += m.offset & (fz_p.page - 1);
	}
	fz_mutate(t, &m, sizeof(m));
	ret = fz_ioctl(fz_dev(t), IOMD_IOC_MAP, fz_argp(t, &m));
	if (!ret) {
		fz_add_map(m.map_addr, m.map_length);
		/* Keep the address space bounded. */
		if (m.map_length > (64 << 20)) {
			fz_forget_maps(m.map_addr, m.map_length);
			munmap((void *)(uintptr_t)m.map_addr, m.map_length);
		}
	}
	return ret;
}

static int fz_op_unmap(struct fz_thread *t)
{
	struct iomd_unmap u = { 0 };
	struct iomd_map_info mi = { 0 };
	struct fz_map m;
	uint64_t room;
	int ret;

	if (fz_pick_map(t, &m, NULL) && fz_pct(t, 85))
		u.addr = m.addr + fz_below(t, m.len);
	else
		u.addr = fz_addr(t, &room);
	fz_mutate(t, &u, sizeof(u));
	mi.addr = u.addr;
	if (fz_ioctl(fz_p.dev, IOMD_IOC_MAP_INFO, &mi))
		mi.map_length = 0;
	ret = fz_ioctl(fz_dev(t), IOMD_IOC_UNMAP, fz_argp(t, &u));
	if (!ret && mi.map_length)
		fz_forget_maps(mi.map_addr, mi.map_length);
	return ret;
}

static int fz_op_revoke(struct fz_thread *t)
{
	struct iomd_revoke r = { 0 };
	uint64_t len;

	r.fd = fz_desc(t, &len);
	fz_mutate(t, &r, sizeof(r));
	return fz_ioctl(fz_dev(t), IOMD_IOC_REVOKE, fz_argp(t, &r));
}

static int fz_op_subrange(struct fz_thread *t)
{
	struct iomd_subrange_create s = { 0 };
	uint64_t len;
	int dev, ret;

	s.fd = fz_desc(t, &len);
	s.offset = fz_pct(t, 30) ? 0 : fz_below(t, len);
	if (fz_pct(t, 50))
		s.offset &= ~(fz_p.page - 1);
	s.length = 1 + fz_below(t, len > s.offset ? len - s.offset : 1);
	if (fz_pct(t, 30))
		s.length = len - s.offset;
	if (fz_pct(t, 40))
		s.flags = fz_below(t, 4);
	s.flags |= fz_give_flags(t);
	fz_mutate(t, &s, sizeof(s));
	dev = fz_dev(t);
	ret = fz_ioctl(dev, IOMD_IOC_SUBRANGE, fz_argp(t, &s));
	if (!ret)
		fz_add_made(s.new_fd, dev, s.length);
	return ret;
}

static int fz_op_multi(struct fz_thread *t)
{
	uint32_t fds[IOMD_MULTI_MAX_DESCS + 1];
	struct iomd_multi_create m = { 0 };
	uint64_t len, total = 0;
	unsigned int i, n;
	int dev, ret;

	n = fz_pct(t, 90) ? 1 + fz_below(t, 6) :
	    1 + fz_below(t, IOMD_MULTI_MAX_DESCS + 1);
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		fds[i] = fz_desc(t, &len);
		if (i < n)
			total += len;
	}
	m.fds = (uint64_t)(uintptr_t)fds;
	m.nr_fds = n;
	if (fz_pct(t, 40))
		m.flags = fz_below(t, 4);
	m.flags |= fz_give_flags(t);
	fz_mutate(t, &m, sizeof(m));
	dev = fz_dev(t);
	ret = fz_ioctl(dev, IOMD_IOC_MULTI, fz_argp(t, &m));
	if (!ret)
		fz_add_made(m.fd, dev, total);
	return ret;
}

static int fz_op_segments(struct fz_thread *t)
{
	struct iomd_segments s = { 0 };
	uint64_t len;

	s.fd = fz_desc(t, &len);
	s.segs = (uint64_t)(uintptr_t)t->scratch + 8 * fz_below(t, 16);
	s.nr = fz_pct(t, 20) ? 0 : 1 + fz_below(t, 64);
	s.first = fz_pct(t, 70) ? 0 : fz_below(t, 8);
	fz_mutate(t, &s, sizeof(s));
	s.segs = fz_out(t, s.segs, (uint64_t)s.nr * sizeof(struct iomd_segment));
	return fz_ioctl(fz_dev(t), IOMD_IOC_SEGMENTS, fz_argp(t, &s));
}

/*
 * Import a descriptor fd (often an exported dma-buf, sometimes anything
 * else) as a dma-buf descriptor; the new fd joins the descriptor fds.
 */
static int fz_op_import(struct fz_thread *t)
{
	struct iomd_import_dmabuf x = { 0 };
	uint64_t len;
	int dev, ret;

	x.dmabuf_fd = fz_desc(t, &len);
	x.flags = fz_below(t, 4);
	x.flags |= fz_give_flags(t);
	fz_mutate(t, &x, sizeof(x));
	dev = fz_dev(t);
	ret = fz_ioctl(dev, IOMD_IOC_IMPORT_DMABUF, fz_argp(t, &x));
	if (!ret)
		fz_add_made(x.fd, dev, x.length);
	return ret;
}

/*
 * Export a descriptor as a dma-buf (its fd joins the descriptor fds, so
 * mmap, ioctls and closes reach it too), import one back, or have the
 * sample driver import one for its device: attach, DMA map, vmap and
 * write.
 */
static int fz_op_dmabuf(struct fz_thread *t)
{
	struct iomd_export_dmabuf x = { 0 };
	struct iomd_sample_import im = { 0 };
	uint64_t len;
	int sfd, ret;

	if (fz_pct(t, 35))
		return fz_op_import(t);

	if (fz_pct(t, 30)) {
		im.dmabuf_fd = fz_desc(t, &len);
		fz_mutate(t, &im, sizeof(im));
		sfd = open("/dev/" IOMD_SAMPLE_DEVICE_NAME, O_RDWR | O_CLOEXEC);
		if (sfd < 0)
			return -errno;
		ret = fz_ioctl(sfd, IOMD_SAMPLE_IOC_IMPORT, fz_argp(t, &im));
		close(sfd);
		return ret;
	}
	x.fd = fz_desc(t, &len);
	if (fz_pct(t, 50))
		x.flags = IOMD_CREATE_CLOEXEC;
	fz_mutate(t, &x, sizeof(x));
	ret = fz_ioctl(fz_dev(t), IOMD_IOC_EXPORT_DMABUF, fz_argp(t, &x));
	if (!ret)
		fz_add_fd((int)x.dmabuf_fd, FZ_FD_DESC, len);
	return ret;
}

/*
 * The handle to close or export: one we hold (85%, on the /dev/iomd it
 * was made on, mostly), else a made-up one, a plain fd or a descriptor
 * fd, on whichever /dev/iomd fz_dev() picks.
 */
static bool fz_handle_arg(struct fz_thread *t, struct iomd_handle *arg,
			  int *dev, struct fz_handle *held, int *index)
{
	uint64_t len;

	if (fz_pct(t, 85) && fz_pick_handle(t, held, index)) {
		arg->handle = held->handle;
		*dev = fz_pct(t, 90) ? held->dev : fz_dev(t);
		return true;
	}
	arg->handle = fz_pct(t, 60) ? fz_bad_handle(t) :
		      (uint32_t)fz_desc(t, &len);
	*dev = fz_dev(t);
	return false;
}

/* Close a handle; once closed, forget it. */
static int fz_op_handle_close(struct fz_thread *t)
{
	struct iomd_handle arg = { 0 };
	struct fz_handle held;
	bool ours;
	int dev, i, ret;

	ours = fz_handle_arg(t, &arg, &dev, &held, &i);
	fz_mutate(t, &arg, sizeof(arg));
	ret = fz_ioctl(dev, IOMD_IOC_HANDLE_CLOSE, fz_argp(t, &arg));
	if (ours && (!ret || ret == -EBADF) && dev == held.dev &&
	    arg.handle == held.handle)
		fz_forget_handle(i, &held);
	return ret;
}

/* Give a handle's descriptor an fd, which joins the descriptor fds. */
static int fz_op_handle_export(struct fz_thread *t)
{
	struct iomd_handle arg = { 0 };
	struct fz_handle held = { 0 };
	int dev, ret;

	fz_handle_arg(t, &arg, &dev, &held, NULL);
	if (fz_pct(t, 50))
		arg.flags = IOMD_CREATE_CLOEXEC;
	fz_mutate(t, &arg, sizeof(arg));
	ret = fz_ioctl(dev, IOMD_IOC_HANDLE_EXPORT, fz_argp(t, &arg));
	if (!ret)
		fz_add_fd((int)arg.fd, FZ_FD_DESC,
			  held.len ? held.len : fz_p.page);
	return ret;
}

static int fz_op_map_info(struct fz_thread *t)
{
	struct iomd_map_info mi = { 0 };
	uint64_t room;

	mi.addr = fz_addr(t, &room);
	fz_mutate(t, &mi, sizeof(mi));
	return fz_ioctl(fz_dev(t), IOMD_IOC_MAP_INFO, fz_argp(t, &mi));
}

/* An ioctl number the driver does not have, or one of the wrong size. */
static int fz_op_bad_ioctl(struct fz_thread *t)
{
	unsigned long cmd;
	uint64_t len;
	int fd;

	unsigned int type = IOMD_IOC_MAGIC;

	/*
	 * Other types rarely, never those the VFS handles for any file
	 * (FIFREEZE and FS_IOC_SETFLAGS would act on /dev itself).
	 */
	if (fz_pct(t, 10)) {
		type = 0x20 + fz_below(t, 0xe0);
		if (type == 'X' || type == 'f' || type == 'T' || type == 0x94)
			type = IOMD_SAMPLE_IOC_MAGIC;
	}
	cmd = _IOC(fz_below(t, 4), type, fz_below(t, 0x20), fz_below(t, 160));
	fd = fz_pct(t, 70) ? fz_p.dev : fz_desc(t, &len);
	memset(t->scratch, 0, 512);
	return fz_ioctl(fd, cmd, t->scratch);
}

static int fz_op_mmap(struct fz_thread *t)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC,
	};
	struct fz_map old;
	uint64_t len = fz_p.page, want, off = 0, addr = 0;
	int flags = MAP_SHARED, fd = -1, prot;
	unsigned int r = fz_below(t, 100);
	struct fz_fd e;
	void *p;

	if (r < 55) {
		fd = fz_desc(t, &len);
	} else if (r < 75 && fz_pick_entry(t, FZ_FD_MEMFD, &e, NULL)) {
		fd = e.fd;
		len = e.len ? e.len : fz_p.page;
	} else if (r < 90) {
		flags |= MAP_ANONYMOUS;
		len = fz_size(t, fz_p.page);
	} else if (r < 95) {
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		len = fz_size(t, fz_p.page);
	} else {
		fd = fz_other_fd(t);
	}
	if (fz_pct(t, 30) && len > fz_p.page)
		off = fz_below(t, len) & ~(fz_p.page - 1);
	if (fz_pct(t, 3))
		off += fz_below(t, fz_p.page);
	want = fz_pct(t, 60) ? len - (off < len ? off : 0) :
	       1 + fz_below(t, len + fz_p.page);
	if (want > FZ_SLOT_SIZE)
		want = FZ_SLOT_SIZE;
	if (fz_pct(t, 5) && !(flags & MAP_ANONYMOUS))
		flags = (flags & ~MAP_SHARED) | MAP_PRIVATE;
	if (fz_pct(t, 15))
		flags |= MAP_POPULATE;
	if (fz_pct(t, 60)) {
		flags |= MAP_FIXED;
		addr = fz_slot_addr(t);
		if (fz_pct(t, 20) && fz_pick_map(t, &old, NULL)) {
			addr = old.addr;
			if (want > old.len)
				want = old.len;
		}
		if (fz_pct(t, 30))
			flags = (flags & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
	}
	prot = prots[fz_below(t, ARRAY_SIZE(prots))];
	p = mmap((void *)(uintptr_t)addr, want, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	if (flags & MAP_FIXED)
		fz_forget_maps(addr, want);
	fz_add_map((uint64_t)(uintptr_t)p, (want + fz_p.page - 1) &
		   ~(fz_p.page - 1));
	return 0;
}

/* A page-aligned part of mapping @m: whole, head, tail or middle. */
static void fz_part(struct fz_thread *t, const struct fz_map *m,
		    uint64_t *addr, uint64_t *len)
{
	uint64_t pages = m->len / fz_p.page, skip, n;

	skip = fz_pct(t, 50) ? 0 : fz_below(t, pages);
	n = fz_pct(t, 50) ? pages - skip : 1 + fz_below(t, pages - skip);
	*addr = m->addr + skip * fz_p.page;
	*len = n * fz_p.page;
	if (fz_pct(t, 3))
		*addr += 1 + fz_below(t, fz_p.page - 1);
}

static int fz_op_munmap(struct fz_thread *t)
{
	uint64_t addr, len;
	struct fz_map m;
	int i;

	if (!fz_pick_map(t, &m, &i))
		return -ENOENT;
	fz_part(t, &m, &addr, &len);
	if (munmap((void *)(uintptr_t)addr, len))
		return -errno;
	/* Keep the head (a middle punch forgets the tail, still mapped). */
	if (addr == m.addr)
		fz_set_map(i, &m, addr + len, len < m.len ? m.len - len : 0);
	else
		fz_set_map(i, &m, m.addr, addr - m.addr);
	return 0;
}

static int fz_op_mremap(struct fz_thread *t)
{
	uint64_t newlen, addr;
	struct fz_map m;
	int flags = 0, i;
	void *p;

	if (!fz_pick_map(t, &m, &i))
		return -ENOENT;
	newlen = (1 + fz_below(t, 2 * m.len / fz_p.page)) * fz_p.page;
	if (newlen > FZ_SLOT_SIZE)
		newlen = FZ_SLOT_SIZE;
	addr = 0;
	switch (fz_below(t, 4)) {
	case 0:
		break;
	case 1:
		flags = MREMAP_MAYMOVE;
		break;
	case 2:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		addr = fz_slot_addr(t);
		break;
	default:
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		newlen = m.len;
		break;
	}
	if (flags & MREMAP_FIXED)
		p = mremap((void *)(uintptr_t)m.addr, m.len, newlen, flags,
			   (void *)(uintptr_t)addr);
	else
		p = mremap((void *)(uintptr_t)m.addr, m.len, newlen, flags);
	if (p == MAP_FAILED)
		return -errno;
	if (flags & MREMAP_FIXED)
		fz_forget_maps(addr, newlen);
	if (flags & MREMAP_DONTUNMAP)
		fz_add_map((uint64_t)(uintptr_t)p, newlen);
	else
		fz_set_map(i, &m, (uint64_t)(uintptr_t)p, newlen);
	return 0;
}

static int fz_op_mprotect(struct fz_thread *t)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
		PROT_READ | PROT_EXEC,
	};
	uint64_t addr, len;
	struct fz_map m;

	if (!fz_pick_map(t, &m, NULL))
		return -ENOENT;
	fz_part(t, &m, &addr, &len);
	return mprotect((void *)(uintptr_t)addr, len,
			prots[fz_below(t, ARRAY_SIZE(prots))]) ? -errno : 0;
}

static int fz_op_madvise(struct fz_thread *t)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DONTNEED, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_FREE,
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_HUGEPAGE,
		MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_COLLAPSE,
	};
	uint64_t addr, len;
	struct fz_map m;

	if (!fz_pick_map(t, &m, NULL))
		return -ENOENT;
	fz_part(t, &m, &addr, &len);
	return madvise((void *)(uintptr_t)addr, len,
		       advice[fz_below(t, ARRAY_SIZE(advice))]) ? -errno : 0;
}

static int fz_op_memfd(struct fz_thread *t)
{
	uint64_t size = fz_size(t, fz_p.page);
	int fd;

	if (size > (4 << 20))
		size = 4 << 20;
	fz_lock();
	fd = fz_count_fds(FZ_FD_MEMFD);
	fz_unlock();
	if (fd >= 4)
		return -EMFILE;
	fd = memfd_create("iomd-fuzz", MFD_CLOEXEC |
			  (fz_pct(t, 50) ? MFD_ALLOW_SEALING : 0));
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size)) {
		close(fd);
		return -errno;
	}
	fz_add_fd(fd, FZ_FD_MEMFD, size);
	return 0;
}

static int fz_op_ftruncate(struct fz_thread *t)
{
	uint64_t size;
	struct fz_fd e;
	int i;

	if (!fz_pick_entry(t, FZ_FD_MEMFD, &e, &i))
		return -ENOENT;
	size = fz_pct(t, 30) ? 0 : fz_below(t, 4 << 20);
	if (fz_pct(t, 50))
		size &= ~(fz_p.page - 1);
	if (ftruncate(e.fd, size))
		return -errno;
	fz_lock();
	if (fz_p.fds[i].fd == e.fd && fz_p.fds[i].kind == FZ_FD_MEMFD)
		fz_p.fds[i].len = size;
	fz_unlock();
	return 0;
}

static int fz_op_fallocate(struct fz_thread *t)
{
	static const int seals[] = {
		F_SEAL_WRITE, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_FUTURE_WRITE,
	};
	uint64_t off, len;
	struct fz_fd e;

	if (!fz_pick_entry(t, FZ_FD_MEMFD, &e, NULL))
		return -ENOENT;
	if (fz_pct(t, 10))
		return fcntl(e.fd, F_ADD_SEALS,
			     seals[fz_below(t, ARRAY_SIZE(seals))]) ? -errno :
			     0;
	off = fz_below(t, e.len + 1);
	len = 1 + fz_below(t, e.len - off + fz_p.page);
	if (fz_pct(t, 50)) {
		off &= ~(fz_p.page - 1);
		len = (len + fz_p.page - 1) & ~(fz_p.page - 1);
	}
	if (fz_pct(t, 75))
		return fallocate(e.fd, FALLOC_FL_PUNCH_HOLE |
				 FALLOC_FL_KEEP_SIZE, off, len) ? -errno : 0;
	if (off + len > (4 << 20))
		return -EFBIG;
	return fallocate(e.fd, fz_pct(t, 50) ? FALLOC_FL_KEEP_SIZE : 0, off,
			 len) ? -errno : 0;
}

static int fz_op_touch(struct fz_thread *t)
{
	uint64_t addr, len = 1, room;
	struct fz_map m;
	int sig;

	if (fz_pct(t, 85) && fz_pick_map(t, &m, NULL)) {
		addr = m.addr + fz_below(t, m.len);
		room = m.addr + m.len - addr;
	} else {
		addr = fz_addr(t, &room);
	}
	if (fz_pct(t, 15))
		len = 1 + fz_below(t, room < (64 << 10) ? room : 64 << 10);
	/* Never write memory that is not the fuzzer's own mappings. */
	if (!fz_safe(addr, len))
		return -EFAULT;
	sig = fz_access(addr, len, fz_pct(t, 50), (uint8_t)fz_rand(t));
	return sig ? -EFAULT : 0;
}

static int fz_op_close(struct fz_thread *t)
{
	struct fz_fd e;
	int i;

	if (!fz_pick_entry(t, FZ_FD_FREE, &e, &i))
		return -ENOENT;
	fz_lock();
	if (fz_p.fds[i].fd != e.fd || fz_p.fds[i].kind != e.kind) {
		fz_unlock();
		return -EAGAIN;
	}
	fz_p.fds[i].kind = FZ_FD_FREE;
	fz_p.fds[i].fd = -1;
	fz_unlock();
	return close(e.fd) ? -errno : 0;
}

/*
 * A second fd of an entry: a dup, or a reopen through /proc/self/fd,
 * which makes a new file of a memfd or of /dev/iomd and is refused for
 * descriptor and dma-buf fds (their files name no object to reopen).
 */
static int fz_op_dup(struct fz_thread *t)
{
	char path[32];
	struct fz_fd e;
	int fd;

	if (!fz_pick_entry(t, FZ_FD_FREE, &e, NULL))
		return -ENOENT;
	if (fz_pct(t, 50)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", e.fd);
		fd = open(path, (fz_pct(t, 50) ? O_RDWR : O_RDONLY) |
			  O_CLOEXEC);
	} else {
		fd = fcntl(e.fd, F_DUPFD_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	fz_add_fd(fd, e.kind, e.len);
	return 0;
}

static int fz_op_send_fd(struct fz_thread *t)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct fz_fd e;
	char byte = 0;
	int i;

	if (!fz_pick_entry(t, FZ_FD_FREE, &e, &i))
		return -ENOENT;
	memset(&u, 0, sizeof(u));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &e.fd, sizeof(int));
	if (sendmsg(fz_p.sock_tx, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		return -errno;
	/* Half the time give it away. */
	if (fz_pct(t, 50)) {
		fz_lock();
		if (fz_p.fds[i].fd == e.fd && fz_p.fds[i].kind == e.kind) {
			fz_p.fds[i].kind = FZ_FD_FREE;
			fz_p.fds[i].fd = -1;
			close(e.fd);
		}
		fz_unlock();
	}
	return 0;
}

/* Receive one passed fd from @sock (non-blocking): the fd or -errno. */
static int fz_recv_fd(int sock)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	char byte;
	int fd;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static int fz_op_recv_fd(void)
{
	struct iomd_info i = { 0 };
	int fd = fz_recv_fd(fz_p.sock_rx);

	if (fd < 0)
		return fd;
	i.fd = fd;
	if (!fz_ioctl(fz_p.dev, IOMD_IOC_INFO, &i))
		fz_add_fd(fd, FZ_FD_DESC, i.length);
	else if (fcntl(fd, F_GET_SEALS) >= 0)
		fz_add_fd(fd, FZ_FD_MEMFD, 0);
	else
		fz_add_fd(fd, FZ_FD_DEV, 0);
	return 0;
}

static int fz_op_sample(struct fz_thread *t)
{
	int fd;

	fd = iomd_test_sample_export(1 + fz_below(t, 3),
				     1 + fz_below(t, 64 << 10),
				     fz_below(t, 3 * fz_p.page));
	if (fd >= 0)
		fz_add_fd(fd, FZ_FD_DESC, fz_p.page);
	return fd < 0 ? fd : 0;
}

static int fz_op_open_dev(void)
{
	int fd, n;

	fz_lock();
	n = fz_count_fds(FZ_FD_DEV);
	fz_unlock();
	if (n >= 2)
		return -EMFILE;
	fd = open(IOMD_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fz_add_fd(fd, FZ_FD_DEV, 0);
	return 0;
}

/* The kernel copies to or from mappings: read()/write() of a memfd. */
static int fz_op_file_io(struct fz_thread *t)
{
	uint64_t addr, room, len;
	struct fz_fd e;
	ssize_t n;

	if (!fz_pick_entry(t, FZ_FD_MEMFD, &e, NULL))
		return -ENOENT;
	addr = fz_addr(t, &room);
	len = 1 + fz_below(t, room < (64 << 10) ? room : 64 << 10);
	if (fz_pct(t, 50)) {
		n = pwrite(e.fd, (void *)(uintptr_t)addr, len,
			   fz_below(t, e.len + 1));
	} else {
		if (!fz_safe(addr, len))
			return -EFAULT;
		n = pread(e.fd, (void *)(uintptr_t)addr, len,
			  fz_below(t, e.len + 1));
	}
	return n < 0 ? -errno : 0;
}

static int fz_run_op(struct fz_thread *t, int op);

/* Reap this worker's children; a death by signal is a failure. */
static void fz_reap(bool block)
{
	int status;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, block ? 0 : WNOHANG);
		if (pid <= 0)
			return;
		__atomic_fetch_sub(&fz_p.nr_children, 1, __ATOMIC_RELAXED);
		if (WIFSIGNALED(status) ||
		    (WIFEXITED(status) && WEXITSTATUS(status))) {
			if (__atomic_fetch_add(&fz_sh->bad_deaths, 1,
					       __ATOMIC_RELAXED) == 0)
				snprintf(fz_sh->bad_msg, sizeof(fz_sh->bad_msg),
					 "a forked child of worker %d died: status 0x%x",
					 fz_p.slot, status);
		}
	}
}

static int fz_pick_op(struct fz_thread *t);

static void fz_child_main(struct fz_thread *t)
{
	unsigned int n = 1 + fz_below(t, 200), i;
	int op;

	fz_p.child = true;
	pthread_mutex_init(&fz_p.lock, NULL);
	/* The same mix as its parent's, but no fork and no threads. */
	for (i = 0; i < n && !__atomic_load_n(&fz_sh->stop, __ATOMIC_RELAXED);
	     i++) {
		op = fz_pick_op(t);
		fz_run_op(t, op == FZ_FORK ? FZ_TOUCH : op);
	}
	_exit(0);
}

static int fz_op_fork(struct fz_thread *t)
{
	pid_t pid;

	if (fz_p.child ||
	    __atomic_load_n(&fz_p.nr_children, __ATOMIC_RELAXED) >=
	    FZ_MAX_CHILDREN)
		return -EAGAIN;
	/* The lock keeps the tables consistent in the child's copy. */
	fz_lock();
	pid = fork();
	if (pid == 0) {
		t->rng = fz_mix(t->rng ^ 0xc1d);
		fz_child_main(t);
	}
	fz_unlock();
	if (pid < 0)
		return -errno;
	__atomic_fetch_add(&fz_p.nr_children, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fz_sh->children, 1, __ATOMIC_RELAXED);
	return 0;
}

static int fz_run_op(struct fz_thread *t, int op)
{
	int ret;

	switch (op) {
	case FZ_BUFFER_CREATE:
		ret = fz_op_buffer_create(t);
		break;
	case FZ_INFO:
		ret = fz_op_info(t);
		break;
	case FZ_KREAD:
	case FZ_KWRITE:
		ret = fz_op_rw(t, op == FZ_KREAD);
		break;
	case FZ_REASON:
		ret = fz_op_reason(t);
		break;
	case FZ_STATS:
		ret = fz_op_stats(t);
		break;
	case FZ_ZONE_INFO:
		ret = fz_op_zone_info(t);
		break;
	case FZ_USER_CREATE:
		ret = fz_op_user_create(t);
		break;
	case FZ_PREPARE:
	case FZ_COMPLETE:
		ret = fz_op_wire(t, op == FZ_PREPARE);
		break;
	case FZ_MAP:
		ret = fz_op_map(t);
		break;
	case FZ_UNMAP:
		ret = fz_op_unmap(t);
		break;
	case FZ_REVOKE:
		ret = fz_op_revoke(t);
		break;
	case FZ_SUBRANGE:
		ret = fz_op_subrange(t);
		break;
	case FZ_MULTI:
		ret = fz_op_multi(t);
		break;
	case FZ_SEGMENTS:
		ret = fz_op_segments(t);
		break;
	case FZ_MAP_INFO:
		ret = fz_op_map_info(t);
		break;
	case FZ_DMABUF:
		ret = fz_op_dmabuf(t);
		break;
	case FZ_BAD_IOCTL:
		ret = fz_op_bad_ioctl(t);
		break;
	case FZ_MMAP:
		ret = fz_op_mmap(t);
		break;
	case FZ_MUNMAP:
		ret = fz_op_munmap(t);
		break;
	case FZ_MREMAP:
		ret = fz_op_mremap(t);
		break;
	case FZ_MPROTECT:
		ret = fz_op_mprotect(t);
		break;
	case FZ_MADVISE:
		ret = fz_op_madvise(t);
		break;
	case FZ_MEMFD:
		ret = fz_op_memfd(t);
		break;
	case FZ_FTRUNCATE:
		ret = fz_op_ftruncate(t);
		break;
	case FZ_FALLOCATE:
		ret = fz_op_fallocate(t);
		break;
	case FZ_TOUCH:
		ret = fz_op_touch(t);
		break;
	case FZ_CLOSE:
		ret = fz_op_close(t);
		break;
	case FZ_DUP:
		ret = fz_op_dup(t);
		break;
	case FZ_SEND_FD:
		ret = fz_op_send_fd(t);
		break;
	case FZ_RECV_FD:
		ret = fz_op_recv_fd();
		break;
	case FZ_FORK:
		ret = fz_op_fork(t);
		break;
	case FZ_SAMPLE:
		ret = fz_op_sample(t);
		break;
	case FZ_OPEN_DEV:
		ret = fz_op_open_dev();
		break;
	case FZ_HANDLE_CLOSE:
		ret = fz_op_handle_close(t);
		break;
	case FZ_HANDLE_EXPORT:
		ret = fz_op_handle_export(t);
		break;
	default:
		ret = fz_op_file_io(t);
		break;
	}
	__atomic_fetch_add(&fz_sh->calls[op], 1, __ATOMIC_RELAXED);
	if (!ret)
		__atomic_fetch_add(&fz_sh->oks[op], 1, __ATOMIC_RELAXED);
	if (fz_o.trace) {
		char line[96];
		int n;

		n = snprintf(line, sizeof(line), "w%d.%d%s t%d %s = %d\n",
			     fz_p.slot, fz_p.gen, fz_p.child ? "c" : "", t->id,
			     fz_op_names[op], ret);
		if (write(2, line, n) < 0)
			return ret;
	}
	return ret;
}

static unsigned int fz_total_weight;

static int fz_pick_op(struct fz_thread *t)
{
	unsigned int r, i;

	r = fz_below(t, fz_total_weight);
	for (i = 0; i < FZ_NR_OPS - 1; i++) {
		if (r < fz_weights[i])
			break;
		r -= fz_weights[i];
	}
	return i;
}

/* --- workers ------------------------------------------------------------- */

/* End this worker: plainly, after closing everything, or by SIGKILL. */
static __noreturn void fz_worker_exit(struct fz_thread *t)
{
	int i;

	switch (fz_below(t, 4)) {
	case 0:
		fz_lock();
		for (i = 0; i < FZ_MAX_FDS; i++)
			if (fz_p.fds[i].kind != FZ_FD_FREE)
				close(fz_p.fds[i].fd);
		_exit(0);
	case 1:
		__atomic_store_n(&fz_sh->intended[fz_p.slot], getpid(),
				 __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&fz_sh->suicides, 1, __ATOMIC_RELAXED);
		raise(SIGKILL);
		_exit(0);
	default:
		_exit(0);
	}
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread *t = arg;
	unsigned int n = 0;

	/* Wait until the worker has set everything up. */
	fz_lock();
	fz_unlock();
	for (;;) {
		if (__atomic_load_n(&fz_sh->stop, __ATOMIC_RELAXED))
			_exit(0);
		if (__atomic_sub_fetch(&fz_p.budget, 1, __ATOMIC_RELAXED) < 0)
			fz_worker_exit(t);
		__atomic_fetch_add(&fz_sh->slot_ops[fz_p.slot], 1,
				   __ATOMIC_RELAXED);
		fz_run_op(t, fz_pick_op(t));
		if (t->id == 0 && !(++n % 16))
			fz_reap(false);
	}
	return NULL;
}

static void fz_drop_privileges(uint64_t seed)
{
	struct rlimit rl;

	rl.rlim_cur = (seed & 3) * 256 * 1024;	/* 0 to 768 KiB pinned */
	rl.rlim_max = rl.rlim_cur;
	setrlimit(RLIMIT_MEMLOCK, &rl);
	rl.rlim_cur = 24 + ((seed >> 2) & 31);
	rl.rlim_max = rl.rlim_cur;
	setrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (256ul + 128 * ((seed >> 7) & 3)) << 20;
	rl.rlim_max = rl.rlim_cur;
	setrlimit(RLIMIT_AS, &rl);
	if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
	    setresuid(1000, 1000, 1000))
		_exit(3);
}

static __noreturn void fz_worker(int slot, int gen, uint64_t seed, int sock_tx,
				 int sock_rx)
{
	struct sigaction sa;
	pthread_attr_t attr;
	struct fz_thread *t;
	unsigned int i, nthreads;
	struct iomd_stats st;
	uint64_t r = seed;
	int pipefd[2];
	void *arena;

	memset(&fz_p, 0, sizeof(fz_p));
	pthread_mutex_init(&fz_p.lock, NULL);
	fz_p.slot = slot;
	fz_p.gen = gen;
	fz_p.sock_tx = sock_tx;
	fz_p.sock_rx = sock_rx;
	fz_p.page = sysconf(_SC_PAGESIZE);
	for (i = 0; i < FZ_MAX_FDS; i++)
		fz_p.fds[i].fd = -1;
	r = fz_mix(r);
	/* Lifetime: 100 to 25600 operations, log-uniform-ish. */
	fz_p.budget = 100 << (r % 9);
	fz_p.budget += fz_mix(r) % fz_p.budget;
	r = fz_mix(r);
	nthreads = fz_o.threads;
	if (nthreads > 1 && r % 4 == 0)
		nthreads = 1 + fz_mix(r) % nthreads;
	if (fz_o.ops)
		fz_p.budget = fz_o.ops;
	for (i = 0; i < FZ_NR_OPS; i++)
		fz_total_weight += fz_weights[i];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fz_fault;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fz_p.dev = iomd_open();
	if (fz_p.dev < 0)
		_exit(4);
	memset(&st, 0, sizeof(st));
	if (fz_ioctl(fz_p.dev, IOMD_IOC_STATS, &st))
		_exit(4);
	fz_p.max_buffer = st.max_buffer_bytes;
	fz_p.live_bytes = st.live_bytes;
	if (pipe2(pipefd, O_CLOEXEC))
		_exit(4);
	close(pipefd[1]);
	fz_p.pipe_fd = pipefd[0];
	/* Odd slots run as uid 1000 with small limits. */
	if (slot & 1) {
		fz_p.dropped = true;
		fz_drop_privileges(fz_mix(r));
	}

	/*
	 * Threads first (their stacks must be in the snapshot), held back
	 * by the lock; then the snapshot; then the arena (not in it):
	 * placement room, 2 MiB aligned, and per-thread scratch.
	 */
	pthread_mutex_lock(&fz_p.lock);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (i = 0; i < nthreads; i++) {
		t = &fz_threads[i];
		t->id = i;
		t->rng = fz_mix(seed ^ (0x7417ull * (i + 1)));
		if (i && pthread_create(&t->tid, &attr, fz_thread_main, t))
			_exit(6);
	}
	fz_snapshot();
	arena = mmap(NULL, FZ_NR_SLOTS * FZ_SLOT_SIZE + (2 << 20) +
		     FZ_MAX_THREADS * FZ_SCRATCH, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		_exit(5);
	fz_p.arena = (uint8_t *)(((uintptr_t)arena + (2 << 20) - 1) &
				 ~((uintptr_t)(2 << 20) - 1));
	for (i = 0; i < nthreads; i++) {
		t = &fz_threads[i];
		t->scratch = fz_p.arena + FZ_NR_SLOTS * FZ_SLOT_SIZE +
			     i * FZ_SCRATCH;
		if (mprotect(t->scratch, FZ_SCRATCH, PROT_READ | PROT_WRITE))
			_exit(5);
	}
	pthread_mutex_unlock(&fz_p.lock);
	fz_thread_main(&fz_threads[0]);
	_exit(0);
}

/* --- supervisor ---------------------------------------------------------- */

struct fz_slot {
	pid_t pid;
	int gen;
	bool done;
};

static void fz_bad(const char *fmt, int a, int b)
{
	if (__atomic_fetch_add(&fz_sh->bad_deaths, 1, __ATOMIC_RELAXED) == 0)
		snprintf(fz_sh->bad_msg, sizeof(fz_sh->bad_msg), fmt, a, b);
}

static double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t fz_spawn(struct fz_slot *s, int slot, int tx, int rx)
{
	uint64_t seed = fz_mix(fz_o.seed ^ ((uint64_t)slot << 40) ^
			       ((uint64_t)s->gen << 8));
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		fz_worker(slot, s->gen, seed, tx, rx);
	if (pid > 0) {
		s->pid = pid;
		__atomic_fetch_add(&fz_sh->workers, 1, __ATOMIC_RELAXED);
		if (fz_o.trace)
			fprintf(stderr, "worker %d gen %d pid %d seed 0x%llx\n",
				slot, s->gen, pid, (unsigned long long)seed);
	}
	return pid;
}

/* Judge the death of @pid (a worker of @slots, or an orphaned child). */
static void fz_judge(struct fz_slot *slots, pid_t pid, int status)
{
	unsigned int i;

	for (i = 0; i < fz_o.procs; i++)
		if (slots[i].pid == pid)
			break;
	if (i < fz_o.procs) {
		slots[i].pid = 0;
		slots[i].gen++;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		    fz_sh->intended[i] == pid)
			return;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return;
		fz_bad("worker %d died: wait status 0x%x", i, status);
		return;
	}
	if (WIFSIGNALED(status) || WEXITSTATUS(status))
		fz_bad("an orphaned child (pid %d) died: wait status 0x%x",
		       pid, status);
}

/* Wait until the live counters equal @want's (up to 20 s). */
static void fz_settle(int dev, const struct iomd_stats *want,
		      struct iomd_stats *got)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000; i++) {
		iomd_test_stats(dev, got);
		if (got->live_descriptors == want->live_descriptors &&
		    got->live_bytes == want->live_bytes &&
		    got->pinned_pages == want->pinned_pages &&
		    got->live_zone_elements == want->live_zone_elements)
			return;
		nanosleep(&tick, NULL);
	}
}

/* After the run: create, map, touch and read back a buffer. */
static bool fz_sanity(int dev)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	unsigned char back[64];
	unsigned char *p;
	void *m;
	int fd, ret;

	fd = iomd_buffer_create(dev, 4 * page, 0, IOMD_TEST_SHARED_INOUT);
	if (fd < 0)
		return false;
	ret = iomd_map(fd, 0, 4 * page, PROT_READ | PROT_WRITE, &m);
	if (ret) {
		iomd_close(fd);
		return false;
	}
	p = m;
	iomd_test_fill(p + page, sizeof(back), 42);
	ret = iomd_kread(dev, fd, page, back, sizeof(back));
	iomd_unmap(m, 4 * page);
	iomd_close(fd);
	return !ret && iomd_test_check(back, sizeof(back), 42) == sizeof(back);
}

static uint64_t fz_env(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void fz_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--secs S] [--procs P] [--threads T]\n"
		"          [--ops N] [--trace]\n"
		"Defaults from IOMD_FUZZ_SEED (random), IOMD_FUZZ_SECS (10),\n"
		"IOMD_FUZZ_PROCS (4), IOMD_FUZZ_THREADS (3), IOMD_FUZZ_OPS\n"
		"and IOMD_FUZZ_TRACE (0). --ops N: each\n"
		"worker stops after N operations (one worker generation per\n"
		"slot); with --procs 1 --threads 1 the sequence is the same\n"
		"for the same seed.\n", prog);
	exit(2);
}

static void fz_args(int argc, char **argv)
{
	struct timespec ts;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	fz_o.seed = fz_env("IOMD_FUZZ_SEED",
			   fz_mix(ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
				  getpid()) % 1000000000ull);
	fz_o.secs = fz_env("IOMD_FUZZ_SECS", 10);
	fz_o.procs = fz_env("IOMD_FUZZ_PROCS", 4);
	fz_o.threads = fz_env("IOMD_FUZZ_THREADS", 3);
	fz_o.ops = fz_env("IOMD_FUZZ_OPS", 0);
	fz_o.trace = fz_env("IOMD_FUZZ_TRACE", 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace")) {
			fz_o.trace = true;
			continue;
		}
		if (i + 1 >= argc)
			fz_usage(argv[0]);
		if (!strcmp(argv[i], "--seed"))
			fz_o.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--secs"))
			fz_o.secs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--procs"))
			fz_o.procs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			fz_o.threads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops"))
			fz_o.ops = strtoull(argv[++i], NULL, 0);
		else
			fz_usage(argv[0]);
	}
	if (!fz_o.procs || fz_o.procs > FZ_MAX_PROCS || !fz_o.threads ||
	    fz_o.threads > FZ_MAX_THREADS)
		fz_usage(argv[0]);
}

#define PLAN	9

int main(int argc, char **argv)
{
	struct fz_slot slots[FZ_MAX_PROCS];
	struct iomd_stats before, after;
	double start, deadline, stop_at, took;
	uint64_t total = 0;
	bool late = false, active;
	int sv[2], dev, status, fd;
	unsigned int i;
	pid_t pid;

	fz_args(argc, argv);
	if (!fz_o.secs) {
		printf("1..0 # SKIP fuzzing disabled (0 seconds)\n");
		return 0;
	}
	/* The seed first, so that a crash still tells it. */
	printf("# iomd_fuzz seed %llu secs %u procs %u threads %u%s\n",
	       (unsigned long long)fz_o.seed, fz_o.secs, fz_o.procs,
	       fz_o.threads, fz_o.trace ? " trace" : "");
	fflush(stdout);
	dev = iomd_test_open();
	iomd_tap_plan(PLAN);
	iomd_test_stats(dev, &before);

	fz_sh = mmap(NULL, sizeof(*fz_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_sh == MAP_FAILED)
		iomd_tap_bail("mmap of the shared counters: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	/* Orphaned grandchildren come back to us, to be judged. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	memset(slots, 0, sizeof(slots));

	start = fz_now();
	deadline = start + fz_o.secs;
	stop_at = 0;
	for (;;) {
		active = false;
		for (i = 0; i < fz_o.procs; i++) {
			if (!slots[i].pid && !slots[i].done && !stop_at) {
				if (fz_o.ops && slots[i].gen > 0)
					slots[i].done = true;
				else if (fz_spawn(&slots[i], i, sv[0], sv[1]) < 0)
					iomd_tap_bail("fork: %s", strerror(errno));
			}
			active |= slots[i].pid != 0;
		}
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			fz_judge(slots, pid, status);
			continue;
		}
		if (pid < 0 && errno == ECHILD && (stop_at || !active))
			break;
		if (!stop_at && (fz_now() >= deadline || !active)) {
			__atomic_store_n(&fz_sh->stop, 1, __ATOMIC_SEQ_CST);
			stop_at = fz_now();
		}
		if (stop_at && fz_now() > stop_at + FZ_GRACE_SECS + 10) {
			late = true;	/* children that do not end */
			break;
		}
		if (stop_at && fz_now() > stop_at + FZ_GRACE_SECS && !late) {
			late = true;
			for (i = 0; i < fz_o.procs; i++)
				if (slots[i].pid)
					kill(slots[i].pid, SIGKILL);
		}
		usleep(10000);
	}
	took = fz_now() - start;

	/* fds still in flight: take them out of the socket and close them. */
	for (i = 0; i < 2; i++)
		while ((fd = fz_recv_fd(sv[i])) >= 0 || fd == -EBADMSG)
			if (fd >= 0)
				close(fd);
	close(sv[0]);
	close(sv[1]);

	for (i = 0; i < FZ_NR_OPS; i++) {
		total += fz_sh->calls[i];
		iomd_tap_diag("%-16s %10llu calls %10llu succeeded",
			      fz_op_names[i],
			      (unsigned long long)fz_sh->calls[i],
			      (unsigned long long)fz_sh->oks[i]);
	}
	iomd_tap_diag("%llu workers (%llu ended by SIGKILL on purpose), %llu forked children",
		      (unsigned long long)fz_sh->workers,
		      (unsigned long long)fz_sh->suicides,
		      (unsigned long long)fz_sh->children);
	iomd_tap_diag("expected faults on touched mappings: %llu SIGSEGV, %llu SIGBUS",
		      (unsigned long long)fz_sh->sigsegv,
		      (unsigned long long)fz_sh->sigbus);
	iomd_tap_diag("%llu calls in %.1f s: %.0f calls/s",
		      (unsigned long long)total, took, total / took);
	iomd_tap_ok(total > 0, "fuzz ran %llu calls for %.0f s, seed %llu",
		    (unsigned long long)total, took,
		    (unsigned long long)fz_o.seed);
	if (!iomd_tap_eq(fz_sh->bad_deaths, 0,
			 "no process died of an unexpected signal"))
		iomd_tap_diag("first: %s", fz_sh->bad_msg);
	iomd_tap_ok(!late, "every worker stopped within %d s of the deadline",
		    FZ_GRACE_SECS);

	fz_settle(dev, &before, &after);
	iomd_tap_eq(after.live_descriptors, before.live_descriptors,
		    "live descriptors back to %llu",
		    (unsigned long long)before.live_descriptors);
	iomd_tap_eq(after.live_bytes, before.live_bytes,
		    "live bytes back to %llu",
		    (unsigned long long)before.live_bytes);
	iomd_tap_eq(after.pinned_pages, before.pinned_pages,
		    "pinned pages back to %llu",
		    (unsigned long long)before.pinned_pages);
	iomd_tap_eq(after.live_zone_elements, before.live_zone_elements,
		    "live zone elements back to %llu",
		    (unsigned long long)before.live_zone_elements);
	iomd_tap_eq(after.bad_frees, before.bad_frees, "no free refused");
	iomd_tap_ok(fz_sanity(dev),
		    "the device still works: create, map, touch, read back");
	printf("# iomd_fuzz: %llu calls, seed %llu\n",
	       (unsigned long long)total, (unsigned long long)fz_o.seed);
	iomd_close(dev);
	return iomd_tap_finish();
}
