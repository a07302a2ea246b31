// SPDX-License-Identifier: GPL-2.0
/*
 * The general allocator (I/O Kit's IOMalloc family).  Small requests come
 * from size-class zones: private memory that can never be mapped into user
 * space.  Page-multiple, over-aligned and contiguous requests come from
 * the page pool: whole, zeroed pages that can be shared.  Both pools are
 * bounded by module parameters; exhausting them returns NULL.  Frees take
 * the size, as IOFree does, and a size that does not match the allocation
 * is reported and the memory left alone rather than freed wrongly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "alloc.h"
#include "zone_fast.h"

/* Element sizes of the general pool's zones. */
static const unsigned int iomd_malloc_classes[] = {
	16, 32, 64, 128, 256, 512, 1024, 2048,
};

#define IOMD_MALLOC_CLASSES	ARRAY_SIZE(iomd_malloc_classes)
#define IOMD_MALLOC_MAX_SMALL	2048

static unsigned long iomd_zone_bytes = SZ_64M;
module_param_named(malloc_zone_bytes, iomd_zone_bytes, ulong, 0444);
MODULE_PARM_DESC(malloc_zone_bytes,
		 "Limit of each general size-class zone, in bytes (default 64 MiB)");

static unsigned long iomd_page_bytes = SZ_512M;
module_param_named(malloc_page_bytes, iomd_page_bytes, ulong, 0444);
MODULE_PARM_DESC(malloc_page_bytes,
		 "Limit of the general page pool, in bytes (default 512 MiB)");

static struct iomd_zone *iomd_malloc_zones[IOMD_MALLOC_CLASSES];
static struct iomd_zone *iomd_page_pool;

/*
 * Page-pool allocations too large for one run come from vmalloc and are
 * recorded here, by their address >> PAGE_SHIFT.
 */
static DEFINE_XARRAY(iomd_page_vallocs);

#define IOMD_ALLOC_MALLOC	1
#define IOMD_ALLOC_ALIGNED	2
#define IOMD_ALLOC_CONTIGUOUS	3

/*
 * A page-pool allocation of the page allocator is recorded in the
 * ->private field of its first page, which is the allocation's own while
 * iomd holds it: the bytes asked for, the allocating function and call
 * site, XORed with a cookie chosen at load so that no other owner's value
 * passes for a record.  A free checks and clears it with one cmpxchg, so a
 * double free, even a concurrent one, frees nothing.
 */
#define IOMD_TAG_KIND_BITS	8
#define IOMD_TAG_SITE_SHIFT	IOMD_TAG_KIND_BITS
#define IOMD_TAG_SIZE_SHIFT	16

static unsigned long iomd_page_cookie __read_mostly;

/*
 * Single pages are cached per CPU, as zone elements are (zone.c), with
 * their ->private saying whether they are still zero from the page
 * allocator.  Both values decode as no record (kind 0).
 */
#define IOMD_PAGE_CACHE_DEPTH	16
#define IOMD_PAGE_STALE		(iomd_page_cookie)
#define IOMD_PAGE_FRESH		(iomd_page_cookie ^ BIT(IOMD_TAG_SITE_SHIFT))

/**
 * struct iomd_page_alloc - what a page-pool record says
 * @size:	bytes asked for (checked at free).
 * @kind:	IOMD_ALLOC_* function that allocated it (checked at free).
 * @site:	call-site slot in the page pool's zone.
 * @ip:		call site, for leak reports (vmalloc records only).
 */
struct iomd_page_alloc {
	size_t size;
	u32 kind;
	unsigned int site;
	unsigned long ip;
};

static unsigned long iomd_page_tag(size_t size, u32 kind, unsigned int site)
{
	return iomd_page_cookie ^ ((unsigned long)size << IOMD_TAG_SIZE_SHIFT |
				   site << IOMD_TAG_SITE_SHIFT | kind);
}

/* Decode @tag; false if it is no record of ours. */
static bool iomd_page_untag(unsigned long tag, struct iomd_page_alloc *rec)
{
	unsigned long v = tag ^ iomd_page_cookie;

	rec->size = v >> IOMD_TAG_SIZE_SHIFT;
	rec->kind = v & (BIT(IOMD_TAG_KIND_BITS) - 1);
	rec->site = (v >> IOMD_TAG_SITE_SHIFT) & 0xff;
	rec->ip = 0;
	return rec->kind >= IOMD_ALLOC_MALLOC &&
	       rec->kind <= IOMD_ALLOC_CONTIGUOUS &&
	       rec->site <= IOMD_ZONE_SITES && rec->size > 0 &&
	       rec->size <= PAGE_SIZE << IOMD_MAX_ORDER;
}

static unsigned int iomd_malloc_class(size_t size)
{
	return size <= 16 ? 0 : fls(size - 1) - 4;
}

/* Zone allocation with the element aligned to @align (>= 16). */
static __always_inline void *iomd_malloc_small(size_t size, size_t align,
					       unsigned long ip)
{
	size_t need = size + align - IOMD_ZONE_ALIGN;

	unsigned int zclass = iomd_malloc_class(need);

	return iomd_zone_alloc_site(iomd_malloc_zones[zclass], size, align,
				    zclass, GFP_KERNEL, ip);
}

/* Release @npages pages from @page; those still used elsewhere live on. */
static void iomd_pages_put(struct page *page, unsigned long npages)
{
	unsigned long i;

	if (PageHead(page)) {
		put_page(page);
		return;
	}
	for (i = 0; i < npages; i++)
		put_page(page + i);
}

/* vmalloc memory for the page pool, recorded in iomd_page_vallocs. */
static void *iomd_pages_vmalloc(size_t size, gfp_t gfp, u32 kind,
				unsigned int site, unsigned long ip)
{
	struct iomd_page_alloc *rec;
	void *addr;

	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return NULL;
	rec->size = size;
	rec->kind = kind;
	rec->site = site;
	rec->ip = ip;
	addr = __vmalloc(PAGE_ALIGN(size), gfp);
	if (!addr)
		goto free_rec;
	if (xa_insert(&iomd_page_vallocs, (unsigned long)addr >> PAGE_SHIFT, rec,
		      GFP_KERNEL))
		goto free_addr;
	return addr;

free_addr:
	vfree(addr);
free_rec:
	kfree(rec);
	return NULL;
}

/*
 * This CPU's cache is empty: take a batch of zeroed pages under the
 * limit, keep all but one in the cache and return that one (counted).
 */
static noinline void *iomd_page_get_slow(gfp_t gfp, unsigned int site)
{
	void *addrs[IOMD_PAGE_CACHE_DEPTH / 2];
	struct iomd_zone *pool = iomd_page_pool;
	struct page *page;
	unsigned int n, i;

	n = iomd_zone_take(pool, gfp);
	i = 0;
	/* A whole batch as one run, split, when one is at hand. */
	if (n > 1 && is_power_of_2(n)) {
		page = alloc_pages_node(NUMA_NO_NODE,
					(gfp | __GFP_NORETRY) &
					~(__GFP_DIRECT_RECLAIM |
					  __GFP_RETRY_MAYFAIL), ilog2(n));
		if (page) {
			split_page(page, ilog2(n));
			for (; i < n; i++) {
				set_page_private(page + i, IOMD_PAGE_FRESH);
				addrs[i] = page_address(page + i);
			}
		}
	}
	for (; i < n; i++) {
		page = alloc_pages_node(NUMA_NO_NODE, gfp, 0);
		if (!page)
			break;
		set_page_private(page, IOMD_PAGE_FRESH);
		addrs[i] = page_address(page);
	}
	if (i < n)
		iomd_zone_unreserve(pool, n - i);
	if (!i) {
		if (n)
			iomd_zone_exhausted(pool, "out of memory");
		return NULL;
	}
	return iomd_zone_stash(pool, addrs, i, site);
}

/* One zeroed page of the page pool, counted for @site. */
static __always_inline void *iomd_page_get(gfp_t gfp, unsigned int site)
{
	void *addr = iomd_zone_pop(iomd_page_pool, site);

	if (unlikely(!addr))
		return iomd_page_get_slow(gfp, site);
	/*
	 * Zeroed as slab's init_on_alloc zeroes kmalloc() objects, by an
	 * out-of-line memset() of a run-time size: a constant size is
	 * expanded inline into `rep stos`, which emulators run an iteration
	 * at a time.
	 */
	if (virt_to_page(addr)->private != IOMD_PAGE_FRESH)
		memset(addr, 0, iomd_page_pool->elem_size);
	return addr;
}

/*
 * Take back the single page @page, whose record was just cleared, from
 * @site into this CPU's cache, if iomd holds its only reference.  A page
 * still mapped or pinned elsewhere is not cached (false): it lives on
 * without us.  A speculative reference taken after the check is dropped
 * again by its taker and leaves the page ours.
 */
static bool iomd_page_cache(struct page *page, unsigned int site)
{
	void *addr = page_address(page);

	if (page_ref_count(page) != 1)
		return false;
	if (unlikely(!iomd_zone_push(iomd_page_pool, addr, site)))
		iomd_zone_put_slow(iomd_page_pool, addr, site);
	return true;
}

static void *iomd_pages_alloc(size_t size, size_t align, gfp_t gfp,
			      u32 kind, unsigned long ip, phys_addr_t *phys)
{
	unsigned long npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned int order = get_order(max(size, align));
	struct page *page;
	unsigned int site;
	unsigned long i;
	void *addr;

	site = iomd_zone_site(iomd_page_pool, ip);
	gfp |= GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	if (!order && !(gfp & GFP_ZONEMASK)) {
		addr = iomd_page_get(gfp, site);
		if (!addr)
			return NULL;
		page = virt_to_page(addr);
		goto record;
	}

	if (!iomd_zone_reserve(iomd_page_pool, npages)) {
		iomd_zone_exhausted(iomd_page_pool, "limit reached");
		return NULL;
	}
	if (order > IOMD_MAX_ORDER) {
		/* Only plain page-aligned memory may come from vmalloc. */
		if (kind == IOMD_ALLOC_CONTIGUOUS || align > PAGE_SIZE)
			goto unreserve;
		addr = iomd_pages_vmalloc(size, gfp, kind, site, ip);
		if (!addr)
			goto unreserve;
		iomd_zone_count_alloc(iomd_page_pool, site);
		return addr;
	}
	/*
	 * The local node, as kmalloc's large allocations; the task's memory
	 * policy is for its own memory.  A run the allocation fills stays
	 * one compound page, freed in one go (mappings and pins of its pages
	 * hold the whole run); a run with pages to spare is split, and the
	 * spare pages freed at once.
	 */
	if (npages == 1UL << order)
		gfp |= __GFP_COMP;
	page = alloc_pages_node(NUMA_NO_NODE, gfp, order);
	if (!page)
		goto unreserve;
	if (order && npages < 1UL << order) {
		split_page(page, order);
		for (i = npages; i < (1UL << order); i++)
			__free_page(page + i);
	}
	addr = page_address(page);
	iomd_zone_count_alloc(iomd_page_pool, site);
record:
	set_page_private(page, iomd_page_tag(size, kind, site));
	if (phys)
		*phys = page_to_phys(page);
	return addr;

unreserve:
	iomd_zone_unreserve(iomd_page_pool, npages);
	iomd_zone_exhausted(iomd_page_pool, "out of memory");
	return NULL;
}

/* Report and count a page-pool free that does not match @seen. */
static void iomd_pages_bad_free(const void *addr, size_t size, u32 kind,
				const struct iomd_page_alloc *seen)
{
	if (seen)
		pr_err_ratelimited("free of %p with size %zu (kind %u), allocated with %zu (kind %u) at %pS\n",
				   addr, size, kind, seen->size, seen->kind,
				   (void *)(seen->ip ? seen->ip :
					    seen->site < IOMD_ZONE_SITES ?
					    iomd_page_pool->site_ip[seen->site] :
					    0));
	else
		pr_err_ratelimited("free of %p: not a live page-pool allocation\n",
				   addr);
	atomic_long_inc(&iomd_counters.bad_frees);
}

/* Account the free of a page-pool allocation of @size by @site. */
static void iomd_pages_freed(size_t size, unsigned int site)
{
	iomd_zone_count_free(iomd_page_pool, site);
	iomd_zone_unreserve(iomd_page_pool, PAGE_ALIGN(size) >> PAGE_SHIFT);
}

/* Free page-pool memory of the page allocator at @addr, a direct-map address. */
static void iomd_pages_free(void *addr, size_t size, u32 kind)
{
	struct page *page = virt_to_page(addr);
	struct iomd_page_alloc seen;
	unsigned long tag;

	tag = READ_ONCE(page->private);
	if (unlikely(!PAGE_ALIGNED(addr) || !iomd_page_untag(tag, &seen))) {
		iomd_pages_bad_free(addr, size, kind, NULL);
		return;
	}
	if (unlikely(seen.size != size || seen.kind != kind)) {
		iomd_pages_bad_free(addr, size, kind, &seen);
		return;
	}
	/* Only one of two concurrent frees clears the record. */
	if (unlikely(cmpxchg(&page->private, tag, IOMD_PAGE_STALE) != tag)) {
		iomd_pages_bad_free(addr, size, kind, NULL);
		return;
	}
	if (size <= PAGE_SIZE && iomd_page_cache(page, seen.site))
		return;
	set_page_private(page, 0);
	/* Pages still mapped or pinned elsewhere live on until released. */
	iomd_pages_put(page, PAGE_ALIGN(size) >> PAGE_SHIFT);
	iomd_pages_freed(size, seen.site);
}

/* Free page-pool memory of vmalloc at @addr. */
static void iomd_pages_vfree(void *addr, size_t size, u32 kind)
{
	unsigned long key = (unsigned long)addr >> PAGE_SHIFT;
	struct iomd_page_alloc *rec, seen = {};

	/* A mismatched record stays; read it only under the lock. */
	xa_lock(&iomd_page_vallocs);
	rec = PAGE_ALIGNED(addr) ? xa_load(&iomd_page_vallocs, key) : NULL;
	if (rec) {
		seen = *rec;
		if (rec->size == size && rec->kind == kind)
			__xa_erase(&iomd_page_vallocs, key);
		else
			rec = NULL;
	}
	xa_unlock(&iomd_page_vallocs);
	if (!rec) {
		iomd_pages_bad_free(addr, size, kind, seen.size ? &seen : NULL);
		return;
	}
	vfree(addr);
	iomd_pages_freed(size, rec->site);
	kfree(rec);
}

/* Free page-pool memory at @addr, wherever it came from. */
static void iomd_pages_free_any(void *addr, size_t size, u32 kind)
{
	if (iomd_direct_addr(addr) && !folio_test_slab(virt_to_folio(addr)))
		iomd_pages_free(addr, size, kind);
	else if (is_vmalloc_addr(addr))
		iomd_pages_vfree(addr, size, kind);
	else
		iomd_pages_bad_free(addr, size, kind, NULL);
}

/**
 * iomd_malloc_is_zone() - whether kernel memory is zone memory
 * @addr:	a kernel address.
 *
 * Zone memory, which is never shared with user space, is what
 * iomd_malloc() returns, whatever its size (the page pool's included, as
 * IOMalloc memory of any size cannot be mapped into a task), and slab
 * memory (kmalloc).  A page-pool allocation is known by the record in its
 * first page (or in its folio, for one compound page), or by its vmalloc
 * record at its start.
 *
 * Return: true if @addr lies in zone memory.
 */
bool iomd_malloc_is_zone(const void *addr)
{
	unsigned long key = (unsigned long)addr >> PAGE_SHIFT;
	struct iomd_page_alloc seen, *rec;
	struct folio *folio;
	bool zone;

	if (is_vmalloc_addr(addr)) {
		xa_lock(&iomd_page_vallocs);
		rec = xa_load(&iomd_page_vallocs, key);
		zone = rec && rec->kind == IOMD_ALLOC_MALLOC;
		xa_unlock(&iomd_page_vallocs);
		return zone;
	}
	if (!iomd_direct_addr(addr))
		return false;
	folio = virt_to_folio(addr);
	if (folio_test_slab(folio))
		return true;
	if (iomd_page_untag(READ_ONCE(virt_to_page(addr)->private), &seen) ||
	    (folio_test_large(folio) &&
	     iomd_page_untag(READ_ONCE(folio->page.private), &seen)))
		return seen.kind == IOMD_ALLOC_MALLOC;
	return false;
}

/**
 * iomd_malloc() - allocate kernel memory (IOMalloc)
 * @size: bytes; 0 returns NULL.
 *
 * Up to 2048 bytes come from the general pool's size-class zones, aligned
 * to IOMD_ZONE_ALIGN; such memory is private and can never be mapped into
 * user space.  Larger requests come from the page pool, page-aligned.  The
 * memory is not zeroed for zone sizes and zeroed for pages.
 *
 * Context: process context; may sleep.
 * Return: the memory, or NULL when its pool's limit is reached or memory
 * is short.  Free it with iomd_free() and the same @size.
 */
void *iomd_malloc(size_t size)
{
	if (!size)
		return NULL;
	if (size <= IOMD_MALLOC_MAX_SMALL)
		return iomd_malloc_small(size, IOMD_ZONE_ALIGN, _RET_IP_);
	return iomd_pages_alloc(size, PAGE_SIZE, 0, IOMD_ALLOC_MALLOC,
				_RET_IP_, NULL);
}
EXPORT_SYMBOL_GPL(iomd_malloc);

/* Free a zone element of the general pool in @folio, checking @size. */
static __always_inline void iomd_free_small(void *ptr, size_t size,
					    struct folio *folio)
{
	struct iomd_zone_hdr *hdr = iomd_zone_hdr_in(ptr, folio, size);

	if (!hdr)
		return;
	if (WARN_ON_ONCE(hdr->zclass >= IOMD_MALLOC_CLASSES))
		return;
	iomd_zone_free_hdr(iomd_malloc_zones[hdr->zclass], hdr);
}

/*
 * Zone elements live in slab folios, page-pool allocations in pages of
 * the page allocator or in vmalloc memory: the memory itself tells which.
 */
static __always_inline void iomd_free_kind(void *ptr, size_t size, u32 kind)
{
	struct folio *folio;

	if (!ptr)
		return;
	if (unlikely(!iomd_direct_addr(ptr))) {
		iomd_pages_free_any(ptr, size, kind);
		return;
	}
	folio = virt_to_folio(ptr);
	if (likely(folio_test_slab(folio)))
		iomd_free_small(ptr, size, folio);
	else
		iomd_pages_free(ptr, size, kind);
}

/**
 * iomd_free() - free memory from iomd_malloc() (IOFree)
 * @ptr:	the memory; NULL is ignored.
 * @size:	the size it was allocated with.
 *
 * A @size that does not match the allocation, or a pointer that is not a
 * live allocation, is reported and counted, and nothing is freed.
 */
void iomd_free(void *ptr, size_t size)
{
	iomd_free_kind(ptr, size, IOMD_ALLOC_MALLOC);
}
EXPORT_SYMBOL_GPL(iomd_free);

/**
 * iomd_malloc_aligned() - allocate aligned kernel memory (IOMallocAligned)
 * @size:	bytes; 0 returns NULL.
 * @align:	alignment, a power of two up to the largest page run; 0 or
 *		less than IOMD_ZONE_ALIGN means IOMD_ZONE_ALIGN.
 *
 * A @size that is a multiple of the page size gets whole, zeroed,
 * page-aligned pages that a descriptor can share with user space (see
 * iomd_desc_create_kernel()).  Other sizes come from the size-class zones
 * when they fit, with padding for @align, and are private.
 *
 * Context: process context; may sleep.
 * Return: the memory or NULL.  Free it with iomd_free_aligned() and the
 * same @size.
 */
void *iomd_malloc_aligned(size_t size, size_t align)
{
	if (!size || (align && !is_power_of_2(align)))
		return NULL;
	align = max_t(size_t, align, IOMD_ZONE_ALIGN);
	if (!PAGE_ALIGNED(size) && align < PAGE_SIZE &&
	    size + align - IOMD_ZONE_ALIGN <= IOMD_MALLOC_MAX_SMALL)
		return iomd_malloc_small(size, align, _RET_IP_);
	if (get_order(align) > IOMD_MAX_ORDER)
		return NULL;
	return iomd_pages_alloc(size, max_t(size_t, align, PAGE_SIZE), 0,
				IOMD_ALLOC_ALIGNED, _RET_IP_, NULL);
}
EXPORT_SYMBOL_GPL(iomd_malloc_aligned);

/**
 * iomd_free_aligned() - free memory from iomd_malloc_aligned()
 * @ptr:	the memory; NULL is ignored.
 * @size:	the size it was allocated with.
 *
 * Mismatches are reported as by iomd_free().
 */
void iomd_free_aligned(void *ptr, size_t size)
{
	iomd_free_kind(ptr, size, IOMD_ALLOC_ALIGNED);
}
EXPORT_SYMBOL_GPL(iomd_free_aligned);

/**
 * iomd_malloc_contiguous() - allocate physically contiguous memory
 * @size:	bytes; 0 returns NULL.
 * @align:	physical alignment, a power of two; 0 means a page.
 * @phys_mask:	highest physical address the memory may use, e.g.
 *		DMA_BIT_MASK(32); 0 means no limit.
 * @phys:	receives the physical address; may be NULL.
 *
 * The equivalent of IOMallocContiguous: whole, zeroed pages in one run
 * of the page allocator, shareable like iomd_malloc_aligned() memory.  To
 * hand it to a device, map it with the DMA API; @phys is the CPU's view.
 *
 * Context: process context; may sleep.
 * Return: the kernel address or NULL (size or alignment beyond the largest
 * run, no memory under @phys_mask, or the page pool full).  Free it with
 * iomd_free_contiguous() and the same @size.
 */
void *iomd_malloc_contiguous(size_t size, size_t align, u64 phys_mask,
			     phys_addr_t *phys)
{
	gfp_t gfp = 0;
	phys_addr_t pa;
	void *addr;

	if (!size || (align && !is_power_of_2(align)))
		return NULL;
	align = max_t(size_t, align, PAGE_SIZE);
	if (get_order(max(size, align)) > IOMD_MAX_ORDER)
		return NULL;
	if (phys_mask && phys_mask < DMA_BIT_MASK(32))
		gfp = GFP_DMA;
	else if (phys_mask && phys_mask < DMA_BIT_MASK(64))
		gfp = GFP_DMA32;

	addr = iomd_pages_alloc(size, align, gfp, IOMD_ALLOC_CONTIGUOUS,
				_RET_IP_, &pa);
	if (addr && phys_mask && pa + PAGE_ALIGN(size) - 1 > phys_mask) {
		iomd_pages_free(addr, size, IOMD_ALLOC_CONTIGUOUS);
		return NULL;
	}
	if (addr && phys)
		*phys = pa;
	return addr;
}
EXPORT_SYMBOL_GPL(iomd_malloc_contiguous);

/**
 * iomd_free_contiguous() - free memory from iomd_malloc_contiguous()
 * @ptr:	the kernel address; NULL is ignored.
 * @size:	the size it was allocated with.
 */
void iomd_free_contiguous(void *ptr, size_t size)
{
	if (ptr)
		iomd_pages_free_any(ptr, size, IOMD_ALLOC_CONTIGUOUS);
}
EXPORT_SYMBOL_GPL(iomd_free_contiguous);

int iomd_malloc_init(void)
{
	char name[IOMD_ZONE_NAME_LEN];
	unsigned int i;
	int ret;

	BUILD_BUG_ON(BITS_PER_LONG < 64);
	do {
		iomd_page_cookie = get_random_long();
	} while (!iomd_page_cookie);
	for (i = 0; i < IOMD_MALLOC_CLASSES; i++) {
		snprintf(name, sizeof(name), "iomd.%u", iomd_malloc_classes[i]);
		iomd_malloc_zones[i] =
			iomd_zone_create(name, iomd_malloc_classes[i],
					 max(1UL, iomd_zone_bytes /
						  iomd_malloc_classes[i]),
					 NULL);
		if (IS_ERR(iomd_malloc_zones[i])) {
			ret = PTR_ERR(iomd_malloc_zones[i]);
			goto destroy_zones;
		}
	}
	iomd_page_pool = iomd_zone_create_counter("iomd.pages", PAGE_SIZE,
						  max(1UL, iomd_page_bytes >>
							   PAGE_SHIFT),
						  IOMD_PAGE_CACHE_DEPTH);
	if (IS_ERR(iomd_page_pool)) {
		ret = PTR_ERR(iomd_page_pool);
		goto destroy_zones;
	}
	return 0;

destroy_zones:
	while (i--)
		iomd_zone_destroy(iomd_malloc_zones[i]);
	return ret;
}

/* Called with no users left; leaks are reported, never freed blindly. */
void iomd_malloc_exit(void)
{
	unsigned int i;

	iomd_zone_destroy(iomd_page_pool);
	for (i = 0; i < IOMD_MALLOC_CLASSES; i++)
		iomd_zone_destroy(iomd_malloc_zones[i]);
}
