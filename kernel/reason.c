// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/*
 * Failure reasons: every refusal carries an errno and a sentence that says
 * what was wrong and, where there is one, what to do instead.
 */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "internal.h"

/**
 * iomd_fail() - record why an operation failed
 * @why:	where to record it; may be NULL.
 * @err:	the negative errno being returned.
 * @fmt:	printf-style sentence describing the cause.
 *
 * The sentence is also logged, rate-limited, with the task that caused it.
 *
 * Return: @err, so callers can write "return iomd_fail(...)".
 */
int iomd_fail(struct iomd_why *why, int err, const char *fmt, ...)
{
	struct iomd_why local;
	struct iomd_why *r = why ? why : &local;
	va_list args;

	WARN_ON_ONCE(err >= 0);
	r->err = err;
	va_start(args, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, args);
	va_end(args);
	pr_info_ratelimited("%s[%d]: %s (errno %d)\n", current->comm,
			    task_pid_nr(current), r->msg, -err);
	return err;
}

/**
 * iomd_why_clear() - mark a reason as "nothing failed"
 * @why: the reason to clear; may be NULL.
 */
void iomd_why_clear(struct iomd_why *why)
{
	if (!why)
		return;
	why->err = 0;
	why->msg[0] = '\0';
}
