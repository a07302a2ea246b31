// SPDX-License-Identifier: GPL-2.0
/*
 * buffer_basic: create buffer descriptors and move bytes through them.
 *
 * For sizes of 1 byte, one page, one page + 1 and 64 MiB: length, capacity
 * and mapping are rounded up to pages, fresh memory is zero, user writes
 * are seen by the kernel and kernel writes are seen by user space, and the
 * module-wide counters follow.  Also: the reported direction, a buffer
 * that is not user-mappable, close-on-exec, alignments up to 64 KiB, and
 * kernel reads and writes at odd offsets and across page boundaries.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"

#define DEVICE_CHECKS		5
#define SIZE_CHECKS		17
#define NR_SIZES		4
#define DIRECTION_CHECKS	4
#define UNSHARED_CHECKS		5
#define CLOEXEC_CHECKS		4
#define ALIGN_CHECKS		7
#define OFFSET_CHECKS		7
#define FRESH_REASON_CHECKS	1
#define PLAN	(DEVICE_CHECKS + NR_SIZES * SIZE_CHECKS + DIRECTION_CHECKS + \
		 UNSHARED_CHECKS + CLOEXEC_CHECKS + ALIGN_CHECKS + \
		 OFFSET_CHECKS + FRESH_REASON_CHECKS)

#define SZ_64K	(64ull << 10)
#define SZ_64M	(64ull << 20)

static int iomd_fd;
static size_t page;
static struct iomd_stats initial;

static void test_device(void)
{
	struct iomd_stats st;
	char text[64] = "unset";
	int flags, ret;
	size_t at;

	flags = fcntl(iomd_fd, F_GETFD);
	if (!iomd_tap_ok(flags >= 0 && (flags & FD_CLOEXEC),
			 "/dev/iomd is opened close-on-exec"))
		iomd_tap_diag("expected FD_CLOEXEC, F_GETFD gave %d", flags);
	ret = iomd_stats(iomd_fd, &st);
	iomd_tap_errno(ret, 0, "IOMD_IOC_STATS succeeds");
	if (!iomd_tap_ok(st.max_buffer_bytes > 0,
			 "max_buffer_bytes is non-zero"))
		iomd_tap_diag("expected > 0, got 0");
	at = iomd_test_nonzero(&st.reserved, sizeof(st.reserved));
	if (!iomd_tap_ok(at == sizeof(st.reserved),
			 "IOMD_IOC_STATS zeroes its reserved fields"))
		iomd_tap_diag("expected zeros, byte %zu is not", at);
	ret = iomd_test_last_err(iomd_fd, -1, text, sizeof(text));
	if (!iomd_tap_ok(ret == 0 && text[0] == '\0',
			 "a client with no failure has an empty reason"))
		iomd_tap_diag("expected 0 and \"\", got %d \"%s\"", ret, text);
}

/* Create, inspect, map, fill both ways and destroy a buffer of @size. */
static void test_size(uint64_t size, const char *name)
{
	unsigned int end = iomd_tap_count() + SIZE_CHECKS;
	uint64_t want = iomd_test_round_pages(size);
	struct iomd_stats before, st;
	struct iomd_info info;
	unsigned char *kbuf;
	void *map = NULL;
	size_t at;
	int fd, ret;

	if (size > initial.max_buffer_bytes) {
		iomd_tap_diag("%s: max_buffer_bytes is %llu", name,
			      (unsigned long long)initial.max_buffer_bytes);
		iomd_tap_skip_to(end, "size above max_buffer_bytes");
		return;
	}
	kbuf = malloc(want);
	if (!kbuf)
		iomd_tap_bail("out of memory for %llu bytes",
			      (unsigned long long)want);

	iomd_test_stats(iomd_fd, &before);
	fd = iomd_buffer_create(iomd_fd, size, 0, IOMD_TEST_SHARED_INOUT);
	if (!iomd_tap_errno(fd, 0, "%s: create a shared in/out buffer",
			    name)) {
		free(kbuf);
		iomd_tap_skip_to(end, "create failed");
		return;
	}

	ret = iomd_info(iomd_fd, fd, &info);
	iomd_tap_errno(ret, 0, "%s: IOMD_IOC_INFO succeeds", name);
	iomd_tap_eq(info.length, want, "%s: length is rounded up to pages",
		    name);
	iomd_tap_eq(info.capacity, want,
		    "%s: capacity is rounded up to pages", name);
	iomd_tap_eq(info.page_size, page,
		    "%s: page_size is sysconf(_SC_PAGESIZE)", name);
	iomd_tap_eq(info.direction, IOMD_DIR_INOUT,
		    "%s: direction is IOMD_DIR_INOUT", name);
	iomd_tap_eq(info.kind, IOMD_KIND_BUFFER,
		    "%s: kind is IOMD_KIND_BUFFER", name);
	iomd_tap_eq(info.options & IOMD_BUF_KERNEL_USER_SHARED,
		    IOMD_BUF_KERNEL_USER_SHARED,
		    "%s: options include IOMD_BUF_KERNEL_USER_SHARED", name);

	iomd_test_stats(iomd_fd, &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors + 1,
		    "%s: live_descriptors grows by one", name);
	iomd_tap_eq(st.live_bytes, before.live_bytes + want,
		    "%s: live_bytes grows by the rounded size", name);

	/* Map only @size bytes: the mapping must still cover whole pages. */
	ret = iomd_map(fd, 0, size, PROT_READ | PROT_WRITE, &map);
	if (iomd_tap_errno(ret, 0, "%s: map read-write", name)) {
		at = iomd_test_nonzero(map, want);
		if (!iomd_tap_ok(at == want, "%s: fresh mapping is all zero",
				 name))
			iomd_tap_diag("first non-zero byte at %zu", at);

		memset(kbuf, 0xa5, want);
		ret = iomd_kread(iomd_fd, fd, 0, kbuf, want);
		at = iomd_test_nonzero(kbuf, want);
		if (!iomd_tap_ok(!ret && at == want,
				 "%s: kernel reads zeros from a fresh buffer",
				 name))
			iomd_tap_diag("kread returned %s, first non-zero byte at %zu",
				      iomd_errno_name(ret), at);

		iomd_test_fill(map, want, size);
		ret = iomd_kread(iomd_fd, fd, 0, kbuf, want);
		at = iomd_test_check(kbuf, want, size);
		if (!iomd_tap_ok(!ret && at == want,
				 "%s: kernel sees every user-written byte",
				 name))
			iomd_tap_diag("kread returned %s, first mismatch at %zu of %llu",
				      iomd_errno_name(ret), at,
				      (unsigned long long)want);

		iomd_test_fill(kbuf, want, ~size);
		ret = iomd_kwrite(iomd_fd, fd, 0, kbuf, want);
		at = iomd_test_check(map, want, ~size);
		if (!iomd_tap_ok(!ret && at == want,
				 "%s: user space sees every kernel-written byte",
				 name))
			iomd_tap_diag("kwrite returned %s, first mismatch at %zu of %llu",
				      iomd_errno_name(ret), at,
				      (unsigned long long)want);
		iomd_unmap(map, size);
	}
	iomd_tap_skip_to(end - 2, "map failed");

	iomd_close(fd);
	free(kbuf);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "%s: live_descriptors returns after close and munmap",
		    name);
	iomd_tap_eq(st.live_bytes, before.live_bytes,
		    "%s: live_bytes returns after close and munmap", name);
}

static void test_directions(void)
{
	static const struct {
		uint32_t dir;
		const char *name;
	} dirs[] = {
		{ IOMD_DIR_IN, "IOMD_DIR_IN" },
		{ IOMD_DIR_OUT, "IOMD_DIR_OUT" },
	};
	struct iomd_info info;
	unsigned int i;
	int fd, ret;

	for (i = 0; i < 2; i++) {
		fd = iomd_buffer_create(iomd_fd, page, 0, dirs[i].dir |
					IOMD_BUF_KERNEL_USER_SHARED);
		iomd_tap_errno(fd, 0, "create an %s buffer", dirs[i].name);
		ret = fd < 0 ? fd : iomd_info(iomd_fd, fd, &info);
		if (!iomd_tap_ok(!ret && info.direction == dirs[i].dir,
				 "info reports direction %s", dirs[i].name))
			iomd_tap_diag("expected %u, got %s / %u", dirs[i].dir,
				      iomd_errno_name(ret), info.direction);
		if (fd >= 0)
			iomd_close(fd);
	}
}

/* A buffer without IOMD_BUF_KERNEL_USER_SHARED: the kernel only. */
static void test_unshared(void)
{
	unsigned int end = iomd_tap_count() + UNSHARED_CHECKS;
	unsigned char byte = 0xee, mark = 0x5a;
	struct iomd_info info;
	int fd, ret;

	fd = iomd_buffer_create(iomd_fd, 1, 0, IOMD_DIR_INOUT);
	if (!iomd_tap_errno(fd, 0, "create a 1-byte unshared buffer")) {
		iomd_tap_skip_to(end, "create failed");
		return;
	}
	ret = iomd_info(iomd_fd, fd, &info);
	if (!iomd_tap_ok(!ret &&
			 !(info.options & IOMD_BUF_KERNEL_USER_SHARED),
			 "unshared: options lack IOMD_BUF_KERNEL_USER_SHARED"))
		iomd_tap_diag("info %s, options 0x%x", iomd_errno_name(ret),
			      info.options);
	iomd_tap_eq(info.length, 1,
		    "unshared: length is not rounded up to pages");
	ret = iomd_kread(iomd_fd, fd, 0, &byte, 1);
	iomd_test_mem(ret, &byte, "", 1, "unshared: fresh byte reads as zero");
	ret = iomd_kwrite(iomd_fd, fd, 0, &mark, 1);
	if (!ret)
		ret = iomd_kread(iomd_fd, fd, 0, &byte, 1);
	iomd_test_mem(ret, &byte, &mark, 1,
		      "unshared: kernel write then read round-trips");
	iomd_close(fd);
}

static void test_cloexec(void)
{
	int fd, flags;

	fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT |
				IOMD_CREATE_CLOEXEC);
	iomd_tap_errno(fd, 0, "create with IOMD_CREATE_CLOEXEC");
	flags = fd < 0 ? -1 : fcntl(fd, F_GETFD);
	if (!iomd_tap_ok(flags >= 0 && (flags & FD_CLOEXEC),
			 "IOMD_CREATE_CLOEXEC sets FD_CLOEXEC"))
		iomd_tap_diag("expected FD_CLOEXEC, F_GETFD gave %d", flags);
	if (fd >= 0)
		iomd_close(fd);

	fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	iomd_tap_errno(fd, 0, "create without IOMD_CREATE_CLOEXEC");
	flags = fd < 0 ? -1 : fcntl(fd, F_GETFD);
	if (!iomd_tap_ok(flags >= 0 && !(flags & FD_CLOEXEC),
			 "without IOMD_CREATE_CLOEXEC FD_CLOEXEC is clear"))
		iomd_tap_diag("expected 0, F_GETFD gave %d", flags);
	if (fd >= 0)
		iomd_close(fd);
}

/* Create with @alignment, report one check, and destroy. */
static void check_alignment(uint64_t capacity, uint64_t alignment)
{
	int fd;

	fd = iomd_buffer_create(iomd_fd, capacity, alignment,
				IOMD_TEST_SHARED_INOUT);
	iomd_tap_errno(fd, 0, "alignment %llu with capacity %llu is accepted",
		       (unsigned long long)alignment,
		       (unsigned long long)capacity);
	if (fd >= 0)
		iomd_close(fd);
}

static void test_alignment(void)
{
	unsigned int end = iomd_tap_count() + ALIGN_CHECKS - 3;
	unsigned char *kbuf;
	struct iomd_info info;
	void *map;
	size_t at;
	int fd, ret;

	kbuf = malloc(SZ_64K);
	if (!kbuf)
		iomd_tap_bail("out of memory");
	fd = iomd_buffer_create(iomd_fd, SZ_64K, SZ_64K,
				IOMD_TEST_SHARED_INOUT);
	if (!iomd_tap_errno(fd, 0, "create 64 KiB aligned to 64 KiB")) {
		iomd_tap_skip_to(end, "create failed");
	} else {
		ret = iomd_info(iomd_fd, fd, &info);
		if (!iomd_tap_ok(!ret && info.length == SZ_64K,
				 "64 KiB aligned: length is 64 KiB"))
			iomd_tap_diag("info %s, length %llu",
				      iomd_errno_name(ret),
				      (unsigned long long)info.length);
		ret = iomd_map(fd, 0, SZ_64K, PROT_READ | PROT_WRITE, &map);
		if (iomd_tap_errno(ret, 0, "64 KiB aligned: map read-write")) {
			iomd_test_fill(map, SZ_64K, 64);
			ret = iomd_kread(iomd_fd, fd, 0, kbuf, SZ_64K);
			at = iomd_test_check(kbuf, SZ_64K, 64);
			if (!iomd_tap_ok(!ret && at == SZ_64K,
					 "64 KiB aligned: kernel sees writes"))
				iomd_tap_diag("kread returned %s, mismatch at %zu",
					      iomd_errno_name(ret), at);
			iomd_unmap(map, SZ_64K);
		}
		iomd_tap_skip_to(end, "map failed");
		iomd_close(fd);
	}
	free(kbuf);

	check_alignment(page, 1);
	check_alignment(page, page);
	check_alignment(1, 2 * page);
}

/* Kernel reads and writes at non-zero offsets, across page boundaries. */
static void test_offsets(void)
{
	unsigned int end = iomd_tap_count() + OFFSET_CHECKS;
	size_t len = 3 * page, i;
	unsigned char msg[100], got[64], *map = NULL, *kbuf;
	void *addr;
	int fd, ret;

	kbuf = malloc(len);
	if (!kbuf)
		iomd_tap_bail("out of memory");
	fd = iomd_buffer_create(iomd_fd, len, 0, IOMD_TEST_SHARED_INOUT);
	ret = fd < 0 ? fd : iomd_map(fd, 0, len, PROT_READ | PROT_WRITE,
				     &addr);
	if (!iomd_tap_errno(ret, 0, "create and map a 3-page buffer")) {
		if (fd >= 0)
			iomd_close(fd);
		free(kbuf);
		iomd_tap_skip_to(end, "setup failed");
		return;
	}
	map = addr;

	/* 100 bytes straddling the first page boundary. */
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i + 1);
	ret = iomd_kwrite(iomd_fd, fd, page - 50, msg, sizeof(msg));
	iomd_tap_errno(ret, 0, "kwrite 100 bytes at page - 50");
	memset(kbuf, 0, len);
	memcpy(kbuf + page - 50, msg, sizeof(msg));
	iomd_test_mem(0, map, kbuf, len,
		      "user space sees exactly those bytes there");

	/* 64 user-written bytes straddling the second page boundary. */
	for (i = 0; i < sizeof(got); i++)
		map[2 * page - 7 + i] = (unsigned char)(0x80 ^ i);
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, 2 * page - 7, got, sizeof(got));
	iomd_test_mem(ret, got, map + 2 * page - 7, sizeof(got),
		      "kread 64 bytes at 2 pages - 7 sees the user's bytes");

	ret = iomd_kread(iomd_fd, fd, 1, kbuf, len - 1);
	iomd_test_mem(ret, kbuf, map + 1, len - 1,
		      "kread from offset 1 to the end matches the mapping");

	ret = iomd_kread(iomd_fd, fd, len, kbuf, 0);
	iomd_tap_errno(ret, 0, "zero-length kread at offset == length");
	ret = iomd_kwrite(iomd_fd, fd, len, msg, 0);
	iomd_tap_errno(ret, 0, "zero-length kwrite at offset == length");

	iomd_unmap(map, len);
	iomd_close(fd);
	free(kbuf);
}

static void test_fresh_reason(void)
{
	char text[64] = "unset";
	int fd, ret;

	fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_TEST_SHARED_INOUT);
	ret = fd < 0 ? fd : iomd_test_last_err(iomd_fd, fd, text,
						    sizeof(text));
	if (!iomd_tap_ok(ret == 0 && text[0] == '\0',
			 "a fresh descriptor has an empty reason"))
		iomd_tap_diag("expected 0 and \"\", got %s \"%s\"",
			      iomd_errno_name(ret), text);
	if (fd >= 0)
		iomd_close(fd);
}

int main(void)
{
	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_test_stats(iomd_fd, &initial);
	iomd_tap_plan(PLAN);

	test_device();
	test_size(1, "1 byte");
	test_size(page, "one page");
	test_size(page + 1, "one page + 1");
	test_size(SZ_64M, "64 MiB");
	test_directions();
	test_unshared();
	test_cloexec();
	test_alignment();
	test_offsets();
	test_fresh_reason();

	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
