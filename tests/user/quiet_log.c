// SPDX-License-Identifier: GPL-2.0
/*
 * quiet_log: refusals are told to the caller, not to the kernel log.
 *
 * Every refused ioctl or mmap() returns an errno and leaves a reason for
 * IOMD_IOC_REASON; anyone may trigger refusals, so they must not reach
 * the kernel log at the default log level (they are dynamic-debug
 * messages).  The test reads /dev/kmsg (root only) from its end, runs a
 * series of refusals for longer than the printk rate limit's interval
 * (five seconds), so that a rate-limited message could not hide, and
 * checks that no kernel message above debug level appeared.  Markers it
 * writes itself (user facility) show that the reader sees new records.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iomd_sample.h>

#include "iomd_test.h"

/* Refusals per round, and rounds: every 500 ms for 5.5 s. */
#define REFUSALS	10
#define ROUNDS		12
#define PLAN		(1 + REFUSALS + 4 + 2)

/* Log levels 0 (emergency) to 6 (info) are shown by default. */
#define LOGLEVEL_DEBUG	7
#define FACILITY_KERNEL	0

static int iomd_fd;
static size_t page;
static char start_mark[64], end_mark[64];

/* Write a debug-level, user-facility record holding @text. */
static void kmsg_mark(const char *text)
{
	char line[96];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "<%d>%s\n", (1 << 3) | LOGLEVEL_DEBUG,
		 text);
	if (write(fd, line, strlen(line)) < 0)
		iomd_tap_diag("cannot write to /dev/kmsg: %s", strerror(errno));
	close(fd);
}

/*
 * Read every record from @fd (non-blocking) and check: both markers seen,
 * and no kernel record above debug level between them.
 */
static void kmsg_check(int fd)
{
	bool started = false, ended = false;
	unsigned int loud = 0, prio;
	char rec[8192], *text;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text || sscanf(rec, "%u,", &prio) != 1)
			continue;
		text++;
		*strchrnul(text, '\n') = '\0';
		if (strstr(text, start_mark)) {
			started = true;
		} else if (strstr(text, end_mark)) {
			ended = true;
		} else if (started && !ended && prio >> 3 == FACILITY_KERNEL &&
			   (prio & 7) < LOGLEVEL_DEBUG) {
			if (loud++ < 10)
				iomd_tap_diag("level %u: %s", prio & 7, text);
		}
	}
	iomd_tap_ok(started, "the reader sees the start marker");
	iomd_tap_ok(ended, "the reader sees the end marker");
	iomd_tap_eq(loud, 0,
		    "no kernel message above debug level during the refusals");
}

/* A refusal: @ret (a new fd, 0, or -errno) is -@err; reported if @report. */
static void expect(bool report, int ret, int err, const char *what)
{
	if (ret > 0)
		close(ret);
	if (report)
		iomd_tap_errno(ret, err, "%s", what);
}

/* One round of refusals: REFUSALS checks, reported on the first round. */
static void refuse(bool report, int buf, int unshared, int zone)
{
	struct iomd_map_create mc;
	struct iomd_range r;
	int fds[2], ret;
	char byte;
	void *map;

	expect(report, iomd_buffer_create(iomd_fd, 0, 0, IOMD_DIR_INOUT),
	       EINVAL, "buffer of 0 bytes: EINVAL");
	expect(report, iomd_buffer_create(iomd_fd, page, 0, 0), EINVAL,
	       "buffer without a direction: EINVAL");
	expect(report, iomd_kread(iomd_fd, buf, page, &byte, 1), ERANGE,
	       "KREAD past the end: ERANGE");
	expect(report, iomd_subrange_create(iomd_fd, buf, 0, 0, 0), EINVAL,
	       "sub-range of 0 bytes: EINVAL");
	fds[0] = buf;
	fds[1] = 9999;
	expect(report, iomd_multi_create(iomd_fd, fds, 2, 0), EBADF,
	       "multi with an fd not open: EBADF");
	r.addr = 0;
	r.length = page;
	expect(report, iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT),
	       EFAULT, "user descriptor of address 0: EFAULT");
	expect(report, iomd_prepare(iomd_fd, iomd_fd), EBADFD,
	       "prepare of /dev/iomd itself: EBADFD");
	memset(&mc, 0, sizeof(mc));
	mc.fd = buf;
	mc.options = 1u << 30;
	expect(report, iomd_ioctl(iomd_fd, IOMD_IOC_MAP, &mc), EINVAL,
	       "map with unknown options: EINVAL");
	/* Refused mmap()s are reported by another path (map.c). */
	ret = iomd_map(unshared, 0, page, PROT_READ, &map);
	if (!ret)
		iomd_unmap(map, page);
	expect(report, ret, EPERM, "mmap of an unshared buffer: EPERM");
	ret = zone < 0 ? zone : iomd_map(zone, 0, page, PROT_READ, &map);
	if (!ret)
		iomd_unmap(map, page);
	expect(report, ret, EPERM, "mmap of zone memory: EPERM");
}

int main(void)
{
	struct timespec tick = { .tv_nsec = 500 * 1000 * 1000 };
	struct iomd_stats before;
	int kmsg, buf, unshared, zone;
	unsigned int i;

	page = iomd_page_size();
	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	iomd_test_stats(iomd_fd, &before);

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!iomd_tap_ok(kmsg >= 0, "open /dev/kmsg for reading")) {
		iomd_tap_diag("%s (the test needs root)", strerror(errno));
		iomd_tap_skip_to(PLAN - 2, "cannot read the kernel log");
		goto out;
	}
	lseek(kmsg, 0, SEEK_END);

	buf = iomd_buffer_create(iomd_fd, page, 0,
				 IOMD_TEST_SHARED_INOUT | IOMD_CREATE_CLOEXEC);
	unshared = iomd_buffer_create(iomd_fd, page, 0,
				      IOMD_DIR_INOUT | IOMD_CREATE_CLOEXEC);
	zone = iomd_test_sample_export(IOMD_SAMPLE_MEM_MALLOC, 100, 0);
	if (buf < 0 || unshared < 0)
		iomd_tap_bail("cannot create the buffers");

	snprintf(start_mark, sizeof(start_mark), "quiet_log[%d]: start",
		 (int)getpid());
	snprintf(end_mark, sizeof(end_mark), "quiet_log[%d]: end",
		 (int)getpid());
	kmsg_mark(start_mark);
	for (i = 0; i < ROUNDS; i++) {
		refuse(i == 0, buf, unshared, zone);
		nanosleep(&tick, NULL);
	}
	kmsg_mark(end_mark);
	kmsg_check(kmsg);
	iomd_test_reason(iomd_fd, -1, EINVAL,
			 "the caller still gets the last refusal");
	close(kmsg);
	if (zone >= 0)
		close(zone);
	close(unshared);
	close(buf);
out:
	iomd_test_no_leaks(iomd_fd, &before);
	return iomd_tap_finish();
}
