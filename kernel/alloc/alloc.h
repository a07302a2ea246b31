/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The allocator layer's declarations (docs/design.md): zones and the
 * general allocator.  Uses the base layer only.
 */
#ifndef _IOMD_ALLOC_H
#define _IOMD_ALLOC_H

#include "base/base.h"

/* Call sites tracked per zone; one more slot counts the overflow. */
#define IOMD_ZONE_SITES		31

/**
 * struct iomd_zone_hdr - what precedes every zone element
 * @magic:	IOMD_ZONE_MAGIC while live, to catch bad and double frees.
 * @size:	bytes the caller asked for, checked at free.
 * @offset:	bytes from the slab object to this header (over-alignment).
 * @site:	slot of the allocating call site in its zone.
 * @zclass:	general-pool size class, IOMD_ZCLASS_NONE for driver zones.
 * @pad:	keeps the header IOMD_ZONE_ALIGN bytes.
 */
struct iomd_zone_hdr {
	u32 magic;
	u32 size;
	u16 offset;
	u8 site;
	u8 zclass;
	u32 pad;
};

#define IOMD_ZCLASS_NONE	0xff

/**
 * struct iomd_zone_pcp - a zone's per-CPU part
 * @count:	elements cached in @objs.
 * @site_allocs: allocations by each call-site slot on this CPU.
 * @site_frees:	frees of each call-site slot's elements on this CPU.
 * @objs:	free elements kept for this CPU (XNU's per-CPU zone caches):
 *		up to the zone's @depth, taken and given back with
 *		preemption disabled and without an atomic operation.
 *
 * Counters are summed over CPUs when read: live elements of a site are
 * its allocations less its frees.
 */
struct iomd_zone_pcp {
	unsigned int count;
	unsigned long site_allocs[IOMD_ZONE_SITES + 1];
	unsigned long site_frees[IOMD_ZONE_SITES + 1];
	void *objs[];
};

/**
 * struct iomd_zone - a bounded pool of fixed-size elements
 * @name:	zprint name.
 * @elem_size:	bytes per element (the page size for the page pool).
 * @max_elems:	hard limit on the elements the zone holds (pages, for the
 *		page pool).
 * @cache:	backing slab cache; NULL for the page pool.
 * @depth:	per-CPU cache slots (0: none, every element goes straight
 *		to and from the slab cache); 0 once the zone is destroyed.
 * @batch:	elements moved between a per-CPU cache and the slab cache at
 *		a time.
 * @held:	elements taken from the slab cache (in use, or cached per
 *		CPU): the count the limit bounds, exactly.
 * @peak:	highest @held seen.
 * @failures:	allocations refused.
 * @pcp:	per-CPU caches and counters.
 * @site_ip:	call site of each tracked slot; 0 while free.
 * @dead:	destroyed while elements were live.
 * @finalizing:	bit 0 set once teardown is scheduled.
 * @final_work:	teardown of a dead zone from the last free.
 * @node:	entry in the list of zones.
 */
struct iomd_zone {
	char name[IOMD_ZONE_NAME_LEN];
	size_t elem_size;
	unsigned long max_elems;
	struct kmem_cache *cache;
	unsigned int depth;
	unsigned int batch;
	atomic_long_t held;
	atomic_long_t peak;
	atomic_long_t failures;
	struct iomd_zone_pcp __percpu *pcp;
	unsigned long site_ip[IOMD_ZONE_SITES];
	bool dead;
	unsigned long finalizing;
	struct work_struct final_work;
	struct list_head node;
};

/* alloc/zone.c */
void iomd_zone_exhausted(struct iomd_zone *zone, const char *what);
int iomd_zone_stat_at(unsigned int index, struct iomd_zone_stat *st);
struct iomd_zone *iomd_zone_create_counter(const char *name, size_t unit,
					   unsigned long max_units,
					   unsigned int depth);
bool iomd_zone_reclaim(struct iomd_zone *zone, gfp_t gfp);
int iomd_zone_init(void);
void iomd_zone_exit(void);
long iomd_zone_live_elements(void);

/* alloc/malloc.c */
int iomd_malloc_init(void);
void iomd_malloc_exit(void);
bool iomd_malloc_is_zone(const void *addr);

#endif /* _IOMD_ALLOC_H */
