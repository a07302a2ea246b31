// SPDX-License-Identifier: GPL-2.0
/*
 * Zones (I/O Kit's zalloc zones): named pools of fixed-size elements, each
 * backed by a slab cache and bounded by a hard element limit.  Exhaustion
 * returns NULL and is counted and logged; it never panics and never
 * wakes the OOM killer.  Every element records the call site that
 * allocated it, so a zone destroyed with live elements names the code that
 * leaked them.  Statistics follow macOS zprint.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "zone_fast.h"

static LIST_HEAD(iomd_zones);
static struct workqueue_struct *iomd_zone_wq;
static DEFINE_MUTEX(iomd_zones_lock);
static atomic_t iomd_zone_serial = ATOMIC_INIT(0);

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

/* Allocate and list a zone; @cached zones get a slab cache. */
static struct iomd_zone *iomd_zone_new(const char *name, size_t elem_size,
				       unsigned long max_elems, bool cached,
				       struct iomd_why *why)
{
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
	zone->pcp = alloc_percpu(struct iomd_zone_pcp);
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
		zone->cache = kmem_cache_create(cache_name,
						sizeof(struct iomd_zone_hdr) +
						ALIGN(elem_size, IOMD_ZONE_ALIGN),
						IOMD_ZONE_ALIGN, 0, NULL);
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
	return iomd_zone_new(name, elem_size, max_elems, true, why);
}
EXPORT_SYMBOL_GPL(iomd_zone_create);

/*
 * A zone with limits and statistics but no cache, for pools whose memory
 * comes from elsewhere (the page pool counts pages of @unit bytes).
 */
struct iomd_zone *iomd_zone_create_counter(const char *name, size_t unit,
					   unsigned long max_units)
{
	return iomd_zone_new(name, unit, max_units, false, NULL);
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
		live += per_cpu_ptr(zone->pcp, cpu)->site_live[site];
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

	if (!zone)
		return 0;
	leaked = iomd_zone_report_leaks(zone);
	/* Pairs with the barrier implied by the final atomic decrement. */
	smp_store_mb(zone->dead, true);
	if (!atomic_long_read(&zone->in_use) &&
	    !test_and_set_bit(0, &zone->finalizing))
		iomd_zone_finalize(zone);
	return leaked;
}
EXPORT_SYMBOL_GPL(iomd_zone_destroy);

/* Fill @st from @zone; exact when no allocation runs concurrently. */
static void iomd_zone_fill_stat(struct iomd_zone *zone,
				struct iomd_zone_stat *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	strscpy(st->name, zone->name, sizeof(st->name));
	st->elem_size = zone->elem_size;
	st->in_use = atomic_long_read(&zone->in_use);
	st->peak = atomic_long_read(&zone->peak);
	st->limit = zone->max_elems;
	st->failures = atomic_long_read(&zone->failures);
	st->dead = READ_ONCE(zone->dead);
	for_each_possible_cpu(cpu) {
		st->total_allocs += per_cpu_ptr(zone->pcp, cpu)->allocs;
		st->total_frees += per_cpu_ptr(zone->pcp, cpu)->frees;
	}
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
	struct iomd_zone *zone;
	long live = 0;

	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node)
		live += atomic_long_read(&zone->in_use);
	mutex_unlock(&iomd_zones_lock);
	return live;
}

int iomd_zone_init(void)
{
	iomd_zone_wq = alloc_workqueue("iomd_zone", 0, 0);
	return iomd_zone_wq ? 0 : -ENOMEM;
}

/*
 * Runs after every user of iomd is gone.  Zones still listed were leaked
 * by their creators, or destroyed with elements still live: they are
 * reported, and their memory is left alone.
 */
void iomd_zone_exit(void)
{
	struct iomd_zone *zone;

	destroy_workqueue(iomd_zone_wq);
	mutex_lock(&iomd_zones_lock);
	list_for_each_entry(zone, &iomd_zones, node)
		pr_err("zone %s still has %ld element(s) at unload%s\n",
		       zone->name, atomic_long_read(&zone->in_use),
		       zone->dead ? "" : " and was never destroyed");
	mutex_unlock(&iomd_zones_lock);
}
