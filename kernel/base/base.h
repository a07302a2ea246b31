/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The base layer's declarations (docs/design.md): failure reasons, limits
 * and counters, which every layer uses.  iomd internals, not an API.
 */
#ifndef _IOMD_BASE_H
#define _IOMD_BASE_H

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

/* base/limits.c: module-wide accounting of live objects. */
struct iomd_counters {
	atomic64_t live_descriptors;
	atomic64_t live_bytes;
	atomic64_t created_total;
	atomic_long_t bad_frees;
	atomic64_t pinned_pages;
};

/* base/limits.c */
extern struct iomd_counters iomd_counters;
extern unsigned long iomd_max_buffer_bytes;
extern unsigned long iomd_max_composite_pages;

/* base/reason.c */
__printf(3, 4)
int iomd_fail(struct iomd_why *why, int err, const char *fmt, ...);
__printf(3, 4)
void iomd_why_set(struct iomd_why *why, int err, const char *fmt, ...);
void iomd_why_log(const struct iomd_why *why);
void iomd_why_clear(struct iomd_why *why);

#endif /* _IOMD_BASE_H */
