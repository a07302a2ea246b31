// SPDX-License-Identifier: GPL-2.0
/*
 * iomd_edu: a PCI driver for QEMU's "edu" device that gets all of its
 * memory through iomd, as the worked example of a real driver using iomd
 * end to end.
 *
 * edu is a DMA engine: it copies up to 4 KiB between bus addresses and
 * an internal buffer (at device address 0x40000), one command at a time,
 * and raises an interrupt when a command is done.  It drives 28 address
 * bits.  The driver:
 *
 *   - takes descriptors from user space (fds of /dev/iomd: buffers, wired
 *     or unwired user memory, sub-ranges, multis, or memory it allocated
 *     itself with IOMD_EDU_IOC_ALLOC: a buffer, or iomd_malloc_contiguous()
 *     under the device's mask);
 *   - makes an iomd multi when a copy gathers several descriptors, and an
 *     iomd sub-range when it covers part of one;
 *   - wires both sides with a prepare() of its own for the whole copy,
 *     builds their sg_tables with iomd_desc_dma_sg_table() (entries no
 *     longer than the device's max segment size, none crossing its
 *     segment boundary), maps them with
 *     dma_map_sgtable() (through the IOMMU when there is one), moves the
 *     bytes in transfers of one contiguous device-address run of at most
 *     4095 bytes each (see IOMD_EDU_LOAD_MAX), then unmaps, frees and
 *     completes, in that order;
 *   - answers every refusal with an errno and a reason
 *     (IOMD_EDU_IOC_REASON), the reasons of iomd's own refusals included.
 *
 * Completion is by interrupt (MSI, else INTx).  A transfer that has not
 * finished after IOMD_EDU_DMA_TIMEOUT_MS is a broken device: the driver
 * turns bus mastering off, so the device cannot touch the memory again,
 * before the memory is unmapped and unwired.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iomd.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <uapi/linux/iomd_edu.h>

#define IOMD_EDU_VENDOR		0x1234
#define IOMD_EDU_DEVICE		0x11e8

/* BAR 0 registers. */
#define IOMD_EDU_REG_ID		0x00	/* 0xRRrr00ed: major, minor version */
#define IOMD_EDU_REG_LIVE	0x04	/* reads back the inverse of a write */
#define IOMD_EDU_REG_IRQ_STATUS	0x24
#define IOMD_EDU_REG_IRQ_ACK	0x64
#define IOMD_EDU_REG_DMA_SRC	0x80
#define IOMD_EDU_REG_DMA_DST	0x88
#define IOMD_EDU_REG_DMA_COUNT	0x90
#define IOMD_EDU_REG_DMA_CMD	0x98

#define IOMD_EDU_ID_MAGIC	0xed
#define IOMD_EDU_IRQ_DMA	0x100
#define IOMD_EDU_CMD_START	0x1
#define IOMD_EDU_CMD_TO_RAM	0x2	/* else from RAM into the buffer */
#define IOMD_EDU_CMD_IRQ	0x4
/* Device address of the internal buffer. */
#define IOMD_EDU_BUF_ADDR	0x40000
/*
 * Bytes one load of the buffer moves.  QEMU up to 7.2 checks that a
 * transfer ends *before* the buffer's last byte, and a transfer that
 * touches that byte stops the whole machine (hw_error()): so the last
 * byte is never used.
 */
#define IOMD_EDU_LOAD_MAX	(IOMD_EDU_BUFFER_SIZE - 1)

/*
 * edu finishes a command 100 ms (virtual time) after it starts; a slow
 * emulator may take much longer in real time.
 */
#define IOMD_EDU_DMA_TIMEOUT_MS	10000

/**
 * struct iomd_edu - one edu device
 * @ref:	references: the PCI binding and every open file.
 * @pdev:	the PCI device; NULL once it is gone.
 * @mmio:	BAR 0.
 * @misc:	/dev/iomd_eduN.
 * @name:	the node's name.
 * @id:		N, from iomd_edu_ida.
 * @lock:	serializes the device's use, one copy at a time; protects
 *		@pdev going away.
 * @done:	completed by the interrupt of a finished transfer.
 * @irq:	the interrupt (MSI or INTx).
 * @msi:	@irq is an MSI.
 * @iommu:	an IOMMU translates the device's addresses.
 * @broken:	a transfer never finished; bus mastering is off for good.
 * @transfers:	transfers since the probe.
 */
struct iomd_edu {
	struct kref ref;
	struct pci_dev *pdev;
	void __iomem *mmio;
	struct miscdevice misc;
	char name[16];
	int id;
	struct mutex lock;	/* one copy at a time; @pdev */
	struct completion done;
	int irq;
	bool msi;
	bool iommu;
	bool broken;
	atomic64_t transfers;
};

/**
 * struct iomd_edu_file - state of one open file
 * @edu:	the device (a reference).
 * @reason_lock: protects @reason.
 * @reason:	the last failure of a call on this file.
 */
struct iomd_edu_file {
	struct iomd_edu *edu;
	spinlock_t reason_lock;	/* protects @reason */
	struct iomd_why reason;
};

/**
 * struct iomd_edu_contig - contiguous memory a kernel-range descriptor
 *	describes, freed when the descriptor dies
 * @addr:	the allocation.
 * @size:	its size, which iomd_free_contiguous() checks.
 */
struct iomd_edu_contig {
	void *addr;
	size_t size;
};

/**
 * struct iomd_edu_side - one side of a copy, as the device sees it
 * @desc:	exactly the bytes to move (a reference).
 * @sgt:	its sg_table, from iomd_desc_dma_sg_table().
 * @dir:	DMA_TO_DEVICE (source) or DMA_FROM_DEVICE (destination).
 * @prepared:	the driver's own prepare() of @desc is held.
 * @built:	@sgt is allocated.
 * @mapped:	@sgt is mapped for the device.
 * @sg:		cursor: the DMA entry being moved.
 * @left:	cursor: DMA entries left, @sg included.
 * @off:	cursor: bytes of @sg already moved.
 */
struct iomd_edu_side {
	struct iomd_desc *desc;
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool prepared;
	bool built;
	bool mapped;
	struct scatterlist *sg;
	unsigned int left;
	size_t off;
};

static DEFINE_IDA(iomd_edu_ida);

static __printf(3, 4) int iomd_edu_fail(struct iomd_why *why, int err,
					const char *fmt, ...)
{
	va_list args;

	why->err = err;
	va_start(args, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, args);
	va_end(args);
	return err;
}

static void iomd_edu_free(struct kref *ref)
{
	struct iomd_edu *edu = container_of(ref, struct iomd_edu, ref);

	ida_free(&iomd_edu_ida, edu->id);
	kfree(edu);
}

static void iomd_edu_put(struct iomd_edu *edu)
{
	kref_put(&edu->ref, iomd_edu_free);
}

/* Whether the device's DMA goes through an IOMMU's translation. */
static bool iomd_edu_translated(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && (domain->type & __IOMMU_DOMAIN_DMA_API);
}

static irqreturn_t iomd_edu_irq(int irq, void *data)
{
	struct iomd_edu *edu = data;
	u32 status = readl(edu->mmio + IOMD_EDU_REG_IRQ_STATUS);

	/* INTx may be shared: no status bit is someone else's interrupt. */
	if (!status)
		return IRQ_NONE;
	writel(status, edu->mmio + IOMD_EDU_REG_IRQ_ACK);
	if (status & IOMD_EDU_IRQ_DMA)
		complete(&edu->done);
	return IRQ_HANDLED;
}

/*
 * One device command: @count bytes from device address @src to @dst.
 * Called with @edu->lock held.  On a timeout the device is declared
 * broken and can no longer master the bus, so whatever it still had in
 * flight cannot reach memory that the caller then unmaps.
 */
static int iomd_edu_transfer(struct iomd_edu *edu, dma_addr_t src,
			     dma_addr_t dst, u32 count, bool to_ram,
			     struct iomd_why *why)
{
	u64 cmd = IOMD_EDU_CMD_START | IOMD_EDU_CMD_IRQ;

	if (to_ram)
		cmd |= IOMD_EDU_CMD_TO_RAM;
	reinit_completion(&edu->done);
	writeq(src, edu->mmio + IOMD_EDU_REG_DMA_SRC);
	writeq(dst, edu->mmio + IOMD_EDU_REG_DMA_DST);
	writeq(count, edu->mmio + IOMD_EDU_REG_DMA_COUNT);
	writeq(cmd, edu->mmio + IOMD_EDU_REG_DMA_CMD);
	atomic64_inc(&edu->transfers);
	if (wait_for_completion_timeout(&edu->done,
					msecs_to_jiffies(IOMD_EDU_DMA_TIMEOUT_MS)))
		return 0;
	/* The interrupt may be lost while the command did finish. */
	if (!(readq(edu->mmio + IOMD_EDU_REG_DMA_CMD) & IOMD_EDU_CMD_START))
		return 0;
	pci_clear_master(edu->pdev);
	edu->broken = true;
	dev_err(&edu->pdev->dev,
		"a transfer did not finish in %d ms; bus mastering is off\n",
		IOMD_EDU_DMA_TIMEOUT_MS);
	return iomd_edu_fail(why, -ETIMEDOUT,
			     "the device did not finish a transfer of %u bytes in %d ms; it can no longer reach memory",
			     count, IOMD_EDU_DMA_TIMEOUT_MS);
}

/*
 * The next run of device addresses of @side, at most @max bytes: its
 * length, 0 when the side is exhausted.
 */
static size_t iomd_edu_next(struct iomd_edu_side *side, size_t max,
			    dma_addr_t *addr)
{
	size_t n;

	while (side->left && side->off == sg_dma_len(side->sg)) {
		side->left--;
		side->off = 0;
		if (side->left)
			side->sg = sg_next(side->sg);
	}
	if (!side->left)
		return 0;
	n = min_t(size_t, sg_dma_len(side->sg) - side->off, max);
	*addr = sg_dma_address(side->sg) + side->off;
	side->off += n;
	return n;
}

/*
 * Without an IOMMU the device sees physical addresses, and edu reaches
 * only the first 1 << IOMD_EDU_DMA_BITS bytes.  Refuse memory above that
 * here, with a reason, rather than leave it to the DMA API (which warns,
 * or bounces through swiotlb when the platform has it).
 */
static int iomd_edu_check_reach(struct device *dev, struct iomd_edu_side *side,
				struct iomd_why *why)
{
	u64 mask = dma_get_mask(dev);
	struct scatterlist *sg;
	u64 offset = 0;
	unsigned int i;

	if (iomd_edu_translated(dev))
		return 0;
	for_each_sgtable_sg(&side->sgt, sg, i) {
		phys_addr_t end = sg_phys(sg) + sg->length - 1;

		if (end > mask)
			return iomd_edu_fail(why, -ERANGE,
					     "bytes %llu+%u of the memory end at physical address %pa, above the device's %d-bit DMA mask, and no IOMMU translates its addresses",
					     offset, sg->length, &end,
					     IOMD_EDU_DMA_BITS);
		offset += sg->length;
	}
	return 0;
}

/* Wire, describe and map one side for the device. */
static int iomd_edu_side_map(struct iomd_edu *edu, struct iomd_edu_side *side,
			     bool prepare, struct iomd_why *why)
{
	struct device *dev = &edu->pdev->dev;
	const char *what = side->dir == DMA_TO_DEVICE ? "source" :
			   "destination";
	struct iomd_why iw = { };
	int ret;

	if (prepare) {
		ret = iomd_desc_prepare(side->desc, &iw);
		if (ret)
			return iomd_edu_fail(why, ret, "cannot wire the %s: %s",
					     what, iw.msg);
		side->prepared = true;
	}
	ret = iomd_desc_dma_sg_table(side->desc, dev, side->dir, &side->sgt,
				     GFP_KERNEL, &iw);
	if (ret)
		return iomd_edu_fail(why, ret,
				     "no sg_table of the %s: %s", what,
				     iw.msg);
	side->built = true;
	ret = iomd_edu_check_reach(dev, side, why);
	if (ret)
		return ret;
	ret = dma_map_sgtable(dev, &side->sgt, side->dir, 0);
	if (ret)
		return iomd_edu_fail(why, ret,
				     "the DMA API cannot map the %s (%u entries) for the device",
				     what, side->sgt.orig_nents);
	side->mapped = true;
	side->sg = side->sgt.sgl;
	side->left = side->sgt.nents;
	side->off = 0;
	return 0;
}

/* Undo iomd_edu_side_map(): unmap, free the table, complete, put. */
static void iomd_edu_side_release(struct iomd_edu *edu,
				  struct iomd_edu_side *side)
{
	if (side->mapped)
		dma_unmap_sgtable(&edu->pdev->dev, &side->sgt, side->dir, 0);
	if (side->built)
		sg_free_table(&side->sgt);
	if (side->prepared)
		iomd_desc_complete(side->desc, NULL);
	if (side->desc)
		iomd_desc_put(side->desc);
}

/*
 * The descriptor of @nr fds, end to end (an iomd multi for more than one),
 * cut to [@offset, @offset + @length) (an iomd sub-range unless that is
 * all of it), for a transfer in direction @dir.
 */
static struct iomd_desc *iomd_edu_describe(const __s32 *fds, unsigned int nr,
					   u64 offset, u64 length, u32 dir,
					   struct iomd_why *why)
{
	struct iomd_desc *parts[IOMD_EDU_MAX_PARTS];
	const char *what = dir == IOMD_DIR_OUT ? "source" : "destination";
	struct iomd_desc *whole, *desc;
	struct iomd_why iw = { };
	unsigned int i;

	for (i = 0; i < nr; i++) {
		parts[i] = iomd_desc_from_fd(fds[i], &iw);
		if (IS_ERR(parts[i])) {
			desc = ERR_PTR(iomd_edu_fail(why, PTR_ERR(parts[i]),
						     "%s fd %d: %s", what,
						     fds[i], iw.msg));
			goto put_parts;
		}
	}
	if (nr > 1) {
		whole = iomd_multi_create(parts, nr, dir, &iw);
		if (IS_ERR(whole)) {
			desc = ERR_PTR(iomd_edu_fail(why, PTR_ERR(whole),
						     "cannot gather the %s: %s",
						     what, iw.msg));
			goto put_parts;
		}
	} else {
		whole = iomd_desc_get(parts[0]);
	}
	if (!(iomd_desc_direction(whole) & dir)) {
		desc = ERR_PTR(iomd_edu_fail(why, -EACCES,
					     "the %s's direction does not let the device %s it",
					     what, dir == IOMD_DIR_OUT ?
					     "read" : "write"));
		goto put_whole;
	}
	if (!offset && length == iomd_desc_length(whole)) {
		desc = iomd_desc_get(whole);
		goto put_whole;
	}
	desc = iomd_subrange_create(whole, offset, length, dir, &iw);
	if (IS_ERR(desc))
		iomd_edu_fail(why, PTR_ERR(desc), "bytes %llu+%llu of the %s: %s",
			      offset, length, what, iw.msg);
put_whole:
	iomd_desc_put(whole);
put_parts:
	while (i--)
		iomd_desc_put(parts[i]);
	return desc;
}

/*
 * Whether the driver should stop between two buffer loads: a fatal signal,
 * or a side revoked (iomd answers ENODEV with its reason).  The transfer
 * in progress always finishes first: its memory is wired until then.
 */
static int iomd_edu_check_stop(struct iomd_edu_side *sides,
			       struct iomd_why *why)
{
	struct iomd_why iw = { };
	unsigned int i;
	long ret;

	if (fatal_signal_pending(current))
		return iomd_edu_fail(why, -EINTR, "killed during the copy");
	for (i = 0; i < 2; i++) {
		ret = iomd_desc_segments(sides[i].desc, 0, NULL, 0, &iw);
		if (ret < 0)
			return iomd_edu_fail(why, ret,
					     "the %s went away during the copy: %s",
					     i ? "destination" : "source",
					     iw.msg);
	}
	return 0;
}

/* Move @length bytes through the device's buffer; @edu->lock held. */
static int iomd_edu_move(struct iomd_edu *edu, struct iomd_edu_side *sides,
			 u64 length, u32 *transfers, struct iomd_why *why)
{
	struct iomd_edu_side *src = &sides[0], *dst = &sides[1];
	u64 done = 0;
	dma_addr_t addr;
	size_t n, at;
	int ret;

	while (done < length) {
		size_t load = min_t(u64, length - done, IOMD_EDU_LOAD_MAX);

		if (done) {
			ret = iomd_edu_check_stop(sides, why);
			if (ret)
				return ret;
		}
		for (at = 0; at < load; at += n) {
			n = iomd_edu_next(src, load - at, &addr);
			if (WARN_ON_ONCE(!n))
				return iomd_edu_fail(why, -EIO,
						     "the source's DMA segments end before its length");
			ret = iomd_edu_transfer(edu, addr,
						IOMD_EDU_BUF_ADDR + at, n,
						false, why);
			if (ret)
				return ret;
			(*transfers)++;
		}
		for (at = 0; at < load; at += n) {
			n = iomd_edu_next(dst, load - at, &addr);
			if (WARN_ON_ONCE(!n))
				return iomd_edu_fail(why, -EIO,
						     "the destination's DMA segments end before its length");
			ret = iomd_edu_transfer(edu, IOMD_EDU_BUF_ADDR + at,
						addr, n, true, why);
			if (ret)
				return ret;
			(*transfers)++;
		}
		done += load;
	}
	return 0;
}

static int iomd_edu_copy(struct iomd_edu *edu, struct iomd_edu_copy *arg,
			 struct iomd_why *why)
{
	struct iomd_edu_side sides[2] = {
		{ .dir = DMA_TO_DEVICE },
		{ .dir = DMA_FROM_DEVICE },
	};
	bool prepare = !(arg->flags & IOMD_EDU_COPY_NO_PREPARE);
	unsigned int i;
	int ret;

	if (arg->flags & ~IOMD_EDU_COPY_FLAGS)
		return iomd_edu_fail(why, -EINVAL, "unknown flags 0x%x",
				     arg->flags & ~IOMD_EDU_COPY_FLAGS);
	if (arg->transfers || arg->src_segments || arg->dst_segments ||
	    arg->reserved[0] || arg->reserved[1])
		return iomd_edu_fail(why, -EINVAL,
				     "outputs must be 0 and reserved fields zero");
	if (!arg->nr_src || arg->nr_src > IOMD_EDU_MAX_PARTS)
		return iomd_edu_fail(why, -EINVAL,
				     "%u source descriptors; 1 to %d", arg->nr_src,
				     IOMD_EDU_MAX_PARTS);
	for (i = arg->nr_src; i < IOMD_EDU_MAX_PARTS; i++)
		if (arg->src_fds[i])
			return iomd_edu_fail(why, -EINVAL,
					     "src_fds[%u] is past nr_src and must be 0",
					     i);
	if (!arg->length || arg->length > IOMD_EDU_COPY_MAX)
		return iomd_edu_fail(why, -EINVAL,
				     "length %llu; 1 to %u bytes", arg->length,
				     IOMD_EDU_COPY_MAX);

	sides[0].desc = iomd_edu_describe(arg->src_fds, arg->nr_src,
					  arg->src_offset, arg->length,
					  IOMD_DIR_OUT, why);
	if (IS_ERR(sides[0].desc))
		return PTR_ERR(sides[0].desc);
	sides[1].desc = iomd_edu_describe(&arg->dst_fd, 1, arg->dst_offset,
					  arg->length, IOMD_DIR_IN, why);
	if (IS_ERR(sides[1].desc)) {
		ret = PTR_ERR(sides[1].desc);
		sides[1].desc = NULL;
		goto release_src;
	}

	if (mutex_lock_killable(&edu->lock)) {
		ret = iomd_edu_fail(why, -EINTR,
				    "killed while waiting for the device");
		goto release_dst;
	}
	if (!edu->pdev || edu->broken) {
		ret = iomd_edu_fail(why, -ENODEV, "the device is %s",
				    edu->pdev ? "broken" : "gone");
		goto unlock;
	}
	for (i = 0; i < 2; i++) {
		ret = iomd_edu_side_map(edu, &sides[i], prepare, why);
		if (ret)
			goto unmap;
	}
	arg->src_segments = sides[0].sgt.nents;
	arg->dst_segments = sides[1].sgt.nents;
	ret = iomd_edu_move(edu, sides, arg->length, &arg->transfers, why);
unmap:
	/* Unmapped, then unwired: never the other way round. */
	iomd_edu_side_release(edu, &sides[1]);
	sides[1].desc = NULL;
	iomd_edu_side_release(edu, &sides[0]);
	sides[0].desc = NULL;
unlock:
	mutex_unlock(&edu->lock);
release_dst:
	if (sides[1].desc)
		iomd_desc_put(sides[1].desc);
release_src:
	if (sides[0].desc)
		iomd_desc_put(sides[0].desc);
	return ret;
}

static void iomd_edu_contig_release(void *data)
{
	struct iomd_edu_contig *mem = data;

	iomd_free_contiguous(mem->addr, mem->size);
	kfree(mem);
}

/* Contiguous memory under 1 << @bits, described by a kernel range. */
static struct iomd_desc *iomd_edu_alloc_contig(size_t size, u32 bits,
					       struct iomd_why *why)
{
	struct iomd_edu_contig *mem;
	struct iomd_desc *desc;
	struct iomd_why iw = { };
	phys_addr_t phys;

	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (!mem)
		return ERR_PTR(iomd_edu_fail(why, -ENOMEM, "out of memory"));
	mem->size = size;
	mem->addr = iomd_malloc_contiguous(size, 0, DMA_BIT_MASK(bits), &phys);
	if (!mem->addr) {
		kfree(mem);
		return ERR_PTR(iomd_edu_fail(why, -ENOMEM,
					     "no %zu contiguous bytes below 1 << %u (the %u-bit mask asked for)",
					     size, bits, bits));
	}
	/* From here on the descriptor owns @mem and frees it when it dies. */
	desc = iomd_desc_create_kernel(mem->addr, size, IOMD_DIR_INOUT,
				       iomd_edu_contig_release, mem, &iw);
	if (IS_ERR(desc)) {
		iomd_edu_contig_release(mem);
		return ERR_PTR(iomd_edu_fail(why, PTR_ERR(desc),
					     "cannot describe the memory: %s",
					     iw.msg));
	}
	return desc;
}

static int iomd_edu_alloc(struct iomd_edu_alloc *arg, struct iomd_why *why)
{
	struct iomd_why iw = { };
	struct iomd_desc *desc;
	size_t size;
	u32 bits;
	int fd;

	if (arg->flags)
		return iomd_edu_fail(why, -EINVAL, "unknown flags 0x%x",
				     arg->flags);
	if (arg->fd || arg->reserved[0] || arg->reserved[1])
		return iomd_edu_fail(why, -EINVAL,
				     "fd is an output and must be 0, and reserved fields zero");
	if (!arg->size || arg->size > IOMD_EDU_COPY_MAX)
		return iomd_edu_fail(why, -EINVAL, "size %llu; 1 to %u bytes",
				     arg->size, IOMD_EDU_COPY_MAX);
	size = PAGE_ALIGN(arg->size);
	switch (arg->memory) {
	case IOMD_EDU_MEM_BUFFER:
		if (arg->mask_bits)
			return iomd_edu_fail(why, -EINVAL,
					     "mask_bits is for contiguous memory only");
		desc = iomd_buffer_create(IOMD_DIR_INOUT |
					  IOMD_BUF_KERNEL_USER_SHARED, size, 0,
					  &iw);
		if (IS_ERR(desc))
			return iomd_edu_fail(why, PTR_ERR(desc),
					     "no buffer: %s", iw.msg);
		break;
	case IOMD_EDU_MEM_CONTIGUOUS:
		bits = arg->mask_bits ? arg->mask_bits : IOMD_EDU_DMA_BITS;
		if (bits > IOMD_EDU_DMA_BITS)
			return iomd_edu_fail(why, -EINVAL,
					     "a %u-bit mask allows memory the device cannot reach; at most %d bits",
					     bits, IOMD_EDU_DMA_BITS);
		desc = iomd_edu_alloc_contig(size, bits, why);
		if (IS_ERR(desc))
			return PTR_ERR(desc);
		break;
	default:
		return iomd_edu_fail(why, -EINVAL, "unknown memory kind %u",
				     arg->memory);
	}
	fd = iomd_desc_export_fd(desc, IOMD_CREATE_CLOEXEC, &iw);
	iomd_desc_put(desc);
	if (fd < 0)
		return iomd_edu_fail(why, fd, "cannot export the memory: %s",
				     iw.msg);
	arg->fd = fd;
	return 0;
}

/* Never waits for the device: a copy in progress holds @edu->lock. */
static void iomd_edu_info(struct iomd_edu *edu, struct iomd_edu_info *info)
{
	memset(info, 0, sizeof(*info));
	if (edu->iommu)
		info->flags |= IOMD_EDU_INFO_IOMMU;
	if (edu->msi)
		info->flags |= IOMD_EDU_INFO_MSI;
	info->buffer_size = IOMD_EDU_BUFFER_SIZE;
	info->dma_mask = DMA_BIT_MASK(IOMD_EDU_DMA_BITS);
	info->transfers = atomic64_read(&edu->transfers);
}

static int iomd_edu_open(struct inode *inode, struct file *file)
{
	/* misc_open() holds the misc lock: the device is still registered. */
	struct iomd_edu *edu = container_of(file->private_data,
					    struct iomd_edu, misc);
	struct iomd_edu_file *ef = kzalloc(sizeof(*ef), GFP_KERNEL);

	if (!ef)
		return -ENOMEM;
	kref_get(&edu->ref);
	ef->edu = edu;
	spin_lock_init(&ef->reason_lock);
	file->private_data = ef;
	return 0;
}

static int iomd_edu_release(struct inode *inode, struct file *file)
{
	struct iomd_edu_file *ef = file->private_data;

	iomd_edu_put(ef->edu);
	kfree(ef);
	return 0;
}

static int iomd_edu_ioc_reason(struct iomd_edu_file *ef, void __user *uarg)
{
	struct iomd_edu_reason *r;
	int ret = 0;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	if (copy_from_user(r, uarg, sizeof(*r))) {
		ret = -EFAULT;
		goto free;
	}
	if (r->errno_value || r->reserved || r->msg[0]) {
		ret = -EINVAL;
		goto free;
	}
	spin_lock(&ef->reason_lock);
	r->errno_value = -ef->reason.err;
	strscpy(r->msg, ef->reason.msg, sizeof(r->msg));
	spin_unlock(&ef->reason_lock);
	if (copy_to_user(uarg, r, sizeof(*r)))
		ret = -EFAULT;
free:
	kfree(r);
	return ret;
}

static long iomd_edu_ioctl(struct file *file, unsigned int cmd,
			   unsigned long uarg)
{
	struct iomd_edu_file *ef = file->private_data;
	void __user *argp = (void __user *)uarg;
	union {
		struct iomd_edu_info info;
		struct iomd_edu_alloc alloc;
		struct iomd_edu_copy copy;
	} arg;
	struct iomd_why *why;
	int ret;

	if (cmd == IOMD_EDU_IOC_REASON)
		return iomd_edu_ioc_reason(ef, argp);
	if (cmd != IOMD_EDU_IOC_INFO && cmd != IOMD_EDU_IOC_ALLOC &&
	    cmd != IOMD_EDU_IOC_COPY)
		return -ENOTTY;
	if (copy_from_user(&arg, argp, _IOC_SIZE(cmd)))
		return -EFAULT;
	why = kzalloc(sizeof(*why), GFP_KERNEL);
	if (!why)
		return -ENOMEM;

	switch (cmd) {
	case IOMD_EDU_IOC_INFO:
		if (arg.info.flags || arg.info.buffer_size ||
		    arg.info.dma_mask || arg.info.transfers ||
		    memchr_inv(arg.info.reserved, 0,
			       sizeof(arg.info.reserved))) {
			ret = iomd_edu_fail(why, -EINVAL,
					    "outputs must be 0 and reserved fields zero");
			break;
		}
		iomd_edu_info(ef->edu, &arg.info);
		ret = 0;
		break;
	case IOMD_EDU_IOC_ALLOC:
		ret = iomd_edu_alloc(&arg.alloc, why);
		/* On a fault below the fd stays installed: the process owns it. */
		break;
	default:
		ret = iomd_edu_copy(ef->edu, &arg.copy, why);
		break;
	}
	if (!ret && copy_to_user(argp, &arg, _IOC_SIZE(cmd)))
		ret = iomd_edu_fail(why, -EFAULT, "cannot write the result back");
	if (ret) {
		if (!why->err)
			iomd_edu_fail(why, ret, "failed");
		spin_lock(&ef->reason_lock);
		ef->reason = *why;
		spin_unlock(&ef->reason_lock);
		pr_debug("%s\n", why->msg);
	}
	kfree(why);
	return ret;
}

static const struct file_operations iomd_edu_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_edu_open,
	.release	= iomd_edu_release,
	.unlocked_ioctl	= iomd_edu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* PCI_IRQ_LEGACY became PCI_IRQ_INTX in 6.8. */
#ifdef PCI_IRQ_INTX
#define IOMD_EDU_IRQ_INTX	PCI_IRQ_INTX
#else
#define IOMD_EDU_IRQ_INTX	PCI_IRQ_LEGACY
#endif

static int iomd_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct iomd_edu *edu;
	u32 ident;
	int ret;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	kref_init(&edu->ref);
	mutex_init(&edu->lock);
	init_completion(&edu->done);
	atomic64_set(&edu->transfers, 0);
	edu->pdev = pdev;
	edu->id = ida_alloc(&iomd_edu_ida, GFP_KERNEL);
	if (edu->id < 0) {
		ret = edu->id;
		kfree(edu);
		return ret;
	}

	ret = pci_enable_device(pdev);
	if (ret)
		goto put_edu;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto disable_device;
	edu->mmio = pci_iomap(pdev, 0, 0);
	if (!edu->mmio) {
		ret = -ENOMEM;
		goto release_regions;
	}
	ident = readl(edu->mmio + IOMD_EDU_REG_ID);
	writel(0x5a5a5a5a, edu->mmio + IOMD_EDU_REG_LIVE);
	if ((ident & 0xff) != IOMD_EDU_ID_MAGIC ||
	    readl(edu->mmio + IOMD_EDU_REG_LIVE) != ~0x5a5a5a5aU) {
		dev_err(&pdev->dev, "not an edu device (id 0x%08x)\n", ident);
		ret = -ENODEV;
		goto unmap_bar;
	}
	ret = dma_set_mask_and_coherent(&pdev->dev,
					DMA_BIT_MASK(IOMD_EDU_DMA_BITS));
	if (ret) {
		dev_err(&pdev->dev, "no %d-bit DMA on this platform\n",
			IOMD_EDU_DMA_BITS);
		goto unmap_bar;
	}
	pci_set_master(pdev);
	edu->iommu = iomd_edu_translated(&pdev->dev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | IOMD_EDU_IRQ_INTX);
	if (ret < 0)
		goto clear_master;
	edu->msi = pdev->msi_enabled;
	edu->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(edu->irq, iomd_edu_irq, edu->msi ? 0 : IRQF_SHARED,
			  KBUILD_MODNAME, edu);
	if (ret)
		goto free_vectors;

	snprintf(edu->name, sizeof(edu->name), IOMD_EDU_DEVICE_NAME "%d",
		 edu->id);
	edu->misc.minor = MISC_DYNAMIC_MINOR;
	edu->misc.name = edu->name;
	edu->misc.fops = &iomd_edu_fops;
	edu->misc.parent = &pdev->dev;
	edu->misc.mode = 0600;
	ret = misc_register(&edu->misc);
	if (ret)
		goto free_irq;
	pci_set_drvdata(pdev, edu);
	dev_info(&pdev->dev, "edu %u.%u as /dev/%s: %s, %s, %d-bit DMA\n",
		 ident >> 24, (ident >> 16) & 0xff, edu->name,
		 edu->msi ? "MSI" : "INTx",
		 edu->iommu ? "IOMMU" : "no IOMMU",
		 IOMD_EDU_DMA_BITS);
	return 0;

free_irq:
	free_irq(edu->irq, edu);
free_vectors:
	pci_free_irq_vectors(pdev);
clear_master:
	pci_clear_master(pdev);
unmap_bar:
	pci_iounmap(pdev, edu->mmio);
release_regions:
	pci_release_regions(pdev);
disable_device:
	pci_disable_device(pdev);
put_edu:
	iomd_edu_put(edu);
	return ret;
}

static void iomd_edu_remove(struct pci_dev *pdev)
{
	struct iomd_edu *edu = pci_get_drvdata(pdev);

	/* No new opens; files already open find the device gone. */
	misc_deregister(&edu->misc);
	/* Waits for a copy in progress, which owns the device until done. */
	mutex_lock(&edu->lock);
	edu->pdev = NULL;
	mutex_unlock(&edu->lock);
	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, edu->mmio);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	iomd_edu_put(edu);
}

static const struct pci_device_id iomd_edu_ids[] = {
	{ PCI_DEVICE(IOMD_EDU_VENDOR, IOMD_EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, iomd_edu_ids);

static struct pci_driver iomd_edu_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= iomd_edu_ids,
	.probe		= iomd_edu_probe,
	.remove		= iomd_edu_remove,
};
module_pci_driver(iomd_edu_driver);

MODULE_DESCRIPTION("Sample PCI driver: QEMU's edu DMA engine on iomd memory");
MODULE_AUTHOR("The iomd developers");
MODULE_LICENSE("GPL");
