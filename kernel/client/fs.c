// SPDX-License-Identifier: GPL-2.0
/*
 * The iomd pseudo filesystem.  Descriptor fds all share one inode on it,
 * as DRM's files share one f_mapping, so that exporting a descriptor
 * costs a file and no inode.  A descriptor whose own pages are mapped
 * into user space gets an inode of its own at its first mapping, with
 * one file that all its user mappings map (client/file.c), so its user
 * mappings hang off an address_space of their own, which lets them be
 * found and zapped later without touching anyone else's.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "client.h"

#define IOMD_FS_MAGIC	0x696f6d64	/* "iomd" */

static struct vfsmount *iomd_mnt;
/* The inode every descriptor fd's file shares. */
static struct inode *iomd_shared_inode;

/*
 * @desc's own inode, made at its first mapping: its address_space
 * collects the descriptor's user mappings in every process.  The
 * descriptor holds it until its release (core/descriptor.c); only the
 * file of those mappings is ever made on it (core/vma.c counts on that).
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

/*
 * A new file with @fops and @priv, of @desc's own inode with @own (for
 * its user mappings), else of the inode descriptor fds share.
 */
struct file *iomd_file_alloc(struct iomd_desc *desc, bool own,
			     const struct file_operations *fops, void *priv)
{
	struct inode *inode;
	struct file *file;

	__module_get(THIS_MODULE);	/* dropped by fput() with the fops */
	inode = own ? iomd_desc_inode(desc) : iomd_shared_inode;
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

static int iomd_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, IOMD_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type iomd_fs_type = {
	.name			= "iomd",
	.init_fs_context	= iomd_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

int iomd_fs_init(void)
{
	iomd_mnt = kern_mount(&iomd_fs_type);
	if (IS_ERR(iomd_mnt))
		return PTR_ERR(iomd_mnt);
	iomd_shared_inode = alloc_anon_inode(iomd_mnt->mnt_sb);
	if (IS_ERR(iomd_shared_inode)) {
		kern_unmount(iomd_mnt);
		return PTR_ERR(iomd_shared_inode);
	}
	return 0;
}

void iomd_fs_exit(void)
{
	iput(iomd_shared_inode);
	kern_unmount(iomd_mnt);
}
