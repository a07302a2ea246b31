/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of iomd_edu, the sample PCI driver for QEMU's "edu" device
 * (1234:11e8, a DMA engine with a 4 KiB buffer and a 28-bit DMA mask).
 * Each device is /dev/iomd_edu0, /dev/iomd_edu1, ...  Memory is named by
 * iomd descriptor fds (from /dev/iomd or from IOMD_EDU_IOC_ALLOC); the
 * driver wires and maps them for the device itself.  Same rules as
 * <linux/iomd.h>: reserved fields and unknown flags must be zero (EINVAL),
 * unknown commands are ENOTTY, and a failed call leaves its reason for
 * IOMD_EDU_IOC_REASON.
 */
#ifndef _UAPI_LINUX_IOMD_EDU_H
#define _UAPI_LINUX_IOMD_EDU_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMD_EDU_DEVICE_NAME	"iomd_edu"
/* The device's internal buffer, which every transfer passes through. */
#define IOMD_EDU_BUFFER_SIZE	4096
/* Bits of address the device can put on the bus. */
#define IOMD_EDU_DMA_BITS	28
/* Most descriptors one IOMD_EDU_IOC_COPY gathers from. */
#define IOMD_EDU_MAX_PARTS	4
/* Most bytes one IOMD_EDU_IOC_COPY moves. */
#define IOMD_EDU_COPY_MAX	(1U << 20)
#define IOMD_EDU_REASON_LEN	256

/* struct iomd_edu_info.flags */
#define IOMD_EDU_INFO_IOMMU	(1U << 0)	/* DMA is translated by an IOMMU */
#define IOMD_EDU_INFO_MSI	(1U << 1)	/* completion by MSI, else INTx */

/**
 * struct iomd_edu_info - argument of IOMD_EDU_IOC_INFO
 * @flags:	out: IOMD_EDU_INFO_*.
 * @buffer_size: out: bytes in the device's buffer (IOMD_EDU_BUFFER_SIZE).
 * @dma_mask:	out: the DMA mask the driver set (28 bits).
 * @transfers:	out: device transfers (DMA commands) since the probe.
 * @reserved:	must be zero.
 */
struct iomd_edu_info {
	__u32 flags;
	__u32 buffer_size;
	__u64 dma_mask;
	__u64 transfers;
	__u64 reserved[4];
};

/* struct iomd_edu_alloc.memory */
#define IOMD_EDU_MEM_BUFFER	1	/* iomd_buffer_create() */
#define IOMD_EDU_MEM_CONTIGUOUS	2	/* iomd_malloc_contiguous() under a mask */

/**
 * struct iomd_edu_alloc - argument of IOMD_EDU_IOC_ALLOC
 * @memory:	in: IOMD_EDU_MEM_*: how the driver allocates.
 * @flags:	in: must be zero.
 * @size:	in: bytes, rounded up to whole pages; at most
 *		IOMD_EDU_COPY_MAX.
 * @mask_bits:	in: IOMD_EDU_MEM_CONTIGUOUS only: the memory must lie
 *		below 1 << @mask_bits; 0 for the device's mask.  More bits
 *		than the device's is EINVAL (the device could not reach it);
 *		a mask no memory meets is ENOMEM.  Must be 0 for buffers.
 * @fd:		out: a descriptor fd (IOMD_DIR_INOUT, close-on-exec) of the
 *		memory, which user space maps with mmap(); the memory is
 *		freed when the descriptor dies.  0 on input.
 * @reserved:	must be zero.
 */
struct iomd_edu_alloc {
	__u32 memory;
	__u32 flags;
	__u64 size;
	__u32 mask_bits;
	__s32 fd;
	__u64 reserved[2];
};

/* struct iomd_edu_copy.flags */
/*
 * Do not wire the descriptors first: shows what iomd answers a driver
 * that forgets prepare() (ENODATA for user memory that is not wired).
 */
#define IOMD_EDU_COPY_NO_PREPARE	(1U << 0)
#define IOMD_EDU_COPY_FLAGS		IOMD_EDU_COPY_NO_PREPARE

/**
 * struct iomd_edu_copy - argument of IOMD_EDU_IOC_COPY
 * @src_fds:	in: descriptor fds whose bytes, end to end, are the source
 *		(the driver makes an iomd multi of them when there are
 *		several); each must allow IOMD_DIR_OUT.
 * @nr_src:	in: entries of @src_fds used, 1 to IOMD_EDU_MAX_PARTS.
 * @dst_fd:	in: descriptor fd of the destination; must allow
 *		IOMD_DIR_IN.
 * @src_offset:	in: first byte of the source to copy (the driver makes an
 *		iomd sub-range when the copy is not the whole descriptor).
 * @dst_offset:	in: where it goes in the destination.
 * @length:	in: bytes, 1 to IOMD_EDU_COPY_MAX.
 * @flags:	in: IOMD_EDU_COPY_*.
 * @transfers:	out: device transfers (DMA commands) the copy took; each
 *		moves one contiguous run of device addresses, at most
 *		IOMD_EDU_BUFFER_SIZE - 1 bytes (QEMU up to 7.2 stops the
 *		machine on a transfer that touches the buffer's last byte).
 *		0 on input.
 * @src_segments: out: DMA segments of the source as mapped.  0 on input.
 * @dst_segments: out: DMA segments of the destination.  0 on input.
 * @reserved:	must be zero.
 *
 * The device reads the source into its buffer, then writes the buffer to
 * the destination, IOMD_EDU_BUFFER_SIZE - 1 bytes at a time.  The driver
 * wires both descriptors with a prepare() of its own for the whole copy,
 * so a complete() from user space cannot unwire them under the device.
 */
struct iomd_edu_copy {
	__s32 src_fds[IOMD_EDU_MAX_PARTS];
	__u32 nr_src;
	__s32 dst_fd;
	__u64 src_offset;
	__u64 dst_offset;
	__u64 length;
	__u32 flags;
	__u32 transfers;
	__u32 src_segments;
	__u32 dst_segments;
	__u64 reserved[2];
};

/**
 * struct iomd_edu_reason - argument of IOMD_EDU_IOC_REASON
 * @errno_value: out: the positive errno of the last failed call on this
 *		file, 0 if none.
 * @reserved:	must be zero.
 * @msg:	out: why it failed, a NUL-terminated sentence; empty if none.
 */
struct iomd_edu_reason {
	__u32 errno_value;
	__u32 reserved;
	char msg[IOMD_EDU_REASON_LEN];
};

#define IOMD_EDU_IOC_MAGIC	0xB8
#define IOMD_EDU_IOC_INFO	_IOWR(IOMD_EDU_IOC_MAGIC, 0x01, struct iomd_edu_info)
#define IOMD_EDU_IOC_ALLOC	_IOWR(IOMD_EDU_IOC_MAGIC, 0x02, struct iomd_edu_alloc)
#define IOMD_EDU_IOC_COPY	_IOWR(IOMD_EDU_IOC_MAGIC, 0x03, struct iomd_edu_copy)
#define IOMD_EDU_IOC_REASON	_IOWR(IOMD_EDU_IOC_MAGIC, 0x04, struct iomd_edu_reason)

#endif /* _UAPI_LINUX_IOMD_EDU_H */
