/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the edu DMA tests (edu_dma, edu_misuse): the sample driver
 * samples/iomd_edu.c on QEMU's edu device, /dev/iomd_edu0.
 *
 * The VM runner boots these tests in device configurations (mk/vm.mk,
 * VM_CONFIGS) and names the configuration on the kernel command line
 * (iomdvm.config=NAME).  A configuration whose name starts with "edu" must
 * have the device, and one whose name ends in "-iommu" must have it behind
 * an IOMMU, the other none: a device missing where the configuration has
 * it is a failure, not a skip.  Outside such a configuration (no "edu" in
 * the name) the tests skip.
 */
#ifndef _IOMD_EDU_COMMON_H
#define _IOMD_EDU_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iomd_edu.h>

#include "iomd_test.h"

#define EDU_NODE	"/dev/" IOMD_EDU_DEVICE_NAME "0"

/* The VM configuration this runs in (iomdvm.config=), "" if none. */
static inline void edu_config(char *out, size_t size)
{
	char line[4096], *p;
	FILE *f = fopen("/proc/cmdline", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		p = strstr(line, "iomdvm.config=");
		if (p) {
			p += strlen("iomdvm.config=");
			snprintf(out, size, "%.*s", (int)strcspn(p, "\n "), p);
		}
	}
	fclose(f);
}

/*
 * Open the device as the configuration demands: returns the fd, or -1
 * after skipping every check up to @plan (no device expected) or bailing
 * out (device expected and missing).  @iommu gets whether the
 * configuration has an IOMMU.
 */
static inline int edu_open(unsigned int plan, bool *iommu)
{
	char config[64];
	int fd;

	edu_config(config, sizeof(config));
	*iommu = strstr(config, "-iommu");
	fd = open(EDU_NODE, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (strncmp(config, "edu", 3) != 0) {
		iomd_tap_skip_to(plan,
				 "no edu device in this VM configuration");
		return -1;
	}
	iomd_tap_bail("configuration %s has an edu device, but %s: %s", config,
		      EDU_NODE, strerror(errno));
}

/*
 * The start of every edu test: print the plan of @plan checks, open the
 * device as edu_open() does (-1: every check was skipped, finish), then
 * /dev/iomd into *@iomd_fd and its counters into *@before.
 */
static inline int edu_begin(unsigned int plan, bool *iommu, int *iomd_fd,
			    struct iomd_stats *before)
{
	int fd;

	iomd_tap_plan(plan);
	fd = edu_open(plan, iommu);
	if (fd < 0)
		return fd;
	*iomd_fd = iomd_test_open();
	iomd_test_stats(*iomd_fd, before);
	return fd;
}

static inline int edu_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* The reason of the last failure on @fd, "" if none. */
static inline const char *edu_reason(int fd, int *err)
{
	static struct iomd_edu_reason r;

	memset(&r, 0, sizeof(r));
	if (edu_ioctl(fd, IOMD_EDU_IOC_REASON, &r))
		snprintf(r.msg, sizeof(r.msg), "(IOMD_EDU_IOC_REASON failed)");
	if (err)
		*err = (int)r.errno_value;
	return r.msg;
}

/* One check: @ret is -@want, and the reason says @want with a sentence. */
static inline void edu_fails(int fd, int ret, int want, const char *what)
{
	const char *msg;
	int err;

	iomd_tap_errno(ret, want, "%s fails with %s", what,
		       iomd_errno_name(want));
	msg = edu_reason(fd, &err);
	iomd_tap_diag("reason: %s", msg);
	iomd_tap_ok(err == want && strlen(msg) > 10,
		    "%s: the reason names %s and says why", what,
		    iomd_errno_name(want));
}

/* Copy @len bytes from @src (one descriptor) to @dst through the device. */
static inline int edu_copy(int fd, int src, uint64_t src_off, int dst,
			   uint64_t dst_off, uint64_t len, uint32_t flags,
			   struct iomd_edu_copy *out)
{
	struct iomd_edu_copy c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.src_fds[0] = src;
	c.nr_src = 1;
	c.dst_fd = dst;
	c.src_offset = src_off;
	c.dst_offset = dst_off;
	c.length = len;
	c.flags = flags;
	ret = edu_ioctl(fd, IOMD_EDU_IOC_COPY, &c);
	if (out)
		*out = c;
	return ret;
}

/* Memory the driver allocates: a descriptor fd or -errno. */
static inline int edu_alloc(int fd, uint32_t memory, uint64_t size,
			    uint32_t mask_bits)
{
	struct iomd_edu_alloc a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.memory = memory;
	a.size = size;
	a.mask_bits = mask_bits;
	ret = edu_ioctl(fd, IOMD_EDU_IOC_ALLOC, &a);
	return ret ? ret : a.fd;
}

static inline int edu_info(int fd, struct iomd_edu_info *info)
{
	memset(info, 0, sizeof(*info));
	return edu_ioctl(fd, IOMD_EDU_IOC_INFO, info);
}

#endif /* _IOMD_EDU_COMMON_H */
