// SPDX-License-Identifier: GPL-2.0
/*
 * Wiring user descriptors (their kind's prepare(), complete() and kmap):
 * pin the pages for the long term so the kernel and devices can use them,
 * charge them to the owner's pinned memory under RLIMIT_MEMLOCK, and undo
 * it.  Calls nest.
 *
 * Pins are charged twice, as io_uring does.  The limit is on the *user*
 * that wires (user->locked_vm, shared by all of that user's processes,
 * within the caller's RLIMIT_MEMLOCK; CAP_IPC_LOCK lifts the limit, not
 * the charge, as for mlock()), so passing a wired descriptor to
 * another process, forking or exiting cannot shed the charge: it stays
 * until the last complete(), whoever makes it.  For /proc, the pages also
 * count in the owner's mm->pinned_vm (VmPin).  Neither needs mmap_lock,
 * so the last complete() can run anywhere, even from a mapping's close
 * with that process's mmap_lock held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/overflow.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "user.h"

static struct iomd_user *to_user(struct iomd_desc *desc)
{
	return container_of(desc, struct iomd_user, desc);
}

/*
 * Charge @u's pages to the calling user and to the owner's VmPin.  The
 * user's total may exceed RLIMIT_MEMLOCK only with CAP_IPC_LOCK, which,
 * as for mlock(), lifts the limit but not the accounting, and is asked
 * only of a wiring that would go over the limit (as mlock() does), so
 * that wiring within the limit makes no capability check at all.
 */
static int iomd_wire_charge(struct iomd_user *u, struct iomd_why *why)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = get_uid(current_user());
	unsigned long cur, next;
	bool lifted = false;

	cur = atomic_long_read(&user->locked_vm);
	do {
		if (check_add_overflow(cur, u->npages, &next))
			goto refuse;
		if (next > limit && !lifted) {
			if (!capable(CAP_IPC_LOCK))
				goto refuse;
			lifted = true;
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, next));
	u->charged = user;
	atomic64_add(u->npages, &u->mm->pinned_vm);
	return 0;

refuse:
	free_uid(user);
	return iomd_fail(why, -ENOMEM,
			 "wiring %lu pages would lock %lu of this user's pages (all processes of uid %u), above RLIMIT_MEMLOCK (%lu pages); raise the limit or use CAP_IPC_LOCK",
			 u->npages, cur + u->npages,
			 from_kuid(&init_user_ns, current_uid()), limit);
}

/* Undo iomd_wire_charge(); @user is what it left in @u->charged. */
static void iomd_wire_uncharge(struct iomd_user *u, struct user_struct *user)
{
	atomic64_sub(u->npages, &u->mm->pinned_vm);
	atomic_long_sub(u->npages, &user->locked_vm);
	free_uid(user);
}

/*
 * Pin @n pages from @addr into @pages.  @fast: @mm is current->mm and
 * its mmap_lock is not held, so GUP can walk the page tables without it
 * and only take the lock for pages it must fault in; otherwise mmap_lock
 * is held for read.  Return: pages pinned (fewer than @n if one could not
 * be), or -errno if none was.
 */
static long iomd_wire_pin_range(struct mm_struct *mm, bool fast,
				unsigned long addr, unsigned long n,
				unsigned int gup, struct page **pages)
{
	unsigned long done = 0;
	int got;

	if (!fast)
		return iomd_pin_user_pages_remote(mm, addr, n, gup, pages);
	/* pin_user_pages_fast() counts pages in an int. */
	while (done < n) {
		got = pin_user_pages_fast(addr + (done << PAGE_SHIFT),
					  min(n - done, (unsigned long)INT_MAX),
					  gup, pages + done);
		if (got <= 0)
			return done ? done : (got ? got : -EFAULT);
		done += got;
	}
	return done;
}

/* The GUP flags of pinning @u: IN and INOUT let the device write it. */
static unsigned int iomd_wire_gup_flags(struct iomd_user *u)
{
	return FOLL_LONGTERM |
	       (u->desc.direction & IOMD_DIR_IN ? FOLL_WRITE : 0);
}

/*
 * Pin every range of @u into @pages, but the first @first pages of the
 * first range, which the caller pinned there already; all or nothing
 * (those included).
 */
static int iomd_wire_pin(struct iomd_user *u, bool fast, struct page **pages,
			 unsigned long first, struct iomd_why *why)
{
	unsigned int gup = iomd_wire_gup_flags(u);
	unsigned long done = first, n;
	unsigned int i;
	long got;

	for (i = 0; i < u->desc.nr_segs; i++) {
		unsigned long addr = u->ranges[i].addr & PAGE_MASK;

		n = iomd_seg_npages(&u->desc, i);
		if (!i) {
			addr += first << PAGE_SHIFT;
			n -= first;
		}
		got = n ? iomd_wire_pin_range(u->mm, fast, addr, n, gup,
					      pages + done) : 0;
		if (got > 0)
			done += got;
		if (got != n) {
			unpin_user_pages(pages, done);
			return iomd_fail(why, got < 0 ? got : -EFAULT,
					 "range %u: only %ld of %lu pages from 0x%lx could be pinned; all were released",
					 i, max(got, 0L), n, addr);
		}
	}
	return 0;
}

/*
 * Judge whether @u's memory may be shared and pin it.  The verdict must
 * hold for the pages pinned, so for memory judged shareable both happen
 * under one hold of mmap_lock.  Memory judged private stays unshareable
 * whatever the owner remaps meanwhile, so the owner's own memory (the
 * common case: an application wiring its buffers) is pinned after the
 * lock is dropped, by GUP's lockless page-table walk.  @locked: the
 * caller holds mmap_lock for read already.  It is dropped either way.
 */
static int iomd_wire_judge_pin(struct iomd_user *u, struct page **pages,
			       bool locked, struct iomd_why *why)
{
	unsigned int seq;
	bool fast;
	int ret;

	if (!locked)
		mmap_read_lock(u->mm);
	ret = iomd_user_check_judge(u, why);
	fast = u->mm == current->mm && !u->desc.user_shareable;
	if (ret) {
		mmap_read_unlock(u->mm);
	} else if (fast) {
		seq = iomd_mm_seq(u->mm);
		mmap_read_unlock(u->mm);
		ret = iomd_wire_pin(u, true, pages, 0, why);
		/*
		 * The ranges were checked before the lock was dropped; check
		 * them again now that the pages are pinned, so that memory
		 * the owner remapped to a write-combined or uncached iomd
		 * buffer in between is not wired (a remap that comes and
		 * goes within the window is the owner's own doing).  A remap
		 * takes mmap_lock for writing: if no write section began
		 * meanwhile, the mappings checked are those pinned.
		 */
		if (!ret && iomd_mm_changed(u->mm, seq)) {
			mmap_read_lock(u->mm);
			ret = iomd_user_check_ranges(u, why);
			mmap_read_unlock(u->mm);
			if (ret)
				unpin_user_pages(pages, u->npages);
		}
	} else {
		ret = iomd_wire_pin(u, false, pages, 0, why);
		mmap_read_unlock(u->mm);
	}
	if (ret) {
		struct path object = {};

		iomd_user_unjudge(u, &object);
		if (object.dentry)
			path_put(&object);
	}
	return ret;
}

/*
 * An array for @u's pages, not zeroed: pinning fills every entry or
 * fails.  A few pages need no array of their own (wiring is serialised).
 */
static struct page **iomd_wire_alloc_pages(struct iomd_user *u)
{
	if (u->npages <= ARRAY_SIZE(u->page_few))
		return u->page_few;
	return kvmalloc_array(u->npages, sizeof(struct page *),
			      GFP_KERNEL_ACCOUNT);
}

/* Free @u's page array @pages, unless it is @u's own @page_few. */
static void iomd_wire_free_pages(struct iomd_user *u, struct page **pages)
{
	if (pages != u->page_few)
		kvfree(pages);
}

/*
 * Pin and charge @u's memory; the wiring state is claimed by the caller.
 * @locked: the caller holds mmap_lock of its own address space, @u->mm,
 * for read (and so keeps it alive); it is dropped either way.
 */
static int iomd_wire_pages(struct iomd_user *u, struct page ***pagesp,
			   bool locked, struct iomd_why *why)
{
	bool own_mm = !locked;
	struct page **pages;
	int ret;

	if (own_mm && !iomd_user_mmget(u->mm))
		return iomd_fail(why, -ESRCH,
				 "the process that owns the memory has exited");
	ret = iomd_wire_charge(u, why);
	if (ret)
		goto unlock;
	pages = iomd_wire_alloc_pages(u);
	if (!pages) {
		ret = iomd_fail(why, -ENOMEM, "out of memory for %lu pages",
				u->npages);
		goto uncharge;
	}

	ret = iomd_wire_judge_pin(u, pages, locked, why);
	locked = false;
	if (ret)
		goto free_pages;

	atomic64_add(u->npages, &iomd_counters.pinned_pages);
	if (own_mm)
		iomd_user_mmput(u->mm);
	*pagesp = pages;
	return 0;

free_pages:
	iomd_wire_free_pages(u, pages);
uncharge:
	iomd_wire_uncharge(u, u->charged);
	u->charged = NULL;
unlock:
	if (locked)
		mmap_read_unlock(u->mm);
	if (own_mm)
		iomd_user_mmput(u->mm);
	return ret;
}

/* @u, new, is wired with @pages by one prepare() of user space. */
static void iomd_user_wired_by_client(struct iomd_user *u,
				      struct page **pages)
{
	u->desc.pages = pages;
	u->wire_count = 1;
	u->prepares = 1;
	u->client_prepares = 1;
}

/*
 * Whether the @done pages pinned in @pages are all anonymous:
 * private memory of the owner (CoW copies of a private file mapping's
 * pages too), which another task can never map.
 */
static bool iomd_wire_all_anon(struct page **pages, unsigned long done)
{
	unsigned long i;

	for (i = 0; i < done; i++)
		if (!PageAnon(pages[i]))
			return false;
	return true;
}

/*
 * The pages at the start of the first range that iomd_user_wire_anon()
 * pins in one call and judges before pinning the rest: a small buffer
 * takes one call, and memory that is not private costs at most this many
 * pins before the full path takes over.
 */
#define IOMD_WIRE_PROBE_PAGES	((unsigned long)IOMD_USER_FEW_PAGES)

/**
 * iomd_user_wire_anon() - wire a new descriptor of private memory, unlocked
 * @u:		the descriptor, just made of the caller's own memory; nobody
 *		else can reach it yet.
 *
 * IOMD_USER_PREPARE of the common case, an application wiring its own
 * private buffers, without mmap_lock: the pages are pinned first (GUP
 * walks the page tables locklessly and takes the lock only to fault pages
 * in), and judged by what they are.  Anonymous pages are private memory
 * of the caller, which the vma walk would judge unshareable and find
 * nothing else wrong with (GUP refuses I/O and PFN mappings, and writes
 * to read-only ones).  Memory of any other kind (shared memory, files,
 * iomd mappings), or any failure, is left to the full path, which says
 * why: at most IOMD_WIRE_PROBE_PAGES are pinned before giving up on
 * other memory.
 *
 * Return: 0 if @u is wired, or -EAGAIN with @u untouched.
 */
int iomd_user_wire_anon(struct iomd_user *u)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	unsigned long addr0 = u->ranges[0].addr & PAGE_MASK;
	unsigned long first = min(iomd_seg_npages(&u->desc, 0),
				  IOMD_WIRE_PROBE_PAGES);
	struct page **pages;
	int got;

	/* Over the limit: the full path asks for CAP_IPC_LOCK, or says why. */
	if (atomic_long_read(&current_user()->locked_vm) + u->npages > limit ||
	    iomd_wire_charge(u, NULL))
		return -EAGAIN;
	pages = iomd_wire_alloc_pages(u);
	if (!pages)
		goto uncharge;
	got = pin_user_pages_fast(addr0, first, iomd_wire_gup_flags(u), pages);
	if (got != first || !iomd_wire_all_anon(pages, first)) {
		if (got > 0)
			unpin_user_pages(pages, got);
		goto free_pages;
	}
	if (iomd_wire_pin(u, true, pages, first, NULL))
		goto free_pages;
	if (!iomd_wire_all_anon(pages + first, u->npages - first)) {
		unpin_user_pages(pages, u->npages);
		goto free_pages;
	}

	atomic64_add(u->npages, &iomd_counters.pinned_pages);
	iomd_user_judge_private(u);
	iomd_user_wired_by_client(u, pages);
	return 0;

free_pages:
	iomd_wire_free_pages(u, pages);
uncharge:
	iomd_wire_uncharge(u, u->charged);
	u->charged = NULL;
	return -EAGAIN;
}

/**
 * iomd_user_wire_new() - wire a user descriptor just made
 * @u:		the descriptor, which nobody else can reach yet.
 * @why:	failure reason.
 *
 * IOMD_USER_PREPARE: a prepare() of user space, made in the hold of
 * mmap_lock (of the caller's own address space, @u->mm) that described
 * the memory, so the ranges are looked up once.  The lock is dropped.
 *
 * Return: 0 or -errno, as iomd_user_wire(); on failure @u is not wired.
 */
int iomd_user_wire_new(struct iomd_user *u, struct iomd_why *why)
{
	struct page **pages;
	int ret;

	mmap_assert_locked(u->mm);
	ret = iomd_wire_pages(u, &pages, true, why);
	if (!ret)
		iomd_user_wired_by_client(u, pages);
	return ret;
}

/* ops->prepare of a user descriptor; @client: from user space. */
int iomd_user_wire(struct iomd_desc *desc, bool client, struct iomd_why *why)
{
	struct iomd_user *u = to_user(desc);
	struct page **pages = NULL;
	int ret;

	mutex_lock(&u->lock);
	while (u->pinning) {
		mutex_unlock(&u->lock);
		/* Another task pins: as long as its faults take; killable. */
		if (wait_event_killable(u->wait, !READ_ONCE(u->pinning)))
			return iomd_fail(why, -EINTR,
					 "killed while waiting for another task to finish wiring the memory");
		mutex_lock(&u->lock);
	}
	if (u->wire_count) {
		u->wire_count++;
		u->prepares++;
		u->client_prepares += client;
		mutex_unlock(&u->lock);
		return 0;
	}
	/*
	 * Pin without holding @lock: pinning takes the owner's mmap_lock,
	 * and mmap() takes @lock under it.
	 */
	u->pinning = true;
	mutex_unlock(&u->lock);

	ret = iomd_wire_pages(u, &pages, false, why);

	mutex_lock(&u->lock);
	if (!ret) {
		u->desc.pages = pages;
		u->wire_count = 1;
		u->prepares = 1;
		u->client_prepares = client;
	}
	WRITE_ONCE(u->pinning, false);
	mutex_unlock(&u->lock);
	if (wq_has_sleeper(&u->wait))
		wake_up_all(&u->wait);
	return ret;
}

/* Take one more wire count on memory that is wired already. */
int iomd_user_hold(struct iomd_desc *desc, struct iomd_why *why)
{
	struct iomd_user *u = to_user(desc);
	int ret = 0;

	mutex_lock(&u->lock);
	if (u->wire_count)
		u->wire_count++;
	else
		ret = iomd_fail(why, -ENODATA,
				"user memory is not wired; prepare it first");
	mutex_unlock(&u->lock);
	return ret;
}

/* complete() of a user descriptor: the last one unpins and uncharges. */
void iomd_user_unwire(struct iomd_desc *desc)
{
	struct iomd_user *u = to_user(desc);
	struct path object = {};
	struct user_struct *charged;
	struct page **pages, *few[IOMD_USER_FEW_PAGES];
	void *kmap;

	mutex_lock(&u->lock);
	if (WARN_ON_ONCE(!u->wire_count) || --u->wire_count) {
		mutex_unlock(&u->lock);
		return;
	}
	pages = desc->pages;
	desc->pages = NULL;
	/* The next wiring may fill @u->page_few once the lock is dropped. */
	if (pages == u->page_few) {
		memcpy(few, pages, u->npages * sizeof(*pages));
		pages = few;
	}
	kmap = u->kmap;
	u->kmap = NULL;
	charged = u->charged;
	u->charged = NULL;
	iomd_user_unjudge(u, &object);
	mutex_unlock(&u->lock);

	if (object.dentry)
		path_put(&object);
	if (kmap)
		vunmap(kmap);
	/* Pages the device may have written are dirty. */
	unpin_user_pages_dirty_lock(pages, u->npages,
				    desc->direction & IOMD_DIR_IN);
	iomd_wire_uncharge(u, charged);
	atomic64_sub(u->npages, &iomd_counters.pinned_pages);
	if (pages != few)
		kvfree(pages);
}

/* ops->wire_count: the holds on the pinned pages. */
unsigned int iomd_user_wire_count(struct iomd_desc *desc)
{
	struct iomd_user *u = to_user(desc);
	unsigned int count;

	mutex_lock(&u->lock);
	count = u->wire_count;
	mutex_unlock(&u->lock);
	return count;
}

/*
 * ops->complete: only prepares can be completed, and only by their side:
 * a mapping's or an access's hold is its own, a driver's prepare() is the
 * driver's, and an unbalanced complete() is refused.
 */
int iomd_user_complete(struct iomd_desc *desc, bool client,
		       struct iomd_why *why)
{
	struct iomd_user *u = to_user(desc);
	unsigned int own;

	mutex_lock(&u->lock);
	own = client ? u->client_prepares : u->prepares - u->client_prepares;
	if (!own) {
		mutex_unlock(&u->lock);
		if (client && u->prepares)
			return iomd_fail(why, -ENODATA,
					 "no prepare() from user space to complete; the %u left are a driver's, which only it can complete",
					 u->prepares);
		return iomd_fail(why, -ENODATA, "no prepare() to complete");
	}
	u->prepares--;
	u->client_prepares -= client;
	mutex_unlock(&u->lock);
	iomd_user_unwire(desc);
	return 0;
}

/* ops->vaddr: vmap() of the pinned pages, made on first use. */
void *iomd_user_kmap(struct iomd_desc *desc, struct iomd_why *why)
{
	struct iomd_user *u = to_user(desc);
	void *addr;
	int ret;

	ret = iomd_desc_kmap_check(desc, why);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&u->lock);
	if (!u->wire_count) {
		addr = ERR_PTR(iomd_fail(why, -ENODATA,
					 "user memory is not wired; prepare it first"));
	} else if (!u->kmap) {
		u->kmap = vmap(desc->pages, u->npages, VM_MAP, PAGE_KERNEL);
		addr = u->kmap ? u->kmap + desc->segs[0].first_offset :
			ERR_PTR(iomd_fail(why, -ENOMEM,
					  "no kernel address space for %lu pages",
					  u->npages));
	} else {
		addr = u->kmap + desc->segs[0].first_offset;
	}
	mutex_unlock(&u->lock);
	return addr;
}
