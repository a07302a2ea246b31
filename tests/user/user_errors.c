// SPDX-License-Identifier: GPL-2.0
/*
 * user_errors: every bad description of application memory, and every
 * bad PREPARE/COMPLETE, fails with its documented errno and leaves a
 * non-empty reason carrying that errno on the client.
 *
 * Each case starts from a valid argument and breaks exactly one thing, so
 * the errno can only come from that one thing.  A prepare() that cannot
 * pin every page pins none and charges nothing; the ranges are addresses,
 * checked again by each prepare().
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define DESCRIBE_CHECKS		(17 * 2 + 3)
#define WIRE_ARG_CHECKS		(7 * 2 + 3)
#define RW_CHECKS		3
#define PIN_FAIL_CHECKS		15
#define RANGE_ARRAY_CHECKS	(2 * 2 + 2)
#define LEFTOVER_CHECKS		2
#define PLAN	(DESCRIBE_CHECKS + RANGE_ARRAY_CHECKS + WIRE_ARG_CHECKS + \
		 RW_CHECKS + PIN_FAIL_CHECKS + LEFTOVER_CHECKS)

#define CLIENT	(-1)	/* iomd_test_fails(): check the client's reason */

static int iomd_fd;
static size_t page;
static struct iomd_stats initial;

/*
 * Three writable pages; three pages whose middle one is unmapped; a
 * read-only page; an address where nothing is mapped.
 */
static unsigned char *rw_mem;
static unsigned char *holey;
static unsigned char *ro_mem;
static unsigned char *gone;

/*
 * An address in the kernel's half of the address space (x86-64 kernel
 * text; kernel space on every 64-bit architecture), never user memory.
 */
static uint64_t kernel_addr(void)
{
	return sizeof(long) == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
}

/* A valid argument describing one page of @rw_mem for INOUT. */
static struct iomd_user_create good_create(const struct iomd_range *r,
					   unsigned int nr)
{
	struct iomd_user_create arg;

	memset(&arg, 0, sizeof(arg));
	arg.ranges = (uintptr_t)r;
	arg.nr_ranges = nr;
	arg.flags = IOMD_DIR_INOUT;
	return arg;
}

/* Issue USER_CREATE; a descriptor made by mistake is closed at once. */
static int create_raw(struct iomd_user_create *arg)
{
	int ret = iomd_ioctl(iomd_fd, IOMD_IOC_USER_CREATE, arg);

	if (ret < 0)
		return ret;
	iomd_close((int)arg->fd);
	return 0;
}

/* Describe @nr ranges with @flags; a descriptor made is closed at once. */
static int create_ranges(const struct iomd_range *r, unsigned int nr,
			 uint32_t flags)
{
	int fd = iomd_user_create(iomd_fd, r, nr, flags);

	if (fd < 0)
		return fd;
	iomd_close(fd);
	return 0;
}

/*
 * 64 ranges of one reservation of 2^23 pages (32 GiB of 4 KiB pages, 128
 * GiB of 16 KiB, 512 GiB of 64 KiB): 2^29 pages, more than a page array
 * can hold (INT_MAX bytes, 2^28 pointers).  As root (no RLIMIT_MEMLOCK to
 * stop it) this reached kvmalloc()'s size warning; now E2BIG before
 * anything is done.  Counted in pages: in bytes, 2 TiB of 16 KiB pages
 * fits the array and fails only when it cannot be allocated (ENOMEM).
 */
static void test_too_many_pages(void)
{
	struct iomd_range r[IOMD_USER_MAX_RANGES];
	size_t len = page << 23;
	unsigned int i;
	void *big;
	int got;

	big = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		iomd_tap_bail("cannot reserve %zu GiB: %s", len >> 30,
			      strerror(errno));
	for (i = 0; i < IOMD_USER_MAX_RANGES; i++)
		r[i] = iomd_test_range(big, len);
	got = create_ranges(r, IOMD_USER_MAX_RANGES,
			    IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	iomd_test_fails(iomd_fd, CLIENT, got, E2BIG,
			"%d ranges of 2^23 pages (2^29 pages), wired",
			IOMD_USER_MAX_RANGES);
	if (got >= 0)
		iomd_close(got);
	munmap(big, len);
}

/*
 * The range array itself: one iomd cannot read fails with a reason, and
 * arrays on either side of the handler's stack copy (4 ranges) describe
 * the same way.
 */
static void test_range_array(void)
{
	struct iomd_range r[5], *edge;
	struct iomd_user_create arg;
	struct iomd_info info;
	unsigned int i, nr;
	int fd;

	for (i = 0; i < 5; i++)
		r[i] = iomd_test_range(rw_mem + 8 * i, 3);
	arg = good_create(r, 1);
	arg.ranges = kernel_addr();
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EFAULT,
			"a range array at a kernel address");
	/* Two ranges: the first ends its page, the second is unmapped. */
	edge = (struct iomd_range *)(holey + page) - 1;
	*edge = r[0];
	arg = good_create(edge, 2);
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EFAULT,
			"a range array whose second range is unmapped");
	for (nr = 4; nr <= 5; nr++) {
		fd = iomd_user_create(iomd_fd, r, nr, IOMD_DIR_INOUT);
		iomd_tap_ok(fd >= 0 && !iomd_info(iomd_fd, fd, &info) &&
			    info.length == 3 * nr,
			    "%u ranges of 3 bytes describe %u bytes", nr,
			    3 * nr);
		if (fd >= 0)
			iomd_close(fd);
	}
}

static void test_describe(void)
{
	struct iomd_range r[IOMD_USER_MAX_RANGES + 1];
	struct iomd_user_create arg;
	struct iomd_stats st;
	unsigned int i;
	int fd;

	r[0] = iomd_test_range(gone, page);
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 1, IOMD_DIR_INOUT),
			EFAULT, "describing an unmapped page");
	r[0] = iomd_test_range(holey, 3 * page);
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 1, IOMD_DIR_INOUT),
			EFAULT, "describing 3 pages whose middle one is unmapped");
	r[0] = iomd_test_range((void *)(uintptr_t)kernel_addr(), page);
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 1, IOMD_DIR_OUT),
			EFAULT, "describing a kernel address");
	arg = good_create(r, 1);
	arg.ranges = (uintptr_t)gone;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EFAULT,
			"a range array at an unmapped address");
	r[0] = iomd_test_range(ro_mem, page);
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 1, IOMD_DIR_IN),
			EACCES, "describing read-only memory for IOMD_DIR_IN");
	r[0].addr = UINT64_MAX - page + 1;
	r[0].length = 2 * page;
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 1, IOMD_DIR_INOUT),
			EOVERFLOW, "a range whose address + length overflows");
	r[0] = iomd_test_range(rw_mem, page);
	r[1] = iomd_test_range(rw_mem + page, 0);
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 2, IOMD_DIR_INOUT),
			EINVAL, "a second range of length 0");
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 0, IOMD_DIR_INOUT),
			EINVAL, "no ranges");
	for (i = 0; i <= IOMD_USER_MAX_RANGES; i++)
		r[i] = iomd_test_range(rw_mem + i, 1);
	iomd_test_fails(iomd_fd, CLIENT,
			create_ranges(r, IOMD_USER_MAX_RANGES + 1,
				      IOMD_DIR_INOUT),
			E2BIG, "%d ranges", IOMD_USER_MAX_RANGES + 1);
	arg = good_create(r, UINT32_MAX);
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), E2BIG,
			"nr_ranges UINT32_MAX");
	test_too_many_pages();
	iomd_test_fails(iomd_fd, CLIENT, create_ranges(r, 1, 0), EINVAL,
			"no direction");
	iomd_test_fails(iomd_fd, CLIENT,
			create_ranges(r, 1, IOMD_DIR_INOUT | 0x4), EINVAL,
			"unknown flag 0x4");
	iomd_test_fails(iomd_fd, CLIENT,
			create_ranges(r, 1, IOMD_DIR_INOUT |
				      IOMD_BUF_KERNEL_USER_SHARED),
			EINVAL, "the buffer-only flag IOMD_BUF_KERNEL_USER_SHARED");
	arg = good_create(r, 1);
	arg.fd = 3;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"a non-zero fd on input");
	arg = good_create(r, 1);
	arg.reserved0 = 1;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"reserved0 = 1");
	arg = good_create(r, 1);
	arg.reserved[1] = 1;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"reserved[1] = 1");

	iomd_test_stats(iomd_fd, &st);
	iomd_tap_ok(st.live_descriptors == initial.live_descriptors &&
		    st.created_total == initial.created_total,
		    "failed describes create no descriptor");

	fd = iomd_user_create(iomd_fd, r, 1,
			      IOMD_DIR_INOUT | IOMD_CREATE_CLOEXEC);
	iomd_tap_ok(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC,
		    "IOMD_CREATE_CLOEXEC makes the descriptor fd close-on-exec");
	if (fd >= 0)
		iomd_close(fd);
	fd = iomd_user_create(iomd_fd, r, 1, IOMD_DIR_INOUT);
	iomd_tap_ok(fd >= 0 && fcntl(fd, F_GETFD) == 0,
		    "without it the descriptor fd is not close-on-exec");
	if (fd >= 0)
		iomd_close(fd);
}

static int wire_raw(unsigned long request, uint32_t fd, uint32_t flags,
		    uint32_t count, uint32_t reserved0)
{
	struct iomd_wire arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.flags = flags;
	arg.wire_count = count;
	arg.reserved0 = reserved0;
	return iomd_ioctl(iomd_fd, request, &arg);
}

static void test_wire_args(void)
{
	struct iomd_range r = iomd_test_range(rw_mem, page);
	struct iomd_info info;
	int desc, closed, buf, ret;

	desc = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	closed = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (desc < 0 || closed < 0)
		iomd_tap_bail("cannot describe a page: %s",
			      iomd_errno_name(desc < 0 ? desc : closed));
	iomd_close(closed);

	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_PREPARE, closed, 0, 0, 0), EBADF,
			"PREPARE of a closed fd");
	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_PREPARE, iomd_fd, 0, 0, 0), EBADFD,
			"PREPARE of the /dev/iomd fd");
	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_PREPARE, desc, 1, 0, 0), EINVAL,
			"PREPARE with flags 1");
	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_PREPARE, desc, 0, 1, 0), EINVAL,
			"PREPARE with the output wire_count set");
	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_PREPARE, desc, 0, 0, 1), EINVAL,
			"PREPARE with reserved0 = 1");
	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_COMPLETE, closed, 0, 0, 0), EBADF,
			"COMPLETE of a closed fd");
	iomd_test_fails(iomd_fd, CLIENT,
			wire_raw(IOMD_IOC_COMPLETE, desc, 1, 0, 0), EINVAL,
			"COMPLETE with flags 1");
	iomd_close(desc);

	/* Buffers are always wired: PREPARE and COMPLETE change nothing. */
	buf = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	iomd_tap_eq(iomd_prepare(iomd_fd, buf), 1, "PREPARE of a buffer -> 1");
	iomd_tap_eq(iomd_complete(iomd_fd, buf), 1,
		    "COMPLETE of a buffer -> 1");
	ret = buf < 0 ? buf : iomd_info(iomd_fd, buf, &info);
	iomd_tap_ok(!ret && info.wire_count == 1 && info.nr_ranges == 1,
		    "a buffer reports 1 range, wired once");
	if (buf >= 0)
		iomd_close(buf);
}

static void test_rw(void)
{
	struct iomd_range r = iomd_test_range(rw_mem, 2 * page);
	struct iomd_rw arg;
	int desc;

	desc = iomd_user_create(iomd_fd, &r, 1,
				IOMD_DIR_INOUT | IOMD_USER_PREPARE);
	if (desc < 0)
		iomd_tap_bail("cannot describe and prepare 2 pages: %s",
			      iomd_errno_name(desc));
	memset(&arg, 0, sizeof(arg));
	arg.fd = desc;
	arg.offset = UINT64_MAX - 1;
	arg.length = 4;
	arg.user_addr = (uintptr_t)ro_mem;
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_KREAD, &arg), EOVERFLOW,
		       "KREAD at offset + length overflowing fails with EOVERFLOW");
	iomd_tap_errno(iomd_kread(iomd_fd, desc, 0, gone, 16), EFAULT,
		       "KREAD into an unmapped buffer fails with EFAULT");
	arg.offset = 0;
	arg.length = 16;
	arg.flags = IOMD_RW_KMAP;
	arg.user_addr = (uintptr_t)ro_mem;
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_KREAD, &arg), EFAULT,
		       "KMAP KREAD into a read-only buffer fails with EFAULT");
	iomd_close(desc);
}

/*
 * PREPARE of @desc, 3 pages of which the last one is gone since it was
 * described, fails and leaves nothing pinned or charged.
 */
static void pin_fails_undone(int desc, const char *what)
{
	uint64_t pin0 = iomd_test_pinned_pages(iomd_fd), vm0 = iomd_test_vm_pin();

	iomd_test_fails(iomd_fd, CLIENT, iomd_prepare(iomd_fd, desc), EFAULT,
			"PREPARE of 3 %s pages whose last one is gone since",
			what);
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0,
		    "... releases the 2 pages it could pin");
	iomd_tap_eq(iomd_test_vm_pin(), vm0, "... charges nothing");
}

/* prepare() failures pin nothing and charge nothing. */
static void test_pin_fail(void)
{
	struct iomd_range r;
	uint64_t pin0, vm0;
	unsigned char *mem;
	int desc, mfd;
	void *p;

	pin0 = iomd_test_pinned_pages(iomd_fd);
	vm0 = iomd_test_vm_pin();

	/* Direction IN needs write access, taken away after describing. */
	mem = iomd_test_mmap(2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	r = iomd_test_range(mem, 2 * page);
	desc = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_IN);
	if (desc < 0 || mprotect(mem, 2 * page, PROT_READ))
		iomd_tap_bail("cannot set up a read-only IN range");
	iomd_test_fails(iomd_fd, CLIENT, iomd_prepare(iomd_fd, desc), EACCES,
			"PREPARE for IN of memory made read-only since");
	iomd_tap_eq(iomd_test_pinned_pages(iomd_fd), pin0, "... pins nothing");
	iomd_tap_eq(iomd_test_vm_pin(), vm0, "... charges nothing");
	iomd_close(desc);
	munmap(mem, 2 * page);

	/*
	 * Memory judged shareable is pinned under mmap_lock, private memory
	 * without it: both undo a partial pin.  A memfd truncated to 2 of
	 * its 3 mapped pages stays mapped (and shareable) but cannot be
	 * pinned whole.
	 */
	mfd = memfd_create("user_errors", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, 3 * page))
		iomd_tap_bail("memfd: %s", strerror(errno));
	mem = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (mem == MAP_FAILED)
		iomd_tap_bail("mmap of a memfd: %s", strerror(errno));
	r = iomd_test_range(mem, 3 * page);
	desc = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (desc < 0 || ftruncate(mfd, 2 * page))
		iomd_tap_bail("cannot set up a truncated memfd range");
	pin_fails_undone(desc, "memfd");
	iomd_close(desc);
	munmap(mem, 3 * page);
	close(mfd);

	/* The last of 3 pages is unmapped after describing. */
	mem = iomd_test_mmap(3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	memset(mem, 1, 3 * page);
	r = iomd_test_range(mem + 10, 3 * page - 20);
	desc = iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT);
	if (desc < 0 || munmap(mem + 2 * page, page))
		iomd_tap_bail("cannot set up a partly unmapped range");
	pin_fails_undone(desc, "private");
	munmap(mem, 2 * page);
	iomd_tap_errno(iomd_prepare(iomd_fd, desc), EFAULT,
		       "PREPARE with every page unmapped fails with EFAULT");

	/* The ranges are addresses: whatever is mapped there at prepare. */
	p = mmap(mem, 3 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("mmap MAP_FIXED: %s", strerror(errno));
	iomd_tap_eq(iomd_prepare(iomd_fd, desc), 1,
		    "PREPARE succeeds once memory is mapped there again");
	iomd_tap_eq(iomd_complete(iomd_fd, desc), 0, "COMPLETE");
	iomd_close(desc);
	munmap(mem, 3 * page);
}

int main(void)
{
	struct iomd_stats st;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);

	rw_mem = iomd_test_mmap(3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	memset(rw_mem, 0, 3 * page);
	holey = iomd_test_mmap(3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	ro_mem = iomd_test_mmap(page, PROT_READ, MAP_PRIVATE, -1);
	gone = iomd_test_mmap(page, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	if (munmap(holey + page, page) || munmap(gone, page))
		iomd_tap_bail("munmap: %s", strerror(errno));
	iomd_test_stats(iomd_fd, &initial);

	test_describe();
	test_range_array();
	test_wire_args();
	test_rw();
	test_pin_fail();

	iomd_test_settle(iomd_fd, initial.live_descriptors, initial.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, initial.live_descriptors,
		    "no descriptor left behind");
	iomd_tap_eq(st.pinned_pages, initial.pinned_pages,
		    "no page left pinned");
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
