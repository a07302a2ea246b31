// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA view of a descriptor (I/O Kit's getPhysicalSegment): its bytes
 * as runs of physically contiguous memory, for a driver to program a
 * device with (as an sg_table for dma_map_sgtable()) and for user space to
 * inspect (IOMD_IOC_SEGMENTS; addresses and runs longer than a page only
 * with CAP_SYS_ADMIN).
 *
 * The runs come from one walk over the descriptor's segments page by
 * page: a piece that starts where the previous run ends physically
 * extends it, anything else starts a new run.  So a physically
 * contiguous buffer is one run, and two user ranges that meet inside a
 * page are one run too.  Every kind is walked the same way, composites
 * included; the pages must be held (wired) while the walk runs, and stay
 * valid for the caller only as long as it keeps the descriptor wired.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "core.h"

/**
 * struct iomd_dma_run - a run being built by iomd_dma_walk()
 * @seg:	offset, length and physical address of the run.
 * @page:	the page holding its first byte.
 */
struct iomd_dma_run {
	struct iomd_segment_run seg;
	struct page *page;
};

/*
 * Hand each run of held @desc, at most @max_len bytes long (0: never
 * crossing a page boundary) and never crossing a multiple of @boundary + 1
 * (a device's segment boundary mask; U64_MAX for none), with its index to
 * @emit in order.  @emit returns 0 to go on, a negative errno to fail, or
 * a positive value to stop.  Returns the number of runs, or what @emit
 * returned to end the walk.
 */
static long iomd_dma_walk(struct iomd_desc *desc, u64 max_len, u64 boundary,
			  int (*emit)(const struct iomd_dma_run *run,
				      unsigned long index, void *ctx),
			  void *ctx)
{
	struct iomd_dma_run run = { };
	unsigned long count = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < desc->nr_segs; i++) {
		const struct iomd_seg *seg = &desc->segs[i];
		size_t done = 0;

		while (done < seg->length) {
			size_t p = seg->first_offset + done;
			size_t n = min_t(size_t, seg->length - done,
					 PAGE_SIZE - offset_in_page(p));
			struct page *page = desc->pages[seg->page_index +
							(p >> PAGE_SHIFT)];
			phys_addr_t phys = page_to_phys(page) +
					   offset_in_page(p);
			u64 room = boundary - (phys & boundary);

			/* A piece never crosses a boundary or passes max_len. */
			if (room < n - 1)
				n = room + 1;
			if (max_len && n > max_len)
				n = max_len;
			if (run.seg.length &&
			    run.seg.phys + run.seg.length == phys &&
			    (run.seg.phys & ~boundary) == (phys & ~boundary) &&
			    (max_len ? run.seg.length + n <= max_len :
			     page == run.page)) {
				run.seg.length += n;
			} else {
				if (run.seg.length) {
					ret = emit ? emit(&run, count, ctx) : 0;
					if (ret)
						return ret;
					count++;
				}
				run.seg.offset = seg->start + done;
				run.seg.length = n;
				run.seg.phys = phys;
				run.page = page;
			}
			done += n;
		}
	}
	if (run.seg.length) {
		ret = emit ? emit(&run, count, ctx) : 0;
		if (ret)
			return ret;
		count++;
	}
	return count;
}

/* iomd_dma_walk() with @desc held for it. */
static long iomd_dma_walk_held(struct iomd_desc *desc, u64 max_len,
			       int (*emit)(const struct iomd_dma_run *run,
					   unsigned long index, void *ctx),
			       void *ctx, struct iomd_why *why)
{
	long ret = iomd_desc_hold(desc, why);

	if (ret)
		return ret;
	ret = iomd_dma_walk(desc, max_len, U64_MAX, emit, ctx);
	iomd_desc_unhold(desc);
	return ret;
}

/* Where iomd_dma_emit_window() stores runs [first, first + max). */
struct iomd_dma_window {
	unsigned long first;
	unsigned long max;
	struct iomd_segment_run *runs;
};

static int iomd_dma_emit_window(const struct iomd_dma_run *run,
				unsigned long index, void *ctx)
{
	struct iomd_dma_window *w = ctx;

	if (index >= w->first && index - w->first < w->max)
		w->runs[index - w->first] = run->seg;
	return 0;
}

/**
 * iomd_desc_segments() - the physically contiguous runs of a descriptor
 * @desc:	the descriptor; user memory must be wired.
 * @first:	index of the first run to store.
 * @runs:	where to store runs @first to @first + @max - 1; may be NULL
 *		when @max is 0.
 * @max:	room at @runs.
 * @why:	failure reason; may be NULL.
 *
 * The DMA view (I/O Kit's getPhysicalSegment): the descriptor's bytes in
 * order, as runs of physically contiguous memory; pages that follow each
 * other physically are merged.  The addresses hold while the descriptor
 * stays wired (always, for buffers and kernel ranges; until the caller's
 * iomd_desc_complete() for user memory and composites holding it).
 *
 * Context: may sleep.
 * Return: the number of runs of the whole descriptor, -ENODATA (not
 * wired) or -ENODEV (revoked).
 */
long iomd_desc_segments(struct iomd_desc *desc, unsigned long first,
			struct iomd_segment_run *runs, unsigned long max,
			struct iomd_why *why)
{
	struct iomd_dma_window w = { .first = first, .max = max, .runs = runs };

	return iomd_dma_walk_held(desc, U64_MAX, iomd_dma_emit_window, &w,
				  why);
}
EXPORT_SYMBOL_GPL(iomd_desc_segments);

/* What iomd_dma_emit_at() looks for and finds. */
struct iomd_dma_at {
	u64 offset;
	phys_addr_t phys;
	u64 length;
};

static int iomd_dma_emit_at(const struct iomd_dma_run *run,
			    unsigned long index, void *ctx)
{
	struct iomd_dma_at *at = ctx;
	u64 in_run = at->offset - run->seg.offset;

	if (at->offset < run->seg.offset || in_run >= run->seg.length)
		return 0;
	at->phys = run->seg.phys + in_run;
	at->length = run->seg.length - in_run;
	return 1;
}

/**
 * iomd_desc_physical_segment() - the physical run at a byte of a
 *	descriptor (I/O Kit's getPhysicalSegment)
 * @desc:	the descriptor; user memory must be wired.
 * @offset:	a byte of the descriptor.
 * @phys:	receives the physical address of that byte.
 * @length:	receives the bytes from there to the end of its physically
 *		contiguous run.
 * @why:	failure reason; may be NULL.
 *
 * The address holds while the descriptor stays wired.
 *
 * Context: may sleep.
 * Return: 0, -ERANGE (@offset not below the length), -ENODATA (not wired)
 * or -ENODEV (revoked).
 */
int iomd_desc_physical_segment(struct iomd_desc *desc, u64 offset,
			       phys_addr_t *phys, u64 *length,
			       struct iomd_why *why)
{
	struct iomd_dma_at at = { .offset = offset };
	long ret;

	if (offset >= desc->length)
		return iomd_fail(why, -ERANGE,
				 "offset %llu is past the descriptor's length %zu",
				 offset, desc->length);
	ret = iomd_dma_walk_held(desc, U64_MAX, iomd_dma_emit_at, &at, why);
	if (ret < 0)
		return ret;
	if (WARN_ON_ONCE(ret != 1))
		return iomd_fail(why, -ERANGE, "no run holds offset %llu",
				 offset);
	*phys = at.phys;
	*length = at.length;
	return 0;
}
EXPORT_SYMBOL_GPL(iomd_desc_physical_segment);

static int iomd_dma_emit_sg(const struct iomd_dma_run *run,
			    unsigned long index, void *ctx)
{
	struct scatterlist **sg = ctx;

	sg_set_page(*sg, run->page, run->seg.length,
		    offset_in_page(run->seg.phys));
	*sg = sg_next(*sg);
	return 0;
}

/* One entry of a table, widened to whole cache lines, for the overlap check. */
struct iomd_dma_span {
	phys_addr_t start;
	phys_addr_t end;
	unsigned int index;
};

/* @sg, entry @i of its table, widened to whole lines of @align bytes. */
static void iomd_dma_span_of(struct iomd_dma_span *span,
			     struct scatterlist *sg, unsigned int i,
			     phys_addr_t align)
{
	span->start = round_down(sg_phys(sg), align);
	span->end = round_up(sg_phys(sg) + sg->length, align);
	span->index = i;
}

static int iomd_dma_span_cmp(const void *a, const void *b)
{
	const struct iomd_dma_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * Refuse, for a device that writes (@dir other than DMA_TO_DEVICE), a
 * table two of whose entries reach the same cache line.  A device that
 * writes memory must reach each line once: on a non-coherent system the
 * cache maintenance of one entry would undo the device's writes through
 * the other, and dma-debug refuses such mappings.  A descriptor can
 * repeat memory (a composite naming a part twice, user memory mapping one
 * page at two addresses); reading it twice is harmless, so only writing
 * directions are checked.  Tables in address order, the common case, are
 * checked in one pass; others are sorted first.
 */
static int iomd_dma_check_disjoint(struct sg_table *sgt,
				   enum dma_data_direction dir, gfp_t gfp,
				   struct iomd_why *why)
{
	phys_addr_t align = max_t(phys_addr_t, dma_get_cache_alignment(),
				  L1_CACHE_BYTES);
	unsigned int n = sgt->orig_nents, i, a, b;
	struct iomd_dma_span *spans, cur, prev = { };
	struct scatterlist *sg;
	int ret = 0;

	if (dir == DMA_TO_DEVICE || n < 2)
		return 0;
	for_each_sgtable_sg(sgt, sg, i) {
		iomd_dma_span_of(&cur, sg, i, align);
		if (i && cur.start < prev.end)
			break;
		prev = cur;
	}
	if (i == n)
		return 0;

	spans = kvmalloc_array(n, sizeof(*spans), gfp);
	if (!spans)
		return iomd_fail(why, -ENOMEM,
				 "no memory to check %u DMA entries for overlap",
				 n);
	for_each_sgtable_sg(sgt, sg, i)
		iomd_dma_span_of(&spans[i], sg, i, align);
	sort(spans, n, sizeof(*spans), iomd_dma_span_cmp, NULL);
	b = 0;
	for (i = 1; i < n; i++) {
		if (spans[i].start < spans[b].end) {
			a = min(spans[i].index, spans[b].index);
			ret = iomd_fail(why, -EINVAL,
					"entries %u and %u of the DMA table reach the same memory, which a device may not write twice (%s); only DMA_TO_DEVICE may map it, or name each part once",
					a, max(spans[i].index, spans[b].index),
					dir == DMA_FROM_DEVICE ?
					"DMA_FROM_DEVICE" : "DMA_BIDIRECTIONAL");
			break;
		}
		if (spans[i].end > spans[b].end)
			b = i;
	}
	kvfree(spans);
	return ret;
}

/*
 * The body of iomd_desc_sg_table() and iomd_desc_dma_sg_table(): entries
 * at most @max_segment bytes (0: no limit but the entries'), none crossing
 * a multiple of @boundary + 1.
 */
static int iomd_dma_sg_table(struct iomd_desc *desc, struct sg_table *sgt,
			     unsigned int max_segment, u64 boundary,
			     enum dma_data_direction dir, gfp_t gfp,
			     struct iomd_why *why)
{
	struct scatterlist *sg;
	long count;
	int ret;

	if (!max_segment)
		max_segment = UINT_MAX & PAGE_MASK;
	if (max_segment < PAGE_SIZE)
		return iomd_fail(why, -EINVAL,
				 "max_segment %u is below a page (%lu)",
				 max_segment, PAGE_SIZE);
	ret = iomd_desc_hold(desc, why);
	if (ret)
		return ret;
	count = iomd_dma_walk(desc, max_segment, boundary, NULL, NULL);
	if (count > UINT_MAX) {
		ret = iomd_fail(why, -ENOMEM, "%ld entries are too many",
				count);
		goto unhold;
	}
	ret = sg_alloc_table(sgt, count, gfp);
	if (ret) {
		iomd_fail(why, ret, "no memory for %ld entries", count);
		goto unhold;
	}
	sg = sgt->sgl;
	iomd_dma_walk(desc, max_segment, boundary, iomd_dma_emit_sg, &sg);
	ret = iomd_dma_check_disjoint(sgt, dir, gfp, why);
	if (ret)
		sg_free_table(sgt);
unhold:
	iomd_desc_unhold(desc);
	return ret;
}

/**
 * iomd_desc_sg_table() - an sg_table of a descriptor, for dma_map_sgtable()
 * @desc:	the descriptor; user memory must be wired.
 * @sgt:	the table to fill; free it with sg_free_table().
 * @max_segment: longest entry in bytes, at least a page; 0 for no limit
 *		but the entries'.
 * @gfp:	allocation flags of the table.
 * @why:	failure reason; may be NULL.
 *
 * One entry per run of iomd_desc_segments(), runs longer than
 * @max_segment cut into pieces.  The entries point at the descriptor's
 * pages: keep the descriptor wired (iomd_desc_prepare(), for user memory
 * and composites holding it) until the table is unmapped and freed.  For
 * a device, iomd_desc_dma_sg_table() also keeps to its segment boundary
 * and refuses memory held twice when the device writes; entries here may
 * reach the same memory twice.
 *
 * Context: may sleep if @gfp allows.
 * Return: 0, -EINVAL (@max_segment below a page), -ENODATA (not wired),
 * -ENODEV (revoked) or -ENOMEM.
 */
int iomd_desc_sg_table(struct iomd_desc *desc, struct sg_table *sgt,
		       unsigned int max_segment, gfp_t gfp,
		       struct iomd_why *why)
{
	return iomd_dma_sg_table(desc, sgt, max_segment, U64_MAX,
				 DMA_TO_DEVICE, gfp, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_sg_table);

/**
 * iomd_desc_dma_sg_table() - an sg_table of a descriptor fit for a device
 * @desc:	the descriptor; user memory must be wired.
 * @dev:	the device the table is for (dma_map_sgtable(@dev, ...)).
 * @dir:	the direction it will be mapped with.
 * @sgt:	the table to fill; free it with sg_free_table().
 * @gfp:	allocation flags of the table.
 * @why:	failure reason; may be NULL.
 *
 * iomd_desc_sg_table() with the device's limits: no entry is longer than
 * dma_get_max_seg_size(@dev) or crosses a multiple of its segment boundary
 * (dma_get_seg_boundary(@dev) + 1), so that mapped without an IOMMU, where
 * entries become the device's segments as they are, every segment is one
 * the device can take.  (An IOMMU's mapping merges and splits by the same
 * limits itself.)  For a device that writes (@dir other than
 * DMA_TO_DEVICE), no two entries may reach the same cache line: a
 * descriptor that holds memory twice (a composite naming a part twice,
 * user memory with one page at two addresses) can only be read by a
 * device.  The same lifetime rules hold.
 *
 * Context: may sleep if @gfp allows.
 * Return: 0, -EINVAL (a maximum segment size below a page, or memory a
 * writing device would reach twice), -ENODATA (not wired), -ENODEV
 * (revoked) or -ENOMEM.
 */
int iomd_desc_dma_sg_table(struct iomd_desc *desc, struct device *dev,
			   enum dma_data_direction dir, struct sg_table *sgt,
			   gfp_t gfp, struct iomd_why *why)
{
	unsigned int max_segment = dma_get_max_seg_size(dev);

	if (max_segment < PAGE_SIZE)
		return iomd_fail(why, -EINVAL,
				 "the device's maximum segment size %u is below a page (%lu)",
				 max_segment, PAGE_SIZE);
	if (!valid_dma_direction(dir))
		return iomd_fail(why, -EINVAL, "DMA direction %d is not one",
				 dir);
	return iomd_dma_sg_table(desc, sgt, max_segment & PAGE_MASK,
				 dma_get_seg_boundary(dev), dir, gfp, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_dma_sg_table);

/* Where iomd_dma_emit_user() copies runs for IOMD_IOC_SEGMENTS. */
struct iomd_dma_user {
	const struct iomd_segments *arg;
	struct iomd_segment __user *segs;
	bool show_phys;
	u32 written;
};

static int iomd_dma_emit_user(const struct iomd_dma_run *run,
			      unsigned long index, void *ctx)
{
	struct iomd_dma_user *u = ctx;
	struct iomd_segment seg = {
		.offset = run->seg.offset,
		.length = run->seg.length,
		.phys = u->show_phys ? run->seg.phys : 0,
	};

	if (index < u->arg->first || index - u->arg->first >= u->arg->nr)
		return 0;
	if (copy_to_user(u->segs + (index - u->arg->first), &seg,
			 sizeof(seg)))
		return -EFAULT;
	u->written++;
	return 0;
}

/**
 * iomd_dma_segments_to_user() - the body of IOMD_IOC_SEGMENTS
 * @desc:	the descriptor.
 * @arg:	the checked argument; @arg->nr, @arg->total and
 *		@arg->out_flags are set on success.
 * @why:	failure reason; may be NULL.
 *
 * Physical addresses and physical contiguity are shown only to callers
 * with CAP_SYS_ADMIN: others get runs cut at every page boundary, which
 * tell no more than the page size (as /proc/pid/pagemap hides frames).
 *
 * Return: 0, -EFAULT, or the errors of iomd_desc_segments().
 */
int iomd_dma_segments_to_user(struct iomd_desc *desc,
			      struct iomd_segments *arg, struct iomd_why *why)
{
	struct iomd_dma_user u = {
		.arg = arg,
		.segs = u64_to_user_ptr(arg->segs),
		.show_phys = capable(CAP_SYS_ADMIN),
	};
	long ret;

	ret = iomd_dma_walk_held(desc, u.show_phys ? U64_MAX : 0,
				 iomd_dma_emit_user, &u, why);
	if (ret == -EFAULT)
		return iomd_fail(why, -EFAULT,
				 "segment array at 0x%llx is not writable",
				 arg->segs);
	if (ret < 0)
		return ret;
	arg->total = min_t(long, ret, U32_MAX);
	arg->nr = u.written;
	arg->out_flags = u.show_phys ? IOMD_SEGMENTS_PHYS : 0;
	return 0;
}
