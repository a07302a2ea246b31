// SPDX-License-Identifier: GPL-2.0
/*
 * user_memlock: prepare() counts pinned pages in VmPin and limits them to
 * RLIMIT_MEMLOCK, unless the caller has CAP_IPC_LOCK.  (The limit is on
 * the user's total: user_charge tests that across processes.)
 *
 * A child without CAP_IPC_LOCK and a limit of 4 pages: wiring 5 pages
 * fails with ENOMEM and charges nothing (VmPin and pinned_pages unchanged,
 * and 4 pages that exactly fit the limit still wire afterwards); the limit
 * counts every wired descriptor of the process, a nested prepare() is not
 * charged twice, complete() returns the charge, and raising the limit lets
 * the 5 pages wire.  A child with CAP_IPC_LOCK and a limit of 0 wires 4
 * pages (still counted in VmPin), and fails again once it drops the
 * capability.  As for mlock(), the capability lifts the limit, not the
 * charge: a child with CAP_IPC_LOCK and a limit of 4 pages wires 4 (within
 * the limit), drops the capability, and cannot wire 1 more until it
 * completes the 4.
 *
 * The capability is dropped with raw capget/capset in forked children, so
 * the rest of the run keeps root's.  The children store what they saw in
 * shared memory and the parent reports it.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "iomd_test.h"

/* What the children saw, by index into struct results.v. */
enum {
	L_DROP,			/* dropping CAP_IPC_LOCK: 0 */
	L_PREP5,		/* prepare 5 pages: -ENOMEM */
	L_REASON,		/* the client's reason: ENOMEM */
	L_REASON_LEN,		/* its length: > 0 */
	L_VM_AFTER5,		/* VmPin change: 0 */
	L_PIN_AFTER5,		/* pinned_pages change: 0 */
	L_CREATE5,		/* describe 5 pages + IOMD_USER_PREPARE: -ENOMEM */
	L_LIVE_AFTER5,		/* live descriptors added: 1 (the first) */
	L_PREP4,		/* prepare 4 pages: 1 */
	L_VM4,			/* VmPin change: 4 pages */
	L_PREP1,		/* prepare 1 more page: -ENOMEM */
	L_VM1,			/* VmPin change: still 4 pages */
	L_PREP4_AGAIN,		/* nested prepare of the 4: 2 */
	L_VM4_AGAIN,		/* VmPin change: still 4 pages */
	L_COMPLETE4,		/* two completes: 0 */
	L_VM_COMPLETE4,		/* VmPin change: 0 */
	L_PREP1_AGAIN,		/* prepare 1 page: 1 */
	L_PREP5_RAISED,		/* prepare 5 pages with a 6-page limit: 1 */
	L_VM_END,		/* VmPin change after completing all: 0 */
	L_PIN_END,		/* pinned_pages change: 0 */
	B_PREP4,		/* with CAP_IPC_LOCK, limit 0: 1 */
	B_VM4,			/* VmPin change: 4 pages */
	B_PIN4,			/* pinned_pages change: 4 */
	B_DROP,			/* dropping CAP_IPC_LOCK: 0 */
	B_PREP1,		/* prepare 1 page without it: -ENOMEM */
	B_COMPLETE4,		/* complete the 4: 0 */
	B_VM_END,		/* VmPin change: 0 */
	C_PREP4,		/* with CAP_IPC_LOCK, limit 4: 1 */
	C_DROP,			/* dropping CAP_IPC_LOCK: 0 */
	C_PREP1,		/* prepare 1 page without it: -ENOMEM */
	C_COMPLETE4,		/* complete the 4: 0 */
	C_PREP1_AGAIN,		/* prepare 1 page: 1 */
	NR_RESULTS
};

#define LIMIT_CHECKS	(L_PIN_END - L_DROP + 1 + 1)
#define BYPASS_CHECKS	(B_VM_END - B_PREP4 + 1 + 1)
#define CHARGED_CHECKS	(C_PREP1_AGAIN - C_PREP4 + 1 + 1)
#define PLAN		(LIMIT_CHECKS + BYPASS_CHECKS + CHARGED_CHECKS + 1)

#define UNSET		LLONG_MIN

struct results {
	long long v[NR_RESULTS];
};

static int iomd_fd;
static size_t page;
static struct results *res;

/* Clear CAP_IPC_LOCK from this process's effective and permitted sets. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(CAP_IPC_LOCK);
	uint32_t bit = CAP_TO_MASK(CAP_IPC_LOCK);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return data[i].effective & bit ? -EPERM : 0;
}

static int set_memlock(uint64_t bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	rl.rlim_cur = bytes;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < bytes)
		rl.rlim_max = bytes;
	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

static int describe(unsigned char *mem, size_t pages, uint32_t flags)
{
	struct iomd_range r = { .addr = (uintptr_t)mem,
				.length = pages * page };

	return iomd_user_create(iomd_fd, &r, 1, IOMD_DIR_INOUT | flags);
}

/* @n private pages, written so that they exist; NULL if mmap() fails. */
static unsigned char *touched_pages(size_t n)
{
	unsigned char *mem = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return NULL;
	memset(mem, 1, n * page);
	return mem;
}

/* The child without CAP_IPC_LOCK; returns its exit status. */
static int limit_child(void)
{
	long long *v = res->v;
	uint64_t vm0, pin0, live0;
	unsigned char *mem;
	int d5, d4, d1, ret;
	char text[256];

	v[L_DROP] = drop_ipc_lock();
	if (v[L_DROP] || set_memlock(4 * page))
		return 1;
	mem = touched_pages(9);
	if (!mem)
		return 1;
	vm0 = iomd_test_vm_pin();
	pin0 = iomd_test_pinned_pages(iomd_fd);
	live0 = iomd_test_live_descriptors(iomd_fd);

	d5 = describe(mem, 5, 0);
	if (d5 < 0)
		return 2;
	v[L_PREP5] = iomd_prepare(iomd_fd, d5);
	text[0] = '\0';
	v[L_REASON] = iomd_test_last_err(iomd_fd, -1, text, sizeof(text));
	v[L_REASON_LEN] = strlen(text);
	v[L_VM_AFTER5] = iomd_test_vm_pin() - vm0;
	v[L_PIN_AFTER5] = iomd_test_pinned_pages(iomd_fd) - pin0;
	ret = describe(mem, 5, IOMD_USER_PREPARE);
	v[L_CREATE5] = ret;
	if (ret >= 0)
		iomd_close(ret);
	v[L_LIVE_AFTER5] = iomd_test_live_descriptors(iomd_fd) - live0;

	d4 = describe(mem + 5 * page, 4, 0);
	d1 = describe(mem, 1, 0);
	if (d4 < 0 || d1 < 0)
		return 3;
	v[L_PREP4] = iomd_prepare(iomd_fd, d4);
	v[L_VM4] = iomd_test_vm_pin() - vm0;
	v[L_PREP1] = iomd_prepare(iomd_fd, d1);
	v[L_VM1] = iomd_test_vm_pin() - vm0;
	v[L_PREP4_AGAIN] = iomd_prepare(iomd_fd, d4);
	v[L_VM4_AGAIN] = iomd_test_vm_pin() - vm0;
	iomd_complete(iomd_fd, d4);
	v[L_COMPLETE4] = iomd_complete(iomd_fd, d4);
	v[L_VM_COMPLETE4] = iomd_test_vm_pin() - vm0;
	v[L_PREP1_AGAIN] = iomd_prepare(iomd_fd, d1);
	if (set_memlock(6 * page))
		return 4;
	v[L_PREP5_RAISED] = iomd_prepare(iomd_fd, d5);
	iomd_complete(iomd_fd, d1);
	iomd_complete(iomd_fd, d5);
	v[L_VM_END] = iomd_test_vm_pin() - vm0;
	v[L_PIN_END] = iomd_test_pinned_pages(iomd_fd) - pin0;
	iomd_close(d5);
	iomd_close(d4);
	iomd_close(d1);
	return 0;
}

/* The child with CAP_IPC_LOCK; returns its exit status. */
static int bypass_child(void)
{
	long long *v = res->v;
	unsigned char *mem;
	uint64_t vm0, pin0;
	int d4, d1;

	if (set_memlock(0))
		return 1;
	mem = touched_pages(5);
	if (!mem)
		return 1;
	vm0 = iomd_test_vm_pin();
	pin0 = iomd_test_pinned_pages(iomd_fd);
	d4 = describe(mem, 4, 0);
	d1 = describe(mem + 4 * page, 1, 0);
	if (d4 < 0 || d1 < 0)
		return 2;
	v[B_PREP4] = iomd_prepare(iomd_fd, d4);
	v[B_VM4] = iomd_test_vm_pin() - vm0;
	v[B_PIN4] = iomd_test_pinned_pages(iomd_fd) - pin0;
	v[B_DROP] = drop_ipc_lock();
	v[B_PREP1] = iomd_prepare(iomd_fd, d1);
	v[B_COMPLETE4] = iomd_complete(iomd_fd, d4);
	v[B_VM_END] = iomd_test_vm_pin() - vm0;
	iomd_close(d4);
	iomd_close(d1);
	return 0;
}

/*
 * The child with CAP_IPC_LOCK wiring within its limit; returns its exit
 * status.
 */
static int charged_child(void)
{
	long long *v = res->v;
	unsigned char *mem;
	int d4, d1;

	if (set_memlock(4 * page))
		return 1;
	mem = touched_pages(5);
	if (!mem)
		return 1;
	d4 = describe(mem, 4, 0);
	d1 = describe(mem + 4 * page, 1, 0);
	if (d4 < 0 || d1 < 0)
		return 2;
	v[C_PREP4] = iomd_prepare(iomd_fd, d4);
	v[C_DROP] = drop_ipc_lock();
	v[C_PREP1] = iomd_prepare(iomd_fd, d1);
	v[C_COMPLETE4] = iomd_complete(iomd_fd, d4);
	v[C_PREP1_AGAIN] = iomd_prepare(iomd_fd, d1);
	iomd_complete(iomd_fd, d1);
	iomd_close(d4);
	iomd_close(d1);
	return 0;
}

static void run_child(int (*child)(void), const char *what)
{
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(child());
	iomd_test_child_ok(pid, "%s child ran to the end", what);
}

/* Report one value a child saw; negative values are -errno. */
static void expect(unsigned int i, long long want, const char *what)
{
	long long got = res->v[i];

	if (iomd_tap_ok(got == want, "%s", what))
		return;
	if (got == UNSET)
		iomd_tap_diag("the child never got there");
	else if (got < 0 && got > -4096)
		iomd_tap_diag("expected %lld, got %s", want,
			      iomd_errno_name((int)got));
	else
		iomd_tap_diag("expected %lld, got %lld", want, got);
}

static void test_limit(void)
{
	long long four = 4 * page;

	run_child(limit_child, "the limited");
	expect(L_DROP, 0, "limited: CAP_IPC_LOCK dropped");
	expect(L_PREP5, -ENOMEM,
	       "limited: prepare of 5 pages under a 4-page limit fails with ENOMEM");
	expect(L_REASON, -ENOMEM, "limited: the reason carries ENOMEM");
	iomd_tap_ok(res->v[L_REASON_LEN] > 0 && res->v[L_REASON_LEN] != UNSET,
		    "limited: the reason is not empty");
	expect(L_VM_AFTER5, 0, "limited: the refused prepare leaves VmPin alone");
	expect(L_PIN_AFTER5, 0,
	       "limited: the refused prepare leaves pinned_pages alone");
	expect(L_CREATE5, -ENOMEM,
	       "limited: describe of 5 pages with IOMD_USER_PREPARE fails with ENOMEM");
	expect(L_LIVE_AFTER5, 1,
	       "limited: the refused describe leaves no descriptor");
	expect(L_PREP4, 1, "limited: prepare of 4 pages, exactly the limit");
	expect(L_VM4, four, "limited: VmPin + 4 pages");
	expect(L_PREP1, -ENOMEM,
	       "limited: 1 more page on another descriptor fails with ENOMEM");
	expect(L_VM1, four, "limited: VmPin still + 4 pages");
	expect(L_PREP4_AGAIN, 2,
	       "limited: a nested prepare of the 4 pages is not charged again");
	expect(L_VM4_AGAIN, four, "limited: VmPin still + 4 pages after it");
	expect(L_COMPLETE4, 0, "limited: complete the 4 pages twice -> 0");
	expect(L_VM_COMPLETE4, 0, "limited: the last complete returns VmPin");
	expect(L_PREP1_AGAIN, 1,
	       "limited: the returned charge makes room for 1 page");
	expect(L_PREP5_RAISED, 1,
	       "limited: with the limit raised to 6 pages the 5 pages wire");
	expect(L_VM_END, 0, "limited: VmPin back to where it started");
	expect(L_PIN_END, 0, "limited: pinned_pages back to where it started");
}

static void test_bypass(void)
{
	run_child(bypass_child, "the CAP_IPC_LOCK");
	expect(B_PREP4, 1,
	       "CAP_IPC_LOCK: prepare of 4 pages under a limit of 0 succeeds");
	expect(B_VM4, 4 * page,
	       "CAP_IPC_LOCK: the pages are still counted in VmPin");
	expect(B_PIN4, 4, "CAP_IPC_LOCK: pinned_pages + 4");
	expect(B_DROP, 0, "CAP_IPC_LOCK: then dropped");
	expect(B_PREP1, -ENOMEM,
	       "CAP_IPC_LOCK: without it, 1 more page fails with ENOMEM");
	expect(B_COMPLETE4, 0, "CAP_IPC_LOCK: complete -> 0");
	expect(B_VM_END, 0, "CAP_IPC_LOCK: VmPin back to where it started");
}

static void test_charged(void)
{
	run_child(charged_child, "the charged CAP_IPC_LOCK");
	expect(C_PREP4, 1,
	       "CAP_IPC_LOCK, limit 4 pages: prepare of 4 pages succeeds");
	expect(C_DROP, 0, "charged: CAP_IPC_LOCK dropped");
	expect(C_PREP1, -ENOMEM,
	       "charged: the 4 pages wired with CAP_IPC_LOCK count; 1 more fails with ENOMEM");
	expect(C_COMPLETE4, 0, "charged: complete the 4 -> 0");
	expect(C_PREP1_AGAIN, 1,
	       "charged: the returned charge makes room for 1 page");
}

int main(void)
{
	struct iomd_stats before, st;
	unsigned int i;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		iomd_tap_bail("mmap: %s", strerror(errno));
	for (i = 0; i < NR_RESULTS; i++)
		res->v[i] = UNSET;
	iomd_test_stats(iomd_fd, &before);

	test_limit();
	test_bypass();
	test_charged();

	iomd_test_settle(iomd_fd, before.live_descriptors, before.live_bytes,
			 &st);
	iomd_tap_ok(st.pinned_pages == before.pinned_pages &&
		    st.live_descriptors == before.live_descriptors,
		    "nothing left pinned or alive after the children");
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
