// SPDX-License-Identifier: GPL-2.0
/*
 * User mappings of descriptors (I/O Kit's createMappingInTask and
 * IOMemoryMap).  Pages are inserted as struct pages into a VM_MIXEDMAP
 * mapping, never as raw PFNs, so that pin_user_pages() users such as
 * O_DIRECT and io_uring keep working on the mapped range.
 *
 * Page-table entries are only ever installed once the mapping is linked
 * into the descriptor's address_space, and under revoke_lock: at the first
 * fault (the whole mapping at once, in batches) or, for IOMD_IOC_MAP with
 * prefault, right after the mapping is made.  So a revoke, which zaps
 * every linked mapping under the same lock, can never miss one.
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

#include "internal.h"

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

/* 0, or -ENODEV with the reason once the descriptor is revoked. */
int iomd_revoked_check(struct iomd_desc *desc, struct iomd_why *why)
{
	if (likely(!READ_ONCE(desc->revoked)))
		return 0;
	return iomd_fail(why, -ENODEV,
			 "the descriptor was revoked by its driver (device removed?)");
}

/*
 * Install the whole of @vma, a page table's worth (up to the next PMD
 * boundary) at a time: a mapping can be large (a 4 GiB one is a million
 * entries), so between batches it reschedules and stops for a fatal
 * signal.  revoke_lock held for reading.
 * Return: 0, -EINTR (killed), -ENODEV (revoked), or vm_insert_pages()'s
 * error (-EBUSY where an entry is installed already).
 */
static int iomd_map_populate_locked(struct vm_area_struct *vma)
{
	struct iomd_desc *desc = vma->vm_private_data;
	struct page **pages = desc->pages + vma->vm_pgoff;
	unsigned long addr = vma->vm_start, next, left;
	int ret;

	if (desc->revoked)
		return -ENODEV;
	for (; addr < vma->vm_end; addr = next) {
		next = pmd_addr_end(addr, vma->vm_end);
		left = (next - addr) >> PAGE_SHIFT;
		ret = vm_insert_pages(vma, addr, pages, &left);
		if (ret)
			return ret;
		pages += (next - addr) >> PAGE_SHIFT;
		if (next == vma->vm_end)
			break;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static vm_fault_t iomd_map_fault_common(struct vm_fault *vmf, bool whole)
{
	struct vm_area_struct *vma = vmf->vma;
	struct iomd_desc *desc = vma->vm_private_data;
	vm_fault_t fault = VM_FAULT_NOPAGE;
	int ret;

	if (vmf->pgoff >= desc->npages)
		return VM_FAULT_SIGBUS;
	down_read(&desc->revoke_lock);
	if (desc->revoked) {
		fault = VM_FAULT_SIGBUS;
		goto unlock;
	}
	/*
	 * A prefaulted mapping installs everything at its first fault; a
	 * later fault (after MADV_DONTNEED, say) finds entries in place and
	 * falls back to the one page.
	 */
	ret = whole ? iomd_map_populate_locked(vma) : -EBUSY;
	if (ret)
		ret = vm_insert_page(vma, vmf->address & PAGE_MASK,
				     desc->pages[vmf->pgoff]);
	if (ret && ret != -EBUSY)
		fault = ret == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
unlock:
	up_read(&desc->revoke_lock);
	return fault;
}

static vm_fault_t iomd_map_fault_prefault(struct vm_fault *vmf)
{
	return iomd_map_fault_common(vmf, true);
}

static vm_fault_t iomd_map_fault_ondemand(struct vm_fault *vmf)
{
	return iomd_map_fault_common(vmf, false);
}

/*
 * Each mapping holds the descriptor's pages (a wire count, for user
 * memory) so that faults and the mapping itself never see them change;
 * a copy made by fork() or a split takes its own.
 */
static void iomd_map_open(struct vm_area_struct *vma)
{
	WARN_ON_ONCE(iomd_desc_hold_pages(vma->vm_private_data, NULL));
}

static void iomd_map_close(struct vm_area_struct *vma)
{
	iomd_desc_unhold(vma->vm_private_data);
}

static const struct vm_operations_struct iomd_vm_ops_prefault = {
	.open = iomd_map_open,
	.close = iomd_map_close,
	.fault = iomd_map_fault_prefault,
};

static const struct vm_operations_struct iomd_vm_ops_ondemand = {
	.open = iomd_map_open,
	.close = iomd_map_close,
	.fault = iomd_map_fault_ondemand,
};

/*
 * Mappings of descriptors made of PMD-order folios, aligned so that the
 * folios fall on PMD boundaries: not VM_MIXEDMAP (whose huge entries
 * the core treats as raw PFNs), the fault hands the page to the core
 * instead, which maps a whole PMD-order folio with one PMD entry
 * (do_set_pmd()) when it fits and other pages with a PTE.  The folio
 * lock, held from the revoked check until the entry is in place, is
 * what iomd_desc_revoke() takes (every folio's) around marking the
 * descriptor revoked and zapping, so no entry appears after its zap.
 * The mapping is writable from the first fault on (shared, no write
 * notification), so a later write never splits a PMD.
 */
static vm_fault_t iomd_map_fault_folio(struct vm_fault *vmf)
{
	struct iomd_desc *desc = vmf->vma->vm_private_data;
	struct folio *folio;
	struct page *page;

	if (vmf->pgoff >= desc->npages)
		return VM_FAULT_SIGBUS;
	page = desc->pages[vmf->pgoff];
	folio = page_folio(page);
	folio_lock(folio);
	if (READ_ONCE(desc->revoked)) {
		folio_unlock(folio);
		return VM_FAULT_SIGBUS;
	}
	folio_get(folio);
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct iomd_vm_ops_folio = {
	.open = iomd_map_open,
	.close = iomd_map_close,
	.fault = iomd_map_fault_folio,
};

/* Whether @vma of @desc can have PMD entries. */
static bool iomd_map_pmd_capable(struct iomd_desc *desc,
				 struct vm_area_struct *vma)
{
	unsigned long nr = 1UL << IOMD_PMD_ORDER;

	return IOMD_PMD_ORDER && desc->nr_pmd_folios &&
	       vma->vm_pgoff < desc->nr_pmd_folios * nr &&
	       IS_ALIGNED((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff, nr);
}

/* Whether @vma is an iomd mapping (of a descriptor or mapping object). */
static bool iomd_vma_is_mapping(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = vma->vm_ops;

	return iomd_file_is_mapping(vma->vm_file) &&
	       (ops == &iomd_vm_ops_prefault || ops == &iomd_vm_ops_ondemand ||
		ops == &iomd_vm_ops_folio);
}

/**
 * iomd_vma_desc() - the descriptor whose own pages a mapping maps
 * @vma:	a user mapping; mmap_lock held.
 *
 * Return: the descriptor if @vma is an iomd mapping of iomd's own pages
 * (not a window onto an object), else NULL.
 */
struct iomd_desc *iomd_vma_desc(struct vm_area_struct *vma)
{
	return iomd_vma_is_mapping(vma) ? vma->vm_private_data : NULL;
}

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
		iomd_why_log(&desc->share_why);
		if (why)
			*why = desc->share_why;
		ret = desc->share_why.err;
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

	iomd_vm_flags_set(vma, VM_DONTEXPAND |
			  (options & IOMD_MAP_NOFORK ? VM_DONTCOPY : 0));
	/*
	 * The memory's own cache mode, which its direct map has too; the
	 * core keeps these bits when mprotect() changes the protection.
	 */
	vma->vm_page_prot = iomd_cache_pgprot(vma->vm_page_prot, desc->cache);
	if (!(options & IOMD_MAP_NOHUGE) && iomd_map_pmd_capable(desc, vma)) {
		vma->vm_ops = &iomd_vm_ops_folio;
	} else {
		iomd_vm_flags_set(vma, VM_MIXEDMAP);
		vma->vm_ops = options & IOMD_MAP_ONDEMAND ?
			      &iomd_vm_ops_ondemand : &iomd_vm_ops_prefault;
	}
	vma->vm_private_data = desc;
	return 0;

unhold:
	iomd_desc_unhold(desc);
	return ret;
}

/**
 * iomd_desc_mmap() - map a descriptor into the task that owns @vma
 * @desc:	the descriptor; the caller keeps it alive for the life of
 *		@vma (through vma->vm_file, normally).
 * @vma:	the new mapping, as handed to a driver's mmap file operation;
 *		vma->vm_pgoff is the first page of @desc to map.
 * @why:	failure reason; may be NULL.
 *
 * Drivers call this from their own mmap() to give user space a
 * descriptor's memory.  The whole mapping is installed at its first
 * touch, in batches.  A descriptor without IOMD_DIR_OUT is mapped
 * read-only and can never be made writable.  The mapping cannot be grown
 * with mremap().  The mapping has the descriptor's cache mode
 * (iomd_desc_cache_mode()).  @vma->vm_file's address_space must be the
 * descriptor's for iomd_desc_revoke() to reach the mapping; files from
 * iomd_desc_export_fd() are.
 *
 * Context: mmap_lock held for writing, as in f_op->mmap.
 * Return: 0, -EINVAL (private mapping, or the range passes the end),
 * -EACCES (writable mapping of a read-only descriptor), -EPERM (memory
 * that cannot be shared with user space: zone memory, partial pages, a
 * buffer made without IOMD_BUF_KERNEL_USER_SHARED, private user memory,
 * a composite with such a part or a part that is not whole pages; the
 * reason names the remedy), -ENODATA (user memory, or a composite holding
 * it, not wired), or -ENODEV (revoked).
 */
int iomd_desc_mmap(struct iomd_desc *desc, struct vm_area_struct *vma,
		   struct iomd_why *why)
{
	return iomd_map_vma(desc, vma, 0, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_mmap);

/* f_op->mmap of a mapping object's file. */
int iomd_mapping_mmap(struct iomd_mapping *map, struct vm_area_struct *vma,
		      struct iomd_why *why)
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

/*
 * The iomd mapping of @desc at @addr; with @desc NULL, any iomd mapping,
 * windows onto objects included.
 */
static struct vm_area_struct *iomd_find_mapping(struct mm_struct *mm,
						unsigned long addr,
						struct iomd_desc *desc)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (!vma || vma->vm_start > addr)
		return NULL;
	if (!desc && iomd_file_is_window(vma->vm_file))
		return vma;
	if (!iomd_vma_is_mapping(vma) || (desc && vma->vm_private_data != desc))
		return NULL;
	return vma;
}

/*
 * Install all of folio mapping @vma by faulting it in, a PMD-order folio
 * at a time where it gets a PMD entry: what MAP_POPULATE would do, without
 * looking up every entry again after its fault.  mmap_lock held.
 */
static int iomd_map_populate_folio(struct vm_area_struct *vma)
{
	const unsigned long nr = 1UL << IOMD_PMD_ORDER;
	bool pmd = iomd_map_pmd_capable(vma->vm_private_data, vma);
	struct iomd_desc *desc = vma->vm_private_data;
	unsigned long addr = vma->vm_start, pgoff;
	vm_fault_t fault;

	while (addr < vma->vm_end) {
		/* Page by page where folios are small: stay killable. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
		fault = handle_mm_fault(vma, addr, 0, NULL);
		if (fault & VM_FAULT_ERROR)
			return READ_ONCE(desc->revoked) ? -ENODEV :
			       fault & VM_FAULT_OOM ? -ENOMEM : -EFAULT;
		pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		if (pmd && IS_ALIGNED(pgoff, nr) &&
		    pgoff + nr <= desc->nr_pmd_folios * nr &&
		    addr + (nr << PAGE_SHIFT) <= vma->vm_end)
			addr += nr << PAGE_SHIFT;
		else
			addr += PAGE_SIZE;
	}
	return 0;
}

/* Install all of the mapping at @addr now, as MAP_POPULATE would. */
static int iomd_map_populate(struct iomd_desc *desc, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int ret = -ENOENT;

	mmap_read_lock(mm);
	vma = iomd_find_mapping(mm, addr, desc);
	if (vma && vma->vm_ops == &iomd_vm_ops_folio) {
		ret = iomd_map_populate_folio(vma);
	} else if (vma) {
		down_read(&desc->revoke_lock);
		ret = iomd_map_populate_locked(vma);
		up_read(&desc->revoke_lock);
	}
	mmap_read_unlock(mm);
	return ret;
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
	file = iomd_file_create_mapping(desc, map);
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
		ret = iomd_map_populate(desc, uaddr);
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

/*
 * The first vma of the iomd mapping at @addr, with the mapping's extent
 * in [*@start, *@end): mprotect() and partial munmap() split a mapping
 * into several vmas, and the mapping is every adjacent vma of the same
 * file whose pages follow on.  NULL (and an empty extent) if there is
 * none.  mmap_lock held.
 */
static struct vm_area_struct *iomd_mapping_extent(struct mm_struct *mm,
						  unsigned long addr,
						  unsigned long *start,
						  unsigned long *end)
{
	struct vm_area_struct *vma, *next, *prev;

	vma = iomd_find_mapping(mm, addr, NULL);
	if (!vma)
		return NULL;
	*start = vma->vm_start;
	*end = vma->vm_end;
	for (next = find_vma(mm, *end);
	     next && next->vm_start == *end && next->vm_file == vma->vm_file &&
	     next->vm_pgoff == vma->vm_pgoff + vma_pages(vma);
	     next = find_vma(mm, *end)) {
		vma = next;
		*end = vma->vm_end;
	}
	vma = find_vma(mm, *start);
	while (*start > 0) {
		prev = find_vma(mm, *start - 1);
		if (!prev || prev->vm_end != *start ||
		    prev->vm_file != vma->vm_file ||
		    prev->vm_pgoff + vma_pages(prev) != vma->vm_pgoff)
			break;
		vma = prev;
		*start = vma->vm_start;
	}
	return vma;
}

/*
 * Count the page-table entries in [@start, @end) of @mm: bytes mapped
 * and PMD entries.  A lockless snapshot under mmap_lock, good enough for
 * statistics: entries may come and go while it runs.
 */
static void iomd_count_entries(struct mm_struct *mm, unsigned long start,
			       unsigned long end, u64 *resident, u64 *huge)
{
	unsigned long addr = start, next;

	while (addr < end) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;
		pud_t *pud, pudval;
		pmd_t pmdval;
		pte_t *pte;

		next = pmd_addr_end(addr, end);
		if (pgd_none(*pgd) || pgd_bad(*pgd))
			goto skip;
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(*p4d) || p4d_bad(*p4d))
			goto skip;
		pud = pud_offset(p4d, addr);
		pudval = READ_ONCE(*pud);
		if (pud_none(pudval) || !pud_present(pudval) || pud_bad(pudval))
			goto skip;
		/* The page table is freed after an RCU grace period. */
		rcu_read_lock();
		pmdval = READ_ONCE(*pmd_offset(pud, addr));
		if (pmd_none(pmdval) || !pmd_present(pmdval)) {
			rcu_read_unlock();
			goto skip;
		}
		if (pmd_trans_huge(pmdval)) {
			rcu_read_unlock();
			(*huge)++;
			*resident += next - addr;
			goto skip;
		}
		pte = pte_offset_kernel(&pmdval, addr);
		for (; addr < next; addr += PAGE_SIZE, pte++)
			if (pte_present(ptep_get(pte)))
				*resident += PAGE_SIZE;
		rcu_read_unlock();
		continue;
skip:
		addr = next;
	}
}

/**
 * iomd_map_info() - describe the current task's iomd mapping at an address
 * @info:	in: @info->addr, an address inside an iomd mapping of the
 *		current task; out: the rest of it (see struct iomd_map_info).
 * @why:	failure reason; may be NULL.
 *
 * Tells where the whole mapping is, which descriptor offset it starts
 * at, how much of it has page-table entries and how many of those are
 * huge (PMD) entries, so callers and tests can check that a mapping got
 * the entries they expect.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINVAL if no iomd mapping contains @info->addr.
 */
int iomd_map_info(struct iomd_map_info *info, struct iomd_why *why)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long start = 0, end = 0;

	info->flags = 0;
	info->resident = 0;
	info->huge_entries = 0;
	mmap_read_lock(mm);
	vma = iomd_mapping_extent(mm, info->addr, &start, &end);
	if (vma) {
		info->map_addr = start;
		info->map_length = end - start;
		if (iomd_file_is_window(vma->vm_file)) {
			info->offset = iomd_window_offset(vma);
			info->flags |= IOMD_MAP_INFO_OBJECT;
		} else {
			info->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
		}
		if (!(vma->vm_flags & VM_MAYWRITE))
			info->flags |= IOMD_MAP_INFO_READONLY;
		if (vma->vm_ops == &iomd_vm_ops_folio)
			info->flags |= IOMD_MAP_INFO_HUGE;
		iomd_count_entries(mm, start, end, &info->resident,
				   &info->huge_entries);
	}
	mmap_read_unlock(mm);
	if (!vma)
		return iomd_fail(why, -EINVAL,
				 "no iomd mapping contains 0x%llx", info->addr);
	return 0;
}
EXPORT_SYMBOL_GPL(iomd_map_info);

/**
 * iomd_unmap_address() - remove the iomd mapping at a user address
 * @addr:	any address inside the mapping, in the current task.
 * @why:	failure reason; may be NULL.
 *
 * The explicit unmap of a mapping object (IOMemoryMap::unmap()): the
 * whole mapping goes, including parts that mprotect() split off.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINVAL if no iomd mapping contains @addr.
 */
int iomd_unmap_address(unsigned long addr, struct iomd_why *why)
{
	struct mm_struct *mm = current->mm;
	unsigned long start = 0, end = 0;

	mmap_read_lock(mm);
	iomd_mapping_extent(mm, addr, &start, &end);
	mmap_read_unlock(mm);
	if (start == end)
		return iomd_fail(why, -EINVAL,
				 "no iomd mapping contains 0x%lx", addr);
	return vm_munmap(start, end - start);
}
EXPORT_SYMBOL_GPL(iomd_unmap_address);

/*
 * Lock (@lock) or unlock every folio of @desc, in order.  Only revocation
 * holds more than one: a fault holds one at a time, and nothing else
 * locks these folios (they are in no page cache and on no LRU list).
 */
static void iomd_desc_folios_lock(struct iomd_desc *desc, bool lock)
{
	struct folio *folio;
	unsigned long i;

	for (i = 0; i < desc->npages; i += folio_nr_pages(folio)) {
		folio = page_folio(desc->pages[i]);
		if (lock)
			folio_lock(folio);
		else
			folio_unlock(folio);
	}
}

/**
 * iomd_desc_revoke() - cut every user mapping of a descriptor
 * @desc:	the descriptor.
 *
 * I/O Kit's redirect, for device removal: every user mapping of @desc, in
 * every process, is zapped at once; later accesses to them get SIGBUS,
 * and later mmap(), kernel reads and writes, and wiring fail with -ENODEV.
 * The memory itself is freed only when the last reference goes, so no
 * process can reach freed memory.  Every composite containing @desc,
 * directly or nested, is revoked too; revoking a composite leaves its
 * parts alone.
 *
 * Context: process context; may sleep.
 */
void iomd_desc_revoke(struct iomd_desc *desc)
{
	/*
	 * A folio fault (iomd_map_fault_folio()) holds the folio lock from
	 * its revoked check until its entry is in place: with every folio
	 * locked, no such fault is half done while the descriptor is marked
	 * and its mappings zapped, so one zap removes every entry and no
	 * access succeeds after one has got SIGBUS.
	 */
	bool folios = desc->nr_pmd_folios;
	struct inode *inode;

	/*
	 * Folios are locked whether or not the descriptor has been exported
	 * yet: an export racing with this revoke may make its inode, and a
	 * mapping fault on it, right after a look at @desc->inode.  The
	 * inode is looked at once, after the descriptor is marked: any
	 * mapping it does not find can install nothing.
	 */
	if (folios)
		iomd_desc_folios_lock(desc, true);
	down_write(&desc->revoke_lock);
	/*
	 * Windows onto the object the memory belongs to: zapped before the
	 * mark shows, as the descriptor's own mappings are, so that no
	 * access succeeds after one has got SIGBUS.
	 */
	iomd_windows_revoke(desc);
	WRITE_ONCE(desc->revoked, true);
	inode = READ_ONCE(desc->inode);
	if (inode)
		unmap_mapping_range(inode->i_mapping, 0, 0, 1);
	up_write(&desc->revoke_lock);
	if (folios)
		iomd_desc_folios_lock(desc, false);
	/* Composites containing @desc show its memory: they go too. */
	iomd_composite_revoke_parents(desc);
}
EXPORT_SYMBOL_GPL(iomd_desc_revoke);
