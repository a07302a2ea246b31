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
#include <linux/slab.h>

#include "internal.h"

#define IOMD_ZONE_MAGIC		0x1d0du
#define IOMD_ZONE_FREED		0xdeadu

/* zone.c: the slow paths */
unsigned int iomd_zone_site_slow(struct iomd_zone *zone, unsigned long ip);
void iomd_zone_last_free(struct iomd_zone *zone);
struct iomd_zone_hdr *iomd_zone_bad_free(const void *ptr, size_t size);

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
 * One atomic on the zone's count: the limit is exact, never passed even
 * under concurrency, and the peak exact.
 *
 * Return: false, taking nothing, when the limit would be passed.
 */
static __always_inline bool iomd_zone_reserve(struct iomd_zone *zone,
					      unsigned long count)
{
	long n = atomic_long_add_return(count, &zone->in_use);
	long peak;

	if (unlikely(n > zone->max_elems)) {
		atomic_long_sub(count, &zone->in_use);
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
	if (atomic_long_sub_and_test(count, &zone->in_use) &&
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
	this_cpu_inc(zone->pcp->allocs);
	this_cpu_inc(zone->pcp->site_live[site]);
}

/* Count one free of @zone of an allocation by site slot @site. */
static __always_inline void iomd_zone_count_free(struct iomd_zone *zone,
						 unsigned int site)
{
	this_cpu_inc(zone->pcp->frees);
	this_cpu_dec(zone->pcp->site_live[site]);
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
	struct iomd_zone_hdr *hdr;
	unsigned long offset = 0;
	void *obj;

	if (unlikely(!iomd_zone_reserve(zone, 1))) {
		iomd_zone_exhausted(zone, "limit reached");
		return NULL;
	}
	obj = kmem_cache_alloc(zone->cache, gfp | __GFP_NOWARN);
	if (unlikely(!obj)) {
		iomd_zone_unreserve(zone, 1);
		iomd_zone_exhausted(zone, "out of memory");
		return NULL;
	}
	if (align > IOMD_ZONE_ALIGN)
		offset = ALIGN((unsigned long)obj + sizeof(*hdr), align) -
			 sizeof(*hdr) - (unsigned long)obj;
	hdr = obj + offset;
	hdr->magic = IOMD_ZONE_MAGIC;
	hdr->size = size;
	hdr->offset = offset;
	hdr->site = iomd_zone_site(zone, ip);
	hdr->zclass = zclass;
	iomd_zone_count_alloc(zone, hdr->site);
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
	iomd_zone_count_free(zone, hdr->site);
	kmem_cache_free(zone->cache, (void *)hdr - hdr->offset);
	iomd_zone_unreserve(zone, 1);
}

#endif /* _IOMD_ZONE_FAST_H */
