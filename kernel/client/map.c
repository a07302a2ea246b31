// SPDX-License-Identifier: GPL-2.0
/*
 * User mappings of descriptors (I/O Kit's createMappingInTask and
 * IOMemoryMap): which mappings may be made (the kind's mapping policy,
 * struct iomd_desc_ops), and mapping objects, whose options reach the
 * descriptor file's mmap as map requests.  A mapping of the memory's
 * own pages gets the core's vm_operations (core/vma.c); one of memory
 * that belongs to an object of its own is forwarded to that object
 * through a window (core/window.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "client.h"

/**
 * struct iomd_map_request - a map call under way
 * @node:	in the descriptor's @map_requests.
 * @task:	the task making the call, inside vm_mmap().
 * @options:	IOMD_MAP_* options.
 * @why:	why the mmap failed, for the caller.
 *
 * How a map call's options reach the descriptor file's mmap, which
 * vm_mmap() calls in the same task: a task is in one vm_mmap() at a time.
 */
struct iomd_map_request {
	struct list_head node;
	struct task_struct *task;
	u32 options;
	struct iomd_why why;
};

/*
 * Map @vma, checked and set up for @desc, as a window onto the object
 * @desc's memory belongs to: the mapping becomes the object's own.
 */
static int iomd_map_object(struct iomd_desc *desc, struct vm_area_struct *vma,
			   u32 options, struct iomd_why *why)
{
	struct path object = {};
	struct file *window;
	pgoff_t base;
	int ret;

	ret = desc->ops->map_object(desc, &object, &base, why);
	if (ret)
		return ret;
	window = iomd_window_open(desc, &object, base,
				  vma->vm_flags & VM_MAYWRITE,
				  options & IOMD_MAP_NOFORK);
	path_put(&object);
	if (IS_ERR(window))
		return iomd_fail(why, PTR_ERR(window),
				 "cannot open the memory's object");
	/* The window's checks and the object's mmap() run as for a new one. */
	vma_set_file(vma, window);
	vma->vm_pgoff += base;
	ret = window->f_op->mmap(window, vma);
	fput(window);			/* the mapping holds it */
	if (ret)
		iomd_fail(why, ret, "the memory's object refused the mapping");
	return ret;
}

/* Set up @vma for @desc with IOMD_MAP_* @options; nothing is installed. */
static int iomd_map_vma(struct iomd_desc *desc, struct vm_area_struct *vma,
			u32 options, struct iomd_why *why)
{
	unsigned long count = vma_pages(vma);
	int ret;

	ret = iomd_desc_hold(desc, why);
	if (ret)
		return ret;
	if (!desc->user_shareable) {
		ret = iomd_desc_share_refusal(desc, why);
		goto unhold;
	}
	ret = iomd_desc_cache_check(desc, (options & IOMD_MAP_CACHE_MASK) >>
					  IOMD_MAP_CACHE_SHIFT, why);
	if (ret)
		goto unhold;
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		ret = iomd_fail(why, -EINVAL,
				"private mappings would copy on write and stop sharing; use MAP_SHARED");
		goto unhold;
	}
	if (vma->vm_pgoff > desc->npages ||
	    count > desc->npages - vma->vm_pgoff) {
		ret = iomd_fail(why, -EINVAL,
				"mapping %lu pages at page %lu passes the end of the descriptor (%lu pages)",
				count, vma->vm_pgoff, desc->npages);
		goto unhold;
	}
	if (!(desc->direction & IOMD_DIR_OUT) || !desc->writable ||
	    (options & IOMD_MAP_READONLY)) {
		if ((vma->vm_flags & VM_WRITE) && !desc->writable) {
			ret = iomd_fail(why, -EACCES,
					"the memory was pinned read-only (direction OUT); map it without PROT_WRITE");
			goto unhold;
		}
		if ((vma->vm_flags & VM_WRITE) &&
		    !(desc->direction & IOMD_DIR_OUT)) {
			ret = iomd_fail(why, -EACCES,
					"descriptor direction IN lets user space read only; map it without PROT_WRITE");
			goto unhold;
		}
		if (vma->vm_flags & VM_WRITE) {
			ret = iomd_fail(why, -EACCES,
					"the mapping was asked read-only");
			goto unhold;
		}
		iomd_vm_flags_clear(vma, VM_MAYWRITE);
	}

	if (desc->ops->map_object) {
		ret = iomd_map_object(desc, vma, options, why);
		iomd_desc_unhold(desc);
		return ret;
	}
	/* Memory another object maps itself (dma_buf_mmap()). */
	if (desc->ops->mmap) {
		ret = desc->ops->mmap(desc, vma, why);
		if (!ret && (options & IOMD_MAP_NOFORK))
			iomd_vm_flags_set(vma, VM_DONTCOPY);
		iomd_desc_unhold(desc);
		return ret;
	}

	ret = iomd_file_own_vma(desc, vma);
	if (ret) {
		iomd_fail(why, ret, "cannot create the descriptor's file");
		goto unhold;
	}
	ret = iomd_vma_map_pages(desc, vma, options);
	if (ret) {
		iomd_fail(why, ret, "out of memory for the mapping");
		goto unhold;
	}
	return 0;

unhold:
	iomd_desc_unhold(desc);
	return ret;
}

/**
 * iomd_desc_mmap() - map a descriptor into the task that owns @vma
 * @desc:	the descriptor; the caller keeps it alive until this returns.
 * @vma:	the new mapping, as handed to a driver's mmap file operation;
 *		vma->vm_pgoff is the first page of @desc to map.
 * @why:	failure reason; may be NULL.
 *
 * Drivers call this from their own mmap() to give user space a
 * descriptor's memory.  The whole mapping is installed at its first
 * touch, in batches.  A descriptor without IOMD_DIR_OUT is mapped
 * read-only and can never be made writable.  The mapping cannot be grown
 * with mremap().  The mapping has the descriptor's cache mode
 * (iomd_desc_cache_mode()).  A mapping of the descriptor's own pages is
 * moved to the one file of the descriptor's own inode that all its user
 * mappings share (which holds a reference on it, iomd_file_user()), so
 * that iomd_desc_revoke() reaches it whatever file the caller's mmap()
 * was on.
 *
 * Context: mmap_lock held for writing, as in f_op->mmap.
 * Return: 0, -EINVAL (private mapping, or the range passes the end),
 * -EACCES (writable mapping of a read-only descriptor), -EPERM (memory
 * that cannot be shared with user space: zone memory, partial pages, a
 * buffer made without IOMD_BUF_KERNEL_USER_SHARED, private user memory,
 * a composite with such a part or a part that is not whole pages; the
 * reason names the remedy), -ENODATA (user memory, or a composite holding
 * it, not wired), -ENODEV (revoked), or -ENOMEM.
 */
int iomd_desc_mmap(struct iomd_desc *desc, struct vm_area_struct *vma,
		   struct iomd_why *why)
{
	return iomd_map_vma(desc, vma, 0, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_mmap);

/*
 * f_op->mmap of @desc's files: with the options of the current task's map
 * call (iomd_map_into()) if it is in one, else a plain mmap(), whose
 * failure @desc remembers for IOMD_IOC_REASON.
 */
int iomd_map_file_mmap(struct iomd_desc *desc, struct vm_area_struct *vma)
{
	struct iomd_map_request *req, *found = NULL;
	struct iomd_why why;
	int ret;

	spin_lock(&desc->user_lock);
	list_for_each_entry(req, &desc->map_requests, node) {
		if (req->task == current) {
			found = req;
			break;
		}
	}
	spin_unlock(&desc->user_lock);
	/* Only its task removes it, after vm_mmap(): it stays meanwhile. */
	if (found)
		return iomd_map_vma(desc, vma, found->options, &found->why);
	ret = iomd_desc_mmap(desc, vma, &why);
	if (ret)
		iomd_desc_set_reason(desc, &why);
	return ret;
}

/**
 * iomd_mapping_put() - free a mapping object
 * @map: the mapping object; NULL is ignored.
 *
 * The mapping itself lives on until it is unmapped.
 */
void iomd_mapping_put(struct iomd_mapping *map)
{
	kfree(map);
}
EXPORT_SYMBOL_GPL(iomd_mapping_put);

/**
 * iomd_mapping_address() - where a mapping object's data starts
 * @map: the mapping object.
 *
 * Return: the user address of the first mapped byte, which is inside the
 * first page when the mapped offset was not page-aligned.
 */
unsigned long iomd_mapping_address(const struct iomd_mapping *map)
{
	return map->map_addr + offset_in_page(map->offset);
}
EXPORT_SYMBOL_GPL(iomd_mapping_address);

/**
 * iomd_mapping_length() - bytes of data a mapping object maps
 * @map: the mapping object.
 *
 * Return: the length asked for, unrounded; the mapping is whole pages.
 */
u64 iomd_mapping_length(const struct iomd_mapping *map)
{
	return map->length;
}
EXPORT_SYMBOL_GPL(iomd_mapping_length);

/*
 * vm_mmap() @file, a file of @desc, with IOMD_MAP_* @options, which its
 * mmap finds in @desc's map requests.
 */
static unsigned long iomd_map_request_mmap(struct iomd_desc *desc,
					   struct file *file, u32 options,
					   unsigned long hint,
					   unsigned long len,
					   unsigned long prot,
					   unsigned long flags,
					   unsigned long pgoff,
					   struct iomd_why *why)
{
	struct iomd_map_request req = {
		.task = current,
		.options = options,
	};
	unsigned long uaddr;

	iomd_why_clear(&req.why);
	spin_lock(&desc->user_lock);
	list_add(&req.node, &desc->map_requests);
	spin_unlock(&desc->user_lock);
	uaddr = vm_mmap(file, hint, len, prot, flags, pgoff << PAGE_SHIFT);
	spin_lock(&desc->user_lock);
	list_del(&req.node);
	spin_unlock(&desc->user_lock);
	if (IS_ERR_VALUE(uaddr) && req.why.err && why)
		*why = req.why;
	else if (IS_ERR_VALUE(uaddr))
		iomd_fail(why, (long)uaddr, (long)uaddr == -EEXIST ?
			  "the fixed range at 0x%lx is already mapped; it is not replaced" :
			  "mmap at 0x%lx failed", hint);
	return uaddr;
}

/**
 * iomd_map_into() - map a descriptor into the current task
 * @map:	the mapping object to fill in.
 * @desc:	the descriptor.
 * @options:	IOMD_MAP_* options.
 * @addr:	with IOMD_MAP_FIXED, where the first mapped byte must be.
 * @offset:	first byte of @desc to map.
 * @length:	bytes to map; 0 means to the end of @desc.
 * @why:	failure reason; may be NULL.
 *
 * iomd_map_create() into a mapping object of the caller's.
 *
 * Return: 0, or iomd_map_create()'s errors.
 */
int iomd_map_into(struct iomd_mapping *map, struct iomd_desc *desc,
		  u32 options, unsigned long addr, u64 offset, u64 length,
		  struct iomd_why *why)
{
	unsigned long flags = MAP_SHARED, hint = 0, prot = PROT_READ, uaddr;
	struct file *file;
	u64 first, end;
	int ret;

	if (options & ~IOMD_MAP_OPTIONS)
		return iomd_fail(why, -EINVAL, "unknown options 0x%x",
				 options & ~IOMD_MAP_OPTIONS);
	if (!length) {
		if (offset >= desc->length)
			return iomd_fail(why, -ERANGE,
					 "offset %llu is past the descriptor's length %zu",
					 offset, desc->length);
		length = desc->length - offset;
	}
	ret = iomd_desc_check_range(desc, offset, length, why);
	if (ret)
		return ret;
	first = offset >> PAGE_SHIFT;
	end = (offset + length + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (options & IOMD_MAP_FIXED) {
		if (offset_in_page(addr) != offset_in_page(offset))
			return iomd_fail(why, -EINVAL,
					 "fixed address 0x%lx is %lu bytes into its page but the data is %lu bytes into its; it is not moved",
					 addr, offset_in_page(addr),
					 (unsigned long)offset_in_page(offset));
		hint = addr & PAGE_MASK;
		flags |= MAP_FIXED_NOREPLACE;
	}
	if ((desc->direction & IOMD_DIR_OUT) && desc->writable &&
	    !(options & IOMD_MAP_READONLY))
		prot |= PROT_WRITE;
	/*
	 * A window onto an object, or a mapping the object made itself, is
	 * filled in by the core, as mmap() would.
	 */
	if ((desc->ops->map_object || desc->ops->mmap) &&
	    !(options & IOMD_MAP_ONDEMAND))
		flags |= MAP_POPULATE;
	/*
	 * The file of @desc's own inode its user mappings share: where a
	 * mapping of its own pages stays, and what the others start on
	 * before their object takes the mapping over.
	 */
	file = iomd_file_user(desc);
	if (IS_ERR(file))
		return iomd_fail(why, PTR_ERR(file),
				 "cannot create the descriptor's file");
	map->offset = offset;
	map->length = length;
	map->map_len = (end - first) << PAGE_SHIFT;
	uaddr = iomd_map_request_mmap(desc, file, options, hint, map->map_len,
				      prot, flags, first, why);
	fput(file);			/* the mapping has its own */
	if (IS_ERR_VALUE(uaddr))
		return (long)uaddr;
	map->map_addr = uaddr;

	if (!(options & IOMD_MAP_ONDEMAND) && !desc->ops->map_object &&
	    !desc->ops->mmap) {
		ret = iomd_vma_populate(desc, uaddr);
		if (ret && ret != -EBUSY) {
			iomd_fail(why, ret, "installing the pages failed");
			vm_munmap(uaddr, map->map_len);
			return ret;
		}
	}
	return 0;
}

/**
 * iomd_map_create() - map a descriptor into the current task
 * @desc:	the descriptor.
 * @options:	IOMD_MAP_* options.
 * @addr:	with IOMD_MAP_FIXED, where the first mapped byte must be;
 *		its offset in its page must be @offset's.  Else ignored.
 * @offset:	first byte of @desc to map; need not be page-aligned.
 * @length:	bytes to map; 0 means to the end of @desc.
 * @why:	failure reason; may be NULL.
 *
 * I/O Kit's createMappingInTask(current task, address, options, offset,
 * length).  The mapping is whole pages around the asked bytes; the mapping
 * object reports where the data starts (iomd_mapping_address()) and its
 * unrounded length.  Unless IOMD_MAP_ONDEMAND, every page is installed
 * before returning.  IOMD_MAP_READONLY mappings can never be made
 * writable (mprotect(), process_vm_writev() and ptrace writes fail).
 * IOMD_MAP_NOFORK mappings are not inherited by children (MADV_DONTFORK;
 * MADV_DOFORK undoes it).  Buffers made of PMD-order folios get PMD
 * entries where the placement allows, unless IOMD_MAP_NOHUGE.  The
 * mapping has @desc's cache mode; IOMD_MAP_CACHE(mode) with a mode it
 * does not have is refused.  A fixed
 * mapping is never moved: a misaligned @addr or a range already mapped is
 * refused.  A mapping of @desc's own pages is a mapping of the one file
 * of @desc's own inode that all of them share (as mmap() of a descriptor
 * fd gives); the mapping object is only a record of where it went, and
 * holds neither the mapping nor @desc.
 *
 * Context: process context, in the task to map into; may sleep.
 * Return: the mapping object, which the caller frees with
 * iomd_mapping_put(); or ERR_PTR(-EINVAL) (bad options or fixed address,
 * and the iomd_desc_mmap() refusals), ERR_PTR(-ERANGE)/ERR_PTR(-EOVERFLOW)
 * for the range, ERR_PTR(-EEXIST) (fixed range taken), ERR_PTR(-EPERM),
 * ERR_PTR(-EACCES), ERR_PTR(-ENODATA), ERR_PTR(-ENODEV), ERR_PTR(-ENOMEM),
 * ERR_PTR(-EOPNOTSUPP) (a cache mode @desc's memory does not have).
 */
struct iomd_mapping *iomd_map_create(struct iomd_desc *desc, u32 options,
				     unsigned long addr, u64 offset,
				     u64 length, struct iomd_why *why)
{
	struct iomd_mapping *map;
	int ret;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	ret = iomd_map_into(map, desc, options, addr, offset, length, why);
	if (ret) {
		kfree(map);
		return ERR_PTR(ret);
	}
	return map;
}
EXPORT_SYMBOL_GPL(iomd_map_create);
