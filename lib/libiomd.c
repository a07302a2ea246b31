// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libiomd: thin wrappers around the /dev/iomd ioctls and descriptor mmap.
 *
 * Each wrapper zeroes the uAPI structure it passes, so reserved fields and
 * undefined flags are always zero, and turns errno into a negative return
 * value.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "libiomd.h"

/* Set by the build from the VERSION file. */
#ifndef IOMD_VERSION
#error "build libiomd with -DIOMD_VERSION=\"MAJOR.MINOR.PATCH\""
#endif

/* Why the last iomd_open() of this thread failed; "" if it did not. */
static __thread char iomd_open_msg[320];

const char *iomd_open_error(void)
{
	return iomd_open_msg;
}

const char *iomd_library_version(void)
{
	return IOMD_VERSION;
}

/* IOMD_DEVICE overrides the node, except in set-uid programs. */
static const char *iomd_device_path(void)
{
	const char *path = secure_getenv("IOMD_DEVICE");

	return path && *path ? path : IOMD_DEVICE_PATH;
}

/* Fill iomd_open_msg for a failure @err (negative) to open @path. */
static void iomd_open_explain(const char *path, int err)
{
	char *m = iomd_open_msg;
	size_t n = sizeof(iomd_open_msg);

	switch (-err) {
	case ENOENT:
		snprintf(m, n, "%s does not exist: is the iomd module loaded? (modprobe iomd)",
			 path);
		break;
	case ENXIO:
	case ENODEV:
		snprintf(m, n, "%s has no driver: is the iomd module loaded? (modprobe iomd)",
			 path);
		break;
	case EACCES:
	case EPERM:
		snprintf(m, n, "no permission to open %s: %s", path,
			 "it is root-only unless a udev rule (60-iomd.rules) gives it to group iomd; is this user in that group?");
		break;
	default:
		snprintf(m, n, "cannot open %s: %s", path, strerror(-err));
		break;
	}
}

int iomd_version(int iomd_fd, struct iomd_version *out)
{
	memset(out, 0, sizeof(*out));
	return iomd_ioctl(iomd_fd, IOMD_IOC_VERSION, out);
}

int iomd_open(void)
{
	const char *path = iomd_device_path();
	struct iomd_version v;
	int fd, ret;

	iomd_open_msg[0] = '\0';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		iomd_open_explain(path, ret);
		return ret;
	}
	ret = iomd_version(fd, &v);
	if (ret < 0) {
		snprintf(iomd_open_msg, sizeof(iomd_open_msg),
			 "%s does not tell its version (IOMD_IOC_VERSION: %s): it is not an iomd device, or its module is older than libiomd %s; install matching versions",
			 path, strerror(-ret), IOMD_VERSION);
		close(fd);
		return -EPROTO;
	}
	if (v.abi != IOMD_ABI_VERSION) {
		snprintf(iomd_open_msg, sizeof(iomd_open_msg),
			 "the iomd module %u.%u.%u speaks ABI level %u, libiomd %s knows level %u only; install matching versions",
			 v.major, v.minor, v.patch, v.abi, IOMD_VERSION,
			 IOMD_ABI_VERSION);
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int iomd_close(int fd)
{
	if (close(fd))
		return -errno;
	return 0;
}

int iomd_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	ret = ioctl(fd, request, arg);
	if (ret < 0)
		return -errno;
	return ret;
}

size_t iomd_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * The uAPI carries file descriptors as __u32.  A negative fd becomes a
 * large value the kernel rejects as EBADF, exactly as the raw ioctl would;
 * a handle passed as (int)handle becomes the handle again.
 */
static uint32_t iomd_fd_to_u32(int fd)
{
	return (uint32_t)fd;
}

/* IOMD_IOC_BUFFER_CREATE; the new fd or handle in *@out.  0 or -errno. */
static int iomd_buffer_create_to(int iomd_fd, uint64_t capacity,
				 uint64_t alignment, uint32_t flags,
				 uint32_t *out)
{
	struct iomd_buffer_create arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.capacity = capacity;
	arg.alignment = alignment;
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_BUFFER_CREATE, &arg);
	if (ret < 0)
		return ret;
	*out = arg.fd;
	return 0;
}

int iomd_buffer_create(int iomd_fd, uint64_t capacity, uint64_t alignment,
		       uint32_t flags)
{
	uint32_t fd;
	int ret;

	if (flags & IOMD_CREATE_HANDLE)
		return -EINVAL;
	ret = iomd_buffer_create_to(iomd_fd, capacity, alignment, flags, &fd);
	return ret ? ret : (int)fd;
}

/* Round @length up to whole pages; 0 if that does not fit in a size_t. */
static size_t iomd_round_pages(size_t length)
{
	size_t page = iomd_page_size();

	if (length > SIZE_MAX - (page - 1))
		return 0;
	return (length + page - 1) & ~(page - 1);
}

int iomd_map(int desc_fd, uint64_t offset, size_t length, int prot,
	     void **addrp)
{
	size_t page = iomd_page_size();
	size_t maplen;
	void *addr;

	if (!length || (offset & (page - 1)) || offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	maplen = iomd_round_pages(length);
	if (!maplen)
		return -ENOMEM;
	addr = mmap(NULL, maplen, prot, MAP_SHARED, desc_fd, (off_t)offset);
	if (addr == MAP_FAILED)
		return -errno;
	*addrp = addr;
	return 0;
}

int iomd_unmap(void *addr, size_t length)
{
	size_t maplen = iomd_round_pages(length);

	if (!maplen)
		return -EINVAL;
	if (munmap(addr, maplen))
		return -errno;
	return 0;
}

int iomd_map_create(int iomd_fd, int desc_fd, uint32_t options,
		    uint64_t addr, uint64_t offset, uint64_t length,
		    struct iomd_map_create *out)
{
	struct iomd_map_create arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	arg.options = options;
	arg.addr = addr;
	arg.offset = offset;
	arg.length = length;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_MAP, &arg);
	if (ret < 0)
		return ret;
	if (out)
		*out = arg;
	return 0;
}

int iomd_unmap_addr(int iomd_fd, const void *addr)
{
	struct iomd_unmap arg;

	memset(&arg, 0, sizeof(arg));
	arg.addr = (uint64_t)(uintptr_t)addr;
	return iomd_ioctl(iomd_fd, IOMD_IOC_UNMAP, &arg);
}

int iomd_map_info(int iomd_fd, const void *addr, struct iomd_map_info *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = (uint64_t)(uintptr_t)addr;
	return iomd_ioctl(iomd_fd, IOMD_IOC_MAP_INFO, out);
}

int iomd_revoke(int iomd_fd, int desc_fd)
{
	struct iomd_revoke arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	return iomd_ioctl(iomd_fd, IOMD_IOC_REVOKE, &arg);
}

int iomd_info(int iomd_fd, int desc_fd, struct iomd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->fd = iomd_fd_to_u32(desc_fd);
	return iomd_ioctl(iomd_fd, IOMD_IOC_INFO, info);
}

static int iomd_rw(int iomd_fd, unsigned long request, int desc_fd,
		   uint32_t flags, uint64_t offset, const void *buf,
		   size_t len)
{
	struct iomd_rw arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	arg.flags = flags;
	arg.offset = offset;
	arg.length = len;
	arg.user_addr = (uint64_t)(uintptr_t)buf;
	return iomd_ioctl(iomd_fd, request, &arg);
}

int iomd_kread(int iomd_fd, int desc_fd, uint64_t offset, void *buf,
	       size_t len)
{
	return iomd_rw(iomd_fd, IOMD_IOC_KREAD, desc_fd, 0, offset, buf, len);
}

int iomd_kwrite(int iomd_fd, int desc_fd, uint64_t offset, const void *buf,
		size_t len)
{
	return iomd_rw(iomd_fd, IOMD_IOC_KWRITE, desc_fd, 0, offset, buf, len);
}

int iomd_kread_flags(int iomd_fd, int desc_fd, uint32_t flags,
		     uint64_t offset, void *buf, size_t len)
{
	return iomd_rw(iomd_fd, IOMD_IOC_KREAD, desc_fd, flags, offset, buf,
		       len);
}

int iomd_kwrite_flags(int iomd_fd, int desc_fd, uint32_t flags,
		      uint64_t offset, const void *buf, size_t len)
{
	return iomd_rw(iomd_fd, IOMD_IOC_KWRITE, desc_fd, flags, offset, buf,
		       len);
}

const char *iomd_cache_name(uint32_t mode)
{
	switch (mode) {
	case IOMD_CACHE_DEFAULT:
		return "default";
	case IOMD_CACHE_WB:
		return "write-back";
	case IOMD_CACHE_WC:
		return "write-combined";
	case IOMD_CACHE_UC:
		return "uncached";
	default:
		return "unknown";
	}
}

/* IOMD_IOC_USER_CREATE; the new fd or handle in *@out.  0 or -errno. */
static int iomd_user_create_to(int iomd_fd, const struct iomd_range *ranges,
			       unsigned int nr, uint32_t flags, uint32_t *out)
{
	struct iomd_user_create arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.ranges = (uint64_t)(uintptr_t)ranges;
	arg.nr_ranges = nr;
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_USER_CREATE, &arg);
	if (ret < 0)
		return ret;
	*out = arg.fd;
	return 0;
}

int iomd_user_create(int iomd_fd, const struct iomd_range *ranges,
		     unsigned int nr, uint32_t flags)
{
	uint32_t fd;
	int ret;

	if (flags & IOMD_CREATE_HANDLE)
		return -EINVAL;
	ret = iomd_user_create_to(iomd_fd, ranges, nr, flags, &fd);
	return ret ? ret : (int)fd;
}

int iomd_buffer_create_handle(int iomd_fd, uint64_t capacity,
			      uint64_t alignment, uint32_t flags,
			      uint32_t *handle)
{
	return iomd_buffer_create_to(iomd_fd, capacity, alignment,
				     flags | IOMD_CREATE_HANDLE, handle);
}

int iomd_user_create_handle(int iomd_fd, const struct iomd_range *ranges,
			    unsigned int nr, uint32_t flags, uint32_t *handle)
{
	return iomd_user_create_to(iomd_fd, ranges, nr,
				   flags | IOMD_CREATE_HANDLE, handle);
}

int iomd_handle_close(int iomd_fd, uint32_t handle)
{
	struct iomd_handle arg;

	memset(&arg, 0, sizeof(arg));
	arg.handle = handle;
	return iomd_ioctl(iomd_fd, IOMD_IOC_HANDLE_CLOSE, &arg);
}

int iomd_handle_export(int iomd_fd, uint32_t handle, uint32_t flags)
{
	struct iomd_handle arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.handle = handle;
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_HANDLE_EXPORT, &arg);
	if (ret < 0)
		return ret;
	return (int)arg.fd;
}

int iomd_subrange_create(int iomd_fd, int desc_fd, uint64_t offset,
			 uint64_t length, uint32_t flags)
{
	struct iomd_subrange_create arg;
	int ret;

	if (flags & IOMD_CREATE_HANDLE)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	arg.offset = offset;
	arg.length = length;
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_SUBRANGE, &arg);
	if (ret < 0)
		return ret;
	return (int)arg.new_fd;
}

int iomd_export_dmabuf(int iomd_fd, int desc_fd, uint32_t flags)
{
	struct iomd_export_dmabuf arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_EXPORT_DMABUF, &arg);
	if (ret < 0)
		return ret;
	return (int)arg.dmabuf_fd;
}

int iomd_import_dmabuf(int iomd_fd, int dmabuf_fd, uint32_t flags)
{
	struct iomd_import_dmabuf arg;
	int ret;

	if (flags & IOMD_CREATE_HANDLE)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.dmabuf_fd = iomd_fd_to_u32(dmabuf_fd);
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_IMPORT_DMABUF, &arg);
	if (ret < 0)
		return ret;
	return (int)arg.fd;
}

int iomd_multi_create(int iomd_fd, const int *fds, unsigned int nr,
		      uint32_t flags)
{
	uint32_t ufds[IOMD_MULTI_MAX_DESCS];
	struct iomd_multi_create arg;
	unsigned int i;
	int ret;

	if (flags & IOMD_CREATE_HANDLE)
		return -EINVAL;
	if (nr > IOMD_MULTI_MAX_DESCS)
		return -E2BIG;
	for (i = 0; i < nr; i++)
		ufds[i] = iomd_fd_to_u32(fds[i]);
	memset(&arg, 0, sizeof(arg));
	arg.fds = (uint64_t)(uintptr_t)ufds;
	arg.nr_fds = nr;
	arg.flags = flags;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_MULTI, &arg);
	if (ret < 0)
		return ret;
	return (int)arg.fd;
}

int iomd_segments(int iomd_fd, int desc_fd, uint32_t first,
		  struct iomd_segment *segs, uint32_t nr,
		  struct iomd_segments *out)
{
	struct iomd_segments arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	arg.segs = (uint64_t)(uintptr_t)segs;
	arg.first = first;
	arg.nr = nr;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_SEGMENTS, &arg);
	if (ret < 0)
		return ret;
	if (out)
		*out = arg;
	return (int)arg.nr;
}

static int iomd_wire(int iomd_fd, unsigned long request, int desc_fd)
{
	struct iomd_wire arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.fd = iomd_fd_to_u32(desc_fd);
	ret = iomd_ioctl(iomd_fd, request, &arg);
	if (ret < 0)
		return ret;
	/* Wire counts are small: each one is an ioctl or a mapping. */
	return arg.wire_count > INT_MAX ? INT_MAX : (int)arg.wire_count;
}

int iomd_prepare(int iomd_fd, int desc_fd)
{
	return iomd_wire(iomd_fd, IOMD_IOC_PREPARE, desc_fd);
}

int iomd_complete(int iomd_fd, int desc_fd)
{
	return iomd_wire(iomd_fd, IOMD_IOC_COMPLETE, desc_fd);
}

/* IOMD_IOC_REASON on @iomd_fd about @ref (IOMD_REASON_CLIENT: itself). */
static int iomd_reason_of(int iomd_fd, uint32_t ref, int *err, char *buf,
			  size_t size)
{
	struct iomd_reason arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.fd = ref;
	/* A reason longer than 4 GiB is not plausible; just truncate. */
	arg.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	arg.buf = (uint64_t)(uintptr_t)buf;
	ret = iomd_ioctl(iomd_fd, IOMD_IOC_REASON, &arg);
	if (ret < 0)
		return ret;
	/* The module reports errno values, below MAX_ERRNO. */
	if (err)
		*err = -(int)arg.errno_value;
	return 0;
}

int iomd_reason(int iomd_fd, int fd, int *err, char *buf, size_t size)
{
	/* Without /dev/iomd, the descriptor fd answers for itself. */
	if (iomd_fd < 0) {
		if (fd < 0)
			return -EBADF;
		return iomd_reason_of(fd, IOMD_REASON_CLIENT, err, buf, size);
	}
	return iomd_reason_of(iomd_fd, fd < 0 ? IOMD_REASON_CLIENT :
				       iomd_fd_to_u32(fd), err, buf, size);
}

int iomd_handle_reason(int iomd_fd, uint32_t handle, int *err, char *buf,
		       size_t size)
{
	if (!(handle & IOMD_HANDLE_BIT) || handle == IOMD_REASON_CLIENT)
		return -EBADF;
	return iomd_reason_of(iomd_fd, handle, err, buf, size);
}

int iomd_stats(int iomd_fd, struct iomd_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	return iomd_ioctl(iomd_fd, IOMD_IOC_STATS, stats);
}

int iomd_zone_info(int iomd_fd, unsigned int index,
		   struct iomd_zone_info *info, char *name)
{
	memset(info, 0, sizeof(*info));
	info->index = index;
	info->name = (uint64_t)(uintptr_t)name;
	return iomd_ioctl(iomd_fd, IOMD_IOC_ZONE_INFO, info);
}

int iomd_send_fd(int sock, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct cmsghdr *cmsg;
	struct msghdr msg;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}

int iomd_recv_fd(int sock)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct cmsghdr *cmsg;
	struct msghdr msg;
	ssize_t n;
	int fd;

	memset(&u, 0, sizeof(u));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!n)
		return -ECONNRESET;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -ENOMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The errno values the iomd ABI and its tests talk about. */
static const struct {
	int err;
	const char *name;
} iomd_errno_names[] = {
	{ EPERM, "EPERM" },
	{ ENOENT, "ENOENT" },
	{ ESRCH, "ESRCH" },
	{ EIO, "EIO" },
	{ ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" },
	{ EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" },
	{ ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" },
	{ ENOTTY, "ENOTTY" },
	{ EFBIG, "EFBIG" },
	{ ENOSPC, "ENOSPC" },
	{ ESPIPE, "ESPIPE" },
	{ ERANGE, "ERANGE" },
	{ ENODATA, "ENODATA" },
	{ EOVERFLOW, "EOVERFLOW" },
	{ EBADFD, "EBADFD" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ EPROTO, "EPROTO" },
	{ ENOMSG, "ENOMSG" },
	{ ECONNRESET, "ECONNRESET" },
};

const char *iomd_errno_name(int err)
{
	size_t i;

	if (err == INT_MIN)
		return "E?";
	if (err < 0)
		err = -err;
	if (!err)
		return "0";
	for (i = 0; i < ARRAY_SIZE(iomd_errno_names); i++) {
		if (iomd_errno_names[i].err == err)
			return iomd_errno_names[i].name;
	}
	return "E?";
}
