// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer descriptors (I/O Kit's IOBufferMemoryDescriptor): a descriptor
 * that allocates its own memory.  The memory is always zero-filled, so no
 * stale kernel data can reach user space, and is made of struct pages so
 * that user mappings stay usable by O_DIRECT, io_uring and other users of
 * pin_user_pages().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kinds.h"

/**
 * struct iomd_buffer - a buffer descriptor
 * @desc:	the common descriptor.
 * @vaddr:	kernel address of the memory: the direct map when the
 *		pages are physically contiguous, else a vmap() made on first
 *		use; NULL until then.
 * @contiguous:	the pages are physically contiguous.
 * @page0:	storage of @desc.pages for a one-page buffer.
 */
struct iomd_buffer {
	struct iomd_desc desc;
	void *vaddr;
	bool contiguous;
	struct page *page0;
};

static struct iomd_buffer *to_buffer(struct iomd_desc *desc)
{
	return container_of(desc, struct iomd_buffer, desc);
}

/* Free @buf's page array, unless it is @buf's own single entry. */
static void iomd_buffer_free_array(struct iomd_buffer *buf)
{
	if (buf->desc.pages != &buf->page0)
		kvfree(buf->desc.pages);
}

/*
 * Release pages [0, count) of @pages; mappings and pins keep their own.
 * A PMD-order folio holds one reference for all its pages.
 */
static void iomd_buffer_put_pages(struct page **pages, unsigned long count)
{
	unsigned long i, n;

	for (i = 0; i < count; i += n) {
		struct folio *folio = page_folio(pages[i]);

		n = folio_nr_pages(folio);
		folio_put(folio);
	}
}

/*
 * Give the direct map of a new buffer's pages its cache mode; on failure
 * they are write-back again and the pages can be freed.
 */
static int iomd_buffer_set_cache(struct iomd_desc *desc, u32 mode,
				 struct iomd_why *why)
{
	int ret;

	if (mode == IOMD_CACHE_WB)
		return 0;
	if (desc->npages > INT_MAX)
		return iomd_fail(why, -EFBIG,
				 "%lu pages are too many to change their cache mode at once",
				 desc->npages);
	ret = iomd_set_pages_cache(desc->pages, desc->npages, mode);
	if (!ret)
		return 0;
	if (ret != -EOPNOTSUPP)
		WARN_ON_ONCE(iomd_set_pages_cache(desc->pages, desc->npages,
						  IOMD_CACHE_WB));
	return iomd_fail(why, ret == -EOPNOTSUPP ? ret : -ENOMEM,
			 "cannot make the kernel's mapping of %lu pages %s (%d)%s",
			 desc->npages, iomd_cache_name(mode), ret,
			 ret == -EOPNOTSUPP ?
			 ": this kernel cannot change the cache mode of memory" :
			 "");
}

static void iomd_buffer_release(struct iomd_desc *desc)
{
	struct iomd_buffer *buf = to_buffer(desc);

	if (buf->vaddr && !buf->contiguous)
		vunmap(buf->vaddr);
	/*
	 * No mapping is left (each holds the descriptor), so the pages can
	 * be write-back again before anyone else gets them.  Pages that
	 * stay write-combined or uncached must not reach the allocator:
	 * leak them, loudly.
	 */
	if (desc->cache == IOMD_CACHE_WB ||
	    !iomd_set_pages_cache(desc->pages, desc->npages, IOMD_CACHE_WB))
		iomd_buffer_put_pages(desc->pages, desc->npages);
	else
		pr_err("cannot make %lu %s pages write-back again; leaking them\n",
		       desc->npages, iomd_cache_name(desc->cache));
	atomic64_sub(desc->npages << PAGE_SHIFT, &iomd_counters.live_bytes);
	iomd_buffer_free_array(buf);
	kfree(buf);
}

static void *iomd_buffer_kmap(struct iomd_desc *desc, struct iomd_why *why)
{
	void *addr = iomd_buffer_vaddr(desc);

	if (IS_ERR(addr))
		iomd_fail(why, PTR_ERR(addr), "cannot map the buffer");
	return addr;
}

/* Always wired; mapped as its own pages when made shareable. */
static const struct iomd_desc_ops iomd_buffer_ops = {
	.name = "buffer",
	.release = iomd_buffer_release,
	.vaddr = iomd_buffer_kmap,
};

/* Flags for a large run that is only nice to have: fail fast, no reclaim. */
static gfp_t iomd_gfp_opportunistic(gfp_t gfp)
{
	return (gfp & ~__GFP_RETRY_MAYFAIL) | __GFP_NORETRY;
}

/*
 * Allocate @count pages as one physically contiguous run of order @order
 * (2^@order >= @count), split into single pages so each can be mapped and
 * freed on its own; the tail beyond @count is given back.
 */
static int iomd_buffer_alloc_run(struct page **pages, unsigned long count,
				 unsigned int order, gfp_t gfp)
{
	struct page *page;
	unsigned long i;

	page = alloc_pages(gfp, order);
	if (!page)
		return -ENOMEM;
	if (order)
		split_page(page, order);
	for (i = 0; i < count; i++)
		pages[i] = page + i;
	for (; i < (1UL << order); i++)
		put_page(page + i);
	return 0;
}

/*
 * Fill @pages with @count zeroed pages in runs as large as the allocator
 * gives cheaply: fewer, larger runs cost less and map and DMA better.
 * Once an order fails, larger ones are not retried.
 */
static int iomd_buffer_alloc_chunked(struct page **pages, unsigned long count,
				     gfp_t gfp)
{
	unsigned int max_order = IOMD_MAX_ORDER;
	unsigned long done = 0;

	while (done < count) {
		unsigned int order = min_t(unsigned int, ilog2(count - done),
					   max_order);

		while (iomd_buffer_alloc_run(pages + done, 1UL << order, order,
					     order ? iomd_gfp_opportunistic(gfp) :
						     gfp)) {
			if (!order)
				goto put_pages;
			max_order = --order;
		}
		done += 1UL << order;
		cond_resched();
	}
	return 0;

put_pages:
	iomd_buffer_put_pages(pages, done);
	return -ENOMEM;
}

/*
 * Fill @pages with @count zeroed pages, as many as the allocator gives
 * cheaply as PMD-order folios: each is naturally aligned, so a user
 * mapping maps it with one PMD entry instead of a PTE per page.  They come
 * first, so folio boundaries fall on page indexes that are multiples of
 * the folio size; the rest are smaller runs.  Sets *@nr_pmd to the
 * number of PMD-order folios.
 */
static int iomd_buffer_alloc_pmd(struct page **pages, unsigned long count,
				 gfp_t gfp, unsigned long *nr_pmd)
{
	const unsigned long nr = 1UL << IOMD_PMD_ORDER;
	unsigned long done = 0, i;
	struct page *page;

	while (count - done >= nr) {
		page = alloc_pages(iomd_gfp_opportunistic(gfp) | __GFP_COMP,
				   IOMD_PMD_ORDER);
		/*
		 * Free PMD-sized blocks may only need compacting: do that in
		 * earnest (synchronous compaction, which a plain costly
		 * allocation skips once compaction has been deferred) before
		 * falling back to small pages for the rest of the buffer.
		 * __GFP_RETRY_MAYFAIL never wakes the OOM killer.
		 */
		if (!page)
			page = alloc_pages(gfp | __GFP_COMP, IOMD_PMD_ORDER);
		if (!page)
			break;
		/*
		 * The fault path takes a folio's index as its offset in the
		 * mapped file and maps it with PTEs only if it seems to pass
		 * i_size (6.12): give it its real offset, which is its page
		 * index in the descriptor, instead of what the page's last
		 * owner left there.
		 */
		page_folio(page)->index = done;
		for (i = 0; i < nr; i++)
			pages[done + i] = page + i;
		done += nr;
		cond_resched();
	}
	if (done < count &&
	    iomd_buffer_alloc_chunked(pages + done, count - done, gfp)) {
		iomd_buffer_put_pages(pages, done);
		return -ENOMEM;
	}
	*nr_pmd = done / nr;
	return 0;
}

/* Whether @count pages are one physically contiguous run. */
static bool iomd_pages_contiguous(struct page **pages, unsigned long count)
{
	unsigned long i, first = page_to_pfn(pages[0]);

	for (i = 1; i < count; i++)
		if (page_to_pfn(pages[i]) != first + i)
			return false;
	return true;
}

/**
 * iomd_buffer_create_gfp() - create a buffer descriptor
 * @options:	IOMD_DIR_* and IOMD_BUF_* bits.
 * @capacity:	bytes to allocate.
 * @alignment:	alignment of the kernel address, a power of two, 0 for a
 *		page.
 * @gfp:	extra allocation flags (__GFP_ACCOUNT for user requests).
 * @why:	failure reason; may be NULL.
 *
 * Return: the descriptor or an ERR_PTR().
 */
struct iomd_desc *iomd_buffer_create_gfp(u32 options, size_t capacity,
					 size_t alignment, gfp_t gfp,
					 struct iomd_why *why)
{
	const size_t max_run = PAGE_SIZE << IOMD_MAX_ORDER;
	const u32 known = IOMD_DIR_MASK | IOMD_BUF_KERNEL_USER_SHARED |
			  IOMD_BUF_CACHE_MASK;
	u32 direction = options & IOMD_DIR_MASK;
	u32 cache = IOMD_BUF_CACHE_MODE(options);
	bool shared = options & IOMD_BUF_KERNEL_USER_SHARED;
	struct iomd_buffer *buf;
	unsigned long npages;
	bool pmd = false;
	size_t rounded;
	int ret;

	if (options & ~known)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "unknown buffer options 0x%x",
					 options & ~known));
	if (cache > IOMD_CACHE_MAX)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "unknown cache mode %u", cache));
	if (cache == IOMD_CACHE_DEFAULT)
		cache = IOMD_CACHE_WB;
	if (!direction)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "no direction: add IOMD_DIR_IN, _OUT or _INOUT"));
	if (!capacity)
		return ERR_PTR(iomd_fail(why, -EINVAL, "capacity is 0"));
	if (capacity > iomd_max_buffer_bytes)
		return ERR_PTR(iomd_fail(why, -EFBIG,
					 "capacity %zu is above the max_buffer_bytes limit %lu",
					 capacity, iomd_max_buffer_bytes));
	if (!alignment)
		alignment = PAGE_SIZE;
	if (!is_power_of_2(alignment))
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "alignment %zu is not a power of two",
					 alignment));
	if (check_add_overflow(capacity, PAGE_SIZE - 1, &rounded))
		return ERR_PTR(iomd_fail(why, -EFBIG,
					 "capacity %zu overflows when rounded to pages",
					 capacity));
	rounded &= PAGE_MASK;
	if (alignment > PAGE_SIZE && max(rounded, alignment) > max_run)
		return ERR_PTR(iomd_fail(why, -EINVAL,
					 "alignment %zu above a page needs one contiguous run; capacity %zu with it exceeds the largest run %zu",
					 alignment, capacity, max_run));

	buf = kzalloc(sizeof(*buf), GFP_KERNEL | gfp);
	if (!buf)
		return ERR_PTR(iomd_fail(why, -ENOMEM,
					 "out of memory for the descriptor"));
	npages = rounded >> PAGE_SHIFT;
	if (npages == 1)
		buf->desc.pages = &buf->page0;
	else
		buf->desc.pages = kvcalloc(npages, sizeof(*buf->desc.pages),
					   GFP_KERNEL | gfp);
	if (!buf->desc.pages) {
		ret = iomd_fail(why, -ENOMEM,
				"out of memory for the page array of %lu pages",
				npages);
		goto free_buf;
	}

	/*
	 * Zeroed, never the OOM killer's business: a large request fails
	 * with ENOMEM instead.  Runs that fit one allocation are tried
	 * contiguous first so the kernel address is the direct map.
	 */
	gfp |= GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	ret = -ENOMEM;
	/*
	 * Shared write-back buffers of the PMD size (2 MiB with 4 KiB
	 * pages, 32 MiB with 16 KiB, 512 MiB with 64 KiB) and more are made
	 * of PMD-order folios where possible, for huge user mappings; the
	 * kernel address is the direct map if they happen to be contiguous.
	 * Other cache modes are kept to PTE mappings: one page size, one
	 * code path for the attribute.
	 */
	if (IOMD_PMD_ORDER && shared && cache == IOMD_CACHE_WB &&
	    alignment <= PAGE_SIZE &&
	    rounded >= (PAGE_SIZE << IOMD_PMD_ORDER)) {
		pmd = true;
		ret = iomd_buffer_alloc_pmd(buf->desc.pages, npages, gfp,
					    &buf->desc.nr_pmd_folios);
		if (!ret)
			buf->contiguous = iomd_pages_contiguous(buf->desc.pages,
								npages);
	} else if (max(rounded, alignment) <= max_run) {
		ret = iomd_buffer_alloc_run(buf->desc.pages, npages,
					    get_order(max(rounded, alignment)),
					    alignment > PAGE_SIZE ? gfp :
					    iomd_gfp_opportunistic(gfp));
		if (!ret)
			buf->contiguous = true;
	}
	if (ret && alignment <= PAGE_SIZE && !pmd)
		ret = iomd_buffer_alloc_chunked(buf->desc.pages, npages, gfp);
	if (ret) {
		ret = iomd_fail(why, -ENOMEM,
				"out of memory for %lu pages%s", npages,
				alignment > PAGE_SIZE ? " in one aligned run" : "");
		goto free_pages_array;
	}

	buf->desc.npages = npages;
	ret = iomd_buffer_set_cache(&buf->desc, cache, why);
	if (ret)
		goto put_pages;

	iomd_desc_init(&buf->desc, &iomd_buffer_ops, IOMD_KIND_BUFFER,
		       direction, options & (IOMD_BUF_KERNEL_USER_SHARED |
					     IOMD_BUF_CACHE_MASK));
	buf->desc.cache = cache;
	buf->desc.capacity = shared ? rounded : capacity;
	iomd_desc_set_single(&buf->desc, buf->desc.capacity, 0);
	buf->desc.user_shareable = shared;
	if (!shared)
		iomd_why_set(&buf->desc.share_why, -EPERM,
			     "buffer was created without IOMD_BUF_KERNEL_USER_SHARED; create it with that option to map it");
	if (buf->contiguous)
		buf->vaddr = page_address(buf->desc.pages[0]);
	atomic64_add(rounded, &iomd_counters.live_bytes);
	return &buf->desc;

put_pages:
	iomd_buffer_put_pages(buf->desc.pages, npages);
free_pages_array:
	iomd_buffer_free_array(buf);
free_buf:
	kfree(buf);
	return ERR_PTR(ret);
}

/**
 * iomd_buffer_create() - allocate memory and a descriptor for it
 * @options:	one of IOMD_DIR_IN, IOMD_DIR_OUT, IOMD_DIR_INOUT, optionally
 *		with IOMD_BUF_KERNEL_USER_SHARED and IOMD_BUF_CACHE(mode).
 * @capacity:	bytes to allocate, 1 to the max_buffer_bytes parameter.
 * @alignment:	alignment of the kernel address, a power of two; 0 means a
 *		page.  Above a page the buffer is one physically contiguous
 *		run, so capacity and alignment are bounded by the largest
 *		run the page allocator gives.
 * @why:	failure reason; may be NULL.
 *
 * The equivalent of IOBufferMemoryDescriptor::withOptions().  The memory
 * is always zero-filled.  With IOMD_BUF_KERNEL_USER_SHARED the capacity
 * and length are rounded up to whole pages and the buffer may be mapped
 * into user space; without it, user mappings are refused.
 * IOMD_BUF_CACHE(IOMD_CACHE_WC or _UC) makes every mapping of the memory
 * write-combined or uncached, the kernel's too: the direct map of the
 * pages is changed (set_pages_array_wc()/_uc()) and restored to
 * write-back before they are freed.
 *
 * Context: process context; may sleep.
 * Return: the descriptor with one reference, or ERR_PTR(-EINVAL) for bad
 * options or cache mode, capacity 0 or a bad alignment, ERR_PTR(-EFBIG)
 * above the limit, ERR_PTR(-EOPNOTSUPP) (WC or UC where the architecture
 * cannot change the cache mode of memory), ERR_PTR(-ENOMEM).
 */
struct iomd_desc *iomd_buffer_create(u32 options, size_t capacity,
				     size_t alignment,
				     struct iomd_why *why)
{
	return iomd_buffer_create_gfp(options, capacity, alignment, 0, why);
}
EXPORT_SYMBOL_GPL(iomd_buffer_create);

/**
 * iomd_buffer_vaddr() - kernel virtual address of a buffer's memory
 * @desc: a buffer descriptor.
 *
 * The address is valid, and the memory contiguous in the kernel's view,
 * until the descriptor's last reference is dropped.  It is aligned as
 * asked at creation.
 *
 * Context: may sleep (the first call may need to vmap() the pages).
 * Return: the address, ERR_PTR(-EINVAL) if @desc is not a buffer, or
 * ERR_PTR(-ENOMEM).
 */
void *iomd_buffer_vaddr(struct iomd_desc *desc)
{
	struct iomd_buffer *buf;
	void *vaddr, *old;

	if (desc->ops != &iomd_buffer_ops)
		return ERR_PTR(-EINVAL);
	buf = to_buffer(desc);
	/* Pairs with cmpxchg_release(): a seen address has its mapping. */
	vaddr = smp_load_acquire(&buf->vaddr);
	if (vaddr)
		return vaddr;

	/* In the buffer's cache mode, like its direct map and user maps. */
	vaddr = vmap(desc->pages, desc->npages, VM_MAP,
		     iomd_cache_pgprot(PAGE_KERNEL, desc->cache));
	if (!vaddr)
		return ERR_PTR(-ENOMEM);
	old = cmpxchg_release(&buf->vaddr, NULL, vaddr);
	if (old) {
		vunmap(vaddr);
		return old;
	}
	return vaddr;
}
EXPORT_SYMBOL_GPL(iomd_buffer_vaddr);
