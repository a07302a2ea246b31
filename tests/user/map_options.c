// SPDX-License-Identifier: GPL-2.0
/*
 * map_options: IOMD_IOC_MAP with every combination of its options.
 *
 * Each of the 16 combinations of IOMD_MAP_READONLY, IOMD_MAP_FIXED,
 * IOMD_MAP_ONDEMAND and IOMD_MAP_NOFORK maps a 5-page descriptor from an
 * offset that is not page-aligned, once with an explicit length and once
 * with length 0 (the rest).  For each: the data address is map_addr plus
 * the offset's in-page part (the asked address when fixed), the length is
 * reported unrounded, the mapping is the whole pages around the data with
 * the right permissions and VmFlags, prefaulted mappings are resident at
 * once and on-demand ones only page by page, the bytes are the
 * descriptor's, a kernel write shows through the mapping, a user write
 * reaches the kernel (or faults, read-only), and IOMD_IOC_UNMAP removes
 * it.  Then the refusals: unknown options, non-zero outputs and reserved
 * fields, ranges past the end or overflowing, bad fds, unshareable
 * memory, a fixed address with the wrong in-page offset, a fixed range
 * that is taken (whose mapping must be left alone); IOMD_IOC_UNMAP of
 * addresses that are not iomd mappings; and a mapping zapped with
 * MADV_DONTNEED faults its pages back in.  Nothing may leak.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define NPAGES		5
#define NR_OPTIONS	16
#define NR_SHAPES	2
#define CASE_CHECKS	13
#define MATRIX_CHECKS	(NR_OPTIONS * NR_SHAPES * CASE_CHECKS + 1)
#define ERRORS_CHECKS	31
#define FIXED_CHECKS	19
#define UNMAP_CHECKS	24
#define DIR_IN_CHECKS	5
#define DONTNEED_CHECKS	18
#define LEAK_CHECKS	2
#define PLAN	(MATRIX_CHECKS + ERRORS_CHECKS + FIXED_CHECKS + \
		 UNMAP_CHECKS + DIR_IN_CHECKS + DONTNEED_CHECKS + LEAK_CHECKS)

#define SEED		0x6d61706f70ull	/* "mapop" */

static const char kernel_msg[] = "kernel wrote this";
static const char user_msg[] = "user wrote this";

static int iomd_fd;
static size_t page;
static unsigned char *ref;	/* the descriptor's bytes, as filled */

/* A 5-page in/out descriptor filled with the reference pattern. */
static int create_filled(uint32_t flags, const char *what)
{
	int fd = iomd_test_buffer_filled(iomd_fd, NPAGES * page, flags, ref);

	if (fd < 0)
		iomd_tap_diag("create and fill %s: %s", what,
			      iomd_errno_name(fd));
	return fd;
}

static void describe_options(char *buf, size_t size, uint32_t options)
{
	snprintf(buf, size, "%s%s%s%s%s",
		 options ? "" : "default",
		 options & IOMD_MAP_READONLY ? "RO " : "",
		 options & IOMD_MAP_FIXED ? "FIXED " : "",
		 options & IOMD_MAP_ONDEMAND ? "ONDEMAND " : "",
		 options & IOMD_MAP_NOFORK ? "NOFORK " : "");
	if (options)
		buf[strlen(buf) - 1] = '\0';
}

/*
 * One case of the matrix: map @fd with @options from @offset for
 * @length (0: the rest), expecting @want_len bytes in @want_pages pages.
 */
static void test_case(int fd, uint32_t options, uint64_t offset,
		      uint64_t length, uint64_t want_len, uint64_t want_pages)
{
	unsigned int end = iomd_tap_count() + CASE_CHECKS;
	bool ro = options & IOMD_MAP_READONLY;
	bool ondemand = options & IOMD_MAP_ONDEMAND;
	uint64_t in_page = offset % page, hint = 0, pos;
	struct iomd_map_create m;
	unsigned char byte, got;
	struct map_vma vma;
	char name[64], opts[40], msg[sizeof(user_msg)];
	int ret, sig;
	char *data;

	describe_options(opts, sizeof(opts), options);
	snprintf(name, sizeof(name), "[%s, offset %llu, length %llu]", opts,
		 (unsigned long long)offset, (unsigned long long)length);
	if (options & IOMD_MAP_FIXED) {
		hint = map_free_range(want_pages * page);
		if (!hint) {
			iomd_tap_skip_to(end, "no free range for FIXED");
			return;
		}
		hint += in_page;
	}
	ret = iomd_map_create(iomd_fd, fd, options, hint, offset, length, &m);
	if (!iomd_tap_errno(ret, 0, "%s IOMD_IOC_MAP", name)) {
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	data = (char *)(uintptr_t)m.addr;

	if (!iomd_tap_ok(m.map_addr % page == 0 &&
			 m.addr == m.map_addr + in_page &&
			 (!hint || m.addr == hint),
			 "%s data address = map_addr + offset %% page%s", name,
			 hint ? " = the fixed address" : ""))
		iomd_tap_diag("map_addr 0x%llx addr 0x%llx fixed 0x%llx",
			      (unsigned long long)m.map_addr,
			      (unsigned long long)m.addr,
			      (unsigned long long)hint);
	iomd_tap_eq(m.length, want_len, "%s length reported unrounded", name);
	iomd_tap_eq(m.map_length, want_pages * page,
		    "%s map_length is the whole pages", name);

	ret = map_vma_find(0, m.map_addr, &vma);
	if (!iomd_tap_ok(!ret && vma.start == m.map_addr &&
			 vma.end == m.map_addr + m.map_length &&
			 !strcmp(vma.perms, ro ? "r--s" : "rw-s"),
			 "%s one %s VMA spans exactly the mapping", name,
			 ro ? "r--s" : "rw-s"))
		iomd_tap_diag("smaps: %s, 0x%llx-0x%llx %s", iomd_errno_name(ret),
			      (unsigned long long)vma.start,
			      (unsigned long long)vma.end, vma.perms);
	iomd_tap_ok(!ret && map_vma_flag(&vma, "dc") ==
		    !!(options & IOMD_MAP_NOFORK),
		    "%s VmFlags %s dc (VM_DONTCOPY)", name,
		    options & IOMD_MAP_NOFORK ? "has" : "lacks");
	iomd_tap_eq(vma.rss, ondemand ? 0 : m.map_length,
		    "%s resident right after the map: %s", name,
		    ondemand ? "nothing" : "every page");

	ret = map_probe_read(data, &byte);
	iomd_tap_eq(ret ? UINT64_MAX : map_rss(data),
		    ondemand ? page : m.map_length,
		    "%s resident after touching the first byte: %s", name,
		    ondemand ? "one page" : "every page");

	iomd_test_mem(0, data, ref + offset, want_len,
		      "%s the bytes are the descriptor's", name);

	/* A kernel write at the end of the data shows through the mapping. */
	pos = want_len - sizeof(kernel_msg);
	ret = iomd_kwrite(iomd_fd, fd, offset + pos, kernel_msg,
			  sizeof(kernel_msg));
	iomd_test_str(ret, data + pos, kernel_msg,
		      "%s a kernel write shows through the mapping", name);

	pos = want_len / 2;
	if (ro) {
		sig = map_probe_write(data + pos, 0x5a);
		got = 0;
		ret = iomd_kread(iomd_fd, fd, offset + pos, &got, 1);
		if (!iomd_tap_ok(sig == SIGSEGV && !ret && got == ref[offset + pos],
				 "%s a user write gets SIGSEGV, the byte stays",
				 name))
			iomd_tap_diag("got %s, kread %s, byte 0x%02x want 0x%02x",
				      map_sig_name(sig), iomd_errno_name(ret),
				      got, ref[offset + pos]);
	} else {
		memcpy(data + pos, user_msg, sizeof(user_msg));
		memset(msg, 0, sizeof(msg));
		ret = iomd_kread(iomd_fd, fd, offset + pos, msg, sizeof(msg));
		iomd_test_str(ret, msg, user_msg,
			      "%s a user write reaches the kernel", name);
	}
	/* Put the reference bytes back for the next case. */
	if (iomd_kwrite(iomd_fd, fd, 0, ref, NPAGES * page))
		iomd_tap_bail("cannot restore the descriptor's bytes");

	ret = iomd_unmap_addr(iomd_fd, data + want_len - 1);
	iomd_tap_errno(ret, 0, "%s IOMD_IOC_UNMAP at the last data byte",
		       name);
	iomd_tap_ok(!map_present((void *)(uintptr_t)m.map_addr) &&
		    !map_present((void *)(uintptr_t)(m.map_addr + m.map_length - 1)),
		    "%s nothing is left mapped", name);
	if (ret)
		munmap((void *)(uintptr_t)m.map_addr, m.map_length);
}

static void test_matrix(void)
{
	unsigned int end = iomd_tap_count() + MATRIX_CHECKS;
	struct iomd_stats before, st;
	uint32_t options;
	int fd;

	iomd_test_stats(iomd_fd, &before);
	fd = create_filled(IOMD_TEST_SHARED_INOUT, "the matrix buffer");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	for (options = 0; options < NR_OPTIONS; options++) {
		/* Pages 1-3: 123 bytes into page 1 to 116 into page 3. */
		test_case(fd, options, page + 123, 2 * page - 7,
			  2 * page - 7, 3);
		/* Pages 1-4: the last byte of page 1 to the end. */
		test_case(fd, options, 2 * page - 1, 0,
			  NPAGES * page - (2 * page - 1), 4);
	}
	iomd_close(fd);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "the matrix leaves no live descriptor");
}

/* IOMD_IOC_MAP with a raw argument: 0 or -errno; a success is undone. */
static int raw_map(struct iomd_map_create *arg)
{
	int ret = iomd_ioctl(iomd_fd, IOMD_IOC_MAP, arg);

	if (!ret)
		munmap((void *)(uintptr_t)arg->map_addr, arg->map_length);
	return ret;
}

/* iomd_map_create() where a refusal is expected; a success is undone. */
static int try_map(int fd, uint32_t options, uint64_t addr, uint64_t offset,
		   uint64_t length)
{
	struct iomd_map_create m;
	int ret;

	ret = iomd_map_create(iomd_fd, fd, options, addr, offset, length, &m);
	if (!ret)
		munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	return ret;
}

static void test_errors(void)
{
	unsigned int end = iomd_tap_count() + ERRORS_CHECKS;
	uint64_t len = NPAGES * page;
	struct iomd_map_create arg;
	int fd, unshared, ret;

	fd = create_filled(IOMD_TEST_SHARED_INOUT, "a 5-page buffer");
	if (!iomd_tap_ok(fd >= 0, "create a 5-page buffer for the refusals")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = try_map(fd, 0x100, 0, 0, 0);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL, "option bit 0x100");
	ret = try_map(fd, 0x80000000u | IOMD_MAP_READONLY, 0, 0, 0);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL,
			"option bit 0x80000000 with READONLY");
	ret = try_map(fd, ~0u, 0, 0, 0);
	iomd_tap_errno(ret, EINVAL, "every option bit fails with EINVAL");

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.reserved[1] = 1;
	iomd_test_fails(iomd_fd, -1, raw_map(&arg), EINVAL,
			"non-zero reserved[1]");
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.map_addr = page;
	iomd_test_fails(iomd_fd, -1, raw_map(&arg), EINVAL,
			"non-zero map_addr on input");
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.map_length = page;
	iomd_tap_errno(raw_map(&arg), EINVAL,
		       "non-zero map_length on input fails with EINVAL");

	ret = try_map(fd, 0, 0, len, 0);
	iomd_test_fails(iomd_fd, -1, ret, ERANGE,
			"offset = the length, length 0");
	ret = try_map(fd, IOMD_MAP_ONDEMAND, 0, page + 1, len - page);
	iomd_test_fails(iomd_fd, -1, ret, ERANGE,
			"a range one byte past the end");
	ret = try_map(fd, 0, 0, 0, len + 1);
	iomd_tap_errno(ret, ERANGE,
		       "length + 1 from offset 0 fails with ERANGE");
	ret = try_map(fd, 0, 0, UINT64_MAX - 1, 2);
	iomd_test_fails(iomd_fd, -1, ret, EOVERFLOW,
			"offset + length overflowing");
	ret = try_map(fd, 0, 0, 1, UINT64_MAX);
	iomd_tap_errno(ret, EOVERFLOW,
		       "offset 1, length UINT64_MAX fails with EOVERFLOW");
	ret = try_map(fd, 0, 0, UINT64_MAX, 0);
	iomd_tap_errno(ret, ERANGE,
		       "offset UINT64_MAX, length 0 fails with ERANGE");

	ret = try_map(-1, 0, 0, 0, 0);
	iomd_test_fails(iomd_fd, -1, ret, EBADF, "fd -1");
	ret = try_map(iomd_fd, 0, 0, 0, 0);
	iomd_test_fails(iomd_fd, -1, ret, EBADFD, "the /dev/iomd fd");

	unshared = iomd_buffer_create(iomd_fd, page, 0, IOMD_DIR_INOUT);
	if (iomd_tap_errno(unshared, 0,
			   "create a buffer without KERNEL_USER_SHARED")) {
		ret = try_map(unshared, 0, 0, 0, 0);
		iomd_test_fails(iomd_fd, -1, ret, EPERM,
				"IOMD_IOC_MAP of an unshared buffer");
		ret = try_map(unshared, IOMD_MAP_READONLY | IOMD_MAP_ONDEMAND,
			      0, 1, 1);
		iomd_tap_errno(ret, EPERM,
			       "read-only on-demand map of it fails with EPERM");
		iomd_close(unshared);
	}
	iomd_tap_skip_to(end - 3, "create failed");

	/* Mapping succeeds again after all those refusals. */
	ret = try_map(fd, 0, 0, len - 1, 1);
	iomd_tap_errno(ret, 0, "a 1-byte map of the last byte still works");
	ret = try_map(fd, 0, 0, 0, len);
	iomd_tap_errno(ret, 0, "the whole descriptor maps");
	iomd_close(fd);
	iomd_tap_errno(try_map(fd, 0, 0, 0, 0), EBADF,
		       "a closed descriptor fd fails with EBADF");
	iomd_tap_skip_to(end, "create failed");
}

/* An anonymous page holding @msg, to see whether it survives. */
static char *anon_page(const char *msg)
{
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, msg, strlen(msg) + 1);
	return p;
}

static void test_fixed(void)
{
	unsigned int end = iomd_tap_count() + FIXED_CHECKS;
	static const char anon_msg[] = "anonymous, not iomd";
	struct iomd_map_create m, m2;
	uint64_t range, in_page = 300;
	struct map_vma vma;
	char *anon;
	int fd, ret;

	fd = create_filled(IOMD_TEST_SHARED_INOUT, "a 5-page buffer");
	if (!iomd_tap_ok(fd >= 0, "create a 5-page buffer for FIXED")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	range = map_free_range(4 * page);
	if (!range)
		iomd_tap_bail("no free address range");

	/* The in-page offsets of address and data must match. */
	ret = try_map(fd, IOMD_MAP_FIXED, range + in_page + 1,
		      page + in_page, page);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL,
			"FIXED with the in-page offset one byte off");
	ret = try_map(fd, IOMD_MAP_FIXED, range, page + in_page, page);
	iomd_tap_errno(ret, EINVAL,
		       "FIXED at a page boundary for unaligned data fails with EINVAL");
	iomd_tap_ok(!map_present((void *)(uintptr_t)range),
		    "nothing was mapped by the refusals");

	/* A range holding an anonymous page: refused, and left alone. */
	anon = anon_page(anon_msg);
	if (!anon)
		iomd_tap_bail("mmap: %s", strerror(errno));
	ret = try_map(fd, IOMD_MAP_FIXED, (uintptr_t)anon + in_page,
		      in_page, 2 * page);
	iomd_test_fails(iomd_fd, -1, ret, EEXIST,
			"FIXED over an anonymous mapping");
	ret = map_vma_find(0, (uintptr_t)anon, &vma);
	iomd_tap_ok(!ret && !strcmp(vma.perms, "rw-p") &&
		    !strcmp(anon, anon_msg),
		    "the anonymous mapping is untouched");
	munmap(anon, page);

	/* A free range: mapped exactly there. */
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_FIXED, range + in_page,
			      page + in_page, 2 * page, &m);
	if (!iomd_tap_errno(ret, 0, "FIXED at a free address")) {
		iomd_tap_skip_to(end, "fixed map failed");
		iomd_close(fd);
		return;
	}
	iomd_tap_ok(m.addr == range + in_page && m.map_addr == range &&
		    m.map_length == 3 * page,
		    "placed exactly at the asked address, 3 pages");
	iomd_test_mem(0, (void *)(uintptr_t)m.addr, ref + page + in_page,
		      2 * page, "its bytes are the descriptor's");

	/* Its last page taken: a second FIXED mapping there is refused. */
	ret = try_map(fd, IOMD_MAP_FIXED | IOMD_MAP_ONDEMAND,
		      range + 2 * page + in_page, in_page, page);
	iomd_test_fails(iomd_fd, -1, ret, EEXIST,
			"FIXED overlapping the iomd mapping's last page");
	ret = try_map(fd, IOMD_MAP_FIXED, range + in_page, page + in_page,
		      page);
	iomd_tap_errno(ret, EEXIST,
		       "FIXED exactly over the iomd mapping fails with EEXIST");
	ret = map_vma_find(0, m.map_addr, &vma);
	iomd_tap_ok(!ret && vma.start == m.map_addr &&
		    vma.end == m.map_addr + m.map_length &&
		    vma.rss == m.map_length,
		    "the existing iomd mapping is intact and resident");
	ret = iomd_kwrite(iomd_fd, fd, page + in_page, kernel_msg,
			  sizeof(kernel_msg));
	iomd_test_str(ret, (char *)(uintptr_t)m.addr, kernel_msg,
		      "the existing iomd mapping still shows kernel writes");

	/* Just after it (its guard page) is free. */
	ret = iomd_map_create(iomd_fd, fd,
			      IOMD_MAP_FIXED | IOMD_MAP_READONLY,
			      range + 3 * page + 7, 7, 1, &m2);
	if (iomd_tap_errno(ret, 0, "FIXED right after it")) {
		iomd_tap_eq(m2.map_addr, range + 3 * page,
			    "the second mapping starts at the next page");
		iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m2.addr);
	}
	iomd_tap_skip_to(end - 1, "fixed map failed");
	iomd_tap_errno(iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)m.addr), 0,
		       "unmap the fixed mapping");
	iomd_close(fd);
}

/* The permissions of the VMA containing @addr, or "" if none. */
static const char *vma_perms(const void *addr)
{
	static struct map_vma vma;

	if (map_vma_find(0, (uintptr_t)addr, &vma))
		return "";
	return vma.perms;
}

static void test_unmap(void)
{
	unsigned int end = iomd_tap_count() + UNMAP_CHECKS;
	static const char anon_msg[] = "not an iomd mapping";
	struct iomd_unmap arg;
	struct iomd_map_create m;
	uint64_t hole;
	char *anon, *p;
	void *addr;
	int fd, ret;

	anon = anon_page(anon_msg);
	if (!anon)
		iomd_tap_bail("mmap: %s", strerror(errno));
	ret = iomd_unmap_addr(iomd_fd, anon);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL,
			"IOMD_IOC_UNMAP of an anonymous mapping");
	iomd_tap_ok(map_present(anon) && !strcmp(anon, anon_msg),
		    "the anonymous mapping is untouched");
	munmap(anon, page);

	hole = map_free_range(page);
	ret = iomd_unmap_addr(iomd_fd, (void *)(uintptr_t)hole);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL,
			"IOMD_IOC_UNMAP of an unmapped address");
	ret = iomd_unmap_addr(iomd_fd, NULL);
	iomd_tap_errno(ret, EINVAL, "IOMD_IOC_UNMAP of NULL fails with EINVAL");
	ret = iomd_unmap_addr(iomd_fd, (void *)iomd_unmap_addr);
	iomd_tap_errno(ret, EINVAL,
		       "IOMD_IOC_UNMAP of program text fails with EINVAL");

	fd = create_filled(IOMD_TEST_SHARED_INOUT, "a 5-page buffer");
	if (!iomd_tap_ok(fd >= 0, "create a 5-page buffer for UNMAP")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_map_create(iomd_fd, fd, 0, 0, 10, 3 * page, &m);
	if (!iomd_tap_errno(ret, 0, "map 4 pages")) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	p = (char *)(uintptr_t)m.map_addr;
	memset(&arg, 0, sizeof(arg));
	arg.addr = m.addr;
	arg.reserved[0] = 1;
	iomd_test_fails(iomd_fd, -1, iomd_ioctl(iomd_fd, IOMD_IOC_UNMAP, &arg),
			EINVAL, "IOMD_IOC_UNMAP with non-zero reserved[0]");
	iomd_tap_eq(map_rss(p), 4 * page,
		    "the refused unmap left the mapping resident");
	ret = iomd_unmap_addr(iomd_fd, p + 4 * page);
	iomd_tap_errno(ret, EINVAL,
		       "IOMD_IOC_UNMAP one byte past the mapping fails with EINVAL");
	ret = iomd_unmap_addr(iomd_fd, p + 2 * page + 1);
	iomd_tap_errno(ret, 0, "IOMD_IOC_UNMAP inside the third page");
	iomd_tap_ok(!map_present(p) && !map_present(p + 4 * page - 1),
		    "the whole mapping is gone");
	ret = iomd_unmap_addr(iomd_fd, p + 2 * page + 1);
	iomd_test_fails(iomd_fd, -1, ret, EINVAL,
			"a second IOMD_IOC_UNMAP there");

	/* Split in three VMAs by mprotect(): still one mapping to remove. */
	ret = iomd_map_create(iomd_fd, fd, 0, 0, 0, 3 * page, &m);
	if (iomd_tap_errno(ret, 0, "map 3 pages")) {
		p = (char *)(uintptr_t)m.map_addr;
		ret = mprotect(p + page, page, PROT_READ) ? -errno : 0;
		iomd_tap_ok(!ret && map_present(p + page) &&
			    !strcmp(vma_perms(p + page), "r--s") &&
			    !strcmp(vma_perms(p), "rw-s"),
			    "mprotect of the middle page splits it");
		ret = iomd_unmap_addr(iomd_fd, p + 2 * page);
		iomd_tap_errno(ret, 0, "IOMD_IOC_UNMAP in the last page");
		if (!iomd_tap_ok(!map_present(p) && !map_present(p + page) &&
				 !map_present(p + 2 * page),
				 "all three parts of the mapping are gone")) {
			iomd_tap_diag("left: first %d, middle %d, last %d",
				      map_present(p), map_present(p + page),
				      map_present(p + 2 * page));
			munmap(p, 3 * page);
		}
	}
	iomd_tap_skip_to(end - 3, "map failed");

	/* A plain mmap() of the descriptor fd is an iomd mapping too. */
	ret = iomd_map(fd, page, 2 * page, PROT_READ, &addr);
	if (iomd_tap_errno(ret, 0, "mmap() 2 pages of the descriptor fd")) {
		ret = iomd_unmap_addr(iomd_fd, (char *)addr + page);
		iomd_tap_errno(ret, 0, "IOMD_IOC_UNMAP removes an mmap() mapping");
		iomd_tap_ok(!map_present(addr), "and it is gone");
		if (ret)
			iomd_unmap(addr, 2 * page);
	}
	iomd_tap_skip_to(end, "mmap failed");
	iomd_close(fd);
}

static void test_dir_in(void)
{
	unsigned int end = iomd_tap_count() + DIR_IN_CHECKS;
	struct iomd_map_create m;
	struct map_vma vma;
	int fd, ret;

	fd = create_filled(IOMD_DIR_IN | IOMD_BUF_KERNEL_USER_SHARED,
			   "an IN buffer");
	if (!iomd_tap_ok(fd >= 0, "create a 5-page IOMD_DIR_IN buffer")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_map_create(iomd_fd, fd, 0, 0, page + 1, 0, &m);
	if (iomd_tap_errno(ret, 0, "IOMD_IOC_MAP of it without READONLY")) {
		ret = map_vma_find(0, m.map_addr, &vma);
		iomd_tap_ok(!ret && !strcmp(vma.perms, "r--s"),
			    "is mapped read-only (r--s)");
		ret = mprotect((void *)(uintptr_t)m.map_addr, m.map_length,
			       PROT_READ | PROT_WRITE) ? -errno : 0;
		iomd_tap_errno(ret, EACCES,
			       "mprotect to PROT_WRITE fails with EACCES");
		iomd_test_mem(0, (void *)(uintptr_t)m.addr, ref + page + 1,
			      m.length, "its bytes are the descriptor's");
		munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	}
	iomd_tap_skip_to(end, "map failed");
	iomd_close(fd);
}

/*
 * MADV_DONTNEED zaps a mapping's page-table entries; the fault handler
 * must put the same pages back: all of them at once for a prefaulted
 * mapping, one at a time for an on-demand one.
 */
static void test_dontneed(void)
{
	unsigned int end = iomd_tap_count() + DONTNEED_CHECKS;
	struct iomd_map_create m;
	char msg[sizeof(user_msg)];
	unsigned char byte;
	char *p;
	int fd, ret;

	fd = create_filled(IOMD_TEST_SHARED_INOUT, "a 5-page buffer");
	if (!iomd_tap_ok(fd >= 0, "create a 5-page buffer for MADV_DONTNEED")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}

	ret = iomd_map_create(iomd_fd, fd, 0, 0, page, 3 * page, &m);
	if (!iomd_tap_errno(ret, 0, "prefaulted: map 3 pages"))
		goto ondemand;
	p = (char *)(uintptr_t)m.map_addr;
	iomd_tap_errno(madvise(p, 3 * page, MADV_DONTNEED) ? -errno : 0, 0,
		       "prefaulted: MADV_DONTNEED on all of it");
	iomd_tap_eq(map_rss(p), 0, "prefaulted: nothing resident");
	ret = map_probe_read(p + page + 5, &byte);
	iomd_tap_ok(!ret && byte == ref[2 * page + 5],
		    "prefaulted: reading page 2 faults the right byte in");
	iomd_tap_eq(map_rss(p), 3 * page,
		    "prefaulted: that fault put every page back");
	iomd_test_mem(0, p, ref + page, 3 * page,
		      "prefaulted: all bytes are the descriptor's again");
	madvise(p + page, page, MADV_DONTNEED);
	iomd_tap_eq(map_rss(p), 2 * page,
		    "prefaulted: MADV_DONTNEED of the middle page drops it");
	memcpy(p + page + 9, user_msg, sizeof(user_msg));
	memset(msg, 0, sizeof(msg));
	ret = iomd_kread(iomd_fd, fd, 2 * page + 9, msg, sizeof(msg));
	iomd_test_str(ret, msg, user_msg,
		      "prefaulted: a write faulting it back reaches the kernel");
	iomd_tap_eq(map_rss(p), 3 * page, "prefaulted: 3 pages resident again");
	munmap(p, m.map_length);

ondemand:
	iomd_tap_skip_to(end - 8, "map failed");
	if (iomd_kwrite(iomd_fd, fd, 0, ref, NPAGES * page))
		iomd_tap_bail("cannot restore the descriptor's bytes");
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_ONDEMAND, 0, page,
			      3 * page, &m);
	if (!iomd_tap_errno(ret, 0, "on demand: map 3 pages"))
		goto out;
	p = (char *)(uintptr_t)m.map_addr;
	ret = map_probe_read(p + 2 * page, &byte);
	iomd_tap_ok(!ret && byte == ref[3 * page],
		    "on demand: reading page 3 gets its byte");
	iomd_tap_eq(map_rss(p), page, "on demand: one page resident");
	madvise(p, 3 * page, MADV_DONTNEED);
	iomd_tap_eq(map_rss(p), 0,
		    "on demand: nothing resident after MADV_DONTNEED");
	memcpy(p + page + 9, user_msg, sizeof(user_msg));
	memset(msg, 0, sizeof(msg));
	ret = iomd_kread(iomd_fd, fd, 2 * page + 9, msg, sizeof(msg));
	iomd_test_str(ret, msg, user_msg,
		      "on demand: a write faulting page 2 in reaches the kernel");
	iomd_tap_eq(map_rss(p), page, "on demand: only that page resident");
	iomd_test_mem(0, p + 2 * page, ref + 3 * page, page,
		      "on demand: page 3 faults back in with its bytes");
	iomd_tap_eq(map_rss(p), 2 * page, "on demand: two pages resident");
	munmap(p, m.map_length);
out:
	iomd_tap_skip_to(end, "map failed");
	iomd_close(fd);
}

int main(void)
{
	struct iomd_stats before;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	ref = map_test_start(iomd_fd, PLAN, NPAGES * page, SEED, &before);

	test_matrix();
	test_errors();
	test_fixed();
	test_unmap();
	test_dir_in();
	test_dontneed();

	return map_test_finish(iomd_fd, &before, ref);
}
