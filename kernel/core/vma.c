// SPDX-License-Identifier: GPL-2.0
/*
 * The vmas that map a descriptor's own pages: their vm_operations, the
 * faults that install the pages, and finding them again.  Pages are
 * inserted as struct pages into a VM_MIXEDMAP mapping, never as raw PFNs,
 * so that pin_user_pages() users such as O_DIRECT and io_uring keep
 * working on the mapped range.
 *
 * Page-table entries are only ever installed once the mapping is linked
 * into the descriptor's address_space, and under revoke_lock: at the first
 * fault (the whole mapping at once, in batches) or, for IOMD_IOC_MAP with
 * prefault, right after the mapping is made.  So a revoke (revoke.c),
 * which zaps every linked mapping under the same lock, can never miss one.
 * Which mappings may be made, and mappings forwarded to the object the
 * memory belongs to, are the user side's (client/map.c, window.c).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "core.h"

/**
 * struct iomd_vma_map - one user mapping of a descriptor's own pages
 * @desc:	the descriptor; each vma of the mapping holds its pages.
 * @vmas:	the vmas the mapping is now (a split or a fork copy adds
 *		one); the last one to close frees it.
 *
 * The vmas' private data.  All of a descriptor's mappings share one file
 * (client/file.c), so this is what tells one mapping from another: two
 * mappings placed side by side, their pages following on, are still two
 * (iomd_mapping_extent()).
 */
struct iomd_vma_map {
	struct iomd_desc *desc;
	refcount_t vmas;
};

/* The descriptor @vma, a mapping of its own pages, maps. */
static struct iomd_desc *iomd_vma_to_desc(struct vm_area_struct *vma)
{
	struct iomd_vma_map *map = vma->vm_private_data;

	return map->desc;
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
	struct iomd_desc *desc = iomd_vma_to_desc(vma);
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
	struct iomd_desc *desc = iomd_vma_to_desc(vma);
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
	struct iomd_vma_map *map = vma->vm_private_data;

	refcount_inc(&map->vmas);
	WARN_ON_ONCE(iomd_desc_hold_pages(map->desc, NULL));
}

static void iomd_map_close(struct vm_area_struct *vma)
{
	struct iomd_vma_map *map = vma->vm_private_data;

	iomd_desc_unhold(map->desc);
	if (refcount_dec_and_test(&map->vmas))
		kfree(map);
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
	struct iomd_desc *desc = iomd_vma_to_desc(vmf->vma);
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

/*
 * Whether @vma is an iomd mapping of a descriptor's own pages: every such
 * mapping is on the file of the descriptor's own inode (client/file.c),
 * the only files made on that inode.
 */
static bool iomd_vma_is_mapping(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = vma->vm_ops;

	if (ops != &iomd_vm_ops_prefault && ops != &iomd_vm_ops_ondemand &&
	    ops != &iomd_vm_ops_folio)
		return false;
	return vma->vm_file && file_inode(vma->vm_file) ==
			       READ_ONCE(iomd_vma_to_desc(vma)->inode);
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
	return iomd_vma_is_mapping(vma) ? iomd_vma_to_desc(vma) : NULL;
}

/**
 * iomd_vma_map_pages() - make @vma a mapping of @desc's own pages
 * @desc:	the descriptor, held; the caller checked the mapping.
 * @vma:	the new mapping.
 * @options:	IOMD_MAP_* options (NOFORK, NOHUGE, ONDEMAND).
 *
 * Nothing is installed: faults (or iomd_vma_populate()) do it.  The
 * mapping holds @desc's pages from here on (the caller's hold becomes
 * the mapping's).
 *
 * Return: 0, or -ENOMEM.
 */
int iomd_vma_map_pages(struct iomd_desc *desc, struct vm_area_struct *vma,
		       u32 options)
{
	struct iomd_vma_map *map;

	map = kmalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	map->desc = desc;
	refcount_set(&map->vmas, 1);
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
	vma->vm_private_data = map;
	return 0;
}

/* Whether @vma, an iomd mapping, maps PMD-order folios by their faults. */
bool iomd_vma_is_folio(struct vm_area_struct *vma)
{
	return vma->vm_ops == &iomd_vm_ops_folio;
}

/*
 * The iomd mapping of @desc at @addr; with @desc NULL, any iomd mapping,
 * windows onto objects included.
 */
struct vm_area_struct *iomd_find_mapping(struct mm_struct *mm,
					 unsigned long addr,
					 struct iomd_desc *desc)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (!vma || vma->vm_start > addr)
		return NULL;
	if (!desc && iomd_file_is_window(vma->vm_file))
		return vma;
	if (!iomd_vma_is_mapping(vma) || (desc && iomd_vma_to_desc(vma) != desc))
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
	struct iomd_desc *desc = iomd_vma_to_desc(vma);
	bool pmd = iomd_map_pmd_capable(desc, vma);
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
int iomd_vma_populate(struct iomd_desc *desc, unsigned long addr)
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

/*
 * Whether @b, next to @a, is part of the same iomd mapping: for a mapping
 * of own pages, the same mapping object; for a window, the same window
 * file (one per mapping).  Either way its pages follow on.
 */
static bool iomd_same_mapping(struct vm_area_struct *a,
			      struct vm_area_struct *b)
{
	if (iomd_vma_is_mapping(a)) {
		if (!iomd_vma_is_mapping(b) ||
		    b->vm_private_data != a->vm_private_data)
			return false;
	} else if (b->vm_file != a->vm_file) {
		return false;
	}
	return a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
}

/*
 * The first vma of the iomd mapping at @addr, with the mapping's extent
 * in [*@start, *@end): mprotect() and partial munmap() split a mapping
 * into several vmas, and the mapping is every adjacent vma of the same
 * mapping (iomd_same_mapping()).  NULL (and an empty extent) if there is
 * none.  mmap_lock held.
 */
struct vm_area_struct *iomd_mapping_extent(struct mm_struct *mm,
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
	     next && next->vm_start == *end && iomd_same_mapping(vma, next);
	     next = find_vma(mm, *end)) {
		vma = next;
		*end = vma->vm_end;
	}
	vma = find_vma(mm, *start);
	while (*start > 0) {
		prev = find_vma(mm, *start - 1);
		if (!prev || prev->vm_end != *start ||
		    !iomd_same_mapping(prev, vma))
			break;
		vma = prev;
		*start = vma->vm_start;
	}
	return vma;
}

