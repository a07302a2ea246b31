// SPDX-License-Identifier: GPL-2.0
/*
 * User descriptors (I/O Kit's withAddressRanges on a user task): describe
 * ranges of an application's memory.  Describing checks the ranges and
 * pins nothing; wiring (user_wire.c) pins them.  Whether another task may map
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

#include "user.h"

/*
 * User descriptors are a little over 1 KiB (their few pages' array
 * included): a cache of their own, charged to the memory cgroup of
 * whoever makes one, rather than kmalloc's 2 KiB objects.
 */
static struct kmem_cache *iomd_user_cache;

/**
 * iomd_user_init() - make the user descriptors' cache
 *
 * Return: 0 or -ENOMEM.
 */
int iomd_user_init(void)
{
	iomd_user_cache = KMEM_CACHE(iomd_user, SLAB_ACCOUNT);
	return iomd_user_cache ? 0 : -ENOMEM;
}

/**
 * iomd_user_exit() - destroy the user descriptors' cache; all are freed
 */
void iomd_user_exit(void)
{
	kmem_cache_destroy(iomd_user_cache);
}

/* Everything release does but free @u itself. */
static void iomd_user_teardown(struct iomd_user *u)
{
	/* Mappings and accesses hold the descriptor: only prepares are left. */
	WARN_ON_ONCE(u->wire_count != u->prepares);
	while (u->prepares) {
		u->prepares--;
		iomd_user_unwire(&u->desc);
	}
	u->client_prepares = 0;
	mmdrop(u->mm);
	if (u->ranges != &u->range0)
		kfree(u->ranges);
	if (u->desc.segs != &u->desc.seg0)
		kfree(u->desc.segs);
}

static void iomd_user_release(struct iomd_desc *desc)
{
	struct iomd_user *u = container_of(desc, struct iomd_user, desc);

	iomd_user_teardown(u);
	kmem_cache_free(iomd_user_cache, u);
}

/*
 * ops->release_spare: a /dev/iomd client keeps one descriptor's memory
 * for its next one, which a wire/unwire cycle of handles then takes.
 */
static void iomd_user_release_spare(struct iomd_desc *desc,
				    struct iomd_desc **spare)
{
	struct iomd_user *u = container_of(desc, struct iomd_user, desc);

	iomd_user_teardown(u);
	/*
	 * Under KASAN the memory is freed, so that a stale pointer to a
	 * released descriptor is still caught: kasan_mempool_poison_object(),
	 * with which mempools and io_uring hide what they keep, is not
	 * exported to modules.
	 */
	if (IS_ENABLED(CONFIG_KASAN) || cmpxchg(spare, NULL, desc))
		kmem_cache_free(iomd_user_cache, u);
}

/**
 * iomd_user_spare_free() - free the memory iomd_desc_put_spare() kept
 * @spare:	what it left in the owner's spare; NULL is ignored.
 */
void iomd_user_spare_free(struct iomd_desc *spare)
{
	if (spare)
		kmem_cache_free(iomd_user_cache,
				container_of(spare, struct iomd_user, desc));
}

static int iomd_user_map_object(struct iomd_desc *desc, struct path *object,
				pgoff_t *base, struct iomd_why *why);

/* Wired by pinning (user_wire.c); mapped by forwarding to its object. */
static const struct iomd_desc_ops iomd_user_ops = {
	.name = "user",
	.foreign = true,
	.release = iomd_user_release,
	.release_spare = iomd_user_release_spare,
	.hold = iomd_user_hold,
	.unhold = iomd_user_unwire,
	.prepare = iomd_user_wire,
	.complete = iomd_user_complete,
	.wire_count = iomd_user_wire_count,
	.vaddr = iomd_user_kmap,
	.map_object = iomd_user_map_object,
};

/* Pages that [addr, addr + len) touches. */
static unsigned long iomd_span_pages(unsigned long addr, size_t len)
{
	return (PAGE_ALIGN(addr + len) - (addr & PAGE_MASK)) >> PAGE_SHIFT;
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
 * revokes.  Return NULL when no range is such memory, after checking the
 * ranges (iomd_user_check_vmas()) in the same hold of mmap_lock when
 * @check; without it the caller wires the memory at once, which checks
 * them where it pins, and mmap_lock is left held for that.
 */
static struct iomd_desc *
iomd_user_describe_mappings(struct mm_struct *mm,
			    const struct iomd_range *ranges,
			    unsigned int nr_ranges, u32 direction, bool check,
			    struct iomd_why *why)
{
	struct iomd_desc *desc = NULL, **subs;
	struct iomd_user_part part0 = {}, *parts = &part0;
	unsigned int i, found = 0, n;
	int ret = 0;

	/* One range, the common case, needs no allocation. */
	if (nr_ranges > 1) {
		parts = kcalloc(nr_ranges, sizeof(*parts), GFP_KERNEL_ACCOUNT);
		if (!parts)
			return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	}
	mmap_read_lock(mm);
	for (i = 0; i < nr_ranges && ret >= 0; i++) {
		ret = iomd_user_find_mapping(mm, i, &ranges[i], &parts[i]);
		if (ret > 0)
			found++;
	}
	if (ret >= 0 && !found && check) {
		for (i = 0; i < nr_ranges && !ret; i++)
			ret = iomd_user_check_vmas(mm, i, &ranges[i], direction,
						   why);
		mmap_read_unlock(mm);
		if (ret)
			desc = ERR_PTR(ret);
		goto put_parts;
	}
	/* Left held for the caller, who wires the memory under it. */
	if (ret >= 0 && !found)
		goto put_parts;
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
		if (parts[i].desc)
			iomd_desc_put(parts[i].desc);
	if (parts != &part0)
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
	return iomd_user_create(mm, ranges, nr_ranges, direction, false, NULL,
				why);
}
EXPORT_SYMBOL_GPL(iomd_desc_create_user);

/*
 * A new descriptor of @nr_ranges @ranges of @mm (checked by the caller),
 * not wired and not judged, with one reference.
 */
static struct iomd_user *iomd_user_alloc(struct mm_struct *mm,
					 const struct iomd_range *ranges,
					 unsigned int nr_ranges, u32 direction,
					 struct iomd_desc **spare,
					 struct iomd_why *why)
{
	struct iomd_desc *kept = spare ? xchg(spare, NULL) : NULL;
	unsigned long npages = 0;
	struct iomd_user *u;
	size_t total = 0;
	unsigned int i;

	if (kept) {
		u = container_of(kept, struct iomd_user, desc);
		memset(u, 0, sizeof(*u));
	} else {
		u = kmem_cache_zalloc(iomd_user_cache, GFP_KERNEL);
		if (!u)
			return ERR_PTR(iomd_fail(why, -ENOMEM,
						 "out of memory"));
	}
	/* One range, the common case, is kept in the descriptor itself. */
	if (nr_ranges == 1) {
		u->range0 = ranges[0];
		u->ranges = &u->range0;
		u->desc.segs = &u->desc.seg0;
	} else {
		u->ranges = kmemdup(ranges, nr_ranges * sizeof(*ranges),
				    GFP_KERNEL_ACCOUNT);
		u->desc.segs = kcalloc(nr_ranges, sizeof(*u->desc.segs),
				       GFP_KERNEL_ACCOUNT);
		if (!u->ranges || !u->desc.segs) {
			kfree(u->desc.segs);
			kfree(u->ranges);
			kmem_cache_free(iomd_user_cache, u);
			return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
		}
	}

	iomd_desc_init(&u->desc, &iomd_user_ops, IOMD_KIND_USER, direction, 0);
	/* Pinned with FOLL_WRITE only when the device writes (IN). */
	u->desc.writable = direction & IOMD_DIR_IN;
	for (i = 0; i < nr_ranges; i++) {
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
	return u;
}

/*
 * iomd_desc_create_user(); with @wire (IOMD_USER_PREPARE, @mm the
 * caller's own), the descriptor comes wired by a prepare() of user space.
 * Private anonymous memory, the common case, is pinned and judged by its
 * pages without mmap_lock (iomd_user_wire_anon()); other memory is looked
 * up as without @wire, and the checks of the ranges are left to the
 * wiring, which makes them in the same hold of mmap_lock that looked for
 * iomd mappings: one pass.
 */
struct iomd_desc *iomd_user_create(struct mm_struct *mm,
				   const struct iomd_range *ranges,
				   unsigned int nr_ranges, u32 direction,
				   bool wire, struct iomd_desc **spare,
				   struct iomd_why *why)
{
	size_t total = 0, end;
	unsigned long npages = 0;
	struct iomd_user *u = NULL;
	struct iomd_desc *desc;
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

	if (WARN_ON_ONCE(wire && mm != current->mm))
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "only the caller's own memory is wired at creation"));
	/* The caller's own private memory is wired without mmap_lock. */
	if (wire) {
		u = iomd_user_alloc(mm, ranges, nr_ranges, direction, spare,
				    why);
		if (IS_ERR(u))
			return ERR_CAST(u);
		if (!iomd_user_wire_anon(u))
			return &u->desc;
	}
	if (!iomd_user_mmget(mm)) {
		ret = iomd_fail(why, -ESRCH, "the address space has exited");
		goto put_u;
	}
	desc = iomd_user_describe_mappings(mm, ranges, nr_ranges, direction,
					   !wire, why);
	if (desc) {
		iomd_user_mmput(mm);
		if (u)
			iomd_desc_put(&u->desc);
		if (IS_ERR(desc) || !wire)
			return desc;
		ret = iomd_desc_prepare_client(desc, why);
		if (ret) {
			iomd_desc_put(desc);
			return ERR_PTR(ret);
		}
		return desc;
	}
	if (!wire) {
		iomd_user_mmput(mm);
		u = iomd_user_alloc(mm, ranges, nr_ranges, direction, spare,
				    why);
		return IS_ERR(u) ? ERR_CAST(u) : &u->desc;
	}

	/* mmap_lock is held from the description. */
	ret = iomd_user_wire_new(u, why);
	iomd_user_mmput(mm);
	if (ret)
		goto put_u;
	return &u->desc;

put_u:
	if (u)
		iomd_desc_put(&u->desc);
	return ERR_PTR(ret);
}
