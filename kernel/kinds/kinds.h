/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds' declarations for the client layer (docs/design.md); their
 * creators are the driver API (include/linux/iomd.h).  Uses the core and
 * the allocators.
 */
#ifndef _IOMD_KINDS_H
#define _IOMD_KINDS_H

#include "alloc/alloc.h"
#include "core/core.h"

/* kinds/buffer.c */
struct iomd_desc *iomd_buffer_create_gfp(u32 options, size_t capacity,
					 size_t alignment, gfp_t gfp,
					 struct iomd_why *why);

/* kinds/user.c */
struct iomd_desc *iomd_user_create(struct mm_struct *mm,
				   const struct iomd_range *ranges,
				   unsigned int nr_ranges, u32 direction,
				   bool wire, struct iomd_desc **spare,
				   struct iomd_why *why);
void iomd_user_spare_free(struct iomd_desc *spare);
int iomd_user_init(void);
void iomd_user_exit(void);

/* kinds/dmabuf_import.c */
struct iomd_desc *iomd_dmabuf_import_fd(int fd, u32 direction,
					struct iomd_why *why);
int iomd_dmabuf_import_init(void);
void iomd_dmabuf_import_exit(void);

#endif /* _IOMD_KINDS_H */
