// SPDX-License-Identifier: GPL-2.0
/*
 * The mappings user memory lies in: checking that a user descriptor's
 * ranges can be described and wired, and judging whether the memory may
 * be shared with another task, and through which object (I/O Kit's rule,
 * which Linux shares underneath: only memory that is one shared VM object
 * can appear in two processes).  For the user kind (user.c, user_wire.c).
 */
#include <linux/backing-dev.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>

#include "user.h"

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
int iomd_user_check_vmas(struct mm_struct *mm, unsigned int i,
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
	iomd_desc_share_defer(&u->desc, -ENODATA,
			      "user memory is not wired; prepare it first",
			      0, 0, 0, 0);
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

/*
 * Record refusal @rank of @desc, if it outranks the one so far: @fmt takes
 * the range number, an address and two more numbers, all unsigned longs,
 * and is formatted only if somebody asks why (iomd_desc_share_defer()).
 */
static void iomd_user_refuse(struct iomd_desc *desc, int *worst, int rank,
			     const char *fmt, unsigned long i,
			     unsigned long addr, unsigned long a2,
			     unsigned long a3)
{
	if (rank <= *worst)
		return;
	*worst = rank;
	iomd_desc_share_defer(desc, -EPERM, fmt, i, addr, a2, a3);
}

/*
 * The verdict on memory that is all anonymous pages of its owner, judged
 * by its pinned pages rather than its mappings (user_wire.c): private.
 */
void iomd_user_judge_private(struct iomd_user *u)
{
	int worst = 0;

	u->desc.user_shareable = false;
	iomd_user_refuse(&u->desc, &worst, IOMD_REFUSE_PRIVATE,
			 "range %lu: 0x%lx is private memory (malloc, MAP_PRIVATE, or the written pages of a private file mapping), which belongs to one process; allocate it with mmap(MAP_SHARED | MAP_ANONYMOUS) or in a memfd",
			 0, u->ranges[0].addr, 0, 0);
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
				struct iomd_desc *desc, int *worst)
{
	struct inode *object;
	pgoff_t pgoff;

	if (!(vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_file)
			iomd_user_refuse(desc, worst, IOMD_REFUSE_PRIVATE,
					 "range %lu: 0x%lx is a private file mapping (MAP_PRIVATE), whose pages are copied on write and belong to one process; map the file MAP_SHARED",
					 i, addr, 0, 0);
		else
			iomd_user_refuse(desc, worst, IOMD_REFUSE_PRIVATE,
					 "range %lu: 0x%lx is private memory (malloc, MAP_PRIVATE), which belongs to one process; allocate it with mmap(MAP_SHARED | MAP_ANONYMOUS) or in a memfd",
					 i, addr, 0, 0);
		return;
	}
	if (iomd_vma_desc(vma)) {
		iomd_user_refuse(desc, worst, IOMD_REFUSE_FILE,
				 "range %lu: 0x%lx became an iomd mapping after it was described; describe it again, which gives a sub-range of that mapping's descriptor",
				 i, addr, 0, 0);
		return;
	}
	object = iomd_object_inode(vma);
	if (!object) {
		iomd_user_refuse(desc, worst, IOMD_REFUSE_FILE,
				 "range %lu: 0x%lx is memory of a file that is not shmem (page cache of a disk filesystem, hugetlbfs, SysV shared memory or a device), which iomd cannot map for another task; copy the data into a memfd or MAP_SHARED | MAP_ANONYMOUS memory",
				 i, addr, 0, 0);
		return;
	}
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (!*inode) {
		*inode = object;
		*base = pgoff - index;
		if (pgoff < index)
			iomd_user_refuse(desc, worst, IOMD_REFUSE_OBJECTS,
					 "range %lu: 0x%lx is at page %lu of its object, before the pages the ranges ahead of it would take; describe memory of one object, in the object's order",
					 i, addr, pgoff, 0);
		return;
	}
	if (object != *inode)
		iomd_user_refuse(desc, worst, IOMD_REFUSE_OBJECTS,
				 "range %lu: 0x%lx is in a different VM object than the memory before it; describe memory of one shared object",
				 i, addr, 0, 0);
	else if (pgoff != *base + index)
		iomd_user_refuse(desc, worst, IOMD_REFUSE_OBJECTS,
				 "range %lu: 0x%lx is page %lu of its object, not the page that follows the memory before it (%lu); describe one run of the object, in order",
				 i, addr, pgoff, *base + index);
}

/*
 * Check the ranges (as iomd_user_check_ranges()) and, in the same walk of
 * their mappings, decide whether they may be mapped into a task, and if
 * not say why; when they may, take a reference on the object that user
 * mappings will map.  mmap_lock held; called each time the memory is
 * wired, since the owner may have remapped it in between.  Return: 0, or
 * the check's -errno, with the judgement left for the caller to undo.
 */
int iomd_user_check_judge(struct iomd_user *u, struct iomd_why *why)
{
	struct iomd_why *share_why = &u->desc.share_why;
	struct vm_area_struct *vma;
	struct inode *inode = NULL;
	unsigned long addr, end, index;
	struct file *file = NULL;
	bool judging = true;
	pgoff_t base = 0;
	unsigned int i;
	int worst = 0, ret;

	u->desc.user_shareable = false;
	u->desc.share_fmt = NULL;
	iomd_why_clear(share_why);
	for (i = 0; i < u->desc.nr_segs; i++) {
		addr = u->ranges[i].addr;
		end = addr + u->ranges[i].length;
		/* Only the very end may stop inside a page. */
		if (offset_in_page(addr) ||
		    (offset_in_page(end) && i + 1 < u->desc.nr_segs))
			iomd_user_refuse(&u->desc, &worst, IOMD_REFUSE_BOUNDS,
					 "range %lu [0x%lx, 0x%lx) is not whole pages, and mappings are; describe page-aligned ranges (only the last may end inside a page)",
					 i, addr, end, 0);
		index = u->desc.segs[i].page_index;
		for (; addr < end; addr = vma->vm_end) {
			vma = find_vma(u->mm, addr);
			if (!vma || vma->vm_start > addr) {
				/* A hole: left to the pin, which fails on it. */
				if (judging)
					iomd_user_refuse(&u->desc, &worst,
							 IOMD_REFUSE_UNMAPPED,
							 "range %lu: 0x%lx is no longer mapped",
							 i, addr, 0, 0);
				judging = false;
				if (!vma || vma->vm_start >= end)
					break;
				addr = vma->vm_start;
			}
			ret = iomd_user_check_vma(vma, i, addr,
						  u->desc.direction, why);
			if (ret)
				return ret;
			if (!judging)
				continue;
			iomd_user_judge_vma(vma, i, addr,
					    index + ((addr & PAGE_MASK) -
						     (u->ranges[i].addr &
						      PAGE_MASK)) / PAGE_SIZE,
					    &inode, &base, &u->desc, &worst);
			if (!file && inode)
				file = vma->vm_file;
		}
	}
	if (worst)
		return 0;
	/*
	 * A descriptor that can give writable mappings counts as a writable
	 * mapping of the object, as the owner's own does: the object cannot
	 * be sealed against writing under it.
	 */
	if ((u->desc.direction & IOMD_DIR_INOUT) == IOMD_DIR_INOUT) {
		if (mapping_map_writable(inode->i_mapping)) {
			iomd_why_set(share_why, -EPERM,
				     "the memory's object is sealed against writing (F_SEAL_WRITE); describe it IOMD_DIR_IN or _OUT to share it read-only");
			return 0;
		}
		u->object_writer = true;
	}
	u->object = file->f_path;
	path_get(&u->object);
	u->object_base = base;
	u->desc.user_shareable = true;
	return 0;
}
