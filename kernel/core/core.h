/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The descriptor core's declarations (docs/design.md): the descriptor,
 * the contract of a kind (struct iomd_desc_ops), and what is the same for
 * every kind.  Uses the base layer only.
 */
#ifndef _IOMD_CORE_H
#define _IOMD_CORE_H

#include "base/base.h"

struct file;
struct page;

/**
 * struct iomd_desc_ops - the whole contract of a kind of descriptor
 * @name:	what the memory is, for reasons ("buffer", "user", ...).
 * @foreign:	the memory is not iomd's (the caller's kernel memory, an
 *		application's): its cache mode is not iomd's to change.
 * @release:	free the kind's memory; called once, when the last
 *		reference is dropped.
 * @release_spare: optional; as @release, but the memory may be kept in
 *		an empty *@spare for the kind's next creation instead of
 *		being freed (iomd_desc_put_spare()).
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
 * @mmap:	optional, for memory another object maps itself (an
 *		imported dma-buf): hand @vma, checked by iomd as for any
 *		mapping, to that object, which maps it with its own vm_ops;
 *		called held.  iomd never maps such a kind's pages itself.
 *
 * Segments (&struct iomd_desc.segs) and pages are data every kind fills
 * in, not operations: the core walks them the same way for every kind
 * (reads and writes, DMA segments and scatterlists).
 */
struct iomd_desc_ops {
	const char *name;
	bool foreign;
	void (*release)(struct iomd_desc *desc);
	void (*release_spare)(struct iomd_desc *desc,
			      struct iomd_desc **spare);
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
	int (*mmap)(struct iomd_desc *desc, struct vm_area_struct *vma,
		    struct iomd_why *why);
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
 * @share_why:	when not @user_shareable, why, with the remedy; read it
 *		with iomd_desc_share_refusal(), since its sentence may be
 *		left to @share_fmt.
 * @share_fmt:	NULL, or the format of @share_why's sentence, which is
 *		then made only when somebody asks (iomd_desc_share_defer()):
 *		user memory is judged at every wiring, and most of it is
 *		private memory that nobody tries to map.
 * @share_args:	the arguments of @share_fmt.
 * @reason_lock: protects @reason.
 * @reason:	last failure of an operation on this descriptor.
 * @inode:	the descriptor's own inode, which every user mapping of its
 *		own pages maps, so that they hang off one address_space in
 *		every process; NULL until first mapped.
 * @user_lock:	protects @user_file, @user_fds, @user_file_held and
 *		@map_requests.
 * @user_file:	the file of @inode that user mappings of the descriptor's
 *		own pages map (client/file.c), or NULL.  Not a reference of
 *		the descriptor's: that file holds one on the descriptor, and
 *		its ->release clears this pointer.
 * @user_fds:	descriptor fds' files open (client/file.c).
 * @user_file_held: the fds hold a reference on @user_file, dropped with
 *		the last of them, so that mapping and unmapping again does
 *		not make the file again.
 * @map_requests: map calls of the descriptor under way, with their
 *		options (client/map.c).
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
	const char *share_fmt;
	unsigned long share_args[4];
	spinlock_t reason_lock;	/* protects @reason */
	struct iomd_why reason;
	struct inode *inode;
	spinlock_t user_lock;	/* see @user_lock */
	struct file *user_file;
	unsigned int user_fds;
	bool user_file_held;
	struct list_head map_requests;
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

/* core/descriptor.c */
void iomd_desc_put_spare(struct iomd_desc *desc, struct iomd_desc **spare);
void iomd_desc_init(struct iomd_desc *desc, const struct iomd_desc_ops *ops,
		    u32 kind, u32 direction, u32 options);
void iomd_desc_set_single(struct iomd_desc *desc, size_t length,
			  size_t first_offset);
int iomd_desc_hold(struct iomd_desc *desc, struct iomd_why *why);
void iomd_desc_share_defer(struct iomd_desc *desc, int err, const char *fmt,
			   unsigned long a0, unsigned long a1,
			   unsigned long a2, unsigned long a3);
void iomd_desc_share_why(const struct iomd_desc *desc, struct iomd_why *why);
int iomd_desc_share_refusal(const struct iomd_desc *desc,
			    struct iomd_why *why);
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
int iomd_vma_map_pages(struct iomd_desc *desc, struct vm_area_struct *vma,
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

#endif /* _IOMD_CORE_H */
