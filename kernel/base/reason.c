// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/*
 * Failure reasons: every refusal carries an errno and a sentence that says
 * what was wrong and, where there is one, what to do instead.
 *
 * The caller gets both (struct iomd_why, IOMD_IOC_REASON), so refusals
 * are not the kernel log's business: anyone could fill the log by asking
 * for what they may not have.  They are debug messages, off unless
 * dynamic debug turns them on ("module iomd +p" in
 * <debugfs>/dynamic_debug/control).  What an administrator must see
 * (leaks, refused frees, exhausted pools) is logged where it happens, at
 * warning level or above and rate-limited.
 */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "base.h"

static void iomd_why_vset(struct iomd_why *why, int err, const char *fmt,
			  va_list args)
{
	why->err = err;
	vsnprintf(why->msg, sizeof(why->msg), fmt, args);
}

/**
 * iomd_why_set() - record a reason without logging it
 * @why:	where to record it.
 * @err:	the negative errno it stands for.
 * @fmt:	printf-style sentence.
 *
 * For refusals decided ahead of time (a descriptor that can never be
 * mapped) and logged when they take effect.
 */
void iomd_why_set(struct iomd_why *why, int err, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	iomd_why_vset(why, err, fmt, args);
	va_end(args);
}

/**
 * iomd_why_log() - log a recorded reason as a debug message, rate-limited
 * @why: the reason.
 *
 * Silent unless dynamic debug enables it: the caller already has the
 * reason, and refusals are triggered by whoever calls.
 */
void iomd_why_log(const struct iomd_why *why)
{
	pr_debug_ratelimited("%s[%d]: %s (errno %d)\n", current->comm,
			     task_pid_nr(current), why->msg, -why->err);
}

/**
 * iomd_fail() - record why an operation failed
 * @why:	where to record it; may be NULL.
 * @err:	the negative errno being returned.
 * @fmt:	printf-style sentence describing the cause.
 *
 * The sentence is also a debug message (iomd_why_log()), with the task
 * that caused it.
 *
 * Return: @err, so callers can write "return iomd_fail(...)".
 */
int iomd_fail(struct iomd_why *why, int err, const char *fmt, ...)
{
	struct iomd_why local;
	struct iomd_why *r = why ? why : &local;
	va_list args;

	WARN_ON_ONCE(err >= 0);
	va_start(args, fmt);
	iomd_why_vset(r, err, fmt, args);
	va_end(args);
	iomd_why_log(r);
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
