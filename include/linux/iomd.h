/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomd: in-kernel API for drivers.
 *
 * A descriptor (struct iomd_desc) names memory that a driver and user
 * space share.  Descriptors are reference counted; every function that
 * creates one returns it with one reference that the caller drops with
 * iomd_desc_put().  Functions that can fail for a reason a caller should
 * see take an optional struct iomd_why, filled with the errno and a
 * readable sentence when they fail.
 */
#ifndef _LINUX_IOMD_H
#define _LINUX_IOMD_H

#include <linux/dma-direction.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <uapi/linux/iomd.h>

struct device;
struct dma_buf;
struct file;
struct iomd_desc;
struct sg_table;
struct iomd_zone;
struct mm_struct;
struct vm_area_struct;

#define IOMD_REASON_LEN	256

/**
 * struct iomd_why - why an iomd operation failed
 * @err:	negative errno of the failure, 0 when nothing failed.
 * @msg:	NUL-terminated sentence naming the cause and, where there is
 *		one, the remedy.
 */
struct iomd_why {
	int err;
	char msg[IOMD_REASON_LEN];
};

struct iomd_desc *iomd_buffer_create(u32 options, size_t capacity,
				     size_t alignment,
				     struct iomd_why *why);
void *iomd_buffer_vaddr(struct iomd_desc *desc);

struct iomd_desc *iomd_desc_create_kernel(void *addr, size_t len,
					  u32 direction,
					  void (*release)(void *data),
					  void *data, struct iomd_why *why);

struct iomd_desc *iomd_desc_create_user(struct mm_struct *mm,
					const struct iomd_range *ranges,
					unsigned int nr_ranges, u32 direction,
					struct iomd_why *why);
int iomd_desc_prepare(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_complete(struct iomd_desc *desc, struct iomd_why *why);
void *iomd_desc_kmap(struct iomd_desc *desc, struct iomd_why *why);

struct iomd_desc *iomd_desc_get(struct iomd_desc *desc);
void iomd_desc_put(struct iomd_desc *desc);

size_t iomd_desc_length(const struct iomd_desc *desc);
size_t iomd_desc_capacity(const struct iomd_desc *desc);
u32 iomd_desc_direction(const struct iomd_desc *desc);
u32 iomd_desc_options(const struct iomd_desc *desc);
u32 iomd_desc_cache_mode(const struct iomd_desc *desc);
size_t iomd_page_size(void);

int iomd_desc_read(struct iomd_desc *desc, size_t offset, void *buf,
		   size_t len, struct iomd_why *why);
int iomd_desc_write(struct iomd_desc *desc, size_t offset, const void *buf,
		    size_t len, struct iomd_why *why);

int iomd_desc_mmap(struct iomd_desc *desc, struct vm_area_struct *vma,
		   struct iomd_why *why);
void iomd_desc_revoke(struct iomd_desc *desc);

/* Mapping objects (IOMemoryMap), in the current task. */
struct iomd_mapping;
struct iomd_mapping *iomd_map_create(struct iomd_desc *desc, u32 options,
				     unsigned long addr, u64 offset,
				     u64 length, struct iomd_why *why);
unsigned long iomd_mapping_address(const struct iomd_mapping *map);
u64 iomd_mapping_length(const struct iomd_mapping *map);
void iomd_mapping_put(struct iomd_mapping *map);
int iomd_unmap_address(unsigned long addr, struct iomd_why *why);
int iomd_map_info(struct iomd_map_info *info, struct iomd_why *why);

/* Composite descriptors: views of other descriptors. */
struct iomd_desc *iomd_subrange_create(struct iomd_desc *parent, u64 offset,
				       u64 length, u32 direction,
				       struct iomd_why *why);
struct iomd_desc *iomd_multi_create(struct iomd_desc *const *descs,
				    unsigned int n, u32 direction,
				    struct iomd_why *why);

/**
 * struct iomd_segment_run - a physically contiguous run of a descriptor
 * @offset:	byte offset of the run in the descriptor.
 * @length:	bytes in the run.
 * @phys:	physical address of its first byte.
 */
struct iomd_segment_run {
	u64 offset;
	u64 length;
	phys_addr_t phys;
};

/* The DMA view of a wired descriptor (getPhysicalSegment). */
long iomd_desc_segments(struct iomd_desc *desc, unsigned long first,
			struct iomd_segment_run *runs, unsigned long max,
			struct iomd_why *why);
int iomd_desc_physical_segment(struct iomd_desc *desc, u64 offset,
			       phys_addr_t *phys, u64 *length,
			       struct iomd_why *why);
int iomd_desc_sg_table(struct iomd_desc *desc, struct sg_table *sgt,
		       unsigned int max_segment, gfp_t gfp,
		       struct iomd_why *why);
int iomd_desc_dma_sg_table(struct iomd_desc *desc, struct device *dev,
			   enum dma_data_direction dir, struct sg_table *sgt,
			   gfp_t gfp, struct iomd_why *why);

int iomd_desc_export_fd(struct iomd_desc *desc, u32 flags,
			struct iomd_why *why);
struct iomd_desc *iomd_desc_from_fd(int fd, struct iomd_why *why);
struct dma_buf *iomd_desc_export_dmabuf(struct iomd_desc *desc,
					struct iomd_why *why);
struct iomd_desc *iomd_desc_import_dmabuf(struct dma_buf *dmabuf,
					  u32 direction, struct iomd_why *why);
int iomd_desc_last_reason(struct iomd_desc *desc, struct iomd_why *out);

/* Zones: bounded pools of fixed-size, private (never mappable) elements. */
#define IOMD_ZONE_NAME_LEN	IOMD_ZONE_NAME_MAX
#define IOMD_ZONE_ALIGN		16
#define IOMD_ZONE_MAX_ELEM	(64 * 1024)

/**
 * struct iomd_zone_stat - statistics of one zone (macOS zprint columns)
 * @name:		the zone's name.
 * @elem_size:		bytes per element.
 * @in_use:		elements allocated now.
 * @cached:		free elements kept in per-CPU caches for reuse.
 * @peak:		most elements held at once: allocated, or cached.
 * @limit:		hard limit on @in_use plus @cached.
 * @total_allocs:	successful allocations since creation.
 * @total_frees:	frees since creation.
 * @failures:		allocations refused (limit or memory).
 * @dead:		destroyed, kept until its leaked elements are freed.
 */
struct iomd_zone_stat {
	char name[IOMD_ZONE_NAME_LEN];
	size_t elem_size;
	unsigned long in_use;
	unsigned long cached;
	unsigned long peak;
	unsigned long limit;
	unsigned long total_allocs;
	unsigned long total_frees;
	unsigned long failures;
	bool dead;
};

struct iomd_zone *iomd_zone_create(const char *name, size_t elem_size,
				   unsigned long max_elems,
				   struct iomd_why *why);
long iomd_zone_destroy(struct iomd_zone *zone);
void *iomd_zone_alloc(struct iomd_zone *zone, gfp_t gfp);
void iomd_zone_free(struct iomd_zone *zone, void *ptr);
void iomd_zone_get_stat(struct iomd_zone *zone, struct iomd_zone_stat *st);
int iomd_zone_stat_by_name(const char *name, struct iomd_zone_stat *st);

/* The general allocator (IOMalloc family); frees take the size. */
void *iomd_malloc(size_t size);
void iomd_free(void *ptr, size_t size);
void *iomd_malloc_aligned(size_t size, size_t align);
void iomd_free_aligned(void *ptr, size_t size);
void *iomd_malloc_contiguous(size_t size, size_t align, u64 phys_mask,
			     phys_addr_t *phys);
void iomd_free_contiguous(void *ptr, size_t size);

#endif /* _LINUX_IOMD_H */
