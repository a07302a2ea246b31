/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomd internals shared by the module's files; not an API for drivers.
 */
#ifndef _IOMD_INTERNAL_H
#define _IOMD_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/iomd.h>

#include "compat.h"

struct file;
struct page;

/**
 * struct iomd_desc_ops - what a kind of descriptor does differently
 * @release:	free the kind's memory; called once, when the last
 *		reference is dropped.
 */
struct iomd_desc_ops {
	void (*release)(struct iomd_desc *desc);
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
 * @user_shareable: may be mapped into user space.
 * @reason_lock: protects @reason.
 * @reason:	last failure of an operation on this descriptor.
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
	bool user_shareable;
	spinlock_t reason_lock;
	struct iomd_why reason;
};

/* core.c: module-wide accounting of live objects. */
struct iomd_counters {
	atomic64_t live_descriptors;
	atomic64_t live_bytes;
	atomic64_t created_total;
};

extern struct iomd_counters iomd_counters;
extern unsigned long iomd_max_buffer_bytes;

/* descriptor.c */
void iomd_desc_init(struct iomd_desc *desc, const struct iomd_desc_ops *ops,
		    u32 kind, u32 direction, u32 options);
int iomd_desc_check_range(const struct iomd_desc *desc, u64 offset, u64 len,
			  struct iomd_why *why);
int iomd_desc_copy_to_user(struct iomd_desc *desc, size_t offset,
			   void __user *dst, size_t len,
			   struct iomd_why *why);
int iomd_desc_copy_from_user(struct iomd_desc *desc, size_t offset,
			     const void __user *src, size_t len,
			     struct iomd_why *why);
void iomd_desc_set_reason(struct iomd_desc *desc,
			  const struct iomd_why *why);

/* buffer.c */
struct iomd_desc *iomd_buffer_create_gfp(u32 options, size_t capacity,
					 size_t alignment, gfp_t gfp,
					 struct iomd_why *why);

/* reason.c */
__printf(3, 4)
int iomd_fail(struct iomd_why *why, int err, const char *fmt, ...);
void iomd_why_clear(struct iomd_why *why);

/* file.c */
int iomd_file_init(void);
void iomd_file_exit(void);
struct iomd_desc *iomd_file_desc(struct file *file);
struct file *iomd_file_create(struct iomd_desc *desc);

/* client.c */
int iomd_client_init(void);
void iomd_client_exit(void);

#endif /* _IOMD_INTERNAL_H */
