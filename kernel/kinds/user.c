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

#include <linux/backing-dev.h>
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
	u->client_prepares = 0;
	mmdrop(u->mm);
	kfree(u->ranges);
	kfree(desc->segs);
	kfree(u);
}

static int iomd_user_map_object(struct iomd_desc *desc, struct path *object,
				pgoff_t *base, struct iomd_why *why);

static const struct iomd_desc_ops iomd_user_ops = {
	.release = iomd_user_release,
	.hold = iomd_user_hold,
	.unhold = iomd_user_unwire,
	.map_object = iomd_user_map_object,
};

/* Pages that [addr, addr + len) touches. */
static unsigned long iomd_span_pages(unsigned long addr, size_t len)
{
	return (PAGE_ALIGN(addr + len) - (addr & PAGE_MASK)) >> PAGE_SHIFT;
}

/*
 * Check the part of range @i that @vma maps from @addr: it has pages to
 * pin; they are write-back, since a user descriptor maps them write-back
 * in the kernel and one page must not have two cache modes; and a device
 * that writes (IN) may write them for the long term.  mmap_lock held.
 */
static int iomd_user_check_vma(struct vm_area_struct *vma, unsigned int i,
			       unsigned long addr, u32 direction,
			       struct iomd_why *why)
{
	struct iomd_desc *desc = iomd_vma_desc(vma);

	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return iomd_fail(why, -EFAULT,
				 "range %u: 0x%lx is I/O or PFN-mapped memory, which has no pages to pin",
				 i, addr);
	if (desc && desc->cache != IOMD_CACHE_WB)
		return iomd_fail(why, -EOPNOTSUPP,
				 "range %u: 0x%lx is a mapping of a %s iomd buffer, and a user descriptor would map its pages write-back too; use that buffer's descriptor instead",
				 i, addr, iomd_cache_name(desc->cache));
	if (!(direction & IOMD_DIR_IN))
		return 0;
	if (!(vma->vm_flags & VM_WRITE))
		return iomd_fail(why, -EACCES,
				 "range %u: 0x%lx is read-only but direction IN lets the device write it; use IOMD_DIR_OUT or writable memory",
				 i, addr);
	/*
	 * Page cache that is written back: a device writing it behind the
	 * filesystem's back would skip ->page_mkwrite and writeback's
	 * write-protection (6.12's GUP refuses it too; 6.1's does not).
	 */
	if ((vma->vm_flags & VM_MAYSHARE) && vma->vm_file &&
	    mapping_can_writeback(vma->vm_file->f_mapping))
		return iomd_fail(why, -EPERM,
				 "range %u: 0x%lx is page cache of a file on a disk filesystem, which a device may not write for the long term; use IOMD_DIR_OUT, or copy the data into a memfd or MAP_SHARED | MAP_ANONYMOUS memory",
				 i, addr);
	return 0;
}

/*
 * Check again, before the pages are pinned, what iomd_desc_create_user()
 * checked: the owner may have remapped the ranges since.  Holes are left
 * to the pin, which fails on them.  mmap_lock held.
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
			ret = iomd_user_check_vma(vma, i,
						  max(addr, vma->vm_start),
						  u->desc.direction, why);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Check that range @i is mapped, and iomd_user_check_vma().  mmap_lock held. */
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
		ret = iomd_user_check_vma(vma, i, addr, direction, why);
		if (ret)
			return ret;
		addr = vma->vm_end;
	}
	return 0;
}

/*
 * Unwired memory is not judged: nothing may map it.  The object of the
 * last verdict, if any, is moved to @object for the caller to put outside
 * any lock (NULL: there is none, as at creation).
 */
void iomd_user_unjudge(struct iomd_user *u, struct path *object)
{
	u->desc.user_shareable = false;
	iomd_why_set(&u->desc.share_why, -ENODATA,
		     "user memory is not wired; prepare it first");
	if (!u->object.dentry)
		return;
	if (u->object_writer)
		mapping_unmap_writable(d_inode(u->object.dentry)->i_mapping);
	u->object_writer = false;
	*object = u->object;
	u->object = (struct path){};
}

/*
 * Why memory cannot be mapped into another task, least fundamental first:
 * a verdict only replaces one of lower rank, so the reason given is the
 * one no other remedy can get round.
 */
#define IOMD_REFUSE_BOUNDS	1	/* not whole pages */
#define IOMD_REFUSE_FILE	2	/* memory of another kind of file */
#define IOMD_REFUSE_OBJECTS	3	/* several objects, or out of order */
#define IOMD_REFUSE_PRIVATE	4	/* belongs to one process */
#define IOMD_REFUSE_UNMAPPED	5	/* not there at all */

/* Record refusal @rank with its reason, if it outranks the one so far. */
static __printf(4, 5)
void iomd_user_refuse(struct iomd_why *why, int *worst, int rank,
		      const char *fmt, ...)
{
	va_list args;

	if (rank <= *worst)
		return;
	*worst = rank;
	va_start(args, fmt);
	why->err = -EPERM;
	vsnprintf(why->msg, sizeof(why->msg), fmt, args);
	va_end(args);
}

/*
 * Judge the part of range @i that @vma maps from @addr, at descriptor
 * page @index: it must be shared memory of the one object the rest is
 * in, at the object's next pages.  Sets *@inode and *@base from the first
 * part.
 */
static void iomd_user_judge_vma(struct vm_area_struct *vma, unsigned int i,
				unsigned long addr, unsigned long index,
				struct inode **inode, pgoff_t *base,
				struct iomd_why *why, int *worst)
{
	struct inode *object;
	pgoff_t pgoff;

	if (!(vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_file)
			iomd_user_refuse(why, worst, IOMD_REFUSE_PRIVATE,
					 "range %u: 0x%lx is a private file mapping (MAP_PRIVATE), whose pages are copied on write and belong to one process; map the file MAP_SHARED",
					 i, addr);
		else
			iomd_user_refuse(why, worst, IOMD_REFUSE_PRIVATE,
					 "range %u: 0x%lx is private memory (malloc, MAP_PRIVATE), which belongs to one process; allocate it with mmap(MAP_SHARED | MAP_ANONYMOUS) or in a memfd",
					 i, addr);
		return;
	}
	if (iomd_vma_desc(vma)) {
		iomd_user_refuse(why, worst, IOMD_REFUSE_FILE,
				 "range %u: 0x%lx became an iomd mapping after it was described; describe it again, which gives a sub-range of that mapping's descriptor",
				 i, addr);
		return;
	}
	object = iomd_object_inode(vma);
	if (!object) {
		iomd_user_refuse(why, worst, IOMD_REFUSE_FILE,
				 "range %u: 0x%lx is memory of a file that is not shmem (page cache of a disk filesystem, hugetlbfs, SysV shared memory or a device), which iomd cannot map for another task; copy the data into a memfd or MAP_SHARED | MAP_ANONYMOUS memory",
				 i, addr);
		return;
	}
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (!*inode) {
		*inode = object;
		*base = pgoff - index;
		if (pgoff < index)
			iomd_user_refuse(why, worst, IOMD_REFUSE_OBJECTS,
					 "range %u: 0x%lx is at page %lu of its object, before the pages the ranges ahead of it would take; describe memory of one object, in the object's order",
					 i, addr, (unsigned long)pgoff);
		return;
	}
	if (object != *inode)
		iomd_user_refuse(why, worst, IOMD_REFUSE_OBJECTS,
				 "range %u: 0x%lx is in a different VM object than the memory before it; describe memory of one shared object",
				 i, addr);
	else if (pgoff != *base + index)
		iomd_user_refuse(why, worst, IOMD_REFUSE_OBJECTS,
				 "range %u: 0x%lx is page %lu of its object, not the page that follows the memory before it (%lu); describe one run of the object, in order",
				 i, addr, (unsigned long)pgoff,
				 (unsigned long)(*base + index));
}

/*
 * Decide whether the ranges may be mapped into a task, and if not say
 * why; when they may, take a reference on the object that user mappings
 * will map.  mmap_lock held; called each time the memory is wired, since
 * the owner may have remapped it in between.
 */
void iomd_user_judge(struct iomd_user *u)
{
	struct iomd_why *why = &u->desc.share_why;
	struct vm_area_struct *vma = NULL;
	struct inode *inode = NULL;
	unsigned long addr, end, index;
	struct file *file = NULL;
	pgoff_t base = 0;
	unsigned int i;
	int worst = 0;

	u->desc.user_shareable = false;
	iomd_why_clear(why);
	for (i = 0; i < u->desc.nr_segs; i++) {
		addr = u->ranges[i].addr;
		end = addr + u->ranges[i].length;
		/* Only the very end may stop inside a page. */
		if (offset_in_page(addr) ||
		    (offset_in_page(end) && i + 1 < u->desc.nr_segs))
			iomd_user_refuse(why, &worst, IOMD_REFUSE_BOUNDS,
					 "range %u [0x%lx, 0x%lx) is not whole pages, and mappings are; describe page-aligned ranges (only the last may end inside a page)",
					 i, addr, end);
		index = u->desc.segs[i].page_index;
		for (; addr < end; addr = vma->vm_end) {
			vma = find_vma(u->mm, addr);
			if (!vma || vma->vm_start > addr) {
				iomd_user_refuse(why, &worst,
						 IOMD_REFUSE_UNMAPPED,
						 "range %u: 0x%lx is no longer mapped",
						 i, addr);
				return;
			}
			iomd_user_judge_vma(vma, i, addr,
					    index + ((addr & PAGE_MASK) -
						     (u->ranges[i].addr &
						      PAGE_MASK)) / PAGE_SIZE,
					    &inode, &base, why, &worst);
			if (!file && inode)
				file = vma->vm_file;
		}
	}
	if (worst)
		return;
	/*
	 * A descriptor that can give writable mappings counts as a writable
	 * mapping of the object, as the owner's own does: the object cannot
	 * be sealed against writing under it.
	 */
	if ((u->desc.direction & IOMD_DIR_INOUT) == IOMD_DIR_INOUT) {
		if (mapping_map_writable(inode->i_mapping)) {
			iomd_why_set(why, -EPERM,
				     "the memory's object is sealed against writing (F_SEAL_WRITE); describe it IOMD_DIR_IN or _OUT to share it read-only");
			return;
		}
		u->object_writer = true;
	}
	u->object = file->f_path;
	path_get(&u->object);
	u->object_base = base;
	u->desc.user_shareable = true;
}

/* ops->map_object: the object user mappings map.  Held. */
static int iomd_user_map_object(struct iomd_desc *desc, struct path *object,
				pgoff_t *base, struct iomd_why *why)
{
	struct iomd_user *u = container_of(desc, struct iomd_user, desc);
	int ret = 0;

	mutex_lock(&u->lock);
	if (u->object.dentry) {
		*object = u->object;
		path_get(object);
		*base = u->object_base;
	} else {
		ret = iomd_fail(why, -ENODATA,
				"user memory is not wired; prepare it first");
	}
	mutex_unlock(&u->lock);
	return ret;
}

/**
 * struct iomd_user_part - a range that lies in an iomd mapping
 * @desc:	the mapping's descriptor (a reference), NULL if none.
 * @offset:	the range's first byte in @desc.
 */
struct iomd_user_part {
	struct iomd_desc *desc;
	u64 offset;
};

/*
 * Find range @r (number @i) in iomd mappings: fill @part if it lies in
 * one descriptor's mapping, at following offsets, and leave it empty if
 * it is in none.  Return 1 if it lies in a mapping, 0 if not, or
 * -errno if it lies partly in one (or in several).  mmap_lock held.
 */
static int iomd_user_find_mapping(struct mm_struct *mm, unsigned int i,
				  const struct iomd_range *r,
				  struct iomd_user_part *part)
{
	unsigned long addr = r->addr, end = r->addr + r->length;
	struct vm_area_struct *vma;
	struct iomd_desc *desc;
	bool other = false;
	u64 offset;

	for (; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			break;		/* left to the checks: not mapped */
		desc = iomd_vma_desc(vma);
		if (!desc) {
			other = true;
			continue;
		}
		offset = ((u64)vma->vm_pgoff << PAGE_SHIFT) +
			 (addr - vma->vm_start);
		if (!part->desc) {
			part->desc = desc;
			part->offset = offset;
		} else if (desc != part->desc ||
			   offset != part->offset + (addr - r->addr)) {
			goto partly;
		}
	}
	if (part->desc && (other || addr < end))
		goto partly;
	if (part->desc)
		iomd_desc_get(part->desc);
	return !!part->desc;

partly:
	/* No reference was taken: the caller must not put one. */
	part->desc = NULL;
	return -EINVAL;
}

/*
 * Memory that is itself an iomd mapping is described as what it is: a
 * sub-range of the mapped descriptor (a multi of them for several
 * ranges), which pins nothing and which revoking that descriptor
 * revokes.  Return NULL when no range is such memory.
 */
static struct iomd_desc *
iomd_user_describe_mappings(struct mm_struct *mm,
			    const struct iomd_range *ranges,
			    unsigned int nr_ranges, u32 direction,
			    struct iomd_why *why)
{
	struct iomd_desc *desc = NULL, **subs;
	struct iomd_user_part *parts;
	unsigned int i, found = 0, n;
	int ret = 0;

	parts = kcalloc(nr_ranges, sizeof(*parts), GFP_KERNEL_ACCOUNT);
	if (!parts)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	mmap_read_lock(mm);
	for (i = 0; i < nr_ranges && ret >= 0; i++) {
		ret = iomd_user_find_mapping(mm, i, &ranges[i], &parts[i]);
		if (ret > 0)
			found++;
	}
	mmap_read_unlock(mm);
	if (ret < 0) {
		desc = ERR_PTR(iomd_fail(why, ret,
					 "range %u lies partly in an iomd mapping, or in several; describe the memory of each mapping as a range of its own",
					 i - 1));
		goto put_parts;
	}
	if (!found)
		goto put_parts;
	if (found < nr_ranges) {
		ret = iomd_fail(why, -EINVAL,
				"some ranges are iomd mappings and some are not; describe them apart and join them with IOMD_IOC_MULTI");
		desc = ERR_PTR(ret);
		goto put_parts;
	}
	if (nr_ranges == 1) {
		desc = iomd_subrange_create(parts[0].desc, parts[0].offset,
					    ranges[0].length, direction, why);
		goto put_parts;
	}
	subs = kcalloc(nr_ranges, sizeof(*subs), GFP_KERNEL_ACCOUNT);
	if (!subs) {
		desc = ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
		goto put_parts;
	}
	for (n = 0; n < nr_ranges; n++) {
		subs[n] = iomd_subrange_create(parts[n].desc, parts[n].offset,
					       ranges[n].length, direction,
					       why);
		if (IS_ERR(subs[n])) {
			desc = ERR_CAST(subs[n]);
			break;
		}
	}
	if (n == nr_ranges)
		desc = iomd_multi_create(subs, n, direction, why);
	while (n--)
		iomd_desc_put(subs[n]);
	kfree(subs);
put_parts:
	for (i = 0; i < nr_ranges; i++)
		iomd_desc_put(parts[i].desc);
	kfree(parts);
	return desc;
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
 * writes, not page cache of a disk filesystem if the device writes) but
 * nothing is pinned: wire the memory with iomd_desc_prepare() before
 * reading, writing or mapping it, as I/O Kit requires prepare().
 *
 * Memory of one shared object (shared anonymous memory, a memfd or a
 * tmpfs file mapped MAP_SHARED) can be mapped into other tasks once
 * wired: those mappings are mappings of the object itself, at the same
 * pages, so they see what the owner's own mapping sees (a truncated
 * object gives SIGBUS past its end) while the wired pages stay valid for
 * the kernel and devices.  Ranges must start on a page; only the last may
 * end inside one, and its mapping is that whole page.
 *
 * Ranges that are themselves iomd mappings give a sub-range of the mapped
 * descriptor (a multi descriptor of sub-ranges, for several ranges)
 * instead, which pins nothing and goes when that descriptor is revoked.
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, or ERR_PTR(-EINVAL) (no
 * ranges, a zero length, a bad direction), ERR_PTR(-E2BIG) (too many
 * ranges, or more pages than a page array can hold: 2^28 with 8-byte
 * pointers), ERR_PTR(-EOVERFLOW), ERR_PTR(-EFAULT) (not user memory, not
 * mapped, or not pinnable), ERR_PTR(-EACCES) (read-only memory for a
 * device that writes), ERR_PTR(-EPERM) (page cache of a disk filesystem
 * for a device that writes), ERR_PTR(-EOPNOTSUPP) (a mapping of a
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
	struct iomd_desc *desc;
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
	/*
	 * Wiring needs an array of every page: keep it within what
	 * kvmalloc() serves (INT_MAX bytes) rather than let its warning
	 * answer a request no one can satisfy anyway.
	 */
	if (npages > INT_MAX / sizeof(struct page *))
		return ERR_PTR(iomd_fail(why, -E2BIG,
					 "%lu pages; one descriptor can wire at most %lu",
					 npages,
					 INT_MAX / sizeof(struct page *)));

	if (!mmget_not_zero(mm))
		return ERR_PTR(iomd_fail(why, -ESRCH,
					 "the address space has exited"));
	desc = iomd_user_describe_mappings(mm, ranges, nr_ranges, direction,
					   why);
	mmput(mm);
	if (desc)
		return desc;

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
	iomd_user_unjudge(u, NULL);
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
