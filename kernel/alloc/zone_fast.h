/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast paths of zones (zone.c) and of the general allocator
 * (malloc.c), inlined into their callers: an allocation and a free are
 * each one function around the slab allocator's, with only the rare cases
 * (limit reached, a new call site, a bad free, a dead zone's last element)
 * out of line.
 */
#ifndef _IOMD_ZONE_FAST_H
#define _IOMD_ZONE_FAST_H

#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "alloc.h"

#define IOMD_ZONE_MAGIC		0x1d0du
#define IOMD_ZONE_FREED		0xdeadu
/* First word of a cached object known to be zero everywhere else. */
#define IOMD_ZONE_FRESH		0xf7e5u

/* zone.c: the slow paths */
unsigned int iomd_zone_site_slow(struct iomd_zone *zone, unsigned long ip);
void iomd_zone_last_free(struct iomd_zone *zone);
struct iomd_zone_hdr *iomd_zone_bad_free(const void *ptr, size_t size);
unsigned int iomd_zone_take(struct iomd_zone *zone, gfp_t gfp);
void *iomd_zone_stash(struct iomd_zone *zone, void **objs, unsigned int n,
		      unsigned int site);
void *iomd_zone_get_slow(struct iomd_zone *zone, gfp_t gfp,
			 unsigned int site);
void iomd_zone_put_slow(struct iomd_zone *zone, void *obj, unsigned int site);

/*
 * Is @p in the direct map?  Then its struct page can be read.  Unlike
 * virt_addr_valid() this does not ask pfn_valid() about holes in the
 * memory map: that call alone cost half of a kmalloc() + kfree() pair
 * (docs/benchmarks.md), and a pointer into a hole is no more a pointer a
 * caller could have got from iomd than from kmalloc(), whose kfree() does
 * not check it either.  Everything outside the direct map (vmalloc, stacks,
 * the kernel image, user addresses) is told apart here.
 */
static __always_inline bool iomd_direct_addr(const void *p)
{
	unsigned long a = (unsigned long)p;

	return a >= PAGE_OFFSET && a < (unsigned long)high_memory;
}

/**
 * iomd_zone_reserve() - take @count units of a zone's limit
 * @zone:	the zone.
 * @count:	elements (pages, for the page pool).
 *
 * One atomic on the count of elements held (in use or cached): the limit
 * is exact, never passed even under concurrency, and the peak of that
 * count exact.  Zones with per-CPU caches call it once per batch, not per
 * element.
 *
 * Return: false, taking nothing, when the limit would be passed.
 */
static __always_inline bool iomd_zone_reserve(struct iomd_zone *zone,
					      unsigned long count)
{
	long n = atomic_long_add_return(count, &zone->held);
	long peak;

	if (unlikely(n > zone->max_elems)) {
		atomic_long_sub(count, &zone->held);
		return false;
	}
	peak = atomic_long_read(&zone->peak);
	while (unlikely(n > peak) &&
	       !atomic_long_try_cmpxchg(&zone->peak, &peak, n))
		;
	return true;
}

/* Give back @count units taken by iomd_zone_reserve(). */
static __always_inline void iomd_zone_unreserve(struct iomd_zone *zone,
						unsigned long count)
{
	if (atomic_long_sub_and_test(count, &zone->held) &&
	    unlikely(READ_ONCE(zone->dead)))
		iomd_zone_last_free(zone);
}

/* The site slot of @ip: its hash slot, else the slow search. */
static __always_inline unsigned int iomd_zone_site(struct iomd_zone *zone,
						   unsigned long ip)
{
	unsigned int slot = hash_long(ip, 8) % IOMD_ZONE_SITES;

	if (likely(READ_ONCE(zone->site_ip[slot]) == ip))
		return slot;
	return iomd_zone_site_slow(zone, ip);
}

/* Count one allocation of @zone by site slot @site. */
static __always_inline void iomd_zone_count_alloc(struct iomd_zone *zone,
						  unsigned int site)
{
	this_cpu_inc(zone->pcp->site_allocs[site]);
}

/* Count one free of @zone of an allocation by site slot @site. */
static __always_inline void iomd_zone_count_free(struct iomd_zone *zone,
						 unsigned int site)
{
	this_cpu_inc(zone->pcp->site_frees[site]);
}

/* Bytes of one slab object of @zone: the header and the element. */
static __always_inline size_t iomd_zone_obj_size(const struct iomd_zone *zone)
{
	return sizeof(struct iomd_zone_hdr) +
	       ALIGN(zone->elem_size, IOMD_ZONE_ALIGN);
}

/*
 * Make @obj, a slab object of @zone, zero if @gfp or init_on_alloc asks
 * for it, as the slab allocator would have.  Objects that are zero but
 * for an IOMD_ZONE_FRESH first word (zeroed when the slab cache handed
 * them out, or at free with init_on_free) only lose the mark.
 */
static __always_inline void iomd_zone_init_obj(struct iomd_zone *zone,
					       void *obj, gfp_t gfp)
{
	u32 *mark = obj;

	if (!want_init_on_alloc(gfp))
		return;
	if (*mark == IOMD_ZONE_FRESH)
		*mark = 0;
	else
		memset(obj, 0, iomd_zone_obj_size(zone));
}

/*
 * Take an element from this CPU's cache of @zone and count its allocation
 * by site slot @site; NULL if the cache is empty.
 */
static __always_inline void *iomd_zone_pop(struct iomd_zone *zone,
					   unsigned int site)
{
	struct iomd_zone_pcp *pcp;
	void *obj = NULL;

	preempt_disable();
	pcp = this_cpu_ptr(zone->pcp);
	if (likely(pcp->count)) {
		obj = pcp->objs[--pcp->count];
		pcp->site_allocs[site]++;
	}
	preempt_enable();
	return obj;
}

/*
 * Put @obj, freed by site slot @site, in this CPU's cache of @zone and
 * count the free; false, doing nothing, if the cache is full (or off).
 */
static __always_inline bool iomd_zone_push(struct iomd_zone *zone, void *obj,
					   unsigned int site)
{
	struct iomd_zone_pcp *pcp;
	bool done = false;

	preempt_disable();
	pcp = this_cpu_ptr(zone->pcp);
	if (likely(pcp->count < READ_ONCE(zone->depth))) {
		pcp->objs[pcp->count++] = obj;
		pcp->site_frees[site]++;
		done = true;
	}
	preempt_enable();
	return done;
}

/*
 * Take a free slab object of @zone for site slot @site and count it: from
 * this CPU's cache when it has one, else from the slab cache (under the
 * limit).
 */
static __always_inline void *iomd_zone_get(struct iomd_zone *zone, gfp_t gfp,
					   unsigned int site)
{
	void *obj = iomd_zone_pop(zone, site);

	if (unlikely(!obj))
		return iomd_zone_get_slow(zone, gfp, site);
	iomd_zone_init_obj(zone, obj, gfp);
	return obj;
}

/*
 * Give back slab object @obj of @zone, allocated by site slot @site, and
 * count it: to this CPU's cache when it has room, else to the slab cache.
 */
static __always_inline void iomd_zone_put(struct iomd_zone *zone, void *obj,
					  unsigned int site)
{
	if (want_init_on_free()) {
		memset(obj, 0, iomd_zone_obj_size(zone));
		*(u32 *)obj = IOMD_ZONE_FRESH;
	}
	if (unlikely(!iomd_zone_push(zone, obj, site)))
		iomd_zone_put_slow(zone, obj, site);
}

/**
 * iomd_zone_alloc_site() - allocate from a zone on behalf of a call site
 * @zone:	the zone.
 * @size:	bytes the caller asked for (recorded to check the free).
 * @align:	alignment of the element, a power of two >= IOMD_ZONE_ALIGN;
 *		the zone's elements must have room for @size plus @align -
 *		IOMD_ZONE_ALIGN bytes of padding.
 * @zclass:	general-pool size class, or IOMD_ZCLASS_NONE.
 * @gfp:	allocation flags.
 * @ip:		the call site to charge.
 *
 * Return: the element, or NULL when the zone is full or memory is short.
 */
static __always_inline void *iomd_zone_alloc_site(struct iomd_zone *zone,
						  u32 size, size_t align,
						  u8 zclass, gfp_t gfp,
						  unsigned long ip)
{
	unsigned int site = iomd_zone_site(zone, ip);
	struct iomd_zone_hdr *hdr;
	unsigned long offset = 0;
	void *obj;

	obj = iomd_zone_get(zone, gfp, site);
	if (unlikely(!obj))
		return NULL;
	if (align > IOMD_ZONE_ALIGN)
		offset = ALIGN((unsigned long)obj + sizeof(*hdr), align) -
			 sizeof(*hdr) - (unsigned long)obj;
	hdr = obj + offset;
	hdr->magic = IOMD_ZONE_MAGIC;
	hdr->size = size;
	hdr->offset = offset;
	hdr->site = site;
	hdr->zclass = zclass;
	return hdr + 1;
}

/*
 * The header of @ptr, a pointer into @folio, a slab folio: the element
 * must be aligned, its header in the same folio (an element's header lies
 * in its slab object, so no other memory is read), live, and of @size
 * (0: any).  Anything else is reported and NULL returned.
 */
static __always_inline struct iomd_zone_hdr *
iomd_zone_hdr_in(const void *ptr, struct folio *folio, size_t size)
{
	const struct iomd_zone_hdr *hdr = (const struct iomd_zone_hdr *)ptr - 1;

	if (unlikely(!IS_ALIGNED((unsigned long)ptr, IOMD_ZONE_ALIGN) ||
		     offset_in_folio(folio, ptr) < sizeof(*hdr) ||
		     hdr->magic != IOMD_ZONE_MAGIC ||
		     (size && size != hdr->size)))
		return iomd_zone_bad_free(ptr, size);
	return (struct iomd_zone_hdr *)hdr;
}

/**
 * iomd_zone_hdr_check() - find and check the header of a zone element
 * @ptr:	the element.
 * @size:	the size the caller says it allocated, or 0 not to check.
 *
 * Return: the header, or NULL if @ptr is not a live zone element or @size
 * does not match (both are reported).
 */
static __always_inline struct iomd_zone_hdr *
iomd_zone_hdr_check(const void *ptr, size_t size)
{
	struct folio *folio;

	if (unlikely(!iomd_direct_addr(ptr)))
		return iomd_zone_bad_free(ptr, size);
	folio = virt_to_folio(ptr);
	if (unlikely(!folio_test_slab(folio)))
		return iomd_zone_bad_free(ptr, size);
	return iomd_zone_hdr_in(ptr, folio, size);
}

/* Free a checked element of @zone. */
static __always_inline void iomd_zone_free_hdr(struct iomd_zone *zone,
					       struct iomd_zone_hdr *hdr)
{
	hdr->magic = IOMD_ZONE_FREED;
	iomd_zone_put(zone, (void *)hdr - hdr->offset, hdr->site);
}

#endif /* _IOMD_ZONE_FAST_H */
