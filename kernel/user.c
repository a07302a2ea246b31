// SPDX-License-Identifier: GPL-2.0
/*
 * User descriptors (I/O Kit's withAddressRanges on a user task): describe
 * ranges of an application's memory.  Describing checks the ranges and
 * pins nothing; wiring (wire.c) pins them.  Whether another task may map
 * them follows I/O Kit's rule, which Linux shares underneath: only memory
 * that is one shared VM object (shared anonymous memory, a memfd or tmpfs
 * file mapped MAP_SHARED, an iomd mapping) can appear in two processes;
 * private memory belongs to one process and is copied on write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static void iomd_user_release(struct iomd_desc *desc)
{
	struct iomd_user *u = container_of(desc, struct iomd_user, desc);

	/* Mappings and accesses hold the descriptor: only prepares are left. */
	WARN_ON_ONCE(u->wire_count != u->prepares);
	while (u->prepares) {
		u->prepares--;
		iomd_user_unwire(desc);
	}
	mmdrop(u->mm);
	kfree(u->ranges);
	kfree(desc->segs);
	kfree(u);
}

static const struct iomd_desc_ops iomd_user_ops = {
	.release = iomd_user_release,
	.hold = iomd_user_hold,
	.unhold = iomd_user_unwire,
};

/* Pages that [addr, addr + len) touches. */
static unsigned long iomd_span_pages(unsigned long addr, size_t len)
{
	return (PAGE_ALIGN(addr + len) - (addr & PAGE_MASK)) >> PAGE_SHIFT;
}

/*
 * Refuse @vma (holding address @addr of range @i) if its pages are not
 * write-back: a user descriptor maps them write-back, in the kernel and
 * in user space, and one page must not have two cache modes.
 */
static int iomd_user_vma_cache(struct vm_area_struct *vma, unsigned int i,
			       unsigned long addr, struct iomd_why *why)
{
	u32 mode = iomd_vma_cache_mode(vma);

	if (mode == IOMD_CACHE_WB)
		return 0;
	return iomd_fail(why, -EOPNOTSUPP,
			 "range %u: 0x%lx is a mapping of a %s iomd buffer, and a user descriptor would map its pages write-back too; use that buffer's descriptor instead",
			 i, addr, iomd_cache_name(mode));
}

/*
 * Check again, before the pages are pinned, that no range has become a
 * mapping of memory in another cache mode.  mmap_lock held.
 */
int iomd_user_check_ranges(struct iomd_user *u, struct iomd_why *why)
{
	struct vm_area_struct *vma;
	unsigned long addr, end;
	unsigned int i;
	int ret;

	for (i = 0; i < u->desc.nr_segs; i++) {
		addr = u->ranges[i].addr;
		end = addr + u->ranges[i].length;
		for (; addr < end; addr = vma->vm_end) {
			vma = find_vma(u->mm, addr);
			if (!vma || vma->vm_start >= end)
				break;
			ret = iomd_user_vma_cache(vma, i, max(addr,
							      vma->vm_start),
						  why);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Check that range @i is mapped, pinnable, write-back and, for a device
 * that writes (IN), writable.  mmap_lock held.
 */
static int iomd_user_check_vmas(struct mm_struct *mm, unsigned int i,
				const struct iomd_range *r, u32 direction,
				struct iomd_why *why)
{
	unsigned long addr = r->addr, end = r->addr + r->length;
	struct vm_area_struct *vma;
	int ret;

	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			return iomd_fail(why, -EFAULT,
					 "range %u: 0x%lx is not mapped", i,
					 addr);
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			return iomd_fail(why, -EFAULT,
					 "range %u: 0x%lx is I/O or PFN-mapped memory, which has no pages to pin",
					 i, addr);
		ret = iomd_user_vma_cache(vma, i, addr, why);
		if (ret)
			return ret;
		if ((direction & IOMD_DIR_IN) && !(vma->vm_flags & VM_WRITE))
			return iomd_fail(why, -EACCES,
					 "range %u: 0x%lx is read-only but direction IN lets the device write it; use IOMD_DIR_OUT or writable memory",
					 i, addr);
		addr = vma->vm_end;
	}
	return 0;
}

/* Unwired memory is not judged: nothing may map it. */
void iomd_user_unjudge(struct iomd_user *u)
{
	u->desc.user_shareable = false;
	iomd_why_set(&u->desc.share_why, -ENODATA,
		     "user memory is not wired; prepare it first");
}

/*
 * Decide whether the ranges may be mapped into a task, and if not say
 * why.  mmap_lock held; called each time the memory is wired, since the
 * owner may have remapped it in between.
 */
void iomd_user_judge(struct iomd_user *u)
{
	struct iomd_why *why = &u->desc.share_why;
	struct inode *object = NULL, *inode;
	struct vm_area_struct *vma;
	unsigned long addr, end;
	unsigned int i;

	u->desc.user_shareable = false;
	for (i = 0; i < u->desc.nr_segs; i++) {
		addr = u->ranges[i].addr;
		end = addr + u->ranges[i].length;
		if (offset_in_page(addr) || offset_in_page(end)) {
			iomd_why_set(why, -EPERM,
				     "range %u [0x%lx, 0x%lx) is not whole pages, and mappings are; describe page-aligned ranges of whole pages",
				     i, addr, end);
			return;
		}
		for (; addr < end; addr = vma->vm_end) {
			vma = find_vma(u->mm, addr);
			if (!vma || vma->vm_start > addr) {
				iomd_why_set(why, -EPERM,
					     "range %u: 0x%lx is no longer mapped",
					     i, addr);
				return;
			}
			if (!(vma->vm_flags & VM_MAYSHARE) && vma->vm_file) {
				iomd_why_set(why, -EPERM,
					     "range %u: 0x%lx is a private file mapping (MAP_PRIVATE), whose pages are copied on write; map the file MAP_SHARED",
					     i, addr);
				return;
			}
			if (!(vma->vm_flags & VM_MAYSHARE)) {
				iomd_why_set(why, -EPERM,
					     "range %u: 0x%lx is private anonymous memory (malloc, MAP_PRIVATE), which belongs to one process; allocate it with mmap(MAP_SHARED | MAP_ANONYMOUS) or a memfd",
					     i, addr);
				return;
			}
			inode = vma->vm_file ? file_inode(vma->vm_file) : NULL;
			if (!inode || (object && inode != object)) {
				iomd_why_set(why, -EPERM,
					     "range %u: 0x%lx is in a different VM object than the memory before it; describe memory of one shared object",
					     i, addr);
				return;
			}
			object = inode;
		}
	}
	iomd_why_clear(why);
	u->desc.user_shareable = true;
}

/**
 * iomd_desc_create_user() - describe ranges of an application's memory
 * @mm:		the address space of the ranges (current->mm for the
 *		caller's own); the descriptor keeps it until it dies.
 * @ranges:	the ranges; copied.
 * @nr_ranges:	1 to IOMD_USER_MAX_RANGES.
 * @direction:	IOMD_DIR_IN (the device writes the memory), IOMD_DIR_OUT
 *		(it reads it) or IOMD_DIR_INOUT.
 * @why:	failure reason; may be NULL.
 *
 * The ranges are checked (mapped, user memory, writable if the device
 * writes) but nothing is pinned: wire the memory with iomd_desc_prepare()
 * before reading, writing or mapping it, as I/O Kit requires prepare().
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, or ERR_PTR(-EINVAL) (no
 * ranges, a zero length, a bad direction), ERR_PTR(-E2BIG) (too many
 * ranges), ERR_PTR(-EOVERFLOW), ERR_PTR(-EFAULT) (not user memory, not
 * mapped, or not pinnable), ERR_PTR(-EACCES) (read-only memory for a
 * device that writes), ERR_PTR(-EOPNOTSUPP) (a mapping of a
 * write-combined or uncached iomd buffer), ERR_PTR(-ESRCH) (@mm has no
 * users left), ERR_PTR(-ENOMEM).
 */
struct iomd_desc *iomd_desc_create_user(struct mm_struct *mm,
					const struct iomd_range *ranges,
					unsigned int nr_ranges, u32 direction,
					struct iomd_why *why)
{
	size_t total = 0, end;
	unsigned long npages = 0;
	struct iomd_user *u;
	unsigned int i;
	int ret;

	if (!direction || direction & ~IOMD_DIR_MASK)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "direction 0x%x is not IOMD_DIR_IN, _OUT or _INOUT",
					 direction));
	if (!nr_ranges)
		return ERR_PTR(iomd_fail(why, -EINVAL, "no ranges"));
	if (nr_ranges > IOMD_USER_MAX_RANGES)
		return ERR_PTR(iomd_fail(why, -E2BIG,
					 "%u ranges; at most %d", nr_ranges,
					 IOMD_USER_MAX_RANGES));
	for (i = 0; i < nr_ranges; i++) {
		const struct iomd_range *r = &ranges[i];

		if (!r->length)
			return ERR_PTR(iomd_fail(why, -EINVAL,
						 "range %u has length 0", i));
		if (check_add_overflow(r->addr, r->length, &end) ||
		    check_add_overflow(total, r->length, &total))
			return ERR_PTR(iomd_fail(why, -EOVERFLOW,
						 "range %u: address + length overflows",
						 i));
		if (!access_ok(u64_to_user_ptr(r->addr), r->length))
			return ERR_PTR(iomd_fail(why, -EFAULT,
						 "range %u at 0x%llx is not user memory",
						 i, r->addr));
		npages += iomd_span_pages(r->addr, r->length);
	}

	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	u->ranges = kmemdup(ranges, nr_ranges * sizeof(*ranges),
			    GFP_KERNEL_ACCOUNT);
	u->desc.segs = kcalloc(nr_ranges, sizeof(*u->desc.segs),
			       GFP_KERNEL_ACCOUNT);
	if (!u->ranges || !u->desc.segs) {
		ret = iomd_fail(why, -ENOMEM, "out of memory");
		goto free_u;
	}

	if (!mmget_not_zero(mm)) {
		ret = iomd_fail(why, -ESRCH, "the address space has exited");
		goto free_u;
	}
	mmap_read_lock(mm);
	for (i = 0, ret = 0; i < nr_ranges && !ret; i++)
		ret = iomd_user_check_vmas(mm, i, &ranges[i], direction, why);
	mmap_read_unlock(mm);
	mmput(mm);
	if (ret)
		goto free_u;

	iomd_desc_init(&u->desc, &iomd_user_ops, IOMD_KIND_USER, direction, 0);
	/* Pinned with FOLL_WRITE only when the device writes (IN). */
	u->desc.writable = direction & IOMD_DIR_IN;
	for (i = 0, total = 0, npages = 0; i < nr_ranges; i++) {
		struct iomd_seg *seg = &u->desc.segs[i];

		seg->start = total;
		seg->length = ranges[i].length;
		seg->first_offset = offset_in_page(ranges[i].addr);
		seg->page_index = npages;
		total += ranges[i].length;
		npages += iomd_span_pages(ranges[i].addr, ranges[i].length);
	}
	u->desc.nr_segs = nr_ranges;
	u->desc.length = total;
	u->desc.capacity = total;
	u->desc.npages = npages;
	u->npages = npages;
	iomd_user_unjudge(u);
	mmgrab(mm);
	u->mm = mm;
	mutex_init(&u->lock);
	init_waitqueue_head(&u->wait);
	return &u->desc;

free_u:
	kfree(u->desc.segs);
	kfree(u->ranges);
	kfree(u);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iomd_desc_create_user);
