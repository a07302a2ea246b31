// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor files: how a descriptor reaches user space.  Each exported
 * descriptor gets its own inode on a small pseudo filesystem, so its user
 * mappings hang off an address_space of their own (which lets them be
 * found and zapped later without touching anyone else's).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/seq_file.h>

#include "internal.h"

#define IOMD_FS_MAGIC	0x696f6d64	/* "iomd" */

static struct vfsmount *iomd_mnt;

static int iomd_file_release(struct inode *inode, struct file *file)
{
	iomd_desc_put(file->private_data);
	return 0;
}

static int iomd_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct iomd_desc *desc = file->private_data;
	struct iomd_why why;
	int ret;

	ret = iomd_desc_mmap(desc, vma, &why);
	if (ret)
		iomd_desc_set_reason(desc, &why);
	return ret;
}

/* The one ioctl of a descriptor fd: IOMD_IOC_REASON about itself. */
static long iomd_file_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	if (cmd != IOMD_IOC_REASON)
		return -ENOTTY;
	return iomd_desc_reason_ioctl(file->private_data,
				      (void __user *)arg);
}

static void iomd_file_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct iomd_desc *desc = file->private_data;

	seq_printf(m, "iomd-kind:\t%u\n", desc->kind);
	seq_printf(m, "iomd-length:\t%zu\n", desc->length);
	seq_printf(m, "iomd-capacity:\t%zu\n", desc->capacity);
	seq_printf(m, "iomd-direction:\t%u\n", desc->direction);
	seq_printf(m, "iomd-options:\t%#x\n", desc->options);
	seq_printf(m, "iomd-cache:\t%s\n", iomd_cache_name(desc->cache));
}

static const struct file_operations iomd_desc_fops = {
	.owner		= THIS_MODULE,
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
 * The inode all of @desc's files share, made on first use: its
 * address_space collects the descriptor's user mappings in every process.
 */
static struct inode *iomd_desc_inode(struct iomd_desc *desc)
{
	struct inode *inode = READ_ONCE(desc->inode), *old;

	if (inode)
		return inode;
	inode = alloc_anon_inode(iomd_mnt->mnt_sb);
	if (IS_ERR(inode))
		return inode;
	inode->i_size = desc->length;
	old = cmpxchg(&desc->inode, NULL, inode);
	if (old) {
		iput(inode);
		return old;
	}
	return inode;
}

/* Drop the descriptor's own reference on its inode, when it dies. */
void iomd_file_put_inode(struct iomd_desc *desc)
{
	if (desc->inode)
		iput(desc->inode);
}

/* A new file of @desc's inode with @fops and @priv. */
static struct file *iomd_file_alloc(struct iomd_desc *desc,
				    const struct file_operations *fops,
				    void *priv)
{
	struct inode *inode;
	struct file *file;

	__module_get(THIS_MODULE);	/* dropped by fput() with the fops */
	inode = iomd_desc_inode(desc);
	if (IS_ERR(inode)) {
		file = ERR_CAST(inode);
		goto put_module;
	}
	ihold(inode);			/* the file's dentry takes it */
	file = alloc_file_pseudo(inode, iomd_mnt, "iomd", O_RDWR, fops);
	if (IS_ERR(file))
		goto put_inode;
	file->private_data = priv;
	return file;

put_inode:
	iput(inode);
put_module:
	module_put(THIS_MODULE);
	return file;
}

/* A new file holding a reference on @desc. */
struct file *iomd_file_create(struct iomd_desc *desc)
{
	struct file *file = iomd_file_alloc(desc, &iomd_desc_fops, desc);

	if (!IS_ERR(file))
		iomd_desc_get(desc);
	return file;
}

static int iomd_map_file_release(struct inode *inode, struct file *file)
{
	iomd_mapping_put(file->private_data);
	return 0;
}

static int iomd_map_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return iomd_mapping_mmap(file->private_data, vma, NULL);
}

/* Files of mapping objects: never an fd, only the mapping's vm_file. */
static const struct file_operations iomd_map_fops = {
	.owner		= THIS_MODULE,
	.release	= iomd_map_file_release,
	.mmap		= iomd_map_file_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
};

/* A file for the mapping object @map of @desc; it takes over one ref. */
struct file *iomd_file_create_mapping(struct iomd_desc *desc,
				      struct iomd_mapping *map)
{
	return iomd_file_alloc(desc, &iomd_map_fops, map);
}

/* Whether @file is one through which iomd maps a descriptor. */
bool iomd_file_is_mapping(struct file *file)
{
	return file && (file->f_op == &iomd_map_fops ||
			file->f_op == &iomd_desc_fops);
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

static int iomd_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, IOMD_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type iomd_fs_type = {
	.name			= "iomd",
	.init_fs_context	= iomd_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

int iomd_file_init(void)
{
	iomd_mnt = kern_mount(&iomd_fs_type);
	return PTR_ERR_OR_ZERO(iomd_mnt);
}

void iomd_file_exit(void)
{
	kern_unmount(iomd_mnt);
}
