// SPDX-License-Identifier: GPL-2.0
/*
 * zone_usercopy: the kernel copies between user space and every kind of
 * driver memory a descriptor can describe, zone (slab) memory included.
 *
 * The sample driver exports iomd_malloc() memory of several sizes as
 * kernel-range descriptors; IOMD_IOC_KWRITE and IOMD_IOC_KREAD copy
 * user bytes into and out of it, page by page and through the kernel
 * mapping (IOMD_RW_KMAP), at both ends of the range.  Kernels with
 * CONFIG_HARDENED_USERCOPY check such copies against the slab cache's
 * usercopy region: a zone cache that declares none makes the first copy
 * a kernel BUG (mm/usercopy.c), which kills this program and fails the
 * run.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/iomd_sample.h>

#include "iomd_test.h"

/* Checks of check_size(), per size. */
#define SIZE_CHECKS	13

static const size_t sizes[] = { 64, 200, 2048, 4096 };

#define PLAN	(ARRAY_SIZE(sizes) * SIZE_CHECKS + 3)

static int iomd_fd;

/* KREAD all of @fd (@len bytes) and compare with @want: one check. */
static void check_all(int fd, uint32_t flags, const unsigned char *want,
		      size_t len, const char *what, size_t size)
{
	unsigned char *got = malloc(len);
	int ret;

	if (!got)
		iomd_tap_bail("out of memory");
	memset(got, 0xa5, len);
	ret = iomd_kread_flags(iomd_fd, fd, flags, 0, got, len);
	iomd_test_mem(ret, got, want, len, "%zu bytes: %s", size, what);
	free(got);
}

static void check_size(size_t size)
{
	unsigned char *shadow, one, tail[8], got[8];
	unsigned int start = iomd_tap_count();
	size_t i, n = sizeof(tail);
	int fd, ret;

	shadow = malloc(size);
	if (!shadow)
		iomd_tap_bail("out of memory");

	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_MALLOC, size, 0);
	if (!iomd_tap_errno(fd, 0, "%zu bytes: export iomd_malloc memory",
			    size)) {
		iomd_tap_skip_to(start + SIZE_CHECKS - 3, "no descriptor");
		goto tail;
	}

	/* The whole range, page by page, then through the kernel mapping. */
	iomd_test_fill(shadow, size, size);
	ret = iomd_kwrite(iomd_fd, fd, 0, shadow, size);
	iomd_tap_errno(ret, 0, "%zu bytes: KWRITE of the whole range", size);
	check_all(fd, 0, shadow, size, "KREAD returns what KWRITE wrote",
		  size);
	for (i = 0; i < size; i++)
		shadow[i] ^= 0x5a;
	ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, 0, shadow, size);
	iomd_tap_errno(ret, 0, "%zu bytes: KWRITE through the kernel mapping",
		       size);
	check_all(fd, IOMD_RW_KMAP, shadow, size,
		  "KREAD through the kernel mapping matches", size);

	/* The first and the last byte alone, then the last few bytes. */
	one = 0x11;
	shadow[0] = one;
	ret = iomd_kwrite(iomd_fd, fd, 0, &one, 1);
	iomd_tap_errno(ret, 0, "%zu bytes: KWRITE of the first byte", size);
	one = 0x22;
	shadow[size - 1] = one;
	ret = iomd_kwrite(iomd_fd, fd, size - 1, &one, 1);
	iomd_tap_errno(ret, 0, "%zu bytes: KWRITE of the last byte", size);
	for (i = 0; i < n; i++)
		tail[i] = 0xc0 + i;
	memcpy(shadow + size - n, tail, n);
	ret = iomd_kwrite_flags(iomd_fd, fd, IOMD_RW_KMAP, size - n, tail, n);
	iomd_tap_errno(ret, 0, "%zu bytes: KWRITE of the last %zu bytes (kmap)",
		       size, n);
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, size - n, got, n);
	iomd_test_mem(ret, got, tail, n, "%zu bytes: KREAD of the last %zu bytes",
		      size, n);
	check_all(fd, 0, shadow, size, "the whole range holds every write",
		  size);
	close(fd);

tail:
	/* A descriptor of the allocation's last bytes only. */
	fd = iomd_test_sample_export(IOMD_SAMPLE_MEM_MALLOC, size, size - n);
	if (!iomd_tap_errno(fd, 0,
			    "%zu bytes: export the allocation's last %zu bytes",
			    size, n)) {
		iomd_tap_skip_to(start + SIZE_CHECKS, "no descriptor");
		goto out;
	}
	for (i = 0; i < n; i++)
		tail[i] = 0x70 ^ i;
	ret = iomd_kwrite(iomd_fd, fd, 0, tail, n);
	iomd_tap_errno(ret, 0, "%zu bytes: KWRITE of the allocation's end",
		       size);
	memset(got, 0, sizeof(got));
	ret = iomd_kread(iomd_fd, fd, 0, got, n);
	iomd_test_mem(ret, got, tail, n,
		      "%zu bytes: KREAD of the allocation's end", size);
	close(fd);
out:
	free(shadow);
}

int main(void)
{
	struct iomd_stats before, st;
	unsigned int i;

	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	iomd_test_stats(iomd_fd, &before);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		check_size(sizes[i]);
	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before.live_descriptors,
		    "every exported descriptor is gone");
	iomd_tap_eq(st.live_zone_elements, before.live_zone_elements,
		    "the driver's memory went back with its descriptors");
	iomd_tap_eq(st.bad_frees, before.bad_frees, "no refused free");
	return iomd_tap_finish();
}
