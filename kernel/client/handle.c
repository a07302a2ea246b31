// SPDX-License-Identifier: GPL-2.0
/*
 * Handles: descriptors held by one open /dev/iomd instead of by fds
 * (struct iomd_handle), so that making and dropping one costs no file.
 * A handle is IOMD_HANDLE_BIT plus its index in the client's table and
 * holds one reference on its descriptor.  A creation reserves an index,
 * publishes it only once user space has been told its number, and
 * releases the reservation otherwise, as an fd is installed only then.
 *
 * The table is an array and a bitmap of the slots in use, as a task's fd
 * table is, and the lowest free index is given out, as for fds.  Making
 * and closing a handle takes the table's lock once each and allocates
 * nothing; the first arrays are part of the table, as a task's first fds
 * are part of its files_struct, and the arrays double when full.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "client.h"

/* Handles in a table: IOMD_HANDLE_BIT | index never is IOMD_REASON_CLIENT. */
#define IOMD_HANDLE_MAX_INDEX	(~IOMD_HANDLE_BIT)

/* The most slots a table has: its array stays within kvmalloc()'s reach. */
#define IOMD_HANDLES_MAX_SLOTS	\
	round_down(INT_MAX / sizeof(void *), BITS_PER_LONG)

/* What a reserved, not yet published, slot holds. */
#define IOMD_HANDLE_RESERVED	((void *)1UL)

/**
 * iomd_handles_init() - an empty handle table
 * @h:		the table, in the client.
 *
 * Its first IOMD_HANDLES_FIRST_SLOTS slots are in @h; larger arrays are
 * charged to the memory cgroup of the task that grows the table.
 */
void iomd_handles_init(struct iomd_handles *h)
{
	spin_lock_init(&h->lock);
	memset(h->first_slots, 0, sizeof(h->first_slots));
	bitmap_zero(h->first_used, IOMD_HANDLES_FIRST_SLOTS);
	h->slots = h->first_slots;
	h->used = h->first_used;
	h->size = IOMD_HANDLES_FIRST_SLOTS;
	h->next = 0;
	h->count = 0;
	h->bytes = 0;
}

/* Free @h's arrays @slots and @used unless they are its first ones. */
static void iomd_handles_free_arrays(struct iomd_handles *h, void **slots,
				     unsigned long *used)
{
	if (slots != h->first_slots)
		kvfree(slots);
	if (used != h->first_used)
		kvfree(used);
}

/**
 * iomd_handles_release() - drop every handle of a client going away
 * @h:		the table; no ioctl can run on it any more.
 */
void iomd_handles_release(struct iomd_handles *h)
{
	unsigned int i;

	/* No creation is running: there is no reservation left. */
	for_each_set_bit(i, h->used, h->size)
		if (!WARN_ON_ONCE(h->slots[i] == IOMD_HANDLE_RESERVED))
			iomd_desc_put(h->slots[i]);
	iomd_handles_free_arrays(h, h->slots, h->used);
	iomd_user_spare_free(h->spare);
}

/**
 * iomd_handles_show() - the table's totals, for the client's fdinfo
 * @h:		the table.
 * @m:		the fdinfo file.
 *
 * What fds would show in /proc/PID/fd, so that iomdctl ls can count
 * descriptors held by handles too.
 */
void iomd_handles_show(struct iomd_handles *h, struct seq_file *m)
{
	unsigned long count;
	u64 bytes;

	spin_lock(&h->lock);
	count = h->count;
	bytes = h->bytes;
	spin_unlock(&h->lock);
	seq_printf(m, "iomd-handles:\t%lu\n", count);
	seq_printf(m, "iomd-handle-bytes:\t%llu\n", bytes);
}

/*
 * Make @h's arrays twice the @seen slots they had, up to @max slots
 * rounded up to a whole bitmap word.  If another task grew the table
 * meanwhile, its arrays stay.  Called and returns without the lock.
 */
static int iomd_handles_grow(struct iomd_handles *h, unsigned int seen,
			     unsigned long max)
{
	unsigned int size = seen * 2;
	unsigned long *used, *old_used;
	void **slots, **old_slots;

	size = min_t(unsigned long, size, round_up(max, BITS_PER_LONG));
	slots = kvcalloc(size, sizeof(*slots), GFP_KERNEL_ACCOUNT);
	used = kvcalloc(BITS_TO_LONGS(size), sizeof(*used), GFP_KERNEL_ACCOUNT);
	if (!slots || !used) {
		kvfree(slots);
		kvfree(used);
		return -ENOMEM;
	}

	spin_lock(&h->lock);
	if (h->size != seen) {
		/* Grown by another task: free ours below. */
		old_slots = slots;
		old_used = used;
	} else {
		old_slots = h->slots;
		old_used = h->used;
		memcpy(slots, old_slots, seen * sizeof(*slots));
		bitmap_copy(used, old_used, seen);
		h->slots = slots;
		h->used = used;
		h->size = size;
	}
	spin_unlock(&h->lock);
	iomd_handles_free_arrays(h, old_slots, old_used);
	return 0;
}

/* Free slot @index of @h, whose lock is held. */
static void iomd_handles_free_slot(struct iomd_handles *h, unsigned int index)
{
	h->slots[index] = NULL;
	__clear_bit(index, h->used);
	h->next = min(h->next, index);
}

/* The index of @handle in its table. */
static u32 iomd_handle_index(u32 handle)
{
	return handle & ~IOMD_HANDLE_BIT;
}

/* What slot @index holds, if @h, whose lock is held, has it; else NULL. */
static void *iomd_handles_slot(struct iomd_handles *h, u32 index)
{
	return index < h->size ? h->slots[index] : NULL;
}

/**
 * iomd_handle_reserve() - reserve a handle number
 * @h:		the table.
 * @handle:	out: the handle.
 * @why:	failure reason.
 *
 * The number names nothing until iomd_handle_publish(): lookups and
 * closes of it fail.  A table holds at most RLIMIT_NOFILE handles, the
 * fds the same descriptors would have taken; the lowest free number is
 * given out.
 *
 * Return: 0, -EMFILE or -ENOMEM.
 */
int iomd_handle_reserve(struct iomd_handles *h, u32 *handle,
			struct iomd_why *why)
{
	unsigned long max = min3(rlimit(RLIMIT_NOFILE),
				 (unsigned long)IOMD_HANDLE_MAX_INDEX + 1,
				 (unsigned long)IOMD_HANDLES_MAX_SLOTS);
	unsigned int index, seen;

	spin_lock(&h->lock);
	for (;;) {
		index = find_next_zero_bit(h->used, h->size, h->next);
		if (index < h->size || index >= max)
			break;
		seen = h->size;
		spin_unlock(&h->lock);
		if (iomd_handles_grow(h, seen, max))
			return iomd_fail(why, -ENOMEM, "no memory for a handle");
		spin_lock(&h->lock);
	}
	if (index >= max) {
		spin_unlock(&h->lock);
		return iomd_fail(why, -EMFILE,
				 "no free handle: this open /dev/iomd holds its most, %lu (RLIMIT_NOFILE)",
				 max);
	}
	__set_bit(index, h->used);
	h->slots[index] = IOMD_HANDLE_RESERVED;
	h->next = index + 1;
	spin_unlock(&h->lock);
	*handle = IOMD_HANDLE_BIT | index;
	return 0;
}

/**
 * iomd_handle_publish() - make a reserved handle name its descriptor
 * @h:		the table.
 * @handle:	from iomd_handle_reserve().
 * @desc:	the descriptor; the handle takes over the caller's reference.
 */
void iomd_handle_publish(struct iomd_handles *h, u32 handle,
			 struct iomd_desc *desc)
{
	u32 index = iomd_handle_index(handle);

	spin_lock(&h->lock);
	if (!WARN_ON_ONCE(iomd_handles_slot(h, index) !=
			  IOMD_HANDLE_RESERVED)) {
		h->slots[index] = desc;
		h->count++;
		h->bytes += desc->length;
	}
	spin_unlock(&h->lock);
}

/**
 * iomd_handle_cancel() - give back a reserved handle never published
 * @h:		the table.
 * @handle:	from iomd_handle_reserve().
 */
void iomd_handle_cancel(struct iomd_handles *h, u32 handle)
{
	u32 index = iomd_handle_index(handle);

	spin_lock(&h->lock);
	if (!WARN_ON_ONCE(iomd_handles_slot(h, index) !=
			  IOMD_HANDLE_RESERVED))
		iomd_handles_free_slot(h, index);
	spin_unlock(&h->lock);
}

static int iomd_handle_unknown(u32 handle, struct iomd_why *why)
{
	return iomd_fail(why, -EBADF,
			 "handle 0x%x is not open on this /dev/iomd file",
			 handle);
}

/* The refusal of a value that cannot be a handle at all; else 0. */
static int iomd_handle_check(u32 handle, struct iomd_why *why)
{
	if (handle & IOMD_HANDLE_BIT)
		return 0;
	return iomd_fail(why, -EBADF, "0x%x is not a handle", handle);
}

/* The descriptor slot @index of @h, whose lock is held, names; else NULL. */
static struct iomd_desc *iomd_handles_desc(struct iomd_handles *h, u32 index)
{
	void *entry = iomd_handles_slot(h, index);

	return entry == IOMD_HANDLE_RESERVED ? NULL : entry;
}

/**
 * iomd_handle_get() - the descriptor a handle names
 * @h:		the table.
 * @handle:	the handle.
 * @why:	failure reason.
 *
 * Return: the descriptor with a new reference, or ERR_PTR(-EBADF).
 */
struct iomd_desc *iomd_handle_get(struct iomd_handles *h, u32 handle,
				  struct iomd_why *why)
{
	struct iomd_desc *desc;
	int ret = iomd_handle_check(handle, why);

	if (ret)
		return ERR_PTR(ret);
	spin_lock(&h->lock);
	desc = iomd_handles_desc(h, iomd_handle_index(handle));
	if (desc)
		iomd_desc_get(desc);
	spin_unlock(&h->lock);
	if (!desc)
		return ERR_PTR(iomd_handle_unknown(handle, why));
	return desc;
}

/**
 * iomd_handle_close() - drop a handle
 * @h:		the table.
 * @handle:	the handle.
 * @why:	failure reason.
 *
 * The descriptor lives on while anything else holds it.
 *
 * Return: 0 or -EBADF.
 */
int iomd_handle_close(struct iomd_handles *h, u32 handle,
		      struct iomd_why *why)
{
	u32 index = iomd_handle_index(handle);
	struct iomd_desc *desc;
	int ret = iomd_handle_check(handle, why);

	if (ret)
		return ret;
	spin_lock(&h->lock);
	desc = iomd_handles_desc(h, index);
	if (desc) {
		iomd_handles_free_slot(h, index);
		h->count--;
		h->bytes -= desc->length;
	}
	spin_unlock(&h->lock);
	if (!desc)
		return iomd_handle_unknown(handle, why);
	iomd_desc_put_spare(desc, &h->spare);
	return 0;
}
