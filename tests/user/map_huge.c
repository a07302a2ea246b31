// SPDX-License-Identifier: GPL-2.0
/*
 * map_huge: huge (PMD) mappings of buffers made of PMD-order folios.
 *
 * A shared buffer of the PMD size and more is made of PMD-order folios
 * (2 MiB with 4 KiB pages, 32 MiB with 16 KiB) where the page allocator
 * has them, and its mappings, placed PMD-aligned, use one PMD entry per
 * folio: /proc/self/smaps counts them as FilePmdMapped.
 * The bytes seen through PMD entries are the kernel's both ways, after
 * prefault and on demand, at offsets that are not PMD-aligned (where the
 * partial folio falls back to pages), after mprotect() splits an entry,
 * in a forked child, and after revocation every access gets SIGBUS.
 * Nothing is left behind.
 *
 * A kernel without transparent huge pages (PREEMPT_RT) has no PMD entries
 * for iomd to use: there the same steps check the fallback, every buffer
 * without PMD-order folios (IOMD_IOC_INFO), every mapping made of page
 * entries (smaps KernelPageSize, FilePmdMapped 0; IOMD_IOC_MAP_INFO: no
 * huge entry, IOMD_MAP_INFO_HUGE clear) and the bytes the same.
 *
 * The buffer is 32 PMD sizes (64 MiB) with 4 KiB pages, at least 4 with
 * larger ones; where that and its reference copies do not fit in half the
 * machine's memory (512 MiB folios of 64 KiB pages in a small VM), every
 * check is skipped and says why.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define SEED		0x68756765ull	/* "huge" */
#define MIN_BYTES	(64UL << 20)	/* the buffer, at least */
#define MIN_FOLIOS	4		/* PMD sizes in the buffer, at least */
#define PLAN		(9 + 6 + 6 + 7 + 3 + 6 + 4 + 7 + 2)

static int iomd_fd;
static size_t page;
/* The kernel has transparent huge pages (iomd_test_thp()). */
static bool thp;
/* The PMD size: the size of a PMD-order folio and of what one entry maps. */
static size_t huge;
/* The test buffer's size and its number of PMD sizes. */
static size_t buf_bytes;
static size_t nr_folios;
/* Bytes of the last huge_buffer() in PMD-order folios (IOMD_IOC_INFO). */
static uint64_t folio_bytes;
static unsigned char *ref;

/*
 * Places in the buffer: in a middle folio, another folio the forked child
 * writes, a folio revocation is checked in (folios 17, 9 and 20 of 32).
 */
#define MIDDLE		((nr_folios / 2 + 1) * huge)
#define FORK_AT		((nr_folios / 4 + 1) * huge)
#define REVOKE_AT	((nr_folios * 5 / 8) * huge)

/* A buf_bytes shared buffer holding the reference bytes. */
static int huge_buffer(void)
{
	struct iomd_info info;
	int fd;

	map_compact_memory();
	fd = iomd_test_buffer_filled(iomd_fd, buf_bytes, IOMD_TEST_SHARED_INOUT,
				     ref);
	if (fd < 0 || iomd_info(iomd_fd, fd, &info))
		iomd_tap_bail("cannot create and fill a %zu MiB buffer",
			      buf_bytes >> 20);
	folio_bytes = info.huge_bytes;
	/* The folios the allocator had; the mapping must use them all. */
	if (thp && folio_bytes != buf_bytes)
		iomd_tap_diag("the buffer got %llu of %zu PMD-order folios",
			      (unsigned long long)(folio_bytes / huge),
			      nr_folios);
	return fd;
}

/*
 * A buf_bytes buffer (*@fd) mapped with IOMD_IOC_MAP and @options into
 * *@m, reported as "@what: IOMD_IOC_MAP of the buffer"; on failure the next @rest
 * checks are skipped and NULL returned.
 */
static unsigned char *huge_map(uint32_t options, struct iomd_map_create *m,
			       int *fd, const char *what, unsigned int rest)
{
	int ret;

	*fd = huge_buffer();
	ret = iomd_map_create(iomd_fd, *fd, options, 0, 0, 0, m);
	if (!iomd_tap_errno(ret, 0, "%s: IOMD_IOC_MAP of the buffer", what)) {
		iomd_close(*fd);
		iomd_tap_skip_to(iomd_tap_count() + rest, "map failed");
		return NULL;
	}
	return (unsigned char *)(uintptr_t)m->addr;
}

/* Touch (read) one byte per page of [@p, @p + @len). */
static unsigned int touch(const unsigned char *p, size_t len)
{
	unsigned int sum = 0;
	size_t off;

	for (off = 0; off < len; off += page)
		sum += __atomic_load_n(p + off, __ATOMIC_RELAXED);
	return sum;
}

/*
 * One TAP line: IOMD_IOC_MAP_INFO at @addr reports @resident bytes with
 * entries, @huge PMD entries, and a mapping of @length bytes.
 */
static void check_info(const void *addr, uint64_t length, uint64_t resident,
		       uint64_t huge, const char *what)
{
	struct iomd_map_info info;
	int ret = iomd_map_info(iomd_fd, addr, &info);
	bool ok = !ret && info.map_length == length &&
		  info.resident == resident && info.huge_entries == huge;

	if (!ok)
		iomd_tap_diag("ret %d length %llu resident %llu huge %llu", ret,
			      (unsigned long long)info.map_length,
			      (unsigned long long)info.resident,
			      (unsigned long long)info.huge_entries);
	iomd_tap_ok(ok, "%s", what);
}

/*
 * One TAP line: the mapping at @addr is of page entries only, and iomd
 * says so (IOMD_MAP_INFO_HUGE clear): the fallback without THP.
 */
static void check_paged(const void *addr, const char *what)
{
	struct iomd_map_info info;
	struct map_vma vma;
	bool ok;

	ok = !map_vma_find(0, (uintptr_t)addr, &vma) && map_vma_paged(&vma) &&
	     !iomd_map_info(iomd_fd, addr, &info) &&
	     !(info.flags & IOMD_MAP_INFO_HUGE);
	if (!ok)
		iomd_tap_diag("pmd %llu, KernelPageSize %llu, flags %#x",
			      (unsigned long long)vma.pmd,
			      (unsigned long long)vma.kpage,
			      (unsigned int)info.flags);
	iomd_tap_ok(ok, "%s", what);
}

/* Prefaulted IOMD_IOC_MAP of the whole buffer: a PMD entry per folio. */
static void test_prefault(void)
{
	struct iomd_map_create m;
	struct map_vma vma;
	unsigned char *p;
	int fd, ret;

	p = huge_map(0, &m, &fd, "prefault", 6);
	if (!p)
		return;
	if (thp)
		iomd_tap_eq(m.map_addr % huge, 0,
			    "prefault: the mapping is PMD-aligned");
	else
		check_paged(p, "prefault: no THP: page entries only");
	ret = map_vma_find(0, m.map_addr, &vma);
	iomd_tap_errno(ret, 0, "prefault: its VMA is in smaps");
	if (thp)
		iomd_tap_ok(folio_bytes >= buf_bytes / 2,
			    "prefault: at least half the buffer is PMD-order folios");
	else
		iomd_tap_eq(folio_bytes, 0,
			    "prefault: no THP: no PMD-order folio in the buffer");
	iomd_tap_eq(vma.pmd, folio_bytes, thp ?
		    "prefault: every folio mapped by a PMD entry before any touch" :
		    "prefault: no THP: no PMD entry");
	iomd_tap_eq(vma.rss, buf_bytes, "prefault: all of it resident");
	check_info(p + 12345, buf_bytes, buf_bytes, folio_bytes / huge, thp ?
		   "prefault: IOMD_IOC_MAP_INFO counts one huge entry a folio" :
		   "prefault: no THP: IOMD_IOC_MAP_INFO counts no huge entry");
	iomd_test_mem(0, p, ref, buf_bytes,
		      "prefault: the bytes are the kernel's");
	/* User writes in the first, a middle and the last folio. */
	memcpy(p + 5, "first", 5);
	memcpy(p + MIDDLE + 123, "middle", 6);
	memcpy(p + buf_bytes - 4, "last", 4);
	memcpy(ref + 5, "first", 5);
	memcpy(ref + MIDDLE + 123, "middle", 6);
	memcpy(ref + buf_bytes - 4, "last", 4);
	{
		unsigned char *back = malloc(buf_bytes);

		if (!back)
			iomd_tap_bail("out of memory");
		ret = iomd_kread(iomd_fd, fd, 0, back, buf_bytes);
		iomd_test_mem(ret, back, ref, buf_bytes,
			      "prefault: the kernel reads the user's writes");
		free(back);
	}
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/* On demand: a touch maps one PMD-order folio with one PMD entry. */
static void test_ondemand(void)
{
	struct iomd_map_create m;
	struct map_vma vma;
	unsigned char *p;
	int fd;

	p = huge_map(IOMD_MAP_ONDEMAND, &m, &fd, "on demand", 4);
	if (!p)
		return;
	map_vma_find(0, m.map_addr, &vma);
	iomd_tap_eq(vma.rss, 0, "on demand: nothing resident before a touch");
	iomd_tap_eq(p[77], ref[77], "on demand: a read in folio 0 gets its byte");
	map_vma_find(0, m.map_addr, &vma);
	if (thp) {
		iomd_tap_eq(vma.pmd, huge,
			    "on demand: that touch mapped one PMD entry");
		check_info(p, buf_bytes, huge, 1,
			   "on demand: IOMD_IOC_MAP_INFO counts that one huge entry");
	} else {
		iomd_tap_ok(map_vma_paged(&vma) && vma.rss == page,
			    "on demand: no THP: that touch mapped one page");
		check_info(p, buf_bytes, page, 0,
			   "on demand: no THP: IOMD_IOC_MAP_INFO counts one page, no huge entry");
	}
	touch(p, buf_bytes);
	map_vma_find(0, m.map_addr, &vma);
	iomd_tap_ok(vma.pmd == folio_bytes && vma.rss == buf_bytes, thp ?
		    "on demand: touching every page maps every folio with a PMD" :
		    "on demand: no THP: touching every page maps them all with pages");
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/*
 * mmap() of the descriptor fd from page 1: the address is placed so the
 * folios still fall on PMD boundaries; the partial first folio is mapped
 * with pages.
 */
static void test_offset(void)
{
	size_t len = buf_bytes - page;
	struct map_vma vma;
	unsigned char *p;
	int fd, ret;

	fd = huge_buffer();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!iomd_tap_errno(ret, 0, "offset: mmap() from page 1")) {
		iomd_close(fd);
		iomd_tap_skip_to(iomd_tap_count() + 4, "mmap failed");
		return;
	}
	if (thp)
		iomd_tap_eq(((uintptr_t)p - page) % huge, 0,
			    "offset: placed so folio boundaries are PMD-aligned");
	touch(p, len);
	map_vma_find(0, (uintptr_t)p, &vma);
	if (thp)
		iomd_tap_eq(vma.pmd, folio_bytes - huge,
			    "offset: PMD entries but for the partial first folio");
	else
		check_paged(p, "offset: no THP: page entries only");
	iomd_tap_eq(vma.rss, len, "offset: all of it resident");
	check_info(p + len - 1, len, len, thp ? folio_bytes / huge - 1 : 0, thp ?
		   "offset: IOMD_IOC_MAP_INFO counts them" :
		   "offset: no THP: IOMD_IOC_MAP_INFO counts no huge entry");
	if (!thp)
		iomd_tap_eq(folio_bytes, 0,
			    "offset: no THP: no PMD-order folio in the buffer");
	iomd_test_mem(0, p, ref + page, len,
		      "offset: the bytes are the kernel's from page 1");
	munmap(p, len);
	iomd_close(fd);
}

/*
 * mprotect() of one page in a PMD entry splits it; the bytes stay, the
 * rest stays writable, and a read-only page refuses writes.
 */
static void test_split(void)
{
	struct iomd_map_create m;
	unsigned char *p, byte;
	struct map_vma vma;
	int fd, ret;

	p = huge_map(0, &m, &fd, "split", 5);
	if (!p)
		return;
	ret = mprotect(p + huge + 5 * page, page, PROT_READ) ? -errno : 0;
	iomd_tap_errno(ret, 0, "split: mprotect(PROT_READ) of a page in folio 1");
	iomd_test_mem(0, p, ref, buf_bytes,
		      "split: all bytes still the kernel's");
	iomd_tap_eq(map_probe_write(p + huge + 5 * page, 1), SIGSEGV,
		    "split: the read-only page refuses a write");
	ret = map_probe_write(p + huge + 6 * page, 0x5a);
	byte = 0;
	iomd_kread(iomd_fd, fd, huge + 6 * page, &byte, 1);
	iomd_tap_ok(!ret && byte == 0x5a,
		    "split: the page after it is writable, the kernel sees it");
	ref[huge + 6 * page] = 0x5a;
	map_vma_find(0, (uintptr_t)p, &vma);
	if (thp) {
		iomd_tap_eq(vma.pmd, huge,
			    "split: in the first part only folio 0 keeps its PMD entry");
		check_info(p + huge + 5 * page, buf_bytes, buf_bytes,
			   folio_bytes / huge - 1,
			   "split: IOMD_IOC_MAP_INFO sees all parts, one PMD fewer");
	} else {
		check_paged(p, "split: no THP: the first part has page entries only");
		check_info(p + huge + 5 * page, buf_bytes, buf_bytes, 0,
			   "split: no THP: IOMD_IOC_MAP_INFO sees all parts, no huge entry");
	}
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/* A forked child reads through its own (faulted) huge entries. */
static void test_fork(void)
{
	struct iomd_map_create m;
	int fd, status;
	unsigned char *p;
	pid_t pid;

	p = huge_map(0, &m, &fd, "fork", 2);
	if (!p)
		return;
	pid = fork();
	if (pid == 0) {
		struct map_vma vma;
		int fails = 0;

		if (memcmp(p, ref, buf_bytes))
			fails |= 1;
		p[FORK_AT] = 0xa5;
		map_vma_find(0, m.map_addr, &vma);
		if (vma.pmd != folio_bytes || (!thp && !map_vma_paged(&vma)))
			fails |= 2;
		_exit(fails);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	iomd_tap_ok(WIFEXITED(status) && !WEXITSTATUS(status), thp ?
		    "fork: the child sees every byte through PMD entries" :
		    "fork: no THP: the child sees every byte through page entries");
	iomd_tap_eq(p[FORK_AT], 0xa5, "fork: the parent sees the child's write");
	ref[FORK_AT] = 0xa5;
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/* Revocation zaps PMD entries too: SIGBUS after, ENODEV for new maps. */
static void test_revoke(void)
{
	struct iomd_map_create m, m2;
	unsigned char *p, byte;
	int fd;

	p = huge_map(0, &m, &fd, "revoke", 4);
	if (!p)
		return;
	iomd_tap_errno(iomd_revoke(iomd_fd, fd), 0, "revoke: IOMD_IOC_REVOKE");
	iomd_tap_eq(map_probe_read(p + REVOKE_AT, &byte), SIGBUS, thp ?
		    "revoke: a read through a former PMD entry gets SIGBUS" :
		    "revoke: a read through a former page entry gets SIGBUS");
	iomd_tap_eq(map_rss(p), 0, "revoke: nothing resident any more");
	check_info(p, buf_bytes, 0, 0,
		   "revoke: IOMD_IOC_MAP_INFO counts no entries");
	iomd_tap_errno(iomd_map_create(iomd_fd, fd, 0, 0, 0, 0, &m2), ENODEV,
		       "revoke: a new map fails with ENODEV");
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/* IOMD_MAP_NOHUGE: the same buffer with page entries only. */
static void test_nohuge(void)
{
	struct iomd_map_create m;
	struct iomd_map_info info;
	unsigned char *p;
	int fd, ret;

	p = huge_map(IOMD_MAP_NOHUGE, &m, &fd, "no huge", 3);
	if (!p)
		return;
	check_info(p, buf_bytes, buf_bytes, 0,
		   "no huge: prefaulted with page entries only");
	ret = iomd_map_info(iomd_fd, p, &info);
	iomd_tap_ok(!ret && !(info.flags & IOMD_MAP_INFO_HUGE),
		    "no huge: IOMD_MAP_INFO_HUGE is not set");
	iomd_test_mem(0, p, ref, buf_bytes, "no huge: the bytes are the kernel's");
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/*
 * IOMD_IOC_MAP_INFO refusals, and a buffer too small for PMD-order folios,
 * which is mapped with pages only.
 */
static void test_info(void)
{
	struct iomd_map_info info;
	unsigned char *p;
	int fd, ret;

	ret = iomd_map_info(iomd_fd, ref, &info);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL,
			"map info: heap memory is not an iomd mapping");
	memset(&info, 0, sizeof(info));
	info.addr = (uintptr_t)ref;
	info.pad = 1;
	ret = ioctl(iomd_fd, IOMD_IOC_MAP_INFO, &info) ? -errno : 0;
	iomd_tap_errno(ret, EINVAL, "map info: non-zero pad is refused");
	memset(&info, 0, sizeof(info));
	info.addr = (uintptr_t)ref;
	info.reserved[1] = 1;
	ret = ioctl(iomd_fd, IOMD_IOC_MAP_INFO, &info) ? -errno : 0;
	iomd_tap_errno(ret, EINVAL, "map info: non-zero reserved is refused");

	fd = iomd_buffer_create(iomd_fd, 4 * page, 0, IOMD_TEST_SHARED_INOUT);
	p = mmap(NULL, 4 * page, PROT_READ, MAP_SHARED, fd, 0);
	if (fd < 0 || p == MAP_FAILED)
		iomd_tap_bail("cannot map a 4-page buffer");
	check_info(p + page, 4 * page, 0, 0,
		   "map info: a 4-page mmap() of a descriptor, nothing resident");
	touch(p + page, page);
	check_info(p, 4 * page, 4 * page, 0,
		   "map info: one touch installed all 4 pages, no huge entry");
	ret = iomd_map_info(iomd_fd, p, &info);
	iomd_tap_ok(!ret && !(info.flags & IOMD_MAP_INFO_HUGE) &&
		    (info.flags & IOMD_MAP_INFO_READONLY) == 0 &&
		    info.map_addr == (uintptr_t)p && info.offset == 0,
		    "map info: its flags, address and offset");
	munmap(p, 4 * page);
	iomd_close(fd);
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	thp = iomd_test_thp();
	huge = map_huge_size();
	buf_bytes = huge * MIN_FOLIOS > MIN_BYTES ? huge * MIN_FOLIOS :
		    MIN_BYTES;
	nr_folios = huge ? buf_bytes / huge : 0;
	/* The buffer, its reference copy and test_prefault()'s read-back. */
	if (!huge || !map_huge_fits(3 * buf_bytes)) {
		char why[160] = "THP without hpage_pmd_size";

		if (huge)
			snprintf(why, sizeof(why),
				 "PMD size %zu MiB: a buffer of %zu of them, its copy and a read-back need more than half of %zu MiB",
				 huge >> 20, nr_folios, map_mem_total() >> 20);
		ref = map_test_start(iomd_fd, PLAN, page, SEED, &before);
		iomd_tap_skip_to(PLAN - 2, why);
		return map_test_finish(iomd_fd, &before, ref);
	}
	ref = map_test_start(iomd_fd, PLAN, buf_bytes, SEED, &before);

	test_prefault();
	test_ondemand();
	test_offset();
	test_split();
	test_fork();
	test_revoke();
	test_nohuge();
	test_info();

	return map_test_finish(iomd_fd, &before, ref);
}
