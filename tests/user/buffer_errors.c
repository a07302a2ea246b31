// SPDX-License-Identifier: GPL-2.0
/*
 * buffer_errors: every bad input fails with its documented errno, and
 * leaves a non-empty reason carrying that errno on the client.
 *
 * Each case starts from a valid argument and breaks exactly one thing, so
 * the errno can only come from that one thing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define SETUP_CHECKS		1
#define CREATE_CHECKS		(13 * 2 + 1)
#define INFO_CHECKS		(7 * 2)
#define RW_CHECKS		((11 + 8) * 2 + 1)
#define REASON_CHECKS		(4 + 1)
#define TRUNCATE_CHECKS		5
#define UNKNOWN_CHECKS		(4 * 2 + 1)
#define NULL_ARG_CHECKS		(2 * 2)
#define STRADDLE_CHECKS		(3 * 2 + 2 + 2)
#define REOPEN_CHECKS		3
#define PLAN	(SETUP_CHECKS + CREATE_CHECKS + INFO_CHECKS + RW_CHECKS + \
		 REASON_CHECKS + TRUNCATE_CHECKS + UNKNOWN_CHECKS + \
		 NULL_ARG_CHECKS + STRADDLE_CHECKS + REOPEN_CHECKS)

#define CLIENT	(-1)	/* iomd_test_fails(): check the client's reason */

static int iomd_fd;
static size_t page;
static struct iomd_stats initial;

/* A valid descriptor, and fds that are not descriptors. */
static int desc_fd;
static int closed_fd;
static int pipe_fd;
static int memfd;

/* Memory the kernel cannot write to, and memory it cannot read. */
static void *ro_page;
static void *none_page;

static unsigned char rw_buf[256];

static struct iomd_buffer_create good_create(void)
{
	struct iomd_buffer_create arg;

	memset(&arg, 0, sizeof(arg));
	arg.capacity = page;
	arg.flags = IOMD_TEST_SHARED_INOUT;
	return arg;
}

/* Issue BUFFER_CREATE; a descriptor made by mistake is closed at once. */
static int create_raw(struct iomd_buffer_create *arg)
{
	int ret = iomd_ioctl(iomd_fd, IOMD_IOC_BUFFER_CREATE, arg);

	if (ret < 0)
		return ret;
	close((int)arg->fd);
	return 0;
}

static void test_create(void)
{
	struct iomd_buffer_create arg;
	struct iomd_stats st;
	uint64_t max = initial.max_buffer_bytes;

	arg = good_create();
	arg.capacity = 0;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with capacity 0");
	arg = good_create();
	arg.capacity = max + 1;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EFBIG,
			"create with capacity max_buffer_bytes + 1");
	arg = good_create();
	arg.capacity = UINT64_MAX;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EFBIG,
			"create with capacity 2^64 - 1");
	arg = good_create();
	arg.capacity = max + 1;
	arg.flags = IOMD_DIR_INOUT;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EFBIG,
			"unshared create with capacity max_buffer_bytes + 1");
	arg = good_create();
	arg.alignment = 3;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with alignment 3");
	arg = good_create();
	arg.alignment = 3 * page;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with alignment 3 pages");
	arg = good_create();
	arg.alignment = 1ull << 63;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with alignment 2^63");
	arg = good_create();
	arg.flags = 0;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with flags 0");
	arg = good_create();
	arg.flags = IOMD_BUF_KERNEL_USER_SHARED;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with no direction");
	arg = good_create();
	arg.flags |= 0x4;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with unknown flag 0x4");
	arg = good_create();
	arg.flags |= 0x80000000u;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with unknown flag 0x80000000");
	arg = good_create();
	arg.reserved[0] = 1;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with reserved[0] = 1");
	arg = good_create();
	arg.reserved[1] = 1ull << 63;
	iomd_test_fails(iomd_fd, CLIENT, create_raw(&arg), EINVAL,
			"create with reserved[1] = 2^63");

	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.live_descriptors, initial.live_descriptors + 1,
		    "failed creates leave no descriptor behind");
}

static int info_raw(uint32_t fd, uint32_t flags, uint64_t reserved_last)
{
	struct iomd_info arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.flags = flags;
	arg.reserved[1] = reserved_last;
	return iomd_ioctl(iomd_fd, IOMD_IOC_INFO, &arg);
}

static void test_info(void)
{
	iomd_test_fails(iomd_fd, CLIENT, info_raw(desc_fd, 1, 0), EINVAL,
			"info with flags 1");
	iomd_test_fails(iomd_fd, CLIENT, info_raw(desc_fd, 0, 1), EINVAL,
			"info with reserved[1] = 1");
	iomd_test_fails(iomd_fd, CLIENT, info_raw(closed_fd, 0, 0), EBADF,
			"info on a closed fd");
	iomd_test_fails(iomd_fd, CLIENT, info_raw(UINT32_MAX, 0, 0), EBADF,
			"info on fd 0xffffffff");
	iomd_test_fails(iomd_fd, CLIENT, info_raw(pipe_fd, 0, 0), EBADFD,
			"info on a pipe");
	iomd_test_fails(iomd_fd, CLIENT, info_raw(memfd, 0, 0), EBADFD,
			"info on a memfd");
	iomd_test_fails(iomd_fd, CLIENT, info_raw(iomd_fd, 0, 0), EBADFD,
			"info on the /dev/iomd fd itself");
}

static struct iomd_rw good_rw(void)
{
	struct iomd_rw arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = desc_fd;
	arg.length = 16;
	arg.user_addr = (uintptr_t)rw_buf;
	return arg;
}

static void test_rw_one(unsigned long cmd, const char *name)
{
	bool is_read = cmd == IOMD_IOC_KREAD;
	struct iomd_rw arg;

	if (is_read) {
		arg = good_rw();
		arg.offset = page + 1;
		arg.length = 0;
		iomd_test_fails(iomd_fd, CLIENT,
				iomd_ioctl(iomd_fd, cmd, &arg), ERANGE,
				"%s of 0 bytes at offset length + 1", name);
		arg = good_rw();
		arg.length = page + 1;
		iomd_test_fails(iomd_fd, CLIENT,
				iomd_ioctl(iomd_fd, cmd, &arg), ERANGE,
				"%s of length + 1 bytes at offset 0", name);
		arg = good_rw();
		arg.offset = UINT64_MAX;
		arg.length = 1;
		iomd_test_fails(iomd_fd, CLIENT,
				iomd_ioctl(iomd_fd, cmd, &arg), EOVERFLOW,
				"%s of 1 byte at offset 2^64 - 1", name);
		arg = good_rw();
		arg.offset = 1;
		arg.length = UINT64_MAX;
		iomd_test_fails(iomd_fd, CLIENT,
				iomd_ioctl(iomd_fd, cmd, &arg), EOVERFLOW,
				"%s of 2^64 - 1 bytes at offset 1", name);
	} else {
		arg = good_rw();
		arg.offset = UINT64_MAX - 1;
		arg.length = 2;
		iomd_test_fails(iomd_fd, CLIENT,
				iomd_ioctl(iomd_fd, cmd, &arg), EOVERFLOW,
				"%s of 2 bytes at offset 2^64 - 2", name);
	}
	arg = good_rw();
	arg.offset = page;
	arg.length = 1;
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			ERANGE, "%s of 1 byte at offset length", name);
	arg = good_rw();
	arg.flags = IOMD_RW_KMAP << 1;	/* the first undefined bit */
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			EINVAL, "%s with an unknown flag", name);
	arg = good_rw();
	arg.reserved[is_read ? 0 : 1] = 1;
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			EINVAL, "%s with reserved[%d] = 1", name,
			is_read ? 0 : 1);
	arg = good_rw();
	arg.fd = closed_fd;
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			EBADF, "%s on a closed fd", name);
	arg = good_rw();
	arg.fd = pipe_fd;
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			EBADFD, "%s on a pipe", name);
	arg = good_rw();
	arg.user_addr = 0;
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			EFAULT, "%s with user_addr NULL", name);
	arg = good_rw();
	arg.user_addr = (uintptr_t)(is_read ? ro_page : none_page);
	iomd_test_fails(iomd_fd, CLIENT, iomd_ioctl(iomd_fd, cmd, &arg),
			EFAULT, "%s with user_addr in a %s page", name,
			is_read ? "read-only" : "PROT_NONE");
}

static void test_rw(void)
{
	unsigned char *kbuf;
	size_t at;
	int ret;

	test_rw_one(IOMD_IOC_KREAD, "kread");
	test_rw_one(IOMD_IOC_KWRITE, "kwrite");

	/* Nothing above may have written into the descriptor. */
	kbuf = malloc(page);
	if (!kbuf)
		iomd_tap_bail("out of memory");
	memset(kbuf, 0xa5, page);
	ret = iomd_kread(iomd_fd, desc_fd, 0, kbuf, page);
	at = iomd_test_nonzero(kbuf, page);
	if (!iomd_tap_ok(!ret && at == page,
			 "failed kwrites left the buffer all zero"))
		iomd_tap_diag("kread returned %s, first non-zero byte at %zu",
			      iomd_errno_name(ret), at);
	free(kbuf);
}

static int reason_raw(uint32_t fd, void *buf, uint64_t reserved0)
{
	struct iomd_reason arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.size = 64;
	arg.buf = (uintptr_t)buf;
	arg.reserved[0] = reserved0;
	return iomd_ioctl(iomd_fd, IOMD_IOC_REASON, &arg);
}

/*
 * A failed IOMD_IOC_REASON reports its errno but does not replace the
 * client's reason: asking why must not overwrite the answer.
 */
static void test_reason(void)
{
	struct iomd_buffer_create bad = good_create();
	char text[64];

	bad.capacity = 0;
	create_raw(&bad);

	iomd_tap_errno(reason_raw(closed_fd, text, 0), EBADF,
		       "reason for a closed fd fails with EBADF");
	iomd_tap_errno(reason_raw(pipe_fd, text, 0), EBADFD,
		       "reason for a pipe fails with EBADFD");
	iomd_tap_errno(reason_raw(IOMD_REASON_CLIENT, text, 1), EINVAL,
		       "reason with reserved[0] = 1 fails with EINVAL");
	iomd_tap_errno(reason_raw(IOMD_REASON_CLIENT, NULL, 0), EFAULT,
		       "reason into buf NULL fails with EFAULT");
	iomd_test_reason(iomd_fd, CLIENT, EINVAL,
			 "after failed reason requests, the earlier create failure");
}

/* A reason is truncated to the caller's buffer but reports its length. */
static void test_truncate(void)
{
	struct iomd_buffer_create bad = good_create();
	struct iomd_reason full, part;
	char full_text[256], part_text[4], again[4];
	int ret;

	bad.capacity = 0;
	create_raw(&bad);

	memset(&full, 0, sizeof(full));
	full.fd = IOMD_REASON_CLIENT;
	full.size = sizeof(full_text);
	full.buf = (uintptr_t)full_text;
	full_text[0] = '\0';
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_REASON, &full);
	if (!iomd_tap_ok(!ret && full.errno_value == EINVAL &&
			 strlen(full_text) > sizeof(part_text),
			 "full reason read: EINVAL, longer than 3 characters"))
		iomd_tap_diag("ioctl %s, errno_value %s, text \"%s\"",
			      iomd_errno_name(ret),
			      iomd_errno_name(full.errno_value), full_text);

	memset(&part, 0, sizeof(part));
	part.fd = IOMD_REASON_CLIENT;
	part.size = sizeof(part_text);
	part.buf = (uintptr_t)part_text;
	memset(part_text, 'x', sizeof(part_text));
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_REASON, &part);
	if (!iomd_tap_ok(!ret && part.errno_value == EINVAL,
			 "truncated reason read succeeds with EINVAL"))
		iomd_tap_diag("ioctl %s, errno_value %s",
			      iomd_errno_name(ret),
			      iomd_errno_name(part.errno_value));
	if (!iomd_tap_ok(part_text[3] == '\0' &&
			 !strncmp(part_text, full_text, 3),
			 "truncated reason is the first 3 bytes and a NUL"))
		iomd_tap_diag("expected \"%.3s\", got %02x %02x %02x %02x",
			      full_text, (unsigned char)part_text[0],
			      (unsigned char)part_text[1],
			      (unsigned char)part_text[2],
			      (unsigned char)part_text[3]);
	if (!iomd_tap_ok(full.length == strlen(full_text) &&
			 part.length == full.length,
			 "length reports the full reason length"))
		iomd_tap_diag("strlen %zu, full.length %u, part.length %u",
			      strlen(full_text), full.length, part.length);
	ret = iomd_test_last_err(iomd_fd, CLIENT, again, sizeof(again));
	if (!iomd_tap_ok(ret == -EINVAL, "reading the reason does not clear it"))
		iomd_tap_diag("expected EINVAL, got %s (%d)",
			      iomd_errno_name(ret), ret);
}

static void test_unknown_ioctl(void)
{
	struct iomd_stats arg;

	memset(&arg, 0, sizeof(arg));
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, _IO(IOMD_IOC_MAGIC, 0x00), &arg),
			ENOTTY, "ioctl number 0");
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, _IOWR(IOMD_IOC_MAGIC, 0xff,
						  struct iomd_stats), &arg),
			ENOTTY, "ioctl number 0xff");
	/* The size is part of the number: a wrong one is an unknown ioctl. */
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, _IOWR(IOMD_IOC_MAGIC, 0x02,
						  struct iomd_stats), &arg),
			ENOTTY, "IOMD_IOC_INFO number with the wrong size");
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, _IOR(IOMD_IOC_MAGIC + 1, 0x06,
						 struct iomd_stats), &arg),
			ENOTTY, "IOMD_IOC_STATS number with another magic");
	iomd_tap_errno(iomd_ioctl(desc_fd, _IO(IOMD_IOC_MAGIC, 0x00), &arg),
		       ENOTTY, "unknown ioctl on a descriptor fails with ENOTTY");
}

static void test_null_arg(void)
{
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, IOMD_IOC_INFO, NULL), EFAULT,
			"IOMD_IOC_INFO with a NULL argument");
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, IOMD_IOC_STATS, NULL), EFAULT,
			"IOMD_IOC_STATS with a NULL argument");
}

/*
 * Arguments that cross a page boundary are copied whole or fail whole:
 * the kernel reads and writes them in one pass, which must fault
 * cleanly in the middle of a struct, in either direction, and leave
 * nothing made behind when only the copy out fails.
 */
static void test_straddling_arg(void)
{
	struct iomd_buffer_create *create;
	struct iomd_version *version;
	struct iomd_stats st;
	char *two;

	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	version = (void *)(two + page - 16);
	create = (void *)(two + page - 16);

	/* Across two writable pages: copied whole both ways. */
	memset(version, 0, sizeof(*version));
	iomd_tap_errno(iomd_ioctl(iomd_fd, IOMD_IOC_VERSION, version), 0,
		       "IOMD_IOC_VERSION with its argument across two pages");
	iomd_tap_eq(version->abi, IOMD_ABI_VERSION,
		    "the ABI level is written across the page boundary");

	/* The second page read-only: read in whole, written back in part. */
	memset(create, 0, sizeof(*create));
	create->capacity = page;
	create->flags = IOMD_TEST_SHARED_INOUT;
	if (mprotect(two + page, page, PROT_READ))
		iomd_tap_bail("mprotect: %s", strerror(errno));
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, IOMD_IOC_BUFFER_CREATE, create),
			EFAULT,
			"IOMD_IOC_BUFFER_CREATE whose argument ends in a read-only page");
	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.live_descriptors, initial.live_descriptors + 1,
		    "the buffer whose fd could not be written back is gone");
	iomd_tap_eq(dup(desc_fd), closed_fd,
		    "no fd was left behind by the failed creation");
	close(closed_fd);

	if (mprotect(two + page, page, PROT_READ | PROT_WRITE))
		iomd_tap_bail("mprotect: %s", strerror(errno));
	memset(version, 0, sizeof(*version));
	if (mprotect(two + page, page, PROT_READ))
		iomd_tap_bail("mprotect: %s", strerror(errno));
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, IOMD_IOC_VERSION, version), EFAULT,
			"IOMD_IOC_VERSION whose argument ends in a read-only page");

	/* The second page inaccessible: the copy in faults part-way. */
	if (mprotect(two + page, page, PROT_NONE))
		iomd_tap_bail("mprotect: %s", strerror(errno));
	iomd_test_fails(iomd_fd, CLIENT,
			iomd_ioctl(iomd_fd, IOMD_IOC_VERSION, version), EFAULT,
			"IOMD_IOC_VERSION whose argument ends in a PROT_NONE page");
	munmap(two, 2 * page);
}

/*
 * A descriptor fd cannot be reopened through /proc/self/fd: every
 * descriptor fd is a file of one shared dentry, which names no
 * descriptor, so the open is refused as for an anonymous inode's file,
 * and the fd itself keeps working.
 */
static void test_reopen(void)
{
	char path[64];
	void *v;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", desc_fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	iomd_tap_errno(fd < 0 ? -errno : 0, ENXIO,
		       "reopening a descriptor fd read-write fails with ENXIO");
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	iomd_tap_errno(fd < 0 ? -errno : 0, ENXIO,
		       "reopening a descriptor fd read-only fails with ENXIO");
	if (fd >= 0)
		close(fd);
	v = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, desc_fd, 0);
	iomd_tap_ok(v != MAP_FAILED, "the descriptor fd still maps");
	if (v != MAP_FAILED)
		munmap(v, page);
}

static void setup(void)
{
	int fds[2];

	iomd_test_stats(iomd_fd, &initial);
	desc_fd = iomd_buffer_create(iomd_fd, page, 0,
				     IOMD_TEST_SHARED_INOUT);
	if (!iomd_tap_errno(desc_fd, 0, "create a 1-page in/out buffer"))
		iomd_tap_bail("no descriptor to test with");
	if (pipe(fds))
		iomd_tap_bail("pipe: %s", strerror(errno));
	pipe_fd = fds[0];
	close(fds[1]);
	memfd = memfd_create("iomd-test", MFD_CLOEXEC);
	if (memfd < 0)
		iomd_tap_bail("memfd_create: %s", strerror(errno));
	ro_page = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	none_page = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (ro_page == MAP_FAILED || none_page == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	/* The lowest free fd number, free until the end of the run. */
	closed_fd = dup(desc_fd);
	if (closed_fd < 0)
		iomd_tap_bail("dup: %s", strerror(errno));
	close(closed_fd);
}

int main(void)
{
	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);

	setup();
	test_create();
	test_info();
	test_rw();
	test_reason();
	test_truncate();
	test_unknown_ioctl();
	test_null_arg();
	test_straddling_arg();
	test_reopen();

	iomd_close(desc_fd);
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
