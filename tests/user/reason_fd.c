// SPDX-License-Identifier: GPL-2.0
/*
 * reason_fd: a descriptor fd tells why an operation on it failed, with no
 * /dev/iomd at hand.
 *
 * IOMD_IOC_REASON issued on the descriptor fd itself (libiomd:
 * iomd_reason() with a negative iomd_fd) returns the descriptor's last
 * failure, such as a refused mmap().  It is the descriptor fd's only
 * ioctl: others fail with ENOTTY, and an @fd other than
 * IOMD_REASON_CLIENT with EINVAL.  A process of uid 1001, which may not
 * open /dev/iomd, receives the fd over a unix socket (iomd_send_fd(),
 * iomd_recv_fd()), fails to map it and reads the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"

#define PLAN	11

static size_t page;

/* In a child as uid 1001: receive an fd, fail to map it, ask why. */
static int outsider(int sock)
{
	char text[256] = "";
	void *p;
	int fd, ret;

	if (setresgid(1001, 1001, 1001) || setgroups(0, NULL) ||
	    setresuid(1001, 1001, 1001))
		return 10;
	if (open("/dev/iomd", O_RDWR) >= 0 || errno != EACCES)
		return 11;
	fd = iomd_recv_fd(sock);
	if (fd < 0)
		return 12;
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED || errno != EPERM)
		return 13;
	ret = iomd_test_last_err(-1, fd, text, sizeof(text));
	if (ret != -EPERM || !text[0])
		return 14;
	return 0;
}

int main(void)
{
	struct iomd_reason arg;
	struct iomd_info info;
	char text[256] = "";
	int iomd_fd, fd, sv[2], ret;
	void *p;
	pid_t pid;

	iomd_tap_plan(PLAN);
	page = iomd_page_size();
	iomd_fd = iomd_test_open();

	/* Not IOMD_BUF_KERNEL_USER_SHARED: it cannot be mapped. */
	fd = iomd_buffer_create(iomd_fd, page, 0,
				IOMD_DIR_INOUT | IOMD_CREATE_CLOEXEC);
	iomd_tap_ok(fd >= 0, "a buffer that may not be mapped");
	iomd_tap_errno(iomd_test_last_err(-1, fd, text, sizeof(text)), 0,
		       "its fd answers IOMD_IOC_REASON: nothing failed yet");
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	iomd_tap_errno(p == MAP_FAILED ? -errno : 0, EPERM,
		       "mmap() of it fails");
	ret = iomd_test_last_err(-1, fd, text, sizeof(text));
	iomd_tap_ok(ret == -EPERM && text[0],
		    "the fd alone tells why: %s (\"%s\")",
		    iomd_errno_name(ret), text);
	iomd_tap_ok(iomd_test_last_err(iomd_fd, fd, text, sizeof(text)) ==
		    -EPERM,
		    "and /dev/iomd tells the same");

	memset(&arg, 0, sizeof(arg));
	arg.fd = (unsigned int)fd;
	iomd_tap_errno(iomd_ioctl(fd, IOMD_IOC_REASON, &arg), EINVAL,
		       "on the fd itself, @fd must be IOMD_REASON_CLIENT");
	memset(&arg, 0, sizeof(arg));
	arg.fd = IOMD_REASON_CLIENT;
	arg.reserved[0] = 1;
	iomd_tap_errno(iomd_ioctl(fd, IOMD_IOC_REASON, &arg), EINVAL,
		       "non-zero reserved");
	memset(&info, 0, sizeof(info));
	iomd_tap_errno(iomd_ioctl(fd, IOMD_IOC_INFO, &info), ENOTTY,
		       "any other ioctl on the fd fails with ENOTTY");
	iomd_tap_errno(iomd_reason(-1, -1, NULL, text, sizeof(text)), EBADF,
		       "iomd_reason() with neither fd");

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		iomd_tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		close(sv[0]);
		_exit(outsider(sv[1]));
	}
	close(sv[1]);
	iomd_tap_errno(iomd_send_fd(sv[0], fd), 0,
		       "iomd_send_fd() to a process of uid 1001");
	iomd_test_child_ok(pid,
			   "which cannot open /dev/iomd, receives it, fails to map it and reads why");
	close(sv[0]);
	close(fd);
	close(iomd_fd);
	return iomd_tap_finish();
}
