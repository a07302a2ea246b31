/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of iomd_sample, the sample driver (/dev/iomd_sample).  It shows how
 * a driver uses iomd, and gives tests a way to make a driver allocate from
 * its zone and share kernel memory it allocated.  Same rules as
 * <linux/iomd.h>: reserved fields and unknown flags must be zero.
 */
#ifndef _UAPI_LINUX_IOMD_SAMPLE_H
#define _UAPI_LINUX_IOMD_SAMPLE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMD_SAMPLE_DEVICE_NAME		"iomd_sample"
/* The sample's own zone: requests of this size, at most this many. */
#define IOMD_SAMPLE_ZONE_NAME		"sample.request"
#define IOMD_SAMPLE_REQUEST_SIZE	200
#define IOMD_SAMPLE_ZONE_LIMIT		64

/**
 * struct iomd_sample_requests - argument of IOMD_SAMPLE_IOC_ALLOC/_FREE
 * @count:	in: requests to allocate from, or free to, the zone.
 * @done:	out: how many were allocated or freed; allocation stops at
 *		the zone's limit without error.
 * @reserved:	must be zero.
 *
 * Requests belong to the open file and are freed when it is closed.
 */
struct iomd_sample_requests {
	__u32 count;
	__u32 done;
	__u64 reserved;
};

/* struct iomd_sample_export.memory */
#define IOMD_SAMPLE_MEM_MALLOC		1	/* iomd_malloc(): zone memory */
#define IOMD_SAMPLE_MEM_ALIGNED		2	/* iomd_malloc_aligned(size, page) */
#define IOMD_SAMPLE_MEM_CONTIGUOUS	3	/* iomd_malloc_contiguous() */

/**
 * struct iomd_sample_export - argument of IOMD_SAMPLE_IOC_EXPORT
 * @memory:	in: IOMD_SAMPLE_MEM_*: how the driver allocates.
 * @flags:	in: must be zero.
 * @size:	in: bytes to allocate.
 * @offset:	in: the descriptor covers the allocation from this byte on.
 * @fd:		out: an iomd descriptor fd (IOMD_DIR_INOUT, close-on-exec)
 *		describing the memory; the memory is freed when the
 *		descriptor dies.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 */
struct iomd_sample_export {
	__u32 memory;
	__u32 flags;
	__u64 size;
	__u64 offset;
	__u32 fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct iomd_sample_import - argument of IOMD_SAMPLE_IOC_IMPORT
 * @dmabuf_fd:	in: a dma-buf fd.
 * @flags:	in: must be zero.
 * @size:	out: the dma-buf's size in bytes.
 * @attach_err:	out: positive errno of attaching the sample's device, 0
 *		when it attached.
 * @map_err:	out: positive errno of mapping the attachment for DMA.
 * @nents:	out: DMA segments of the mapping.
 * @vmap_err:	out: positive errno of dma_buf_vmap().
 * @dma_bytes:	out: bytes the DMA segments cover.
 * @first:	out: the first 8 bytes, read through the vmap (which the
 *		driver then overwrites with ~@first, so user space can see
 *		the kernel wrote through it).
 * @reserved:	must be zero.
 *
 * The sample imports a dma-buf as a driver would: it attaches its own
 * device, maps the attachment for DMA, vmaps the buffer, then undoes it
 * all.  The outcome of each step is reported, not failed.
 */
struct iomd_sample_import {
	__u32 dmabuf_fd;
	__u32 flags;
	__u64 size;
	__u32 attach_err;
	__u32 map_err;
	__u32 nents;
	__u32 vmap_err;
	__u64 dma_bytes;
	__u64 first;
	__u64 reserved[2];
};

#define IOMD_SAMPLE_IOC_MAGIC	0xB7
#define IOMD_SAMPLE_IOC_ALLOC	_IOWR(IOMD_SAMPLE_IOC_MAGIC, 0x01, struct iomd_sample_requests)
#define IOMD_SAMPLE_IOC_FREE	_IOWR(IOMD_SAMPLE_IOC_MAGIC, 0x02, struct iomd_sample_requests)
#define IOMD_SAMPLE_IOC_EXPORT	_IOWR(IOMD_SAMPLE_IOC_MAGIC, 0x03, struct iomd_sample_export)
#define IOMD_SAMPLE_IOC_IMPORT	_IOWR(IOMD_SAMPLE_IOC_MAGIC, 0x04, struct iomd_sample_import)

#endif /* _UAPI_LINUX_IOMD_SAMPLE_H */
