// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-range descriptors (I/O Kit's withAddressRange on kernel_task):
 * describe memory a driver already has.  Any kernel memory can be read and
 * written through the descriptor; only whole pages of page-allocator
 * memory can be mapped into user space.  Zone (slab) memory and partial
 * pages are refused, with a reason that names the remedy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kinds.h"

/**
 * struct iomd_krange - a descriptor of existing kernel memory
 * @desc:	the common descriptor.
 * @release:	called with @data when the descriptor dies; may be NULL.
 * @data:	argument of @release.
 * @page_refs:	a reference is held on every page (shareable ranges).
 * @addr:	the described address.
 */
struct iomd_krange {
	struct iomd_desc desc;
	void *addr;
	void (*release)(void *data);
	void *data;
	bool page_refs;
};

static void iomd_krange_release(struct iomd_desc *desc)
{
	struct iomd_krange *kr = container_of(desc, struct iomd_krange, desc);
	unsigned long i;

	if (kr->page_refs)
		for (i = 0; i < desc->npages; i++)
			put_page(desc->pages[i]);
	kvfree(desc->pages);
	if (kr->release)
		kr->release(kr->data);
	kfree(kr);
}

/* ops->vaddr: the kernel address the descriptor was made from. */
static void *iomd_krange_kmap(struct iomd_desc *desc, struct iomd_why *why)
{
	return container_of(desc, struct iomd_krange, desc)->addr;
}

/* Always wired; mapped as its own pages when they are whole pages. */
static const struct iomd_desc_ops iomd_krange_ops = {
	.name = "kernel-range",
	.foreign = true,
	.release = iomd_krange_release,
	.vaddr = iomd_krange_kmap,
};

static struct page *iomd_kaddr_to_page(const void *addr)
{
	if (is_vmalloc_addr(addr))
		return vmalloc_to_page(addr);
	if (virt_addr_valid(addr))
		return virt_to_page(addr);
	return NULL;
}

/* Decide whether user space may map @kr, and if not, say why. */
static void iomd_krange_judge(struct iomd_krange *kr, unsigned long addr,
			      size_t len)
{
	struct iomd_desc *desc = &kr->desc;
	unsigned long i;

	/* The most fundamental refusal first: no alignment would help it. */
	for (i = 0; i < desc->npages; i++) {
		if (iomd_malloc_is_zone(i ? (void *)((addr & PAGE_MASK) +
						     i * PAGE_SIZE) :
					    (void *)addr)) {
			iomd_why_set(&desc->share_why, -EPERM,
				     "range holds zone memory (iomd_malloc() of any size, kmalloc), which is private to the kernel; allocate it with iomd_malloc_aligned() in whole pages or use a buffer descriptor");
			return;
		}
	}
	if (offset_in_page(addr)) {
		iomd_why_set(&desc->share_why, -EPERM,
			     "range starts %lu bytes into a page and mappings are whole pages; describe page-aligned memory of a page-multiple size (iomd_malloc_aligned) or use a buffer descriptor",
			     offset_in_page(addr));
		return;
	}
	if (!PAGE_ALIGNED(len)) {
		iomd_why_set(&desc->share_why, -EPERM,
			     "range of %zu bytes ends inside a page and mappings are whole pages; describe a page-multiple size or use a buffer descriptor",
			     len);
		return;
	}
	for (i = 0; i < desc->npages; i++) {
		if (!page_count(desc->pages[i])) {
			iomd_why_set(&desc->share_why, -EPERM,
				     "page %lu of the range is not a reference-counted page; allocate it with iomd_malloc_aligned() in whole pages or use a buffer descriptor",
				     i);
			return;
		}
	}
	for (i = 0; i < desc->npages; i++)
		get_page(desc->pages[i]);
	kr->page_refs = true;
	desc->user_shareable = true;
}

/**
 * iomd_desc_create_kernel() - describe existing kernel memory
 * @addr:	start of the range: direct-mapped (kmalloc, page allocator,
 *		iomd_malloc*) or vmalloc memory.
 * @len:	bytes in the range.
 * @direction:	IOMD_DIR_IN, IOMD_DIR_OUT or IOMD_DIR_INOUT.
 * @release:	called with @data when the descriptor dies, so the caller
 *		knows when it may free the memory; may be NULL.
 * @data:	argument of @release.
 * @why:	failure reason; may be NULL.
 *
 * The memory must stay allocated until @release runs (or, without
 * @release, until the caller drops its last reference).  Whole pages of
 * page-allocator or vmalloc memory can be mapped into user space with
 * iomd_desc_mmap(); mapping anything else fails with -EPERM and a reason
 * that iomd_desc_last_reason() returns.  The pages of a shareable range
 * are held by the descriptor, so user mappings never see freed memory.
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, ERR_PTR(-EINVAL) for a bad
 * direction or length, ERR_PTR(-EOVERFLOW), ERR_PTR(-EFAULT) for an
 * address that is not kernel memory, or ERR_PTR(-ENOMEM).
 */
struct iomd_desc *iomd_desc_create_kernel(void *addr, size_t len,
					  u32 direction,
					  void (*release)(void *data),
					  void *data, struct iomd_why *why)
{
	unsigned long start = (unsigned long)addr, end, i;
	struct iomd_krange *kr;
	unsigned long npages;
	int ret;

	if (!direction || direction & ~IOMD_DIR_MASK)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "direction 0x%x is not IOMD_DIR_IN, IOMD_DIR_OUT or IOMD_DIR_INOUT",
					 direction));
	if (!len)
		return ERR_PTR(iomd_fail(why, -EINVAL, "length is 0"));
	if (check_add_overflow(start, len, &end))
		return ERR_PTR(iomd_fail(why, -EOVERFLOW,
					 "address + length %zu overflows", len));
	npages = (PAGE_ALIGN(end) - (start & PAGE_MASK)) >> PAGE_SHIFT;

	kr = kzalloc(sizeof(*kr), GFP_KERNEL);
	if (!kr)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	kr->desc.pages = kvcalloc(npages, sizeof(*kr->desc.pages),
				  GFP_KERNEL);
	if (!kr->desc.pages) {
		ret = iomd_fail(why, -ENOMEM, "out of memory for %lu pages",
				npages);
		goto free_kr;
	}
	for (i = 0; i < npages; i++) {
		void *p = (void *)((start & PAGE_MASK) + (i << PAGE_SHIFT));

		kr->desc.pages[i] = iomd_kaddr_to_page(p);
		if (!kr->desc.pages[i]) {
			ret = iomd_fail(why, -EFAULT,
					"address %p is not kernel memory (direct map or vmalloc)",
					p);
			goto free_pages;
		}
	}

	iomd_desc_init(&kr->desc, &iomd_krange_ops, IOMD_KIND_KERNEL,
		       direction, 0);
	kr->desc.npages = npages;
	iomd_desc_set_single(&kr->desc, len, offset_in_page(start));
	kr->desc.capacity = len;
	kr->release = release;
	kr->data = data;
	kr->addr = addr;
	iomd_krange_judge(kr, start, len);
	return &kr->desc;

free_pages:
	kvfree(kr->desc.pages);
free_kr:
	kfree(kr);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iomd_desc_create_kernel);
