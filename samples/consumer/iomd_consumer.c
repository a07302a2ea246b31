// SPDX-License-Identifier: GPL-2.0
/*
 * iomd_consumer: a driver built outside iomd's tree, against an installed
 * iomd only (its kernel headers and Module.symvers; see this directory's
 * Makefile and the README's "Use it from your driver").
 *
 * At load it makes a page-rounded buffer shared with user space, writes a
 * greeting through the descriptor, reads it back through the kernel
 * mapping and refuses to load if they differ; its read-only parameter
 * "capacity" then shows the buffer's size.  Because it calls iomd's
 * exported functions, modpost records "depends: iomd", and modprobe loads
 * iomd first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iomd.h>
#include <linux/module.h>
#include <linux/string.h>

static struct iomd_desc *iomd_consumer_buf;

static ulong iomd_consumer_capacity;
module_param_named(capacity, iomd_consumer_capacity, ulong, 0444);
MODULE_PARM_DESC(capacity, "Bytes of the buffer made at load (read-only)");

static const char iomd_consumer_greeting[] = "hello from iomd_consumer";

static int __init iomd_consumer_init(void)
{
	struct iomd_why why = { };
	struct iomd_desc *desc;
	char *kaddr;
	int ret;

	desc = iomd_buffer_create(IOMD_DIR_INOUT | IOMD_BUF_KERNEL_USER_SHARED,
				  sizeof(iomd_consumer_greeting), 0, &why);
	if (IS_ERR(desc)) {
		pr_err("no buffer: %s\n", why.msg);
		return PTR_ERR(desc);
	}
	ret = iomd_desc_write(desc, 0, iomd_consumer_greeting,
			      sizeof(iomd_consumer_greeting), &why);
	if (ret) {
		pr_err("write failed: %s\n", why.msg);
		goto put;
	}
	kaddr = iomd_buffer_vaddr(desc);
	if (memcmp(kaddr, iomd_consumer_greeting,
		   sizeof(iomd_consumer_greeting))) {
		pr_err("the buffer does not hold what was written\n");
		ret = -EIO;
		goto put;
	}
	iomd_consumer_capacity = iomd_desc_capacity(desc);
	iomd_consumer_buf = desc;
	pr_info("buffer of %lu bytes (%zu-byte pages) holds \"%s\"\n",
		iomd_consumer_capacity, iomd_page_size(), kaddr);
	return 0;

put:
	iomd_desc_put(desc);
	return ret;
}

static void __exit iomd_consumer_exit(void)
{
	iomd_desc_put(iomd_consumer_buf);
}

module_init(iomd_consumer_init);
module_exit(iomd_consumer_exit);

MODULE_DESCRIPTION("A driver built against an installed iomd");
MODULE_LICENSE("GPL");
