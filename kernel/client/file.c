// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor files: how a descriptor reaches user space, as an fd that
 * mmap() maps and that can be passed to other processes (its inode is
 * the one all descriptor fds share), and the one file of the descriptor's
 * own inode (fs.c) that its user mappings are made on or moved to.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "client.h"

/*
 * Both kinds of descriptor file end here: an fd's (of the inode all
 * descriptor fds share), whose last one lets go of the user mappings'
 * file, and the user mappings' file (of the descriptor's own inode),
 * which the descriptor stops pointing at.
 */
static int iomd_file_release(struct inode *inode, struct file *file)
{
	struct iomd_desc *desc = file->private_data;
	struct file *held = NULL;

	if (!desc)
		return 0;
	spin_lock(&desc->user_lock);
	if (inode != READ_ONCE(desc->inode)) {
		if (!--desc->user_fds && desc->user_file_held) {
			held = desc->user_file;
			desc->user_file_held = false;
		}
	} else if (desc->user_file == file) {
		desc->user_file = NULL;
	}
	spin_unlock(&desc->user_lock);
	if (held)
		fput(held);
	iomd_desc_put(desc);
	return 0;
}

/*
 * Descriptor fds are opened only by iomd_file_alloc(), which asks for
 * FMODE_NONOTIFY, as open(2) cannot: a reopen through /proc/PID/fd names
 * the dentry all descriptor fds share and so no descriptor, and is
 * refused, as reopening an anonymous inode's file is.  A file another
 * kernel path opens with that flag (fanotify's event files) has no
 * descriptor either, and every operation refuses it.
 */
static int iomd_file_open(struct inode *inode, struct file *file)
{
	return file->f_mode & FMODE_NONOTIFY ? 0 : -ENXIO;
}

static int iomd_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!file->private_data)
		return -ENXIO;
	return iomd_map_file_mmap(file->private_data, vma);
}

/* IOMD_IOC_REASON's outputs, in @arg, are zero on the way in. */
int iomd_reason_check(const struct iomd_reason *arg, struct iomd_why *why)
{
	if (arg->errno_value || arg->length)
		return iomd_fail(why, -EINVAL,
				 "errno_value and length are outputs and must be 0");
	return 0;
}

/*
 * Answer IOMD_IOC_REASON's @arg with @last: the message into the caller's
 * buffer, its errno and length into @arg, which the caller copies out.
 */
int iomd_reason_answer(struct iomd_reason *arg, const struct iomd_why *last,
		       struct iomd_why *why)
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
	return 0;
}

/*
 * IOMD_IOC_REASON on a descriptor fd itself: that descriptor's last
 * failure, for a process that has the fd but not /dev/iomd.  Asking
 * leaves no reason of its own behind.
 */
static long iomd_file_reason(struct iomd_desc *desc, void __user *uarg)
{
	struct iomd_reason arg;
	struct iomd_why last, why;
	int ret;

	iomd_why_clear(&why);
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = iomd_reason_check(&arg, &why);
	if (ret)
		return ret;
	if (memchr_inv(arg.reserved, 0, sizeof(arg.reserved)))
		return -EINVAL;
	if (arg.fd != IOMD_REASON_CLIENT)
		return -EINVAL;
	iomd_desc_last_reason(desc, &last);
	ret = iomd_reason_answer(&arg, &last, &why);
	if (ret)
		return ret;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* The one ioctl of a descriptor fd: IOMD_IOC_REASON about itself. */
static long iomd_file_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	if (cmd != IOMD_IOC_REASON)
		return -ENOTTY;
	if (!file->private_data)
		return -ENXIO;
	return iomd_file_reason(file->private_data, (void __user *)arg);
}

static void iomd_file_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct iomd_desc *desc = file->private_data;
	struct inode *inode;

	if (!desc)
		return;
	seq_printf(m, "iomd-kind:\t%u\n", desc->kind);
	seq_printf(m, "iomd-length:\t%zu\n", desc->length);
	seq_printf(m, "iomd-capacity:\t%zu\n", desc->capacity);
	seq_printf(m, "iomd-direction:\t%u\n", desc->direction);
	seq_printf(m, "iomd-options:\t%#x\n", desc->options);
	seq_printf(m, "iomd-cache:\t%s\n", iomd_cache_name(desc->cache));
	/* What its own mappings show in /proc/PID/maps; 0 before any. */
	inode = READ_ONCE(desc->inode);
	seq_printf(m, "iomd-inode:\t%lu\n", inode ? inode->i_ino : 0);
}

const struct file_operations iomd_desc_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_file_open,
	.release	= iomd_file_release,
	.mmap		= iomd_file_mmap,
	.unlocked_ioctl	= iomd_file_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	/* PMD-aligned addresses for mappings of the PMD size and more. */
	.get_unmapped_area = thp_get_unmapped_area,
	.show_fdinfo	= iomd_file_show_fdinfo,
};

/* The descriptor behind @file, or NULL if @file is not a descriptor. */
struct iomd_desc *iomd_file_desc(struct file *file)
{
	return file->f_op == &iomd_desc_fops ? file->private_data : NULL;
}

/*
 * A new file holding a reference on @desc: of the inode descriptor fds
 * share (@own false), or of @desc's own, for its user mappings.
 */
static struct file *iomd_file_create_on(struct iomd_desc *desc, bool own)
{
	struct file *file = iomd_file_alloc(desc, own, &iomd_desc_fops, desc);

	if (!IS_ERR(file))
		iomd_desc_get(desc);
	return file;
}

/* A new file for an fd of @desc, holding a reference on it. */
struct file *iomd_file_create(struct iomd_desc *desc)
{
	struct file *file = iomd_file_create_on(desc, false);

	if (!IS_ERR(file)) {
		spin_lock(&desc->user_lock);
		desc->user_fds++;
		spin_unlock(&desc->user_lock);
	}
	return file;
}

/*
 * While @desc has fds open, they hold its user mappings' file, so that it
 * outlives the mappings it is made for.  user_lock held; @desc->user_file
 * set and referenced.
 */
static void iomd_file_user_hold(struct iomd_desc *desc)
{
	if (desc->user_fds && !desc->user_file_held) {
		get_file(desc->user_file);
		desc->user_file_held = true;
	}
}

/*
 * @desc's user mappings' file, if it is there and not being released: a
 * new reference on it.  user_lock held.
 */
static struct file *iomd_file_user_get(struct iomd_desc *desc)
{
	struct file *file = desc->user_file;

	if (!file || !iomd_file_get_unless_zero(file))
		return NULL;
	iomd_file_user_hold(desc);
	return file;
}

/**
 * iomd_file_user() - the file user mappings of a descriptor's pages map
 * @desc:	the descriptor.
 *
 * Every user mapping of @desc's own pages, in every process, is a mapping
 * of a file of @desc's own inode, so that revocation finds them all in
 * that inode's address_space.  One such file is shared by them all while
 * it lives: made at the first mapping, held by the mappings and, while
 * @desc has fds open, by them.  @desc only points at it (the file holds a
 * reference on @desc): its release clears the pointer.
 *
 * Return: the file with a new reference, or an ERR_PTR().
 */
struct file *iomd_file_user(struct iomd_desc *desc)
{
	struct file *file, *made;

	spin_lock(&desc->user_lock);
	file = iomd_file_user_get(desc);
	spin_unlock(&desc->user_lock);
	if (file)
		return file;

	made = iomd_file_create_on(desc, true);
	if (IS_ERR(made))
		return made;
	spin_lock(&desc->user_lock);
	/* Another task may have made one meanwhile: the first one stays. */
	file = iomd_file_user_get(desc);
	if (!file) {
		desc->user_file = made;
		file = made;
		made = NULL;
		iomd_file_user_hold(desc);
	}
	spin_unlock(&desc->user_lock);
	if (made)
		fput(made);
	return file;
}

/*
 * Make @vma, a new mapping of @desc's own pages, a mapping of @desc's
 * user mappings' file if it is not one of @desc's own inode already (as
 * dma_buf_mmap() hands a mapping to its exporter's file), so that
 * revocation finds it in that inode's address_space.
 */
int iomd_file_own_vma(struct iomd_desc *desc, struct vm_area_struct *vma)
{
	struct inode *inode = READ_ONCE(desc->inode);
	struct file *file;

	if (!vma->vm_file)
		return -EINVAL;
	if (inode && file_inode(vma->vm_file) == inode)
		return 0;
	file = iomd_file_user(desc);
	if (IS_ERR(file))
		return PTR_ERR(file);
	vma_set_file(vma, file);
	fput(file);			/* the mapping holds its own */
	return 0;
}

/**
 * iomd_desc_export_fd() - give a descriptor to the current task as an fd
 * @desc:	the descriptor; the new file takes its own reference.
 * @flags:	0 or IOMD_CREATE_CLOEXEC.
 * @why:	failure reason; may be NULL.
 *
 * mmap() on the fd maps the descriptor (see iomd_desc_mmap()); the fd can
 * be passed to other processes like any other.
 *
 * Context: process context.
 * Return: the fd, -EINVAL for unknown @flags, -EMFILE, or -ENOMEM.
 */
int iomd_desc_export_fd(struct iomd_desc *desc, u32 flags,
			struct iomd_why *why)
{
	struct file *file;
	int fd;

	if (flags & ~IOMD_CREATE_CLOEXEC)
		return iomd_fail(why, -EINVAL, "unknown export flags 0x%x",
				 flags & ~IOMD_CREATE_CLOEXEC);
	fd = get_unused_fd_flags(O_RDWR |
				 (flags & IOMD_CREATE_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0)
		return iomd_fail(why, fd, "no free file descriptor");
	file = iomd_file_create(desc);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return iomd_fail(why, PTR_ERR(file),
				 "cannot create the descriptor file");
	}
	fd_install(fd, file);
	return fd;
}
EXPORT_SYMBOL_GPL(iomd_desc_export_fd);

/**
 * iomd_desc_from_fd() - the descriptor behind a file descriptor
 * @fd:		a file descriptor of the current task.
 * @why:	failure reason; may be NULL.
 *
 * Return: the descriptor with a new reference, ERR_PTR(-EBADF) if @fd is
 * not open, or ERR_PTR(-EBADFD) if it is not an iomd descriptor.
 */
struct iomd_desc *iomd_desc_from_fd(int fd, struct iomd_why *why)
{
	struct iomd_desc *desc;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(iomd_fail(why, -EBADF, "fd %d is not open", fd));
	desc = iomd_file_desc(file);
	if (desc)
		iomd_desc_get(desc);
	fput(file);
	if (!desc)
		return ERR_PTR(iomd_fail(why, -EBADFD,
					 "fd %d is not an iomd descriptor",
					 fd));
	return desc;
}
EXPORT_SYMBOL_GPL(iomd_desc_from_fd);

