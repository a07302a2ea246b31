// SPDX-License-Identifier: GPL-2.0
/*
 * map_cache: cache modes of buffers and of their mappings.
 *
 * For a default (write-back), a write-combined and an uncached buffer:
 * IOMD_IOC_INFO reports the mode; mappings with IOMD_MAP_CACHE(DEFAULT)
 * and with the buffer's own mode, read-write, read-only and on demand,
 * from an offset that is not page-aligned, show the buffer's bytes; kernel
 * writes (page by page and through the kernel mapping, IOMD_RW_KMAP) show
 * through them and user writes reach both kinds of kernel reads (a
 * read-only mapping faults instead); plain mmap() takes the buffer's mode.
 * Every other explicit mode is refused with EOPNOTSUPP and a reason, for
 * IOMD_IOC_MAP and for kernel reads.
 *
 * Then: unknown mode values fail with EINVAL (buffer creation, mapping,
 * kernel read); user descriptors map and read only in write-back, and
 * cannot describe a mapping of a write-combined buffer, neither at
 * creation nor when the range became one before IOMD_IOC_PREPARE; kernel
 * only, aligned and large (two PMD sizes) write-combined buffers work, the
 * last without PMD entries.  Nothing may leak.
 *
 * Where the architecture has no write-combined or uncached buffers
 * (iomd_test_cache_modes(): only x86 has them), creating one, shared or
 * kernel-only, must fail with EOPNOTSUPP and a reason; the write-back
 * buffer, unknown modes and the user descriptors' checks run as
 * everywhere (with a write-back buffer where they used a write-combined
 * one for its own sake), and what needs such a buffer is skipped, saying
 * so.
 *
 * The cache attribute of the page-table entries themselves is checked by
 * the KUnit suite iomd_cache (debug kernel), which can read them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define NPAGES		5
#define NR_MODES	3
#define NR_VARIANTS	4
#define VARIANT_CHECKS	8
#define MODE_CHECKS	(2 + NR_VARIANTS * VARIANT_CHECKS + 2 + \
			 2 * 2 + 2)
#define UNKNOWN_CHECKS	8
#define USER_CHECKS	19
#define MISC_CHECKS	7
#define COMPOSITE_CHECKS 6
#define LEAK_CHECKS	2
#define PLAN		(NR_MODES * MODE_CHECKS + UNKNOWN_CHECKS + \
			 USER_CHECKS + MISC_CHECKS + COMPOSITE_CHECKS + \
			 LEAK_CHECKS)

#define SEED		0x6361636865ull	/* "cache" */

static const char kernel_msg[] = "kernel wrote this";
static const char kmap_msg[] = "kmap wrote this";
static const char user_msg[] = "user wrote this";

static const uint32_t modes[NR_MODES] = {
	IOMD_CACHE_DEFAULT, IOMD_CACHE_WC, IOMD_CACHE_UC,
};

static int iomd_fd;
static size_t page;
static unsigned char *ref;	/* the buffers' bytes, as filled */

/* The mode a buffer created with @mode has. */
static uint32_t resolved(uint32_t mode)
{
	return mode == IOMD_CACHE_DEFAULT ? IOMD_CACHE_WB : mode;
}

/* A shared in/out buffer of @npages in cache mode @mode, filled with ref. */
static int create_filled(uint32_t mode, size_t npages)
{
	return iomd_test_buffer_filled(iomd_fd, npages * page,
				       IOMD_TEST_SHARED_INOUT |
				       IOMD_BUF_CACHE(mode), ref);
}

/*
 * One mapping of buffer @fd (mode @mode) with @options: VARIANT_CHECKS
 * checks.  The buffer's bytes are put back afterwards.
 */
static void test_variant(int fd, uint32_t mode, uint32_t options)
{
	unsigned int end = iomd_tap_count() + VARIANT_CHECKS;
	const uint64_t offset = page + 123, length = 2 * page + 45;
	bool ro = options & IOMD_MAP_READONLY;
	uint32_t kmap = IOMD_RW_KMAP | IOMD_RW_CACHE(resolved(mode));
	char name[96], msg[sizeof(kernel_msg)];
	struct iomd_map_create m;
	unsigned char got;
	uint64_t pos;
	char *data;
	int ret, sig;

	snprintf(name, sizeof(name), "[%s buffer, map cache %s%s%s]",
		 iomd_cache_name(mode),
		 iomd_cache_name((options & IOMD_MAP_CACHE_MASK) >>
				 IOMD_MAP_CACHE_SHIFT),
		 ro ? " RO" : "",
		 options & IOMD_MAP_ONDEMAND ? " ONDEMAND" : "");
	ret = iomd_map_create(iomd_fd, fd, options, 0, offset, length, &m);
	if (!iomd_tap_errno(ret, 0, "%s IOMD_IOC_MAP at offset %llu", name,
			    (unsigned long long)offset)) {
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	data = (char *)(uintptr_t)m.addr;
	iomd_test_mem(0, data, ref + offset, length,
		      "%s the bytes are the buffer's", name);

	pos = 7;
	ret = iomd_kwrite(iomd_fd, fd, offset + pos, kernel_msg,
			  sizeof(kernel_msg));
	iomd_test_str(ret, data + pos, kernel_msg,
		      "%s a kernel write shows through the mapping", name);
	pos = length - sizeof(kmap_msg);
	ret = iomd_kwrite_flags(iomd_fd, fd, kmap, offset + pos, kmap_msg,
				sizeof(kmap_msg));
	iomd_test_str(ret, data + pos, kmap_msg,
		      "%s a write through the kernel mapping shows through",
		      name);

	pos = length / 2;
	if (ro) {
		sig = map_probe_write(data + pos, 0x5a);
		iomd_tap_ok(sig == SIGSEGV, "%s a user write gets SIGSEGV",
			    name);
		got = 0;
		ret = iomd_kread_flags(iomd_fd, fd, kmap, offset + pos, &got,
				       1);
		iomd_tap_ok(!ret && got == ref[offset + pos],
			    "%s the byte stays, through the kernel mapping",
			    name);
	} else {
		memcpy(data + pos, user_msg, sizeof(user_msg));
		memset(msg, 0, sizeof(msg));
		ret = iomd_kread(iomd_fd, fd, offset + pos, msg,
				 sizeof(user_msg));
		iomd_test_str(ret, msg, user_msg,
			      "%s a user write reaches a kernel read", name);
		memset(msg, 0, sizeof(msg));
		ret = iomd_kread_flags(iomd_fd, fd, kmap, offset + pos, msg,
				       sizeof(user_msg));
		iomd_test_str(ret, msg, user_msg,
			      "%s and a read through the kernel mapping", name);
	}
	if (iomd_kwrite(iomd_fd, fd, 0, ref, NPAGES * page))
		iomd_tap_bail("cannot restore the buffer's bytes");
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, data), 0, "%s unmap", name);
	iomd_tap_ok(!map_present((void *)(uintptr_t)m.map_addr),
		    "%s nothing is left mapped", name);
}

/* Whether /proc/self/fdinfo/@fd names cache mode @mode. */
static bool fdinfo_cache(int fd, uint32_t mode)
{
	char path[64], line[128], want[64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(want, sizeof(want), "iomd-cache:\t%s\n",
		 iomd_cache_name(mode));
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	if (f)
		fclose(f);
	return found;
}

/* Everything about one buffer mode: MODE_CHECKS checks. */
static void test_mode(uint32_t mode)
{
	unsigned int end = iomd_tap_count() + MODE_CHECKS;
	const uint32_t own = IOMD_MAP_CACHE(resolved(mode));
	const uint32_t variants[NR_VARIANTS] = {
		IOMD_MAP_CACHE(IOMD_CACHE_DEFAULT),
		own,
		own | IOMD_MAP_READONLY,
		own | IOMD_MAP_ONDEMAND,
	};
	const char *name = iomd_cache_name(mode);
	struct iomd_info info;
	unsigned int i, other;
	unsigned char byte;
	void *p;
	int fd, ret;

	fd = create_filled(mode, NPAGES);
	if (!iomd_tap_ok(fd >= 0, "create a %s buffer", name)) {
		iomd_tap_diag("create: %s", iomd_errno_name(fd));
		iomd_tap_skip_to(end, "no buffer");
		return;
	}
	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_ok(!ret && IOMD_BUF_CACHE_MODE(info.options) == mode &&
		    fdinfo_cache(fd, resolved(mode)),
		    "%s buffer: IOMD_IOC_INFO and fdinfo report its cache mode",
		    name);

	for (i = 0; i < NR_VARIANTS; i++)
		test_variant(fd, mode, variants[i]);

	/* mmap() without options takes the buffer's own mode. */
	ret = iomd_map(fd, 0, NPAGES * page, PROT_READ | PROT_WRITE, &p);
	iomd_tap_errno(ret, 0, "%s buffer: plain mmap()", name);
	iomd_test_mem(ret, p, ref, NPAGES * page,
		      "%s buffer: plain mmap() shows the bytes", name);
	if (!ret)
		iomd_unmap(p, NPAGES * page);

	/* Every explicit mode but the buffer's own is refused. */
	for (other = IOMD_CACHE_WB; other <= IOMD_CACHE_MAX; other++) {
		if (other == resolved(mode))
			continue;
		ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_CACHE(other), 0, 0,
				      0, NULL);
		iomd_test_fails(iomd_fd, -1, ret, EOPNOTSUPP,
				"%s buffer: IOMD_IOC_MAP %s", name,
				iomd_cache_name(other));
	}
	other = mode == IOMD_CACHE_WC ? IOMD_CACHE_UC : IOMD_CACHE_WC;
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_CACHE(other), 0, &byte,
			       1);
	iomd_test_fails(iomd_fd, -1, ret, EOPNOTSUPP,
			"%s buffer: kernel read %s", name,
			iomd_cache_name(other));
	iomd_close(fd);
}

/*
 * A mode this architecture has not: creating a buffer in it, shared or
 * kernel-only, fails with EOPNOTSUPP and a reason; MODE_CHECKS checks.
 */
static void test_refused(uint32_t mode)
{
	unsigned int end = iomd_tap_count() + MODE_CHECKS;
	const char *name = iomd_cache_name(mode);
	int fd;

	fd = create_filled(mode, NPAGES);
	iomd_test_fails(iomd_fd, -1, fd < 0 ? fd : 0, EOPNOTSUPP,
			"create a %s buffer", name);
	if (fd >= 0)
		iomd_close(fd);
	fd = iomd_buffer_create(iomd_fd, page, 0,
				IOMD_DIR_INOUT | IOMD_BUF_CACHE(mode));
	iomd_test_fails(iomd_fd, -1, fd < 0 ? fd : 0, EOPNOTSUPP,
			"create a kernel-only %s buffer", name);
	if (fd >= 0)
		iomd_close(fd);
	iomd_tap_skip_to(end, IOMD_TEST_NO_CACHE_MODES);
}

/*
 * A buffer in a mode other than the default, where the checks are about
 * something else: write-combined where there is such a mode, else
 * write-back.
 */
static int create_other(size_t npages)
{
	return create_filled(iomd_test_cache_modes() ? IOMD_CACHE_WC :
			     IOMD_CACHE_WB, npages);
}

/* Mode values that do not exist: UNKNOWN_CHECKS checks. */
static void test_unknown(void)
{
	unsigned char byte;
	int fd, ret;

	ret = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT |
				 IOMD_BUF_CACHE(IOMD_CACHE_MAX + 1));
	iomd_test_fails(iomd_fd, -1, ret, EINVAL, "create with cache mode %u",
			IOMD_CACHE_MAX + 1);
	if (ret >= 0)
		iomd_close(ret);

	fd = create_other(NPAGES);
	if (fd < 0)
		iomd_tap_bail("cannot create a buffer");
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_CACHE(IOMD_CACHE_MAX + 1),
			      0, 0, 0, NULL);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL, "IOMD_IOC_MAP cache mode %u",
			IOMD_CACHE_MAX + 1);
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_CACHE(7), 0, 0, 0, NULL);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL, "IOMD_IOC_MAP cache mode 7");
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_CACHE(IOMD_CACHE_MAX + 1),
			       0, &byte, 1);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL, "kernel read cache mode %u",
			IOMD_CACHE_MAX + 1);
	iomd_close(fd);
}

/* A user descriptor of @len bytes at @mem, wired; or -errno. */
static int user_desc(void *mem, size_t len, uint32_t flags)
{
	struct iomd_range r = { .addr = (uintptr_t)mem, .length = len };

	return iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT | flags);
}

/* User descriptors: write-back only.  USER_CHECKS checks. */
static void test_user(void)
{
	unsigned int end = iomd_tap_count() + USER_CHECKS;
	struct iomd_map_create m;
	struct iomd_info info;
	unsigned char byte;
	int fd, buf, ret;
	char *mem;

	mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	memcpy(mem, ref, 2 * page);
	fd = user_desc(mem, 2 * page, IOMD_USER_PREPARE);
	if (!iomd_tap_ok(fd >= 0, "user descriptor of shared memory")) {
		iomd_tap_skip_to(end, "no user descriptor");
		munmap(mem, 2 * page);
		return;
	}
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_CACHE(IOMD_CACHE_WC), 0,
			      0, 0, NULL);
	iomd_test_fails(iomd_fd, -1, ret, EOPNOTSUPP,
			"user descriptor: IOMD_IOC_MAP write-combined");
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_CACHE(IOMD_CACHE_UC), 0,
			      0, 0, NULL);
	iomd_test_fails(iomd_fd, -1, ret, EOPNOTSUPP,
			"user descriptor: IOMD_IOC_MAP uncached");
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_CACHE(IOMD_CACHE_WB), 0,
			      page + 9, 100, &m);
	iomd_tap_errno(ret, 0, "user descriptor: IOMD_IOC_MAP write-back");
	iomd_test_mem(ret, (void *)(uintptr_t)m.addr, ref + page + 9, 100,
		      "user descriptor: the write-back mapping shows the bytes");
	if (!ret)
		iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m.addr);
	ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_CACHE(IOMD_CACHE_WC), 0,
			       &byte, 1);
	iomd_test_fails(iomd_fd, -1, ret, EOPNOTSUPP,
			"user descriptor: kernel read write-combined");
	iomd_close(fd);

	/*
	 * Describing a mapping of a write-combined buffer gives a sub-range
	 * of that buffer, in its mode, not write-back user memory.
	 */
	if (!iomd_test_cache_modes()) {
		munmap(mem, 2 * page);
		iomd_tap_skip_to(iomd_tap_count() + 6,
				 IOMD_TEST_NO_CACHE_MODES);
		goto hole;
	}
	buf = create_filled(IOMD_CACHE_WC, 2);
	if (buf < 0)
		iomd_tap_bail("cannot create a write-combined buffer");
	ret = iomd_map_create(iomd_fd, buf, 0, 0, 0, 0, &m);
	if (ret)
		iomd_tap_bail("cannot map a write-combined buffer");
	fd = user_desc((void *)(uintptr_t)m.addr, 2 * page, 0);
	iomd_tap_ok(fd >= 0 && !iomd_info(iomd_fd, fd, &info) &&
		    info.kind == IOMD_KIND_SUBRANGE,
		    "user descriptor of a write-combined mapping is a sub-range of the buffer");
	ret = fd >= 0 ? iomd_kread_flags(iomd_fd, fd,
					 IOMD_RW_CACHE(IOMD_CACHE_WC), 0,
					 &byte, 1) : fd;
	iomd_tap_errno(ret, 0, "... which the kernel reads write-combined");
	if (fd >= 0)
		iomd_close(fd);
	iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m.addr);

	/* ... also when the range became one before it is wired. */
	fd = user_desc(mem, 2 * page, 0);
	iomd_tap_ok(fd >= 0, "user descriptor of shared memory, not wired");
	munmap(mem, 2 * page);
	ret = iomd_map_create(iomd_fd, buf, IOMD_MAP_FIXED, (uintptr_t)mem,
			      0, 0, &m);
	iomd_tap_errno(ret, 0,
		       "a write-combined buffer mapped where that memory was");
	ret = fd >= 0 ? iomd_prepare(iomd_fd, fd) : fd;
	iomd_test_fails(iomd_fd, -1, ret < 0 ? ret : 0, EOPNOTSUPP,
			"IOMD_IOC_PREPARE of the range now write-combined");
	if (fd >= 0)
		iomd_close(fd);
	iomd_unmap_addr(iomd_fd, mem);
	iomd_close(buf);

	/*
	 * Only the described range counts: with a hole in it, wiring fails
	 * for the hole (EFAULT), whatever is mapped past its end (where
	 * there is such a mode, a write-combined mapping, which would fail
	 * it otherwise).
	 */
hole:
	mem = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	fd = user_desc(mem, 2 * page, 0);
	munmap(mem + page, 2 * page);
	buf = create_other(1);
	ret = buf < 0 ? buf :
	      iomd_map_create(iomd_fd, buf, IOMD_MAP_FIXED,
			      (uintptr_t)(mem + 2 * page), 0, 0, &m);
	iomd_tap_ok(fd >= 0 && !ret,
		    "a range with a hole, a %s mapping past its end",
		    iomd_test_cache_modes() ? "write-combined" : "write-back");
	ret = fd >= 0 ? iomd_prepare(iomd_fd, fd) : fd;
	iomd_test_fails(iomd_fd, -1, ret < 0 ? ret : 0, EFAULT,
			"IOMD_IOC_PREPARE fails for the hole, not the mapping past the end");
	if (fd >= 0)
		iomd_close(fd);
	iomd_unmap_addr(iomd_fd, mem + 2 * page);
	if (buf >= 0)
		iomd_close(buf);
	munmap(mem, page);

	/* A write-back buffer's mapping may be described. */
	buf = create_filled(IOMD_CACHE_DEFAULT, 2);
	ret = buf < 0 ? buf : iomd_map_create(iomd_fd, buf, 0, 0, 0, 0, &m);
	fd = ret ? ret : user_desc((void *)(uintptr_t)m.addr, 2 * page,
				    IOMD_USER_PREPARE);
	iomd_tap_ok(fd >= 0,
		    "user descriptor of a write-back buffer's mapping");
	if (fd >= 0)
		iomd_close(fd);
	if (!ret)
		iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m.addr);
	if (buf >= 0)
		iomd_close(buf);
}

/*
 * Kernel-only, aligned and large write-combined buffers: MISC_CHECKS.  The
 * large one is two PMD sizes (4 MiB with 4 KiB pages), or 2 * NPAGES pages
 * without transparent huge pages.
 */
static void test_misc(void)
{
	const size_t pmd = map_pmd_size();
	const size_t big = pmd ? 2 * pmd : 2 * NPAGES * page;
	char msg[sizeof(kmap_msg)];
	struct iomd_map_create m;
	struct map_vma vma;
	int fd, ret;

	memset(&m, 0, sizeof(m));
	memset(&vma, 0, sizeof(vma));
	/* Kernel only: not mappable, but the kernel uses it in its mode. */
	fd = iomd_buffer_create(iomd_fd, 3 * page, 0, IOMD_DIR_INOUT |
				IOMD_BUF_CACHE(IOMD_CACHE_WC));
	iomd_tap_ok(fd >= 0, "kernel-only write-combined buffer");
	ret = fd < 0 ? fd :
	      iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, page - 3, kmap_msg,
				sizeof(kmap_msg));
	memset(msg, 0, sizeof(msg));
	if (!ret)
		ret = iomd_kread(iomd_fd, fd, page - 3, msg, sizeof(msg));
	iomd_test_str(ret, msg, kmap_msg,
		      "kernel-only: written through the kernel mapping, read page by page");
	if (fd >= 0)
		iomd_close(fd);

	/* Aligned above a page: one contiguous run, its direct map WC. */
	fd = iomd_buffer_create(iomd_fd, 4 * page, 4 * page,
				IOMD_TEST_SHARED_INOUT |
				IOMD_BUF_CACHE(IOMD_CACHE_UC));
	iomd_tap_ok(fd >= 0, "aligned uncached buffer");
	ret = fd < 0 ? fd :
	      iomd_kwrite(iomd_fd, fd, 3 * page + 1, kmap_msg,
			  sizeof(kmap_msg));
	memset(msg, 0, sizeof(msg));
	if (!ret)
		ret = iomd_kread_flags(iomd_fd, fd, IOMD_RW_KMAP,
				       3 * page + 1, msg, sizeof(msg));
	iomd_test_str(ret, msg, kmap_msg,
		      "aligned: written page by page, read through the kernel mapping");
	if (fd >= 0)
		iomd_close(fd);

	/* Two PMD sizes: mapped with pages, never PMD entries. */
	fd = iomd_buffer_create(iomd_fd, big, 0,
				IOMD_TEST_SHARED_INOUT |
				IOMD_BUF_CACHE(IOMD_CACHE_WC));
	iomd_tap_ok(fd >= 0, "%zu KiB write-combined buffer", big >> 10);
	ret = fd < 0 ? fd :
	      iomd_kwrite(iomd_fd, fd, big - NPAGES * page, ref,
			  NPAGES * page);
	if (!ret)
		ret = iomd_map_create(iomd_fd, fd, 0, 0, 0, 0, &m);
	iomd_test_mem(ret, (char *)(uintptr_t)m.addr + big -
		      NPAGES * page, ref, NPAGES * page,
		      "large: the mapping shows the kernel's bytes");
	if (!ret)
		ret = map_vma_find(0, m.map_addr, &vma);
	if (!iomd_tap_ok(!ret && vma.rss == big && !vma.pmd,
			 "large: all resident, no PMD entry"))
		iomd_tap_diag("%s rss %llu pmd %llu", iomd_errno_name(ret),
			      (unsigned long long)vma.rss,
			      (unsigned long long)vma.pmd);
	if (!ret)
		munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	if (fd >= 0)
		iomd_close(fd);
}

/*
 * A composite has its parts' cache mode: a sub-range of a write-combined
 * buffer maps and reads as write-combined only, and parts in different
 * modes cannot be combined.
 */
static void test_composite(void)
{
	int wc = create_filled(IOMD_CACHE_WC, 2);
	int wb = create_filled(IOMD_CACHE_WB, 2);
	struct iomd_map_create m;
	unsigned char got[64];
	int sub, fds[2], multi, ret;

	if (wc < 0 || wb < 0)
		iomd_tap_bail("cannot create the buffers");
	sub = iomd_subrange_create(iomd_fd, wc, page, page, 0);
	iomd_tap_ok(sub >= 0, "composite: a sub-range of a WC buffer");
	ret = iomd_kread_flags(iomd_fd, sub, IOMD_RW_CACHE(IOMD_CACHE_WC), 5,
			       got, sizeof(got));
	iomd_test_mem(ret, got, ref + page + 5, sizeof(got),
		      "composite: it reads as write-combined");
	ret = iomd_kread_flags(iomd_fd, sub, IOMD_RW_CACHE(IOMD_CACHE_WB), 0,
			       got, sizeof(got));
	iomd_tap_errno(ret, EOPNOTSUPP, "composite: not as write-back");
	ret = iomd_map_create(iomd_fd, sub, IOMD_MAP_CACHE(IOMD_CACHE_WB), 0, 0,
			      0, &m);
	iomd_tap_errno(ret, EOPNOTSUPP, "composite: no write-back mapping");
	fds[0] = wc;
	fds[1] = wb;
	multi = iomd_multi_create(iomd_fd, fds, 2, 0);
	iomd_test_fails(iomd_fd, -1, multi, EOPNOTSUPP,
			"composite: WC and WB parts do not combine");
	if (multi >= 0)
		iomd_close(multi);
	if (sub >= 0)
		iomd_close(sub);
	iomd_close(wb);
	iomd_close(wc);
}

int main(void)
{
	struct iomd_stats before;
	unsigned int i;

	iomd_fd = iomd_test_open();
	page = iomd_page_size();
	ref = map_test_start(iomd_fd, PLAN, NPAGES * page, SEED, &before);

	for (i = 0; i < NR_MODES; i++) {
		if (modes[i] == IOMD_CACHE_DEFAULT || iomd_test_cache_modes())
			test_mode(modes[i]);
		else
			test_refused(modes[i]);
	}
	test_unknown();
	test_user();
	if (iomd_test_cache_modes()) {
		test_misc();
		test_composite();
	} else {
		iomd_tap_skip_to(iomd_tap_count() + MISC_CHECKS +
				 COMPOSITE_CHECKS, IOMD_TEST_NO_CACHE_MODES);
	}

	return map_test_finish(iomd_fd, &before, ref);
}
