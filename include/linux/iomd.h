/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomd: in-kernel API for drivers.
 *
 * A descriptor (struct iomd_desc) names memory that a driver and user
 * space share.  Descriptors are reference counted; every function that
 * creates one returns it with one reference that the caller drops with
 * iomd_desc_put().  Functions that can fail for a reason a caller should
 * see take an optional struct iomd_why, filled with the errno and a
 * readable sentence when they fail.
 */
#ifndef _LINUX_IOMD_H
#define _LINUX_IOMD_H

#include <linux/types.h>
#include <uapi/linux/iomd.h>

struct file;
struct iomd_desc;
struct vm_area_struct;

#define IOMD_REASON_LEN	160

/**
 * struct iomd_why - why an iomd operation failed
 * @err:	negative errno of the failure, 0 when nothing failed.
 * @msg:	NUL-terminated sentence naming the cause and, where there is
 *		one, the remedy.
 */
struct iomd_why {
	int err;
	char msg[IOMD_REASON_LEN];
};

struct iomd_desc *iomd_buffer_create(u32 options, size_t capacity,
				     size_t alignment,
				     struct iomd_why *why);
void *iomd_buffer_vaddr(struct iomd_desc *desc);

struct iomd_desc *iomd_desc_get(struct iomd_desc *desc);
void iomd_desc_put(struct iomd_desc *desc);

size_t iomd_desc_length(const struct iomd_desc *desc);
size_t iomd_desc_capacity(const struct iomd_desc *desc);
u32 iomd_desc_direction(const struct iomd_desc *desc);
u32 iomd_desc_options(const struct iomd_desc *desc);
size_t iomd_page_size(void);

int iomd_desc_read(struct iomd_desc *desc, size_t offset, void *buf,
		   size_t len, struct iomd_why *why);
int iomd_desc_write(struct iomd_desc *desc, size_t offset, const void *buf,
		    size_t len, struct iomd_why *why);

int iomd_desc_mmap(struct iomd_desc *desc, struct vm_area_struct *vma,
		   struct iomd_why *why);

int iomd_desc_export_fd(struct iomd_desc *desc, u32 flags,
			struct iomd_why *why);
struct iomd_desc *iomd_desc_from_fd(int fd, struct iomd_why *why);
int iomd_desc_last_reason(struct iomd_desc *desc, struct iomd_why *out);

#endif /* _LINUX_IOMD_H */
