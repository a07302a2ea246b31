// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the iomd user-space tests; see iomd_test.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/iomd_sample.h>
#include <linux/loop.h>
#include <linux/userfaultfd.h>
#include <linux/udmabuf.h>

#include "iomd_test.h"

bool iomd_test_thp(void)
{
	static const char dir[] = "/sys/kernel/mm/transparent_hugepage";
	static int thp = -1;

	if (thp < 0) {
		thp = access(dir, F_OK) == 0;
		if (!thp)
			iomd_tap_diag("no %s: %s", dir,
				      "no THP, mappings must fall back to page entries");
	}
	return thp;
}

int iomd_test_open(void)
{
	int fd = iomd_open();

	/* No module here: nothing to test, which is not a failure. */
	if (fd == -ENOENT || fd == -ENXIO || fd == -ENODEV)
		iomd_tap_skip_all(iomd_open_error());
	if (fd < 0)
		iomd_tap_bail("%s", iomd_open_error());
	return fd;
}

void iomd_test_stats(int iomd_fd, struct iomd_stats *stats)
{
	int ret = iomd_stats(iomd_fd, stats);
	uid_t euid = geteuid();

	/*
	 * STATS needs CAP_SYS_ADMIN: a test running as an ordinary user
	 * with root as its saved uid looks as root for a moment.
	 */
	if (ret == -EPERM && euid && !seteuid(0)) {
		ret = iomd_stats(iomd_fd, stats);
		if (seteuid(euid))
			iomd_tap_bail("cannot return to uid %u", (unsigned int)euid);
	}
	if (ret < 0)
		iomd_tap_bail("IOMD_IOC_STATS failed: %s", strerror(-ret));
}

bool iomd_test_cache_modes(void)
{
	struct utsname u;

	if (uname(&u))
		iomd_tap_bail("uname: %s", strerror(errno));
	return !strcmp(u.machine, "x86_64") || !strcmp(u.machine, "i686") ||
	       !strcmp(u.machine, "i586") || !strcmp(u.machine, "i386");
}

uint64_t iomd_test_round_pages(uint64_t len)
{
	uint64_t page = iomd_page_size();

	return (len + page - 1) & ~(page - 1);
}

bool iomd_test_reason(int iomd_fd, int fd, int want, const char *what)
{
	char text[256];
	bool pass;
	int got;

	text[0] = '\0';
	got = iomd_test_last_err(iomd_fd, fd, text, sizeof(text));
	pass = got == -want && text[0] != '\0';
	iomd_tap_ok(pass, "%s: reason carries %s and is non-empty", what,
		    iomd_errno_name(want));
	if (!pass)
		iomd_tap_diag("expected errno %s with text, got %s%s (%d) \"%s\"",
			      iomd_errno_name(want),
			      got == INT_MIN ? "failure " : "",
			      iomd_errno_name(got), got, text);
	return pass;
}

int iomd_test_last_err(int iomd_fd, int fd, char *buf, size_t size)
{
	int err = 0;

	if (iomd_reason(iomd_fd, fd, &err, buf, size))
		return INT_MIN;
	return err;
}

void iomd_test_fails(int iomd_fd, int reason_fd, int got, int want,
		     const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	iomd_tap_errno(got, want, "%s fails with %s", what,
		       iomd_errno_name(want));
	iomd_test_reason(iomd_fd, reason_fd, want, what);
}

/* Print up to 48 bytes of @s, escaping what is not printable. */
static void iomd_test_quote(char *out, size_t size, const char *s)
{
	size_t n = 0, i;

	for (i = 0; s[i] && i < 48 && n + 5 < size; i++) {
		if (s[i] >= ' ' && s[i] <= '~')
			out[n++] = s[i];
		else
			n += snprintf(out + n, size - n, "\\x%02x",
				      (unsigned char)s[i]);
	}
	out[n] = '\0';
}

bool iomd_test_str(int ret, const char *got, const char *want,
		   const char *fmt, ...)
{
	bool pass = ret >= 0 && !strcmp(got, want);
	char what[200], q[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	iomd_tap_ok(pass, "%s", what);
	if (pass)
		return true;
	if (ret < 0) {
		iomd_tap_diag("expected \"%s\", but the operation failed with %s",
			      want, iomd_errno_name(ret));
	} else {
		iomd_test_quote(q, sizeof(q), got);
		iomd_tap_diag("expected \"%s\", got \"%s\"", want, q);
	}
	return false;
}

bool iomd_test_mem(int ret, const void *got, const void *want, size_t len,
		   const char *fmt, ...)
{
	const unsigned char *g = got, *w = want;
	char what[200];
	va_list ap;
	size_t i;

	for (i = 0; ret >= 0 && i < len; i++)
		if (g[i] != w[i])
			break;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	iomd_tap_ok(ret >= 0 && i == len, "%s", what);
	if (ret < 0)
		iomd_tap_diag("the operation failed with %s",
			      iomd_errno_name(ret));
	else if (i < len)
		iomd_tap_diag("at byte %zu of %zu expected 0x%02x, got 0x%02x",
			      i, len, w[i], g[i]);
	return ret >= 0 && i == len;
}

/*
 * The pattern is made of 64-bit words, each a hash of its index and the
 * seed, so that bytes from a wrong page, a wrong offset or a wrong buffer
 * do not match by accident.
 */
static uint64_t iomd_test_word(uint64_t index, uint64_t seed)
{
	uint64_t x = (index + 1) * 0x9e3779b97f4a7c15ull ^ seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 29);
}

void iomd_test_fill(void *p, size_t len, uint64_t seed)
{
	unsigned char *dst = p;
	size_t i, n;
	uint64_t w;

	for (i = 0; i < len; i += n) {
		w = iomd_test_word(i / 8, seed);
		n = len - i < 8 ? len - i : 8;
		memcpy(dst + i, &w, n);
	}
}

int iomd_test_buffer_filled(int iomd_fd, size_t len, uint32_t flags,
			    const void *bytes)
{
	int fd = iomd_buffer_create(iomd_fd, len, 0, flags);
	int ret;

	if (fd < 0)
		return fd;
	ret = iomd_kwrite(iomd_fd, fd, 0, bytes, len);
	if (ret) {
		iomd_close(fd);
		return ret;
	}
	return fd;
}

size_t iomd_test_check(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *src = p;
	size_t i, j, n;
	uint64_t w;

	for (i = 0; i < len; i += n) {
		w = iomd_test_word(i / 8, seed);
		n = len - i < 8 ? len - i : 8;
		if (memcmp(src + i, &w, n) == 0)
			continue;
		for (j = 0; j < n; j++)
			if (src[i + j] != ((unsigned char *)&w)[j])
				return i + j;
	}
	return len;
}

size_t iomd_test_nonzero(const void *p, size_t len)
{
	const unsigned char *src = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (src[i])
			return i;
	return len;
}

void iomd_test_settle(int iomd_fd, uint64_t descs, uint64_t bytes,
		      struct iomd_stats *stats)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200; i++) {
		iomd_test_stats(iomd_fd, stats);
		if (stats->live_descriptors == descs &&
		    stats->live_bytes == bytes)
			return;
		nanosleep(&tick, NULL);
	}
}

void iomd_test_no_leaks(int iomd_fd, const struct iomd_stats *before)
{
	struct iomd_stats st;

	iomd_test_settle(iomd_fd, before->live_descriptors, before->live_bytes,
			 &st);
	iomd_tap_eq(st.live_descriptors, before->live_descriptors,
		    "no live descriptor left");
	iomd_tap_eq(st.live_bytes, before->live_bytes, "no live bytes left");
}

int iomd_test_sample_export(unsigned int memory, size_t size, size_t offset)
{
	struct iomd_sample_export e = {
		.memory = memory, .size = size, .offset = offset,
	};
	int sfd, ret;

	sfd = open("/dev/" IOMD_SAMPLE_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	ret = ioctl(sfd, IOMD_SAMPLE_IOC_EXPORT, &e) ? -errno : (int)e.fd;
	close(sfd);
	return ret;
}

int iomd_test_udmabuf(size_t len, uint64_t seed, int *memfd)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC };
	int dev, mfd, ret;
	void *p;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	/* udmabuf takes only memfds that cannot shrink under it. */
	mfd = memfd_create("iomd-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0 || ftruncate(mfd, len) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ret = -errno;
		goto close_dev;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto close_dev;
	}
	iomd_test_fill(p, len, seed);
	munmap(p, len);
	c.memfd = mfd;
	c.size = len;
	ret = ioctl(dev, UDMABUF_CREATE, &c);
	if (ret < 0) {
		ret = -errno;
		goto close_dev;
	}
	*memfd = mfd;
	close(dev);
	return ret;

close_dev:
	if (mfd >= 0)
		close(mfd);
	close(dev);
	return ret;
}

int iomd_test_dma_heap(size_t len, unsigned int fd_flags)
{
	struct dma_heap_allocation_data a = {
		.len = len, .fd_flags = fd_flags | O_CLOEXEC,
	};
	int heap, ret;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) ? -errno : (int)a.fd;
	close(heap);
	return ret;
}

int iomd_test_import(int iomd_fd, int dmabuf_fd, unsigned int checks,
		     const char *why, const char *what)
{
	int fd;

	if (dmabuf_fd == -ENOENT) {
		iomd_tap_skip_to(iomd_tap_count() + checks, why);
		return -1;
	}
	if (dmabuf_fd < 0)
		iomd_tap_bail("%s: %s", what, strerror(-dmabuf_fd));
	fd = iomd_import_dmabuf(iomd_fd, dmabuf_fd, 0);
	iomd_tap_errno(fd, 0, "%s imports", what);
	if (fd < 0)
		iomd_tap_bail("import of %s: %s", what, strerror(-fd));
	return fd;
}

int iomd_test_dmabuf_begin(unsigned int plan, struct iomd_stats *before)
{
	int iomd_fd = iomd_test_open();
	int b, d;

	iomd_tap_plan(plan);
	iomd_test_stats(iomd_fd, before);
	b = iomd_buffer_create(iomd_fd, iomd_page_size(), 0,
			       IOMD_TEST_SHARED_INOUT);
	d = b < 0 ? b : iomd_export_dmabuf(iomd_fd, b, 0);
	if (d >= 0)
		close(d);
	if (b >= 0)
		close(b);
	if (d != -EOPNOTSUPP)
		return iomd_fd;
	iomd_tap_skip_to(plan - 2,
			 "this kernel has no dma-buf support (CONFIG_DMA_SHARED_BUFFER)");
	iomd_test_no_leaks(iomd_fd, before);
	exit(iomd_tap_finish());
}

void *iomd_test_malloc(size_t len)
{
	void *p = malloc(len);

	if (!p)
		iomd_tap_bail("out of memory for %zu bytes", len);
	return p;
}

void *iomd_test_mmap(size_t len, int prot, int flags, int fd)
{
	void *p;

	if (fd < 0)
		flags |= MAP_ANONYMOUS;
	p = mmap(NULL, len, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		iomd_tap_bail("mmap of %zu bytes (fd %d): %s", len, fd,
			      strerror(errno));
	return p;
}

void *iomd_test_anon(size_t len, int flags)
{
	return iomd_test_mmap(len, PROT_READ | PROT_WRITE, flags, -1);
}

int iomd_test_memfd(const char *name, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, len))
		iomd_tap_bail("memfd %s: %s", name, strerror(errno));
	return fd;
}

struct iomd_range iomd_test_range(const void *addr, uint64_t len)
{
	struct iomd_range r = { .addr = (uintptr_t)addr, .length = len };

	return r;
}

uint64_t iomd_test_status_bytes(const char *field)
{
	uint64_t bytes = UINT64_MAX;
	size_t n = strlen(field);
	unsigned long long kb;
	char line[128];
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return bytes;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%llu kB", &kb) == 1) {
			bytes = kb * 1024;
			break;
		}
	}
	fclose(f);
	return bytes;
}

uint64_t iomd_test_vm_pin(void)
{
	uint64_t bytes = iomd_test_status_bytes("VmPin");

	if (bytes == UINT64_MAX)
		iomd_tap_bail("no VmPin in /proc/self/status");
	return bytes;
}

uint64_t iomd_test_pinned_pages(int iomd_fd)
{
	struct iomd_stats st;

	iomd_test_stats(iomd_fd, &st);
	return st.pinned_pages;
}

uint64_t iomd_test_live_descriptors(int iomd_fd)
{
	struct iomd_stats st;

	iomd_test_stats(iomd_fd, &st);
	return st.live_descriptors;
}

int iomd_test_wait(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

bool iomd_test_child_ok(pid_t pid, const char *fmt, ...)
{
	int status = -1;
	char what[200];
	va_list ap;
	bool pass;

	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	pass = pid > 0 && status != -1 && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!iomd_tap_ok(pass, "%s", what))
		iomd_tap_diag("fork %d, wait status 0x%x", (int)pid, status);
	return pass;
}

static sigjmp_buf iomd_test_fault_jmp;

static void iomd_test_fault(int sig)
{
	siglongjmp(iomd_test_fault_jmp, sig);
}

/* Copy *@v to *@p (@write) or *@p to *@v, catching SIGBUS and SIGSEGV. */
static int iomd_test_access(unsigned char *p, unsigned char *v, bool write)
{
	struct sigaction sa = { .sa_handler = iomd_test_fault }, old_bus,
			 old_segv;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(iomd_test_fault_jmp, 1);
	if (!sig) {
		/* Atomic accesses: the compiler must make exactly this one. */
		if (write)
			__atomic_store_n(p, *v, __ATOMIC_RELAXED);
		else
			*v = __atomic_load_n(p, __ATOMIC_RELAXED);
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

int iomd_test_peek(const unsigned char *p, unsigned char *out)
{
	return iomd_test_access((unsigned char *)p, out, false);
}

int iomd_test_poke(unsigned char *p, unsigned char v)
{
	return iomd_test_access(p, &v, true);
}

int iomd_test_loop_attach(int file, char *path, size_t size)
{
	int ctl, nr, fd, ret = 0;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (nr < 0)
		ret = -errno;
	close(ctl);
	if (ret)
		return ret;
	snprintf(path, size, "/dev/loop%d", nr);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, LOOP_SET_FD, file)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

void iomd_test_loop_detach(int loop)
{
	ioctl(loop, LOOP_CLR_FD, 0);
	close(loop);
}

static void *iomd_test_call_thread(void *arg)
{
	struct iomd_test_call *c = arg;

	if (c->cmd)
		c->ret = iomd_ioctl(c->iomd_fd, c->cmd, c->arg);
	else
		c->ret = iomd_prepare(c->iomd_fd, c->fd);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void iomd_test_call_start(struct iomd_test_call *c)
{
	c->ret = 0;
	c->done = 0;
	if (pthread_create(&c->thread, NULL, iomd_test_call_thread, c))
		iomd_tap_bail("pthread_create failed");
}

void iomd_test_wire_start(struct iomd_test_call *c, int iomd_fd, int fd)
{
	c->iomd_fd = iomd_fd;
	c->fd = fd;
	c->cmd = 0;
	c->arg = NULL;
	iomd_test_call_start(c);
}

void iomd_test_ioctl_start(struct iomd_test_call *c, int iomd_fd,
			   unsigned long cmd, void *arg)
{
	c->iomd_fd = iomd_fd;
	c->fd = -1;
	c->cmd = cmd;
	c->arg = arg;
	iomd_test_call_start(c);
}

bool iomd_test_call_done(struct iomd_test_call *c)
{
	return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);
}

int iomd_test_call_join(struct iomd_test_call *c)
{
	pthread_join(c->thread, NULL);
	return c->ret;
}

int iomd_test_uffd_watch(void *addr, size_t len, uint64_t mode)
{
	struct uffdio_register reg = { .mode = mode };
	struct uffdio_api api = { .api = UFFD_API };
	int fd;

	/* Non-blocking: poll() of a blocking userfaultfd is POLLERR. */
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	reg.range.start = (uintptr_t)addr;
	reg.range.len = len;
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		close(fd);
		return -errno;
	}
	return fd;
}

int iomd_test_uffd_fault(int uffd, struct iomd_test_call *c, int timeout_ms,
			 uint64_t *addr)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 10) {
		if (poll(&pfd, 1, 10) == 1 &&
		    read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT) {
			*addr = msg.arg.pagefault.address;
			return 1;
		}
		if (c && iomd_test_call_done(c))
			return 0;
	}
	return -1;
}
