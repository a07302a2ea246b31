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
 * struct iomd_desc_ops - the whole contract of a kind of descriptor
 * @name:	what the memory is, for reasons ("buffer", "user", ...).
 * @foreign:	the memory is not iomd's (the caller's kernel memory, an
 *		application's): its cache mode is not iomd's to change.
 * @release:	free the kind's memory; called once, when the last
 *		reference is dropped.
 * @hold:	optional: keep @pages valid until @unhold, or fail (for
 *		kinds whose pages come and go, such as unwired user memory).
 * @unhold:	optional: undo @hold.
 * @prepare:	optional: wire the memory (I/O Kit's prepare()); @client:
 *		for user space (IOMD_IOC_PREPARE).  Without it the kind is
 *		always wired and prepare() does nothing.
 * @complete:	optional, with @prepare: undo one prepare() of the same
 *		side (@client), or -ENODATA with the reason.
 * @wire_count:	optional, with @prepare: the count IOMD_IOC_INFO reports;
 *		1 without it.
 * @vaddr:	the bytes as one kernel virtual range (iomd_desc_kmap()).
 * @map_object:	the mapping policy.  User mappings of a descriptor that
 *		is not @user_shareable are refused with @share_why; of one
 *		that is, they map its own pages as struct pages (VM_MIXEDMAP
 *		or folio faults, core/vma.c) unless the kind has
 *		@map_object: its memory belongs to a shared object of its
 *		own (application memory), and mappings are forwarded to that
 *		object through a window (core/window.c), never given its
 *		pages.  @map_object fills @object with a reference to it,
 *		which the caller puts, and @base with the object's page where
 *		the descriptor's page 0 lies; called held.
 *
 * Segments (&struct iomd_desc.segs) and pages are data every kind fills
 * in, not operations: the core walks them the same way for every kind
 * (reads and writes, DMA segments and scatterlists).
 */
struct iomd_desc_ops {
	const char *name;
	bool foreign;
	void (*release)(struct iomd_desc *desc);
	int (*hold)(struct iomd_desc *desc, struct iomd_why *why);
	void (*unhold)(struct iomd_desc *desc);
	int (*prepare)(struct iomd_desc *desc, bool client,
		       struct iomd_why *why);
	int (*complete)(struct iomd_desc *desc, bool client,
			struct iomd_why *why);
	unsigned int (*wire_count)(struct iomd_desc *desc);
	void *(*vaddr)(struct iomd_desc *desc, struct iomd_why *why);
	int (*map_object)(struct iomd_desc *desc, struct path *object,
			  pgoff_t *base, struct iomd_why *why);
};

/**
 * struct iomd_parent_link - a descriptor's link to one that contains it
 * @node:	entry in the contained descriptor's @parents list.
 * @parent:	the containing descriptor (a composite), which revoking the
 *		contained one revokes too.
 */
struct iomd_parent_link {
	struct list_head node;
	struct iomd_desc *parent;
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
 * @parents:	the descriptors that contain this one (struct
 *		iomd_parent_link), under the core's parents lock
 *		(core/revoke.c).
 * @windows_lock: protects @windows.
 * @windows:	the windows (core/window.c) through which user mappings map the
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

/* base/limits.c: module-wide accounting of live objects. */
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

/* base/limits.c */
extern struct iomd_counters iomd_counters;
extern unsigned long iomd_max_buffer_bytes;
extern unsigned long iomd_max_composite_pages;

/*
 * Functions, layer by layer (docs/design.md): each layer calls only the
 * layers above it in this list, never one below.
 */

/* base/reason.c */
__printf(3, 4)
int iomd_fail(struct iomd_why *why, int err, const char *fmt, ...);
__printf(3, 4)
void iomd_why_set(struct iomd_why *why, int err, const char *fmt, ...);
void iomd_why_log(const struct iomd_why *why);
void iomd_why_clear(struct iomd_why *why);

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

/* core/descriptor.c */
void iomd_desc_init(struct iomd_desc *desc, const struct iomd_desc_ops *ops,
		    u32 kind, u32 direction, u32 options);
void iomd_desc_set_single(struct iomd_desc *desc, size_t length,
			  size_t first_offset);
int iomd_desc_hold(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_hold_pages(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_read_only(struct iomd_why *why);
int iomd_revoked_check(struct iomd_desc *desc, struct iomd_why *why);
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

/* core/wire.c */
int iomd_desc_prepare_client(struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_complete_client(struct iomd_desc *desc, struct iomd_why *why);
unsigned int iomd_desc_wire_count(struct iomd_desc *desc);

/* core/revoke.c */
int iomd_desc_link_parent(struct iomd_desc *child,
			  struct iomd_parent_link *link,
			  struct iomd_desc *parent);
void iomd_desc_unlink_parent(struct iomd_parent_link *link);

/* core/window.c */
struct inode *iomd_object_inode(struct vm_area_struct *vma);
bool iomd_file_is_window(struct file *file);
u64 iomd_window_offset(struct vm_area_struct *vma);
struct file *iomd_window_open(struct iomd_desc *desc,
			      const struct path *object, pgoff_t base,
			      bool writable, bool nofork);
void iomd_windows_revoke(struct iomd_desc *desc);

/* core/vma.c */
struct iomd_desc *iomd_vma_desc(struct vm_area_struct *vma);
void iomd_vma_map_pages(struct iomd_desc *desc, struct vm_area_struct *vma,
			u32 options);
bool iomd_vma_is_folio(struct vm_area_struct *vma);
struct vm_area_struct *iomd_find_mapping(struct mm_struct *mm,
					 unsigned long addr,
					 struct iomd_desc *desc);
int iomd_vma_populate(struct iomd_desc *desc, unsigned long addr);
struct vm_area_struct *iomd_mapping_extent(struct mm_struct *mm,
					   unsigned long addr,
					   unsigned long *start,
					   unsigned long *end);

/* core/dma.c */
int iomd_dma_segments_to_user(struct iomd_desc *desc,
			      struct iomd_segments *arg, struct iomd_why *why);

/* kinds/buffer.c */
struct iomd_desc *iomd_buffer_create_gfp(u32 options, size_t capacity,
					 size_t alignment, gfp_t gfp,
					 struct iomd_why *why);

/* kinds/user_vmas.c: the mappings user memory lies in */
void iomd_user_judge(struct iomd_user *u);
int iomd_user_check_ranges(struct iomd_user *u, struct iomd_why *why);
int iomd_user_check_vmas(struct mm_struct *mm, unsigned int i,
			 const struct iomd_range *r, u32 direction,
			 struct iomd_why *why);
void iomd_user_unjudge(struct iomd_user *u, struct path *object);

/* kinds/user_wire.c: the user kind's wiring operations */
int iomd_user_wire(struct iomd_desc *desc, bool client, struct iomd_why *why);
int iomd_user_complete(struct iomd_desc *desc, bool client,
		       struct iomd_why *why);
int iomd_user_hold(struct iomd_desc *desc, struct iomd_why *why);
void iomd_user_unwire(struct iomd_desc *desc);
unsigned int iomd_user_wire_count(struct iomd_desc *desc);
void *iomd_user_kmap(struct iomd_desc *desc, struct iomd_why *why);

/* client/fs.c */
int iomd_fs_init(void);
void iomd_fs_exit(void);
struct file *iomd_file_alloc(struct iomd_desc *desc,
			     const struct file_operations *fops, void *priv);

/* client/file.c */
struct iomd_desc *iomd_file_desc(struct file *file);
struct file *iomd_file_create(struct iomd_desc *desc);
int iomd_reason_check(const struct iomd_reason *arg, struct iomd_why *why);
int iomd_reason_answer(struct iomd_reason *arg, const struct iomd_why *last,
		       struct iomd_why *why);

/* client/client.c */
int iomd_client_init(void);
void iomd_client_exit(void);

/* client/dmabuf.c */
int iomd_dmabuf_export_fd(struct iomd_desc *desc, u32 flags,
			  struct iomd_why *why);

/* client/debugfs.c */
void iomd_debugfs_init(void);
void iomd_debugfs_exit(void);

#endif /* _IOMD_INTERNAL_H */
