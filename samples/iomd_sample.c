// SPDX-License-Identifier: GPL-2.0
/*
 * iomd_sample: a small driver written against iomd's in-kernel API.
 *
 * It keeps its per-request objects in a zone of its own (bounded: a full
 * zone refuses, it never takes the machine down), and shares memory it
 * allocated with user space through kernel-range descriptors, which is how
 * a driver learns that zone memory cannot be shared and whole pages can.
 * It also imports dma-bufs for a device of its own, as a driver importing
 * iomd's (or anyone's) dma-bufs does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/iomd.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/iomd_sample.h>

#include "compat.h"

/**
 * struct iomd_sample_request - one request the fake device works on
 * @node:	entry in the owning file's list.
 * @payload:	what a real driver would fill in.
 */
struct iomd_sample_request {
	struct list_head node;
	u8 payload[IOMD_SAMPLE_REQUEST_SIZE - sizeof(struct list_head)];
};

/**
 * struct iomd_sample_file - state of one open file
 * @lock:	protects @requests.
 * @requests:	requests allocated through this file.
 */
struct iomd_sample_file {
	struct mutex lock;	/* protects @requests */
	struct list_head requests;
};

/**
 * struct iomd_sample_mem - memory a descriptor describes, freed with it
 * @addr:	the allocation.
 * @size:	its size, which iomd's frees check.
 * @memory:	IOMD_SAMPLE_MEM_* allocator.
 */
struct iomd_sample_mem {
	void *addr;
	size_t size;
	u32 memory;
};

static struct iomd_zone *iomd_sample_zone;

static int iomd_sample_open(struct inode *inode, struct file *file)
{
	struct iomd_sample_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL);

	if (!sf)
		return -ENOMEM;
	mutex_init(&sf->lock);
	INIT_LIST_HEAD(&sf->requests);
	file->private_data = sf;
	return 0;
}

static u32 iomd_sample_free_requests(struct iomd_sample_file *sf, u32 count)
{
	struct iomd_sample_request *req, *next;
	u32 done = 0;

	list_for_each_entry_safe(req, next, &sf->requests, node) {
		if (done == count)
			break;
		list_del(&req->node);
		iomd_zone_free(iomd_sample_zone, req);
		done++;
	}
	return done;
}

static int iomd_sample_release(struct inode *inode, struct file *file)
{
	struct iomd_sample_file *sf = file->private_data;

	iomd_sample_free_requests(sf, U32_MAX);
	kfree(sf);
	return 0;
}

static void iomd_sample_mem_release(void *data)
{
	struct iomd_sample_mem *mem = data;

	switch (mem->memory) {
	case IOMD_SAMPLE_MEM_MALLOC:
		iomd_free(mem->addr, mem->size);
		break;
	case IOMD_SAMPLE_MEM_ALIGNED:
		iomd_free_aligned(mem->addr, mem->size);
		break;
	case IOMD_SAMPLE_MEM_CONTIGUOUS:
		iomd_free_contiguous(mem->addr, mem->size);
		break;
	}
	kfree(mem);
}

static void *iomd_sample_mem_alloc(u32 memory, size_t size)
{
	switch (memory) {
	case IOMD_SAMPLE_MEM_MALLOC:
		return iomd_malloc(size);
	case IOMD_SAMPLE_MEM_ALIGNED:
		return iomd_malloc_aligned(size, PAGE_SIZE);
	case IOMD_SAMPLE_MEM_CONTIGUOUS:
		return iomd_malloc_contiguous(size, PAGE_SIZE, 0, NULL);
	}
	return NULL;
}

/* Allocate memory the driver's way and hand user space a descriptor. */
static int iomd_sample_export(struct iomd_sample_export __user *uarg)
{
	struct iomd_sample_export arg;
	struct iomd_sample_mem *mem;
	struct iomd_desc *desc;
	int fd, ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.fd || arg.reserved0 || arg.reserved[0] ||
	    arg.reserved[1])
		return -EINVAL;
	if (arg.memory < IOMD_SAMPLE_MEM_MALLOC ||
	    arg.memory > IOMD_SAMPLE_MEM_CONTIGUOUS || !arg.size ||
	    arg.size > SZ_16M || arg.offset >= arg.size)
		return -EINVAL;

	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	mem->memory = arg.memory;
	mem->size = arg.size;
	mem->addr = iomd_sample_mem_alloc(arg.memory, arg.size);
	if (!mem->addr) {
		kfree(mem);
		return -ENOMEM;
	}

	/* From here on the descriptor owns @mem and frees it when it dies. */
	desc = iomd_desc_create_kernel(mem->addr + arg.offset,
				       arg.size - arg.offset, IOMD_DIR_INOUT,
				       iomd_sample_mem_release, mem, NULL);
	if (IS_ERR(desc)) {
		iomd_sample_mem_release(mem);
		return PTR_ERR(desc);
	}
	fd = iomd_desc_export_fd(desc, IOMD_CREATE_CLOEXEC, NULL);
	iomd_desc_put(desc);
	if (fd < 0)
		return fd;
	ret = put_user(fd, &uarg->fd);
	/* On a fault the fd stays installed; the process still owns it. */
	return ret;
}

/* The device the sample imports dma-bufs for, as a real driver would. */
static struct platform_device *iomd_sample_pdev;

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
MODULE_IMPORT_NS(DMA_BUF);

/*
 * The device has one DMA engine: one import maps at a time.  Two imports
 * of the same memory mapped at once, both for a device that writes, would
 * be the overlapping mappings the DMA API forbids.
 */
static DEFINE_MUTEX(iomd_sample_import_lock);

/* Attach, map for DMA and vmap @dmabuf, recording each step in @arg. */
static void iomd_sample_import_steps(struct dma_buf *dmabuf,
				     struct iomd_sample_import *arg)
{
	struct device *dev = &iomd_sample_pdev->dev;
	struct dma_buf_attachment *attach;
	struct iosys_map map;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;
	u64 *first;
	int ret;

	arg->size = dmabuf->size;
	attach = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(attach)) {
		arg->attach_err = -PTR_ERR(attach);
		return;
	}
	sgt = iomd_dma_buf_map(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		arg->map_err = -PTR_ERR(sgt);
	} else {
		arg->nents = sgt->nents;
		for_each_sgtable_dma_sg(sgt, sg, i)
			arg->dma_bytes += sg_dma_len(sg);
		iomd_dma_buf_unmap(attach, sgt, DMA_BIDIRECTIONAL);
	}
	ret = iomd_dma_buf_vmap(dmabuf, &map);
	if (ret) {
		arg->vmap_err = -ret;
	} else {
		first = map.vaddr;
		arg->first = *first;
		*first = ~arg->first;
		iomd_dma_buf_vunmap(dmabuf, &map);
	}
	dma_buf_detach(dmabuf, attach);
}

static int iomd_sample_import(struct iomd_sample_import __user *uarg)
{
	struct iomd_sample_import arg;
	struct dma_buf *dmabuf;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.size || arg.attach_err || arg.map_err ||
	    arg.nents || arg.vmap_err || arg.dma_bytes || arg.first ||
	    arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	dmabuf = dma_buf_get(arg.dmabuf_fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (mutex_lock_killable(&iomd_sample_import_lock)) {
		dma_buf_put(dmabuf);
		return -EINTR;
	}
	iomd_sample_import_steps(dmabuf, &arg);
	mutex_unlock(&iomd_sample_import_lock);
	dma_buf_put(dmabuf);
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}
#else
static int iomd_sample_import(struct iomd_sample_import __user *uarg)
{
	return -EOPNOTSUPP;
}
#endif

static long iomd_sample_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct iomd_sample_requests __user *ureq = (void __user *)arg;
	struct iomd_sample_file *sf = file->private_data;
	struct iomd_sample_request *req;
	struct iomd_sample_requests r;

	if (cmd == IOMD_SAMPLE_IOC_EXPORT)
		return iomd_sample_export((void __user *)arg);
	if (cmd == IOMD_SAMPLE_IOC_IMPORT)
		return iomd_sample_import((void __user *)arg);
	if (cmd != IOMD_SAMPLE_IOC_ALLOC && cmd != IOMD_SAMPLE_IOC_FREE)
		return -ENOTTY;
	if (copy_from_user(&r, ureq, sizeof(r)))
		return -EFAULT;
	if (r.done || r.reserved)
		return -EINVAL;

	mutex_lock(&sf->lock);
	if (cmd == IOMD_SAMPLE_IOC_FREE) {
		r.done = iomd_sample_free_requests(sf, r.count);
	} else {
		for (; r.done < r.count; r.done++) {
			/* A full zone is an answer, not a crash. */
			req = iomd_zone_alloc(iomd_sample_zone, GFP_KERNEL);
			if (!req)
				break;
			list_add(&req->node, &sf->requests);
		}
	}
	mutex_unlock(&sf->lock);
	return copy_to_user(ureq, &r, sizeof(r)) ? -EFAULT : 0;
}

static const struct file_operations iomd_sample_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_sample_open,
	.release	= iomd_sample_release,
	.unlocked_ioctl	= iomd_sample_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice iomd_sample_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= IOMD_SAMPLE_DEVICE_NAME,
	.fops	= &iomd_sample_fops,
	.mode	= 0666,
};

static int __init iomd_sample_init(void)
{
	struct iomd_why why;
	int ret;

	iomd_sample_zone = iomd_zone_create(IOMD_SAMPLE_ZONE_NAME,
					    sizeof(struct iomd_sample_request),
					    IOMD_SAMPLE_ZONE_LIMIT, &why);
	if (IS_ERR(iomd_sample_zone)) {
		pr_err("cannot create zone: %s\n", why.msg);
		return PTR_ERR(iomd_sample_zone);
	}
	iomd_sample_pdev = platform_device_register_simple("iomd_sample", -1,
							   NULL, 0);
	if (IS_ERR(iomd_sample_pdev)) {
		ret = PTR_ERR(iomd_sample_pdev);
		goto destroy_zone;
	}
	ret = dma_coerce_mask_and_coherent(&iomd_sample_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret)
		goto unregister_pdev;
	ret = misc_register(&iomd_sample_miscdev);
	if (ret)
		goto unregister_pdev;
	return 0;

unregister_pdev:
	platform_device_unregister(iomd_sample_pdev);
destroy_zone:
	iomd_zone_destroy(iomd_sample_zone);
	return ret;
}

static void __exit iomd_sample_exit(void)
{
	misc_deregister(&iomd_sample_miscdev);
	platform_device_unregister(iomd_sample_pdev);
	iomd_zone_destroy(iomd_sample_zone);
}

module_init(iomd_sample_init);
module_exit(iomd_sample_exit);

MODULE_DESCRIPTION("Sample driver using iomd zones and descriptors");
MODULE_AUTHOR("The iomd developers");
MODULE_LICENSE("GPL");
