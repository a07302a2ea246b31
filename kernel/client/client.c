// SPDX-License-Identifier: GPL-2.0
/*
 * The user client, /dev/iomd (I/O Kit's IOUserClient): creates
 * descriptors for user space and performs kernel-side operations on them.
 *
 * The ioctls are a table (iomd_ioctl_ops), as in iommufd: each entry
 * names its command, its argument struct, the flags it knows and the
 * reserved array that must be zero, and its handler.  One function
 * (iomd_ioctl_run()) checks the caller's privilege where the entry asks
 * for it, copies the argument in, checks its flags and reserved array,
 * runs the handler, copies the argument out and, for ioctls that create
 * a descriptor, installs its fd only once user space has been told its
 * number.  Handlers do only their own work.  Every failed ioctl leaves
 * its reason on the open file for IOMD_IOC_REASON.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "client.h"

/**
 * struct iomd_client - one open file of /dev/iomd
 * @lock:	protects @reason.
 * @reason:	last failure of an ioctl on this file.
 * @handles:	its handles (client/handle.c), each holding a descriptor.
 */
struct iomd_client {
	spinlock_t lock;	/* protects @reason */
	struct iomd_why reason;
	struct iomd_handles handles;
};

/**
 * struct iomd_ucmd - one ioctl call, as its handler sees it
 * @client:	the open file of /dev/iomd.
 * @ubuf:	the argument in user space.
 * @arg:	the argument, copied in; copied out after the handler.
 * @file:	a descriptor file the handler made, to install as @fd once
 *		the argument (which holds @fd) is copied out; else NULL.
 * @fd:		the fd reserved for @file.
 * @installed_fd: an fd the handler installed already (a dma-buf's),
 *		which stays open if the argument cannot be copied out; or -1.
 * @handle_desc: a descriptor the handler made, to publish as @handle once
 *		the argument (which holds @handle) is copied out; else NULL.
 * @handle:	the handle reserved for @handle_desc.
 */
struct iomd_ucmd {
	struct iomd_client *client;
	void __user *ubuf;
	void *arg;
	struct file *file;
	int fd;
	int installed_fd;
	struct iomd_desc *handle_desc;
	u32 handle;
};

/**
 * struct iomd_ioctl_op - one ioctl of /dev/iomd
 * @cmd:	the command; its direction says whether the argument is
 *		copied in (_IOC_WRITE) and out (_IOC_READ, on success).
 * @size:	size of the argument struct.
 * @name:	the command's name, for reasons.
 * @flags_at:	offset of the argument's __u32 flags, or IOMD_NO_FLAGS.
 * @valid_flags: the flags the command knows; others are -EINVAL.
 * @reserved_at: offset of the argument's reserved array, which must be
 *		zero (-EINVAL).
 * @reserved_size: its size; 0 if none.
 * @admin:	needs CAP_SYS_ADMIN (module-wide figures tell about other
 *		users' activity), checked before anything else.
 * @keep_reason: a failure leaves the file's reason alone (asking why
 *		must not overwrite the answer).
 * @execute:	the handler; 0 or -errno, with the reason in @why.
 */
struct iomd_ioctl_op {
	unsigned int cmd;
	unsigned int size;
	const char *name;
	unsigned int flags_at;
	u32 valid_flags;
	unsigned int reserved_at;
	unsigned int reserved_size;
	bool admin;
	bool keep_reason;
	int (*execute)(struct iomd_ucmd *ucmd, struct iomd_why *why);
};

#define IOMD_NO_FLAGS	UINT_MAX

/* The creation flags that say how a new descriptor is given. */
#define IOMD_CREATE_GIVE	(IOMD_CREATE_CLOEXEC | IOMD_CREATE_HANDLE)

/* Range arrays up to this long are read onto the stack. */
#define IOMD_USER_FEW_RANGES	4

static int iomd_client_open(struct inode *inode, struct file *file)
{
	struct iomd_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client)
		return -ENOMEM;
	spin_lock_init(&client->lock);
	iomd_handles_init(&client->handles);
	file->private_data = client;
	return 0;
}

static int iomd_client_release(struct inode *inode, struct file *file)
{
	struct iomd_client *client = file->private_data;

	iomd_handles_release(&client->handles);
	kfree(client);
	return 0;
}

/*
 * The descriptor @ref names for this ioctl: a handle of this open file,
 * or an fd of the calling task.
 */
static struct iomd_desc *iomd_ucmd_desc(struct iomd_ucmd *ucmd, u32 ref,
					struct iomd_why *why)
{
	if (ref & IOMD_HANDLE_BIT)
		return iomd_handle_get(&ucmd->client->handles, ref, why);
	return iomd_desc_from_fd(ref, why);
}

/* The refusal of an output field, or a reserved one, that is not zero. */
static int iomd_outputs_nonzero(struct iomd_why *why, const char *what)
{
	return iomd_fail(why, -EINVAL, "%s", what);
}

/*
 * Give @desc (whose reference this consumes) to user space as a new fd,
 * or a handle with IOMD_CREATE_HANDLE in @flags, whose number goes in
 * *@ufd, a field of the argument: it goes live only once the argument is
 * copied out (iomd_ioctl_run()), so a fault leaves nothing behind.
 */
static int iomd_ucmd_give_desc(struct iomd_ucmd *ucmd, struct iomd_desc *desc,
			       u32 flags, __u32 *ufd, struct iomd_why *why)
{
	struct file *file;
	int fd, ret;

	if (flags & IOMD_CREATE_HANDLE) {
		if (flags & IOMD_CREATE_CLOEXEC)
			ret = iomd_fail(why, -EINVAL,
					"IOMD_CREATE_CLOEXEC is for fds, not with IOMD_CREATE_HANDLE");
		else
			ret = iomd_handle_reserve(&ucmd->client->handles,
						  &ucmd->handle, why);
		if (ret)
			goto put_desc;
		*ufd = ucmd->handle;
		ucmd->handle_desc = desc;
		return 0;
	}
	fd = get_unused_fd_flags(O_RDWR |
				 (flags & IOMD_CREATE_CLOEXEC ? O_CLOEXEC : 0));
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
	ucmd->file = file;
	ucmd->fd = fd;
	iomd_desc_put(desc);
	return 0;

put_fd:
	put_unused_fd(fd);
put_desc:
	iomd_desc_put(desc);
	return ret;
}

/*
 * The handlers below are never inlined: each has its own locals, and
 * together (with KASAN's redzones) they would make one frame of more
 * than 1 KiB.
 */
static noinline_for_stack int iomd_ioc_buffer_create(struct iomd_ucmd *ucmd,
						     struct iomd_why *why)
{
	struct iomd_buffer_create *arg = ucmd->arg;
	struct iomd_desc *desc;

	if (arg->fd)
		return iomd_outputs_nonzero(why, "fd is an output and must be 0");
	if (arg->capacity > SIZE_MAX || arg->alignment > SIZE_MAX)
		return iomd_fail(why, -EFBIG, "capacity or alignment too large");
	/*
	 * Converting pages to WC or UC rewrites the kernel's direct map and
	 * flushes every CPU's TLB and caches: not for every local user.
	 */
	if (IOMD_BUF_CACHE_MODE(arg->flags) > IOMD_CACHE_WB &&
	    !capable(CAP_SYS_RAWIO))
		return iomd_fail(why, -EPERM,
				 "write-combined and uncached buffers need CAP_SYS_RAWIO");

	desc = iomd_buffer_create_gfp(arg->flags & ~IOMD_CREATE_GIVE,
				      arg->capacity, arg->alignment,
				      __GFP_ACCOUNT, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return iomd_ucmd_give_desc(ucmd, desc, arg->flags & IOMD_CREATE_GIVE,
				   &arg->fd, why);
}

static noinline_for_stack int iomd_ioc_user_create(struct iomd_ucmd *ucmd,
						   struct iomd_why *why)
{
	struct iomd_user_create *arg = ucmd->arg;
	struct iomd_range few[IOMD_USER_FEW_RANGES], *ranges = few;
	struct iomd_desc *desc;

	if (arg->fd)
		return iomd_outputs_nonzero(why, "fd is an output and must be 0");
	if (arg->reserved0)
		return iomd_outputs_nonzero(why, "reserved fields must be zero");
	if (!arg->nr_ranges)
		return iomd_fail(why, -EINVAL, "no ranges");
	if (arg->nr_ranges > IOMD_USER_MAX_RANGES)
		return iomd_fail(why, -E2BIG, "%u ranges; at most %d",
				 arg->nr_ranges, IOMD_USER_MAX_RANGES);

	/*
	 * Most callers describe one buffer: no allocation for a few ranges,
	 * and a copy of constant size (no object-size check) for one.
	 */
	if (arg->nr_ranges > ARRAY_SIZE(few))
		ranges = memdup_array_user(u64_to_user_ptr(arg->ranges),
					   arg->nr_ranges, sizeof(*ranges));
	else if (arg->nr_ranges == 1 ?
		 copy_from_user(&few[0], u64_to_user_ptr(arg->ranges),
				sizeof(few[0])) :
		 copy_from_user(few, u64_to_user_ptr(arg->ranges),
				arg->nr_ranges * sizeof(*ranges)))
		ranges = ERR_PTR(-EFAULT);
	if (IS_ERR(ranges))
		return iomd_fail(why, PTR_ERR(ranges),
				 "cannot read the range array at 0x%llx",
				 arg->ranges);
	desc = iomd_user_create(current->mm, ranges, arg->nr_ranges,
				arg->flags & IOMD_DIR_MASK,
				arg->flags & IOMD_USER_PREPARE,
				&ucmd->client->handles.spare, why);
	if (ranges != few)
		kfree(ranges);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return iomd_ucmd_give_desc(ucmd, desc, arg->flags & IOMD_CREATE_GIVE,
				   &arg->fd, why);
}

/* IOMD_IOC_PREPARE (@prepare) and IOMD_IOC_COMPLETE. */
static noinline_for_stack int iomd_ioc_wire(struct iomd_ucmd *ucmd,
					    bool prepare, struct iomd_why *why)
{
	struct iomd_wire *arg = ucmd->arg;
	struct iomd_desc *desc;
	int ret;

	if (arg->wire_count || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "wire_count is an output, and reserved fields must be zero");
	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = prepare ? iomd_desc_prepare_client(desc, why) :
			iomd_desc_complete_client(desc, why);
	arg->wire_count = iomd_desc_wire_count(desc);
	iomd_desc_put(desc);
	return ret;
}

static noinline_for_stack int iomd_ioc_prepare(struct iomd_ucmd *ucmd,
					       struct iomd_why *why)
{
	return iomd_ioc_wire(ucmd, true, why);
}

static noinline_for_stack int iomd_ioc_complete(struct iomd_ucmd *ucmd,
						struct iomd_why *why)
{
	return iomd_ioc_wire(ucmd, false, why);
}

static noinline_for_stack int iomd_ioc_info(struct iomd_ucmd *ucmd,
					    struct iomd_why *why)
{
	struct iomd_info *arg = ucmd->arg;
	struct iomd_desc *desc;

	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	arg->length = desc->length;
	arg->capacity = desc->capacity;
	arg->direction = desc->direction;
	arg->page_size = PAGE_SIZE;
	arg->kind = desc->kind;
	arg->options = desc->options;
	arg->nr_ranges = desc->nr_segs;
	arg->wire_count = iomd_desc_wire_count(desc);
	arg->huge_bytes = (u64)desc->nr_pmd_folios <<
			  (IOMD_PMD_ORDER + PAGE_SHIFT);
	iomd_desc_put(desc);
	return 0;
}

/* KREAD/KWRITE through the descriptor's kernel mapping. */
static noinline_for_stack int iomd_ioc_rw_kmap(struct iomd_desc *desc,
					       struct iomd_rw *arg,
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

/* IOMD_IOC_KWRITE (@write) and IOMD_IOC_KREAD. */
static noinline_for_stack int iomd_ioc_rw(struct iomd_ucmd *ucmd, bool write,
					  struct iomd_why *why)
{
	struct iomd_rw *arg = ucmd->arg;
	struct iomd_desc *desc;
	void __user *ubuf;
	int ret;

	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = iomd_desc_cache_check(desc, (arg->flags & IOMD_RW_CACHE_MASK) >>
					  IOMD_RW_CACHE_SHIFT, why);
	if (ret)
		goto put_desc;

	ubuf = u64_to_user_ptr(arg->user_addr);
	if (arg->flags & IOMD_RW_KMAP)
		ret = iomd_ioc_rw_kmap(desc, arg, ubuf, write, why);
	else if (write)
		ret = iomd_desc_copy_from_user(desc, arg->offset, ubuf,
					       arg->length, why);
	else
		ret = iomd_desc_copy_to_user(desc, arg->offset, ubuf,
					     arg->length, why);
put_desc:
	iomd_desc_put(desc);
	return ret;
}

static noinline_for_stack int iomd_ioc_kread(struct iomd_ucmd *ucmd,
					     struct iomd_why *why)
{
	return iomd_ioc_rw(ucmd, false, why);
}

static noinline_for_stack int iomd_ioc_kwrite(struct iomd_ucmd *ucmd,
					      struct iomd_why *why)
{
	return iomd_ioc_rw(ucmd, true, why);
}

static noinline_for_stack int iomd_ioc_reason(struct iomd_ucmd *ucmd,
					      struct iomd_why *why)
{
	struct iomd_client *client = ucmd->client;
	struct iomd_reason *arg = ucmd->arg;
	struct iomd_desc *desc;
	struct iomd_why last;
	int ret;

	ret = iomd_reason_check(arg, why);
	if (ret)
		return ret;
	if (arg->fd == IOMD_REASON_CLIENT) {
		spin_lock(&client->lock);
		last = client->reason;
		spin_unlock(&client->lock);
	} else {
		desc = iomd_ucmd_desc(ucmd, arg->fd, why);
		if (IS_ERR(desc))
			return PTR_ERR(desc);
		iomd_desc_last_reason(desc, &last);
		iomd_desc_put(desc);
	}
	return iomd_reason_answer(arg, &last, why);
}

static noinline_for_stack int iomd_ioc_version(struct iomd_ucmd *ucmd,
					       struct iomd_why *why)
{
	struct iomd_version *arg = ucmd->arg;

	if (memchr_inv(arg, 0, sizeof(*arg)))
		return iomd_outputs_nonzero(why,
					    "flags, outputs and reserved fields must be zero");
	arg->abi = IOMD_ABI_VERSION;
	arg->major = IOMD_VERSION_MAJOR;
	arg->minor = IOMD_VERSION_MINOR;
	arg->patch = IOMD_VERSION_PATCH;
	return 0;
}

static noinline_for_stack int iomd_ioc_stats(struct iomd_ucmd *ucmd,
					     struct iomd_why *why)
{
	struct iomd_stats *arg = ucmd->arg;

	arg->live_descriptors = atomic64_read(&iomd_counters.live_descriptors);
	arg->live_bytes = atomic64_read(&iomd_counters.live_bytes);
	arg->created_total = atomic64_read(&iomd_counters.created_total);
	arg->max_buffer_bytes = iomd_max_buffer_bytes;
	arg->live_zone_elements = iomd_zone_live_elements();
	arg->bad_frees = atomic_long_read(&iomd_counters.bad_frees);
	arg->pinned_pages = atomic64_read(&iomd_counters.pinned_pages);
	return 0;
}

static noinline_for_stack int iomd_ioc_map(struct iomd_ucmd *ucmd,
					   struct iomd_why *why)
{
	struct iomd_map_create *arg = ucmd->arg;
	struct iomd_mapping map;
	struct iomd_desc *desc;
	int ret;

	if (arg->map_addr || arg->map_length)
		return iomd_outputs_nonzero(why,
					    "map_addr and map_length are outputs, and reserved fields must be zero");
	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = iomd_map_into(&map, desc, arg->options, arg->addr, arg->offset,
			    arg->length, why);
	iomd_desc_put(desc);
	if (ret)
		return ret;

	/* The mapping stays: user space can munmap it. */
	arg->addr = iomd_mapping_address(&map);
	arg->length = iomd_mapping_length(&map);
	arg->map_addr = arg->addr & PAGE_MASK;
	arg->map_length = PAGE_ALIGN(arg->addr + arg->length) - arg->map_addr;
	return 0;
}

static noinline_for_stack int iomd_ioc_unmap(struct iomd_ucmd *ucmd,
					     struct iomd_why *why)
{
	struct iomd_unmap *arg = ucmd->arg;

	return iomd_unmap_address(arg->addr, why);
}

static noinline_for_stack int iomd_ioc_map_info(struct iomd_ucmd *ucmd,
						struct iomd_why *why)
{
	struct iomd_map_info *arg = ucmd->arg;

	if (arg->pad)
		return iomd_fail(why, -EINVAL, "pad must be zero");
	return iomd_map_info(arg, why);
}

static noinline_for_stack int iomd_ioc_revoke(struct iomd_ucmd *ucmd,
					      struct iomd_why *why)
{
	struct iomd_revoke *arg = ucmd->arg;
	struct iomd_desc *desc;

	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	iomd_desc_revoke(desc);
	iomd_desc_put(desc);
	return 0;
}

static noinline_for_stack int iomd_ioc_export_dmabuf(struct iomd_ucmd *ucmd,
						     struct iomd_why *why)
{
	struct iomd_export_dmabuf *arg = ucmd->arg;
	struct iomd_desc *desc;
	int fd;

	if (arg->dmabuf_fd || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "dmabuf_fd is an output, and reserved fields must be zero");
	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	fd = iomd_dmabuf_export_fd(desc, arg->flags & IOMD_CREATE_CLOEXEC, why);
	iomd_desc_put(desc);
	if (fd < 0)
		return fd;
	/* Installed: too late to take it back cleanly if the copy fails. */
	arg->dmabuf_fd = fd;
	ucmd->installed_fd = fd;
	return 0;
}

static noinline_for_stack int iomd_ioc_import_dmabuf(struct iomd_ucmd *ucmd,
						     struct iomd_why *why)
{
	struct iomd_import_dmabuf *arg = ucmd->arg;
	struct iomd_desc *desc;

	if (arg->fd || arg->length || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "fd and length are outputs, and reserved fields must be zero");
	desc = iomd_dmabuf_import_fd(arg->dmabuf_fd,
				     arg->flags & IOMD_DIR_MASK, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	arg->length = desc->length;
	return iomd_ucmd_give_desc(ucmd, desc, arg->flags & IOMD_CREATE_GIVE,
				   &arg->fd, why);
}

static noinline_for_stack int iomd_ioc_subrange(struct iomd_ucmd *ucmd,
						struct iomd_why *why)
{
	struct iomd_subrange_create *arg = ucmd->arg;
	struct iomd_desc *parent, *desc;

	if (arg->new_fd || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "new_fd is an output, and reserved fields must be zero");
	parent = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	desc = iomd_subrange_create(parent, arg->offset, arg->length,
				    arg->flags & IOMD_DIR_MASK, why);
	iomd_desc_put(parent);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return iomd_ucmd_give_desc(ucmd, desc, arg->flags & IOMD_CREATE_GIVE,
				   &arg->new_fd, why);
}

static noinline_for_stack int iomd_ioc_multi(struct iomd_ucmd *ucmd,
					     struct iomd_why *why)
{
	struct iomd_multi_create *arg = ucmd->arg;
	struct iomd_desc **descs, *desc;
	unsigned int i, n = 0;
	__u32 *fds;
	int ret;

	if (arg->fd || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "fd is an output, and reserved fields must be zero");
	if (!arg->nr_fds)
		return iomd_fail(why, -EINVAL, "no descriptors");
	if (arg->nr_fds > IOMD_MULTI_MAX_DESCS)
		return iomd_fail(why, -E2BIG, "%u descriptors; at most %d",
				 arg->nr_fds, IOMD_MULTI_MAX_DESCS);

	fds = memdup_array_user(u64_to_user_ptr(arg->fds), arg->nr_fds,
				sizeof(*fds));
	if (IS_ERR(fds))
		return iomd_fail(why, PTR_ERR(fds),
				 "cannot read the fd array at 0x%llx", arg->fds);
	descs = kcalloc(arg->nr_fds, sizeof(*descs), GFP_KERNEL_ACCOUNT);
	if (!descs) {
		ret = iomd_fail(why, -ENOMEM, "out of memory");
		goto free_fds;
	}
	for (n = 0; n < arg->nr_fds; n++) {
		descs[n] = iomd_ucmd_desc(ucmd, fds[n], why);
		if (IS_ERR(descs[n])) {
			ret = PTR_ERR(descs[n]);
			goto put_descs;
		}
	}
	desc = iomd_multi_create(descs, n, arg->flags & IOMD_DIR_MASK, why);
	ret = PTR_ERR_OR_ZERO(desc);
	if (!ret)
		ret = iomd_ucmd_give_desc(ucmd, desc,
					  arg->flags & IOMD_CREATE_GIVE,
					  &arg->fd, why);
put_descs:
	for (i = 0; i < n; i++)
		iomd_desc_put(descs[i]);
	kfree(descs);
free_fds:
	kfree(fds);
	return ret;
}

static noinline_for_stack int iomd_ioc_segments(struct iomd_ucmd *ucmd,
						struct iomd_why *why)
{
	struct iomd_segments *arg = ucmd->arg;
	struct iomd_desc *desc;
	int ret;

	if (arg->total || arg->out_flags)
		return iomd_outputs_nonzero(why,
					    "total and out_flags are outputs, and reserved fields must be zero");
	desc = iomd_ucmd_desc(ucmd, arg->fd, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	ret = iomd_dma_segments_to_user(desc, arg, why);
	iomd_desc_put(desc);
	return ret;
}

static noinline_for_stack int iomd_ioc_zone_info(struct iomd_ucmd *ucmd,
						 struct iomd_why *why)
{
	struct iomd_zone_info *arg = ucmd->arg;
	struct iomd_zone_stat st;

	if (arg->reserved0 || arg->cached || arg->reserved1)
		return iomd_outputs_nonzero(why, "reserved fields must be zero");
	if (iomd_zone_stat_at(arg->index, &st))
		return iomd_fail(why, -ENOENT, "no zone at index %u",
				 arg->index);
	if (arg->name && copy_to_user(u64_to_user_ptr(arg->name), st.name,
				      sizeof(st.name)))
		return iomd_fail(why, -EFAULT, "name buffer is not writable");

	arg->elem_size = st.elem_size;
	arg->in_use = st.in_use;
	arg->cached = st.cached;
	arg->peak = st.peak;
	arg->limit = st.limit;
	arg->total_allocs = st.total_allocs;
	arg->total_frees = st.total_frees;
	arg->failures = st.failures;
	arg->state = st.dead ? IOMD_ZONE_STATE_DEAD : 0;
	return 0;
}

static noinline_for_stack int iomd_ioc_handle_close(struct iomd_ucmd *ucmd,
						    struct iomd_why *why)
{
	struct iomd_handle *arg = ucmd->arg;

	if (arg->fd || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "fd is an output, and reserved fields must be zero");
	return iomd_handle_close(&ucmd->client->handles, arg->handle, why);
}

static noinline_for_stack int iomd_ioc_handle_export(struct iomd_ucmd *ucmd,
						     struct iomd_why *why)
{
	struct iomd_handle *arg = ucmd->arg;
	struct iomd_desc *desc;

	if (arg->fd || arg->reserved0)
		return iomd_outputs_nonzero(why,
					    "fd is an output, and reserved fields must be zero");
	desc = iomd_handle_get(&ucmd->client->handles, arg->handle, why);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return iomd_ucmd_give_desc(ucmd, desc, arg->flags, &arg->fd, why);
}

/* Every argument struct: the dispatcher's copy of one is this big. */
union iomd_ioctl_buffer {
	struct iomd_buffer_create buffer_create;
	struct iomd_info info;
	struct iomd_rw rw;
	struct iomd_reason reason;
	struct iomd_stats stats;
	struct iomd_zone_info zone_info;
	struct iomd_user_create user_create;
	struct iomd_wire wire;
	struct iomd_map_create map_create;
	struct iomd_unmap unmap;
	struct iomd_revoke revoke;
	struct iomd_subrange_create subrange;
	struct iomd_multi_create multi;
	struct iomd_segments segments;
	struct iomd_map_info map_info;
	struct iomd_version version;
	struct iomd_export_dmabuf export_dmabuf;
	struct iomd_import_dmabuf import_dmabuf;
	struct iomd_handle handle;
};

#define IOMD_IOC_FIRST	_IOC_NR(IOMD_IOC_BUFFER_CREATE)

/*
 * sizeof(@type), which the build checks is whole u64s (as the uAPI's
 * structs are) and fits union iomd_ioctl_buffer: the copies below count
 * on both.
 */
#define IOMD_ARG_SIZE(type)						\
	(sizeof(type) +							\
	 BUILD_BUG_ON_ZERO(sizeof(type) % sizeof(u64)) +		\
	 BUILD_BUG_ON_ZERO(sizeof(type) > sizeof(union iomd_ioctl_buffer)))

/*
 * Copy an argument of @size bytes (IOMD_ARG_SIZE()) in from @src, in one
 * user-access window.  copy_from_user() of a size known only at run time
 * checks the kernel object on every call (hardened usercopy), which the
 * build has done once for every size here; under emulation that check
 * cost more than the copy.
 */
static int iomd_arg_copy_in(u64 *dst, const u64 __user *src, size_t size)
{
	size_t i;

	if (!user_read_access_begin(src, size))
		return -EFAULT;
	for (i = 0; i < size / sizeof(u64); i++)
		unsafe_get_user(dst[i], &src[i], fault);
	user_read_access_end();
	return 0;

fault:
	user_read_access_end();
	return -EFAULT;
}

/* Copy an argument of @size bytes (IOMD_ARG_SIZE()) out to @dst. */
static int iomd_arg_copy_out(u64 __user *dst, const u64 *src, size_t size)
{
	size_t i;

	if (!user_write_access_begin(dst, size))
		return -EFAULT;
	for (i = 0; i < size / sizeof(u64); i++)
		unsafe_put_user(src[i], &dst[i], fault);
	user_write_access_end();
	return 0;

fault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * An entry of iomd_ioctl_ops: @_ioctl, whose argument is @type with its
 * reserved array named reserved, handled by @_fn, its flags at @_flags
 * (IOMD_NO_FLAGS) knowing @_valid, then any more fields of the entry.
 */
#define IOMD_IOCTL_OP(_ioctl, type, _fn, _flags, _valid, ...)		\
	{								\
		.cmd = _ioctl,						\
		.size = IOMD_ARG_SIZE(type),				\
		.name = #_ioctl,					\
		.flags_at = _flags,					\
		.valid_flags = _valid,					\
		.reserved_at = offsetof(type, reserved),		\
		.reserved_size = sizeof_field(type, reserved) +		\
			BUILD_BUG_ON_ZERO(offsetof(type, reserved) % 8 ||	\
					  sizeof_field(type, reserved) % 8), \
		.execute = _fn,						\
		__VA_ARGS__						\
	}

/* The offset of @type's flags field, for IOMD_IOCTL_OP(). */
#define IOMD_FLAGS_AT(type)	offsetof(type, flags)

/*
 * In the order of their numbers, from IOMD_IOC_FIRST on: the dispatcher
 * indexes the table by number and checks the whole command.
 */
static const struct iomd_ioctl_op iomd_ioctl_ops[] = {
	IOMD_IOCTL_OP(IOMD_IOC_BUFFER_CREATE, struct iomd_buffer_create,
		      iomd_ioc_buffer_create,
		      IOMD_FLAGS_AT(struct iomd_buffer_create),
		      IOMD_BUFFER_CREATE_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_INFO, struct iomd_info, iomd_ioc_info,
		      IOMD_FLAGS_AT(struct iomd_info), 0),
	IOMD_IOCTL_OP(IOMD_IOC_KREAD, struct iomd_rw, iomd_ioc_kread,
		      IOMD_FLAGS_AT(struct iomd_rw), IOMD_RW_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_KWRITE, struct iomd_rw, iomd_ioc_kwrite,
		      IOMD_FLAGS_AT(struct iomd_rw), IOMD_RW_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_REASON, struct iomd_reason, iomd_ioc_reason,
		      IOMD_NO_FLAGS, 0, .keep_reason = true),
	IOMD_IOCTL_OP(IOMD_IOC_STATS, struct iomd_stats, iomd_ioc_stats,
		      IOMD_NO_FLAGS, 0, .admin = true),
	/* Its reserved fields are scattered: the handler checks them. */
	{
		.cmd = IOMD_IOC_ZONE_INFO,
		.size = IOMD_ARG_SIZE(struct iomd_zone_info),
		.name = "IOMD_IOC_ZONE_INFO",
		.flags_at = IOMD_FLAGS_AT(struct iomd_zone_info),
		.valid_flags = 0,
		.admin = true,
		.execute = iomd_ioc_zone_info,
	},
	IOMD_IOCTL_OP(IOMD_IOC_USER_CREATE, struct iomd_user_create,
		      iomd_ioc_user_create,
		      IOMD_FLAGS_AT(struct iomd_user_create),
		      IOMD_USER_CREATE_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_PREPARE, struct iomd_wire, iomd_ioc_prepare,
		      IOMD_FLAGS_AT(struct iomd_wire), 0),
	IOMD_IOCTL_OP(IOMD_IOC_COMPLETE, struct iomd_wire, iomd_ioc_complete,
		      IOMD_FLAGS_AT(struct iomd_wire), 0),
	IOMD_IOCTL_OP(IOMD_IOC_MAP, struct iomd_map_create, iomd_ioc_map,
		      IOMD_NO_FLAGS, 0),
	IOMD_IOCTL_OP(IOMD_IOC_UNMAP, struct iomd_unmap, iomd_ioc_unmap,
		      IOMD_NO_FLAGS, 0),
	IOMD_IOCTL_OP(IOMD_IOC_REVOKE, struct iomd_revoke, iomd_ioc_revoke,
		      IOMD_FLAGS_AT(struct iomd_revoke), 0),
	IOMD_IOCTL_OP(IOMD_IOC_SUBRANGE, struct iomd_subrange_create,
		      iomd_ioc_subrange,
		      IOMD_FLAGS_AT(struct iomd_subrange_create),
		      IOMD_COMPOSITE_CREATE_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_MULTI, struct iomd_multi_create,
		      iomd_ioc_multi, IOMD_FLAGS_AT(struct iomd_multi_create),
		      IOMD_COMPOSITE_CREATE_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_SEGMENTS, struct iomd_segments,
		      iomd_ioc_segments, IOMD_FLAGS_AT(struct iomd_segments), 0),
	IOMD_IOCTL_OP(IOMD_IOC_MAP_INFO, struct iomd_map_info,
		      iomd_ioc_map_info, IOMD_NO_FLAGS, 0),
	IOMD_IOCTL_OP(IOMD_IOC_VERSION, struct iomd_version, iomd_ioc_version,
		      IOMD_FLAGS_AT(struct iomd_version), 0),
	IOMD_IOCTL_OP(IOMD_IOC_EXPORT_DMABUF, struct iomd_export_dmabuf,
		      iomd_ioc_export_dmabuf,
		      IOMD_FLAGS_AT(struct iomd_export_dmabuf),
		      IOMD_CREATE_CLOEXEC),
	IOMD_IOCTL_OP(IOMD_IOC_IMPORT_DMABUF, struct iomd_import_dmabuf,
		      iomd_ioc_import_dmabuf,
		      IOMD_FLAGS_AT(struct iomd_import_dmabuf),
		      IOMD_IMPORT_DMABUF_FLAGS),
	IOMD_IOCTL_OP(IOMD_IOC_HANDLE_CLOSE, struct iomd_handle,
		      iomd_ioc_handle_close, IOMD_FLAGS_AT(struct iomd_handle),
		      0),
	IOMD_IOCTL_OP(IOMD_IOC_HANDLE_EXPORT, struct iomd_handle,
		      iomd_ioc_handle_export, IOMD_FLAGS_AT(struct iomd_handle),
		      IOMD_CREATE_CLOEXEC),
};

/*
 * Whether any of the @size bytes at @offset of the argument @arg are set;
 * reserved arrays are whole __u64 words (IOMD_IOCTL_OP() checks), so no
 * byte-wise memchr_inv() on every call.
 */
static bool iomd_arg_nonzero(const u64 *arg, unsigned int offset,
			     unsigned int size)
{
	const u64 *word = arg + offset / sizeof(u64);
	u64 any = 0;
	unsigned int i;

	for (i = 0; i < size / sizeof(u64); i++)
		any |= word[i];
	return any;
}

/*
 * Run @op for @ucmd: privilege, copy-in, the checks the table expresses,
 * the handler, copy-out, and the fd or handle the handler made going live.
 */
static int iomd_ioctl_run(const struct iomd_ioctl_op *op,
			  struct iomd_ucmd *ucmd, struct iomd_why *why)
{
	u32 flags;
	int ret;

	if (op->admin && !capable(CAP_SYS_ADMIN))
		return iomd_fail(why, -EPERM, "%s needs CAP_SYS_ADMIN",
				 op->name);
	if (!(_IOC_DIR(op->cmd) & _IOC_WRITE))
		memset(ucmd->arg, 0, op->size);
	else if (iomd_arg_copy_in(ucmd->arg, ucmd->ubuf, op->size))
		return -EFAULT;
	if (op->flags_at != IOMD_NO_FLAGS) {
		memcpy(&flags, ucmd->arg + op->flags_at, sizeof(flags));
		if (flags & ~op->valid_flags)
			return iomd_fail(why, -EINVAL, "unknown flags 0x%x",
					 flags & ~op->valid_flags);
	}
	if (iomd_arg_nonzero(ucmd->arg, op->reserved_at, op->reserved_size))
		return iomd_fail(why, -EINVAL, "reserved fields must be zero");

	ret = op->execute(ucmd, why);
	if (!ret && (_IOC_DIR(op->cmd) & _IOC_READ) &&
	    iomd_arg_copy_out(ucmd->ubuf, ucmd->arg, op->size)) {
		ret = -EFAULT;
		if (ucmd->installed_fd >= 0)
			iomd_fail(why, ret,
				  "cannot write the result; fd %d stays open",
				  ucmd->installed_fd);
	}
	if (ucmd->file) {
		if (ret) {
			fput(ucmd->file);
			put_unused_fd(ucmd->fd);
		} else {
			fd_install(ucmd->fd, ucmd->file);
		}
	}
	if (ucmd->handle_desc) {
		if (ret) {
			iomd_handle_cancel(&ucmd->client->handles, ucmd->handle);
			iomd_desc_put(ucmd->handle_desc);
		} else {
			iomd_handle_publish(&ucmd->client->handles,
					    ucmd->handle, ucmd->handle_desc);
		}
	}
	return ret;
}

static long iomd_client_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct iomd_client *client = file->private_data;
	/*
	 * Not zeroed by the kernel's automatic stack initialisation (half a
	 * KiB per call): the argument is copied in or zeroed to its size
	 * before anything reads it, and only its size is copied out; a
	 * reason is read up to its NUL, which iomd_why_clear() sets.
	 */
	union iomd_ioctl_buffer buf __uninitialized;
	struct iomd_why why __uninitialized;
	struct iomd_ucmd ucmd = {
		.client = client,
		.ubuf = (void __user *)arg,
		.arg = &buf,
		.installed_fd = -1,
	};
	const struct iomd_ioctl_op *op = NULL;
	unsigned int nr = _IOC_NR(cmd);
	long ret;

	iomd_why_clear(&why);
	if (_IOC_TYPE(cmd) == IOMD_IOC_MAGIC && nr >= IOMD_IOC_FIRST &&
	    nr - IOMD_IOC_FIRST < ARRAY_SIZE(iomd_ioctl_ops))
		op = &iomd_ioctl_ops[nr - IOMD_IOC_FIRST];
	if (!op || op->cmd != cmd || !op->execute)
		ret = iomd_fail(&why, -ENOTTY, "unknown ioctl 0x%x", cmd);
	else
		ret = iomd_ioctl_run(op, &ucmd, &why);

	if (ret < 0 && !(op && op->cmd == cmd && op->keep_reason)) {
		if (!why.err)
			iomd_fail(&why, ret, "copying the ioctl argument failed");
		spin_lock(&client->lock);
		client->reason = why;
		spin_unlock(&client->lock);
	}
	return ret;
}

static void iomd_client_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct iomd_client *client = file->private_data;

	iomd_handles_show(&client->handles, m);
}

static const struct file_operations iomd_client_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_client_open,
	.release	= iomd_client_release,
	.unlocked_ioctl	= iomd_client_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= iomd_client_show_fdinfo,
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
