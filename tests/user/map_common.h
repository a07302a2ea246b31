/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the map_* tests: looking a mapping up in /proc/PID/smaps,
 * and touching memory that may fault (SIGSEGV or SIGBUS) without dying.
 *
 * Everything is static inline so that each test uses what it needs.
 */
#ifndef _IOMD_MAP_COMMON_H
#define _IOMD_MAP_COMMON_H

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "iomd_test.h"

/* One VMA as /proc/PID/smaps shows it. */
struct map_vma {
	uint64_t start;
	uint64_t end;
	char perms[8];		/* "rw-s" and the like */
	uint64_t rss;		/* bytes resident */
	uint64_t pmd;		/* bytes mapped by PMD entries (FilePmdMapped) */
	uint64_t kpage;		/* bytes a page-table entry maps (KernelPageSize) */
	char flags[200];	/* the VmFlags line: " rd wr sh ..." */
};

/*
 * Find the VMA containing @addr in /proc/@pid/smaps (@pid 0: this
 * process).  Returns 0 with @vma filled in, -ENOENT if no VMA contains
 * @addr, or -errno if smaps cannot be read.
 */
static inline int map_vma_find(pid_t pid, uint64_t addr, struct map_vma *vma)
{
	unsigned long long start, end, kb;
	bool in = false, found = false;
	char path[64], perms[8], *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/smaps");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* A VMA's first line: "start-end perms offset dev inode". */
		if (sscanf(line, "%llx-%llx %7s ", &start, &end, perms) == 3 &&
		    strlen(perms) == 4) {
			if (found)
				break;
			in = addr >= start && addr < end;
			if (!in)
				continue;
			found = true;
			memset(vma, 0, sizeof(*vma));
			vma->start = start;
			vma->end = end;
			memcpy(vma->perms, perms, sizeof(perms));
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "Rss: %llu kB", &kb) == 1)
			vma->rss = kb * 1024;
		else if (sscanf(line, "FilePmdMapped: %llu kB", &kb) == 1)
			vma->pmd = kb * 1024;
		else if (sscanf(line, "KernelPageSize: %llu kB", &kb) == 1)
			vma->kpage = kb * 1024;
		else if (!strncmp(line, "VmFlags:", 8))
			snprintf(vma->flags, sizeof(vma->flags), "%s",
				 line + 8);
	}
	free(line);
	fclose(f);
	return found ? 0 : -ENOENT;
}

/*
 * Whether @vma is mapped with page entries only: no PMD entry, and the
 * kernel's page size (what each entry maps) is the page size.  What every
 * mapping of a kernel without transparent huge pages must look like.
 */
static inline bool map_vma_paged(const struct map_vma *vma)
{
	return vma->pmd == 0 &&
	       vma->kpage == iomd_page_size();
}

/* Whether the VmFlags of @vma include the two-letter flag @flag. */
static inline bool map_vma_flag(const struct map_vma *vma, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s", flag);
	return strstr(vma->flags, want);
}

/*
 * Resident bytes of the VMA containing @addr in this process, or
 * UINT64_MAX if there is none.
 */
static inline uint64_t map_rss(const void *addr)
{
	struct map_vma vma;

	if (map_vma_find(0, (uintptr_t)addr, &vma))
		return UINT64_MAX;
	return vma.rss;
}

/* Whether this process has a VMA containing @addr. */
static inline bool map_present(const void *addr)
{
	struct map_vma vma;

	return map_vma_find(0, (uintptr_t)addr, &vma) == 0;
}

/*
 * Probing memory that may fault: a SIGSEGV or SIGBUS raised inside
 * map_probe_read()/map_probe_write() returns the signal number instead of
 * killing the process.  Per thread; a fault anywhere else still kills.
 */
static inline sigjmp_buf *map_probe_env(void)
{
	static __thread sigjmp_buf env;

	return &env;
}

/* Set while a probe may fault; read by the signal handler. */
static inline sig_atomic_t *map_probe_armed(void)
{
	static __thread sig_atomic_t armed;

	return &armed;
}

static inline void map_probe_handler(int sig)
{
	if (!__atomic_load_n(map_probe_armed(), __ATOMIC_SEQ_CST)) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	__atomic_store_n(map_probe_armed(), 0, __ATOMIC_SEQ_CST);
	siglongjmp(*map_probe_env(), sig);
}

/* Install the SIGSEGV and SIGBUS handlers; call once per process. */
static inline void map_probe_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = map_probe_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		iomd_tap_bail("sigaction: %s", strerror(errno));
}

/* Read the byte at @p into *@val: 0, or the signal the read raised. */
static inline int map_probe_read(const void *p, unsigned char *val)
{
	int sig;

	sig = sigsetjmp(*map_probe_env(), 1);
	if (sig)
		return sig;
	__atomic_store_n(map_probe_armed(), 1, __ATOMIC_SEQ_CST);
	*val = __atomic_load_n((const unsigned char *)p, __ATOMIC_RELAXED);
	__atomic_store_n(map_probe_armed(), 0, __ATOMIC_SEQ_CST);
	return 0;
}

/* Write @val to the byte at @p: 0, or the signal the write raised. */
static inline int map_probe_write(void *p, unsigned char val)
{
	int sig;

	sig = sigsetjmp(*map_probe_env(), 1);
	if (sig)
		return sig;
	__atomic_store_n(map_probe_armed(), 1, __ATOMIC_SEQ_CST);
	__atomic_store_n((unsigned char *)p, val, __ATOMIC_RELAXED);
	__atomic_store_n(map_probe_armed(), 0, __ATOMIC_SEQ_CST);
	return 0;
}

/* Name of the signals the probes return, for diagnostics. */
static inline const char *map_sig_name(int sig)
{
	switch (sig) {
	case 0:
		return "no signal";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	default:
		return "another signal";
	}
}

/*
 * A free range of @len bytes, found by mapping and unmapping it; 0 if
 * none.  A guard page is left free on each side.
 */
static inline uint64_t map_free_range(size_t len)
{
	size_t page = iomd_page_size();
	char *p;

	p = mmap(NULL, len + 2 * page, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, len + 2 * page);
	return (uintptr_t)(p + page);
}

/*
 * The size one PMD entry maps (2 MiB with 4 KiB pages, 32 MiB with 16 KiB,
 * 512 MiB with 64 KiB): the size of the folios a shared buffer is made of
 * where it can be, from the kernel's transparent huge page settings; 0
 * without transparent huge pages.
 */
static inline size_t map_pmd_size(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			"re");
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * The size of the buffers the huge cases of the map_* tests take in PMD
 * sizes: with transparent huge pages the kernel's PMD size
 * (map_pmd_size(), 0 if it does not say); without them, where those cases
 * check the fallback to page entries instead (iomd_test_thp()), what a PMD
 * entry maps on a 64-bit kernel: a page of 8-byte entries, each mapping a
 * page (2 MiB with 4 KiB pages).
 */
static inline size_t map_huge_size(void)
{
	size_t page = iomd_page_size();

	return iomd_test_thp() ? map_pmd_size() : page / 8 * page;
}

/* The machine's memory in bytes (MemTotal of /proc/meminfo), or 0. */
static inline size_t map_mem_total(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/*
 * Whether a test may use @bytes of memory for huge buffers and their
 * reference copies: at most half the machine's, so that the kernel still
 * finds PMD-order folios.  With 64 KiB pages a PMD maps 512 MiB, and two
 * of them do not fit a 1 GiB test VM; the caller skips with a reason.
 */
static inline bool map_huge_fits(size_t bytes)
{
	return bytes <= map_mem_total() / 2;
}

/*
 * Ask the kernel to compact memory (/proc/sys/vm/compact_memory, as root)
 * so that a buffer about to be created finds PMD-order folios even after
 * earlier tests fragmented memory; the buffer only takes them if they
 * come cheaply.  Nothing happens where compaction is not available.
 */
static inline void map_compact_memory(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		iomd_tap_diag("compact_memory: %s", strerror(errno));
	close(fd);
}

/*
 * Start a map_* test: print its TAP plan of @plan checks, set up the
 * probes, and return a @len-byte reference buffer filled with @seed's
 * pattern; @before receives the module's counters, for the leak checks of
 * map_test_finish().
 */
static inline unsigned char *map_test_start(int iomd_fd, unsigned int plan,
					    size_t len, uint64_t seed,
					    struct iomd_stats *before)
{
	unsigned char *ref;

	iomd_tap_plan(plan);
	map_probe_init();
	ref = malloc(len);
	if (!ref)
		iomd_tap_bail("out of memory");
	iomd_test_fill(ref, len, seed);
	iomd_test_stats(iomd_fd, before);
	return ref;
}

/*
 * End a map_* test: check that nothing is left since @before (two
 * checks), free @ref, close /dev/iomd; returns the exit status.
 */
static inline int map_test_finish(int iomd_fd,
				  const struct iomd_stats *before, void *ref)
{
	iomd_test_no_leaks(iomd_fd, before);
	free(ref);
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}

#endif /* _IOMD_MAP_COMMON_H */
