// SPDX-License-Identifier: GPL-2.0
/*
 * iomd module: start-up, shutdown, parameters, and the count of live
 * objects that must be zero when the module goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "internal.h"

struct iomd_counters iomd_counters;

unsigned long iomd_max_buffer_bytes = SZ_1G;
module_param_named(max_buffer_bytes, iomd_max_buffer_bytes, ulong, 0644);
MODULE_PARM_DESC(max_buffer_bytes,
		 "Largest buffer one request may allocate, in bytes (default 1 GiB)");

/*
 * Most pages one composite may span: its page array (one pointer a page)
 * is allocated whole while it is held, so this bounds that allocation.
 * The default array is 8 MiB; the ceiling keeps it within what kvmalloc()
 * accepts.
 */
#define IOMD_COMPOSITE_PAGES_CEIL	(INT_MAX / sizeof(struct page *))

unsigned long iomd_max_composite_pages = SZ_8M / sizeof(struct page *);

static int iomd_set_composite_pages(const char *val,
				    const struct kernel_param *kp)
{
	unsigned long pages;
	int ret;

	ret = kstrtoul(val, 0, &pages);
	if (ret)
		return ret;
	if (!pages || pages > IOMD_COMPOSITE_PAGES_CEIL)
		return -EINVAL;
	WRITE_ONCE(iomd_max_composite_pages, pages);
	return 0;
}

static const struct kernel_param_ops iomd_composite_pages_ops = {
	.set = iomd_set_composite_pages,
	.get = param_get_ulong,
};

module_param_cb(max_composite_pages, &iomd_composite_pages_ops,
		&iomd_max_composite_pages, 0644);
MODULE_PARM_DESC(max_composite_pages,
		 "Most pages one sub-range or multi descriptor may span (default: an 8 MiB page array)");

static int __init iomd_init(void)
{
	int ret;

	ret = iomd_zone_init();
	if (ret)
		return ret;
	ret = iomd_malloc_init();
	if (ret)
		goto exit_zone;
	ret = iomd_file_init();
	if (ret)
		goto exit_malloc;
	ret = iomd_dmabuf_import_init();
	if (ret)
		goto exit_file;
	ret = iomd_client_init();
	if (ret)
		goto exit_import;
	iomd_debugfs_init();
	pr_info("version %s (ABI %u) loaded: page size %lu, max_buffer_bytes %lu\n",
		IOMD_VERSION, IOMD_ABI_VERSION, PAGE_SIZE, iomd_max_buffer_bytes);
	return 0;

exit_import:
	iomd_dmabuf_import_exit();
exit_file:
	iomd_file_exit();
exit_malloc:
	iomd_malloc_exit();
exit_zone:
	iomd_zone_exit();
	return ret;
}

static void __exit iomd_exit(void)
{
	s64 descs, elems;

	iomd_debugfs_exit();
	iomd_client_exit();
	iomd_dmabuf_import_exit();
	iomd_file_exit();
	descs = atomic64_read(&iomd_counters.live_descriptors);
	elems = iomd_zone_live_elements();
	if (descs)
		pr_err("%lld descriptors (%lld bytes) leaked\n", descs,
		       atomic64_read(&iomd_counters.live_bytes));
	iomd_malloc_exit();
	iomd_zone_exit();
	pr_info("exit: live_objects=%lld\n", descs + elems);
}

module_init(iomd_init);
module_exit(iomd_exit);

MODULE_DESCRIPTION("I/O memory descriptors shared between drivers and user space");
MODULE_AUTHOR("The iomd developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(IOMD_VERSION);
