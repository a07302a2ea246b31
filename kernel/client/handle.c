// SPDX-License-Identifier: GPL-2.0
/*
 * Handles: descriptors held by one open /dev/iomd instead of by fds
 * (struct iomd_handle), so that making and dropping one costs no file.
 * A handle is IOMD_HANDLE_BIT plus its index in the client's table and
 * holds one reference on its descriptor.  A creation reserves an index,
 * publishes it only once user space has been told its number, and
 * releases the reservation otherwise, as an fd is installed only then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/xarray.h>

#include "client.h"

/* Highest index: IOMD_HANDLE_BIT | index never reaches IOMD_REASON_CLIENT. */
#define IOMD_HANDLE_MAX_INDEX	(~IOMD_HANDLE_BIT - 1)

/**
 * iomd_handles_init() - an empty handle table
 * @xa:		the table, in the client.
 *
 * Indexes start at 1; the table's nodes are charged to the memory cgroup
 * of the task that adds a handle.
 */
void iomd_handles_init(struct xarray *xa)
{
	xa_init_flags(xa, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
}

/**
 * iomd_handles_release() - drop every handle of a client going away
 * @xa:		the table; no ioctl can run on it any more.
 */
void iomd_handles_release(struct xarray *xa)
{
	struct iomd_desc *desc;
	unsigned long index;

	xa_for_each(xa, index, desc)
		iomd_desc_put(desc);
	xa_destroy(xa);
}

/**
 * iomd_handle_reserve() - reserve a handle number
 * @xa:		the table.
 * @handle:	out: the handle.
 * @why:	failure reason.
 *
 * The number names nothing until iomd_handle_publish(): lookups and
 * closes of it fail.  A table holds at most RLIMIT_NOFILE handles, the
 * fds the same descriptors would have taken.
 *
 * Return: 0, -EMFILE or -ENOMEM.
 */
int iomd_handle_reserve(struct xarray *xa, u32 *handle, struct iomd_why *why)
{
	unsigned long max = min_t(unsigned long, rlimit(RLIMIT_NOFILE),
				  IOMD_HANDLE_MAX_INDEX);
	u32 index;
	int ret;

	ret = xa_alloc(xa, &index, NULL, XA_LIMIT(1, max), GFP_KERNEL_ACCOUNT);
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
 * @xa:		the table.
 * @handle:	from iomd_handle_reserve().
 * @desc:	the descriptor; the handle takes over the caller's reference.
 */
void iomd_handle_publish(struct xarray *xa, u32 handle, struct iomd_desc *desc)
{
	void *old;

	/* The reserved slot exists: storing in it allocates nothing. */
	old = xa_store(xa, handle & ~IOMD_HANDLE_BIT, desc, GFP_KERNEL_ACCOUNT);
	WARN_ON_ONCE(old);
}

/**
 * iomd_handle_cancel() - give back a reserved handle never published
 * @xa:		the table.
 * @handle:	from iomd_handle_reserve().
 */
void iomd_handle_cancel(struct xarray *xa, u32 handle)
{
	xa_release(xa, handle & ~IOMD_HANDLE_BIT);
}

static int iomd_handle_unknown(u32 handle, struct iomd_why *why)
{
	return iomd_fail(why, -EBADF,
			 "handle 0x%x is not open on this /dev/iomd file",
			 handle);
}

/**
 * iomd_handle_get() - the descriptor a handle names
 * @xa:		the table.
 * @handle:	a handle (IOMD_HANDLE_BIT set).
 * @why:	failure reason.
 *
 * Return: the descriptor with a new reference, or ERR_PTR(-EBADF).
 */
struct iomd_desc *iomd_handle_get(struct xarray *xa, u32 handle,
				  struct iomd_why *why)
{
	struct iomd_desc *desc;

	xa_lock(xa);
	desc = xa_load(xa, handle & ~IOMD_HANDLE_BIT);
	if (desc)
		iomd_desc_get(desc);
	xa_unlock(xa);
	if (!desc)
		return ERR_PTR(iomd_handle_unknown(handle, why));
	return desc;
}

/**
 * iomd_handle_close() - drop a handle
 * @xa:		the table.
 * @handle:	the handle.
 * @why:	failure reason.
 *
 * The descriptor lives on while anything else holds it.
 *
 * Return: 0 or -EBADF.
 */
int iomd_handle_close(struct xarray *xa, u32 handle, struct iomd_why *why)
{
	struct iomd_desc *desc = NULL;

	if (!(handle & IOMD_HANDLE_BIT))
		return iomd_fail(why, -EBADF, "0x%x is not a handle", handle);
	xa_lock(xa);
	desc = xa_load(xa, handle & ~IOMD_HANDLE_BIT);
	if (desc)
		__xa_erase(xa, handle & ~IOMD_HANDLE_BIT);
	xa_unlock(xa);
	if (!desc)
		return iomd_handle_unknown(handle, why);
	iomd_desc_put(desc);
	return 0;
}
