// SPDX-License-Identifier: GPL-2.0
/*
 * Windows: user mappings of memory that belongs to a shared object of its
 * own (a shmem, memfd or tmpfs file, or shared anonymous memory, which is
 * shmem too), made by mapping that object, as dma_buf_mmap() hands a
 * mapping to the object that owns the memory.  iomd never inserts such
 * pages into a mapping of its own: a mapping of the object is what its
 * truncation, hole punching, reclaim and swap know how to find.
 *
 * A window is a file opened on the object's inode whose file operations
 * are iomd's: the mapping is the object's (its inode, address_space and
 * vm_ops), but the file lets it reach only the pages the descriptor
 * covers.  Handing the object's own file to the mapping would let its new
 * holder reach the whole object, by remap_file_pages() at another offset
 * or mremap() to a larger size.
 *
 * Windows are revocable: a window's faults go through iomd, which refuses
 * them once the descriptor is revoked, and revocation zaps the object's
 * pages the window covers (in every mapping of them: the owner's own
 * simply fault them in again).  Revocation holds revoke_lock for writing,
 * which a fault holds for reading from its check until the object's
 * fault handler returns.  That handler returns its folio locked and the
 * entry is installed after it returns, so revocation then waits on the
 * lock of every folio in the window before zapping: no entry is installed
 * after its zap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "core.h"

/**
 * struct iomd_window - what a window file lets a mapping reach
 * @desc:	the descriptor (a reference), whose revocation ends it.
 * @node:	entry in @desc->windows.
 * @mapping:	the object's pages (its file's, which the window holds).
 * @base:	page of the object where the descriptor's page 0 lies.
 * @npages:	pages of the object from @base on that may be mapped.
 * @writable:	mappings may be writable.
 * @nofork:	mappings are not inherited by children.
 * @object_ops:	the object's vm_ops, which iomd's call on.
 */
struct iomd_window {
	struct iomd_desc *desc;
	struct list_head node;
	struct address_space *mapping;
	pgoff_t base;
	unsigned long npages;
	bool writable;
	bool nofork;
	const struct vm_operations_struct *object_ops;
};

static const struct file_operations iomd_window_fops;

/**
 * iomd_object_inode() - the shared object a user mapping belongs to
 * @vma:	a user mapping.
 *
 * Return: the shmem inode whose pages @vma maps, when it is one iomd can
 * forward mappings to (a shmem file mapped through its own file
 * operations, or a window onto one); NULL for anything else, SysV shared
 * memory included, whose file operations keep state of their own.
 */
struct inode *iomd_object_inode(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	struct inode *inode;

	if (!file || !shmem_file(file))
		return NULL;
	inode = file_inode(file);
	if (!S_ISREG(inode->i_mode))
		return NULL;
	if (file->f_op != inode->i_fop && file->f_op != &iomd_window_fops)
		return NULL;
	return inode;
}

/* Whether @file is a window. */
bool iomd_file_is_window(struct file *file)
{
	return file && file->f_op == &iomd_window_fops;
}

/**
 * iomd_window_offset() - a window mapping's offset in its descriptor
 * @vma:	a mapping of a window file.
 *
 * Return: the byte of the descriptor that @vma's first page shows.
 */
u64 iomd_window_offset(struct vm_area_struct *vma)
{
	const struct iomd_window *w = vma->vm_file->private_data;

	return (u64)(vma->vm_pgoff - w->base) << PAGE_SHIFT;
}

static int iomd_window_release(struct inode *inode, struct file *file)
{
	struct iomd_window *w = file->private_data;

	mutex_lock(&w->desc->windows_lock);
	list_del(&w->node);
	mutex_unlock(&w->desc->windows_lock);
	iomd_desc_put(w->desc);
	kfree(w);
	return 0;
}

/*
 * The object's fault, unless the descriptor is revoked.  Held across it,
 * revoke_lock makes iomd_windows_revoke() find the folio of any fault
 * that passed the check locked (see the comment at the top).
 */
static vm_fault_t iomd_window_fault(struct vm_fault *vmf)
{
	const struct iomd_window *w = vmf->vma->vm_file->private_data;
	vm_fault_t fault;

	down_read(&w->desc->revoke_lock);
	if (w->desc->revoked)
		fault = VM_FAULT_SIGBUS;
	else
		fault = w->object_ops->fault(vmf);
	up_read(&w->desc->revoke_lock);
	return fault;
}

/*
 * No fault-around (->map_pages) and no page_mkwrite: shmem has none, and
 * every entry must come through iomd_window_fault().
 */
static const struct vm_operations_struct iomd_window_vm_ops = {
	.fault = iomd_window_fault,
};

/*
 * f_op->mmap of a window, for every mapping of it: the first, and any
 * remap_file_pages() of it later.  The object's own mmap does the rest.
 */
static int iomd_window_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct iomd_window *w = file->private_data;
	struct inode *inode = file_inode(file);
	unsigned long count = vma_pages(vma);
	int ret;

	if (vma->vm_pgoff < w->base || vma->vm_pgoff - w->base > w->npages ||
	    count > w->npages - (vma->vm_pgoff - w->base))
		return -EINVAL;
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (READ_ONCE(w->desc->revoked))
		return -ENODEV;
	if (!w->writable) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		iomd_vm_flags_clear(vma, VM_MAYWRITE | VM_SHARED);
	}
	/* Growing the mapping would reach past the window. */
	iomd_vm_flags_set(vma, VM_DONTEXPAND | (w->nofork ? VM_DONTCOPY : 0));
	ret = inode->i_fop->mmap(file, vma);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(!vma->vm_ops || !vma->vm_ops->fault))
		return -ENODEV;
	w->object_ops = vma->vm_ops;
	vma->vm_ops = &iomd_window_vm_ops;
	return 0;
}

static const struct file_operations iomd_window_fops = {
	.owner		= THIS_MODULE,
	.release	= iomd_window_release,
	.mmap		= iomd_window_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
};

/**
 * iomd_window_open() - a window onto the object a descriptor's memory is in
 * @desc:	the descriptor, whose pages are the object's from @base on.
 * @object:	path of the object (a shmem inode, see iomd_object_inode()).
 * @base:	page of the object where the descriptor's page 0 lies.
 * @writable:	whether mappings may be writable.
 * @nofork:	whether mappings are kept from children.
 *
 * The file is never given an fd: it only becomes the vm_file of mappings.
 *
 * Return: the file, or an ERR_PTR.
 */
struct file *iomd_window_open(struct iomd_desc *desc,
			      const struct path *object, pgoff_t base,
			      bool writable, bool nofork)
{
	struct iomd_window *w;
	struct file *file;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->base = base;
	w->npages = desc->npages;
	w->writable = writable;
	w->nofork = nofork;
	file = dentry_open(object, writable ? O_RDWR : O_RDONLY,
			   current_cred());
	if (IS_ERR(file)) {
		kfree(w);
		return file;
	}
	/* The object's own operations are reached through its inode. */
	__module_get(THIS_MODULE);	/* dropped by fput() with the fops */
	fops_put(file->f_op);
	file->f_op = &iomd_window_fops;
	w->mapping = file->f_mapping;
	w->desc = iomd_desc_get(desc);
	mutex_lock(&desc->windows_lock);
	list_add(&w->node, &desc->windows);
	mutex_unlock(&desc->windows_lock);
	file->private_data = w;
	return file;
}

/* Wait for faults that hold a folio of [@start, @end] locked to finish. */
static void iomd_window_wait_faults(struct address_space *mapping,
				    pgoff_t start, pgoff_t end)
{
	struct folio_batch fbatch;
	unsigned int i;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &start, end, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			folio_lock(fbatch.folios[i]);
			folio_unlock(fbatch.folios[i]);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
}

/**
 * iomd_windows_revoke() - zap every window mapping of a descriptor
 * @desc:	the descriptor being revoked; its revoke_lock held for
 *		writing, so no window fault passes its check meanwhile.
 *
 * Every entry the object's pages in a window have, in any mapping, is
 * zapped once the faults that passed the check before have installed
 * theirs.
 */
void iomd_windows_revoke(struct iomd_desc *desc)
{
	struct iomd_window *w;

	mutex_lock(&desc->windows_lock);
	list_for_each_entry(w, &desc->windows, node) {
		iomd_window_wait_faults(w->mapping, w->base,
					w->base + w->npages - 1);
		unmap_mapping_range(w->mapping, (loff_t)w->base << PAGE_SHIFT,
				    (loff_t)w->npages << PAGE_SHIFT, 0);
	}
	mutex_unlock(&desc->windows_lock);
}
