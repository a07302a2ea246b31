// SPDX-License-Identifier: GPL-2.0
/*
 * The iomd pseudo filesystem.  Descriptor fds all share one inode and one
 * dentry on it, as DRM's files share one f_mapping, so that exporting a
 * descriptor costs a file and neither an inode nor a dentry.  A
 * descriptor whose own pages are mapped into user space gets an inode of
 * its own at its first mapping, with one file that all its user mappings
 * map (client/file.c), so its user mappings hang off an address_space of
 * their own, which lets them be found and zapped later without touching
 * anyone else's.
 */
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "client.h"

#define IOMD_FS_MAGIC	0x696f6d64	/* "iomd" */

static struct vfsmount *iomd_mnt;
/* The dentry (and inode) every descriptor fd's file is opened on. */
static struct path iomd_fd_path;

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
 * A new file of @desc's own inode with @fops and @priv, for its user
 * mappings: the only file ever made on that inode.
 */
static struct file *iomd_file_alloc_own(struct iomd_desc *desc,
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

/*
 * A new file with @fops and @priv, of @desc's own inode with @own (for
 * its user mappings), else of the dentry descriptor fds share, opened as
 * nsfs and pidfs open theirs: no dentry is made or freed per file.
 */
struct file *iomd_file_alloc(struct iomd_desc *desc, bool own,
			     const struct file_operations *fops, void *priv)
{
	struct file *file;

	if (own)
		return iomd_file_alloc_own(desc, fops, priv);
	if (WARN_ON_ONCE(fops != d_inode(iomd_fd_path.dentry)->i_fop))
		return ERR_PTR(-EINVAL);
	/*
	 * The fops' module reference is taken by the open.  FMODE_NONOTIFY
	 * (no fsnotify events on the file, whose filesystem nobody can
	 * watch) is what tells the fops' open that iomd opens it: open(2)
	 * cannot ask for it.
	 */
	file = dentry_open(&iomd_fd_path, O_RDWR | __FMODE_NONOTIFY,
			   current_cred());
	if (!IS_ERR(file))
		file->private_data = priv;
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

/**
 * iomd_fs_init() - mount the iomd filesystem
 * @fd_fops:	the file operations of descriptor fds, which are all opened
 *		on one dentry made here.
 *
 * Return: 0 or -errno.
 */
int iomd_fs_init(const struct file_operations *fd_fops)
{
	struct dentry *dentry;
	struct inode *inode;
	int ret;

	iomd_mnt = kern_mount(&iomd_fs_type);
	if (IS_ERR(iomd_mnt))
		return PTR_ERR(iomd_mnt);
	inode = alloc_anon_inode(iomd_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto unmount;
	}
	inode->i_fop = fd_fops;
	dentry = d_alloc_name(iomd_mnt->mnt_root, "iomd");
	if (!dentry) {
		ret = -ENOMEM;
		goto put_inode;
	}
	d_instantiate(dentry, inode);	/* the dentry holds the inode */
	iomd_fd_path.mnt = mntget(iomd_mnt);
	iomd_fd_path.dentry = dentry;
	return 0;

put_inode:
	iput(inode);
unmount:
	kern_unmount(iomd_mnt);
	return ret;
}

/** iomd_fs_exit() - unmount the iomd filesystem, its files all gone */
void iomd_fs_exit(void)
{
	path_put(&iomd_fd_path);
	kern_unmount(iomd_mnt);
}
