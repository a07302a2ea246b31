// SPDX-License-Identifier: GPL-2.0
/*
 * Zones (I/O Kit's zalloc zones): named pools of fixed-size elements, each
 * backed by a slab cache and bounded by a hard element limit.  Exhaustion
 * returns NULL and is counted and logged; it never panics and never
 * wakes the OOM killer.  Every element records the call site that
 * allocated it, so a zone destroyed with live elements names the code that
 * leaked them.  Statistics follow macOS zprint.
 *
 * Zones with room for it keep a small cache of free elements per CPU, as
 * XNU's zones do: an allocation or a free is then a preemption-disabled
 * push or pop, with no atomic operation and no call into the slab
 * allocator, which is what lets iomd_malloc() keep up with kmalloc().  The
 * limit counts elements taken from the slab cache, cached ones included,
 * so it is never passed; an allocation that would pass it first drains
 * every CPU's cache (when it may sleep), so it fails only when the live
 * elements themselves reach the limit.  Memory pressure (a shrinker) and a
 * CPU going offline give cached elements back too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "alloc.h"
#include "zone_fast.h"

static LIST_HEAD(iomd_zones);
static struct workqueue_struct *iomd_zone_wq;
static DEFINE_MUTEX(iomd_zones_lock);
static atomic_t iomd_zone_serial = ATOMIC_INIT(0);
static int iomd_zone_cpuhp_state;

/* Most per-CPU cache slots of a zone; a batch is half of them. */
#define IOMD_ZONE_DEPTH_MAX	64
/* Bytes of elements one CPU may cache per zone. */
#define IOMD_ZONE_CACHE_BYTES	SZ_128K

static unsigned int iomd_zone_cache_depth = IOMD_ZONE_DEPTH_MAX;
module_param_named(zone_cache_depth, iomd_zone_cache_depth, uint, 0444);
MODULE_PARM_DESC(zone_cache_depth,
		 "Most free elements each CPU caches per zone (0: no per-CPU caches; at most 64)");

/*
 * Claim or find the site slot for @ip when its hash slot holds another
 * site; the last slot catches overflow.
 */
unsigned int iomd_zone_site_slow(struct iomd_zone *zone, unsigned long ip)
{
	unsigned int i, slot = hash_long(ip, 8) % IOMD_ZONE_SITES;
	unsigned long *sip;

	for (i = 0; i < IOMD_ZONE_SITES; i++, slot = (slot + 1) % IOMD_ZONE_SITES) {
		sip = &zone->site_ip[slot];
		if (READ_ONCE(*sip) == ip)
			return slot;
		if (!READ_ONCE(*sip) && !cmpxchg(sip, 0, ip))
			return slot;
		if (READ_ONCE(*sip) == ip)
			return slot;
	}
	return IOMD_ZONE_SITES;
}

/*
 * Per-CPU cache slots a zone with @max_elems limit gets when it asks for
 * @depth: at most the zone_cache_depth parameter, and none when every
 * CPU's full cache would hold more than a quarter of the limit (small
 * zones stay exact and cheap to drain).
 */
static unsigned int iomd_zone_fit_depth(unsigned int depth,
					unsigned long max_elems)
{
	depth = min3(depth, iomd_zone_cache_depth,
		     (unsigned int)IOMD_ZONE_DEPTH_MAX);
	if ((unsigned long)depth * num_possible_cpus() * 4 > max_elems)
		return 0;
	return depth;
}

/*
 * Per-CPU cache slots for a zone of @elem_size elements: as many as
 * IOMD_ZONE_CACHE_BYTES hold, as iomd_zone_fit_depth() allows, and none
 * when fewer than four would fit.
 */
static unsigned int iomd_zone_depth(size_t elem_size, unsigned long max_elems)
{
	size_t obj = sizeof(struct iomd_zone_hdr) +
		     ALIGN(elem_size, IOMD_ZONE_ALIGN);
	unsigned int depth = min_t(size_t, IOMD_ZONE_DEPTH_MAX,
				   IOMD_ZONE_CACHE_BYTES / obj);

	return depth < 4 ? 0 : iomd_zone_fit_depth(depth, max_elems);
}

/*
 * Give @n cached pages of a page pool (a counter zone, malloc.c), at
 * @addrs, back to the page allocator.
 */
static void iomd_pages_release(void **addrs, unsigned int n)
{
	struct page *page;
	unsigned int i;

	for (i = 0; i < n; i++) {
		page = virt_to_page(addrs[i]);
		set_page_private(page, 0);
		put_page(page);
	}
}

/*
 * Give @n slab objects of @zone back to the slab cache and to the limit.
 */
static void iomd_zone_release(struct iomd_zone *zone, void **objs,
			      unsigned int n)
{
	if (!n)
		return;
	if (zone->cache)
		kmem_cache_free_bulk(zone->cache, n, objs);
	else
		iomd_pages_release(objs, n);
	iomd_zone_unreserve(zone, n);
}

/* Empty this CPU's cache of @zone; return how many elements it held. */
static unsigned int iomd_zone_drain_local(struct iomd_zone *zone)
{
	void *objs[IOMD_ZONE_DEPTH_MAX];
	struct iomd_zone_pcp *pcp;
	unsigned int n;

	preempt_disable();
	pcp = this_cpu_ptr(zone->pcp);
	n = pcp->count;
	memcpy(objs, pcp->objs, n * sizeof(*objs));
	pcp->count = 0;
	preempt_enable();
	iomd_zone_release(zone, objs, n);
	return n;
}

/*
 * Draining runs on each CPU in turn (the fast paths only disable
 * preemption), from a workqueue that can make progress under memory
 * pressure, since the shrinker drains too.  One drain at a time:
 * iomd_drain_lock guards iomd_drain_zone (the zone to drain, or NULL for
 * every zone) and iomd_drained (elements given back).
 */
static struct workqueue_struct *iomd_drain_wq;
static DEFINE_PER_CPU(struct work_struct, iomd_drain_work);
static DEFINE_MUTEX(iomd_drain_lock);
static struct iomd_zone *iomd_drain_zone;
static atomic_long_t iomd_drained;

static void iomd_zone_drain_work(struct work_struct *work)
{
	struct iomd_zone *zone = READ_ONCE(iomd_drain_zone);
	unsigned long n = 0;

	if (zone) {
		n = iomd_zone_drain_local(zone);
	} else {
		mutex_lock(&iomd_zones_lock);
		list_for_each_entry(zone, &iomd_zones, node)
			n += iomd_zone_drain_local(zone);
		mutex_unlock(&iomd_zones_lock);
	}
	atomic_long_add(n, &iomd_drained);
}

/*
 * Empty every online CPU's cache of @zone (NULL: of every zone);
 * iomd_drain_lock held.  A CPU that goes offline meanwhile runs its part
 * elsewhere, harmlessly; its own cache was emptied when it went down.
 * Return: the elements given back.
 */
static unsigned long __iomd_zone_drain(struct iomd_zone *zone)
{
	int cpu;

	lockdep_assert_held(&iomd_drain_lock);
	WRITE_ONCE(iomd_drain_zone, zone);
	atomic_long_set(&iomd_drained, 0);
	for_each_online_cpu(cpu)
		queue_work_on(cpu, iomd_drain_wq,
			      per_cpu_ptr(&iomd_drain_work, cpu));
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&iomd_drain_work, cpu));
	return atomic_long_read(&iomd_drained);
}

static void iomd_zone_drain(struct iomd_zone *zone)
{
	mutex_lock(&iomd_drain_lock);
	__iomd_zone_drain(zone);
	mutex_unlock(&iomd_drain_lock);
}

/* Empty CPU @cpu's cache of @zone, which no fast path can be using. */
static void iomd_zone_drain_idle(struct iomd_zone *zone, int cpu)
{
	struct iomd_zone_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
	unsigned int n = pcp->count;

	pcp->count = 0;
	iomd_zone_release(zone, pcp->objs, n);
}

/* Shrinker: cached elements of every zone, given back under pressure. */
static struct shrinker *iomd_zone_shrinker;

static unsigned long iomd_zone_shrink_count(struct shrinker *shrinker,
					    struct shrink_control *sc)
{
	struct iomd_zone *zone;
	unsigned long n = 0;
	int cpu;

	if (!mutex_trylock(&iomd_zones_lock))
		return 0;
	list_for_each_entry(zone, &iomd_zones, node)
		for_each_possible_cpu(cpu)
			n += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
	mutex_unlock(&iomd_zones_lock);
	return n ? n : SHRINK_EMPTY;
}

/* Every cache goes at once: they refill in batches as they are used. */
static unsigned long iomd_zone_shrink_scan(struct shrinker *shrinker,
					   struct shrink_control *sc)
{
	unsigned long n;

	if (!mutex_trylock(&iomd_drain_lock))
		return SHRINK_STOP;
	n = __iomd_zone_drain(NULL);
	mutex_unlock(&iomd_drain_lock);
	return n ? n : SHRINK_STOP;
}

/*
 * At the limit: if the caller may sleep and CPUs cache elements, give
 * them back and try for one element again.
 */
bool iomd_zone_reclaim(struct iomd_zone *zone, gfp_t gfp)
{
	if (!READ_ONCE(zone->depth) || !gfpflags_allow_blocking(gfp))
		return false;
	iomd_zone_drain(zone);
	return iomd_zone_reserve(zone, 1);
}

/**
 * iomd_zone_take() - charge the limit for a refill of this CPU's cache
 * @zone:	the zone.
 * @gfp:	the allocation's flags.
 *
 * Near the limit only one element is charged; at the limit a caller that
 * may sleep drains every CPU's cache first.
 *
 * Return: the elements charged (a batch, or 1), or 0 when the limit is
 * reached (counted and logged as a failure).
 */
unsigned int iomd_zone_take(struct iomd_zone *zone, gfp_t gfp)
{
	unsigned int n = READ_ONCE(zone->depth) ? zone->batch : 1;

	if (iomd_zone_reserve(zone, n))
		return n;
	if (iomd_zone_reserve(zone, 1) || iomd_zone_reclaim(zone, gfp))
		return 1;
	iomd_zone_exhausted(zone, "limit reached");
	return 0;
}

/**
 * iomd_zone_stash() - cache a refill and hand out its first element
 * @zone:	the zone.
 * @objs:	@n charged elements fresh from the allocator.
 * @n:		how many; at least 1.
 * @site:	call-site slot to count the allocation of @objs[0] for.
 *
 * Elements this CPU's cache has no room for (it may have filled since, or
 * the task moved) are given back.
 *
 * Return: @objs[0].
 */
void *iomd_zone_stash(struct iomd_zone *zone, void **objs, unsigned int n,
		      unsigned int site)
{
	struct iomd_zone_pcp *pcp;
	unsigned int i, depth;

	preempt_disable();
	pcp = this_cpu_ptr(zone->pcp);
	depth = READ_ONCE(zone->depth);
	for (i = 1; i < n && pcp->count < depth; i++)
		pcp->objs[pcp->count++] = objs[i];
	pcp->site_allocs[site]++;
	preempt_enable();
	iomd_zone_release(zone, objs + i, n - i);
	return objs[0];
}

/**
 * iomd_zone_get_slow() - take a slab object when this CPU's cache is empty
 * @zone:	the zone.
 * @gfp:	allocation flags.
 * @site:	call-site slot to count the allocation for.
 *
 * Takes a batch from the slab cache under the limit, keeps all but one in
 * this CPU's cache, and returns that one.
 *
 * Return: the object, or NULL (counted and logged as a failure).
 */
void *iomd_zone_get_slow(struct iomd_zone *zone, gfp_t gfp, unsigned int site)
{
	void *objs[IOMD_ZONE_DEPTH_MAX / 2];
	unsigned int n, i;

	n = iomd_zone_take(zone, gfp);
	if (!n)
		return NULL;
	/*
	 * When the caller wants the memory zeroed, have the slab cache zero
	 * the whole batch: it does so for __GFP_ZERO even where it poisons
	 * instead of honouring init_on_alloc, so the mark below is true.
	 */
	if (want_init_on_alloc(gfp))
		gfp |= __GFP_ZERO;
	gfp |= __GFP_NOWARN;
	if (n > 1 && !kmem_cache_alloc_bulk(zone->cache, gfp, n, objs)) {
		/* Short of memory: try for the one element asked for. */
		iomd_zone_unreserve(zone, n - 1);
		n = 1;
	}
	if (n == 1) {
		objs[0] = kmem_cache_alloc(zone->cache, gfp);
		if (!objs[0]) {
			iomd_zone_unreserve(zone, 1);
			iomd_zone_exhausted(zone, "out of memory");
			return NULL;
		}
	}
	/* The slab allocator zeroed them: say so, to zero them only once. */
	if (gfp & __GFP_ZERO)
		for (i = 1; i < n; i++)
			*(u32 *)objs[i] = IOMD_ZONE_FRESH;
	return iomd_zone_stash(zone, objs, n, site);
}

/**
 * iomd_zone_put_slow() - give back an element when this CPU's cache is full
 * @zone:	the zone.
 * @obj:	the element (a slab object, or a page of the page pool).
 * @site:	call-site slot to count the free for.
 *
 * Hands a batch of this CPU's cache back and keeps @obj; a zone without
 * caches (or destroyed) gives @obj itself back.
 */
void iomd_zone_put_slow(struct iomd_zone *zone, void *obj, unsigned int site)
{
	void *objs[IOMD_ZONE_DEPTH_MAX / 2 + 1];
	struct iomd_zone_pcp *pcp;
	unsigned int n = 0, depth;

	preempt_disable();
	pcp = this_cpu_ptr(zone->pcp);
	pcp->site_frees[site]++;
	depth = READ_ONCE(zone->depth);
	if (depth && pcp->count >= depth) {
		n = min(zone->batch, pcp->count);
		pcp->count -= n;
		memcpy(objs, &pcp->objs[pcp->count], n * sizeof(*objs));
	}
	if (depth)
		pcp->objs[pcp->count++] = obj;
	else
		objs[n++] = obj;
	preempt_enable();
	iomd_zone_release(zone, objs, n);
}

/* CPU @cpu is dead: give its cached elements back. */
static int iomd_zone_cpu_dead(unsigned int cpu)
{
	struct iomd_zone *zone;

	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node)
		iomd_zone_drain_idle(zone, cpu);
	mutex_unlock(&iomd_zones_lock);
	return 0;
}

static void iomd_zone_finalize(struct iomd_zone *zone)
{
	mutex_lock(&iomd_zones_lock);
	list_del(&zone->node);
	mutex_unlock(&iomd_zones_lock);
	kmem_cache_destroy(zone->cache);
	free_percpu(zone->pcp);
	kfree(zone);
}

static void iomd_zone_finalize_work(struct work_struct *work)
{
	iomd_zone_finalize(container_of(work, struct iomd_zone, final_work));
}

/*
 * Allocate and list a zone; @cached zones get a slab cache, and per-CPU
 * caches of @depth elements (0: none).
 */
static struct iomd_zone *iomd_zone_new(const char *name, size_t elem_size,
				       unsigned long max_elems, bool cached,
				       unsigned int depth,
				       struct iomd_why *why)
{
	unsigned int obj_size = sizeof(struct iomd_zone_hdr) +
				ALIGN(elem_size, IOMD_ZONE_ALIGN);
	char cache_name[IOMD_ZONE_NAME_LEN + 16];
	struct iomd_zone *zone, *other;
	int ret;

	if (!name || !*name || strlen(name) >= IOMD_ZONE_NAME_LEN)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "zone name must have 1 to %d characters",
					 IOMD_ZONE_NAME_LEN - 1));
	if (!max_elems)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "zone %s needs a limit of at least one element",
					 name));

	zone = kzalloc(sizeof(*zone), GFP_KERNEL);
	if (!zone)
		return ERR_PTR(iomd_fail(why, -ENOMEM, "out of memory"));
	strscpy(zone->name, name, sizeof(zone->name));
	zone->elem_size = elem_size;
	zone->max_elems = max_elems;
	INIT_WORK(&zone->final_work, iomd_zone_finalize_work);
	zone->depth = depth;
	zone->batch = max(1U, zone->depth / 2);
	zone->pcp = __alloc_percpu(struct_size(zone->pcp, objs, zone->depth),
				   __alignof__(*zone->pcp));
	if (!zone->pcp) {
		ret = iomd_fail(why, -ENOMEM, "out of memory");
		goto free_zone;
	}

	if (cached) {
		/*
		 * Slab cache names must be unique and without spaces (the
		 * slab code WARNs otherwise), but a name may come back while
		 * a dead zone, or the live zone it duplicates, holds it.
		 */
		snprintf(cache_name, sizeof(cache_name), "iomd_%s.%u", name,
			 atomic_inc_return(&iomd_zone_serial));
		strreplace(cache_name, ' ', '_');
		/*
		 * Descriptors of zone memory copy to and from user space
		 * (IOMD_IOC_KREAD/KWRITE), which hardened usercopy allows
		 * only inside a cache's usercopy region: here the object
		 * past the header, where every element lies (over-aligned
		 * ones start further in).  A cache with a region is never
		 * merged with another one either.
		 */
		zone->cache = kmem_cache_create_usercopy(cache_name, obj_size,
							 IOMD_ZONE_ALIGN, 0,
							 sizeof(struct iomd_zone_hdr),
							 obj_size -
							 sizeof(struct iomd_zone_hdr),
							 NULL);
		if (!zone->cache) {
			ret = iomd_fail(why, -ENOMEM,
					"cannot create the slab cache");
			goto free_pcp;
		}
	}

	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(other, &iomd_zones, node) {
		if (!other->dead && !strcmp(other->name, name)) {
			mutex_unlock(&iomd_zones_lock);
			ret = iomd_fail(why, -EEXIST,
					"a zone named %s exists", name);
			goto destroy_cache;
		}
	}
	list_add_tail(&zone->node, &iomd_zones);
	mutex_unlock(&iomd_zones_lock);
	return zone;

destroy_cache:
	kmem_cache_destroy(zone->cache);
free_pcp:
	free_percpu(zone->pcp);
free_zone:
	kfree(zone);
	return ERR_PTR(ret);
}

/**
 * iomd_zone_create() - create a zone of fixed-size elements
 * @name:	name shown by zprint; unique, at most IOMD_ZONE_NAME_LEN - 1
 *		characters.
 * @elem_size:	bytes per element, 1 to IOMD_ZONE_MAX_ELEM.
 * @max_elems:	hard limit on live elements; at least 1.
 * @why:	failure reason; may be NULL.
 *
 * Elements are aligned to IOMD_ZONE_ALIGN bytes and are never mappable
 * into user space (as in I/O Kit): share memory with buffer descriptors or
 * iomd_malloc_aligned() instead.
 *
 * Context: process context; may sleep.
 * Return: the zone, or ERR_PTR(-EINVAL) for a bad name, size or limit,
 * ERR_PTR(-EEXIST) for a name in use, ERR_PTR(-ENOMEM).
 */
struct iomd_zone *iomd_zone_create(const char *name, size_t elem_size,
				   unsigned long max_elems,
				   struct iomd_why *why)
{
	if (!elem_size || elem_size > IOMD_ZONE_MAX_ELEM)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "zone element size %zu is not in 1..%d; use iomd_malloc_aligned() for larger memory",
					 elem_size, IOMD_ZONE_MAX_ELEM));
	return iomd_zone_new(name, elem_size, max_elems, true,
			     iomd_zone_depth(elem_size, max_elems), why);
}
EXPORT_SYMBOL_GPL(iomd_zone_create);

/*
 * A zone with limits and statistics but no slab cache, for pools whose
 * memory comes from elsewhere (the page pool counts pages of @unit
 * bytes).  Up to @depth units may be cached per CPU; the pool hands them
 * out itself and iomd_pages_release() gives them back.
 */
struct iomd_zone *iomd_zone_create_counter(const char *name, size_t unit,
					   unsigned long max_units,
					   unsigned int depth)
{
	return iomd_zone_new(name, unit, max_units, false,
			     iomd_zone_fit_depth(depth, max_units), NULL);
}

/* A dead zone's last element was freed: tear it down. */
void iomd_zone_last_free(struct iomd_zone *zone)
{
	if (!test_and_set_bit(0, &zone->finalizing))
		queue_work(iomd_zone_wq, &zone->final_work);
}

/* Count and log an allocation @zone could not satisfy. */
void iomd_zone_exhausted(struct iomd_zone *zone, const char *what)
{
	atomic_long_inc(&zone->failures);
	pr_warn_ratelimited("zone %s: %s (limit %lu elements of %zu bytes)\n",
			    zone->name, what, zone->max_elems,
			    zone->elem_size);
}

/*
 * Report a free of @ptr that iomd_zone_hdr_check() refused, and count it.
 * Checks again, in the same order, to say why.
 */
struct iomd_zone_hdr *iomd_zone_bad_free(const void *ptr, size_t size)
{
	const struct iomd_zone_hdr *hdr = (const struct iomd_zone_hdr *)ptr - 1;
	struct folio *folio = NULL;

	atomic_long_inc(&iomd_counters.bad_frees);
	if (iomd_direct_addr(ptr))
		folio = virt_to_folio(ptr);
	if (!folio || !folio_test_slab(folio) ||
	    !IS_ALIGNED((unsigned long)ptr, IOMD_ZONE_ALIGN) ||
	    offset_in_folio(folio, ptr) < sizeof(*hdr)) {
		pr_err_ratelimited("free of %p: not a zone element or live allocation\n",
				   ptr);
	} else if (hdr->magic != IOMD_ZONE_MAGIC) {
		pr_err_ratelimited("free of %p: not a live zone element (magic %#x); double free?\n",
				   ptr, hdr->magic);
	} else {
		pr_err_ratelimited("free of %p with size %zu, but it was allocated with size %u\n",
				   ptr, size, hdr->size);
	}
	return NULL;
}

/**
 * iomd_zone_alloc() - allocate one element from a zone
 * @zone:	the zone.
 * @gfp:	allocation flags (GFP_KERNEL, or GFP_ATOMIC where sleeping is
 *		not allowed).
 *
 * The element is not zeroed unless @gfp has __GFP_ZERO.
 *
 * Return: the element, or NULL when the zone's limit is reached or memory
 * is short; the failure is counted in the zone's statistics.
 */
void *iomd_zone_alloc(struct iomd_zone *zone, gfp_t gfp)
{
	return iomd_zone_alloc_site(zone, zone->elem_size, IOMD_ZONE_ALIGN,
				    IOMD_ZCLASS_NONE, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(iomd_zone_alloc);

/**
 * iomd_zone_free() - return an element to its zone
 * @zone:	the zone it came from.
 * @ptr:	the element; NULL is ignored.
 *
 * A pointer that is not a live element of a zone is reported and not
 * freed.
 */
void iomd_zone_free(struct iomd_zone *zone, void *ptr)
{
	struct iomd_zone_hdr *hdr;

	if (!ptr)
		return;
	hdr = iomd_zone_hdr_check(ptr, 0);
	if (hdr)
		iomd_zone_free_hdr(zone, hdr);
}
EXPORT_SYMBOL_GPL(iomd_zone_free);

/* Live elements that call site slot @site allocated in @zone. */
static long iomd_zone_site_live(struct iomd_zone *zone, unsigned int site)
{
	long live = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		live += per_cpu_ptr(zone->pcp, cpu)->site_allocs[site] -
			per_cpu_ptr(zone->pcp, cpu)->site_frees[site];
	return live;
}

/* Report every call site that still has live elements in @zone. */
static long iomd_zone_report_leaks(struct iomd_zone *zone)
{
	long total = 0, live;
	unsigned int i;

	for (i = 0; i <= IOMD_ZONE_SITES; i++) {
		live = iomd_zone_site_live(zone, i);
		if (live <= 0)
			continue;
		total += live;
		if (i < IOMD_ZONE_SITES)
			pr_warn("zone %s: %ld element(s) leaked, allocated at %pS\n",
				zone->name, live, (void *)zone->site_ip[i]);
		else
			pr_warn("zone %s: %ld element(s) leaked from other call sites\n",
				zone->name, live);
	}
	return total;
}

/**
 * iomd_zone_destroy() - destroy a zone, reporting leaked elements
 * @zone: the zone; NULL is ignored.
 *
 * Each call site that still has live elements is logged with its symbol
 * and count.  A zone with live elements stays allocated, marked dead and
 * listed by zprint, until the last of them is freed; no element is ever
 * freed behind its owner's back.
 *
 * Context: process context; may sleep.  No allocation from @zone may run
 * concurrently or follow.
 * Return: the number of elements leaked (0 when the zone was empty).
 */
long iomd_zone_destroy(struct iomd_zone *zone)
{
	long leaked;
	int cpu;

	if (!zone)
		return 0;
	leaked = iomd_zone_report_leaks(zone);
	if (zone->depth) {
		/*
		 * From now on frees go straight to the slab cache; once every
		 * fast path that saw a cache has left its preemption-disabled
		 * section, the caches are nobody's and can be emptied.
		 */
		WRITE_ONCE(zone->depth, 0);
		synchronize_rcu();
		mutex_lock(&iomd_zones_lock);
		for_each_possible_cpu(cpu)
			iomd_zone_drain_idle(zone, cpu);
		mutex_unlock(&iomd_zones_lock);
	}
	/* Pairs with the barrier implied by the final atomic decrement. */
	smp_store_mb(zone->dead, true);
	if (!atomic_long_read(&zone->held) &&
	    !test_and_set_bit(0, &zone->finalizing))
		iomd_zone_finalize(zone);
	return leaked;
}
EXPORT_SYMBOL_GPL(iomd_zone_destroy);

/* Fill @st from @zone; exact when no allocation runs concurrently. */
static void iomd_zone_fill_stat(struct iomd_zone *zone,
				struct iomd_zone_stat *st)
{
	struct iomd_zone_pcp *pcp;
	unsigned int i;
	int cpu;

	memset(st, 0, sizeof(*st));
	strscpy(st->name, zone->name, sizeof(st->name));
	st->elem_size = zone->elem_size;
	st->peak = atomic_long_read(&zone->peak);
	st->limit = zone->max_elems;
	st->failures = atomic_long_read(&zone->failures);
	st->dead = READ_ONCE(zone->dead);
	for_each_possible_cpu(cpu) {
		pcp = per_cpu_ptr(zone->pcp, cpu);
		st->cached += READ_ONCE(pcp->count);
		for (i = 0; i <= IOMD_ZONE_SITES; i++) {
			st->total_allocs += pcp->site_allocs[i];
			st->total_frees += pcp->site_frees[i];
		}
	}
	st->in_use = max(0L, atomic_long_read(&zone->held) -
			     (long)st->cached);
}

/**
 * iomd_zone_get_stat() - statistics of a zone, as zprint shows them
 * @zone:	the zone.
 * @st:		receives the statistics.
 */
void iomd_zone_get_stat(struct iomd_zone *zone, struct iomd_zone_stat *st)
{
	iomd_zone_fill_stat(zone, st);
}
EXPORT_SYMBOL_GPL(iomd_zone_get_stat);

/**
 * iomd_zone_stat_at() - statistics of the @index-th zone
 * @index:	position in creation order, dead zones included.
 * @st:		receives the statistics.
 *
 * Return: 0, or -ENOENT past the last zone.
 */
int iomd_zone_stat_at(unsigned int index, struct iomd_zone_stat *st)
{
	struct iomd_zone *zone;
	int ret = -ENOENT;

	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node) {
		if (index--)
			continue;
		iomd_zone_fill_stat(zone, st);
		ret = 0;
		break;
	}
	mutex_unlock(&iomd_zones_lock);
	return ret;
}

/**
 * iomd_zone_stat_by_name() - statistics of the zone called @name
 * @name:	the zone's name; a live zone is preferred to a dead one.
 * @st:		receives the statistics.
 *
 * Return: 0, or -ENOENT if there is no such zone.
 */
int iomd_zone_stat_by_name(const char *name, struct iomd_zone_stat *st)
{
	struct iomd_zone *zone, *found = NULL;
	int ret = -ENOENT;

	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node) {
		if (strcmp(zone->name, name))
			continue;
		if (!found || found->dead)
			found = zone;
	}
	if (found) {
		iomd_zone_fill_stat(found, st);
		ret = 0;
	}
	mutex_unlock(&iomd_zones_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iomd_zone_stat_by_name);

/* Elements still allocated from every zone, dead ones included. */
long iomd_zone_live_elements(void)
{
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	long live = 0;

	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node) {
		iomd_zone_fill_stat(zone, &st);
		live += st.in_use;
	}
	mutex_unlock(&iomd_zones_lock);
	return live;
}

int iomd_zone_init(void)
{
	int cpu, ret;

	iomd_zone_wq = alloc_workqueue("iomd_zone", 0, 0);
	if (!iomd_zone_wq)
		return -ENOMEM;
	iomd_drain_wq = alloc_workqueue("iomd_drain", WQ_MEM_RECLAIM, 0);
	if (!iomd_drain_wq) {
		ret = -ENOMEM;
		goto destroy_zone_wq;
	}
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&iomd_drain_work, cpu),
			  iomd_zone_drain_work);
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "iomd/zone:dead",
					NULL, iomd_zone_cpu_dead);
	if (ret < 0)
		goto destroy_drain_wq;
	iomd_zone_cpuhp_state = ret;
	/* Without it caches are only emptied at the limit: not fatal. */
	iomd_zone_shrinker = iomd_shrinker_create("iomd-zone-caches",
						  iomd_zone_shrink_count,
						  iomd_zone_shrink_scan);
	if (!iomd_zone_shrinker)
		pr_warn("no shrinker: per-CPU caches are given back only at zone limits\n");
	return 0;

destroy_drain_wq:
	destroy_workqueue(iomd_drain_wq);
destroy_zone_wq:
	destroy_workqueue(iomd_zone_wq);
	return ret;
}

/*
 * Runs after every user of iomd is gone.  Zones still listed were leaked
 * by their creators, or destroyed with elements still live: they are
 * reported, and their memory is left alone.
 */
void iomd_zone_exit(void)
{
	struct iomd_zone *zone;

	if (iomd_zone_shrinker)
		iomd_shrinker_destroy(iomd_zone_shrinker);
	cpuhp_remove_state_nocalls(iomd_zone_cpuhp_state);
	destroy_workqueue(iomd_drain_wq);
	destroy_workqueue(iomd_zone_wq);
	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node)
		pr_err("zone %s still has %ld element(s) at unload%s\n",
		       zone->name, atomic_long_read(&zone->held),
		       zone->dead ? "" : " and was never destroyed");
	mutex_unlock(&iomd_zones_lock);
}
