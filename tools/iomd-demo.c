// SPDX-License-Identifier: GPL-2.0
/*
 * iomd-demo: a short tour of iomd in plain words.
 *
 * Creates a one-page buffer that both user space and the kernel may read
 * and write, maps it, passes a message each way, shows how a bad request
 * is refused and explained, and checks that nothing is left afterwards.
 * Exits with status 1 if anything did not behave as described.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "libiomd.h"

static const char user_msg[] = "Hello kernel, this is user space.";
static const char kernel_msg[] = "Hello user space, the kernel got it.";

static int failures;

/* Print a failed step, with the -errno @err if it is not 0, and count it. */
static void fail(const char *what, int err)
{
	if (err)
		printf("  FAILED: %s: %s (%s)\n", what, strerror(-err),
		       iomd_errno_name(err));
	else
		printf("  FAILED: %s\n", what);
	failures++;
}

static const char *direction_name(uint32_t dir)
{
	switch (dir) {
	case IOMD_DIR_IN:
		return "in (device to memory)";
	case IOMD_DIR_OUT:
		return "out (memory to device)";
	case IOMD_DIR_INOUT:
		return "in/out";
	default:
		return "unknown";
	}
}

static void show_info(int iomd_fd, int desc_fd)
{
	struct iomd_info info;
	int ret;

	ret = iomd_info(iomd_fd, desc_fd, &info);
	if (ret < 0) {
		fail("IOMD_IOC_INFO", ret);
		return;
	}
	printf("  length     %llu bytes\n", (unsigned long long)info.length);
	printf("  capacity   %llu bytes\n", (unsigned long long)info.capacity);
	printf("  page size  %u bytes\n", info.page_size);
	printf("  direction  %s\n", direction_name(info.direction));
	printf("  kind       %s\n",
	       info.kind == IOMD_KIND_BUFFER ? "buffer" : "unknown");
	printf("  shared     %s\n",
	       info.options & IOMD_BUF_KERNEL_USER_SHARED ? "yes" : "no");
	if (info.page_size != iomd_page_size() ||
	    info.length != iomd_page_size())
		fail("info does not describe one page", 0);
}

/* Ask for bytes past the end of the buffer and show the refusal. */
static void show_refusal(int iomd_fd, int desc_fd)
{
	char reason[256], byte;
	int ret, err, why;

	printf("\nAsking the kernel to read 1 byte just past the end...\n");
	ret = iomd_kread(iomd_fd, desc_fd, iomd_page_size(), &byte, 1);
	if (ret == 0) {
		fail("the read past the end was allowed", 0);
		return;
	}
	printf("  refused with %s: %s\n", iomd_errno_name(ret),
	       strerror(-ret));
	err = iomd_reason(iomd_fd, -1, &why, reason, sizeof(reason));
	if (err < 0) {
		fail("IOMD_IOC_REASON", err);
		return;
	}
	printf("  the driver's reason: \"%s\" (%s)\n", reason,
	       iomd_errno_name(why));
	if (ret != -ERANGE || why != -ERANGE || !reason[0])
		fail("expected ERANGE with a reason", 0);
}

int main(void)
{
	struct iomd_stats before, after;
	size_t page = iomd_page_size();
	char seen[sizeof(user_msg)];
	int iomd_fd, desc_fd, ret;
	char *map;
	void *addr;

	iomd_fd = iomd_open();
	if (iomd_fd < 0) {
		printf("Cannot open %s: %s\n", IOMD_DEVICE_PATH,
		       strerror(-iomd_fd));
		return 1;
	}
	printf("Opened %s.\n", IOMD_DEVICE_PATH);
	ret = iomd_stats(iomd_fd, &before);
	if (ret < 0) {
		fail("IOMD_IOC_STATS", ret);
		return 1;
	}
	printf("Descriptors alive in the module: %llu\n",
	       (unsigned long long)before.live_descriptors);

	desc_fd = iomd_buffer_create(iomd_fd, page, 0, IOMD_DIR_INOUT |
				     IOMD_BUF_KERNEL_USER_SHARED);
	if (desc_fd < 0) {
		fail("creating a one-page buffer", desc_fd);
		return 1;
	}
	printf("\nCreated a one-page shared in/out buffer, descriptor fd %d:\n",
	       desc_fd);
	show_info(iomd_fd, desc_fd);

	ret = iomd_map(desc_fd, 0, page, PROT_READ | PROT_WRITE, &addr);
	if (ret < 0) {
		fail("mapping the buffer", ret);
		return 1;
	}
	map = addr;
	printf("\nMapped it at %p.\n", addr);

	memcpy(map, user_msg, sizeof(user_msg));
	printf("User space wrote:      \"%s\"\n", user_msg);
	memset(seen, 0, sizeof(seen));
	ret = iomd_kread(iomd_fd, desc_fd, 0, seen, sizeof(seen) - 1);
	if (ret < 0)
		fail("kernel read", ret);
	printf("The kernel read:       \"%s\"\n", seen);
	if (strcmp(seen, user_msg))
		fail("the kernel saw something else", 0);

	ret = iomd_kwrite(iomd_fd, desc_fd, page / 2, kernel_msg,
			  sizeof(kernel_msg));
	if (ret < 0)
		fail("kernel write", ret);
	printf("The kernel wrote:      \"%s\"\n", kernel_msg);
	printf("User space now sees:   \"%s\"\n", map + page / 2);
	if (strcmp(map + page / 2, kernel_msg))
		fail("user space saw something else", 0);

	show_refusal(iomd_fd, desc_fd);

	iomd_unmap(map, page);
	iomd_close(desc_fd);
	ret = iomd_stats(iomd_fd, &after);
	if (ret < 0)
		fail("IOMD_IOC_STATS", ret);
	printf("\nUnmapped and closed.  Descriptors alive: %llu before, %llu after.\n",
	       (unsigned long long)before.live_descriptors,
	       (unsigned long long)after.live_descriptors);
	if (after.live_descriptors != before.live_descriptors)
		fail("a descriptor was left behind", 0);
	iomd_close(iomd_fd);

	printf("%s\n", failures ? "Something did not match." :
	       "All as expected.");
	return failures ? 1 : 0;
}
