// SPDX-License-Identifier: GPL-2.0
/*
 * The iomd pseudo filesystem: each exported descriptor gets its own inode
 * on it, which every file of the descriptor shares (its fd, its mapping
 * objects' files, its dma-buf's mappings), so its user mappings hang off
 * an address_space of their own, which lets them be found and zapped
 * later without touching anyone else's.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "client.h"

#define IOMD_FS_MAGIC	0x696f6d64	/* "iomd" */

static struct vfsmount *iomd_mnt;

/*
 * The inode all of @desc's files share, made on first use: its
 * address_space collects the descriptor's user mappings in every process.
 * The descriptor holds it until its release (core/descriptor.c); no other
 * file is ever made on it (core/vma.c counts on that).
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

/* A new file of @desc's inode with @fops and @priv. */
struct file *iomd_file_alloc(struct iomd_desc *desc,
			     const struct file_operations *fops, void *priv)
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
	return PTR_ERR_OR_ZERO(iomd_mnt);
}

void iomd_fs_exit(void)
{
	kern_unmount(iomd_mnt);
}
