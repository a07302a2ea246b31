// SPDX-License-Identifier: GPL-2.0
/*
 * iomd module: start-up and shutdown, layer by layer, and the count of
 * live objects that must be zero when the module goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>

#include "client/client.h"

static int __init iomd_init(void)
{
	int ret;

	ret = iomd_zone_init();
	if (ret)
		return ret;
	ret = iomd_malloc_init();
	if (ret)
		goto exit_zone;
	ret = iomd_fs_init(&iomd_desc_fops);
	if (ret)
		goto exit_malloc;
	ret = iomd_user_init();
	if (ret)
		goto exit_file;
	ret = iomd_dmabuf_import_init();
	if (ret)
		goto exit_user;
	ret = iomd_client_init();
	if (ret)
		goto exit_import;
	iomd_debugfs_init();
	pr_info("version %s (ABI %u) loaded: page size %lu, max_buffer_bytes %lu\n",
		IOMD_VERSION, IOMD_ABI_VERSION, PAGE_SIZE, iomd_max_buffer_bytes);
	return 0;

exit_import:
	iomd_dmabuf_import_exit();
exit_user:
	iomd_user_exit();
exit_file:
	iomd_fs_exit();
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
	iomd_fs_exit();
	descs = atomic64_read(&iomd_counters.live_descriptors);
	elems = iomd_zone_live_elements();
	if (descs)
		pr_err("%lld descriptors (%lld bytes) leaked\n", descs,
		       atomic64_read(&iomd_counters.live_bytes));
	iomd_user_exit();
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
