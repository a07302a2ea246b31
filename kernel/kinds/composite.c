// SPDX-License-Identifier: GPL-2.0
/*
 * Composite descriptors (I/O Kit's IOSubMemoryDescriptor and
 * IOMultiMemoryDescriptor): views of other descriptors, their parts.  A
 * sub-range covers a byte range of one descriptor, a multi descriptor the
 * whole of several, end to end.  Parts may be of any kind, composites
 * included.
 *
 * A composite's segments are its parts' segments, clipped to the range and
 * laid end to end; they are computed once, at creation, since no kind's
 * segments ever change.  Its pages are its parts' pages and exist only
 * while the composite is held: the first hold holds every part (which for
 * user memory succeeds only while it is wired) and gathers their pages,
 * the last unhold lets them go.  A composite whose parts are all always
 * wired (buffers, kernel ranges, composites of those) takes one hold at
 * creation and keeps it, so it is always wired too.
 *
 * Each part is linked into its descriptor's @parents list (the core's,
 * core/revoke.c), so that revoking a descriptor revokes every composite
 * that shows its memory.
 * Composites nest at most IOMD_COMPOSITE_MAX_DEPTH deep, which bounds the
 * recursion of holds, prepares, revokes and releases; locks are taken
 * from a composite down to its parts, never back up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kinds.h"

/* Why a composite with unwired user memory in it cannot be used. */
static const char iomd_composite_unwired[] =
	"the composite holds user memory that is not wired; prepare it first";

struct iomd_composite;

/**
 * struct iomd_part - one part of a composite
 * @child:	the part's descriptor (a reference).
 * @offset:	first byte of @child the composite covers.
 * @length:	bytes of @child the composite covers.
 * @link:	the composite's entry in @child->parents.
 */
struct iomd_part {
	struct iomd_desc *child;
	u64 offset;
	u64 length;
	struct iomd_parent_link link;
};

/**
 * struct iomd_seg_src - where a composite segment's pages come from
 * @part:	index of the part.
 * @child_page:	index of its first page in the part's pages.
 */
struct iomd_seg_src {
	unsigned int part;
	unsigned long child_page;
};

/**
 * struct iomd_composite - a sub-range or multi descriptor
 * @desc:	the common descriptor; @desc.pages is set while held.
 * @lock:	protects the hold state below.
 * @holds:	holds on the parts' pages: @prepares, mappings, accesses in
 *		progress, and the creation hold of an always-wired one.
 * @prepares:	prepare() calls not yet completed.
 * @client_prepares: those of @prepares made from user space, the only ones
 *		user space may complete (see iomd_desc_complete()).
 * @kmap:	kernel mapping of the pages while held, made on demand.
 * @borrowed:	while held, @desc.pages points into the one part's own page
 *		array (valid while the part is held) instead of an array of
 *		its own; fixed at creation.
 * @always_wired: every part is always wired; the composite keeps a hold
 *		from creation to release.
 * @depth:	1 + the depth of the deepest composite part.
 * @src:	for each of @desc.segs, where its pages come from.
 * @nr_parts:	entries in @parts.
 * @parts:	the parts, in the order of their bytes.
 */
struct iomd_composite {
	struct iomd_desc desc;
	struct mutex lock;	/* protects the hold state below */
	unsigned int holds;
	unsigned int prepares;
	unsigned int client_prepares;
	void *kmap;
	bool borrowed;
	bool always_wired;
	unsigned int depth;
	struct iomd_seg_src *src;
	unsigned int nr_parts;
	struct iomd_part parts[];
};

static struct iomd_composite *to_composite(struct iomd_desc *desc)
{
	return container_of(desc, struct iomd_composite, desc);
}

static const struct iomd_desc_ops iomd_composite_ops;

static bool iomd_desc_is_composite(const struct iomd_desc *desc)
{
	return desc->ops == &iomd_composite_ops;
}

/*
 * A hold locks a composite and then, to hold its parts, each composite
 * part: always from a deeper composite to a shallower one.  Lockdep learns
 * that order from a subclass per depth (1 to IOMD_COMPOSITE_MAX_DEPTH,
 * within MAX_LOCKDEP_SUBCLASSES).
 */
static void iomd_composite_lock_c(struct iomd_composite *c)
{
	BUILD_BUG_ON(IOMD_COMPOSITE_MAX_DEPTH > MAX_LOCKDEP_SUBCLASSES);
	mutex_lock_nested(&c->lock, c->depth - 1);
}

static const char *iomd_dir_name(u32 direction)
{
	switch (direction & IOMD_DIR_MASK) {
	case IOMD_DIR_IN:
		return "IN";
	case IOMD_DIR_OUT:
		return "OUT";
	case IOMD_DIR_INOUT:
		return "INOUT";
	default:
		return "none";
	}
}

static unsigned int iomd_desc_depth(struct iomd_desc *desc)
{
	return iomd_desc_is_composite(desc) ? to_composite(desc)->depth : 0;
}

/* Whether @desc's pages are valid without prepare(). */
static bool iomd_desc_always_wired(struct iomd_desc *desc)
{
	if (iomd_desc_is_composite(desc))
		return to_composite(desc)->always_wired;
	return !desc->ops->prepare;
}

/* Report a part's failure @pw as the composite's, naming the part. */
static int iomd_part_fail(struct iomd_why *why, unsigned int i,
			  const struct iomd_why *pw)
{
	if (why)
		iomd_why_set(why, pw->err, "part %u: %s", i, pw->msg);
	return pw->err;
}

/*
 * The segments of part @p: those of its descriptor that meet the covered
 * range, clipped to it.  With @segs, also lay them out from *@pos on,
 * recording their source in @src.  *@page_index, when given, advances by
 * the pages they span.  Returns the count.
 */
static unsigned int iomd_part_segs(const struct iomd_part *p, unsigned int i,
				   struct iomd_seg *segs,
				   struct iomd_seg_src *src, size_t *pos,
				   unsigned long *page_index)
{
	const struct iomd_desc *child = p->child;
	u64 end = p->offset + p->length;
	unsigned int s, n = 0;

	for (s = 0; s < child->nr_segs; s++) {
		const struct iomd_seg *cs = &child->segs[s];
		u64 a = max_t(u64, p->offset, cs->start);
		u64 b = min_t(u64, end, cs->start + cs->length);
		size_t first, in_page;

		if (a >= b)
			continue;
		first = cs->first_offset + (a - cs->start);
		in_page = offset_in_page(first);
		if (segs) {
			segs[n].start = *pos;
			segs[n].length = b - a;
			segs[n].first_offset = in_page;
			segs[n].page_index = *page_index;
			src[n].part = i;
			src[n].child_page = cs->page_index +
					    (first >> PAGE_SHIFT);
			*pos += b - a;
		}
		if (page_index)
			*page_index += DIV_ROUND_UP(in_page + (b - a),
						    PAGE_SIZE);
		n++;
	}
	return n;
}

/*
 * Decide whether user space may map the composite, and if not say why:
 * every part must be mappable and covered in whole pages.  Held.
 */
/* @desc cannot be mapped because its part @i, @child, cannot. */
static void iomd_composite_refuse_part(struct iomd_desc *desc, unsigned int i,
				       const struct iomd_desc *child)
{
	struct iomd_why part;

	iomd_desc_share_why(child, &part);
	iomd_why_set(&desc->share_why, part.err ?: -EPERM,
		     "part %u cannot be mapped: %s", i, part.msg);
}

static void iomd_composite_judge(struct iomd_composite *c)
{
	struct iomd_desc *desc = &c->desc;
	unsigned int i;

	desc->user_shareable = false;
	for (i = 0; i < c->nr_parts; i++) {
		const struct iomd_part *p = &c->parts[i];

		if (!p->child->user_shareable) {
			iomd_composite_refuse_part(desc, i, p->child);
			return;
		}
		/*
		 * A composite maps its parts' pages itself, and pages of an
		 * object are never mapped but through the object.
		 */
		if (p->child->ops->mmap) {
			iomd_why_set(&desc->share_why, -EPERM,
				     "part %u is a dma-buf's memory, which is mapped into a task only by its exporter; map that part's descriptor itself",
				     i);
			return;
		}
		if (p->child->ops->map_object) {
			iomd_why_set(&desc->share_why, -EPERM,
				     "part %u is application memory, which is mapped into a task only through the object it belongs to; map that part's descriptor itself",
				     i);
			return;
		}
		if (!PAGE_ALIGNED(p->offset) || !PAGE_ALIGNED(p->length)) {
			iomd_why_set(&desc->share_why, -EPERM,
				     "part %u covers bytes [%llu, %llu) of its descriptor, which are not whole pages, and mappings are; give it a page-aligned offset and length (IOMD_IOC_MAP maps unaligned bytes of the parent itself)",
				     i, p->offset, p->offset + p->length);
			return;
		}
	}
	iomd_why_clear(&desc->share_why);
	desc->user_shareable = true;
}

/*
 * Whether the composite's pages are a run of its one part's own pages, in
 * order: then it uses that part's page array rather than a copy, so that
 * a sub-range costs the same whatever its size.
 */
static bool iomd_composite_can_borrow(const struct iomd_composite *c)
{
	const struct iomd_desc *desc = &c->desc;
	unsigned int i;

	if (c->nr_parts != 1)
		return false;
	for (i = 1; i < desc->nr_segs; i++)
		if (c->src[i].child_page - c->src[0].child_page !=
		    desc->segs[i].page_index)
			return false;
	return true;
}

/* Hold every part and gather their pages; @c->lock held, no holds yet. */
static int iomd_composite_fill(struct iomd_composite *c, struct iomd_why *why)
{
	struct iomd_desc *desc = &c->desc;
	struct page **pages = NULL;
	struct iomd_why pw;
	unsigned int i, held;
	unsigned long n;
	int ret;

	if (!c->borrowed) {
		pages = kvcalloc(desc->npages, sizeof(*pages),
				 GFP_KERNEL_ACCOUNT);
		if (!pages)
			return iomd_fail(why, -ENOMEM,
					 "out of memory for %lu pages",
					 desc->npages);
	}
	for (held = 0; held < c->nr_parts; held++) {
		ret = iomd_desc_hold_pages(c->parts[held].child, &pw);
		if (ret) {
			iomd_part_fail(why, held, &pw);
			goto unhold;
		}
	}
	if (c->borrowed) {
		/* The part's pages stay put while it is held. */
		desc->pages = c->parts[0].child->pages + c->src[0].child_page;
		iomd_composite_judge(c);
		return 0;
	}
	for (i = 0; i < desc->nr_segs; i++) {
		const struct iomd_seg *seg = &desc->segs[i];

		n = iomd_seg_npages(desc, i);
		memcpy(pages + seg->page_index,
		       c->parts[c->src[i].part].child->pages +
		       c->src[i].child_page, n * sizeof(*pages));
	}
	desc->pages = pages;
	iomd_composite_judge(c);
	return 0;

unhold:
	while (held--)
		iomd_desc_unhold(c->parts[held].child);
	kvfree(pages);
	return ret;
}

/* ops->hold: keep the parts' pages valid until the matching unhold. */
static int iomd_composite_hold(struct iomd_desc *desc, struct iomd_why *why)
{
	struct iomd_composite *c = to_composite(desc);
	int ret = 0;

	iomd_composite_lock_c(c);
	if (!c->holds)
		ret = iomd_composite_fill(c, why);
	if (!ret)
		c->holds++;
	mutex_unlock(&c->lock);
	return ret;
}

/* ops->unhold: the last one lets the parts' pages go. */
static void iomd_composite_unhold(struct iomd_desc *desc)
{
	struct iomd_composite *c = to_composite(desc);
	struct page **pages;
	unsigned int i;
	void *kmap;

	iomd_composite_lock_c(c);
	if (WARN_ON_ONCE(!c->holds) || --c->holds) {
		mutex_unlock(&c->lock);
		return;
	}
	pages = desc->pages;
	desc->pages = NULL;
	kmap = c->kmap;
	c->kmap = NULL;
	desc->user_shareable = false;
	iomd_why_set(&desc->share_why, -ENODATA, "%s", iomd_composite_unwired);
	mutex_unlock(&c->lock);

	if (kmap)
		vunmap(kmap);
	if (!c->borrowed)
		kvfree(pages);
	for (i = c->nr_parts; i--; )
		iomd_desc_unhold(c->parts[i].child);
}

/* Undo one prepare() of the composite (the prepares count is dropped). */
static void iomd_composite_unprepare(struct iomd_composite *c)
{
	unsigned int i;

	iomd_composite_unhold(&c->desc);
	/* The parts' prepares are the composite's own: nobody else's. */
	for (i = c->nr_parts; i--; )
		iomd_desc_complete(c->parts[i].child, NULL);
}

/**
 * iomd_composite_prepare() - ops->prepare of a composite
 * @desc:	a composite descriptor.
 * @client:	the prepare() comes from user space (IOMD_IOC_PREPARE).
 * @why:	failure reason; may be NULL.
 *
 * Prepares every part, nested composites recursively, then holds the
 * composite; all or nothing.  Each call needs a complete() from the same
 * side.  The parts' prepares are the composite's (made as the kernel's),
 * so a complete() of a part from user space cannot take them.
 *
 * Return: 0, or the first failure, naming the part.
 */
static int iomd_composite_prepare(struct iomd_desc *desc, bool client,
				  struct iomd_why *why)
{
	struct iomd_composite *c = to_composite(desc);
	struct iomd_why pw;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr_parts; i++) {
		ret = iomd_desc_prepare(c->parts[i].child, &pw);
		if (ret) {
			iomd_part_fail(why, i, &pw);
			goto complete;
		}
	}
	ret = iomd_composite_hold(desc, why);
	if (ret)
		goto complete;
	iomd_composite_lock_c(c);
	c->prepares++;
	c->client_prepares += client;
	mutex_unlock(&c->lock);
	return 0;

complete:
	while (i--)
		iomd_desc_complete(c->parts[i].child, NULL);
	return ret;
}

/**
 * iomd_composite_complete() - ops->complete of a composite
 * @desc:	a composite descriptor.
 * @client:	the complete() comes from user space (IOMD_IOC_COMPLETE):
 *		it may only undo a prepare() of user space.
 * @why:	failure reason; may be NULL.
 *
 * Undoes one iomd_composite_prepare() of the same side: the composite's
 * hold and each part's prepare().
 *
 * Return: 0, or -ENODATA if there is no prepare() of that side to
 * complete (0 for an always-wired composite, as for the kinds it is made
 * of).
 */
static int iomd_composite_complete(struct iomd_desc *desc, bool client,
				   struct iomd_why *why)
{
	struct iomd_composite *c = to_composite(desc);
	unsigned int own;

	iomd_composite_lock_c(c);
	own = client ? c->client_prepares : c->prepares - c->client_prepares;
	if (!own) {
		unsigned int others = c->prepares;

		mutex_unlock(&c->lock);
		if (c->always_wired)
			return 0;
		if (client && others)
			return iomd_fail(why, -ENODATA,
					 "no prepare() from user space to complete; the %u left are a driver's, which only it can complete",
					 others);
		return iomd_fail(why, -ENODATA, "no prepare() to complete");
	}
	c->prepares--;
	c->client_prepares -= client;
	mutex_unlock(&c->lock);
	iomd_composite_unprepare(c);
	return 0;
}

/**
 * iomd_composite_wire_count() - ops->wire_count of a composite
 * @desc:	a composite descriptor.
 *
 * Return: 1 if always wired, else the holds on the composite.
 */
static unsigned int iomd_composite_wire_count(struct iomd_desc *desc)
{
	struct iomd_composite *c = to_composite(desc);
	unsigned int count;

	if (c->always_wired)
		return 1;
	iomd_composite_lock_c(c);
	count = c->holds;
	mutex_unlock(&c->lock);
	return count;
}

/**
 * iomd_composite_kmap() - ops->vaddr of a composite
 * @desc:	a composite descriptor.
 * @why:	failure reason; may be NULL.
 *
 * The parts' pages are mapped with vmap() on first use.  The address is
 * valid while the composite is held: until its release when it is always
 * wired, else until the last iomd_desc_complete().
 *
 * Return: the address of byte 0, ERR_PTR(-ENODATA) (not wired),
 * ERR_PTR(-EINVAL) (parts that do not meet on page boundaries), or
 * ERR_PTR(-ENOMEM).
 */
static void *iomd_composite_kmap(struct iomd_desc *desc,
				 struct iomd_why *why)
{
	struct iomd_composite *c = to_composite(desc);
	void *addr;
	int ret;

	ret = iomd_desc_kmap_check(desc, why);
	if (ret)
		return ERR_PTR(ret);
	iomd_composite_lock_c(c);
	if (!c->holds) {
		addr = ERR_PTR(iomd_fail(why, -ENODATA, "%s",
					 iomd_composite_unwired));
		goto unlock;
	}
	if (!c->kmap)
		c->kmap = vmap(desc->pages, desc->npages, VM_MAP,
			       iomd_cache_pgprot(PAGE_KERNEL, desc->cache));
	addr = c->kmap ? c->kmap + desc->segs[0].first_offset :
		ERR_PTR(iomd_fail(why, -ENOMEM,
				  "no kernel address space for %lu pages",
				  desc->npages));
unlock:
	mutex_unlock(&c->lock);
	return addr;
}

static void iomd_composite_release(struct iomd_desc *desc)
{
	struct iomd_composite *c = to_composite(desc);
	unsigned int i;

	/* Mappings and accesses hold a reference: only prepares are left. */
	while (c->prepares) {
		c->prepares--;
		iomd_composite_unprepare(c);
	}
	c->client_prepares = 0;
	if (c->always_wired)
		iomd_composite_unhold(desc);
	WARN_ON_ONCE(c->holds);

	for (i = 0; i < c->nr_parts; i++)
		iomd_desc_unlink_parent(&c->parts[i].link);
	for (i = 0; i < c->nr_parts; i++)
		iomd_desc_put(c->parts[i].child);
	kfree(c->src);
	kfree(desc->segs);
	kfree(c);
}

/* Mapped as its own pages: its parts' (iomd_composite_judge()). */
static const struct iomd_desc_ops iomd_composite_ops = {
	.name = "composite's memory",
	.release = iomd_composite_release,
	.hold = iomd_composite_hold,
	.unhold = iomd_composite_unhold,
	.prepare = iomd_composite_prepare,
	.complete = iomd_composite_complete,
	.wire_count = iomd_composite_wire_count,
	.vaddr = iomd_composite_kmap,
};

/*
 * Check the parts of @c (child, offset and length filled in) and work out
 * the composite's direction, writability, depth and number of segments;
 * refuse one that would span more than max_composite_pages pages before
 * its page array, or anything sized by it, is allocated.
 */
static int iomd_composite_check(struct iomd_composite *c, u32 *direction,
				unsigned int *nr_segs, struct iomd_why *why)
{
	unsigned long max_pages = READ_ONCE(iomd_max_composite_pages);
	unsigned long npages = 0, part_pages;
	u32 allowed = IOMD_DIR_MASK;
	unsigned int i;
	size_t total = 0;
	int ret;

	*nr_segs = 0;
	c->depth = 1;
	c->desc.writable = true;
	c->always_wired = true;
	for (i = 0; i < c->nr_parts; i++) {
		struct iomd_part *p = &c->parts[i];
		struct iomd_desc *child = p->child;

		ret = iomd_desc_check_range(child, p->offset, p->length, why);
		if (ret)
			return ret;
		if (READ_ONCE(child->revoked))
			return iomd_fail(why, -ENODEV,
					 "part %u was revoked by its driver",
					 i);
		if (!(allowed & child->direction))
			return iomd_fail(why, -EINVAL,
					 "part %u is IOMD_DIR_%s, which has nothing in common with IOMD_DIR_%s of the parts before it; use parts that allow a common direction (INOUT allows both)",
					 i, iomd_dir_name(child->direction),
					 iomd_dir_name(allowed));
		allowed &= child->direction;
		/* One page in two cache modes is undefined on x86. */
		if (!i)
			c->desc.cache = child->cache;
		else if (child->cache != c->desc.cache)
			return iomd_fail(why, -EOPNOTSUPP,
					 "part %u is %s but the parts before it are %s; a composite has one cache mode",
					 i, iomd_cache_name(child->cache),
					 iomd_cache_name(c->desc.cache));
		if (check_add_overflow(total, (size_t)p->length, &total))
			return iomd_fail(why, -EOVERFLOW,
					 "the parts' lengths overflow at part %u",
					 i);
		c->depth = max(c->depth, iomd_desc_depth(child) + 1);
		if (c->depth > IOMD_COMPOSITE_MAX_DEPTH)
			return iomd_fail(why, -ELOOP,
					 "part %u nests composites %u deep; at most %d",
					 i, c->depth, IOMD_COMPOSITE_MAX_DEPTH);
		part_pages = 0;
		*nr_segs += iomd_part_segs(p, i, NULL, NULL, NULL, &part_pages);
		if (*nr_segs > IOMD_COMPOSITE_MAX_RANGES)
			return iomd_fail(why, -E2BIG,
					 "the parts have more than %d ranges",
					 IOMD_COMPOSITE_MAX_RANGES);
		/* Its page array is allocated whole: bound it first. */
		if (check_add_overflow(npages, part_pages, &npages) ||
		    npages > max_pages)
			return iomd_fail(why, -E2BIG,
					 "parts 0 to %u span more than %lu pages, the max_composite_pages limit; describe less memory or raise the module parameter",
					 i, max_pages);
		c->always_wired &= iomd_desc_always_wired(child);
		c->desc.writable &= child->writable;
	}
	if (*direction & ~IOMD_DIR_MASK)
		return iomd_fail(why, -EINVAL,
				 "direction 0x%x is not IOMD_DIR_IN, _OUT or _INOUT",
				 *direction);
	if (*direction & ~allowed)
		return iomd_fail(why, -EINVAL,
				 "direction IOMD_DIR_%s is not allowed by every part, which together allow IOMD_DIR_%s",
				 iomd_dir_name(*direction),
				 iomd_dir_name(allowed));
	if (!*direction)
		*direction = allowed;
	c->desc.length = total;
	return 0;
}

/*
 * Make @c, whose parts' child, offset and length are filled in, a
 * descriptor of @kind.  Consumes @c: on failure it is freed.
 */
static struct iomd_desc *iomd_composite_setup(struct iomd_composite *c,
					      u32 kind, u32 direction,
					      struct iomd_why *why)
{
	struct iomd_desc *desc = &c->desc;
	unsigned long page_index = 0;
	unsigned int i, nr_segs, n;
	bool always_wired, writable;
	size_t pos = 0;
	u32 cache;
	int ret;

	ret = iomd_composite_check(c, &direction, &nr_segs, why);
	if (ret)
		goto free_c;
	desc->segs = kcalloc(nr_segs, sizeof(*desc->segs), GFP_KERNEL_ACCOUNT);
	c->src = kcalloc(nr_segs, sizeof(*c->src), GFP_KERNEL_ACCOUNT);
	if (!desc->segs || !c->src) {
		ret = iomd_fail(why, -ENOMEM, "out of memory for %u ranges",
				nr_segs);
		goto free_segs;
	}
	for (i = 0, n = 0; i < c->nr_parts; i++)
		n += iomd_part_segs(&c->parts[i], i, desc->segs + n, c->src + n,
				    &pos, &page_index);

	always_wired = c->always_wired;
	c->always_wired = false;	/* until its hold is taken */
	writable = desc->writable;
	cache = desc->cache;
	iomd_desc_init(desc, &iomd_composite_ops, kind, direction, 0);
	desc->writable = writable;
	desc->cache = cache;
	desc->nr_segs = nr_segs;
	desc->capacity = desc->length;
	desc->npages = page_index;
	c->borrowed = iomd_composite_can_borrow(c);
	iomd_why_set(&desc->share_why, -ENODATA, "%s", iomd_composite_unwired);
	mutex_init(&c->lock);

	/*
	 * Linking looks at each part's revoked flag under the parents lock:
	 * a revoke either is seen now, or finds this composite in its
	 * parents list afterwards.
	 */
	ret = 0;
	for (i = 0; i < c->nr_parts; i++) {
		struct iomd_part *p = &c->parts[i];

		iomd_desc_get(p->child);
		if (iomd_desc_link_parent(p->child, &p->link, desc))
			ret = -ENODEV;
	}
	if (ret) {
		iomd_fail(why, ret, "a part was revoked by its driver");
		goto put_desc;
	}
	if (always_wired) {
		ret = iomd_composite_hold(desc, why);
		if (ret)
			goto put_desc;
		c->always_wired = true;
	}
	return desc;

put_desc:
	iomd_desc_put(desc);
	return ERR_PTR(ret);
free_segs:
	kfree(c->src);
	kfree(desc->segs);
free_c:
	kfree(c);
	return ERR_PTR(ret);
}

static struct iomd_composite *iomd_composite_alloc(unsigned int nr_parts,
						   struct iomd_why *why)
{
	struct iomd_composite *c;

	c = kzalloc(struct_size(c, parts, nr_parts), GFP_KERNEL_ACCOUNT);
	if (!c)
		iomd_fail(why, -ENOMEM, "out of memory");
	else
		c->nr_parts = nr_parts;
	return c;
}

/**
 * iomd_subrange_create() - a descriptor of part of another descriptor
 * @parent:	the descriptor, of any kind; the sub-range takes a
 *		reference on it.
 * @offset:	first byte of @parent covered; any alignment.
 * @length:	bytes covered, at least 1.
 * @direction:	0 for @parent's direction, or an IOMD_DIR_* it allows.
 * @why:	failure reason; may be NULL.
 *
 * I/O Kit's IOSubMemoryDescriptor.  The sub-range is read, written,
 * wired and mapped like any descriptor.  It is always wired when @parent
 * is; otherwise prepare it (which prepares @parent) before using it.  It
 * can be mapped into user space when @parent can and the range is whole
 * pages.  Revoking @parent revokes the sub-range; revoking the sub-range
 * leaves @parent alone.
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, or ERR_PTR(-EINVAL) (length
 * 0, a direction @parent does not allow), ERR_PTR(-EOVERFLOW) (@offset +
 * @length overflows), ERR_PTR(-ERANGE) (the range ends past @parent's
 * length), ERR_PTR(-ELOOP) (nested deeper than IOMD_COMPOSITE_MAX_DEPTH),
 * ERR_PTR(-E2BIG) (more than IOMD_COMPOSITE_MAX_RANGES ranges, or more
 * pages than the max_composite_pages module parameter allows),
 * ERR_PTR(-ENODEV) (@parent revoked), ERR_PTR(-ENOMEM).
 */
struct iomd_desc *iomd_subrange_create(struct iomd_desc *parent, u64 offset,
				       u64 length, u32 direction,
				       struct iomd_why *why)
{
	struct iomd_composite *c;

	if (!length)
		return ERR_PTR(iomd_fail(why, -EINVAL, "length is 0"));
	c = iomd_composite_alloc(1, why);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->parts[0].child = parent;
	c->parts[0].offset = offset;
	c->parts[0].length = length;
	return iomd_composite_setup(c, IOMD_KIND_SUBRANGE, direction, why);
}
EXPORT_SYMBOL_GPL(iomd_subrange_create);

/**
 * iomd_multi_create() - a descriptor of several descriptors end to end
 * @descs:	the descriptors, in the order of their bytes, of any kind;
 *		one may appear more than once.  The multi descriptor takes a
 *		reference on each.
 * @n:		1 to IOMD_MULTI_MAX_DESCS.
 * @direction:	0 for what every descriptor allows (the intersection of
 *		their directions), or an IOMD_DIR_* they all allow.
 * @why:	failure reason; may be NULL.
 *
 * I/O Kit's IOMultiMemoryDescriptor.  Its length is the sum of the
 * descriptors' lengths.  Wiring, mapping and revocation behave as for
 * iomd_subrange_create(), part by part: it can be mapped into user space
 * when every descriptor can.
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, or ERR_PTR(-EINVAL) (@n 0,
 * directions with nothing in common, a direction not all allow),
 * ERR_PTR(-E2BIG) (@n too large, too many ranges, or more pages than the
 * max_composite_pages module parameter allows, checked before the
 * composite's page array is allocated),
 * ERR_PTR(-EOVERFLOW) (total length), ERR_PTR(-ELOOP), ERR_PTR(-ENODEV)
 * (a descriptor revoked), ERR_PTR(-ENOMEM).
 */
struct iomd_desc *iomd_multi_create(struct iomd_desc *const *descs,
				    unsigned int n, u32 direction,
				    struct iomd_why *why)
{
	struct iomd_composite *c;
	unsigned int i;

	if (!n)
		return ERR_PTR(iomd_fail(why, -EINVAL, "no descriptors"));
	if (n > IOMD_MULTI_MAX_DESCS)
		return ERR_PTR(iomd_fail(why, -E2BIG,
					 "%u descriptors; at most %d", n,
					 IOMD_MULTI_MAX_DESCS));
	c = iomd_composite_alloc(n, why);
	if (!c)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		c->parts[i].child = descs[i];
		c->parts[i].length = descs[i]->length;
	}
	return iomd_composite_setup(c, IOMD_KIND_MULTI, direction, why);
}
EXPORT_SYMBOL_GPL(iomd_multi_create);
