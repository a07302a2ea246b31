// SPDX-License-Identifier: GPL-2.0
/*
 * Case 5: a process hands messages (1 MiB by default) to the kernel,
 * which reads every byte (a checksum stands for the driver's work).
 *
 *  - shared iomd buffer: the process writes the message into a mapped
 *    iomd buffer and tells the kernel where it is
 *    (IOMD_BENCH_IOC_CONSUME); the kernel reads it in place.
 *  - write(): the process writes the message into its own memory and
 *    write()s it to /dev/iomd_bench, which copies it into a kernel buffer
 *    (copy_from_user) and reads it there.
 *
 * Producing the message costs the same on both sides and is not timed:
 * only the hand-over (the system call and the kernel's reading) is.  The
 * kernel's checksum of every message is checked against the one the
 * producer computed.  Under TCG a copy is cheaper, relative to the rest,
 * than on hardware, so this understates iomd's advantage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libiomd.h"
#include "kernel/iomd_bench.h"
#include "bench.h"

#define IOMD_BENCH_DEV		"/dev/" IOMD_BENCH_DEVICE_NAME

/**
 * struct iomd_bench_xchg - state of one exchange measurement
 * @sink:	/dev/iomd_bench.
 * @dev:	/dev/iomd (shared-buffer side), else -1.
 * @buf:	descriptor fd of the shared buffer, else -1.
 * @msg:	where the producer writes a message.
 * @size:	bytes per message.
 */
struct iomd_bench_xchg {
	int sink;
	int dev;
	int buf;
	uint64_t *msg;
	size_t size;
};

/* Write message number @seq; returns its checksum as the kernel sums. */
static uint64_t iomd_bench_produce(uint64_t *msg, size_t size, uint64_t seq)
{
	size_t i, n = size / sizeof(*msg);
	uint64_t v = seq * 0x9e3779b97f4a7c15ull, sum = 0;

	for (i = 0; i < n; i++) {
		v += 0x632be59bd9b4e019ull;
		msg[i] = v;
		sum += v;
	}
	return sum;
}

/* Hand one message over; fills @sum with the kernel's checksum. */
static int iomd_bench_hand_over(struct iomd_bench_xchg *x, uint64_t *sum)
{
	struct iomd_bench_consume arg;
	ssize_t n;

	if (x->buf >= 0) {
		memset(&arg, 0, sizeof(arg));
		arg.fd = x->buf;
		arg.length = x->size;
		if (ioctl(x->sink, IOMD_BENCH_IOC_CONSUME, &arg))
			return iomd_bench_fail("IOMD_BENCH_IOC_CONSUME");
		*sum = arg.sum;
		return 0;
	}
	n = write(x->sink, x->msg, x->size);
	if (n != (ssize_t)x->size)
		return iomd_bench_fail("write of %zu bytes returned %zd",
				       x->size, n);
	if (ioctl(x->sink, IOMD_BENCH_IOC_LAST_SUM, sum))
		return iomd_bench_fail("IOMD_BENCH_IOC_LAST_SUM");
	return 0;
}

/*
 * One untimed message first (the kernel's buffer and mappings are set
 * up on first use), then the timed ones.  Only the hand-over is timed.
 */
static int iomd_bench_exchange(struct iomd_bench_xchg *x,
			       struct iomd_bench_sample *s)
{
	unsigned int i, count = iomd_bench_opts.msg_count;
	uint64_t want, got, t0, ns = 0;
	int ret;

	for (i = 0; i <= count; i++) {
		want = iomd_bench_produce(x->msg, x->size, i);
		t0 = iomd_bench_now_ns();
		ret = iomd_bench_hand_over(x, &got);
		if (i)
			ns += iomd_bench_now_ns() - t0;
		if (ret)
			return ret;
		if (got != want) {
			errno = 0;
			return iomd_bench_fail("message %u: kernel checksum %#llx, expected %#llx",
					       i, (unsigned long long)got,
					       (unsigned long long)want);
		}
	}
	s->ns = ns;
	s->units = count;
	return 0;
}

static int iomd_bench_xchg_open(struct iomd_bench_xchg *x, size_t size)
{
	x->size = size;
	x->dev = -1;
	x->buf = -1;
	x->msg = NULL;
	if (size % sizeof(uint64_t)) {
		errno = EINVAL;
		return iomd_bench_fail("message size %zu is not a multiple of 8",
				       size);
	}
	x->sink = open(IOMD_BENCH_DEV, O_RDWR | O_CLOEXEC);
	if (x->sink < 0)
		return iomd_bench_fail("open %s (is iomd_bench.ko loaded?)",
				       IOMD_BENCH_DEV);
	return 0;
}

static void iomd_bench_xchg_close(struct iomd_bench_xchg *x)
{
	if (x->msg)
		munmap(x->msg, x->size);
	if (x->buf >= 0)
		close(x->buf);
	if (x->dev >= 0)
		close(x->dev);
	close(x->sink);
}

static int iomd_bench_xchg_iomd(const struct iomd_bench_case *c, size_t size,
				struct iomd_bench_sample *s)
{
	struct iomd_bench_xchg x;
	void *p;
	int ret;

	ret = iomd_bench_xchg_open(&x, size);
	if (ret)
		return ret;
	x.dev = iomd_open();
	if (x.dev < 0) {
		errno = -x.dev;
		ret = iomd_bench_fail("open %s", IOMD_DEVICE_PATH);
		goto out;
	}
	x.buf = iomd_buffer_create(x.dev, size, 0,
				   IOMD_DIR_OUT | IOMD_BUF_KERNEL_USER_SHARED);
	if (x.buf < 0) {
		errno = -x.buf;
		ret = iomd_bench_fail("create a %zu-byte buffer", size);
		goto out;
	}
	ret = iomd_map(x.buf, 0, size, PROT_READ | PROT_WRITE, &p);
	if (ret) {
		errno = -ret;
		ret = iomd_bench_fail("map the %zu-byte buffer", size);
		goto out;
	}
	x.msg = p;
	ret = iomd_bench_exchange(&x, s);
out:
	iomd_bench_xchg_close(&x);
	return ret;
}

static int iomd_bench_xchg_write(const struct iomd_bench_case *c,
				 size_t size, struct iomd_bench_sample *s)
{
	struct iomd_bench_xchg x;
	void *p;
	int ret;

	ret = iomd_bench_xchg_open(&x, size);
	if (ret)
		return ret;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		ret = iomd_bench_fail("mmap %zu bytes", size);
		goto out;
	}
	x.msg = p;
	ret = iomd_bench_exchange(&x, s);
out:
	iomd_bench_xchg_close(&x);
	return ret;
}

static const struct iomd_bench_case iomd_bench_exchange_cases[] = {
	{
		.name = "c5.iomd_inplace",
		.label = "shared iomd buffer, kernel reads in place",
		.baseline = "c5.write_copy",
		.run = iomd_bench_xchg_iomd,
	}, {
		.name = "c5.write_copy",
		.label = "write(), kernel copies then reads (baseline)",
		.run = iomd_bench_xchg_write,
	},
	{ }
};

const struct iomd_bench_group iomd_bench_exchange_group = {
	.group = 5,
	.unit = "msg",
	.sizes = IOMD_BENCH_SIZES_MSG,
	.title = "exchange: hand messages to the kernel",
	.cases = iomd_bench_exchange_cases,
};
