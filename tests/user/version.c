// SPDX-License-Identifier: GPL-2.0
/*
 * version: one version for module, library and tools.
 *
 * IOMD_IOC_VERSION answers the ABI level of the header the test was built
 * with and the release of the VERSION file, which is also the module's
 * MODULE_VERSION (/sys/module/iomd/version) and iomd_library_version().
 * It follows the uAPI rules (non-zero inputs, outputs or reserved fields:
 * EINVAL with a reason) and needs no privilege.  iomd_open() refuses,
 * with -EPROTO and a sentence, a node that does not answer it (a device
 * that is not iomd), and says "is the iomd module loaded?" for a node
 * that does not exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"

#define PLAN	16

/* The module's release as "MAJOR.MINOR.PATCH". */
static void release(const struct iomd_version *v, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->patch);
}

static void check_ioctl(int fd)
{
	struct iomd_version v;
	char got[64], sys[64] = "";
	FILE *f;
	int ret;

	ret = iomd_version(fd, &v);
	iomd_tap_errno(ret, 0, "IOMD_IOC_VERSION succeeds");
	iomd_tap_eq(v.abi, IOMD_ABI_VERSION,
		    "the module speaks the header's ABI level");
	release(&v, got, sizeof(got));
	iomd_tap_ok(!strcmp(got, IOMD_VERSION),
		    "the module's release %s is VERSION's, %s", got,
		    IOMD_VERSION);
	iomd_tap_ok(!strcmp(iomd_library_version(), IOMD_VERSION),
		    "iomd_library_version() is VERSION's (%s)",
		    iomd_library_version());
	f = fopen("/sys/module/iomd/version", "r");
	if (f) {
		if (!fgets(sys, sizeof(sys), f))
			sys[0] = '\0';
		fclose(f);
		sys[strcspn(sys, "\n")] = '\0';
	}
	iomd_tap_ok(!strcmp(sys, IOMD_VERSION),
		    "MODULE_VERSION is VERSION's (/sys/module/iomd/version \"%s\")",
		    sys);

	memset(&v, 0, sizeof(v));
	v.flags = 1;
	iomd_test_fails(fd, -1, iomd_ioctl(fd, IOMD_IOC_VERSION, &v), EINVAL,
			"non-zero flags");
	memset(&v, 0, sizeof(v));
	v.reserved[1] = 1;
	iomd_test_fails(fd, -1, iomd_ioctl(fd, IOMD_IOC_VERSION, &v), EINVAL,
			"non-zero reserved");
	memset(&v, 0, sizeof(v));
	v.abi = 1;
	iomd_tap_errno(iomd_ioctl(fd, IOMD_IOC_VERSION, &v), EINVAL,
		       "an output set on input");
}

/* As uid 1000 (group iomd, no capabilities) in a child: 0 if it works. */
static void check_unprivileged(void)
{
	pid_t pid;

	pid = fork();
	if (!pid) {
		struct iomd_version v;
		int fd;

		if (setresgid(1000, 1000, 1000) || setgroups(0, NULL) ||
		    setresuid(1000, 1000, 1000))
			_exit(2);
		fd = iomd_open();
		if (fd < 0)
			_exit(3);
		_exit(iomd_version(fd, &v) || v.abi != IOMD_ABI_VERSION);
	}
	iomd_test_child_ok(pid,
			   "uid 1000 opens /dev/iomd and reads the version");
}

static void check_open_refusals(void)
{
	const char *msg;
	int fd;

	setenv("IOMD_DEVICE", "/dev/iomd-missing", 1);
	fd = iomd_open();
	msg = iomd_open_error();
	iomd_tap_errno(fd, ENOENT, "iomd_open() of a missing node");
	iomd_tap_ok(strstr(msg, "is the iomd module loaded? (modprobe iomd)"),
		    "the error says to load the module: \"%s\"", msg);

	/* A device that answers no iomd ioctl, as an older module would. */
	setenv("IOMD_DEVICE", "/dev/null", 1);
	fd = iomd_open();
	msg = iomd_open_error();
	iomd_tap_errno(fd, EPROTO, "iomd_open() refuses a node without IOMD_IOC_VERSION");
	iomd_tap_ok(strstr(msg, "install matching versions"),
		    "and says why: \"%s\"", msg);
	if (fd >= 0)
		close(fd);

	unsetenv("IOMD_DEVICE");
	fd = iomd_open();
	iomd_tap_ok(fd >= 0 && !iomd_open_error()[0],
		    "iomd_open() of /dev/iomd succeeds and leaves no error");
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	int fd;

	iomd_tap_plan(PLAN);
	fd = iomd_test_open();
	check_ioctl(fd);
	check_unprivileged();
	check_open_refusals();
	close(fd);
	return iomd_tap_finish();
}
