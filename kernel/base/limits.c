// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide limits (module parameters) and the counters of live
 * objects, which every layer reads or updates.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "base.h"

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
