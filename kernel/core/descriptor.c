// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptors: reference counting, queries, and byte access shared by
 * every kind of descriptor.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include "core.h"

/**
 * iomd_desc_init() - initialise the common part of a new descriptor
 * @desc:	descriptor embedded in its kind's structure.
 * @ops:	the kind's operations.
 * @kind:	IOMD_KIND_*.
 * @direction:	IOMD_DIR_*.
 * @options:	creation options.
 *
 * The descriptor starts with one reference and counts as live until its
 * last reference is dropped.
 */
void iomd_desc_init(struct iomd_desc *desc, const struct iomd_desc_ops *ops,
		    u32 kind, u32 direction, u32 options)
{
	kref_init(&desc->ref);
	desc->ops = ops;
	desc->writable = true;
	desc->cache = IOMD_CACHE_WB;
	desc->kind = kind;
	desc->direction = direction;
	desc->options = options;
	spin_lock_init(&desc->reason_lock);
	spin_lock_init(&desc->user_lock);
	INIT_LIST_HEAD(&desc->map_requests);
	init_rwsem(&desc->revoke_lock);
	INIT_LIST_HEAD(&desc->parents);
	mutex_init(&desc->windows_lock);
	INIT_LIST_HEAD(&desc->windows);
	iomd_why_clear(&desc->reason);
	atomic64_inc(&iomd_counters.live_descriptors);
	atomic64_inc(&iomd_counters.created_total);
}

/* Describe @desc as one run of @length bytes from @first_offset. */
void iomd_desc_set_single(struct iomd_desc *desc, size_t length,
			  size_t first_offset)
{
	desc->seg0.start = 0;
	desc->seg0.length = length;
	desc->seg0.first_offset = first_offset;
	desc->seg0.page_index = 0;
	desc->segs = &desc->seg0;
	desc->nr_segs = 1;
	desc->length = length;
}

/*
 * The refusal to write memory that is read-only to iomd: user memory
 * pinned read-only, or a dma-buf imported from a read-only file.
 */
int iomd_desc_read_only(struct iomd_why *why)
{
	return iomd_fail(why, -EACCES,
			 "the memory is read-only here: user memory described for a device that only reads it (IOMD_DIR_OUT) is pinned read-only (describe it IOMD_DIR_IN or _INOUT to write it), and a dma-buf imported from a read-only fd stays read-only");
}

/*
 * 0, or -ENODEV with the reason once the descriptor is revoked
 * (core/revoke.c).
 */
int iomd_revoked_check(struct iomd_desc *desc, struct iomd_why *why)
{
	if (likely(!READ_ONCE(desc->revoked)))
		return 0;
	return iomd_fail(why, -ENODEV,
			 "the descriptor was revoked by its driver (device removed?)");
}

/*
 * Record why @desc may not be mapped into user space, as @fmt with up to
 * four unsigned long arguments (only %lu, %lx and the like), formatted
 * when somebody asks (iomd_desc_share_refusal()).  Whoever sets
 * @desc->share_why another way clears @desc->share_fmt first.
 */
void iomd_desc_share_defer(struct iomd_desc *desc, int err, const char *fmt,
			   unsigned long a0, unsigned long a1,
			   unsigned long a2, unsigned long a3)
{
	desc->share_why.err = err;
	desc->share_why.msg[0] = '\0';
	desc->share_fmt = fmt;
	desc->share_args[0] = a0;
	desc->share_args[1] = a1;
	desc->share_args[2] = a2;
	desc->share_args[3] = a3;
}

/* Why @desc may not be mapped into user space, into @why. */
void iomd_desc_share_why(const struct iomd_desc *desc, struct iomd_why *why)
{
	why->err = desc->share_why.err;
	if (desc->share_fmt)
		snprintf(why->msg, sizeof(why->msg), desc->share_fmt,
			 desc->share_args[0], desc->share_args[1],
			 desc->share_args[2], desc->share_args[3]);
	else
		strscpy(why->msg, desc->share_why.msg, sizeof(why->msg));
}

/*
 * Refuse to map @desc into user space: why, into @why (may be NULL) and
 * as a debug message; returns its errno.
 */
int iomd_desc_share_refusal(const struct iomd_desc *desc, struct iomd_why *why)
{
	struct iomd_why local;
	struct iomd_why *r = why ? why : &local;

	iomd_desc_share_why(desc, r);
	iomd_why_log(r);
	return r->err;
}

/* Keep @desc's pages valid, revoked or not; 0 or why not. */
int iomd_desc_hold_pages(struct iomd_desc *desc, struct iomd_why *why)
{
	return desc->ops->hold ? desc->ops->hold(desc, why) : 0;
}

/* Keep @desc's pages valid for a new access; 0 or why not. */
int iomd_desc_hold(struct iomd_desc *desc, struct iomd_why *why)
{
	int ret = iomd_revoked_check(desc, why);

	if (ret)
		return ret;
	return iomd_desc_hold_pages(desc, why);
}

void iomd_desc_unhold(struct iomd_desc *desc)
{
	if (desc->ops->unhold)
		desc->ops->unhold(desc);
}

/**
 * iomd_desc_get() - take a reference on a descriptor
 * @desc: the descriptor.
 *
 * Return: @desc.
 */
struct iomd_desc *iomd_desc_get(struct iomd_desc *desc)
{
	kref_get(&desc->ref);
	return desc;
}
EXPORT_SYMBOL_GPL(iomd_desc_get);

/*
 * Free @desc, whose last reference is gone; into @spare instead if its
 * kind can keep it there (iomd_desc_put_spare()).
 */
static void iomd_desc_free(struct iomd_desc *desc, struct iomd_desc **spare)
{
	/* Its own inode (client/fs.c), if its pages were ever mapped. */
	if (desc->inode)
		iput(desc->inode);
	if (spare && desc->ops->release_spare)
		desc->ops->release_spare(desc, spare);
	else
		desc->ops->release(desc);
	atomic64_dec(&iomd_counters.live_descriptors);
}

static void iomd_desc_release(struct kref *ref)
{
	iomd_desc_free(container_of(ref, struct iomd_desc, ref), NULL);
}

/**
 * iomd_desc_put() - drop a reference on a descriptor
 * @desc: the descriptor; NULL is ignored.
 *
 * The memory is freed when the last reference goes.  Pages still mapped
 * or pinned elsewhere stay valid until those users let go of them.
 */
void iomd_desc_put(struct iomd_desc *desc)
{
	if (desc)
		kref_put(&desc->ref, iomd_desc_release);
}
EXPORT_SYMBOL_GPL(iomd_desc_put);

/*
 * iomd_desc_put() by an owner that keeps one released descriptor's memory
 * in @spare for its next creation of the same kind, as io_uring keeps
 * caches of its own objects: a short-lived descriptor then costs no trip
 * through the slab allocator.  Only kinds with ops->release_spare use it.
 */
void iomd_desc_put_spare(struct iomd_desc *desc, struct iomd_desc **spare)
{
	if (refcount_dec_and_test(&desc->ref.refcount))
		iomd_desc_free(desc, spare);
}

/**
 * iomd_desc_length() - bytes described by a descriptor
 * @desc: the descriptor.
 *
 * Return: the length in bytes.
 */
size_t iomd_desc_length(const struct iomd_desc *desc)
{
	return desc->length;
}
EXPORT_SYMBOL_GPL(iomd_desc_length);

/**
 * iomd_desc_capacity() - bytes allocated for a descriptor
 * @desc: the descriptor.
 *
 * Return: the capacity in bytes, at least iomd_desc_length().
 */
size_t iomd_desc_capacity(const struct iomd_desc *desc)
{
	return desc->capacity;
}
EXPORT_SYMBOL_GPL(iomd_desc_capacity);

/**
 * iomd_desc_direction() - direction of a descriptor
 * @desc: the descriptor.
 *
 * Return: IOMD_DIR_IN, IOMD_DIR_OUT or IOMD_DIR_INOUT.
 */
u32 iomd_desc_direction(const struct iomd_desc *desc)
{
	return desc->direction;
}
EXPORT_SYMBOL_GPL(iomd_desc_direction);

/**
 * iomd_desc_options() - options a descriptor was created with
 * @desc: the descriptor.
 *
 * Return: IOMD_BUF_* bits.
 */
u32 iomd_desc_options(const struct iomd_desc *desc)
{
	return desc->options;
}
EXPORT_SYMBOL_GPL(iomd_desc_options);

/**
 * iomd_desc_cache_mode() - cache mode of a descriptor's memory
 * @desc: the descriptor.
 *
 * Every mapping of the memory, user or kernel, has this mode; a buffer's
 * is chosen at its creation, every other kind is write-back.
 *
 * Return: IOMD_CACHE_WB, IOMD_CACHE_WC or IOMD_CACHE_UC.
 */
u32 iomd_desc_cache_mode(const struct iomd_desc *desc)
{
	return desc->cache;
}
EXPORT_SYMBOL_GPL(iomd_desc_cache_mode);

/* Name of cache mode @mode, for reasons. */
const char *iomd_cache_name(u32 mode)
{
	switch (mode) {
	case IOMD_CACHE_WB:
		return "write-back";
	case IOMD_CACHE_WC:
		return "write-combined";
	case IOMD_CACHE_UC:
		return "uncached";
	default:
		return "default";
	}
}

/* @prot with the caching bits of mode @mode (WB leaves it alone). */
pgprot_t iomd_cache_pgprot(pgprot_t prot, u32 mode)
{
	switch (mode) {
	case IOMD_CACHE_WC:
		return pgprot_writecombine(prot);
	case IOMD_CACHE_UC:
		return pgprot_noncached(prot);
	default:
		return prot;
	}
}

/*
 * 0 if a mapping or access in cache mode @mode (IOMD_CACHE_*, DEFAULT
 * for the descriptor's own) may be made of @desc; -EINVAL for an unknown
 * mode, -EOPNOTSUPP with the reason for a mode the memory does not have.
 */
int iomd_desc_cache_check(const struct iomd_desc *desc, u32 mode,
			  struct iomd_why *why)
{
	if (mode > IOMD_CACHE_MAX)
		return iomd_fail(why, -EINVAL, "unknown cache mode %u", mode);
	if (mode == IOMD_CACHE_DEFAULT || mode == desc->cache)
		return 0;
	if (desc->ops->foreign)
		return iomd_fail(why, -EOPNOTSUPP,
				 "%s memory is not iomd's to change and stays write-back; only buffers created with IOMD_BUF_CACHE(mode) have another cache mode",
				 desc->ops->name);
	/* A buffer, or a composite, which has its parts' mode. */
	return iomd_fail(why, -EOPNOTSUPP,
			 "the %s is %s, and so is every mapping of it (one page in two cache modes is undefined on x86); ask IOMD_CACHE_DEFAULT or use a buffer created %s",
			 desc->ops->name, iomd_cache_name(desc->cache),
			 iomd_cache_name(mode));
}

/**
 * iomd_page_size() - the page size mappings are made of
 *
 * Return: PAGE_SIZE; callers must not assume a value.
 */
size_t iomd_page_size(void)
{
	return PAGE_SIZE;
}
EXPORT_SYMBOL_GPL(iomd_page_size);

/**
 * iomd_desc_check_range() - check that a byte range lies in a descriptor
 * @desc:	the descriptor.
 * @offset:	first byte.
 * @len:	number of bytes.
 * @why:	failure reason; may be NULL.
 *
 * Return: 0, -EOVERFLOW if @offset + @len overflows, or -ERANGE if the
 * range ends past the descriptor's length.
 */
int iomd_desc_check_range(const struct iomd_desc *desc, u64 offset, u64 len,
			  struct iomd_why *why)
{
	u64 end;

	if (check_add_overflow(offset, len, &end))
		return iomd_fail(why, -EOVERFLOW,
				 "offset %llu + length %llu overflows",
				 offset, len);
	if (end > desc->length)
		return iomd_fail(why, -ERANGE,
				 "range [%llu, %llu) ends past the descriptor's length %zu",
				 offset, end, desc->length);
	return 0;
}

/**
 * iomd_desc_kmap_check() - whether a descriptor's pages, mapped one after
 *	the other, show its bytes contiguously
 * @desc:	the descriptor.
 * @why:	failure reason; may be NULL.
 *
 * True when every segment but the first starts, and every segment but the
 * last ends, on a page boundary.
 *
 * Return: 0, or -EINVAL with the reason.
 */
int iomd_desc_kmap_check(const struct iomd_desc *desc, struct iomd_why *why)
{
	const struct iomd_seg *seg = desc->segs;
	unsigned int i;

	for (i = 1; i < desc->nr_segs; i++)
		if (seg[i].first_offset ||
		    offset_in_page(seg[i - 1].first_offset + seg[i - 1].length))
			return iomd_fail(why, -EINVAL,
					 "range %u does not continue range %u on a page boundary, so no kernel mapping makes them contiguous",
					 i, i - 1);
	return 0;
}

/*
 * Walk [offset, offset + len) of a descriptor page by page, calling @step
 * with a kernel address for each piece.  Stops at the first error.  The
 * range was checked and the pages are held.
 */
static int iomd_desc_walk(struct iomd_desc *desc, size_t offset, size_t len,
			  int (*step)(void *kaddr, size_t done, size_t n,
				      void *ctx),
			  void *ctx)
{
	const struct iomd_seg *seg = desc->segs;
	size_t done = 0;
	int ret = 0;

	while (done < len) {
		size_t pos = offset + done, in_seg, p, in_page, n;
		void *kaddr;

		while (pos - seg->start >= seg->length)
			seg++;
		in_seg = pos - seg->start;
		p = seg->first_offset + in_seg;
		in_page = offset_in_page(p);
		n = min3(len - done, PAGE_SIZE - in_page, seg->length - in_seg);
		kaddr = kmap_local_page(desc->pages[seg->page_index +
						    (p >> PAGE_SHIFT)]);
		ret = step(kaddr + in_page, done, n, ctx);
		kunmap_local(kaddr);
		if (ret)
			break;
		done += n;
	}
	return ret;
}

/* Walk with the range checked and the pages held. */
static int iomd_desc_walk_held(struct iomd_desc *desc, size_t offset,
			       size_t len,
			       int (*step)(void *kaddr, size_t done, size_t n,
					   void *ctx),
			       void *ctx, struct iomd_why *why)
{
	int ret = iomd_desc_check_range(desc, offset, len, why);

	if (ret)
		return ret;
	ret = iomd_desc_hold(desc, why);
	if (ret)
		return ret;
	ret = iomd_desc_walk(desc, offset, len, step, ctx);
	iomd_desc_unhold(desc);
	return ret;
}

static int iomd_step_read(void *kaddr, size_t done, size_t n, void *ctx)
{
	memcpy((char *)ctx + done, kaddr, n);
	return 0;
}

static int iomd_step_write(void *kaddr, size_t done, size_t n, void *ctx)
{
	memcpy(kaddr, (const char *)ctx + done, n);
	return 0;
}

static int iomd_step_to_user(void *kaddr, size_t done, size_t n, void *ctx)
{
	return copy_to_user((char __user *)ctx + done, kaddr, n) ? -EFAULT : 0;
}

static int iomd_step_from_user(void *kaddr, size_t done, size_t n, void *ctx)
{
	return copy_from_user(kaddr, (const char __user *)ctx + done, n) ?
		-EFAULT : 0;
}

/**
 * iomd_desc_read() - copy bytes out of a descriptor's memory
 * @desc:	the descriptor.
 * @offset:	first byte to read.
 * @buf:	kernel destination.
 * @len:	number of bytes.
 * @why:	failure reason; may be NULL.
 *
 * Context: may sleep.
 * Return: 0, -EOVERFLOW or -ERANGE (see iomd_desc_check_range()), or
 * -ENODATA for user memory (or a composite holding it) that is not
 * wired (iomd_desc_prepare()).
 */
int iomd_desc_read(struct iomd_desc *desc, size_t offset, void *buf,
		   size_t len, struct iomd_why *why)
{
	return iomd_desc_walk_held(desc, offset, len, iomd_step_read, buf,
				   why);
}
EXPORT_SYMBOL_GPL(iomd_desc_read);

/**
 * iomd_desc_write() - copy bytes into a descriptor's memory
 * @desc:	the descriptor.
 * @offset:	first byte to write.
 * @buf:	kernel source.
 * @len:	number of bytes.
 * @why:	failure reason; may be NULL.
 *
 * Context: may sleep.
 * Return: 0, -EOVERFLOW or -ERANGE (see iomd_desc_check_range()),
 * -ENODATA for user memory (or a composite holding it) that is not
 * wired (iomd_desc_prepare()), or
 * -EACCES for user memory described for a device that only reads it.
 */
int iomd_desc_write(struct iomd_desc *desc, size_t offset, const void *buf,
		    size_t len, struct iomd_why *why)
{
	if (!desc->writable)
		return iomd_desc_read_only(why);
	return iomd_desc_walk_held(desc, offset, len, iomd_step_write,
				   (void *)buf, why);
}
EXPORT_SYMBOL_GPL(iomd_desc_write);

/* Copy descriptor bytes to user memory. */
int iomd_desc_copy_to_user(struct iomd_desc *desc, size_t offset,
			   void __user *dst, size_t len,
			   struct iomd_why *why)
{
	int ret = iomd_desc_walk_held(desc, offset, len, iomd_step_to_user,
				      (void __force *)dst, why);

	if (ret == -EFAULT)
		return iomd_fail(why, ret, "user buffer at 0x%lx is not writable",
				 (unsigned long)dst);
	return ret;
}

/* Copy user memory into the descriptor. */
int iomd_desc_copy_from_user(struct iomd_desc *desc, size_t offset,
			     const void __user *src, size_t len,
			     struct iomd_why *why)
{
	int ret;

	if (!desc->writable)
		return iomd_desc_read_only(why);
	ret = iomd_desc_walk_held(desc, offset, len, iomd_step_from_user,
				  (void __force *)src, why);

	if (ret == -EFAULT)
		return iomd_fail(why, ret, "user buffer at 0x%lx is not readable",
				 (unsigned long)src);
	return ret;
}

/* Remember the last failure of an operation on @desc (e.g. mmap). */
void iomd_desc_set_reason(struct iomd_desc *desc,
			  const struct iomd_why *why)
{
	spin_lock(&desc->reason_lock);
	desc->reason = *why;
	spin_unlock(&desc->reason_lock);
}

/**
 * iomd_desc_last_reason() - why the last operation on a descriptor failed
 * @desc:	the descriptor.
 * @out:	receives the reason; err 0 and an empty message when none.
 *
 * Operations reached through files, such as mmap(), have no caller to hand
 * a reason to; they leave it on the descriptor instead.
 *
 * Return: @out->err.
 */
int iomd_desc_last_reason(struct iomd_desc *desc, struct iomd_why *out)
{
	spin_lock(&desc->reason_lock);
	*out = desc->reason;
	spin_unlock(&desc->reason_lock);
	return out->err;
}
EXPORT_SYMBOL_GPL(iomd_desc_last_reason);
