/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client layer's declarations (docs/design.md): what user space
 * reaches.  Uses every layer below it.
 */
#ifndef _IOMD_CLIENT_H
#define _IOMD_CLIENT_H

#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "kinds/kinds.h"

/* client/fs.c */
int iomd_fs_init(const struct file_operations *fd_fops);
void iomd_fs_exit(void);
struct file *iomd_file_alloc(struct iomd_desc *desc, bool own,
			     const struct file_operations *fops, void *priv);

/* client/file.c */
extern const struct file_operations iomd_desc_fops;
struct iomd_desc *iomd_file_desc(struct file *file);
struct file *iomd_file_create(struct iomd_desc *desc);
struct file *iomd_file_user(struct iomd_desc *desc);
int iomd_file_own_vma(struct iomd_desc *desc, struct vm_area_struct *vma);
int iomd_reason_check(const struct iomd_reason *arg, struct iomd_why *why);
int iomd_reason_answer(struct iomd_reason *arg, const struct iomd_why *last,
		       struct iomd_why *why);

/**
 * struct iomd_mapping - a mapping object (I/O Kit's IOMemoryMap)
 * @map_addr:	start of the whole-page mapping.
 * @map_len:	its length.
 * @offset:	first byte of the descriptor mapped.
 * @length:	bytes of the descriptor mapped, unrounded.
 *
 * Where a map call put the mapping; it holds neither the mapping nor the
 * descriptor (client/map.c).
 */
struct iomd_mapping {
	unsigned long map_addr;
	unsigned long map_len;
	u64 offset;
	u64 length;
};

/* client/map.c */
int iomd_map_file_mmap(struct iomd_desc *desc, struct vm_area_struct *vma);
int iomd_map_into(struct iomd_mapping *map, struct iomd_desc *desc,
		  u32 options, unsigned long addr, u64 offset, u64 length,
		  struct iomd_why *why);

/* The slots of a handle table's first arrays, kept in the table itself. */
#define IOMD_HANDLES_FIRST_SLOTS	BITS_PER_LONG

/**
 * struct iomd_handles - the handles of one open /dev/iomd (handle.c)
 * @lock:	protects everything below.
 * @slots:	index to descriptor, IOMD_HANDLE_RESERVED, or NULL if free.
 * @used:	a bit per slot, set unless the slot is free.
 * @size:	slots in @slots and bits in @used, a multiple of BITS_PER_LONG.
 * @next:	no slot below this one is free.
 * @count:	handles published.
 * @bytes:	their descriptors' lengths, summed.
 * @spare:	the memory of the last user descriptor a closed handle let go
 *		of, for the next one this file makes (iomd_desc_put_spare()),
 *		or NULL; taken and filled atomically, not under @lock.
 * @first_slots: @slots until the table first grows.
 * @first_used:	@used until then.
 */
struct iomd_handles {
	spinlock_t lock;	/* the table and its totals */
	void **slots;
	unsigned long *used;
	unsigned int size;
	unsigned int next;
	unsigned long count;
	u64 bytes;
	struct iomd_desc *spare;
	void *first_slots[IOMD_HANDLES_FIRST_SLOTS];
	unsigned long first_used[BITS_TO_LONGS(IOMD_HANDLES_FIRST_SLOTS)];
};

/* client/handle.c */
void iomd_handles_init(struct iomd_handles *h);
void iomd_handles_release(struct iomd_handles *h);
void iomd_handles_show(struct iomd_handles *h, struct seq_file *m);
int iomd_handle_reserve(struct iomd_handles *h, u32 *handle,
			struct iomd_why *why);
void iomd_handle_publish(struct iomd_handles *h, u32 handle,
			 struct iomd_desc *desc);
void iomd_handle_cancel(struct iomd_handles *h, u32 handle);
struct iomd_desc *iomd_handle_get(struct iomd_handles *h, u32 handle,
				  struct iomd_why *why);
int iomd_handle_close(struct iomd_handles *h, u32 handle,
		      struct iomd_why *why);

/* client/client.c */
int iomd_client_init(void);
void iomd_client_exit(void);

/* client/dmabuf.c */
int iomd_dmabuf_export_fd(struct iomd_desc *desc, u32 flags,
			  struct iomd_why *why);

/* client/debugfs.c */
void iomd_debugfs_init(void);
void iomd_debugfs_exit(void);

#endif /* _IOMD_CLIENT_H */
