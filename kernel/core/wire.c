// SPDX-License-Identifier: GPL-2.0
/*
 * Wiring (I/O Kit's prepare() and complete()) and kernel mappings of any
 * descriptor: the driver API, dispatched to the descriptor's kind
 * (struct iomd_desc_ops).  Kinds without prepare() are always wired.
 */
#include <linux/module.h>

#include "core.h"

/* Current wire count; 1 for kinds that are always wired. */
unsigned int iomd_desc_wire_count(struct iomd_desc *desc)
{
	return desc->ops->wire_count ? desc->ops->wire_count(desc) : 1;
}

/* prepare() for a driver (@client false) or for user space. */
static int iomd_desc_prepare_as(struct iomd_desc *desc, bool client,
				struct iomd_why *why)
{
	int ret = iomd_revoked_check(desc, why);

	if (ret)
		return ret;
	return desc->ops->prepare ? desc->ops->prepare(desc, client, why) : 0;
}

/**
 * iomd_desc_prepare() - wire a descriptor's memory (I/O Kit's prepare())
 * @desc:	the descriptor.
 * @why:	failure reason; may be NULL.
 *
 * For user memory: pins every page for the long term (with write access
 * when the direction lets the device write), charged to the calling user's
 * locked memory (all of that user's processes together) within the
 * caller's RLIMIT_MEMLOCK unless the caller has CAP_IPC_LOCK (which lifts
 * the limit, not the charge, as for mlock()), and counted in the owner's
 * VmPin.  The charge stays until the last complete().  A
 * pin that cannot be completed is undone whole.  Calls nest; each needs an
 * iomd_desc_complete().  Other kinds are always wired.
 *
 * The prepare() is the caller's: user space's IOMD_IOC_COMPLETE cannot
 * undo it, so a driver that prepares a descriptor it got from user space
 * keeps the memory wired for its device until its own complete().
 *
 * Context: process context; may sleep.
 * Return: 0, -ENOMEM (the limit, or memory), -EFAULT (a page could not be
 * pinned), -EOPNOTSUPP (a range is now a mapping of a write-combined or
 * uncached iomd buffer), -ESRCH (the owner has exited), or -EINTR (the
 * caller was killed while another task's prepare() was pinning the same
 * memory).  A composite prepares every part, all or nothing (see
 * iomd_composite_prepare()).
 */
int iomd_desc_prepare(struct iomd_desc *desc, struct iomd_why *why)
{
	return iomd_desc_prepare_as(desc, false, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_prepare);

/* IOMD_IOC_PREPARE: a prepare() that user space may complete. */
int iomd_desc_prepare_client(struct iomd_desc *desc, struct iomd_why *why)
{
	return iomd_desc_prepare_as(desc, true, why);
}

/* complete() for a driver (@client false) or for user space. */
static int iomd_desc_complete_as(struct iomd_desc *desc, bool client,
				 struct iomd_why *why)
{
	return desc->ops->complete ? desc->ops->complete(desc, client, why) :
				     0;
}

/**
 * iomd_desc_complete() - undo one iomd_desc_prepare() (complete())
 * @desc:	the descriptor.
 * @why:	failure reason; may be NULL.
 *
 * The last one unpins user memory (marking it dirty if the device could
 * write it) and returns the charge.  Only prepares made in the kernel
 * (iomd_desc_prepare()) can be completed here, those of user space
 * (IOMD_IOC_PREPARE) only from user space.
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENODATA if the descriptor is not wired by a prepare()
 * of the kernel.
 */
int iomd_desc_complete(struct iomd_desc *desc, struct iomd_why *why)
{
	return iomd_desc_complete_as(desc, false, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_complete);

/* IOMD_IOC_COMPLETE: undo a prepare() of user space, never a driver's. */
int iomd_desc_complete_client(struct iomd_desc *desc, struct iomd_why *why)
{
	return iomd_desc_complete_as(desc, true, why);
}

/**
 * iomd_desc_kmap() - a descriptor's bytes as one kernel virtual range
 * @desc:	the descriptor; user memory must be wired.
 * @why:	failure reason; may be NULL.
 *
 * Buffers and kernel ranges return their kernel address.  Wired user
 * memory is mapped with vmap() on first use; the address is valid until
 * the last iomd_desc_complete().  Several user ranges are contiguous in
 * the kernel only when every range is whole pages.  Composites are mapped
 * the same way while held (see iomd_composite_kmap()).
 *
 * Context: may sleep.
 * Return: the address of byte 0, or ERR_PTR(-ENODATA) (not wired),
 * ERR_PTR(-EINVAL) (ranges that are not whole pages), ERR_PTR(-ENOMEM).
 */
void *iomd_desc_kmap(struct iomd_desc *desc, struct iomd_why *why)
{
	return desc->ops->vaddr(desc, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_kmap);
