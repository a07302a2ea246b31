// SPDX-License-Identifier: GPL-2.0
/*
 * map_interop: iomd mappings as the user buffers of O_DIRECT and io_uring.
 *
 * iomd maps struct pages, so get_user_pages()/pin_user_pages() work on
 * its mappings and direct I/O lands in the descriptor's memory.  A tmpfs
 * file holds the reference bytes; it is read with O_DIRECT straight (on
 * kernels whose tmpfs has O_DIRECT, 6.6 and later; older ones refuse the
 * open with EINVAL) and through a loop device over it, whose O_DIRECT
 * reads are block I/O into the pinned pages.  Each read goes into a
 * prefaulted mapping, an on-demand one (nothing installed yet), and a
 * buffer of two PMD sizes (4 MiB with 4 KiB pages, 64 MiB with 16 KiB)
 * mapped with PMD entries (without transparent huge pages: with page
 * entries, the fallback), skipped where it does not fit in half the
 * machine's memory several times over (2 x 512 MiB with 64 KiB pages in a
 * small VM); the kernel's view of the descriptor (IOMD_IOC_KREAD) must
 * then be the file's bytes.  An O_DIRECT write from an IOMD_MAP_READONLY
 * mapping writes the descriptor's bytes.
 *
 * io_uring: a plain IORING_OP_READ (O_DIRECT, loop device) into a mapping
 * works on every kernel, and one in flight when the descriptor is revoked
 * completes (its pages were pinned) or fails with EFAULT, harmlessly.
 * io_uring_register_buffers() of a mapping behaves as it does for a
 * private mapping of the loop device (a file mapping that is neither
 * shmem nor hugetlbfs): kernels before 6.5 refuse
 * every such buffer with EOPNOTSUPP, whatever the memory; later ones take
 * it, and IORING_OP_READ_FIXED then fills the descriptor.  The registered
 * buffer outlives the mapping and the descriptor fd: the descriptor is
 * freed, its pages stay with io_uring until unregistered, and a read into
 * them then is harmless.  Nothing is left behind.
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomd_test.h"
#include "map_common.h"

#define LEN		(64UL << 10)	/* bytes of the small reads */
#define FILE_PATH	"/tmp/map_interop.data"
#define SEED		0x696e7465ull	/* "inte" */
#define STALE_SEED	0x7374616cull	/* "stal" */
#define RO_SEED		0x726f6d70ull	/* "romp" */

/* Why parts are skipped on older kernels. */
#define TMPFS_NO_DIRECT	\
	"tmpfs refuses O_DIRECT (EINVAL): it has none before Linux 6.6; " \
	"the loop device covers O_DIRECT"
#define URING_NO_FILE_BUFFERS \
	"this kernel's io_uring takes no fixed buffers from file mappings " \
	"other than shmem and hugetlbfs (before Linux 6.5)"

#define READ_CHECKS	3
#define WRITE_CHECKS	3
#define SOURCE_CHECKS	(3 * READ_CHECKS + WRITE_CHECKS)
#define URING_CHECKS	14
#define PLAN	(1 + 2 * SOURCE_CHECKS + 1 + URING_CHECKS + 2)

static int iomd_fd;
static size_t page;
/* The PMD size, and the bytes of the huge buffer: two of them, or 0. */
static size_t huge;
static size_t huge_bytes;
/* Why there is no huge buffer, when huge_bytes is 0. */
static char no_huge[160];
/* File offset of the O_DIRECT write, after what the reads read. */
static size_t write_at;
static size_t file_bytes;
static unsigned char *file_ref;	/* the file's bytes */
static unsigned char *stale;	/* what buffers hold before a read */

/* A buffer of @len stale bytes, and its mapping with @options. */
static int stale_buffer(size_t len, uint32_t options,
			struct iomd_map_create *m)
{
	int fd, ret;

	if (huge && len >= huge)
		map_compact_memory();
	fd = iomd_test_buffer_filled(iomd_fd, len, IOMD_TEST_SHARED_INOUT,
				     stale);
	if (fd < 0)
		iomd_tap_bail("cannot create and fill a %zu-byte buffer", len);
	ret = iomd_map_create(iomd_fd, fd, options, 0, 0, 0, m);
	if (ret) {
		iomd_close(fd);
		return ret;
	}
	return fd;
}

/* Report one check: the kernel's view of @fd is @want for @len bytes. */
static __printf(4, 5) bool kernel_sees(int fd, const void *want, size_t len,
				       const char *fmt, ...)
{
	unsigned char *back = malloc(len);
	char what[160];
	va_list ap;
	bool ok;
	int ret;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!back)
		iomd_tap_bail("out of memory");
	ret = iomd_kread(iomd_fd, fd, 0, back, len);
	ok = iomd_test_mem(ret, back, want, len, "%s", what);
	free(back);
	return ok;
}

/* pread() of @len bytes from @off: 0, -errno, or the short count. */
static int read_all(int fd, void *buf, size_t len, off_t off)
{
	ssize_t got = pread(fd, buf, len, off);

	if (got < 0)
		return -errno;
	return got == (ssize_t)len ? 0 : (int)got;
}

/*
 * O_DIRECT read of @len bytes of @src into a fresh mapping with @options:
 * READ_CHECKS checks.
 */
static void read_into(const char *name, int src, size_t len,
		      uint32_t options, const char *kind)
{
	unsigned int end = iomd_tap_count() + READ_CHECKS;
	struct iomd_map_create m;
	struct map_vma vma;
	bool shape, pmd;
	int fd;

	fd = stale_buffer(len, options, &m);
	if (fd < 0) {
		iomd_tap_errno(fd, 0, "%s: map a %s buffer", name, kind);
		iomd_tap_skip_to(end, "map failed");
		return;
	}
	map_vma_find(0, m.map_addr, &vma);
	/* Without THP a large buffer falls back to page entries. */
	pmd = huge && len >= huge && iomd_test_thp();
	if (pmd)
		shape = vma.pmd >= huge;	/* folios that came cheaply */
	else if (options & IOMD_MAP_ONDEMAND)
		shape = vma.rss == 0;
	else
		shape = vma.rss == len && map_vma_paged(&vma);
	if (!iomd_tap_ok(shape, "%s: map a %s buffer (%s)", name, kind,
			 pmd ? "PMD entries" :
			 options & IOMD_MAP_ONDEMAND ? "nothing installed" :
			 huge && len >= huge ?
			 "no THP: all installed, page entries" :
			 "all installed, page entries"))
		iomd_tap_diag("rss %llu, pmd %llu, KernelPageSize %llu",
			      (unsigned long long)vma.rss,
			      (unsigned long long)vma.pmd,
			      (unsigned long long)vma.kpage);
	iomd_tap_errno(read_all(src, (void *)(uintptr_t)m.addr, len, 0), 0,
		       "%s: O_DIRECT read of %zu bytes into it", name, len);
	kernel_sees(fd, file_ref, len, "%s: the kernel's view of it is the file's bytes",
		    name);
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);
}

/*
 * O_DIRECT write from an IOMD_MAP_READONLY mapping to the file at
 * write_at; @file is the tmpfs file: WRITE_CHECKS checks.
 */
static void write_from(const char *name, int src, int file)
{
	unsigned int end = iomd_tap_count() + WRITE_CHECKS;
	unsigned char *want, *back;
	struct iomd_map_create m;
	int fd, ret;

	want = malloc(LEN);
	back = malloc(LEN);
	if (!want || !back)
		iomd_tap_bail("out of memory");
	iomd_test_fill(want, LEN, RO_SEED);
	fd = iomd_test_buffer_filled(iomd_fd, LEN, IOMD_TEST_SHARED_INOUT, want);
	if (fd < 0)
		iomd_tap_bail("cannot create and fill a buffer");
	ret = iomd_map_create(iomd_fd, fd, IOMD_MAP_READONLY, 0, 0, 0, &m);
	if (!iomd_tap_errno(ret, 0, "%s: IOMD_MAP_READONLY mapping", name)) {
		iomd_tap_skip_to(end, "map failed");
		goto out;
	}
	ret = pwrite(src, (void *)(uintptr_t)m.addr, LEN, write_at);
	ret = ret < 0 ? -errno : ret == (int)LEN ? 0 : ret;
	iomd_tap_errno(ret, 0, "%s: O_DIRECT write of %lu bytes from it", name,
		       LEN);
	memset(back, 0, LEN);
	ret = read_all(file, back, LEN, write_at);
	iomd_test_mem(ret, back, want, LEN,
		      "%s: the file holds the descriptor's bytes", name);
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	/* Put the file's bytes back for the next reader. */
	if (pwrite(file, file_ref + write_at, LEN, write_at) != (ssize_t)LEN)
		iomd_tap_bail("cannot restore the file");
out:
	iomd_close(fd);
	free(want);
	free(back);
}

/* The O_DIRECT checks through @src (an fd opened with O_DIRECT). */
static void test_source(const char *name, int src, int file)
{
	read_into(name, src, LEN, 0, "prefaulted");
	read_into(name, src, LEN, IOMD_MAP_ONDEMAND, "on-demand");
	if (huge_bytes) {
		char kind[32];

		snprintf(kind, sizeof(kind), "%zu MiB", huge_bytes >> 20);
		read_into(name, src, huge_bytes, 0, kind);
	} else {
		iomd_tap_skip_to(iomd_tap_count() + READ_CHECKS, no_huge);
	}
	write_from(name, src, file);
}

/* The tmpfs file itself with O_DIRECT, on kernels whose tmpfs has it. */
static void test_tmpfs(int file)
{
	unsigned int end = iomd_tap_count() + SOURCE_CHECKS;
	int src;

	src = open(FILE_PATH, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (src < 0 && errno == EINVAL) {
		iomd_tap_skip_to(end, TMPFS_NO_DIRECT);
		return;
	}
	if (src < 0) {
		iomd_tap_errno(-errno, 0, "tmpfs: open with O_DIRECT");
		iomd_tap_skip_to(end, "open failed");
		return;
	}
	test_source("tmpfs", src, file);
	close(src);
}

/* Submit one prepared request and wait: its result. */
static int uring_run(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* An O_DIRECT read of LEN bytes from @off at @src, fixed or not. */
static int uring_read(struct io_uring *ring, int src, void *buf, off_t off,
		      bool fixed)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	int ret;

	if (!sqe)
		return -EBUSY;
	if (fixed)
		io_uring_prep_read_fixed(sqe, src, buf, LEN, off, 0);
	else
		io_uring_prep_read(sqe, src, buf, LEN, off);
	ret = uring_run(ring);
	return ret < 0 ? ret : ret == (int)LEN ? 0 : ret;
}

/*
 * Submit an O_DIRECT read of LEN bytes into @buf, a mapping of @fd,
 * revoke @fd, then reap the read: its result (0 for all of it).
 */
static int uring_revoke_in_flight(struct io_uring *ring, int src, int fd,
				  void *buf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, src, buf, LEN, 0);
	if (io_uring_submit(ring) != 1)
		return -EIO;
	ret = iomd_revoke(iomd_fd, fd);
	if (ret)
		iomd_tap_diag("IOMD_IOC_REVOKE: %s", iomd_errno_name(ret));
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret < 0 ? ret : ret == (int)LEN ? 0 : ret;
}

/*
 * Whether this kernel's io_uring takes a fixed buffer from a file
 * mapping that is neither shmem nor hugetlbfs: 0, or its refusal.  A
 * private mapping of the loop device is one.
 */
static int uring_file_buffers(struct io_uring *ring, int loop)
{
	struct iovec iov;
	void *p;
	int ret;

	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, loop, 0);
	if (p == MAP_FAILED)
		return -errno;
	iov.iov_base = p;
	iov.iov_len = LEN;
	ret = io_uring_register_buffers(ring, &iov, 1);
	if (!ret)
		io_uring_unregister_buffers(ring);
	munmap(p, LEN);
	return ret;
}

static void test_uring(int src, int loop, const struct iomd_stats *before)
{
	unsigned int end = iomd_tap_count() + URING_CHECKS;
	struct iomd_map_create m;
	struct io_uring ring;
	struct iovec iov;
	int fd, ret, ref_ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (!iomd_tap_errno(ret, 0, "io_uring: a ring")) {
		iomd_tap_skip_to(end, "no io_uring");
		return;
	}

	/* A plain read: the pages are pinned for the one request. */
	fd = stale_buffer(LEN, IOMD_MAP_ONDEMAND, &m);
	if (fd < 0)
		iomd_tap_bail("cannot map a buffer");
	ret = uring_read(&ring, src, (void *)(uintptr_t)m.addr, 0, false);
	iomd_tap_errno(ret, 0, "io_uring: O_DIRECT IORING_OP_READ into an on-demand mapping");
	kernel_sees(fd, file_ref, LEN, "io_uring: the kernel's view is the file's bytes");

	/*
	 * Revoked while a read into the mapping is in flight: the read
	 * pinned the pages when it was issued (or, issued after the zap,
	 * faults and fails), and lands in memory that stays allocated.
	 */
	ret = uring_revoke_in_flight(&ring, src, fd, (void *)(uintptr_t)m.addr);
	iomd_tap_ok(ret == 0 || ret == -EFAULT,
		    "io_uring: an O_DIRECT read in flight across IOMD_IOC_REVOKE completes or gets EFAULT (%s)",
		    iomd_errno_name(ret));
	munmap((void *)(uintptr_t)m.map_addr, m.map_length);
	iomd_close(fd);

	/* Fixed buffers. */
	fd = stale_buffer(LEN, 0, &m);
	if (fd < 0)
		iomd_tap_bail("cannot map a buffer");
	ref_ret = uring_file_buffers(&ring, loop);
	iomd_tap_ok(!ref_ret || ref_ret == -EOPNOTSUPP,
		    "io_uring: a private mapping of the loop device registers, or this io_uring refuses file mappings (%s)",
		    iomd_errno_name(ref_ret));
	iov.iov_base = (void *)(uintptr_t)m.addr;
	iov.iov_len = LEN;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	iomd_tap_eq(ret, ref_ret,
		    "io_uring: io_uring_register_buffers() of the mapping: %s, as for other file mappings",
		    iomd_errno_name(ret));
	if (ret) {
		munmap((void *)(uintptr_t)m.map_addr, m.map_length);
		iomd_close(fd);
		io_uring_queue_exit(&ring);
		iomd_tap_skip_to(end, ret == -EOPNOTSUPP ? URING_NO_FILE_BUFFERS :
				 "registration failed");
		return;
	}
	ret = uring_read(&ring, src, iov.iov_base, 0, true);
	iomd_tap_errno(ret, 0, "io_uring: O_DIRECT IORING_OP_READ_FIXED into it");
	kernel_sees(fd, file_ref, LEN, "io_uring: the kernel's view is the file's bytes");
	/* A second fixed read, from further on, into the same pages. */
	ret = uring_read(&ring, src, iov.iov_base, LEN, true);
	iomd_tap_errno(ret, 0, "io_uring: a second IORING_OP_READ_FIXED");
	kernel_sees(fd, file_ref + LEN, LEN, "io_uring: the kernel sees the second read's bytes");

	/* The registration outlives the mapping and the descriptor. */
	iomd_tap_errno(munmap((void *)(uintptr_t)m.map_addr, m.map_length) ?
		       -errno : 0, 0, "io_uring: munmap() the registered mapping");
	iomd_close(fd);
	{
		struct iomd_stats st;

		iomd_test_settle(iomd_fd, before->live_descriptors,
				 before->live_bytes, &st);
		iomd_tap_eq(st.live_descriptors, before->live_descriptors,
			    "io_uring: closing the fd frees the descriptor while registered");
	}
	ret = uring_read(&ring, src, iov.iov_base, 0, true);
	iomd_tap_errno(ret, 0,
		       "io_uring: READ_FIXED into the registered pages still works, harmlessly");
	iomd_tap_errno(io_uring_unregister_buffers(&ring), 0,
		       "io_uring: unregister the buffer");
	io_uring_queue_exit(&ring);
}

int main(void)
{
	struct iomd_stats before;
	char loop_path[32];
	int file, loop, src;

	page = iomd_page_size();
	iomd_fd = iomd_test_open();
	iomd_tap_plan(PLAN);
	map_probe_init();
	/*
	 * The huge buffer, and as much again in the file, its reference
	 * copy, the stale bytes and the read-back.
	 */
	huge = map_huge_size();
	huge_bytes = 2 * huge;
	if (!huge) {
		snprintf(no_huge, sizeof(no_huge), "THP without hpage_pmd_size");
		huge_bytes = 0;
	} else if (!map_huge_fits(5 * huge_bytes)) {
		snprintf(no_huge, sizeof(no_huge),
			 "PMD size %zu MiB: a buffer of two, its file, copies and read-back need more than half of %zu MiB",
			 huge >> 20, map_mem_total() >> 20);
		huge_bytes = 0;
	}
	write_at = huge_bytes > LEN ? huge_bytes : LEN;
	file_bytes = write_at + LEN;
	file_ref = malloc(file_bytes);
	stale = malloc(write_at);
	if (!file_ref || !stale)
		iomd_tap_bail("out of memory");
	iomd_test_fill(file_ref, file_bytes, SEED);
	iomd_test_fill(stale, write_at, STALE_SEED);
	iomd_test_stats(iomd_fd, &before);

	file = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (file < 0 ||
	    pwrite(file, file_ref, file_bytes, 0) != (ssize_t)file_bytes)
		iomd_tap_bail("cannot write %s: %s", FILE_PATH, strerror(errno));
	iomd_tap_ok(true, "a %zu-byte tmpfs file holds the reference bytes",
		    file_bytes);

	test_tmpfs(file);

	loop = iomd_test_loop_attach(file, loop_path, sizeof(loop_path));
	src = loop < 0 ? loop :
	      open(loop_path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (src < 0 && loop >= 0)
		src = -errno;
	if (!iomd_tap_errno(src, 0, "a loop device over the file, opened O_DIRECT")) {
		iomd_tap_skip_to(iomd_tap_count() + SOURCE_CHECKS + URING_CHECKS,
				 "no loop device");
	} else {
		test_source("loop", src, file);
		test_uring(src, loop, &before);
		close(src);
	}
	if (loop >= 0)
		iomd_test_loop_detach(loop);
	close(file);
	unlink(FILE_PATH);

	iomd_test_no_leaks(iomd_fd, &before);
	free(file_ref);
	free(stale);
	iomd_close(iomd_fd);
	return iomd_tap_finish();
}
