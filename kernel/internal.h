/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomd internals shared by the module's files; not an API for drivers.
 */
#ifndef _IOMD_INTERNAL_H
#define _IOMD_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/iomd.h>

#include "compat.h"

struct file;
struct page;

/**
 * struct iomd_desc_ops - what a kind of descriptor does differently
 * @release:	free the kind's memory; called once, when the last
 *		reference is dropped.
 * @hold:	optional: keep @pages valid until @unhold, or fail (for
 *		kinds whose pages come and go, such as unwired user memory).
 * @unhold:	optional: undo @hold.
 * @map_object:	optional, for kinds whose memory belongs to a shared object
 *		of its own (application memory): fill @object with a
 *		reference to it, which the caller puts, and @base with the
 *		object's page where the descriptor's page 0 lies; called
 *		held.  User mappings then map that object (window.c), never
 *		the pages; kinds without it map their own pages.
 * @kaddr:	optional: the kind's own kernel address of byte 0, valid
 *		while the descriptor is held (iomd_desc_kmap()).
 * @mmap:	optional, for kinds whose memory is mapped by the object it
 *		belongs to (an imported dma-buf): hand @vma, checked by
 *		iomd, to that object, which maps it with its own vm_ops;
 *		called held.  iomd never maps such a kind's pages itself.
 */
struct iomd_desc_ops {
	void (*release)(struct iomd_desc *desc);
	int (*hold)(struct iomd_desc *desc, struct iomd_why *why);
	void (*unhold)(struct iomd_desc *desc);
	int (*map_object)(struct iomd_desc *desc, struct path *object,
			  pgoff_t *base, struct iomd_why *why);
	void *(*kaddr)(struct iomd_desc *desc, struct iomd_why *why);
	int (*mmap)(struct iomd_desc *desc, struct vm_area_struct *vma,
		    struct iomd_why *why);
};

/**
 * struct iomd_seg - a run of bytes of a descriptor within its pages
 * @start:	offset of the run in the descriptor.
 * @length:	bytes in the run.
 * @first_offset: offset of its first byte in @page_index's page.
 * @page_index:	index in the descriptor's pages of its first page.
 */
struct iomd_seg {
	size_t start;
	size_t length;
	size_t first_offset;
	unsigned long page_index;
};

/**
 * struct iomd_desc - a descriptor: memory a driver shares with user space
 * @ref:	references: creators, exported files, in-kernel users.
 * @ops:	kind-specific operations.
 * @kind:	IOMD_KIND_*.
 * @direction:	IOMD_DIR_*.
 * @options:	IOMD_BUF_* options given at creation.
 * @length:	bytes described.
 * @capacity:	bytes allocated; at least @length.
 * @pages:	the pages holding the memory, in order; @npages of them.
 * @npages:	number of entries in @pages.
 * @nr_pmd_folios: the first @nr_pmd_folios << IOMD_PMD_ORDER pages are
 *		PMD-order folios, which user mappings map with PMD entries.
 * @segs:	where the bytes lie in @pages, in order; @nr_segs of them.
 * @nr_segs:	number of entries in @segs.
 * @seg0:	storage of @segs for single-run kinds.
 * @cache:	cache mode of every mapping of the memory: IOMD_CACHE_WB,
 *		_WC or _UC (never IOMD_CACHE_DEFAULT); fixed at creation.
 * @writable:	the kernel and user mappings may write the memory; false
 *		for user memory pinned read-only (direction OUT), whose pages
 *		may be page cache of a file the caller cannot write, sealed
 *		memory, or the shared zero page.
 * @user_shareable: may be mapped into user space.
 * @share_why:	when not @user_shareable, why, with the remedy.
 * @reason_lock: protects @reason.
 * @reason:	last failure of an operation on this descriptor.
 * @inode:	the inode every file of this descriptor shares, so that its
 *		user mappings, in every process, hang off one address_space;
 *		NULL until first exported.
 * @revoke_lock: read-held while page-table entries are installed,
 *		write-held while @revoked is set and the mappings zapped.
 * @revoked:	the driver revoked the descriptor: no new mapping or access.
 * @parents:	the composites that have this descriptor as a part (their
 *		struct iomd_part.node), under the composite lock.
 * @windows_lock: protects @windows.
 * @windows:	the windows (window.c) through which user mappings map the
 *		object the memory belongs to, for revocation.
 */
struct iomd_desc {
	struct kref ref;
	const struct iomd_desc_ops *ops;
	u32 kind;
	u32 direction;
	u32 options;
	size_t length;
	size_t capacity;
	struct page **pages;
	unsigned long npages;
	unsigned long nr_pmd_folios;
	struct iomd_seg *segs;
	unsigned int nr_segs;
	struct iomd_seg seg0;
	u32 cache;
	bool writable;
	bool user_shareable;
	struct iomd_why share_why;
	spinlock_t reason_lock;	/* protects @reason */
	struct iomd_why reason;
	struct inode *inode;
	struct rw_semaphore revoke_lock;	/* see @revoked */
	bool revoked;
	struct list_head parents;
	struct mutex windows_lock;	/* protects @windows */
	struct list_head windows;
};

/* Pages of @desc->pages that segment @i lies in: up to the next one's. */
static inline unsigned long iomd_seg_npages(const struct iomd_desc *desc,
					    unsigned int i)
{
	return (i + 1 < desc->nr_segs ? desc->segs[i + 1].page_index :
					desc->npages) -
	       desc->segs[i].page_index;
}

/**
 * struct iomd_user - a descriptor of application memory
 * @desc:	the common descriptor; @desc.pages is set while wired.
 * @mm:		the address space the ranges belong to (grabbed).
 * @ranges:	the described ranges, @desc.nr_segs of them.
 * @npages:	pages the ranges span, the size of @desc.pages when wired.
 * @lock:	protects the wiring state below.
 * @wire_count:	holds on the pinned pages: @prepares, plus one for each
 *		mapping and access in progress.
 * @prepares:	prepare() calls not yet completed.
 * @client_prepares: those of @prepares made from user space (/dev/iomd's
 *		IOMD_IOC_PREPARE), the only ones its IOMD_IOC_COMPLETE may
 *		undo: a driver's prepare() is the driver's to complete.
 * @pinning:	a prepare() is pinning the pages without @lock held.
 * @wait:	where a concurrent prepare() waits for @pinning to end.
 * @kmap:	kernel mapping of the pinned pages, made on demand.
 * @object:	while wired and judged shareable: the shared object the
 *		memory belongs to, which user mappings map.
 * @object_base: page of @object where the descriptor's page 0 lies.
 * @object_writer: @object's mapping counts the descriptor as a writable
 *		mapping (it can give writable mappings), so the object
 *		cannot be sealed against writing meanwhile.
 * @charged:	the user whose locked memory the wired pages are charged
 *		to (held), NULL when not wired or wired with CAP_IPC_LOCK.
 */
struct iomd_user {
	struct iomd_desc desc;
	struct mm_struct *mm;
	struct iomd_range *ranges;
	unsigned long npages;
	struct mutex lock;	/* protects the wiring state below */
	unsigned int wire_count;
	unsigned int prepares;
	unsigned int client_prepares;
	bool pinning;
	wait_queue_head_t wait;
	void *kmap;
	struct path object;
	pgoff_t object_base;
	bool object_writer;
	struct user_struct *charged;
};

/* core.c: module-wide accounting of live objects. */
struct iomd_counters {
	atomic64_t live_descriptors;
	atomic64_t live_bytes;
	atomic64_t created_total;
	atomic_long_t bad_frees;
	atomic64_t pinned_pages;
};

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

extern struct iomd_counters iomd_counters;
extern unsigned long iomd_max_buffer_bytes;
extern unsigned long iomd_max_composite_pages;

/* descriptor.c */
void iomd_desc_init(struct iomd_desc *desc, const struct iomd_desc_ops *ops,
		    u32 kind, u32 direction, u32 options);
void iomd_desc_set_single(struct iomd_desc *desc, size_t length,
			  size_t first_offset);
int iomd_desc_hold(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_hold_pages(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_read_only(struct iomd_why *why);
void iomd_desc_unhold(struct iomd_desc *desc);
int iomd_desc_check_range(const struct iomd_desc *desc, u64 offset, u64 len,
			  struct iomd_why *why);
int iomd_desc_kmap_check(const struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_copy_to_user(struct iomd_desc *desc, size_t offset,
			   void __user *dst, size_t len,
			   struct iomd_why *why);
int iomd_desc_copy_from_user(struct iomd_desc *desc, size_t offset,
			     const void __user *src, size_t len,
			     struct iomd_why *why);
void iomd_desc_set_reason(struct iomd_desc *desc,
			  const struct iomd_why *why);
int iomd_desc_cache_check(const struct iomd_desc *desc, u32 mode,
			  struct iomd_why *why);
pgprot_t iomd_cache_pgprot(pgprot_t prot, u32 mode);
const char *iomd_cache_name(u32 mode);

/* buffer.c */
struct iomd_desc *iomd_buffer_create_gfp(u32 options, size_t capacity,
					 size_t alignment, gfp_t gfp,
					 struct iomd_why *why);

/* zone.c */
void iomd_zone_exhausted(struct iomd_zone *zone, const char *what);
int iomd_zone_stat_at(unsigned int index, struct iomd_zone_stat *st);
struct iomd_zone *iomd_zone_create_counter(const char *name, size_t unit,
					   unsigned long max_units,
					   unsigned int depth);
bool iomd_zone_reclaim(struct iomd_zone *zone, gfp_t gfp);
int iomd_zone_init(void);
void iomd_zone_exit(void);
long iomd_zone_live_elements(void);

/* kernel_range.c */
void *iomd_krange_vaddr(struct iomd_desc *desc);

/* user.c */
void iomd_user_judge(struct iomd_user *u);
int iomd_user_check_ranges(struct iomd_user *u, struct iomd_why *why);
void iomd_user_unjudge(struct iomd_user *u, struct path *object);

/* wire.c */
int iomd_user_wire(struct iomd_user *u, bool client, struct iomd_why *why);
int iomd_desc_prepare_client(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_complete_client(struct iomd_desc *desc, struct iomd_why *why);
int iomd_user_hold(struct iomd_desc *desc, struct iomd_why *why);
void iomd_user_unwire(struct iomd_desc *desc);
unsigned int iomd_desc_wire_count(struct iomd_desc *desc);

/* composite.c */
static inline bool iomd_desc_is_composite(const struct iomd_desc *desc)
{
	return desc->kind == IOMD_KIND_SUBRANGE ||
	       desc->kind == IOMD_KIND_MULTI;
}

int iomd_composite_prepare(struct iomd_desc *desc, bool client,
			   struct iomd_why *why);
int iomd_composite_complete(struct iomd_desc *desc, bool client,
			    struct iomd_why *why);
unsigned int iomd_composite_wire_count(struct iomd_desc *desc);
void *iomd_composite_kmap(struct iomd_desc *desc, struct iomd_why *why);
void iomd_composite_revoke_parents(struct iomd_desc *desc);

/* dma.c */
int iomd_dma_segments_to_user(struct iomd_desc *desc,
			      struct iomd_segments *arg, struct iomd_why *why);

/* debugfs.c */
void iomd_debugfs_init(void);
void iomd_debugfs_exit(void);

/* malloc.c */
int iomd_malloc_init(void);
void iomd_malloc_exit(void);
void iomd_pages_release(void **addrs, unsigned int n);
bool iomd_malloc_is_zone(const void *addr);

/* reason.c */
__printf(3, 4)
int iomd_fail(struct iomd_why *why, int err, const char *fmt, ...);
__printf(3, 4)
void iomd_why_set(struct iomd_why *why, int err, const char *fmt, ...);
void iomd_why_log(const struct iomd_why *why);
void iomd_why_clear(struct iomd_why *why);

/* file.c */
int iomd_file_init(void);
void iomd_file_exit(void);
struct iomd_desc *iomd_file_desc(struct file *file);
struct file *iomd_file_create(struct iomd_desc *desc);
void iomd_file_put_inode(struct iomd_desc *desc);
struct iomd_mapping;
struct file *iomd_file_create_mapping(struct iomd_desc *desc,
				      struct iomd_mapping *map);
bool iomd_file_is_mapping(struct file *file);

/* window.c */
struct inode *iomd_object_inode(struct vm_area_struct *vma);
bool iomd_file_is_window(struct file *file);
u64 iomd_window_offset(struct vm_area_struct *vma);
struct file *iomd_window_open(struct iomd_desc *desc,
			      const struct path *object, pgoff_t base,
			      bool writable, bool nofork);
void iomd_windows_revoke(struct iomd_desc *desc);

/* map.c */
int iomd_mapping_mmap(struct iomd_mapping *map, struct vm_area_struct *vma,
		      struct iomd_why *why);
int iomd_revoked_check(struct iomd_desc *desc, struct iomd_why *why);
struct iomd_desc *iomd_vma_desc(struct vm_area_struct *vma);

/* client.c */
int iomd_client_init(void);
long iomd_desc_reason_ioctl(struct iomd_desc *desc, void __user *uarg);
void iomd_client_exit(void);

/* dmabuf.c */
int iomd_dmabuf_export_fd(struct iomd_desc *desc, u32 flags,
			  struct iomd_why *why);

/* dmabuf_import.c */
struct iomd_desc *iomd_dmabuf_import_fd(int fd, u32 direction,
					struct iomd_why *why);
int iomd_dmabuf_import_init(void);
void iomd_dmabuf_import_exit(void);

#endif /* _IOMD_INTERNAL_H */
