// SPDX-License-Identifier: GPL-2.0
/*
 * The user client, /dev/iomd (I/O Kit's IOUserClient): creates
 * descriptors for user space and performs kernel-side operations on them.
 * Every failed ioctl leaves its reason on the open file for
 * IOMD_IOC_REASON.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

/**
 * struct iomd_client - one open file of /dev/iomd
 * @lock:	protects @reason.
 * @reason:	last failure of an ioctl on this file.
 */
struct iomd_client {
	spinlock_t lock;	/* protects @reason */
	struct iomd_why reason;
};

static int iomd_client_open(struct inode *inode, struct file *file)
{
	struct iomd_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client)
		return -ENOMEM;
	spin_lock_init(&client->lock);
	file->private_data = client;
	return 0;
}

static int iomd_client_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static bool iomd_zeroed(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

static int iomd_reserved_check(const void *p, size_t size,
			       struct iomd_why *why)
{
	if (!iomd_zeroed(p, size))
		return iomd_fail(why, -EINVAL, "reserved fields must be zero");
	return 0;
}

/*
 * Give @desc (whose reference this consumes) to user space as a new fd,
 * stored at @ufd inside the argument @uarg of @size bytes already
 * filled in @arg.  The fd goes live only once user space has been told
 * its number, so a fault leaves nothing behind.
 */
static int iomd_client_install(struct iomd_desc *desc, bool cloexec,
			       void __user *uarg, void *arg, size_t size,
			       __u32 *ufd, struct iomd_why *why)
{
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0) {
		ret = iomd_fail(why, fd, "no free file descriptor");
		goto put_desc;
	}
	file = iomd_file_create(desc);
	if (IS_ERR(file)) {
		ret = iomd_fail(why, PTR_ERR(file),
				"cannot create the descriptor file");
		goto put_fd;
	}
	*ufd = fd;
	if (copy_to_user(uarg, arg, size)) {
		ret = -EFAULT;
		goto put_file;
	}
	fd_install(fd, file);
	iomd_desc_put(desc);
	return 0;

put_file:
	fput(file);
put_fd:
	put_unused_fd(fd);
put_desc:
	iomd_desc_put(desc);
	return ret;
}

/*
 * The handlers below are never inlined into iomd_client_ioctl(): each
 * has its own argument struct, and together (with KASAN's redzones) they
 * would make one frame of more than 1 KiB.
 */
static noinline_for_stack int iomd_ioc_buffer_create(void __user *uarg, struct iomd_why *why)
{
	struct iomd_buffer_create arg;
	struct iomd_desc *desc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_BUFFER_CREATE_FLAGS)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_BUFFER_CREATE_FLAGS);
	if (arg.fd)
		return iomd_fail(why, -EINVAL, "fd is an output and must be 0");
	if (iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return why->err;
	if (arg.capacity > SIZE_MAX || arg.alignment > SIZE_MAX)
		return iomd_fail(why, -EFBIG, "capacity or alignment too large");
	/*
	 * Converting pages to WC or UC rewrites the kernel's direct map and
	 * flushes every CPU's TLB and caches: not for every local user.
	 */
	if (IOMD_BUF_CACHE_MODE(arg.flags) > IOMD_CACHE_WB &&
	    !capable(CAP_SYS_RAWIO))
		return iomd_fail(why, -EPERM,
				 "write-combined and uncached buffers need CAP_SYS_RAWIO");

	desc = iomd_buffer_create_gfp(arg.flags & ~IOMD_CREATE_CLOEXEC,
				      arg.capacity, arg.alignment,
				      __GFP_ACCOUNT, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return iomd_client_install(desc, arg.flags & IOMD_CREATE_CLOEXEC,
				   uarg, &arg, sizeof(arg), &arg.fd, why);
}

static noinline_for_stack int iomd_ioc_user_create(void __user *uarg, struct iomd_why *why)
{
	struct iomd_user_create arg;
	struct iomd_range *ranges;
	struct iomd_desc *desc;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_USER_CREATE_FLAGS)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_USER_CREATE_FLAGS);
	if (arg.fd)
		return iomd_fail(why, -EINVAL, "fd is an output and must be 0");
	if (arg.reserved0 ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL, "reserved fields must be zero");
	if (!arg.nr_ranges)
		return iomd_fail(why, -EINVAL, "no ranges");
	if (arg.nr_ranges > IOMD_USER_MAX_RANGES)
		return iomd_fail(why, -E2BIG, "%u ranges; at most %d",
				 arg.nr_ranges, IOMD_USER_MAX_RANGES);

	ranges = memdup_array_user(u64_to_user_ptr(arg.ranges), arg.nr_ranges,
				   sizeof(*ranges));
	if (IS_ERR(ranges))
		return iomd_fail(why, PTR_ERR(ranges),
				 "cannot read the range array at 0x%llx",
				 arg.ranges);
	desc = iomd_desc_create_user(current->mm, ranges, arg.nr_ranges,
				     arg.flags & IOMD_DIR_MASK, why);
	kfree(ranges);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	if (arg.flags & IOMD_USER_PREPARE) {
		ret = iomd_desc_prepare_client(desc, why);
		if (ret) {
			iomd_desc_put(desc);
			return ret;
		}
	}
	return iomd_client_install(desc, arg.flags & IOMD_CREATE_CLOEXEC,
				   uarg, &arg, sizeof(arg), &arg.fd, why);
}

static noinline_for_stack int iomd_ioc_wire(void __user *uarg, bool prepare,
					    struct iomd_why *why)
{
	struct iomd_desc *desc;
	struct iomd_wire arg;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x", arg.flags);
	if (arg.wire_count || arg.reserved0 ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "wire_count is an output, and reserved fields must be zero");
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = prepare ? iomd_desc_prepare_client(desc, why) :
			iomd_desc_complete_client(desc, why);
	arg.wire_count = iomd_desc_wire_count(desc);
	iomd_desc_put(desc);
	if (ret)
		return ret;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static noinline_for_stack int iomd_ioc_info(void __user *uarg, struct iomd_why *why)
{
	struct iomd_info arg;
	struct iomd_desc *desc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x", arg.flags);
	if (iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return why->err;
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);

	arg.length = desc->length;
	arg.capacity = desc->capacity;
	arg.direction = desc->direction;
	arg.page_size = PAGE_SIZE;
	arg.kind = desc->kind;
	arg.options = desc->options;
	arg.nr_ranges = desc->nr_segs;
	arg.wire_count = iomd_desc_wire_count(desc);
	arg.huge_bytes = (u64)desc->nr_pmd_folios <<
			 (IOMD_PMD_ORDER + PAGE_SHIFT);
	iomd_desc_put(desc);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* KREAD/KWRITE through the descriptor's kernel mapping. */
static noinline_for_stack int iomd_ioc_rw_kmap(struct iomd_desc *desc, struct iomd_rw *arg,
					       void __user *ubuf, bool write,
					       struct iomd_why *why)
{
	void *kaddr;
	int ret;

	ret = iomd_desc_check_range(desc, arg->offset, arg->length, why);
	if (ret)
		return ret;
	ret = iomd_desc_hold(desc, why);
	if (ret)
		return ret;
	if (write && !desc->writable) {
		ret = iomd_desc_read_only(why);
		goto unhold;
	}
	kaddr = iomd_desc_kmap(desc, why);
	if (IS_ERR(kaddr)) {
		ret = PTR_ERR(kaddr);
		goto unhold;
	}
	kaddr += arg->offset;
	if (write ? copy_from_user(kaddr, ubuf, arg->length) :
		    copy_to_user(ubuf, kaddr, arg->length))
		ret = iomd_fail(why, -EFAULT, "user buffer at 0x%llx is not accessible",
				arg->user_addr);
unhold:
	iomd_desc_unhold(desc);
	return ret;
}

static noinline_for_stack int iomd_ioc_rw(void __user *uarg, bool write, struct iomd_why *why)
{
	struct iomd_desc *desc;
	struct iomd_rw arg;
	void __user *ubuf;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_RW_FLAGS)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_RW_FLAGS);
	if (iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return why->err;
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = iomd_desc_cache_check(desc, (arg.flags & IOMD_RW_CACHE_MASK) >>
					  IOMD_RW_CACHE_SHIFT, why);
	if (ret) {
		iomd_desc_put(desc);
		return ret;
	}

	ubuf = u64_to_user_ptr(arg.user_addr);
	if (arg.flags & IOMD_RW_KMAP) {
		ret = iomd_ioc_rw_kmap(desc, &arg, ubuf, write, why);
		iomd_desc_put(desc);
		return ret;
	}
	if (write)
		ret = iomd_desc_copy_from_user(desc, arg.offset, ubuf,
					       arg.length, why);
	else
		ret = iomd_desc_copy_to_user(desc, arg.offset, ubuf,
					     arg.length, why);
	iomd_desc_put(desc);
	return ret;
}

/*
 * Check IOMD_IOC_REASON's argument, copied into @arg; the caller then
 * picks the reason that @arg->fd names.
 */
static int iomd_reason_in(void __user *uarg, struct iomd_reason *arg,
			  struct iomd_why *why)
{
	if (copy_from_user(arg, uarg, sizeof(*arg)))
		return -EFAULT;
	if (arg->errno_value || arg->length)
		return iomd_fail(why, -EINVAL,
				 "errno_value and length are outputs and must be 0");
	return iomd_reserved_check(arg->reserved, sizeof(arg->reserved), why);
}

/* Give @last to user space as the answer to @arg, at @uarg. */
static int iomd_reason_out(void __user *uarg, struct iomd_reason *arg,
			   const struct iomd_why *last, struct iomd_why *why)
{
	size_t len, n;

	len = strnlen(last->msg, sizeof(last->msg));
	if (arg->size) {
		n = min_t(size_t, len, arg->size - 1);
		if (copy_to_user(u64_to_user_ptr(arg->buf), last->msg, n) ||
		    put_user(0, (char __user *)u64_to_user_ptr(arg->buf) + n))
			return iomd_fail(why, -EFAULT,
					 "reason buffer is not writable");
	}
	arg->errno_value = -last->err;
	arg->length = len;
	return copy_to_user(uarg, arg, sizeof(*arg)) ? -EFAULT : 0;
}

static noinline_for_stack int iomd_ioc_reason(struct iomd_client *client, void __user *uarg,
					      struct iomd_why *why)
{
	struct iomd_reason arg;
	struct iomd_why last;
	struct iomd_desc *desc;
	int ret;

	ret = iomd_reason_in(uarg, &arg, why);
	if (ret)
		return ret;
	if (arg.fd == IOMD_REASON_CLIENT) {
		spin_lock(&client->lock);
		last = client->reason;
		spin_unlock(&client->lock);
	} else {
		desc = iomd_desc_from_fd(arg.fd, why);
		if (IS_ERR(desc))
			return PTR_ERR(desc);
		iomd_desc_last_reason(desc, &last);
		iomd_desc_put(desc);
	}
	return iomd_reason_out(uarg, &arg, &last, why);
}

/*
 * IOMD_IOC_REASON on a descriptor fd itself: that descriptor's last
 * failure, for a process that has the fd but not /dev/iomd.  Asking
 * leaves no reason of its own behind.
 */
long iomd_desc_reason_ioctl(struct iomd_desc *desc, void __user *uarg)
{
	struct iomd_reason arg;
	struct iomd_why last, why;
	int ret;

	iomd_why_clear(&why);
	ret = iomd_reason_in(uarg, &arg, &why);
	if (ret)
		return ret;
	if (arg.fd != IOMD_REASON_CLIENT)
		return -EINVAL;
	iomd_desc_last_reason(desc, &last);
	return iomd_reason_out(uarg, &arg, &last, &why);
}

static noinline_for_stack int iomd_ioc_version(void __user *uarg, struct iomd_why *why)
{
	struct iomd_version arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!iomd_zeroed(&arg, sizeof(arg)))
		return iomd_fail(why, -EINVAL,
				 "flags, outputs and reserved fields must be zero");
	arg.abi = IOMD_ABI_VERSION;
	arg.major = IOMD_VERSION_MAJOR;
	arg.minor = IOMD_VERSION_MINOR;
	arg.patch = IOMD_VERSION_PATCH;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* Module-wide figures tell about other users' activity: admins only. */
static int iomd_admin_check(const char *what, struct iomd_why *why)
{
	if (capable(CAP_SYS_ADMIN))
		return 0;
	return iomd_fail(why, -EPERM, "%s needs CAP_SYS_ADMIN", what);
}

static noinline_for_stack int iomd_ioc_stats(void __user *uarg, struct iomd_why *why)
{
	struct iomd_stats arg = {
		.live_descriptors =
			atomic64_read(&iomd_counters.live_descriptors),
		.live_bytes = atomic64_read(&iomd_counters.live_bytes),
		.created_total = atomic64_read(&iomd_counters.created_total),
		.max_buffer_bytes = iomd_max_buffer_bytes,
		.live_zone_elements = iomd_zone_live_elements(),
		.bad_frees = atomic_long_read(&iomd_counters.bad_frees),
		.pinned_pages = atomic64_read(&iomd_counters.pinned_pages),
	};
	int ret = iomd_admin_check("IOMD_IOC_STATS", why);

	if (ret)
		return ret;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static noinline_for_stack int iomd_ioc_map(void __user *uarg, struct iomd_why *why)
{
	struct iomd_map_create arg;
	struct iomd_mapping *map;
	struct iomd_desc *desc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.map_addr || arg.map_length ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "map_addr and map_length are outputs, and reserved fields must be zero");
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	map = iomd_map_create(desc, arg.options, arg.addr, arg.offset,
			      arg.length, why);
	iomd_desc_put(desc);
	if (IS_ERR(map))
		return PTR_ERR(map);

	arg.addr = iomd_mapping_address(map);
	arg.length = iomd_mapping_length(map);
	arg.map_addr = arg.addr & PAGE_MASK;
	arg.map_length = PAGE_ALIGN(arg.addr + arg.length) - arg.map_addr;
	iomd_mapping_put(map);
	/* The mapping stays either way: user space can munmap it. */
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static noinline_for_stack int iomd_ioc_unmap(void __user *uarg, struct iomd_why *why)
{
	struct iomd_unmap arg;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return why->err;
	return iomd_unmap_address(arg.addr, why);
}

static noinline_for_stack int iomd_ioc_map_info(void __user *uarg, struct iomd_why *why)
{
	struct iomd_map_info arg;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad)
		return iomd_fail(why, -EINVAL, "pad must be zero");
	if (iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return why->err;
	ret = iomd_map_info(&arg, why);
	if (ret)
		return ret;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static noinline_for_stack int iomd_ioc_revoke(void __user *uarg, struct iomd_why *why)
{
	struct iomd_revoke arg;
	struct iomd_desc *desc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x", arg.flags);
	if (iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return why->err;
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	iomd_desc_revoke(desc);
	iomd_desc_put(desc);
	return 0;
}

static noinline_for_stack int iomd_ioc_export_dmabuf(void __user *uarg, struct iomd_why *why)
{
	struct iomd_export_dmabuf arg;
	struct iomd_desc *desc;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_CREATE_CLOEXEC)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_CREATE_CLOEXEC);
	if (arg.dmabuf_fd || arg.reserved0 ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "dmabuf_fd is an output, and reserved fields must be zero");
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	fd = iomd_dmabuf_export_fd(desc, arg.flags & IOMD_CREATE_CLOEXEC, why);
	iomd_desc_put(desc);
	if (fd < 0)
		return fd;
	arg.dmabuf_fd = fd;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		/* The fd is installed: too late to take it back cleanly. */
		return iomd_fail(why, -EFAULT,
				 "cannot write the result; dma-buf fd %d stays open",
				 fd);
	}
	return 0;
}

static noinline_for_stack int iomd_ioc_import_dmabuf(void __user *uarg, struct iomd_why *why)
{
	struct iomd_import_dmabuf arg;
	struct iomd_desc *desc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_IMPORT_DMABUF_FLAGS)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_IMPORT_DMABUF_FLAGS);
	if (arg.fd || arg.length || arg.reserved0 ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "fd and length are outputs, and reserved fields must be zero");
	desc = iomd_dmabuf_import_fd(arg.dmabuf_fd, arg.flags & IOMD_DIR_MASK,
				     why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	arg.length = desc->length;
	return iomd_client_install(desc, arg.flags & IOMD_CREATE_CLOEXEC,
				   uarg, &arg, sizeof(arg), &arg.fd, why);
}

static noinline_for_stack int iomd_ioc_subrange(void __user *uarg, struct iomd_why *why)
{
	struct iomd_subrange_create arg;
	struct iomd_desc *parent, *desc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_COMPOSITE_CREATE_FLAGS)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_COMPOSITE_CREATE_FLAGS);
	if (arg.new_fd || arg.reserved0 ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "new_fd is an output, and reserved fields must be zero");
	parent = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	desc = iomd_subrange_create(parent, arg.offset, arg.length,
				    arg.flags & IOMD_DIR_MASK, why);
	iomd_desc_put(parent);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return iomd_client_install(desc, arg.flags & IOMD_CREATE_CLOEXEC,
				   uarg, &arg, sizeof(arg), &arg.new_fd, why);
}

static noinline_for_stack int iomd_ioc_multi(void __user *uarg, struct iomd_why *why)
{
	struct iomd_desc **descs, *desc;
	struct iomd_multi_create arg;
	unsigned int i, n = 0;
	__u32 *fds;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~IOMD_COMPOSITE_CREATE_FLAGS)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
				 arg.flags & ~IOMD_COMPOSITE_CREATE_FLAGS);
	if (arg.fd || arg.reserved0 ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "fd is an output, and reserved fields must be zero");
	if (!arg.nr_fds)
		return iomd_fail(why, -EINVAL, "no descriptors");
	if (arg.nr_fds > IOMD_MULTI_MAX_DESCS)
		return iomd_fail(why, -E2BIG, "%u descriptors; at most %d",
				 arg.nr_fds, IOMD_MULTI_MAX_DESCS);

	fds = memdup_array_user(u64_to_user_ptr(arg.fds), arg.nr_fds,
				sizeof(*fds));
	if (IS_ERR(fds))
		return iomd_fail(why, PTR_ERR(fds),
				 "cannot read the fd array at 0x%llx", arg.fds);
	descs = kcalloc(arg.nr_fds, sizeof(*descs), GFP_KERNEL_ACCOUNT);
	if (!descs) {
		ret = iomd_fail(why, -ENOMEM, "out of memory");
		goto free_fds;
	}
	for (n = 0; n < arg.nr_fds; n++) {
		descs[n] = iomd_desc_from_fd(fds[n], why);
		if (IS_ERR(descs[n])) {
			ret = PTR_ERR(descs[n]);
			goto put_descs;
		}
	}
	desc = iomd_multi_create(descs, n, arg.flags & IOMD_DIR_MASK, why);
	ret = PTR_ERR_OR_ZERO(desc);
	if (!ret)
		ret = iomd_client_install(desc,
					  arg.flags & IOMD_CREATE_CLOEXEC,
					  uarg, &arg, sizeof(arg), &arg.fd,
					  why);
put_descs:
	for (i = 0; i < n; i++)
		iomd_desc_put(descs[i]);
	kfree(descs);
free_fds:
	kfree(fds);
	return ret;
}

static noinline_for_stack int iomd_ioc_segments(void __user *uarg, struct iomd_why *why)
{
	struct iomd_segments arg;
	struct iomd_desc *desc;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x", arg.flags);
	if (arg.total || arg.out_flags ||
	    iomd_reserved_check(arg.reserved, sizeof(arg.reserved), why))
		return iomd_fail(why, -EINVAL,
				 "total and out_flags are outputs, and reserved fields must be zero");
	desc = iomd_desc_from_fd(arg.fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = iomd_dma_segments_to_user(desc, &arg, why);
	iomd_desc_put(desc);
	if (ret)
		return ret;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static noinline_for_stack int iomd_ioc_zone_info(void __user *uarg, struct iomd_why *why)
{
	struct iomd_zone_info arg;
	struct iomd_zone_stat st;
	int ret = iomd_admin_check("IOMD_IOC_ZONE_INFO", why);

	if (ret)
		return ret;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return iomd_fail(why, -EINVAL, "unknown flags 0x%x", arg.flags);
	if (arg.reserved0 || arg.cached || arg.reserved1)
		return iomd_fail(why, -EINVAL, "reserved fields must be zero");
	if (iomd_zone_stat_at(arg.index, &st))
		return iomd_fail(why, -ENOENT, "no zone at index %u",
				 arg.index);
	if (arg.name && copy_to_user(u64_to_user_ptr(arg.name), st.name,
				     sizeof(st.name)))
		return iomd_fail(why, -EFAULT, "name buffer is not writable");

	arg.elem_size = st.elem_size;
	arg.in_use = st.in_use;
	arg.cached = st.cached;
	arg.peak = st.peak;
	arg.limit = st.limit;
	arg.total_allocs = st.total_allocs;
	arg.total_frees = st.total_frees;
	arg.failures = st.failures;
	arg.state = st.dead ? IOMD_ZONE_STATE_DEAD : 0;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

static long iomd_client_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct iomd_client *client = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct iomd_why why;
	long ret;

	iomd_why_clear(&why);
	switch (cmd) {
	case IOMD_IOC_BUFFER_CREATE:
		ret = iomd_ioc_buffer_create(uarg, &why);
		break;
	case IOMD_IOC_INFO:
		ret = iomd_ioc_info(uarg, &why);
		break;
	case IOMD_IOC_KREAD:
		ret = iomd_ioc_rw(uarg, false, &why);
		break;
	case IOMD_IOC_KWRITE:
		ret = iomd_ioc_rw(uarg, true, &why);
		break;
	case IOMD_IOC_REASON:
		/* Asking why must not overwrite the answer. */
		return iomd_ioc_reason(client, uarg, &why);
	case IOMD_IOC_STATS:
		ret = iomd_ioc_stats(uarg, &why);
		break;
	case IOMD_IOC_ZONE_INFO:
		ret = iomd_ioc_zone_info(uarg, &why);
		break;
	case IOMD_IOC_USER_CREATE:
		ret = iomd_ioc_user_create(uarg, &why);
		break;
	case IOMD_IOC_PREPARE:
		ret = iomd_ioc_wire(uarg, true, &why);
		break;
	case IOMD_IOC_COMPLETE:
		ret = iomd_ioc_wire(uarg, false, &why);
		break;
	case IOMD_IOC_MAP:
		ret = iomd_ioc_map(uarg, &why);
		break;
	case IOMD_IOC_UNMAP:
		ret = iomd_ioc_unmap(uarg, &why);
		break;
	case IOMD_IOC_REVOKE:
		ret = iomd_ioc_revoke(uarg, &why);
		break;
	case IOMD_IOC_SUBRANGE:
		ret = iomd_ioc_subrange(uarg, &why);
		break;
	case IOMD_IOC_MULTI:
		ret = iomd_ioc_multi(uarg, &why);
		break;
	case IOMD_IOC_SEGMENTS:
		ret = iomd_ioc_segments(uarg, &why);
		break;
	case IOMD_IOC_MAP_INFO:
		ret = iomd_ioc_map_info(uarg, &why);
		break;
	case IOMD_IOC_EXPORT_DMABUF:
		ret = iomd_ioc_export_dmabuf(uarg, &why);
		break;
	case IOMD_IOC_IMPORT_DMABUF:
		ret = iomd_ioc_import_dmabuf(uarg, &why);
		break;
	case IOMD_IOC_VERSION:
		ret = iomd_ioc_version(uarg, &why);
		break;
	default:
		ret = iomd_fail(&why, -ENOTTY, "unknown ioctl 0x%x", cmd);
		break;
	}

	if (ret < 0) {
		if (!why.err)
			iomd_fail(&why, ret, "copying the ioctl argument failed");
		spin_lock(&client->lock);
		client->reason = why;
		spin_unlock(&client->lock);
	}
	return ret;
}

static const struct file_operations iomd_client_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_client_open,
	.release	= iomd_client_release,
	.unlocked_ioctl	= iomd_client_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * Who may open /dev/iomd is the administrator's choice: root only unless
 * the dev_mode parameter or a udev rule (udev/60-iomd.rules: group iomd,
 * 0660) opens it up.  Read-only once loaded: the node exists by then.
 */
static umode_t iomd_dev_mode = 0600;

static int iomd_dev_mode_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mode;
	int ret = kstrtouint(val, 8, &mode);

	if (ret)
		return ret;
	/* Read and write bits only: no execute, set-id or sticky bits. */
	if (mode & ~0666u)
		return -EINVAL;
	*(umode_t *)kp->arg = mode;
	return 0;
}

static int iomd_dev_mode_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "0%03o\n", *(umode_t *)kp->arg);
}

static const struct kernel_param_ops iomd_dev_mode_ops = {
	.set	= iomd_dev_mode_set,
	.get	= iomd_dev_mode_get,
};

module_param_cb(dev_mode, &iomd_dev_mode_ops, &iomd_dev_mode, 0444);
MODULE_PARM_DESC(dev_mode,
		 "Octal permissions of /dev/iomd, read and write bits only (default 0600: root only; the shipped udev rule makes it 0660, group iomd)");

static struct miscdevice iomd_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= IOMD_DEVICE_NAME,
	.fops	= &iomd_client_fops,
};

int iomd_client_init(void)
{
	iomd_miscdev.mode = iomd_dev_mode;
	return misc_register(&iomd_miscdev);
}

void iomd_client_exit(void)
{
	misc_deregister(&iomd_miscdev);
}
