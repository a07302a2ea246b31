// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal KTAP producer; see tap.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "libiomd.h"
#include "tap.h"

static bool iomd_tap_started;
static unsigned int iomd_tap_planned;
static unsigned int iomd_tap_run;
static unsigned int iomd_tap_failed;

void iomd_tap_plan(unsigned int count)
{
	iomd_tap_started = true;
	iomd_tap_planned = count;
	printf("KTAP version 1\n1..%u\n", count);
	fflush(stdout);
}

unsigned int iomd_tap_count(void)
{
	return iomd_tap_run;
}

static void iomd_tap_vdiag(const char *fmt, va_list ap)
{
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
}

void iomd_tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	iomd_tap_vdiag(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/*
 * Print the result line.  Output is flushed at once so that lines written
 * before a fork() are not duplicated by the child and nothing is lost if
 * the program crashes.
 */
static void iomd_tap_vresult(bool pass, const char *fmt, va_list ap)
{
	iomd_tap_run++;
	if (!pass)
		iomd_tap_failed++;
	printf("%sok %u ", pass ? "" : "not ", iomd_tap_run);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

bool iomd_tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	iomd_tap_vresult(pass, fmt, ap);
	va_end(ap);
	return pass;
}

bool iomd_tap_eq(uint64_t got, uint64_t want, const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	iomd_tap_vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		iomd_tap_diag("expected %llu (0x%llx), got %llu (0x%llx)",
			      (unsigned long long)want,
			      (unsigned long long)want,
			      (unsigned long long)got,
			      (unsigned long long)got);
	return pass;
}

bool iomd_tap_errno(int got, int want, const char *fmt, ...)
{
	bool pass = want ? got == -want : got >= 0;
	va_list ap;

	va_start(ap, fmt);
	iomd_tap_vresult(pass, fmt, ap);
	va_end(ap);
	if (pass)
		return true;
	if (got >= 0)
		iomd_tap_diag("expected %s, got success (%d)",
			      want ? iomd_errno_name(want) : "success", got);
	else
		iomd_tap_diag("expected %s, got %s (%d)",
			      want ? iomd_errno_name(want) : "success",
			      iomd_errno_name(got), -got);
	return false;
}

void iomd_tap_skip_to(unsigned int target, const char *why)
{
	while (iomd_tap_run < target) {
		iomd_tap_run++;
		printf("ok %u skipped # SKIP %s\n", iomd_tap_run, why);
	}
	fflush(stdout);
}

void iomd_tap_bail(const char *fmt, ...)
{
	va_list ap;

	/* Keep the stream valid KTAP even when bailing out before the plan. */
	if (!iomd_tap_started)
		printf("KTAP version 1\n1..0\n");
	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(1);
}

void iomd_tap_skip_all(const char *why)
{
	if (!iomd_tap_started)
		printf("KTAP version 1\n1..0 # SKIP %s\n", why);
	else
		iomd_tap_skip_to(iomd_tap_planned, why);
	fflush(stdout);
	exit(IOMD_TAP_EXIT_SKIP);
}

int iomd_tap_finish(void)
{
	if (iomd_tap_run != iomd_tap_planned) {
		iomd_tap_diag("planned %u checks but ran %u",
			      iomd_tap_planned, iomd_tap_run);
		return 1;
	}
	if (iomd_tap_failed) {
		iomd_tap_diag("%u of %u checks failed", iomd_tap_failed,
			      iomd_tap_run);
		return 1;
	}
	return 0;
}
