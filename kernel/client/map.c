// SPDX-License-Identifier: GPL-2.0
/*
 * User mappings of descriptors (I/O Kit's createMappingInTask and
 * IOMemoryMap): which mappings may be made (the kind's mapping policy,
 * struct iomd_desc_ops), and mapping objects.  A mapping of the memory's
 * own pages gets the core's vm_operations (core/vma.c); one of memory
 * that belongs to an object of its own is forwarded to that object
 * through a window (core/window.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/kref.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "client.h"

/**
 * struct iomd_mapping - a mapping object (I/O Kit's IOMemoryMap)
 * @ref:	held by the mapping's file and by the creator.
 * @desc:	the mapped descriptor (a reference).
 * @options:	IOMD_MAP_* options.
 * @why:	why the mmap failed, for the creator.
 * @mm:		the task's address space (grabbed) once mapped.
 * @map_addr:	start of the whole-page mapping.
 * @map_len:	its length.
 * @offset:	first byte of the descriptor mapped.
 * @length:	bytes of the descriptor mapped, unrounded.
 */
struct iomd_mapping {
	struct kref ref;
	struct iomd_desc *desc;
	u32 options;
	struct iomd_why why;
	struct mm_struct *mm;
	unsigned long map_addr;
	unsigned long map_len;
	u64 offset;
	u64 length;
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
	iomd_vma_map_pages(desc, vma, options);
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
 * moved to a file of the descriptor's own inode (which holds a reference
 * on it), so that iomd_desc_revoke() reaches it whatever file the
 * caller's mmap() was on.
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

/* f_op->mmap of a mapping object's file. */
static int iomd_mapping_mmap(struct iomd_mapping *map,
			     struct vm_area_struct *vma, struct iomd_why *why)
{
	int ret = iomd_map_vma(map->desc, vma, map->options, &map->why);

	if (ret && why)
		*why = map->why;
	return ret;
}

static void iomd_mapping_release(struct kref *ref)
{
	struct iomd_mapping *map = container_of(ref, struct iomd_mapping, ref);

	if (map->mm)
		mmdrop(map->mm);
	iomd_desc_put(map->desc);
	kfree(map);
}

/**
 * iomd_mapping_put() - drop a reference on a mapping object
 * @map: the mapping object; NULL is ignored.
 *
 * The mapping itself lives on until it is unmapped.
 */
void iomd_mapping_put(struct iomd_mapping *map)
{
	if (map)
		kref_put(&map->ref, iomd_mapping_release);
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

static int iomd_mapping_file_release(struct inode *inode, struct file *file)
{
	iomd_mapping_put(file->private_data);
	return 0;
}

static int iomd_mapping_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return iomd_mapping_mmap(file->private_data, vma, NULL);
}

/* Files of mapping objects: never an fd, only the mapping's vm_file. */
static const struct file_operations iomd_mapping_fops = {
	.owner		= THIS_MODULE,
	.release	= iomd_mapping_file_release,
	.mmap		= iomd_mapping_file_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
};

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
 * refused.
 *
 * Context: process context, in the task to map into; may sleep.
 * Return: the mapping object, holding a reference the caller drops with
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
	unsigned long flags = MAP_SHARED, hint = 0, prot = PROT_READ, uaddr;
	u64 first, end;
	struct iomd_mapping *map;
	struct file *file;
	int ret;

	if (options & ~IOMD_MAP_OPTIONS)
		return ERR_PTR(iomd_fail(why, -EINVAL, "unknown options 0x%x",
					 options & ~IOMD_MAP_OPTIONS));
	if (!length) {
		if (offset >= desc->length)
			return ERR_PTR(iomd_fail(why, -ERANGE,
						 "offset %llu is past the descriptor's length %zu",
						 offset, desc->length));
		length = desc->length - offset;
	}
	ret = iomd_desc_check_range(desc, offset, length, why);
	if (ret)
		return ERR_PTR(ret);
	first = offset >> PAGE_SHIFT;
	end = (offset + length + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (options & IOMD_MAP_FIXED) {
		if (offset_in_page(addr) != offset_in_page(offset))
			return ERR_PTR(iomd_fail(why, -EINVAL,
						 "fixed address 0x%lx is %lu bytes into its page but the data is %lu bytes into its; it is not moved",
						 addr, offset_in_page(addr),
						 (unsigned long)offset_in_page(offset)));
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
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	kref_init(&map->ref);
	map->desc = iomd_desc_get(desc);
	map->options = options;
	map->offset = offset;
	map->length = length;
	file = iomd_file_alloc(desc, true, &iomd_mapping_fops, map);
	if (IS_ERR(file)) {
		iomd_mapping_put(map);
		return ERR_PTR(iomd_fail(why, PTR_ERR(file),
					 "cannot create the mapping's file"));
	}
	kref_get(&map->ref);		/* the file's */
	uaddr = vm_mmap(file, hint, (end - first) << PAGE_SHIFT, prot, flags,
			first << PAGE_SHIFT);
	fput(file);			/* the mapping has its own */
	if (IS_ERR_VALUE(uaddr)) {
		ret = (long)uaddr;
		if (map->why.err) {
			if (why)
				*why = map->why;
		} else {
			iomd_fail(why, ret, ret == -EEXIST ?
				  "the fixed range at 0x%lx is already mapped; it is not replaced" :
				  "mmap at 0x%lx failed", hint);
		}
		iomd_mapping_put(map);
		return ERR_PTR(ret);
	}
	map->map_addr = uaddr;
	map->map_len = (end - first) << PAGE_SHIFT;
	mmgrab(current->mm);
	map->mm = current->mm;

	if (!(options & IOMD_MAP_ONDEMAND) && !desc->ops->map_object &&
	    !desc->ops->mmap) {
		ret = iomd_vma_populate(desc, uaddr);
		if (ret && ret != -EBUSY) {
			iomd_fail(why, ret, "installing the pages failed");
			vm_munmap(uaddr, map->map_len);
			iomd_mapping_put(map);
			return ERR_PTR(ret);
		}
	}
	return map;
}
EXPORT_SYMBOL_GPL(iomd_map_create);

