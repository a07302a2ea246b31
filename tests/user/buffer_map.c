// SPDX-License-Identifier: GPL-2.0
/*
 * buffer_map: mmap() of buffer descriptors.
 *
 * Two mappings of one descriptor share memory; MAP_PRIVATE is refused; an
 * IOMD_DIR_IN buffer maps read-only and refuses both a writable mmap and
 * an mprotect upgrade; an OUT buffer maps writable; a buffer without
 * IOMD_BUF_KERNEL_USER_SHARED cannot be mapped at all; mappings past the
 * end are refused while an in-range offset maps the right page; growing a
 * mapping with mremap() is refused.  Every refused mmap must leave its
 * errno and a reason on the descriptor.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define SHARE_CHECKS		6
#define PRIVATE_CHECKS		3
#define DIR_IN_CHECKS		8
#define DIR_OUT_CHECKS		3
#define UNSHARED_CHECKS		4
#define PAST_END_CHECKS		13
#define MREMAP_CHECKS		5
#define PLAN	(SHARE_CHECKS + PRIVATE_CHECKS + DIR_IN_CHECKS + \
		 DIR_OUT_CHECKS + UNSHARED_CHECKS + PAST_END_CHECKS + \
		 MREMAP_CHECKS)

static const char kernel_msg[] = "written by the kernel";
static const char user_msg[] = "written by user space";

static int iomd_fd;
static size_t page;

/*
 * mmap() returning 0 or -errno.  A mapping made where the test expects a
 * refusal is removed at once so that it cannot leak into later checks.
 */
static int try_mmap(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* Create a buffer of @pages pages with @flags, reporting one check. */
static int create_buf(size_t pages, uint32_t flags, const char *what)
{
	int fd = iomd_buffer_create(iomd_fd, pages * page, 0, flags);

	iomd_tap_errno(fd, 0, "create %s", what);
	return fd;
}

static void test_two_mappings(void)
{
	unsigned int end = iomd_tap_count() + SHARE_CHECKS;
	char *a = NULL, *b = NULL;
	void *pa, *pb;
	int fd, ret;

	fd = create_buf(2, IOMD_TEST_SHARED_INOUT, "a 2-page in/out buffer");
	if (fd < 0)
		goto skip;
	ret = iomd_map(fd, 0, 2 * page, PROT_READ | PROT_WRITE, &pa);
	if (!iomd_tap_errno(ret, 0, "first mapping"))
		goto out;
	a = pa;
	ret = iomd_map(fd, 0, 2 * page, PROT_READ | PROT_WRITE, &pb);
	if (!iomd_tap_errno(ret, 0, "second mapping of the same descriptor"))
		goto out;
	b = pb;

	memcpy(a + page + 10, user_msg, sizeof(user_msg));
	iomd_test_str(0, b + page + 10, user_msg,
		      "a write through one mapping shows in the other");
	ret = iomd_kwrite(iomd_fd, fd, 20, kernel_msg, sizeof(kernel_msg));
	iomd_test_str(ret, a + 20, kernel_msg,
		      "a kernel write shows in the first mapping");
	iomd_test_str(ret, b + 20, kernel_msg,
		      "a kernel write shows in the second mapping");
out:
	if (b)
		iomd_unmap(b, 2 * page);
	if (a)
		iomd_unmap(a, 2 * page);
	iomd_close(fd);
skip:
	iomd_tap_skip_to(end, "setup failed");
}

static void test_private(void)
{
	unsigned int end = iomd_tap_count() + PRIVATE_CHECKS;
	int fd, ret;

	fd = create_buf(1, IOMD_TEST_SHARED_INOUT, "a 1-page in/out buffer");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = try_mmap(fd, page, PROT_READ, MAP_PRIVATE, 0);
	iomd_test_fails(iomd_fd, fd, ret, EINVAL, "MAP_PRIVATE mmap");
	iomd_close(fd);
}

static void test_dir_in(void)
{
	unsigned int end = iomd_tap_count() + DIR_IN_CHECKS;
	void *map;
	int fd, ret;

	fd = create_buf(1, IOMD_DIR_IN | IOMD_BUF_KERNEL_USER_SHARED,
			"an IOMD_DIR_IN buffer");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	/* The kernel may always write, whatever the direction. */
	ret = iomd_kwrite(iomd_fd, fd, 0, kernel_msg, sizeof(kernel_msg));
	iomd_tap_errno(ret, 0, "IN: the kernel can write");
	ret = iomd_map(fd, 0, page, PROT_READ, &map);
	if (iomd_tap_errno(ret, 0, "IN: read-only mapping")) {
		iomd_test_str(0, map, kernel_msg,
			      "IN: user space reads what the kernel wrote");
	} else {
		map = NULL;
		iomd_tap_skip_to(iomd_tap_count() + 1, "map failed");
	}

	ret = try_mmap(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	iomd_test_fails(iomd_fd, fd, ret, EACCES, "IN: writable mmap");

	if (map) {
		ret = mprotect(map, page, PROT_READ | PROT_WRITE) ? -errno : 0;
		iomd_tap_errno(ret, EACCES,
			       "IN: mprotect to PROT_WRITE fails with EACCES");
		iomd_test_str(0, map, kernel_msg,
			      "IN: mapping still readable after the refusal");
		iomd_unmap(map, page);
	}
	iomd_tap_skip_to(end, "map failed");
	iomd_close(fd);
}

static void test_dir_out(void)
{
	unsigned int end = iomd_tap_count() + DIR_OUT_CHECKS;
	char got[sizeof(user_msg)];
	void *map;
	int fd, ret;

	fd = create_buf(1, IOMD_DIR_OUT | IOMD_BUF_KERNEL_USER_SHARED,
			"an IOMD_DIR_OUT buffer");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_map(fd, 0, page, PROT_READ | PROT_WRITE, &map);
	if (iomd_tap_errno(ret, 0, "OUT: read-write mapping")) {
		memcpy(map, user_msg, sizeof(user_msg));
		memset(got, 0, sizeof(got));
		ret = iomd_kread(iomd_fd, fd, 0, got, sizeof(got));
		iomd_test_str(ret, got, user_msg,
			      "OUT: the kernel reads what user space wrote");
		iomd_unmap(map, page);
	}
	iomd_tap_skip_to(end, "map failed");
	iomd_close(fd);
}

static void test_unshared(void)
{
	unsigned int end = iomd_tap_count() + UNSHARED_CHECKS;
	int fd, ret;

	fd = create_buf(1, IOMD_DIR_INOUT,
			"a buffer without IOMD_BUF_KERNEL_USER_SHARED");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = try_mmap(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	iomd_test_fails(iomd_fd, fd, ret, EPERM,
			"read-write mmap of an unshared buffer");
	ret = try_mmap(fd, page, PROT_READ, MAP_SHARED, 0);
	iomd_tap_errno(ret, EPERM,
		       "read-only mmap of an unshared buffer fails with EPERM");
	iomd_close(fd);
}

static void test_past_end(void)
{
	unsigned int end = iomd_tap_count() + PAST_END_CHECKS;
	int prot = PROT_READ | PROT_WRITE;
	unsigned char last = 0;
	char *map;
	void *addr;
	int fd, ret;

	fd = create_buf(2, IOMD_TEST_SHARED_INOUT, "a 2-page in/out buffer");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = try_mmap(fd, 3 * page, prot, MAP_SHARED, 0);
	iomd_test_fails(iomd_fd, fd, ret, EINVAL, "mmap of 3 pages of 2");
	ret = try_mmap(fd, page, prot, MAP_SHARED, 2 * page);
	iomd_test_fails(iomd_fd, fd, ret, EINVAL,
			"mmap of 1 page at offset 2 pages of 2");
	ret = try_mmap(fd, 2 * page, prot, MAP_SHARED, page);
	iomd_test_fails(iomd_fd, fd, ret, EINVAL,
			"mmap of 2 pages at offset 1 page of 2");
	ret = try_mmap(fd, page, prot, MAP_SHARED, (off_t)1 << 40);
	iomd_tap_errno(ret, EINVAL,
		       "mmap at offset 1 TiB fails with EINVAL");

	/* An in-range offset maps the page it names. */
	ret = iomd_map(fd, page, page, prot, &addr);
	if (iomd_tap_errno(ret, 0, "mmap of the second page alone")) {
		ret = iomd_kwrite(iomd_fd, fd, page, kernel_msg,
				  sizeof(kernel_msg));
		iomd_test_str(ret, addr, kernel_msg,
			      "offset 1 page maps the second page");
		iomd_unmap(addr, page);
	} else {
		iomd_tap_skip_to(iomd_tap_count() + 1, "map failed");
	}

	ret = iomd_map(fd, page / 2, page, prot, &addr);
	if (!ret)
		iomd_unmap(addr, page);
	iomd_tap_errno(ret, EINVAL,
		       "iomd_map() refuses an unaligned offset with EINVAL");

	/* A 1-byte request still maps, and may use, the whole page. */
	ret = iomd_map(fd, 0, 1, prot, &addr);
	if (iomd_tap_errno(ret, 0, "iomd_map() of 1 byte")) {
		map = addr;
		map[page - 1] = 0x7e;
		ret = iomd_kread(iomd_fd, fd, page - 1, &last, 1);
		iomd_test_mem(ret, &last, map + page - 1, 1,
			      "1-byte mapping covers the whole page");
		iomd_unmap(addr, 1);
	}
	iomd_tap_skip_to(end, "map failed");
	iomd_close(fd);
}

static void test_mremap(void)
{
	unsigned int end = iomd_tap_count() + MREMAP_CHECKS;
	char got[sizeof(user_msg)];
	size_t maplen = page;
	void *map, *p;
	int fd, ret;

	/* Two pages, one mapped: growth stays inside the buffer. */
	fd = create_buf(2, IOMD_TEST_SHARED_INOUT, "a 2-page in/out buffer");
	if (fd < 0) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_map(fd, 0, page, PROT_READ | PROT_WRITE, &map);
	if (!iomd_tap_errno(ret, 0, "map its first page")) {
		iomd_close(fd);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	p = mremap(map, page, 2 * page, MREMAP_MAYMOVE);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret) {
		map = p;
		maplen = 2 * page;
	}
	iomd_tap_errno(ret, EFAULT,
		       "mremap growth with MREMAP_MAYMOVE fails with EFAULT");
	p = mremap(map, page, 2 * page, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret)
		maplen = 2 * page;
	iomd_tap_errno(ret, EFAULT,
		       "mremap growth in place fails with EFAULT");

	memcpy(map, user_msg, sizeof(user_msg));
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, 0, got, sizeof(got));
	iomd_test_str(ret, got, user_msg,
		      "the mapping still works after refused growth");
	munmap(map, maplen);
	iomd_close(fd);
}

int main(void)
{
	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);

	test_two_mappings();
	test_private();
	test_dir_in();
	test_dir_out();
	test_unshared();
	test_past_end();
	test_mremap();

	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
