// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf export: any descriptor that user space may map becomes a
 * dma-buf, so its memory can cross into DRM, V4L2, RDMA and the rest of
 * the kernel's buffer-sharing world.
 *
 * The dma-buf holds the descriptor and one prepare() of it for its whole
 * life, so user memory stays wired while any importer may use it.
 * Importers get the descriptor's DMA view (iomd_desc_sg_table()) mapped
 * for their device; mmap() of the dma-buf is handed to the descriptor's
 * own file, so it follows iomd's mapping rules and iomd_desc_revoke()
 * zaps it like any other mapping; vmap() is iomd_desc_kmap().  After a
 * revoke no importer can attach or map any more; what an importer mapped
 * before stays mapped until it unmaps (a static exporter cannot take
 * memory back from a device).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "client.h"

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct iomd_dmabuf - what an exported dma-buf holds
 * @desc:	the descriptor, held (through @file) and prepared once.
 * @file:	a file of the descriptor, for forwarding mmap().
 * @lock:	protects @attachments.
 * @attachments: struct iomd_dmabuf_attach of every attached device.
 */
struct iomd_dmabuf {
	struct iomd_desc *desc;
	struct file *file;
	struct mutex lock;	/* protects @attachments */
	struct list_head attachments;
};

/**
 * struct iomd_dmabuf_attach - one importing device
 * @node:	in struct iomd_dmabuf.attachments.
 * @dev:	the device.
 * @sgt:	the table mapped for it, NULL when not mapped.
 * @dir:	the direction @sgt was mapped with.
 */
struct iomd_dmabuf_attach {
	struct list_head node;
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static int iomd_dmabuf_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct iomd_dmabuf *xb = dmabuf->priv;
	struct iomd_dmabuf_attach *a;

	if (READ_ONCE(xb->desc->revoked))
		return -ENODEV;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&xb->lock);
	list_add(&a->node, &xb->attachments);
	mutex_unlock(&xb->lock);
	return 0;
}

static void iomd_dmabuf_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct iomd_dmabuf *xb = dmabuf->priv;
	struct iomd_dmabuf_attach *a = attach->priv;

	mutex_lock(&xb->lock);
	list_del(&a->node);
	mutex_unlock(&xb->lock);
	kfree(a);
}

static struct sg_table *
iomd_dmabuf_map(struct dma_buf_attachment *attach,
		enum dma_data_direction dir)
{
	struct iomd_dmabuf *xb = attach->dmabuf->priv;
	struct iomd_dmabuf_attach *a = attach->priv;
	struct iomd_why why = { };
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	/*
	 * Cut to the device's segment limits.  Fails once the descriptor is
	 * revoked, for a device whose segments are below a page, and for a
	 * device that writes memory the descriptor holds twice; the importer
	 * sees only the errno, the descriptor's reason says why.
	 */
	ret = iomd_desc_dma_sg_table(xb->desc, attach->dev, dir, sgt,
				     GFP_KERNEL, &why);
	if (ret) {
		iomd_desc_set_reason(xb->desc, &why);
		goto free_sgt;
	}
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret)
		goto free_table;
	mutex_lock(&xb->lock);
	a->sgt = sgt;
	a->dir = dir;
	mutex_unlock(&xb->lock);
	return sgt;

free_table:
	sg_free_table(sgt);
free_sgt:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void iomd_dmabuf_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	struct iomd_dmabuf *xb = attach->dmabuf->priv;
	struct iomd_dmabuf_attach *a = attach->priv;

	mutex_lock(&xb->lock);
	if (a->sgt == sgt)
		a->sgt = NULL;
	mutex_unlock(&xb->lock);
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

/*
 * Sync every attachment's mapping before the CPU touches the memory
 * (@for_cpu: the devices' writes become visible) or after it is done.
 */
static void iomd_dmabuf_sync(struct iomd_dmabuf *xb, bool for_cpu)
{
	struct iomd_dmabuf_attach *a;

	mutex_lock(&xb->lock);
	list_for_each_entry(a, &xb->attachments, node) {
		if (!a->sgt)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, a->sgt, a->dir);
		else
			dma_sync_sgtable_for_device(a->dev, a->sgt, a->dir);
	}
	mutex_unlock(&xb->lock);
}

static int iomd_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	iomd_dmabuf_sync(dmabuf->priv, true);
	return 0;
}

static int iomd_dmabuf_end_cpu(struct dma_buf *dmabuf,
			       enum dma_data_direction dir)
{
	iomd_dmabuf_sync(dmabuf->priv, false);
	return 0;
}

/*
 * Hand the mapping to the descriptor's own file, as dma_buf_mmap() hands
 * one to its exporter: the same rules as mmap() of a descriptor fd, and
 * revoke reaches it through the descriptor's address_space.
 */
static int iomd_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct iomd_dmabuf *xb = dmabuf->priv;
	struct iomd_why why;
	int ret;

	vma_set_file(vma, xb->file);
	ret = iomd_desc_mmap(xb->desc, vma, &why);
	if (ret)
		iomd_desc_set_reason(xb->desc, &why);
	return ret;
}

static int iomd_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct iomd_dmabuf *xb = dmabuf->priv;
	void *vaddr = iomd_desc_kmap(xb->desc, NULL);

	if (IS_ERR(vaddr))
		return PTR_ERR(vaddr);
	/* Valid while the dma-buf's prepare() lasts, which is its life. */
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void iomd_dmabuf_release(struct dma_buf *dmabuf)
{
	struct iomd_dmabuf *xb = dmabuf->priv;

	iomd_desc_complete(xb->desc, NULL);
	fput(xb->file);			/* and with it the descriptor */
	kfree(xb);
}

static const struct dma_buf_ops iomd_dmabuf_ops = {
	.attach			= iomd_dmabuf_attach,
	.detach			= iomd_dmabuf_detach,
	.map_dma_buf		= iomd_dmabuf_map,
	.unmap_dma_buf		= iomd_dmabuf_unmap,
	.begin_cpu_access	= iomd_dmabuf_begin_cpu,
	.end_cpu_access		= iomd_dmabuf_end_cpu,
	.mmap			= iomd_dmabuf_mmap,
	.vmap			= iomd_dmabuf_vmap,
	.release		= iomd_dmabuf_release,
};

/**
 * iomd_desc_export_dmabuf() - make a descriptor a dma-buf
 * @desc:	the descriptor; one user space may map (see iomd_desc_mmap()).
 * @why:	failure reason; may be NULL.
 *
 * The dma-buf takes a reference on @desc and prepares it (wires user
 * memory) for its whole life; importers see the descriptor's DMA view,
 * mmap() and vmap() see its memory.  Revoking @desc zaps the dma-buf's
 * user mappings and makes later attachments and maps fail with -ENODEV.
 *
 * Context: process context; may sleep.
 * Return: the dma-buf (dma_buf_fd() gives it to user space, dma_buf_put()
 * drops it), or ERR_PTR(-ENODEV) (revoked), ERR_PTR(-EPERM) (memory user
 * space may not map; the reason says why), the errors of
 * iomd_desc_prepare(), ERR_PTR(-EOPNOTSUPP) (a kernel without dma-buf),
 * or ERR_PTR(-ENOMEM).
 */
struct dma_buf *iomd_desc_export_dmabuf(struct iomd_desc *desc,
					struct iomd_why *why)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct iomd_dmabuf *xb;
	struct dma_buf *dmabuf;
	int ret;

	xb = kzalloc(sizeof(*xb), GFP_KERNEL_ACCOUNT);
	if (!xb)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	mutex_init(&xb->lock);
	INIT_LIST_HEAD(&xb->attachments);
	xb->desc = desc;
	xb->file = iomd_file_create(desc);
	if (IS_ERR(xb->file)) {
		ret = iomd_fail(why, PTR_ERR(xb->file),
				"cannot create the descriptor's file");
		goto free_xb;
	}
	/* Fails if revoked.  User memory is judged shareable when wired. */
	ret = iomd_desc_prepare(desc, why);
	if (ret)
		goto put_file;
	if (!desc->user_shareable) {
		ret = iomd_desc_share_refusal(desc, why);
		goto complete;
	}

	info.ops = &iomd_dmabuf_ops;
	info.size = desc->npages << PAGE_SHIFT;
	info.flags = O_RDWR;
	info.priv = xb;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		ret = iomd_fail(why, PTR_ERR(dmabuf),
				"the dma-buf core refused the export");
		goto complete;
	}
	return dmabuf;

complete:
	iomd_desc_complete(desc, NULL);
put_file:
	fput(xb->file);
free_xb:
	kfree(xb);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iomd_desc_export_dmabuf);

/* IOMD_IOC_EXPORT_DMABUF: export @desc as a new dma-buf fd, or -errno. */
int iomd_dmabuf_export_fd(struct iomd_desc *desc, u32 flags,
			  struct iomd_why *why)
{
	struct dma_buf *dmabuf = iomd_desc_export_dmabuf(desc, why);
	int fd;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = dma_buf_fd(dmabuf, O_RDWR |
			(flags & IOMD_CREATE_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return iomd_fail(why, fd, "no free file descriptor");
	}
	return fd;
}

#else /* !CONFIG_DMA_SHARED_BUFFER */

struct dma_buf *iomd_desc_export_dmabuf(struct iomd_desc *desc,
					struct iomd_why *why)
{
	return ERR_PTR(iomd_fail(why, -EOPNOTSUPP,
				 "this kernel has no dma-buf support (CONFIG_DMA_SHARED_BUFFER)"));
}
EXPORT_SYMBOL_GPL(iomd_desc_export_dmabuf);

int iomd_dmabuf_export_fd(struct iomd_desc *desc, u32 flags,
			  struct iomd_why *why)
{
	return PTR_ERR(iomd_desc_export_dmabuf(desc, why));
}

#endif /* CONFIG_DMA_SHARED_BUFFER */
