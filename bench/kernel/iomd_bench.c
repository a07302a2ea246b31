// SPDX-License-Identifier: GPL-2.0
/*
 * iomd_bench: the kernel half of iomd's benchmark suite (bench/, `make
 * bench`).  It uses only iomd's exported API and gives user space a
 * device, /dev/iomd_bench (ABI in iomd_bench.h), with four services:
 *
 *  - IOMD_BENCH_IOC_ALLOC times iomd_malloc()/iomd_free() or
 *    kmalloc()/kfree() in the kernel, in kernel threads bound one per
 *    online CPU, with ktime_get_ns() (case 4 of the suite);
 *  - IOMD_BENCH_IOC_CONSUME reads a range of an iomd buffer in place, at
 *    its kernel address, and checksums it (case 5, shared-buffer side);
 *  - write() copies the bytes into a kernel buffer with copy_from_user()
 *    and checksums them there (case 5, the kernel copy path);
 *  - IOMD_BENCH_IOC_PIN times pin_user_pages_fast() alone on a range of
 *    the caller's memory: the floor of any way of wiring it (case 3's
 *    profile).
 *
 * The module holds no iomd object between calls, so it never keeps iomd
 * from unloading and never counts as a leak.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/iomd.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "iomd_bench.h"

/* Bytes summed between two chances to reschedule. */
#define IOMD_BENCH_SUM_CHUNK	SZ_1M

/**
 * struct iomd_bench_file - state of one open /dev/iomd_bench
 * @lock:	serialises write() and IOMD_BENCH_IOC_LAST_SUM.
 * @sink:	kernel buffer of the copy path, allocated on first write().
 * @last_sum:	checksum of the last write().
 */
struct iomd_bench_file {
	struct mutex lock;	/* protects @sink and @last_sum */
	void *sink;
	u64 last_sum;
};

/**
 * struct iomd_bench_run - one IOMD_BENCH_IOC_ALLOC run
 * @arg:	what to run; the results are written back here.
 * @waiting:	threads not yet at the starting line.
 * @running:	threads not yet finished.
 * @done:	completed by the last thread to finish.
 */
struct iomd_bench_run {
	struct iomd_bench_alloc arg;
	atomic_t waiting;
	atomic_t running;
	struct completion done;
};

/**
 * struct iomd_bench_thread - one thread of a run
 * @run:	the run.
 * @task:	the kernel thread.
 * @slots:	pointers held in batch mode.
 * @start_ns:	when the thread started its loop.
 * @end_ns:	when it ended it.
 * @ops:	alloc + free pairs done.
 * @failed:	allocations that returned NULL.
 */
struct iomd_bench_thread {
	struct iomd_bench_run *run;
	struct task_struct *task;
	void **slots;
	u64 start_ns;
	u64 end_ns;
	u64 ops;
	u32 failed;
};

/*
 * The allocators, resolved at compile time in every loop below so each
 * is timed as direct calls with no extra branch.
 */
static __always_inline void *iomd_bench_get(u32 allocator, size_t size)
{
	if (allocator == IOMD_BENCH_ALLOC_IOMD)
		return iomd_malloc(size);
	return kmalloc(size, GFP_KERNEL);
}

static __always_inline void iomd_bench_put(u32 allocator, void *ptr,
					   size_t size)
{
	if (allocator == IOMD_BENCH_ALLOC_IOMD)
		iomd_free(ptr, size);
	else
		kfree(ptr);
}

/* @iters alloc + free pairs, one object live at a time. */
static __always_inline void iomd_bench_pair(u32 allocator,
					    struct iomd_bench_thread *t)
{
	struct iomd_bench_run *run = t->run;
	size_t size = run->arg.size;
	u32 i, iters = run->arg.iters;
	void *ptr;

	for (i = 0; i < iters; i++) {
		ptr = iomd_bench_get(allocator, size);
		if (unlikely(!ptr)) {
			t->failed++;
			return;
		}
		iomd_bench_put(allocator, ptr, size);
		t->ops++;
	}
}

/* @iters allocations in rounds of @batch live objects, freed in order. */
static __always_inline void iomd_bench_batch(u32 allocator,
					     struct iomd_bench_thread *t)
{
	struct iomd_bench_run *run = t->run;
	size_t size = run->arg.size;
	u32 batch = run->arg.batch;
	u32 i, n, rounds = run->arg.iters / batch;

	for (n = 0; n < rounds; n++) {
		for (i = 0; i < batch; i++) {
			t->slots[i] = iomd_bench_get(allocator, size);
			if (unlikely(!t->slots[i]))
				break;
		}
		if (unlikely(i < batch))
			t->failed++;
		batch = i;
		for (i = 0; i < batch; i++)
			iomd_bench_put(allocator, t->slots[i], size);
		t->ops += batch;
		if (t->failed)
			return;
	}
}

/* The loop of @t's mode, specialised for a constant @allocator. */
static __always_inline void iomd_bench_loop_as(u32 allocator,
					       struct iomd_bench_thread *t)
{
	if (t->run->arg.mode == IOMD_BENCH_MODE_BATCH)
		iomd_bench_batch(allocator, t);
	else
		iomd_bench_pair(allocator, t);
}

static void iomd_bench_loop(struct iomd_bench_thread *t)
{
	switch (t->run->arg.allocator) {
	case IOMD_BENCH_ALLOC_IOMD:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_IOMD, t);
		break;
	case IOMD_BENCH_ALLOC_KMALLOC:
		iomd_bench_loop_as(IOMD_BENCH_ALLOC_KMALLOC, t);
		break;
	}
}

static int iomd_bench_thread_fn(void *data)
{
	struct iomd_bench_thread *t = data;
	struct iomd_bench_run *run = t->run;

	/*
	 * Start together: every thread waits until the last one arrives.
	 * cond_resched() lets the waker, which may share this CPU, go on
	 * waking the others.
	 */
	atomic_dec(&run->waiting);
	while (atomic_read(&run->waiting))
		cond_resched();

	t->start_ns = ktime_get_ns();
	iomd_bench_loop(t);
	t->end_ns = ktime_get_ns();

	if (atomic_dec_and_test(&run->running))
		complete(&run->done);
	/*
	 * Exit only when told to: kthread_stop() then waits for this
	 * function to return, so the module cannot go away under it.
	 */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int iomd_bench_check_alloc(const struct iomd_bench_alloc *arg)
{
	if (arg->allocator != IOMD_BENCH_ALLOC_IOMD &&
	    arg->allocator != IOMD_BENCH_ALLOC_KMALLOC)
		return -EINVAL;
	if (arg->mode != IOMD_BENCH_MODE_PAIR &&
	    arg->mode != IOMD_BENCH_MODE_BATCH)
		return -EINVAL;
	if (!arg->size || arg->size > KMALLOC_MAX_SIZE || !arg->iters)
		return -EINVAL;
	if (!arg->threads || arg->threads > num_online_cpus())
		return -EINVAL;
	if (arg->mode == IOMD_BENCH_MODE_BATCH &&
	    (!arg->batch || arg->batch > IOMD_BENCH_MAX_BATCH ||
	     arg->iters % arg->batch))
		return -EINVAL;
	if (arg->failed || arg->wall_ns || arg->cpu_ns || arg->ops)
		return -EINVAL;
	return 0;
}

/* Free the threads' state; threads that were started are stopped first. */
static void iomd_bench_free_threads(struct iomd_bench_thread *threads,
				    unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (threads[i].task)
			kthread_stop(threads[i].task);
		kfree(threads[i].slots);
	}
	kfree(threads);
}

static int iomd_bench_alloc_run(struct iomd_bench_alloc *arg)
{
	struct iomd_bench_thread *threads;
	struct iomd_bench_run *run;
	unsigned int i, n, cpu;
	u64 first = U64_MAX, last = 0;
	int ret;

	ret = iomd_bench_check_alloc(arg);
	if (ret)
		return ret;
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	run->arg = *arg;
	n = arg->threads;
	atomic_set(&run->waiting, n);
	atomic_set(&run->running, n);
	init_completion(&run->done);

	threads = kcalloc(n, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		ret = -ENOMEM;
		goto free_run;
	}
	for (i = 0; i < n; i++) {
		threads[i].run = run;
		if (arg->mode != IOMD_BENCH_MODE_BATCH)
			continue;
		threads[i].slots = kcalloc(arg->batch, sizeof(void *),
					   GFP_KERNEL);
		if (!threads[i].slots) {
			ret = -ENOMEM;
			goto free_threads;
		}
	}

	/* One thread per online CPU, bound, created before any starts. */
	i = 0;
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		if (i == n)
			break;
		task = kthread_create(iomd_bench_thread_fn, &threads[i],
				      "iomd_bench/%u", cpu);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			goto free_threads;
		}
		kthread_bind(task, cpu);
		threads[i++].task = task;
	}
	if (i < n) {
		/* A CPU went offline since the check. */
		ret = -EAGAIN;
		goto free_threads;
	}
	for (i = 0; i < n; i++)
		wake_up_process(threads[i].task);

	/* TASK_IDLE: a long run is not a hung task. */
	wait_for_completion_state(&run->done, TASK_IDLE);

	for (i = 0; i < n; i++) {
		first = min(first, threads[i].start_ns);
		last = max(last, threads[i].end_ns);
		arg->cpu_ns += threads[i].end_ns - threads[i].start_ns;
		arg->ops += threads[i].ops;
		arg->failed += threads[i].failed;
	}
	arg->wall_ns = last - first;
	iomd_bench_free_threads(threads, n);
	kfree(run);
	return 0;

free_threads:
	/*
	 * Threads created but never woken: kthread_stop() makes them exit
	 * without running iomd_bench_thread_fn().
	 */
	iomd_bench_free_threads(threads, n);
free_run:
	kfree(run);
	return ret;
}

/* Sum of @len bytes (a multiple of 8) at @p, as native u64 words. */
static u64 iomd_bench_sum(const void *p, size_t len)
{
	const u64 *w = p;
	size_t i, n, chunk;
	u64 sum = 0;

	while (len) {
		chunk = min_t(size_t, len, IOMD_BENCH_SUM_CHUNK);
		n = chunk / sizeof(u64);
		for (i = 0; i < n; i++)
			sum += w[i];
		w += n;
		len -= chunk;
		if (len)
			cond_resched();
	}
	return sum;
}

static int iomd_bench_consume(struct iomd_bench_consume *arg)
{
	struct iomd_desc *desc;
	void *vaddr;
	int ret = 0;

	if (arg->reserved || arg->sum || arg->length % sizeof(u64))
		return -EINVAL;
	desc = iomd_desc_from_fd(arg->fd, NULL);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	if (arg->offset > iomd_desc_length(desc) ||
	    arg->length > iomd_desc_length(desc) - arg->offset) {
		ret = -ERANGE;
		goto put;
	}
	vaddr = iomd_buffer_vaddr(desc);
	if (IS_ERR(vaddr)) {
		ret = PTR_ERR(vaddr);
		goto put;
	}
	arg->sum = iomd_bench_sum(vaddr + arg->offset, arg->length);
put:
	iomd_desc_put(desc);
	return ret;
}

static int iomd_bench_open(struct inode *inode, struct file *file)
{
	struct iomd_bench_file *bf = kzalloc(sizeof(*bf), GFP_KERNEL);

	if (!bf)
		return -ENOMEM;
	mutex_init(&bf->lock);
	file->private_data = bf;
	return 0;
}

static int iomd_bench_release(struct inode *inode, struct file *file)
{
	struct iomd_bench_file *bf = file->private_data;

	kvfree(bf->sink);
	mutex_destroy(&bf->lock);
	kfree(bf);
	return 0;
}

/* The kernel copy path: copy into a kernel buffer, then read it there. */
static ssize_t iomd_bench_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos)
{
	struct iomd_bench_file *bf = file->private_data;
	ssize_t ret;

	if (len % sizeof(u64))
		return -EINVAL;
	len = min_t(size_t, len, IOMD_BENCH_SINK_BYTES);
	mutex_lock(&bf->lock);
	if (!bf->sink)
		bf->sink = kvmalloc(IOMD_BENCH_SINK_BYTES, GFP_KERNEL);
	if (!bf->sink) {
		ret = -ENOMEM;
		goto unlock;
	}
	if (copy_from_user(bf->sink, buf, len)) {
		ret = -EFAULT;
		goto unlock;
	}
	bf->last_sum = iomd_bench_sum(bf->sink, len);
	ret = len;
unlock:
	mutex_unlock(&bf->lock);
	return ret;
}

/* IOMD_BENCH_IOC_PIN: time pinning @arg's range, then unpin it. */
static int iomd_bench_pin(struct iomd_bench_pin *arg)
{
	unsigned long npages = arg->length >> PAGE_SHIFT;
	struct page **pages;
	u64 t0, t1;
	long got;

	if (!PAGE_ALIGNED(arg->addr) || !PAGE_ALIGNED(arg->length) ||
	    !npages || npages > INT_MAX)
		return -EINVAL;
	t0 = ktime_get_ns();
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	got = pin_user_pages_fast(arg->addr, npages,
				  FOLL_WRITE | FOLL_LONGTERM, pages);
	t1 = ktime_get_ns();
	if (got > 0)
		unpin_user_pages(pages, got);
	kvfree(pages);
	if (got != npages)
		return got < 0 ? got : -EFAULT;
	arg->ns = t1 - t0;
	return 0;
}

static long iomd_bench_ioctl(struct file *file, unsigned int cmd,
			     unsigned long uarg)
{
	struct iomd_bench_file *bf = file->private_data;
	void __user *argp = (void __user *)uarg;
	struct iomd_bench_consume consume;
	struct iomd_bench_alloc alloc;
	struct iomd_bench_pin pin;
	u64 sum;
	int ret;

	switch (cmd) {
	case IOMD_BENCH_IOC_ALLOC:
		if (copy_from_user(&alloc, argp, sizeof(alloc)))
			return -EFAULT;
		ret = iomd_bench_alloc_run(&alloc);
		if (!ret && copy_to_user(argp, &alloc, sizeof(alloc)))
			ret = -EFAULT;
		return ret;
	case IOMD_BENCH_IOC_CONSUME:
		if (copy_from_user(&consume, argp, sizeof(consume)))
			return -EFAULT;
		ret = iomd_bench_consume(&consume);
		if (!ret && copy_to_user(argp, &consume, sizeof(consume)))
			ret = -EFAULT;
		return ret;
	case IOMD_BENCH_IOC_PIN:
		if (copy_from_user(&pin, argp, sizeof(pin)))
			return -EFAULT;
		ret = iomd_bench_pin(&pin);
		if (!ret && copy_to_user(argp, &pin, sizeof(pin)))
			ret = -EFAULT;
		return ret;
	case IOMD_BENCH_IOC_LAST_SUM:
		mutex_lock(&bf->lock);
		sum = bf->last_sum;
		mutex_unlock(&bf->lock);
		return put_user(sum, (u64 __user *)argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations iomd_bench_fops = {
	.owner		= THIS_MODULE,
	.open		= iomd_bench_open,
	.release	= iomd_bench_release,
	.write		= iomd_bench_write,
	.unlocked_ioctl	= iomd_bench_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice iomd_bench_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= IOMD_BENCH_DEVICE_NAME,
	.fops	= &iomd_bench_fops,
	.mode	= 0600,
};

static int __init iomd_bench_init(void)
{
	return misc_register(&iomd_bench_dev);
}

static void __exit iomd_bench_exit(void)
{
	misc_deregister(&iomd_bench_dev);
}

module_init(iomd_bench_init);
module_exit(iomd_bench_exit);

MODULE_DESCRIPTION("iomd benchmark helper: in-kernel allocator timing and buffer consumers");
MODULE_AUTHOR("The iomd developers");
MODULE_LICENSE("GPL");
