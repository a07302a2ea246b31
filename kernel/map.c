// SPDX-License-Identifier: GPL-2.0
/*
 * User mappings of descriptors (I/O Kit's createMappingInTask into the
 * calling task).  Pages are inserted as struct pages into a VM_MIXEDMAP
 * mapping, never as raw PFNs, so that pin_user_pages() users such as
 * O_DIRECT and io_uring keep working on the mapped range.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>

#include "internal.h"

/*
 * Pages zapped after mmap (MADV_DONTNEED, for instance) come back here,
 * one at a time.
 */
static vm_fault_t iomd_map_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct iomd_desc *desc = vma->vm_private_data;
	int ret;

	if (vmf->pgoff >= desc->npages)
		return VM_FAULT_SIGBUS;
	ret = vm_insert_page(vma, vmf->address & PAGE_MASK,
			     desc->pages[vmf->pgoff]);
	if (!ret || ret == -EBUSY)
		return VM_FAULT_NOPAGE;
	return ret == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/*
 * Each mapping holds the descriptor's pages (a wire count, for user
 * memory) so that faults and the mapping itself never see them change;
 * a copy made by fork() or a split takes its own.
 */
static void iomd_map_open(struct vm_area_struct *vma)
{
	WARN_ON_ONCE(iomd_desc_hold(vma->vm_private_data, NULL));
}

static void iomd_map_close(struct vm_area_struct *vma)
{
	iomd_desc_unhold(vma->vm_private_data);
}

static const struct vm_operations_struct iomd_vm_ops = {
	.open = iomd_map_open,
	.close = iomd_map_close,
	.fault = iomd_map_fault,
};

/**
 * iomd_desc_mmap() - map a descriptor into the task that owns @vma
 * @desc:	the descriptor; the caller keeps it alive for the life of
 *		@vma (through vma->vm_file, normally).
 * @vma:	the new mapping, as handed to a driver's mmap file operation;
 *		vma->vm_pgoff is the first page of @desc to map.
 * @why:	failure reason; may be NULL.
 *
 * Drivers call this from their own mmap() to give user space a
 * descriptor's memory.  Every page is mapped before returning.  A
 * descriptor without IOMD_DIR_OUT is mapped read-only and the mapping can
 * never be made writable.  The mapping cannot be grown with mremap().
 *
 * Context: mmap_lock held for writing, as in f_op->mmap.
 * Return: 0, -EINVAL (private mapping, or the range passes the end),
 * -EACCES (writable mapping of a read-only descriptor), -EPERM (memory
 * that cannot be shared with user space: zone memory, partial pages, a
 * buffer made without IOMD_BUF_KERNEL_USER_SHARED; the reason names the
 * remedy), or -ENOMEM.
 */
int iomd_desc_mmap(struct iomd_desc *desc, struct vm_area_struct *vma,
		   struct iomd_why *why)
{
	unsigned long count = vma_pages(vma);
	unsigned long left;
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
	if (!(desc->direction & IOMD_DIR_OUT) || !desc->writable) {
		if ((vma->vm_flags & VM_WRITE) && desc->writable) {
			ret = iomd_fail(why, -EACCES,
					"descriptor direction IN lets user space read only; map it without PROT_WRITE");
			goto unhold;
		}
		if (vma->vm_flags & VM_WRITE) {
			ret = iomd_fail(why, -EACCES,
					"the memory was pinned read-only (direction OUT); map it without PROT_WRITE");
			goto unhold;
		}
		iomd_vm_flags_clear(vma, VM_MAYWRITE);
	}

	iomd_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	vma->vm_ops = &iomd_vm_ops;
	vma->vm_private_data = desc;

	left = count;
	ret = vm_insert_pages(vma, vma->vm_start, desc->pages + vma->vm_pgoff,
			      &left);
	if (ret) {
		/* The core unmaps the range; ->close is not called. */
		ret = iomd_fail(why, ret,
				"inserting %lu pages failed with %lu left",
				count, left);
		goto unhold;
	}
	return 0;

unhold:
	iomd_desc_unhold(desc);
	return ret;
}
EXPORT_SYMBOL_GPL(iomd_desc_mmap);
