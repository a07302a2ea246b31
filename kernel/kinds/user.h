/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user kind's own declarations, shared by its files: user.c (the
 * kind), user_wire.c (wiring) and user_vmas.c (the mappings it lies in).
 */
#ifndef _IOMD_USER_H
#define _IOMD_USER_H

#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "kinds.h"

/*
 * Pages of a user descriptor's page array kept in the descriptor itself:
 * those of a 64 KiB buffer of 4 KiB pages, as many as the unlocked wiring
 * of private memory pins in its first call (user_wire.c).
 */
#define IOMD_USER_FEW_PAGES	16

/**
 * struct iomd_user - a descriptor of application memory
 * @desc:	the common descriptor; @desc.pages is set while wired.
 * @mm:		the address space the ranges belong to (grabbed).
 * @ranges:	the described ranges, @desc.nr_segs of them (@range0 for one).
 * @range0:	storage of @ranges for a single range.
 * @npages:	pages the ranges span, the size of @desc.pages when wired.
 * @page_few:	storage of @desc.pages for up to IOMD_USER_FEW_PAGES pages,
 *		which a small buffer then wires without an allocation.
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
 *		to (held), NULL when not wired.
 */
struct iomd_user {
	struct iomd_desc desc;
	struct mm_struct *mm;
	struct iomd_range *ranges;
	struct iomd_range range0;
	unsigned long npages;
	struct page *page_few[IOMD_USER_FEW_PAGES];
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

/*
 * Keep @mm's address space alive while it is used: a process's own mm
 * lives as long as the process does, so a caller working on its own
 * memory (the usual case: an ioctl) needs no reference of its own.
 */
static inline bool iomd_user_mmget(struct mm_struct *mm)
{
	if (mm == current->mm && !(current->flags & PF_KTHREAD))
		return true;
	return mmget_not_zero(mm);
}

/* Undo iomd_user_mmget(). */
static inline void iomd_user_mmput(struct mm_struct *mm)
{
	if (mm != current->mm || (current->flags & PF_KTHREAD))
		mmput(mm);
}

/* kinds/user_vmas.c: the mappings user memory lies in */
int iomd_user_check_judge(struct iomd_user *u, struct iomd_why *why);
int iomd_user_check_ranges(struct iomd_user *u, struct iomd_why *why);
int iomd_user_check_vmas(struct mm_struct *mm, unsigned int i,
			 const struct iomd_range *r, u32 direction,
			 struct iomd_why *why);
void iomd_user_unjudge(struct iomd_user *u, struct path *object);
void iomd_user_judge_private(struct iomd_user *u);

/* kinds/user_wire.c: the user kind's wiring operations */
int iomd_user_wire(struct iomd_desc *desc, bool client, struct iomd_why *why);
int iomd_user_wire_new(struct iomd_user *u, struct iomd_why *why);
int iomd_user_wire_anon(struct iomd_user *u);
int iomd_user_complete(struct iomd_desc *desc, bool client,
		       struct iomd_why *why);
int iomd_user_hold(struct iomd_desc *desc, struct iomd_why *why);
void iomd_user_unwire(struct iomd_desc *desc);
unsigned int iomd_user_wire_count(struct iomd_desc *desc);
void *iomd_user_kmap(struct iomd_desc *desc, struct iomd_why *why);

#endif /* _IOMD_USER_H */
