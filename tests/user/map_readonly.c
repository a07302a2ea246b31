// SPDX-License-Identifier: GPL-2.0
/*
 * map_readonly: read-only mappings stay read-only against every writer.
 *
 * Read-only mappings of descriptors: IOMD_MAP_READONLY (prefaulted, on
 * demand, from an offset that is not page-aligned, and a buffer of two PMD
 * sizes, 4 MiB with 4 KiB pages, mapped with PMD entries), an IOMD_DIR_IN
 * buffer through IOMD_IOC_MAP
 * and mmap(), and a user descriptor of direction OUT (pinned read-only).
 * Each is VM_SHARED without VM_MAYWRITE ("r--s", no "mw" in VmFlags), so
 * mprotect(PROT_WRITE) fails with EACCES, a store gets SIGSEGV,
 * process_vm_writev() fails with EFAULT, and the forced (FOLL_FORCE)
 * writes of a debugger, pwrite() to /proc/PID/mem and PTRACE_POKEDATA,
 * fail with EIO, into this process and into a traced child: no private
 * copy is made, and the kernel's view of the bytes (IOMD_IOC_KREAD) is
 * unchanged.  Reopening the mapping's file through /proc/self/map_files
 * gives no writable mapping either.  Reading through the same paths
 * works.  The same writers
 * on a writable mapping (4 pages, and two PMD sizes with PMD entries) all
 * succeed and the kernel sees each of their bytes, so the refusals are
 * the mappings' doing.  Nothing is left behind.  Without transparent huge
 * pages the huge cases check the fallback to page entries; they are
 * skipped, saying why, where four copies of two PMD sizes do not fit in
 * half the machine's memory (512 MiB PMDs of 64 KiB pages in a small VM).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define NPAGES		4
#define CASE_CHECKS	15
#define SEED		0x726f6e6c79ull	/* "ronly" */

/* How a case is created and mapped. */
enum how { BY_IOC, BY_MMAP };

struct ro_case {
	const char *name;
	uint32_t flags;		/* buffer flags; 0: a user descriptor, OUT */
	enum how how;
	uint32_t options;	/* IOMD_IOC_MAP options */
	uint64_t offset;	/* IOMD_IOC_MAP offset */
	bool writable;		/* the control: every writer succeeds */
	bool huge;		/* two PMD sizes, mapped with PMD entries */
};

#define RO_INOUT	.flags = IOMD_TEST_SHARED_INOUT, .how = BY_IOC
#define RO_IN		.flags = IOMD_DIR_IN | IOMD_BUF_KERNEL_USER_SHARED

static const struct ro_case cases[] = {
	{ "READONLY", RO_INOUT, .options = IOMD_MAP_READONLY },
	{ "READONLY ONDEMAND", RO_INOUT,
	  .options = IOMD_MAP_READONLY | IOMD_MAP_ONDEMAND },
	{ "READONLY offset 100", RO_INOUT, .options = IOMD_MAP_READONLY,
	  .offset = 100 },
	{ "READONLY huge", RO_INOUT, .options = IOMD_MAP_READONLY,
	  .huge = true },
	{ "direction IN, IOMD_IOC_MAP", RO_IN, .how = BY_IOC },
	{ "direction IN, mmap()", RO_IN, .how = BY_MMAP },
	{ "user OUT, mmap()", .flags = 0, .how = BY_MMAP },
	{ "writable (control)", RO_INOUT, .writable = true },
	{ "writable huge (control)", RO_INOUT, .writable = true,
	  .huge = true },
};

#define NR_CASES	ARRAY_SIZE(cases)
#define PLAN		(NR_CASES * CASE_CHECKS + 2)

static int iomd_fd;
static size_t page;
/* The PMD size and the huge cases' bytes (two of them); 0: no huge cases. */
static size_t huge;
static size_t huge_bytes;
/* Why the huge cases are skipped, when huge_bytes is 0. */
static char no_huge[160];
static unsigned char *ref;

/* process_vm_writev() of @n bytes to @dst in @pid: 0, -errno or bytes. */
static int vm_write(pid_t pid, void *dst, const void *src, size_t n)
{
	struct iovec local = { .iov_base = (void *)src, .iov_len = n };
	struct iovec remote = { .iov_base = dst, .iov_len = n };
	ssize_t got;

	got = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (got < 0)
		return -errno;
	return got == (ssize_t)n ? 0 : (int)got;
}

/* pwrite() (or pread()) of @n bytes at @addr of /proc/@pid/mem (0: self). */
static int mem_rw(pid_t pid, bool write, void *addr, void *buf, size_t n)
{
	char path[64];
	ssize_t got;
	int fd, ret;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mem");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write)
		got = pwrite(fd, buf, n, (off_t)(uintptr_t)addr);
	else
		got = pread(fd, buf, n, (off_t)(uintptr_t)addr);
	ret = got < 0 ? -errno : got == (ssize_t)n ? 0 : (int)got;
	close(fd);
	return ret;
}

/*
 * mmap(PROT_WRITE) of the file behind the mapping [@map, @map + @len),
 * reopened read-write through /proc/self/map_files: 0 or -errno.
 */
static int map_files_writable(void *map, size_t len)
{
	char path[80];
	void *q;
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)(uintptr_t)map,
		 (unsigned long)(uintptr_t)map + len);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = q == MAP_FAILED ? -errno : 0;
	if (!ret)
		munmap(q, len);
	close(fd);
	return ret;
}

/* A child that stops under ptrace at once; its pid, or -1. */
static pid_t traced_child(void)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Create the descriptor of @c filled with ref; its fd. */
static int create(const struct ro_case *c, size_t len, unsigned char **user)
{
	struct iomd_range r;

	*user = NULL;
	if (huge_bytes && len >= huge)
		map_compact_memory();
	if (c->flags)
		return iomd_test_buffer_filled(iomd_fd, len, c->flags, ref);
	*user = mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (*user == MAP_FAILED) {
		*user = NULL;
		return -errno;
	}
	memcpy(*user, ref, len);
	r.addr = (uintptr_t)*user;
	r.length = len;
	return iomd_user_create(iomd_fd, &r, 1,
				IOMD_DIR_OUT | IOMD_USER_PREPARE);
}

/*
 * The checks of the traced child, which inherited the mapping: process
 * writes and forced writes fail (or, @c->writable, land), a forced read
 * works.
 */
static void test_child(const struct ro_case *c, unsigned char *data,
		       unsigned char *want, uint64_t dbase)
{
	const char *name = c->name;
	int err_vm = c->writable ? 0 : EFAULT;
	int err_force = c->writable ? 0 : EIO;
	static const char vm_msg[8] = "cvmwrite";
	static const char mem_msg[8] = "cmemwrit";
	unsigned long word;
	long ret;
	pid_t pid;

	pid = traced_child();
	if (!iomd_tap_ok(pid > 0, "%s: a traced child stops", name)) {
		iomd_tap_skip_to(iomd_tap_count() + 4, "no traced child");
		return;
	}
	ret = vm_write(pid, data + 48, vm_msg, 8);
	iomd_tap_errno(ret, err_vm, "%s: process_vm_writev() into the child",
		       name);
	if (c->writable)
		memcpy(want + dbase + 48, vm_msg, 8);
	ret = mem_rw(pid, true, data + 64, (void *)mem_msg, 8);
	iomd_tap_errno(ret, err_force, "%s: pwrite() to /proc/CHILD/mem", name);
	if (c->writable)
		memcpy(want + dbase + 64, mem_msg, 8);
	memcpy(&word, "pokedata", sizeof(word));
	errno = 0;
	ret = ptrace(PTRACE_POKEDATA, pid, data + 80, (void *)word);
	iomd_tap_errno(ret ? -errno : 0, err_force,
		       "%s: PTRACE_POKEDATA into the child", name);
	if (c->writable)
		memcpy(want + dbase + 80, &word, sizeof(word));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, data + 96, NULL);
	iomd_tap_ok(!errno && !memcmp(&word, want + dbase + 96, sizeof(word)),
		    "%s: PTRACE_PEEKDATA reads the child's view", name);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_case(const struct ro_case *c)
{
	unsigned int end = iomd_tap_count() + CASE_CHECKS;
	size_t len = c->huge ? huge_bytes : NPAGES * page;
	int err_vm = c->writable ? 0 : EFAULT;
	int err_force = c->writable ? 0 : EIO;
	static const char vm_msg[8] = "vmwrite!";
	static const char mem_msg[8] = "memwrite";
	unsigned char *data, *map, *user, *want, *back, buf[8];
	const char *name = c->name;
	struct iomd_map_create m;
	struct map_vma vma;
	uint64_t dbase = 0;
	size_t map_len;
	bool shape, pmd;
	int fd, ret;

	if (c->huge && !huge_bytes) {
		iomd_tap_skip_to(end, no_huge);
		return;
	}
	fd = create(c, len, &user);
	if (fd < 0) {
		iomd_tap_ok(false, "%s: create the descriptor (%s)", name,
			    iomd_errno_name(fd));
		iomd_tap_skip_to(end, "no descriptor");
		if (user)
			munmap(user, len);
		return;
	}
	if (c->how == BY_IOC) {
		ret = iomd_map_create(iomd_fd, fd, c->options, 0, c->offset, 0,
				      &m);
		map = ret ? NULL : (unsigned char *)(uintptr_t)m.map_addr;
		data = ret ? NULL : (unsigned char *)(uintptr_t)m.addr;
		map_len = m.map_length;
		dbase = c->offset;
	} else {
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		ret = map == MAP_FAILED ? -errno : 0;
		map = ret ? NULL : map;
		data = map;
		map_len = len;
	}
	if (!iomd_tap_errno(ret, 0, "%s: map it", name)) {
		iomd_tap_skip_to(end, "map failed");
		goto close_fd;
	}
	want = malloc(len);
	back = malloc(len);
	if (!want || !back)
		iomd_tap_bail("out of memory");
	memcpy(want, ref, len);

	/* Without THP the huge cases fall back to page entries. */
	pmd = c->huge && iomd_test_thp();
	ret = map_vma_find(0, (uintptr_t)map, &vma);
	shape = !ret && !strcmp(vma.perms, c->writable ? "rw-s" : "r--s") &&
		map_vma_flag(&vma, "mw") == c->writable &&
		(pmd ? vma.pmd >= huge : !c->huge || map_vma_paged(&vma));
	if (!iomd_tap_ok(shape, "%s: %s, %s VM_MAYWRITE%s", name,
			 c->writable ? "rw-s" : "r--s",
			 c->writable ? "with" : "without",
			 pmd ? ", PMD entries" :
			 c->huge ? ", no THP: page entries" : ""))
		iomd_tap_diag("perms %s, pmd %llu, KernelPageSize %llu, VmFlags:%s",
			      vma.perms, (unsigned long long)vma.pmd,
			      (unsigned long long)vma.kpage, vma.flags);

	ret = mprotect(map, map_len, PROT_READ | PROT_WRITE) ? -errno : 0;
	iomd_tap_errno(ret, c->writable ? 0 : EACCES,
		       "%s: mprotect(PROT_READ | PROT_WRITE)", name);
	/*
	 * A user descriptor's mapping is a window onto the owner's object:
	 * map_files (CAP_SYS_ADMIN) reopens that object itself, which this
	 * process maps writable already.
	 */
	ret = map_files_writable(map, map_len);
	if (c->flags)
		iomd_tap_ok(c->writable || ret,
			    "%s: /proc/self/map_files gives no writable mapping (%s)",
			    name, iomd_errno_name(ret));
	else
		iomd_tap_errno(ret, 0,
			       "%s: /proc/self/map_files reopens the owner's object",
			       name);
	ret = map_probe_write(data + 8, 'D');
	iomd_tap_eq(ret, c->writable ? 0 : SIGSEGV, "%s: a store (%s)", name,
		    map_sig_name(ret));
	if (c->writable)
		want[dbase + 8] = 'D';

	/* This process writes into itself; the huge cases past folio 0. */
	if (c->huge) {
		data += huge + 100;
		dbase += huge + 100;
	}
	ret = vm_write(getpid(), data + 16, vm_msg, 8);
	iomd_tap_errno(ret, err_vm, "%s: process_vm_writev() into itself",
		       name);
	if (c->writable)
		memcpy(want + dbase + 16, vm_msg, 8);
	ret = mem_rw(0, true, data + 32, (void *)mem_msg, 8);
	iomd_tap_errno(ret, err_force, "%s: pwrite() to /proc/self/mem", name);
	if (c->writable)
		memcpy(want + dbase + 32, mem_msg, 8);
	ret = mem_rw(0, false, data + 40, buf, 8);
	iomd_test_mem(ret, buf, want + dbase + 40, 8,
		      "%s: pread() of /proc/self/mem reads it", name);

	test_child(c, data, want, dbase);

	ret = iomd_kread(iomd_fd, fd, 0, back, len);
	iomd_test_mem(ret, back, want, len, c->writable ?
		      "%s: the kernel sees every write" :
		      "%s: the kernel's bytes are unchanged", name);
	iomd_tap_errno(munmap(map, map_len) ? -errno : 0, 0, "%s: munmap()",
		       name);
	free(want);
	free(back);
close_fd:
	iomd_close(fd);
	if (user)
		munmap(user, len);
}

int main(void)
{
	struct iomd_stats before;
	unsigned int i;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	/* The buffer, its reference copy, the expected bytes, a read-back. */
	huge = map_huge_size();
	huge_bytes = 2 * huge;
	if (!huge) {
		snprintf(no_huge, sizeof(no_huge), "THP without hpage_pmd_size");
	} else if (!map_huge_fits(4 * huge_bytes)) {
		snprintf(no_huge, sizeof(no_huge),
			 "PMD size %zu MiB: four copies of two need more than half of %zu MiB",
			 huge >> 20, map_mem_total() >> 20);
		huge_bytes = 0;
	}
	ref = map_test_start(iomd_fd, PLAN,
			     huge_bytes > NPAGES * page ? huge_bytes :
			     NPAGES * page, SEED, &before);

	for (i = 0; i < NR_CASES; i++)
		test_case(&cases[i]);

	return map_test_finish(iomd_fd, &before, ref);
}
