// SPDX-License-Identifier: GPL-2.0
/*
 * Handles: descriptors held by one open /dev/iomd instead of by fds
 * (struct iomd_handle), so that making and dropping one costs no file.
 * A handle is IOMD_HANDLE_BIT plus its index in the client's table and
 * holds one reference on its descriptor.  A creation reserves an index,
 * publishes it only once user space has been told its number, and
 * releases the reservation otherwise, as an fd is installed only then.
 *
 * A reserved index holds IOMD_HANDLE_RESERVED, a value entry, rather than
 * the xarray's own reservation (a zero entry): a value entry, like a
 * pointer, can live at index 0 in the array's head, so one handle made
 * and closed over and over allocates no node and frees none through RCU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>

#include "client.h"

/* Handles in a table: IOMD_HANDLE_BIT | index never is IOMD_REASON_CLIENT. */
#define IOMD_HANDLE_MAX_INDEX	(~IOMD_HANDLE_BIT)

/* What a reserved, not yet published, index holds. */
#define IOMD_HANDLE_RESERVED	xa_mk_value(0)

/* The descriptor an entry of the table names: none for a reservation. */
static struct iomd_desc *iomd_handle_entry(void *entry)
{
	return xa_is_value(entry) ? NULL : entry;
}

/**
 * iomd_handles_init() - an empty handle table
 * @h:		the table, in the client.
 *
 * Indexes start at 0, which the xarray keeps without a node of its own:
 * one handle made and closed over and over allocates nothing.  The
 * table's nodes are charged to the memory cgroup of the task that adds a
 * handle.
 */
void iomd_handles_init(struct iomd_handles *h)
{
	xa_init_flags(&h->xa, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	h->count = 0;
	h->bytes = 0;
}

/**
 * iomd_handles_release() - drop every handle of a client going away
 * @h:		the table; no ioctl can run on it any more.
 */
void iomd_handles_release(struct iomd_handles *h)
{
	struct iomd_desc *desc;
	unsigned long index;

	/* No creation is running: there is no reservation left. */
	xa_for_each(&h->xa, index, desc)
		if (!WARN_ON_ONCE(xa_is_value(desc)))
			iomd_desc_put(desc);
	xa_destroy(&h->xa);
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

	xa_lock(&h->xa);
	count = h->count;
	bytes = h->bytes;
	xa_unlock(&h->xa);
	seq_printf(m, "iomd-handles:\t%lu\n", count);
	seq_printf(m, "iomd-handle-bytes:\t%llu\n", bytes);
}

/**
 * iomd_handle_reserve() - reserve a handle number
 * @h:		the table.
 * @handle:	out: the handle.
 * @why:	failure reason.
 *
 * The number names nothing until iomd_handle_publish(): lookups and
 * closes of it fail.  A table holds at most RLIMIT_NOFILE handles, the
 * fds the same descriptors would have taken.
 *
 * Return: 0, -EMFILE or -ENOMEM.
 */
int iomd_handle_reserve(struct iomd_handles *h, u32 *handle,
			struct iomd_why *why)
{
	unsigned long max = min_t(unsigned long, rlimit(RLIMIT_NOFILE),
				  IOMD_HANDLE_MAX_INDEX);
	u32 index;
	int ret;

	ret = max ? xa_alloc(&h->xa, &index, IOMD_HANDLE_RESERVED,
			     XA_LIMIT(0, max - 1), GFP_KERNEL_ACCOUNT) : -EBUSY;
	if (ret == -EBUSY)
		return iomd_fail(why, -EMFILE,
				 "no free handle: this open /dev/iomd holds its most, %lu (RLIMIT_NOFILE)",
				 max);
	if (ret)
		return iomd_fail(why, ret, "no memory for a handle");
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
	void *old;

	xa_lock(&h->xa);
	/* The reserved slot exists: storing in it allocates nothing. */
	old = __xa_store(&h->xa, handle & ~IOMD_HANDLE_BIT, desc,
			 GFP_KERNEL_ACCOUNT);
	if (!WARN_ON_ONCE(old != IOMD_HANDLE_RESERVED)) {
		h->count++;
		h->bytes += desc->length;
	}
	xa_unlock(&h->xa);
}

/**
 * iomd_handle_cancel() - give back a reserved handle never published
 * @h:		the table.
 * @handle:	from iomd_handle_reserve().
 */
void iomd_handle_cancel(struct iomd_handles *h, u32 handle)
{
	void *old;

	old = xa_erase(&h->xa, handle & ~IOMD_HANDLE_BIT);
	WARN_ON_ONCE(old != IOMD_HANDLE_RESERVED);
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
	xa_lock(&h->xa);
	desc = iomd_handle_entry(xa_load(&h->xa, handle & ~IOMD_HANDLE_BIT));
	if (desc)
		iomd_desc_get(desc);
	xa_unlock(&h->xa);
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
	struct iomd_desc *desc;
	int ret = iomd_handle_check(handle, why);

	if (ret)
		return ret;
	xa_lock(&h->xa);
	desc = iomd_handle_entry(xa_load(&h->xa, handle & ~IOMD_HANDLE_BIT));
	if (desc) {
		__xa_erase(&h->xa, handle & ~IOMD_HANDLE_BIT);
		h->count--;
		h->bytes -= desc->length;
	}
	xa_unlock(&h->xa);
	if (!desc)
		return iomd_handle_unknown(handle, why);
	iomd_desc_put(desc);
	return 0;
}
