/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels iomd supports (6.1 LTS and 6.12 LTS).
 * The HAVE_* macros come from iomd_config.h, which kernel/configure.sh
 * writes by compiling the probes in kernel/probes/ against the target
 * kernel's headers: features are detected, never inferred from version
 * numbers.
 */
#ifndef _IOMD_COMPAT_H
#define _IOMD_COMPAT_H

#include <linux/iomd.h>
#include <linux/mm.h>
#include <linux/mmzone.h>

#include "iomd_config.h"

/* vm_flags became write-protected behind helpers in 6.3. */
#ifdef HAVE_VM_FLAGS_SET
static inline void iomd_vm_flags_set(struct vm_area_struct *vma,
				     unsigned long flags)
{
	vm_flags_set(vma, flags);
}

static inline void iomd_vm_flags_clear(struct vm_area_struct *vma,
				       unsigned long flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void iomd_vm_flags_set(struct vm_area_struct *vma,
				     unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void iomd_vm_flags_clear(struct vm_area_struct *vma,
				       unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Whether @mm's mappings may have changed since iomd_mm_seq() was read
 * under its mmap_lock: true if a write section of mmap_lock began since.
 * Kernels that do not count those sections always say they may have.
 */
#ifdef HAVE_MM_LOCK_SEQCOUNT
static inline unsigned int iomd_mm_seq(struct mm_struct *mm)
{
	mmap_assert_locked(mm);
	return raw_read_seqcount(&mm->mm_lock_seq);
}

static inline bool iomd_mm_changed(struct mm_struct *mm, unsigned int seq)
{
	return read_seqcount_retry(&mm->mm_lock_seq, seq);
}
#else
static inline unsigned int iomd_mm_seq(struct mm_struct *mm)
{
	return 0;
}

static inline bool iomd_mm_changed(struct mm_struct *mm, unsigned int seq)
{
	return true;
}
#endif

/*
 * Long-term pin of @nr_pages of @mm from @start; mmap_lock held for read.
 * The vmas argument went away in 6.5.
 */
static inline long iomd_pin_user_pages_remote(struct mm_struct *mm,
					      unsigned long start,
					      unsigned long nr_pages,
					      unsigned int gup_flags,
					      struct page **pages)
{
#ifdef HAVE_PIN_USER_PAGES_REMOTE_VMAS
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#else
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#endif
}

/*
 * The largest order the page allocator hands out.  MAX_PAGE_ORDER (6.8+)
 * is inclusive; the older MAX_ORDER was one past the largest order.
 */
#ifdef HAVE_MAX_PAGE_ORDER
#define IOMD_MAX_ORDER	MAX_PAGE_ORDER
#else
#define IOMD_MAX_ORDER	(MAX_ORDER - 1)
#endif

/* Order of a folio that one PMD entry maps; 0 without THP support. */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
#define IOMD_PMD_ORDER	HPAGE_PMD_ORDER
#else
#define IOMD_PMD_ORDER	0
#endif

/*
 * Give the kernel's direct map of @count pages cache mode @mode
 * (IOMD_CACHE_WB, _WC or _UC), reserving the mode for them with x86 PAT;
 * WB undoes the other two.  Where the architecture cannot, only WB is
 * possible.
 */
#ifdef HAVE_SET_PAGES_ARRAY
#include <linux/set_memory.h>

static inline int iomd_set_pages_cache(struct page **pages, int count,
				       u32 mode)
{
	switch (mode) {
	case IOMD_CACHE_WC:
		return set_pages_array_wc(pages, count);
	case IOMD_CACHE_UC:
		return set_pages_array_uc(pages, count);
	default:
		return set_pages_array_wb(pages, count);
	}
}
#else
static inline int iomd_set_pages_cache(struct page **pages, int count,
				       u32 mode)
{
	return mode == IOMD_CACHE_WB ? 0 : -EOPNOTSUPP;
}
#endif

/*
 * A registered shrinker named @name calling @count and @scan, or NULL.
 * The core allocates shrinkers from 6.7 on; before, their owner does.
 */
#include <linux/shrinker.h>
#include <linux/slab.h>

static inline struct shrinker *
iomd_shrinker_create(const char *name,
		     unsigned long (*count)(struct shrinker *,
					    struct shrink_control *),
		     unsigned long (*scan)(struct shrinker *,
					   struct shrink_control *))
{
	struct shrinker *s;

#ifdef HAVE_SHRINKER_ALLOC
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void iomd_shrinker_destroy(struct shrinker *s)
{
#ifdef HAVE_SHRINKER_ALLOC
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/*
 * dma-buf importer calls without the reservation lock held: 6.2 split
 * them into locked and *_unlocked variants (Debian's 6.1 has the map
 * ones but not the vmap ones).
 */
#include <linux/dma-buf.h>

#ifdef HAVE_DMA_BUF_MAP_UNLOCKED
static inline struct sg_table *
iomd_dma_buf_map(struct dma_buf_attachment *attach,
		 enum dma_data_direction dir)
{
	return dma_buf_map_attachment_unlocked(attach, dir);
}

static inline void iomd_dma_buf_unmap(struct dma_buf_attachment *attach,
				      struct sg_table *sgt,
				      enum dma_data_direction dir)
{
	dma_buf_unmap_attachment_unlocked(attach, sgt, dir);
}
#else
static inline struct sg_table *
iomd_dma_buf_map(struct dma_buf_attachment *attach,
		 enum dma_data_direction dir)
{
	return dma_buf_map_attachment(attach, dir);
}

static inline void iomd_dma_buf_unmap(struct dma_buf_attachment *attach,
				      struct sg_table *sgt,
				      enum dma_data_direction dir)
{
	dma_buf_unmap_attachment(attach, sgt, dir);
}
#endif

#ifdef HAVE_DMA_BUF_VMAP_UNLOCKED
static inline int iomd_dma_buf_vmap(struct dma_buf *dmabuf,
				    struct iosys_map *map)
{
	return dma_buf_vmap_unlocked(dmabuf, map);
}

static inline void iomd_dma_buf_vunmap(struct dma_buf *dmabuf,
				       struct iosys_map *map)
{
	dma_buf_vunmap_unlocked(dmabuf, map);
}
#else
static inline int iomd_dma_buf_vmap(struct dma_buf *dmabuf,
				    struct iosys_map *map)
{
	return dma_buf_vmap(dmabuf, map);
}

static inline void iomd_dma_buf_vunmap(struct dma_buf *dmabuf,
				       struct iosys_map *map)
{
	dma_buf_vunmap(dmabuf, map);
}
#endif

/*
 * Take a reference on @file unless its count already reached zero (its
 * release is under way): a file found through a plain pointer that its
 * ->release clears.  6.13 made the count a file_ref_t.
 */
#include <linux/fs.h>

static inline bool iomd_file_get_unless_zero(struct file *file)
{
#ifdef HAVE_FILE_REF
	return file_ref_get(&file->f_ref);
#else
	return atomic_long_inc_not_zero(&file->f_count);
#endif
}

#endif /* _IOMD_COMPAT_H */
