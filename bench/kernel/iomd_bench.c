// SPDX-License-Identifier: GPL-2.0
/*
 * iomd_bench: the kernel half of iomd's benchmark suite (bench/, `make
 * bench`).  It uses only iomd's exported API and gives user space a
 * device, /dev/iomd_bench (ABI in iomd_bench.h), with four services:
 *
 *  - IOMD_BENCH_IOC_ALLOC times iomd_malloc()/iomd_free() or
 *    kmalloc()/kfree() in the kernel, in kernel threads bound one per
 *    online CPU, with ktime_get_ns() (case 4 of the suite);
 *  - IOMD_BENCH_IOC_CONSUME reads a range of an iomd buffer in place, at
 *    its kernel address, and checksums it (case 5, shared-buffer side);
 *  - write() copies the bytes into a kernel buffer with copy_from_user()
 *    and checksums them there (case 5, the kernel copy path);
 *  - IOMD_BENCH_IOC_PIN times pin_user_pages_fast() alone on a range of
 *    the caller's memory: the floor of any way of wiring it (case 3's
 *    profile).
 *
 * The module holds no iomd object between calls, so it never keeps iomd
 * from unloading and never counts as a leak.
 *
 * Profile allocators: to tell where iomd_malloc()'s time goes, the steps
 * took are rebuilt here one by one.  They are the steps of the allocator
 * before kernel/zone_fast.h (which inlines the zone path and checks a free
 * with a direct-map range test instead of virt_addr_valid()) and before
 * page-pool records moved into struct page: kept as the profile that
 * showed where the time went (docs/benchmarks.md):
 *  - SLAB: kmem_cache_alloc() from a private cache with iomd's object size
 *    (the size class plus a 16-byte header) and alignment;
 *  - SLAB_LIMIT: + the zone limit, a shared atomic counter and its peak;
 *  - ZONE_COPY: + the element header, the call-site slot lookup and the
 *    per-CPU counters: the whole zone path;
 *  - ZONE_CHECKED: + the checks iomd_zone_hdr_check() makes before it
 *    reads a header (both addresses valid, in one slab folio);
 *  - PAGES: the page pool's zeroed pages, split into single pages;
 *  - PAGES_VKEY: + a kmalloc()ed record in an xarray indexed by the
 *    kernel address >> PAGE_SHIFT, as the page pool keeps them;
 *  - PAGES_PFN: the same, indexed by the page frame number.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/iomd.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "iomd_bench.h"

/* Bytes summed between two chances to reschedule. */
#define IOMD_BENCH_SUM_CHUNK	SZ_1M

/* The profile copy of iomd's zones: size classes 16 to 2048 bytes. */
#define IOMD_BENCH_ZONE_MAX	2048
#define IOMD_BENCH_ZONE_CLASSES	8
#define IOMD_BENCH_ZONE_ALIGN	16
#define IOMD_BENCH_SITES	31
#define IOMD_BENCH_MAGIC	0x1d0du
#define IOMD_BENCH_FREED	0xdeadu
/* Largest page-pool profile allocation: order 4. */
#define IOMD_BENCH_PAGES_ORDER	4

/* Per-CPU counters of a zone copy, as iomd's struct iomd_zone_pcp. */
struct iomd_bench_zone_pcp {
	unsigned long allocs;
	unsigned long frees;
	long site_live[IOMD_BENCH_SITES + 1];
};

/**
 * struct iomd_bench_zone - profile copy of an iomd zone of one size class
 * @cache:	slab cache of (header + class size) objects.
 * @in_use:	live elements (the limit's counter).
 * @peak:	highest @in_use.
 * @max_elems:	the limit.
 * @pcp:	per-CPU counters.
 * @site_ip:	call site of each slot.
 */
struct iomd_bench_zone {
	struct kmem_cache *cache;
	atomic_long_t in_use;
	atomic_long_t peak;
	unsigned long max_elems;
	struct iomd_bench_zone_pcp __percpu *pcp;
	unsigned long site_ip[IOMD_BENCH_SITES];
};

/* What precedes a zone-copy element, as iomd's struct iomd_zone_hdr. */
struct iomd_bench_hdr {
	u32 magic;
	u32 size;
	u16 offset;
	u8 site;
	u8 zclass;
	u32 pad;
};

/* A page-pool profile allocation's record, as iomd's. */
struct iomd_bench_page_rec {
	size_t size;
	unsigned long npages;
	u32 kind;
	bool vmalloced;
	unsigned long ip;
};

static DEFINE_MUTEX(iomd_bench_zones_lock);
static struct iomd_bench_zone *iomd_bench_zones[IOMD_BENCH_ZONE_CLASSES];
static DEFINE_XARRAY(iomd_bench_page_recs);

/**
 * struct iomd_bench_file - state of one open /dev/iomd_bench
 * @lock:	serialises write() and IOMD_BENCH_IOC_LAST_SUM.
 * @sink:	kernel buffer of the copy path, allocated on first write().
 * @last_sum:	checksum of the last write().
 */
struct iomd_bench_file {
	struct mutex lock;	/* protects @sink and @last_sum */
	void *sink;
	u64 last_sum;
};

/**
 * struct iomd_bench_run - one IOMD_BENCH_IOC_ALLOC run
 * @arg:	what to run; the results are written back here.
 * @zone:	the zone copy of the profile allocators, else NULL.
 * @waiting:	threads not yet at the starting line.
 * @running:	threads not yet finished.
 * @done:	completed by the last thread to finish.
 */
struct iomd_bench_run {
	struct iomd_bench_alloc arg;
	struct iomd_bench_zone *zone;
	atomic_t waiting;
	atomic_t running;
	struct completion done;
};

/**
 * struct iomd_bench_thread - one thread of a run
 * @run:	the run.
 * @task:	the kernel thread.
 * @slots:	pointers held in batch mode.
 * @start_ns:	when the thread started its loop.
 * @end_ns:	when it ended it.
 * @ops:	alloc + free pairs done.
 * @failed:	allocations that returned NULL.
 */
struct iomd_bench_thread {
	struct iomd_bench_run *run;
	struct task_struct *task;
	void **slots;
	u64 start_ns;
	u64 end_ns;
	u64 ops;
	u32 failed;
};

static unsigned int iomd_bench_zclass(size_t size)
{
	return size <= 16 ? 0 : fls(size - 1) - 4;
}

/* The zone copy for @size, created on first use. */
static struct iomd_bench_zone *iomd_bench_zone_get(size_t size)
{
	unsigned int zclass = iomd_bench_zclass(size);
	size_t elem = 16UL << zclass;
	struct iomd_bench_zone *z;
	char name[32];

	mutex_lock(&iomd_bench_zones_lock);
	z = iomd_bench_zones[zclass];
	if (z)
		goto unlock;
	z = kzalloc(sizeof(*z), GFP_KERNEL);
	if (!z)
		goto unlock;
	z->max_elems = SZ_64M / elem;
	z->pcp = alloc_percpu(struct iomd_bench_zone_pcp);
	snprintf(name, sizeof(name), "iomd_bench_%zu", elem);
	z->cache = kmem_cache_create(name, sizeof(struct iomd_bench_hdr) + elem,
				     IOMD_BENCH_ZONE_ALIGN, 0, NULL);
	if (!z->pcp || !z->cache) {
		kmem_cache_destroy(z->cache);
		free_percpu(z->pcp);
		kfree(z);
		z = NULL;
		goto unlock;
	}
	iomd_bench_zones[zclass] = z;
unlock:
	mutex_unlock(&iomd_bench_zones_lock);
	return z;
}

/* iomd_zone_reserve(): take one element of the limit. */
static __always_inline bool iomd_bench_reserve(struct iomd_bench_zone *z)
{
	long n = atomic_long_add_return(1, &z->in_use);
	long peak;

	if (unlikely(n > z->max_elems)) {
		atomic_long_sub(1, &z->in_use);
		return false;
	}
	peak = atomic_long_read(&z->peak);
	while (unlikely(n > peak) &&
	       !atomic_long_try_cmpxchg(&z->peak, &peak, n))
		;
	return true;
}

/* iomd_zone_unreserve(); the zone copies never die. */
static __always_inline void iomd_bench_unreserve(struct iomd_bench_zone *z)
{
	if (atomic_long_sub_and_test(1, &z->in_use))
		barrier();
}

/* iomd_zone_site(): claim or find the slot of call site @ip. */
static __always_inline unsigned int iomd_bench_site(struct iomd_bench_zone *z,
						    unsigned long ip)
{
	unsigned int i, slot = hash_long(ip, 8) % IOMD_BENCH_SITES;
	unsigned long *sip;

	for (i = 0; i < IOMD_BENCH_SITES;
	     i++, slot = (slot + 1) % IOMD_BENCH_SITES) {
		sip = &z->site_ip[slot];
		if (READ_ONCE(*sip) == ip)
			return slot;
		if (!READ_ONCE(*sip) && !cmpxchg(sip, 0, ip))
			return slot;
		if (READ_ONCE(*sip) == ip)
			return slot;
	}
	return IOMD_BENCH_SITES;
}

/* iomd_zone_alloc_site() for 16-byte alignment. */
static __always_inline void *iomd_bench_zone_alloc(struct iomd_bench_zone *z,
						   size_t size)
{
	struct iomd_bench_hdr *hdr;

	if (unlikely(!iomd_bench_reserve(z)))
		return NULL;
	hdr = kmem_cache_alloc(z->cache, GFP_KERNEL | __GFP_NOWARN);
	if (unlikely(!hdr)) {
		iomd_bench_unreserve(z);
		return NULL;
	}
	hdr->magic = IOMD_BENCH_MAGIC;
	hdr->size = size;
	hdr->offset = 0;
	hdr->site = iomd_bench_site(z, _RET_IP_);
	hdr->zclass = iomd_bench_zclass(size);
	this_cpu_inc(z->pcp->allocs);
	this_cpu_inc(z->pcp->site_live[hdr->site]);
	return hdr + 1;
}

/* iomd_zone_hdr_check() + iomd_zone_free_hdr(); @checked: all checks. */
static __always_inline void iomd_bench_zone_free(struct iomd_bench_zone *z,
						 void *ptr, size_t size,
						 bool checked)
{
	struct iomd_bench_hdr *hdr = (struct iomd_bench_hdr *)ptr - 1;

	if (checked &&
	    WARN_ON_ONCE(!virt_addr_valid(hdr) || !virt_addr_valid(ptr) ||
			 !folio_test_slab(virt_to_folio(hdr)) ||
			 virt_to_folio(hdr) != virt_to_folio(ptr)))
		return;

	if (WARN_ON_ONCE(hdr->magic != IOMD_BENCH_MAGIC || hdr->size != size))
		return;
	hdr->magic = IOMD_BENCH_FREED;
	this_cpu_inc(z->pcp->frees);
	this_cpu_dec(z->pcp->site_live[hdr->site]);
	kmem_cache_free(z->cache, (void *)hdr - hdr->offset);
	iomd_bench_unreserve(z);
}

/* Zeroed pages for @size, split into single pages; the tail freed. */
static __always_inline void *iomd_bench_pages_alloc(size_t size)
{
	unsigned long i, npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned int order = get_order(size);
	struct page *page;

	page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
			   __GFP_RETRY_MAYFAIL, order);
	if (!page)
		return NULL;
	split_page(page, order);
	for (i = npages; i < (1UL << order); i++)
		__free_page(page + i);
	return page_address(page);
}

static __always_inline void iomd_bench_pages_free(void *addr, size_t size)
{
	unsigned long i, npages = PAGE_ALIGN(size) >> PAGE_SHIFT;

	for (i = 0; i < npages; i++)
		put_page(virt_to_page(addr) + i);
}

/* The xarray index of a page-pool allocation at @addr. */
static __always_inline unsigned long iomd_bench_page_key(u32 allocator,
							 void *addr)
{
	if (allocator == IOMD_BENCH_ALLOC_PAGES_PFN)
		return page_to_pfn(virt_to_page(addr));
	return (unsigned long)addr >> PAGE_SHIFT;
}

/* iomd_pages_alloc() without the limit: pages, record, xarray entry. */
static __always_inline void *iomd_bench_pages_rec_alloc(u32 allocator,
							size_t size)
{
	struct iomd_bench_page_rec *rec;
	void *addr;

	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return NULL;
	rec->size = size;
	rec->npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	rec->kind = 1;
	rec->vmalloced = false;
	rec->ip = _RET_IP_;
	addr = iomd_bench_pages_alloc(size);
	if (!addr)
		goto free_rec;
	if (xa_insert(&iomd_bench_page_recs,
		      iomd_bench_page_key(allocator, addr), rec, GFP_KERNEL))
		goto free_pages;
	return addr;

free_pages:
	iomd_bench_pages_free(addr, size);
free_rec:
	kfree(rec);
	return NULL;
}

/* iomd_pages_free(): look the record up, erase it, free. */
static __always_inline void iomd_bench_pages_rec_free(u32 allocator,
						      void *addr, size_t size)
{
	unsigned long key = iomd_bench_page_key(allocator, addr);
	struct iomd_bench_page_rec *rec;

	xa_lock(&iomd_bench_page_recs);
	rec = xa_load(&iomd_bench_page_recs, key);
	if (rec && rec->size == size)
		__xa_erase(&iomd_bench_page_recs, key);
	xa_unlock(&iomd_bench_page_recs);
	if (WARN_ON_ONCE(!rec || rec->size != size))
		return;
	iomd_bench_pages_free(addr, size);
	kfree(rec);
}

/*
 * The allocators, resolved at compile time in every loop below so each
 * is timed as direct calls with no extra branch.
 */
static __always_inline void *iomd_bench_get(u32 allocator,
					    struct iomd_bench_run *run,
					    size_t size)
{
	switch (allocator) {
	case IOMD_BENCH_ALLOC_IOMD:
		return iomd_malloc(size);
	case IOMD_BENCH_ALLOC_SLAB:
		return kmem_cache_alloc(run->zone->cache,
					GFP_KERNEL | __GFP_NOWARN);
	case IOMD_BENCH_ALLOC_SLAB_LIMIT:
		if (unlikely(!iomd_bench_reserve(run->zone)))
			return NULL;
		return kmem_cache_alloc(run->zone->cache,
					GFP_KERNEL | __GFP_NOWARN);
	case IOMD_BENCH_ALLOC_ZONE_COPY:
	case IOMD_BENCH_ALLOC_ZONE_CHECKED:
		return iomd_bench_zone_alloc(run->zone, size);
	case IOMD_BENCH_ALLOC_PAGES:
		return iomd_bench_pages_alloc(size);
	case IOMD_BENCH_ALLOC_PAGES_VKEY:
	case IOMD_BENCH_ALLOC_PAGES_PFN:
		return iomd_bench_pages_rec_alloc(allocator, size);
	default:
		return kmalloc(size, GFP_KERNEL);
	}
}

static __always_inline void iomd_bench_put(u32 allocator,
					   struct iomd_bench_run *run,
					   void *ptr, size_t size)
{
	switch (allocator) {
	case IOMD_BENCH_ALLOC_IOMD:
		iomd_free(ptr, size);
		break;
	case IOMD_BENCH_ALLOC_SLAB:
		kmem_cache_free(run->zone->cache, ptr);
		break;
	case IOMD_BENCH_ALLOC_SLAB_LIMIT:
		kmem_cache_free(run->zone->cache, ptr);
		iomd_bench_unreserve(run->zone);
		break;
	case IOMD_BENCH_ALLOC_ZONE_COPY:
		iomd_bench_zone_free(run->zone, ptr, size, false);
		break;
	case IOMD_BENCH_ALLOC_ZONE_CHECKED:
		iomd_bench_zone_free(run->zone, ptr, size, true);
		break;
	case IOMD_BENCH_ALLOC_PAGES:
		iomd_bench_pages_free(ptr, size);
		break;
	case IOMD_BENCH_ALLOC_PAGES_VKEY:
	case IOMD_BENCH_ALLOC_PAGES_PFN:
		iomd_bench_pages_rec_free(allocator, ptr, size);
		break;
	default:
		kfree(ptr);
	}
}

/* @iters alloc + free pairs, one object live at a time. */
static __always_inline void iomd_bench_pair(u32 allocator,
					    struct iomd_bench_thread *t)
{
	struct iomd_bench_run *run = t->run;
	size_t size = run->arg.size;
	u32 i, iters = run->arg.iters;
	void *ptr;

	for (i = 0; i < iters; i++) {
		ptr = iomd_bench_get(allocator, run, size);
		if (unlikely(!ptr)) {
			t->failed++;
			return;
		}
		iomd_bench_put(allocator, run, ptr, size);
		t->ops++;
	}
}

/* @iters allocations in rounds of @batch live objects, freed in order. */
static __always_inline void iomd_bench_batch(u32 allocator,
					     struct iomd_bench_thread *t)
{
	struct iomd_bench_run *run = t->run;
	size_t size = run->arg.size;
	u32 batch = run->arg.batch;
	u32 i, n, rounds = run->arg.iters / batch;

	for (n = 0; n < rounds; n++) {
		for (i = 0; i < batch; i++) {
			t->slots[i] = iomd_bench_get(allocator, run, size);
			if (unlikely(!t->slots[i]))
				break;
		}
		if (unlikely(i < batch))
			t->failed++;
		batch = i;
		for (i = 0; i < batch; i++)
			iomd_bench_put(allocator, run, t->slots[i], size);
		t->ops += batch;
		if (t->failed)
			return;
	}
}

/* The loop of @t's mode, specialised for a constant @allocator. */
static __always_inline void iomd_bench_loop_as(u32 allocator,
					       struct iomd_bench_thread *t)
{
	if (t->run->arg.mode == IOMD_BENCH_MODE_BATCH)
		iomd_bench_batch(allocator, t);
	else
		iomd_bench_pair(allocator, t);
}

static void iomd_bench_loop(struct iomd_bench_thread *t)
{
	switch (t->run->arg.allocator) {
	case IOMD_BENCH_ALLOC_IOMD:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_IOMD, t);
		break;
	case IOMD_BENCH_ALLOC_KMALLOC:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_KMALLOC, t);
		break;
	case IOMD_BENCH_ALLOC_SLAB:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_SLAB, t);
		break;
	case IOMD_BENCH_ALLOC_SLAB_LIMIT:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_SLAB_LIMIT, t);
		break;
	case IOMD_BENCH_ALLOC_ZONE_COPY:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_ZONE_COPY, t);
		break;
	case IOMD_BENCH_ALLOC_ZONE_CHECKED:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_ZONE_CHECKED, t);
		break;
	case IOMD_BENCH_ALLOC_PAGES:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_PAGES, t);
		break;
	case IOMD_BENCH_ALLOC_PAGES_VKEY:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_PAGES_VKEY, t);
		break;
	case IOMD_BENCH_ALLOC_PAGES_PFN:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_PAGES_PFN, t);
		break;
	}
}

static int iomd_bench_thread_fn(void *data)
{
	struct iomd_bench_thread *t = data;
	struct iomd_bench_run *run = t->run;

	/*
	 * Start together: every thread waits until the last one arrives.
	 * cond_resched() lets the waker, which may share this CPU, go on
	 * waking the others.
	 */
	atomic_dec(&run->waiting);
	while (atomic_read(&run->waiting))
		cond_resched();

	t->start_ns = ktime_get_ns();
	iomd_bench_loop(t);
	t->end_ns = ktime_get_ns();

	if (atomic_dec_and_test(&run->running))
		complete(&run->done);
	/*
	 * Exit only when told to: kthread_stop() then waits for this
	 * function to return, so the module cannot go away under it.
	 */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int iomd_bench_check_alloc(const struct iomd_bench_alloc *arg)
{
	switch (arg->allocator) {
	case IOMD_BENCH_ALLOC_IOMD:
	case IOMD_BENCH_ALLOC_KMALLOC:
		break;
	case IOMD_BENCH_ALLOC_SLAB:
	case IOMD_BENCH_ALLOC_SLAB_LIMIT:
	case IOMD_BENCH_ALLOC_ZONE_COPY:
	case IOMD_BENCH_ALLOC_ZONE_CHECKED:
		if (arg->size > IOMD_BENCH_ZONE_MAX)
			return -EINVAL;
		break;
	case IOMD_BENCH_ALLOC_PAGES:
	case IOMD_BENCH_ALLOC_PAGES_VKEY:
	case IOMD_BENCH_ALLOC_PAGES_PFN:
		if (arg->size <= IOMD_BENCH_ZONE_MAX ||
		    arg->size > PAGE_SIZE << IOMD_BENCH_PAGES_ORDER)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (arg->mode != IOMD_BENCH_MODE_PAIR &&
	    arg->mode != IOMD_BENCH_MODE_BATCH)
		return -EINVAL;
	if (!arg->size || arg->size > KMALLOC_MAX_SIZE || !arg->iters)
		return -EINVAL;
	if (!arg->threads || arg->threads > num_online_cpus())
		return -EINVAL;
	if (arg->mode == IOMD_BENCH_MODE_BATCH &&
	    (!arg->batch || arg->batch > IOMD_BENCH_MAX_BATCH ||
	     arg->iters % arg->batch))
		return -EINVAL;
	if (arg->failed || arg->wall_ns || arg->cpu_ns || arg->ops)
		return -EINVAL;
	return 0;
}

/* Free the threads' state; threads that were started are stopped first. */
static void iomd_bench_free_threads(struct iomd_bench_thread *threads,
				    unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (threads[i].task)
			kthread_stop(threads[i].task);
		kfree(threads[i].slots);
	}
	kfree(threads);
}

static int iomd_bench_alloc_run(struct iomd_bench_alloc *arg)
{
	struct iomd_bench_thread *threads;
	struct iomd_bench_run *run;
	unsigned int i, n, cpu;
	u64 first = U64_MAX, last = 0;
	int ret;

	ret = iomd_bench_check_alloc(arg);
	if (ret)
		return ret;
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	run->arg = *arg;
	if (arg->allocator == IOMD_BENCH_ALLOC_SLAB ||
	    arg->allocator == IOMD_BENCH_ALLOC_SLAB_LIMIT ||
	    arg->allocator == IOMD_BENCH_ALLOC_ZONE_COPY ||
	    arg->allocator == IOMD_BENCH_ALLOC_ZONE_CHECKED) {
		run->zone = iomd_bench_zone_get(arg->size);
		if (!run->zone) {
			ret = -ENOMEM;
			goto free_run;
		}
	}
	n = arg->threads;
	atomic_set(&run->waiting, n);
	atomic_set(&run->running, n);
	init_completion(&run->done);

	threads = kcalloc(n, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		ret = -ENOMEM;
		goto free_run;
	}
	for (i = 0; i < n; i++) {
		threads[i].run = run;
		if (arg->mode != IOMD_BENCH_MODE_BATCH)
			continue;
		threads[i].slots = kcalloc(arg->batch, sizeof(void *),
					   GFP_KERNEL);
		if (!threads[i].slots) {
			ret = -ENOMEM;
			goto free_threads;
		}
	}

	/* One thread per online CPU, bound, created before any starts. */
	i = 0;
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		if (i == n)
			break;
		task = kthread_create(iomd_bench_thread_fn, &threads[i],
				      "iomd_bench/%u", cpu);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			goto free_threads;
		}
		kthread_bind(task, cpu);
		threads[i++].task = task;
	}
	if (i < n) {
		/* A CPU went offline since the check. */
		ret = -EAGAIN;
		goto free_threads;
	}
	for (i = 0; i < n; i++)
		wake_up_process(threads[i].task);

	/* TASK_IDLE: a long run is not a hung task. */
	wait_for_completion_state(&run->done, TASK_IDLE);

	for (i = 0; i < n; i++) {
		first = min(first, threads[i].start_ns);
		last = max(last, threads[i].end_ns);
		arg->cpu_ns += threads[i].end_ns - threads[i].start_ns;
		arg->ops += threads[i].ops;
		arg->failed += threads[i].failed;
	}
	arg->wall_ns = last - first;
	iomd_bench_free_threads(threads, n);
	kfree(run);
	return 0;

free_threads:
	/*
	 * Threads created but never woken: kthread_stop() makes them exit
	 * without running iomd_bench_thread_fn().
	 */
	iomd_bench_free_threads(threads, n);
free_run:
	kfree(run);
	return ret;
}

/* Sum of @len bytes (a multiple of 8) at @p, as native u64 words. */
static u64 iomd_bench_sum(const void *p, size_t len)
{
	const u64 *w = p;
	size_t i, n, chunk;
	u64 sum = 0;

	while (len) {
		chunk = min_t(size_t, len, IOMD_BENCH_SUM_CHUNK);
		n = chunk / sizeof(u64);
		for (i = 0; i < n; i++)
			sum += w[i];
		w += n;
		len -= chunk;
		if (len)
			cond_resched();
	}
	return sum;
}

static int iomd_bench_consume(struct iomd_bench_consume *arg)
{
	struct iomd_desc *desc;
	void *vaddr;
	int ret = 0;

	if (arg->reserved || arg->sum || arg->length % sizeof(u64))
		return -EINVAL;
	desc = iomd_desc_from_fd(arg->fd, NULL);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	if (arg->offset > iomd_desc_length(desc) ||
	    arg->length > iomd_desc_length(desc) - arg->offset) {
		ret = -ERANGE;
		goto put;
	}
	vaddr = iomd_buffer_vaddr(desc);
	if (IS_ERR(vaddr)) {
		ret = PTR_ERR(vaddr);
		goto put;
	}
	arg->sum = iomd_bench_sum(vaddr + arg->offset, arg->length);
put:
	iomd_desc_put(desc);
	return ret;
}

static int iomd_bench_open(struct inode *inode, struct file *file)
{
	struct iomd_bench_file *bf = kzalloc(sizeof(*bf), GFP_KERNEL);

	if (!bf)
		return -ENOMEM;
	mutex_init(&bf->lock);
	file->private_data = bf;
	return 0;
}

static int iomd_bench_release(struct inode *inode, struct file *file)
{
	struct iomd_bench_file *bf = file->private_data;

	kvfree(bf->sink);
	mutex_destroy(&bf->lock);
	kfree(bf);
	return 0;
}

/* The kernel copy path: copy into a kernel buffer, then read it there. */
static ssize_t iomd_bench_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos)
{
	struct iomd_bench_file *bf = file->private_data;
	ssize_t ret;

	if (len % sizeof(u64))
		return -EINVAL;
	len = min_t(size_t, len, IOMD_BENCH_SINK_BYTES);
	mutex_lock(&bf->lock);
	if (!bf->sink)
		bf->sink = kvmalloc(IOMD_BENCH_SINK_BYTES, GFP_KERNEL);
	if (!bf->sink) {
		ret = -ENOMEM;
		goto unlock;
	}
	if (copy_from_user(bf->sink, buf, len)) {
		ret = -EFAULT;
		goto unlock;
	}
	bf->last_sum = iomd_bench_sum(bf->sink, len);
	ret = len;
unlock:
	mutex_unlock(&bf->lock);
	return ret;
}

/* IOMD_BENCH_IOC_PIN: time pinning @arg's range, then unpin it. */
static int iomd_bench_pin(struct iomd_bench_pin *arg)
{
	unsigned long npages = arg->length >> PAGE_SHIFT;
	struct page **pages;
	u64 t0, t1;
	long got;

	if (!PAGE_ALIGNED(arg->addr) || !PAGE_ALIGNED(arg->length) ||
	    !npages || npages > INT_MAX)
		return -EINVAL;
	t0 = ktime_get_ns();
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	got = pin_user_pages_fast(arg->addr, npages,
				  FOLL_WRITE | FOLL_LONGTERM, pages);
	t1 = ktime_get_ns();
	if (got > 0)
		unpin_user_pages(pages, got);
	kvfree(pages);
	if (got != npages)
		return got < 0 ? got : -EFAULT;
	arg->ns = t1 - t0;
	return 0;
}

static long iomd_bench_ioctl(struct file *file, unsigned int cmd,
			     unsigned long uarg)
{
	struct iomd_bench_file *bf = file->private_data;
	void __user *argp = (void __user *)uarg;
	struct iomd_bench_consume consume;
	struct iomd_bench_alloc alloc;
	struct iomd_bench_pin pin;
	u64 sum;
	int ret;

	switch (cmd) {
	case IOMD_BENCH_IOC_ALLOC:
		if (copy_from_user(&alloc, argp, sizeof(alloc)))
			return -EFAULT;
		ret = iomd_bench_alloc_run(&alloc);
		if (!ret && copy_to_user(argp, &alloc, sizeof(alloc)))
			ret = -EFAULT;
		return ret;
	case IOMD_BENCH_IOC_CONSUME:
		if (copy_from_user(&consume, argp, sizeof(consume)))
			return -EFAULT;
		ret = iomd_bench_consume(&consume);
		if (!ret && copy_to_user(argp, &consume, sizeof(consume)))
			ret = -EFAULT;
		return ret;
	case IOMD_BENCH_IOC_PIN:
		if (copy_from_user(&pin, argp, sizeof(pin)))
			return -EFAULT;
		ret = iomd_bench_pin(&pin);
		if (!ret && copy_to_user(argp, &pin, sizeof(pin)))
			ret = -EFAULT;
		return ret;
	case IOMD_BENCH_IOC_LAST_SUM:
		mutex_lock(&bf->lock);
		sum = bf->last_sum;
		mutex_unlock(&bf->lock);
		return put_user(sum, (u64 __user *)argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations iomd_bench_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_bench_open,
	.release	= iomd_bench_release,
	.write		= iomd_bench_write,
	.unlocked_ioctl	= iomd_bench_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice iomd_bench_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= IOMD_BENCH_DEVICE_NAME,
	.fops	= &iomd_bench_fops,
	.mode	= 0600,
};

static int __init iomd_bench_init(void)
{
	return misc_register(&iomd_bench_dev);
}

static void __exit iomd_bench_exit(void)
{
	unsigned int i;

	misc_deregister(&iomd_bench_dev);
	for (i = 0; i < IOMD_BENCH_ZONE_CLASSES; i++) {
		if (!iomd_bench_zones[i])
			continue;
		kmem_cache_destroy(iomd_bench_zones[i]->cache);
		free_percpu(iomd_bench_zones[i]->pcp);
		kfree(iomd_bench_zones[i]);
	}
	xa_destroy(&iomd_bench_page_recs);
}

module_init(iomd_bench_init);
module_exit(iomd_bench_exit);

MODULE_DESCRIPTION("iomd benchmark helper: in-kernel allocator timing and buffer consumers");
MODULE_AUTHOR("The iomd developers");
MODULE_LICENSE("GPL");
