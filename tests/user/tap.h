/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP (version 1, the kernel's selftest format) producer for the
 * iomd user-space tests.
 *
 * A test program declares its plan once, then every check prints exactly
 * one "ok N description" or "not ok N description" line; failed checks
 * add "# " lines saying what was expected and what was got.
 * iomd_tap_finish() returns the exit status: non-zero if any check failed
 * or the number of checks run differs from the plan.  A program that
 * cannot run at all here (no /dev/iomd) reports its checks skipped and
 * exits with IOMD_TAP_EXIT_SKIP, kselftest's 4.
 */
#ifndef _IOMD_TAP_H
#define _IOMD_TAP_H

#include <stdbool.h>
#include <stdint.h>

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn	__attribute__((noreturn))
#endif

/* Print the header and the plan of @count checks. */
void iomd_tap_plan(unsigned int count);

/* Number of checks reported so far. */
unsigned int iomd_tap_count(void);

/* Print a "# " diagnostic line. */
__printf(1, 2) void iomd_tap_diag(const char *fmt, ...);

/* Report one check that passed if @pass; returns @pass. */
__printf(2, 3) bool iomd_tap_ok(bool pass, const char *fmt, ...);

/* Report one check that @got equals @want, diagnosing both on failure. */
__printf(3, 4) bool iomd_tap_eq(uint64_t got, uint64_t want,
				const char *fmt, ...);

/*
 * Report one check of a libiomd-style result: @got is 0 (or any
 * non-negative value) on success or -errno; @want is 0 for "succeeds" or
 * the positive errno expected.
 */
__printf(3, 4) bool iomd_tap_errno(int got, int want, const char *fmt, ...);

/*
 * Report checks as skipped ("ok N skipped # SKIP @why") until @target
 * checks have been reported, so that a section whose setup failed still
 * emits the number of lines the plan counts on.
 */
void iomd_tap_skip_to(unsigned int target, const char *why);

/* kselftest's exit status of a program that skipped everything. */
#define IOMD_TAP_EXIT_SKIP	4

/*
 * Skip the whole program: every check of the plan (or the plan "1..0"
 * when none was declared) is reported skipped because of @why, and the
 * program exits with IOMD_TAP_EXIT_SKIP.
 */
__noreturn void iomd_tap_skip_all(const char *why);

/* Abort the whole run: print "Bail out! ..." and exit with status 1. */
__printf(1, 2) __noreturn void iomd_tap_bail(const char *fmt, ...);

/* Finish the run; returns the process exit status. */
int iomd_tap_finish(void);

#endif /* _IOMD_TAP_H */
