// SPDX-License-Identifier: GPL-2.0
/*
 * Imported dma-bufs (IOMD_KIND_DMABUF): another exporter's buffer (a
 * udmabuf, a dma-heap buffer, a GPU's, iomd's own) as an iomd descriptor,
 * so a driver can read, write, compose and DMA it like any other.
 *
 * The memory stays the exporter's.  The descriptor holds a reference on
 * the dma-buf, attaches a device of iomd's own to it and keeps that
 * attachment mapped (a static importer: the exporter keeps the memory in
 * place for as long as the mapping lasts) and keeps the exporter's kernel
 * mapping (vmap).  It never takes page references and never inserts the
 * pages into a mapping of iomd's: user mappings are handed to the
 * dma-buf's own mmap (dma_buf_mmap()), and a composite holding an import
 * cannot be mapped at all.
 *
 * The pages iomd's common code walks (kernel access, segments, sg_tables,
 * composites) are those behind the exporter's kernel mapping: an importer
 * must not look at the pages of the sg_table it is given (the dma-buf
 * core scrambles them under CONFIG_DMABUF_DEBUG), while the vmap is the
 * exporter's own statement of which memory the buffer is.  Exporters whose
 * vmap is I/O memory or has no struct pages are refused.
 *
 * iomd's device never moves a byte: its attachment is mapped DMA_TO_DEVICE,
 * which claims no cache lines (DMA-API debug tracks only mappings a device
 * writes, and reports two that overlap) and asks nothing of the caches at
 * unmap, so a driver's own mapping of the descriptor for its device (the
 * edu sample's) is the only one that writes.  For the same reason iomd
 * does not open CPU access (dma_buf_begin_cpu_access()) itself: exporters
 * answer it as they see fit, udmabuf by mapping the buffer for a device of
 * its own until the buffer dies; and bracketing each access would reach
 * the reservation lock from under a composite's lock, the reverse of
 * mapping an exported composite.  Whoever shares the buffer with other
 * devices brackets CPU access on the dma-buf (DMA_BUF_IOCTL_SYNC).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kinds.h"

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)

MODULE_IMPORT_NS(DMA_BUF);

/* The device iomd attaches to the dma-bufs it imports. */
static struct platform_device *iomd_import_pdev;

/**
 * struct iomd_import - a descriptor of an imported dma-buf
 * @desc:	the common descriptor; @desc.pages are the exporter's.
 * @dmabuf:	the dma-buf (a reference).
 * @attach:	iomd's attachment to it.
 * @sgt:	the attachment's mapping (DMA_TO_DEVICE), kept for the
 *		descriptor's life.
 * @map:	the exporter's kernel mapping of the whole buffer.
 */
struct iomd_import {
	struct iomd_desc desc;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct iosys_map map;
};

static struct iomd_import *to_import(struct iomd_desc *desc)
{
	return container_of(desc, struct iomd_import, desc);
}

/* Undo what iomd_import_attach() did, in reverse. */
static void iomd_import_detach(struct iomd_import *im)
{
	if (!iosys_map_is_null(&im->map))
		iomd_dma_buf_vunmap(im->dmabuf, &im->map);
	if (im->sgt)
		iomd_dma_buf_unmap(im->attach, im->sgt, DMA_TO_DEVICE);
	if (im->attach)
		dma_buf_detach(im->dmabuf, im->attach);
	dma_buf_put(im->dmabuf);
}

static void iomd_import_release(struct iomd_desc *desc)
{
	struct iomd_import *im = to_import(desc);

	iomd_import_detach(im);
	kvfree(desc->pages);
	kfree(im);
}

/* ops->vaddr: the exporter's own kernel mapping, valid for our life. */
static void *iomd_import_vaddr(struct iomd_desc *desc, struct iomd_why *why)
{
	return to_import(desc)->map.vaddr;
}

/*
 * ops->mmap: the dma-buf maps its memory itself, with its own vm_ops, as
 * a mapping of the dma-buf file would; iomd has checked the protection
 * against the descriptor's direction and the dma-buf's file mode.
 */
static int iomd_import_mmap(struct iomd_desc *desc,
			    struct vm_area_struct *vma, struct iomd_why *why)
{
	int ret = dma_buf_mmap(to_import(desc)->dmabuf, vma, vma->vm_pgoff);

	if (ret)
		return iomd_fail(why, ret,
				 "the dma-buf's exporter refused the mapping");
	return 0;
}

static const struct iomd_desc_ops iomd_import_ops = {
	.name		= "dma-buf",
	.foreign	= true,
	.release	= iomd_import_release,
	.vaddr		= iomd_import_vaddr,
	.mmap		= iomd_import_mmap,
};

/* Attach iomd's device, map the attachment and vmap the buffer. */
static int iomd_import_attach(struct iomd_import *im, struct iomd_why *why)
{
	struct dma_buf *dmabuf = im->dmabuf;
	int ret;

	im->attach = dma_buf_attach(dmabuf, &iomd_import_pdev->dev);
	if (IS_ERR(im->attach)) {
		ret = PTR_ERR(im->attach);
		im->attach = NULL;
		return iomd_fail(why, ret,
				 "the exporter (%s) refused to attach iomd's device",
				 dmabuf->exp_name);
	}
	im->sgt = iomd_dma_buf_map(im->attach, DMA_TO_DEVICE);
	if (IS_ERR_OR_NULL(im->sgt)) {
		ret = im->sgt ? PTR_ERR(im->sgt) : -ENOMEM;
		im->sgt = NULL;
		return iomd_fail(why, ret,
				 "the exporter (%s) refused to map the buffer for iomd's device",
				 dmabuf->exp_name);
	}
	ret = iomd_dma_buf_vmap(dmabuf, &im->map);
	if (ret) {
		iosys_map_clear(&im->map);
		return iomd_fail(why, ret == -EINVAL ? -EOPNOTSUPP : ret,
				 "the exporter (%s) gives no kernel mapping of the buffer",
				 dmabuf->exp_name);
	}
	if (im->map.is_iomem) {
		ret = iomd_fail(why, -EOPNOTSUPP,
				"the exporter's (%s) buffer is I/O memory, which iomd cannot describe",
				dmabuf->exp_name);
		iomd_dma_buf_vunmap(dmabuf, &im->map);
		iosys_map_clear(&im->map);
		return ret;
	}
	return 0;
}

/* The pages behind the exporter's kernel mapping, in order. */
static int iomd_import_pages(struct iomd_import *im, unsigned long npages,
			     struct iomd_why *why)
{
	struct iomd_desc *desc = &im->desc;
	unsigned long i;

	desc->pages = kvcalloc(npages, sizeof(*desc->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!desc->pages)
		return iomd_fail(why, -ENOMEM, "out of memory for %lu pages",
				 npages);
	for (i = 0; i < npages; i++) {
		const void *p = im->map.vaddr + (i << PAGE_SHIFT);

		if (is_vmalloc_addr(p))
			desc->pages[i] = vmalloc_to_page(p);
		else if (virt_addr_valid(p))
			desc->pages[i] = virt_to_page(p);
		if (!desc->pages[i])
			return iomd_fail(why, -EOPNOTSUPP,
					 "page %lu of the exporter's (%s) kernel mapping has no struct page",
					 i, im->dmabuf->exp_name);
	}
	desc->npages = npages;
	return 0;
}

/* Check @direction against what @dmabuf's file allows; 0 or why not. */
static int iomd_import_check(struct dma_buf *dmabuf, u32 direction,
			     struct iomd_why *why)
{
	fmode_t mode = dmabuf->file->f_mode;

	if (!direction || direction & ~IOMD_DIR_MASK)
		return iomd_fail(why, -EINVAL,
				 "direction 0x%x is not IOMD_DIR_IN, IOMD_DIR_OUT or IOMD_DIR_INOUT",
				 direction);
	if (!(mode & FMODE_READ))
		return iomd_fail(why, -EACCES,
				 "the dma-buf was opened write-only, and a descriptor can always be read");
	if ((direction & IOMD_DIR_IN) && !(mode & FMODE_WRITE))
		return iomd_fail(why, -EACCES,
				 "the dma-buf is read-only but direction IN lets the device write it; use IOMD_DIR_OUT");
	if (!dmabuf->size || !PAGE_ALIGNED(dmabuf->size))
		return iomd_fail(why, -EINVAL,
				 "the dma-buf's size %zu is not whole pages",
				 dmabuf->size);
	return 0;
}

/**
 * iomd_desc_import_dmabuf() - describe a dma-buf's memory
 * @dmabuf:	the dma-buf; the descriptor takes a reference of its own.
 * @direction:	IOMD_DIR_IN, IOMD_DIR_OUT or IOMD_DIR_INOUT; IN needs a
 *		dma-buf open for writing.
 * @why:	failure reason; may be NULL.
 *
 * The descriptor (IOMD_KIND_DMABUF) attaches a device of iomd's own to
 * @dmabuf and keeps the attachment mapped and the buffer vmapped until it
 * dies, so a static exporter keeps the memory in place; the memory stays
 * the exporter's.  It is always wired, is read and written through the
 * exporter's kernel mapping, has segments and an sg_table, and can be a part of
 * sub-ranges and multis.  iomd_desc_mmap() hands the mapping to
 * dma_buf_mmap(); composites holding it cannot be mapped.  A dma-buf open
 * read-only cannot be written through the descriptor.  After
 * iomd_desc_revoke() kernel access and new mappings fail with -ENODEV;
 * mappings made before are the exporter's and stay.
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, or ERR_PTR(-EINVAL) (bad
 * direction, a size that is not whole pages), ERR_PTR(-EACCES) (a
 * write-only dma-buf, or a read-only one with direction IN),
 * ERR_PTR(-EOPNOTSUPP) (no dma-buf support, or memory without a kernel
 * mapping of struct pages), the exporter's errors of attach, map and
 * vmap, or ERR_PTR(-ENOMEM).
 */
struct iomd_desc *iomd_desc_import_dmabuf(struct dma_buf *dmabuf,
					  u32 direction, struct iomd_why *why)
{
	struct iomd_import *im;
	int ret;

	ret = iomd_import_check(dmabuf, direction, why);
	if (ret)
		return ERR_PTR(ret);
	im = kzalloc(sizeof(*im), GFP_KERNEL_ACCOUNT);
	if (!im)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	get_dma_buf(dmabuf);
	im->dmabuf = dmabuf;
	ret = iomd_import_attach(im, why);
	if (ret)
		goto detach;
	ret = iomd_import_pages(im, dmabuf->size >> PAGE_SHIFT, why);
	if (ret)
		goto free_pages;

	iomd_desc_init(&im->desc, &iomd_import_ops, IOMD_KIND_DMABUF,
		       direction, 0);
	iomd_desc_set_single(&im->desc, dmabuf->size, 0);
	im->desc.capacity = dmabuf->size;
	im->desc.writable = dmabuf->file->f_mode & FMODE_WRITE;
	im->desc.user_shareable = !!dmabuf->ops->mmap;
	if (!im->desc.user_shareable)
		iomd_why_set(&im->desc.share_why, -EPERM,
			     "the dma-buf's exporter (%s) does not support mmap, and iomd maps a dma-buf only through it",
			     dmabuf->exp_name);
	return &im->desc;

free_pages:
	kvfree(im->desc.pages);
detach:
	iomd_import_detach(im);
	kfree(im);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iomd_desc_import_dmabuf);

/* IOMD_IOC_IMPORT_DMABUF: a new descriptor of the dma-buf @fd. */
struct iomd_desc *iomd_dmabuf_import_fd(int fd, u32 direction,
					struct iomd_why *why)
{
	struct iomd_desc *desc;
	struct dma_buf *dmabuf;
	fmode_t mode;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf)) {
		if (PTR_ERR(dmabuf) == -EBADF)
			return ERR_PTR(iomd_fail(why, -EBADF,
						 "fd %d is not open", fd));
		return ERR_PTR(iomd_fail(why, -EBADFD,
					 "fd %d is not a dma-buf", fd));
	}
	mode = dmabuf->file->f_mode;
	if (!direction)
		direction = mode & FMODE_WRITE ? IOMD_DIR_INOUT : IOMD_DIR_OUT;
	desc = iomd_desc_import_dmabuf(dmabuf, direction, why);
	dma_buf_put(dmabuf);
	return desc;
}

int iomd_dmabuf_import_init(void)
{
	int ret;

	iomd_import_pdev = platform_device_register_simple("iomd_import", -1,
							   NULL, 0);
	if (IS_ERR(iomd_import_pdev))
		return PTR_ERR(iomd_import_pdev);
	/* The CPU's view: iomd's device reaches all memory, untranslated. */
	ret = dma_coerce_mask_and_coherent(&iomd_import_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret)
		platform_device_unregister(iomd_import_pdev);
	return ret;
}

void iomd_dmabuf_import_exit(void)
{
	platform_device_unregister(iomd_import_pdev);
}

#else /* !CONFIG_DMA_SHARED_BUFFER */

struct iomd_desc *iomd_desc_import_dmabuf(struct dma_buf *dmabuf,
					  u32 direction, struct iomd_why *why)
{
	return ERR_PTR(iomd_fail(why, -EOPNOTSUPP,
				 "this kernel has no dma-buf support (CONFIG_DMA_SHARED_BUFFER)"));
}
EXPORT_SYMBOL_GPL(iomd_desc_import_dmabuf);

struct iomd_desc *iomd_dmabuf_import_fd(int fd, u32 direction,
					struct iomd_why *why)
{
	return iomd_desc_import_dmabuf(NULL, direction, why);
}

int iomd_dmabuf_import_init(void)
{
	return 0;
}

void iomd_dmabuf_import_exit(void)
{
}

#endif /* CONFIG_DMA_SHARED_BUFFER */
