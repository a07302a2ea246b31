/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iomd: I/O memory descriptors shared between drivers and user space.
 *
 * This header is the single definition of the user-space ABI of the iomd
 * user client, /dev/iomd.  Every structure is made of __u32/__u64 only;
 * pointers travel as __u64.  Fields named "reserved" must be zero, and so
 * must every flag bit not defined here and every output field on input:
 * otherwise the ioctl fails with EINVAL.  An ioctl the driver does not
 * know (including a known number with the wrong argument size, or any
 * ioctl on a descriptor fd but IOMD_IOC_REASON) fails with ENOTTY.
 *
 * Model (after I/O Kit): a *descriptor* names memory.  A *buffer*
 * descriptor allocates its own page-aligned, page-rounded, zero-filled
 * memory.  A descriptor reaches user space as a file descriptor; mmap() on
 * that fd maps the descriptor's memory into the calling process (the
 * equivalent of createMappingInTask).  Operations that the kernel performs
 * on a descriptor's memory (reading and writing bytes) are ioctls on
 * /dev/iomd that name the descriptor fd.
 *
 * Every failed ioctl (except IOMD_IOC_REASON itself, so that asking does
 * not erase the answer) also leaves a readable reason, and so does every
 * failed mmap() on a descriptor; IOMD_IOC_REASON returns it.  Tests and
 * tools that compare the module-wide counters of IOMD_IOC_STATS need the
 * module to themselves.
 */
#ifndef _UAPI_LINUX_IOMD_H
#define _UAPI_LINUX_IOMD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMD_DEVICE_NAME	"iomd"

/*
 * Direction of data flow, seen from the device (I/O Kit's kIODirection*).
 * IN: the device (kernel) fills the memory and user space reads it, so a
 * user mapping is read-only.  OUT: user space fills the memory and the
 * device reads it.  INOUT: both.  The kernel itself may read and write a
 * descriptor, except user memory described OUT, which is pinned read-only
 * (it may be a file's page cache the describer cannot write, sealed
 * memory, or the shared zero page): writing that, through the kernel or a
 * mapping, fails with EACCES.  Direction limits what user mappings may do.
 */
#define IOMD_DIR_IN		0x00000001u
#define IOMD_DIR_OUT		0x00000002u
#define IOMD_DIR_INOUT		(IOMD_DIR_IN | IOMD_DIR_OUT)
#define IOMD_DIR_MASK		0x00000003u

/*
 * Buffer option (I/O Kit's kIOMemoryKernelUserShared): the buffer may be
 * mapped into user space.  Its capacity and length are rounded up to whole
 * pages.  A buffer created without it cannot be mapped into user space.
 */
#define IOMD_BUF_KERNEL_USER_SHARED	0x00000100u

/*
 * Cache modes (I/O Kit's kIODefaultCache, kIOCopybackCache,
 * kIOWriteCombineCache, kIOInhibitCache).  A buffer's cache mode is chosen
 * at creation and holds for every mapping of its memory, the kernel's
 * included: on x86 one page mapped with two cache modes is undefined
 * behaviour (machine checks, lost writes), so the module changes the
 * kernel's own mapping of the buffer's pages (the direct map) to the mode
 * and restores write-back before it frees them.  Mappings may name the
 * mode they expect; one that differs from the memory's is refused with
 * EOPNOTSUPP, never made.  Only buffers can have a mode other than
 * write-back: the module does not own the memory of kernel-range and user
 * descriptors, which keeps its write-back mode.
 *
 * IOMD_CACHE_DEFAULT: for a buffer, write-back; for a mapping, whatever
 * the descriptor's mode is.  IOMD_CACHE_WB: write-back (cached), the
 * kernel's normal mode.  IOMD_CACHE_WC: write-combined (uncached, writes
 * may be merged and reordered; for memory a device reads).
 * IOMD_CACHE_UC: uncached (every access goes to memory in order; x86's
 * UC-).  Where the CPU cannot honour a mode the kernel picks the closest
 * stricter one (WC becomes UC without x86 PAT); values above
 * IOMD_CACHE_MAX fail with EINVAL.
 */
#define IOMD_CACHE_DEFAULT	0u
#define IOMD_CACHE_WB		1u
#define IOMD_CACHE_WC		2u
#define IOMD_CACHE_UC		3u
#define IOMD_CACHE_MAX		IOMD_CACHE_UC

/*
 * Buffer option: the buffer's cache mode, IOMD_BUF_CACHE(IOMD_CACHE_*);
 * IOMD_BUF_CACHE_MODE(options) reads it back from struct iomd_info.
 * Buffers with a mode other than write-back are not built of PMD-order
 * folios, so their user mappings never use PMD entries.
 */
#define IOMD_BUF_CACHE_SHIFT		12
#define IOMD_BUF_CACHE_MASK		(0x7u << IOMD_BUF_CACHE_SHIFT)
#define IOMD_BUF_CACHE(mode)		((__u32)(mode) << IOMD_BUF_CACHE_SHIFT)
#define IOMD_BUF_CACHE_MODE(options)	\
	(((options) & IOMD_BUF_CACHE_MASK) >> IOMD_BUF_CACHE_SHIFT)

/* Creation flag: the returned descriptor fd is close-on-exec. */
#define IOMD_CREATE_CLOEXEC		0x00010000u

/*
 * Creation flag: give the new descriptor as a handle of the open
 * /dev/iomd the ioctl is made on, not as an fd (see struct iomd_handle).
 * The handle is returned where the fd would be; it cannot be combined
 * with IOMD_CREATE_CLOEXEC (EINVAL).
 */
#define IOMD_CREATE_HANDLE		0x00040000u

/*
 * Every handle has this bit set and no fd ever has, so an argument field
 * that names a descriptor (@fd of most structs, the array of
 * IOMD_IOC_MULTI) takes either.  IOMD_REASON_CLIENT is never a handle.
 */
#define IOMD_HANDLE_BIT			0x80000000u

#define IOMD_BUFFER_CREATE_FLAGS	(IOMD_DIR_MASK | \
					 IOMD_BUF_KERNEL_USER_SHARED | \
					 IOMD_BUF_CACHE_MASK | \
					 IOMD_CREATE_CLOEXEC | \
					 IOMD_CREATE_HANDLE)

/* Descriptor kinds, as reported by IOMD_IOC_INFO. */
#define IOMD_KIND_BUFFER	1u	/* allocated its own memory */
#define IOMD_KIND_KERNEL	2u	/* describes existing kernel memory */
#define IOMD_KIND_USER		3u	/* describes application memory */
#define IOMD_KIND_SUBRANGE	4u	/* a byte range of another descriptor */
#define IOMD_KIND_MULTI		5u	/* several descriptors end to end */
#define IOMD_KIND_DMABUF	6u	/* an imported dma-buf's memory */

/**
 * struct iomd_buffer_create - argument of IOMD_IOC_BUFFER_CREATE
 * @capacity:	in: bytes to allocate; 1 to the module parameter
 *		max_buffer_bytes.  With IOMD_BUF_KERNEL_USER_SHARED the
 *		capacity and length are rounded up to whole pages; without
 *		it they stay as asked (the memory is still whole pages).
 * @alignment:	in: required alignment of the buffer's kernel address in
 *		bytes, a power of two; 0 means one page.  Alignments above
 *		one page need one physically contiguous allocation.
 * @flags:	in: one IOMD_DIR_* value (required), optionally
 *		IOMD_BUF_KERNEL_USER_SHARED, IOMD_BUF_CACHE(IOMD_CACHE_*) and
 *		IOMD_CREATE_CLOEXEC or IOMD_CREATE_HANDLE.
 * @fd:		out: the new descriptor file descriptor, or its handle
 *		with IOMD_CREATE_HANDLE; 0 on input.
 * @reserved:	must be zero.
 *
 * Errors: EINVAL (capacity 0, alignment not a power of two or larger than
 * the largest contiguous allocation, no direction, unknown flags or cache
 * mode, non-zero reserved), EFBIG (capacity above max_buffer_bytes),
 * EOPNOTSUPP (a write-combined or uncached buffer on a kernel that cannot
 * change the cache mode of memory), ENOMEM, EMFILE.
 */
struct iomd_buffer_create {
	__u64 capacity;
	__u64 alignment;
	__u32 flags;
	__u32 fd;
	__u64 reserved[2];
};

/**
 * struct iomd_info - argument of IOMD_IOC_INFO
 * @fd:		in: a descriptor fd.
 * @flags:	in: must be zero.
 * @length:	out: bytes described.
 * @capacity:	out: bytes allocated (buffers), at least @length.
 * @direction:	out: IOMD_DIR_* of the descriptor.
 * @page_size:	out: the kernel page size; mappings are whole pages of it.
 * @kind:	out: IOMD_KIND_*.
 * @options:	out: options the descriptor was created with
 *		(IOMD_BUF_KERNEL_USER_SHARED, IOMD_BUF_CACHE(mode), ...).
 * @nr_ranges:	out: ranges described (1 except for user descriptors).
 * @wire_count:	out: prepare() calls not yet completed (user descriptors;
 *		other kinds are always wired and report 1).  A composite
 *		(sub-range or multi) whose parts are all always wired
 *		reports 1; one with user memory in it reports, as a user
 *		descriptor does, the holds on it: its prepare() calls,
 *		mappings and accesses in progress.
 * @huge_bytes:	out: bytes of the memory in PMD-order folios (shared
 *		buffers of the PMD size, 2 MiB with 4 KiB pages, and more,
 *		as the allocator had them), which
 *		mappings placed on PMD boundaries map with huge entries.
 * @reserved:	must be zero.
 *
 * Errors: EBADF (@fd not open), EBADFD (@fd is not an iomd descriptor),
 * EINVAL (non-zero @flags or @reserved).
 */
struct iomd_info {
	__u32 fd;
	__u32 flags;
	__u64 length;
	__u64 capacity;
	__u32 direction;
	__u32 page_size;
	__u32 kind;
	__u32 options;
	__u32 nr_ranges;
	__u32 wire_count;
	__u64 huge_bytes;
	__u64 reserved[2];
};

/* struct iomd_rw.flags (see below) */
#define IOMD_RW_KMAP		0x1u
#define IOMD_RW_CACHE_SHIFT	4
#define IOMD_RW_CACHE_MASK	(0x7u << IOMD_RW_CACHE_SHIFT)
#define IOMD_RW_CACHE(mode)	((__u32)(mode) << IOMD_RW_CACHE_SHIFT)
#define IOMD_RW_FLAGS		(IOMD_RW_KMAP | IOMD_RW_CACHE_MASK)

/**
 * struct iomd_rw - argument of IOMD_IOC_KREAD and IOMD_IOC_KWRITE
 * @fd:		in: a descriptor fd.
 * @flags:	in: must be zero.
 * @offset:	in: byte offset into the descriptor.
 * @length:	in: bytes to copy; may be 0.
 * @user_addr:	in: user buffer the kernel copies to (KREAD) or from
 *		(KWRITE).
 * @reserved:	must be zero.
 *
 * With IOMD_RW_KMAP in @flags the kernel goes through the descriptor's
 * kernel mapping (one contiguous kernel virtual range, as a driver gets
 * from iomd_desc_kmap()) instead of page by page.  Either way the kernel
 * accesses the memory in the descriptor's cache mode;
 * IOMD_RW_CACHE(IOMD_CACHE_*) in @flags names the mode the caller expects,
 * and a different one fails with EOPNOTSUPP.
 *
 * The kernel copies between the descriptor's memory and @user_addr, as a
 * driver would with iomd_desc_read()/iomd_desc_write().
 *
 * Errors: EBADF, EBADFD, EINVAL (flags, cache mode or reserved), EOVERFLOW
 * (@offset + @length overflows), ERANGE (range ends past the descriptor's
 * length), EFAULT (@user_addr not accessible), ENODATA (a user descriptor,
 * or a composite holding user memory, that is not wired), EACCES (KWRITE
 * of memory pinned read-only), EINVAL (IOMD_RW_KMAP of ranges or composite
 * parts that do not meet on page boundaries), EOPNOTSUPP (not the
 * descriptor's cache mode).
 */
struct iomd_rw {
	__u32 fd;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 user_addr;
	__u64 reserved[2];
};

/* IOMD_IOC_REASON with this @fd asks for the client's own last failure. */
#define IOMD_REASON_CLIENT	0xffffffffu

/**
 * struct iomd_reason - argument of IOMD_IOC_REASON
 * @fd:		in: IOMD_REASON_CLIENT for the last failed ioctl on this
 *		/dev/iomd file, or a descriptor fd for the last failed
 *		operation on that descriptor (such as mmap).  Issued on a
 *		descriptor fd itself, which needs no /dev/iomd, @fd must be
 *		IOMD_REASON_CLIENT and the answer is that descriptor's.
 * @size:	in: bytes available at @buf.
 * @buf:	in: where to store the reason, a NUL-terminated string,
 *		truncated to @size; the empty string when nothing failed.
 * @errno_value: out: the positive errno of that failure, 0 if none; 0 on
 *		input.
 * @length:	out: length of the full reason, without the NUL; 0 on
 *		input.
 * @reserved:	must be zero.
 *
 * Reading a reason does not clear it.  Errors: EBADF, EBADFD, EINVAL
 * (on a descriptor fd, also an @fd other than IOMD_REASON_CLIENT),
 * EFAULT.
 */
struct iomd_reason {
	__u32 fd;
	__u32 size;
	__u64 buf;
	__u32 errno_value;
	__u32 length;
	__u64 reserved[2];
};

/**
 * struct iomd_stats - argument of IOMD_IOC_STATS
 * @live_descriptors:	descriptors alive in the whole module now.
 * @live_bytes:		bytes of buffer memory allocated now (whole pages).
 * @created_total:	descriptors created since the module loaded.
 * @max_buffer_bytes:	the module parameter bounding one buffer.
 * @live_zone_elements:	elements allocated now from every zone (the page
 *			pool counts pages).
 * @bad_frees:		frees refused since load: wrong size, double free,
 *			or not an allocation.
 * @pinned_pages:	pages of user memory wired by descriptors now.
 * @reserved:		set to zero by the kernel.
 */
struct iomd_stats {
	__u64 live_descriptors;
	__u64 live_bytes;
	__u64 created_total;
	__u64 max_buffer_bytes;
	__u64 live_zone_elements;
	__u64 bad_frees;
	__u64 pinned_pages;
	__u64 reserved;
};

/* Most ranges one user descriptor may describe. */
#define IOMD_USER_MAX_RANGES	64

/**
 * struct iomd_range - one range of application memory
 * @addr:	first byte; need not be page-aligned.
 * @length:	bytes; at least 1.
 */
struct iomd_range {
	__u64 addr;
	__u64 length;
};

/* Creation flag: wire the memory at once, as IOMD_IOC_PREPARE would. */
#define IOMD_USER_PREPARE		0x00020000u

#define IOMD_USER_CREATE_FLAGS	(IOMD_DIR_MASK | IOMD_CREATE_CLOEXEC | \
				 IOMD_USER_PREPARE | IOMD_CREATE_HANDLE)

/**
 * struct iomd_user_create - argument of IOMD_IOC_USER_CREATE
 * @ranges:	in: user pointer to @nr_ranges struct iomd_range, in the
 *		calling process.
 * @nr_ranges:	in: 1 to IOMD_USER_MAX_RANGES.
 * @flags:	in: one IOMD_DIR_* (required), optionally
 *		IOMD_CREATE_CLOEXEC or IOMD_CREATE_HANDLE, and
 *		IOMD_USER_PREPARE.
 * @fd:		out: the new descriptor fd, or its handle with
 *		IOMD_CREATE_HANDLE; 0 on input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Describes memory of the calling process (I/O Kit's withAddressRanges):
 * the descriptor's length is the sum of the range lengths, its bytes the
 * ranges' bytes in order.  Nothing is pinned until IOMD_IOC_PREPARE.
 *
 * Errors: EINVAL (no ranges, a zero length, no direction, unknown flags,
 * non-zero reserved), E2BIG (more than IOMD_USER_MAX_RANGES, or more
 * pages than one descriptor can wire: 2^28 on 64-bit), EOVERFLOW
 * (address + length overflows), EFAULT (a range is not user memory or not
 * mapped, or @ranges cannot be read), EACCES (direction IN, which lets the
 * device write, on read-only memory), and with IOMD_USER_PREPARE the
 * errors of IOMD_IOC_PREPARE, and EOPNOTSUPP (a range is a mapping of a
 * write-combined or uncached iomd buffer).
 */
struct iomd_user_create {
	__u64 ranges;
	__u32 nr_ranges;
	__u32 flags;
	__u32 fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct iomd_wire - argument of IOMD_IOC_PREPARE and IOMD_IOC_COMPLETE
 * @fd:		in: a descriptor fd.
 * @flags:	in: must be zero.
 * @wire_count:	out: the descriptor's wire count after the call.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * PREPARE wires a user descriptor (I/O Kit's prepare()): its pages are
 * pinned for the long term, with write access when the direction is IN or
 * INOUT, and charged to the owner's pinned memory (VmPin) and the
 * caller's user, limited by RLIMIT_MEMLOCK unless the caller has
 * CAP_IPC_LOCK (which lifts the limit, not the charge).  Calls nest; each
 * COMPLETE (complete()) undoes one, and the last unpins and uncharges.  A
 * pin that cannot be completed is undone whole.  Kernel reads and writes,
 * kernel mappings and mmap() of a user descriptor need it wired; a mapping
 * holds its own wire count until it is unmapped.  Other kinds are always
 * wired: PREPARE and COMPLETE succeed and change nothing.
 *
 * What the owner may do while the memory is wired: unmap it, exit, or
 * fork.  The pinned pages stay allocated and keep the bytes the kernel
 * reads and writes until the last COMPLETE or the descriptor's release;
 * the owner simply no longer sees them where they were unmapped.
 *
 * Errors: EBADF, EBADFD, EINVAL, ENOMEM (RLIMIT_MEMLOCK would be passed,
 * or no memory), EFAULT (a page could not be pinned: unmapped since, or
 * not pinnable), ESRCH (the owner has exited), EOPNOTSUPP (a range is now
 * a mapping of a write-combined or uncached iomd buffer), and for
 * COMPLETE, ENODATA (not wired).
 */
struct iomd_wire {
	__u32 fd;
	__u32 flags;
	__u32 wire_count;
	__u32 reserved0;
	__u64 reserved[2];
};

/* Longest zone name, with its NUL. */
#define IOMD_ZONE_NAME_MAX	32

/* struct iomd_zone_info.state bits */
#define IOMD_ZONE_STATE_DEAD	0x1u	/* destroyed, elements leaked */

/**
 * struct iomd_zone_info - argument of IOMD_IOC_ZONE_INFO
 * @index:	in: which zone, 0 for the first; ENOENT past the last.
 * @flags:	in: must be zero.
 * @name:	in: user buffer of IOMD_ZONE_NAME_MAX bytes that receives
 *		the zone's NUL-terminated name, or 0.
 * @elem_size:	out: bytes per element (the page size for the page pool,
 *		which counts pages).
 * @in_use:	out: elements allocated now.
 * @peak:	out: most elements held at once (allocated, or cached).
 * @limit:	out: hard limit on @in_use plus @cached.
 * @total_allocs: out: successful allocations since creation.
 * @total_frees: out: frees since creation.
 * @failures:	out: allocations refused because of the limit or memory.
 * @state:	out: IOMD_ZONE_STATE_* bits.
 * @reserved0:	must be zero.
 * @cached:	out: free elements kept in per-CPU caches for reuse (must
 *		be zero on input, like a reserved field).
 * @reserved1:	must be zero.
 *
 * The statistics of macOS zprint, one zone per call.  Errors: ENOENT,
 * EINVAL, EFAULT.
 */
struct iomd_zone_info {
	__u32 index;
	__u32 flags;
	__u64 name;
	__u64 elem_size;
	__u64 in_use;
	__u64 peak;
	__u64 limit;
	__u64 total_allocs;
	__u64 total_frees;
	__u64 failures;
	__u32 state;
	__u32 reserved0;
	__u64 cached;
	__u64 reserved1;
};

/* struct iomd_map_create.options */
#define IOMD_MAP_READONLY	0x00000001u	/* never writable */
#define IOMD_MAP_FIXED		0x00000002u	/* exactly at @addr, or fail */
#define IOMD_MAP_ONDEMAND	0x00000004u	/* install pages at first touch */
#define IOMD_MAP_NOFORK		0x00000008u	/* children do not inherit it */
/* The cache mode the mapping must have, IOMD_MAP_CACHE(IOMD_CACHE_*). */
#define IOMD_MAP_CACHE_SHIFT	4
#define IOMD_MAP_CACHE_MASK	(0x7u << IOMD_MAP_CACHE_SHIFT)
#define IOMD_MAP_CACHE(mode)	((__u32)(mode) << IOMD_MAP_CACHE_SHIFT)
#define IOMD_MAP_NOHUGE		0x00000080u	/* page entries only, no PMD */
#define IOMD_MAP_OPTIONS	(IOMD_MAP_READONLY | IOMD_MAP_FIXED | \
				 IOMD_MAP_ONDEMAND | IOMD_MAP_NOFORK | \
				 IOMD_MAP_CACHE_MASK | IOMD_MAP_NOHUGE)

/**
 * struct iomd_map_create - argument of IOMD_IOC_MAP
 * @fd:		in: a descriptor fd.
 * @options:	in: IOMD_MAP_* bits.
 * @addr:	in: with IOMD_MAP_FIXED, where the first mapped byte must
 *		be (its offset in its page must equal @offset's); else 0.
 *		out: where the first mapped byte is.
 * @offset:	in: first byte of the descriptor to map; any alignment.
 * @length:	in: bytes to map, 0 for the rest of the descriptor; out: the
 *		bytes mapped from @addr on.
 * @map_addr:	out: start of the mapping, which is whole pages; 0 on input.
 * @map_length:	out: its length; 0 on input.
 * @reserved:	must be zero.
 *
 * createMappingInTask() with options, into the calling process.  Unless
 * IOMD_MAP_ONDEMAND, every page is installed before the call returns
 * (like MAP_POPULATE, but in batches, between which a fatal signal ends
 * the call); with it, each page at first touch.
 * IOMD_MAP_READONLY mappings cannot be made writable by mprotect()
 * (EACCES) nor written by process_vm_writev() (EFAULT) or the forced
 * writes of ptrace and /proc/PID/mem (EIO); no private copy is made.
 * IOMD_MAP_NOFORK mappings are not inherited by a child, as if
 * madvise(MADV_DONTFORK) had been called; the process can undo it with
 * MADV_DOFORK.  Buffers made of PMD-order folios are mapped with huge
 * (PMD) entries where the placement allows; IOMD_MAP_NOHUGE asks for page
 * entries only.  The mapping has the descriptor's cache mode;
 * IOMD_MAP_CACHE(IOMD_CACHE_WB, _WC or _UC) asks for that mode and fails
 * with EOPNOTSUPP if the memory has another one (IOMD_CACHE_DEFAULT, 0,
 * takes whatever it has).  A fixed mapping is never
 * moved or placed over another.  Unmap with munmap() on the whole pages,
 * or IOMD_IOC_UNMAP (which removes every part of the mapping, also parts
 * that mprotect() split off).
 *
 * Errors: those of mmap() on a descriptor fd (above), and EINVAL (unknown
 * options or cache mode, a fixed @addr whose in-page offset differs from
 * @offset's), ERANGE/EOVERFLOW (the range), EEXIST (the fixed range is
 * taken), EOPNOTSUPP (a cache mode the memory does not have: another
 * buffer's mode, or WC or UC of a kernel-range or user descriptor; the
 * reason says which).
 */
struct iomd_map_create {
	__u32 fd;
	__u32 options;
	__u64 addr;
	__u64 offset;
	__u64 length;
	__u64 map_addr;
	__u64 map_length;
	__u64 reserved[2];
};

/**
 * struct iomd_unmap - argument of IOMD_IOC_UNMAP
 * @addr:	in: an address inside an iomd mapping of the caller.
 * @reserved:	must be zero.
 *
 * Removes that whole mapping.  Errors: EINVAL (no iomd mapping there).
 */
struct iomd_unmap {
	__u64 addr;
	__u64 reserved[2];
};

/**
 * struct iomd_revoke - argument of IOMD_IOC_REVOKE
 * @fd:		in: a descriptor fd.
 * @flags:	in: must be zero.
 * @reserved:	must be zero.
 *
 * What a driver does on device removal (I/O Kit's redirect): every user
 * mapping of the descriptor, in every process, is zapped at once; later
 * touches of them get SIGBUS; later mmap(), IOMD_IOC_MAP, kernel reads and
 * writes and IOMD_IOC_PREPARE fail with ENODEV.  The memory is freed when
 * the last reference goes (the last close of a descriptor fd or munmap()
 * of a mapping, and for user memory the pins go with it).  Any holder of
 * the fd may revoke it; revoking it again succeeds and changes nothing.
 *
 * Errors: EBADF, EBADFD, EINVAL (flags or reserved), EFAULT.
 */
struct iomd_revoke {
	__u32 fd;
	__u32 flags;
	__u64 reserved[2];
};

/* struct iomd_map_info.flags */
#define IOMD_MAP_INFO_READONLY	0x00000001u	/* can never be made writable */
#define IOMD_MAP_INFO_HUGE	0x00000002u	/* may use PMD entries */
/* maps the shared object the memory belongs to (application memory) */
#define IOMD_MAP_INFO_OBJECT	0x00000004u

/**
 * struct iomd_map_info - argument of IOMD_IOC_MAP_INFO
 * @addr:	in: an address inside an iomd mapping of the caller, made by
 *		mmap() of a descriptor fd or by IOMD_IOC_MAP.
 * @flags:	out: IOMD_MAP_INFO_* bits.
 * @pad:	must be zero.
 * @map_addr:	out: start of the whole mapping (every part that mprotect()
 *		split off included).
 * @map_length:	out: its length, whole pages.
 * @offset:	out: the descriptor offset mapped at @map_addr.
 * @resident:	out: bytes of the mapping that have page-table entries now.
 * @huge_entries: out: how many of those entries are PMD (huge) entries.
 * @reserved:	must be zero.
 *
 * What a mapping is and how it is mapped now; the counts are a snapshot.
 * A mapping gets PMD entries (IOMD_MAP_INFO_HUGE) when the descriptor is a
 * shared buffer made of PMD-order folios and the mapping places them on
 * PMD boundaries, which mmap() of a descriptor fd and IOMD_IOC_MAP do when
 * the address is theirs to choose.  Errors: EINVAL (no iomd mapping of
 * the caller at @addr, non-zero @pad or @reserved).
 */
struct iomd_map_info {
	__u64 addr;
	__u32 flags;
	__u32 pad;
	__u64 map_addr;
	__u64 map_length;
	__u64 offset;
	__u64 resident;
	__u64 huge_entries;
	__u64 reserved[2];
};

/*
 * Composite descriptors (I/O Kit's IOSubMemoryDescriptor and
 * IOMultiMemoryDescriptor) are views of other descriptors, their *parts*:
 * a sub-range covers bytes [offset, offset + length) of one descriptor, a
 * multi descriptor the whole of several, end to end.  Parts may be of any
 * kind, composites included, up to IOMD_COMPOSITE_MAX_DEPTH levels.  A
 * composite keeps its parts alive (it holds a reference on each) and is
 * read, written, wired and mapped as one descriptor:
 *
 * - Direction: every part must allow it.  The default (no IOMD_DIR_* in
 *   the flags) is what all parts allow, the intersection of their
 *   directions; a direction given must be part of that (so a read-only
 *   view of a read-write buffer is a sub-range with IOMD_DIR_IN).  Parts
 *   with nothing in common (IN and OUT) cannot be combined: EINVAL.  The
 *   kernel may write a composite only if it may write every part.
 * - Cache mode: the parts' own, which must be the same for every part
 *   (EOPNOTSUPP otherwise); a composite of a write-combined buffer is
 *   write-combined wherever it is mapped.
 * - Wiring: IOMD_IOC_PREPARE on a composite prepares every part (nested
 *   composites recursively), all or nothing, and IOMD_IOC_COMPLETE
 *   completes them; calls nest.  A composite of buffers and kernel ranges
 *   only is always wired.  One with user memory in it can be read,
 *   written, mapped and its segments listed while every user part is
 *   wired, through the composite or directly; otherwise those fail with
 *   ENODATA.  A mapping of a composite keeps its parts wired until it is
 *   unmapped.
 * - Mapping (mmap(), IOMD_IOC_MAP): only when every part can be mapped
 *   and covers whole pages of it (page-aligned offset and length);
 *   otherwise EPERM, and IOMD_IOC_REASON on the composite's fd names the
 *   part and the remedy.  Unaligned bytes can always be read and written
 *   by the kernel, and IOMD_RW_KMAP works when every part but the first
 *   starts, and every part but the last ends, on a page boundary.
 * - Revocation: revoking a composite cuts its own mappings and access
 *   (ENODEV, SIGBUS) and leaves its parts alone.  Revoking a descriptor
 *   revokes every composite that contains it, directly or nested, since
 *   their mappings show its memory; creating a composite of a revoked
 *   descriptor fails with ENODEV.
 */
/*
 * Size: a composite may span at most as many pages as the module
 * parameter max_composite_pages says (/sys/module/iomd/parameters/; by
 * default the pages whose pointers fill 8 MiB, 1048576 pages with 8-byte
 * pointers), nested parts counted in full and pages a part covers only
 * partly counted whole.  A larger one is refused with E2BIG, and a reason
 * naming the parameter, before its page array or anything sized by it is
 * allocated, whatever memory its parts really have: a descriptor may
 * appear many times, so 64 multis of 64 parts describe far more than
 * exists.
 */
#define IOMD_MULTI_MAX_DESCS		64	/* parts of one multi */
#define IOMD_COMPOSITE_MAX_DEPTH	8	/* composites nested in composites */
#define IOMD_COMPOSITE_MAX_RANGES	4096	/* ranges (nr_ranges) of one */

#define IOMD_COMPOSITE_CREATE_FLAGS	(IOMD_DIR_MASK | IOMD_CREATE_CLOEXEC | \
					 IOMD_CREATE_HANDLE)

/**
 * struct iomd_subrange_create - argument of IOMD_IOC_SUBRANGE
 * @fd:		in: the parent descriptor fd, of any kind.
 * @flags:	in: optionally one IOMD_DIR_* (see above; 0 inherits the
 *		parent's direction) and IOMD_CREATE_CLOEXEC or
 *		IOMD_CREATE_HANDLE.
 * @offset:	in: first byte of the parent covered; any alignment.
 * @length:	in: bytes covered, at least 1.
 * @new_fd:	out: the sub-range's descriptor fd (or handle); 0 on
 *		input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Errors: EBADF, EBADFD, EINVAL (length 0, unknown flags, a direction the
 * parent does not allow, non-zero reserved or @new_fd), EOVERFLOW
 * (@offset + @length overflows), ERANGE (the range ends past the parent's
 * length, as for IOMD_IOC_KREAD), ELOOP (nesting deeper than
 * IOMD_COMPOSITE_MAX_DEPTH), E2BIG (more than IOMD_COMPOSITE_MAX_RANGES
 * ranges, or more pages than the composite page limit, see below), ENODEV
 * (the parent is revoked), ENOMEM, EMFILE.
 */
struct iomd_subrange_create {
	__u32 fd;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u32 new_fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct iomd_multi_create - argument of IOMD_IOC_MULTI
 * @fds:	in: user pointer to @nr_fds descriptor fds (__u32 each), in
 *		the order their bytes appear; an fd may appear more than
 *		once.
 * @nr_fds:	in: 1 to IOMD_MULTI_MAX_DESCS.
 * @flags:	in: optionally one IOMD_DIR_* (see above; 0 for the
 *		intersection of the parts' directions) and
 *		IOMD_CREATE_CLOEXEC or IOMD_CREATE_HANDLE.
 * @fd:		out: the multi descriptor's fd (or handle); 0 on input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * The descriptor's length is the sum of the parts' lengths.
 *
 * Errors: EBADF, EBADFD (an fd), EFAULT (@fds unreadable), EINVAL (no
 * fds, unknown flags, directions with nothing in common or a direction
 * not all parts allow, non-zero reserved or @fd), E2BIG (more than
 * IOMD_MULTI_MAX_DESCS fds, more than IOMD_COMPOSITE_MAX_RANGES ranges,
 * or more pages than the composite page limit, see below), EOVERFLOW (the
 * total length overflows), ELOOP, ENODEV (a part is revoked), ENOMEM,
 * EMFILE.
 */
struct iomd_multi_create {
	__u64 fds;
	__u32 nr_fds;
	__u32 flags;
	__u32 fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct iomd_segment - one physically contiguous run of a descriptor
 * @offset:	byte offset of the run in the descriptor.
 * @length:	bytes in the run.
 * @phys:	physical address of its first byte; 0 when not shown.
 */
struct iomd_segment {
	__u64 offset;
	__u64 length;
	__u64 phys;
};

/* struct iomd_segments.out_flags: @phys fields are real addresses. */
#define IOMD_SEGMENTS_PHYS	0x1u

/**
 * struct iomd_segments - argument of IOMD_IOC_SEGMENTS
 * @fd:		in: a descriptor fd.
 * @flags:	in: must be zero.
 * @segs:	in: user pointer to room for @nr struct iomd_segment.
 * @first:	in: index of the first segment to return (for listing a
 *		long list in pieces).
 * @nr:		in: entries available at @segs (0 only counts); out:
 *		entries written.
 * @total:	out: segments of the whole descriptor; 0 on input.
 * @out_flags:	out: IOMD_SEGMENTS_PHYS when the addresses are shown; 0 on
 *		input.
 * @reserved:	must be zero.
 *
 * The DMA view (I/O Kit's getPhysicalSegment): a wired descriptor's bytes
 * as runs of physically contiguous memory, in order, pages that follow
 * each other physically merged into one run (a physically contiguous
 * buffer is one segment).  The list is what iomd_desc_sg_table() gives a
 * driver for dma_map_sgtable(), and holds while the descriptor stays
 * wired.  Physical layout is shown only to callers with CAP_SYS_ADMIN;
 * others get @phys 0, no IOMD_SEGMENTS_PHYS, and runs cut at every page
 * boundary (so that lengths do not tell which pages are contiguous).
 *
 * Errors: EBADF, EBADFD, EINVAL (flags, reserved or outputs not zero),
 * ENODATA (user memory, or a composite holding user memory, that is not
 * wired), ENODEV (revoked), EFAULT (@segs not writable).
 */
struct iomd_segments {
	__u32 fd;
	__u32 flags;
	__u64 segs;
	__u32 first;
	__u32 nr;
	__u32 total;
	__u32 out_flags;
	__u64 reserved[2];
};

/**
 * struct iomd_export_dmabuf - argument of IOMD_IOC_EXPORT_DMABUF
 * @fd:		in: a descriptor fd, of a descriptor user space may map.
 * @flags:	in: optionally IOMD_CREATE_CLOEXEC.
 * @dmabuf_fd:	out: the new dma-buf fd; 0 on input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Makes the descriptor a dma-buf, for the kernel's buffer-sharing world
 * (DRM, V4L2, RDMA...).  The dma-buf holds the descriptor and wires it
 * (as IOMD_IOC_PREPARE, charged to the caller) for as long as it lives.
 * mmap() of the dma-buf follows the rules of mmap() of the descriptor fd
 * and revoke zaps it; DMA_BUF_IOCTL_SYNC works; importing devices get the
 * descriptor's DMA view.  After IOMD_IOC_REVOKE, devices can no longer
 * attach or map it.
 *
 * Errors: EBADF, EBADFD, EINVAL (flags, reserved, @dmabuf_fd), EFAULT,
 * EPERM (memory user space may not map; IOMD_IOC_REASON says why),
 * ENODEV (revoked), the errors of IOMD_IOC_PREPARE, EOPNOTSUPP (a kernel
 * without dma-buf support), ENOMEM, EMFILE.
 */
struct iomd_export_dmabuf {
	__u32 fd;
	__u32 flags;
	__u32 dmabuf_fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/* Flags IOMD_IOC_IMPORT_DMABUF accepts. */
#define IOMD_IMPORT_DMABUF_FLAGS	(IOMD_DIR_MASK | IOMD_CREATE_CLOEXEC | \
					 IOMD_CREATE_HANDLE)

/**
 * struct iomd_import_dmabuf - argument of IOMD_IOC_IMPORT_DMABUF
 * @dmabuf_fd:	in: a dma-buf fd (a udmabuf, a dma-heap buffer, one iomd
 *		exported, any other exporter's).
 * @flags:	in: an IOMD_DIR_* (0: IOMD_DIR_INOUT for a dma-buf open for
 *		writing, IOMD_DIR_OUT for a read-only one), optionally
 *		IOMD_CREATE_CLOEXEC or IOMD_CREATE_HANDLE.
 * @fd:		out: the new descriptor fd (IOMD_KIND_DMABUF), or its
 *		handle; 0 on input.
 * @reserved0:	must be zero.
 * @length:	out: bytes described, the dma-buf's size; 0 on input.
 * @reserved:	must be zero.
 *
 * Makes a dma-buf an iomd descriptor.  The descriptor holds a reference
 * on the dma-buf (closing @dmabuf_fd does not end it) and never owns its
 * memory: it attaches a device of iomd's own and maps the attachment, so
 * a static exporter keeps the memory in place, and reads and writes it
 * through the exporter's kernel mapping (vmap); CPU access shared with
 * other devices is bracketed on the dma-buf (DMA_BUF_IOCTL_SYNC), as for
 * any of its users.  It is always wired; it can be read and written
 * (IOMD_IOC_KREAD/KWRITE), shows its DMA view (IOMD_IOC_SEGMENTS), and
 * can be a part of sub-ranges and multis.  mmap() of it (and IOMD_IOC_MAP)
 * is handed to the dma-buf's own mmap: the mapping is the exporter's,
 * never one of iomd's (so IOMD_IOC_UNMAP and IOMD_IOC_MAP_INFO do not
 * know it: munmap() it), and a composite holding it cannot be mapped (its
 * pages would be).  A dma-buf open read-only gives a descriptor nobody
 * writes through: IOMD_DIR_IN or _INOUT, KWRITE and writable mappings
 * are refused with EACCES.  After IOMD_IOC_REVOKE, kernel access and new
 * mappings fail with ENODEV; mappings already made are the exporter's
 * and stay until unmapped.
 *
 * Errors: EBADF (@dmabuf_fd not open), EBADFD (not a dma-buf), EINVAL
 * (flags, reserved, outputs, a size that is not whole pages), EACCES (a
 * dma-buf not open for reading, or read-only with a direction that lets
 * the device write), EOPNOTSUPP (a kernel without dma-buf support, or an
 * exporter whose memory has no kernel mapping of struct pages, such as
 * I/O memory), the exporter's errors of attach, map and vmap, EFAULT,
 * ENOMEM, EMFILE.  IOMD_IOC_REASON says which step failed.
 */
struct iomd_import_dmabuf {
	__u32 dmabuf_fd;
	__u32 flags;
	__u32 fd;
	__u32 reserved0;
	__u64 length;
	__u64 reserved[2];
};

/**
 * struct iomd_handle - argument of IOMD_IOC_HANDLE_CLOSE and
 *			IOMD_IOC_HANDLE_EXPORT
 * @handle:	in: a handle of the open /dev/iomd the ioctl is made on.
 * @flags:	in: CLOSE: must be zero; EXPORT: optionally
 *		IOMD_CREATE_CLOEXEC.
 * @fd:		out (EXPORT): a new fd of the handle's descriptor; 0 on
 *		input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * A handle is a descriptor held by one open /dev/iomd instead of by an
 * fd, for callers that make and drop descriptors often (per-request
 * wiring, small buffers): no file is made for it, so creating and closing
 * it costs one ioctl each, as registering and unregistering an io_uring
 * buffer does.  Any creation ioctl makes one with IOMD_CREATE_HANDLE; it
 * is IOMD_HANDLE_BIT plus a number, the lowest free one as for fds, and
 * every ioctl of that open file that names a descriptor takes it where
 * it takes an fd.  It holds the
 * descriptor (and the wiring of IOMD_USER_PREPARE) until
 * IOMD_IOC_HANDLE_CLOSE or the open file's release, like an fd.  The
 * handles of one open file are shared by every process that has that
 * file (after fork() or SCM_RIGHTS), as its fds would be; another open of
 * /dev/iomd does not know them.  One open file holds at most as many
 * handles as RLIMIT_NOFILE allows fds (EMFILE past it), and the table's
 * memory is charged to the caller's memory cgroup.
 *
 * IOMD_IOC_HANDLE_EXPORT gives the handle's descriptor a new fd (the
 * handle stays open), for mmap(), for another process or for a driver,
 * which only ever takes fds.  IOMD_IOC_HANDLE_CLOSE drops the handle; the
 * descriptor lives on while fds, mappings or composites hold it.
 *
 * Errors: EBADF (@handle is not open on this file, or is not a handle),
 * EINVAL (unknown flags, non-zero reserved fields or @fd), EMFILE and
 * ENOMEM (EXPORT), EFAULT.
 */
struct iomd_handle {
	__u32 handle;
	__u32 flags;
	__u32 fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/*
 * The ABI level this header describes.  It grows by one whenever the ABI
 * changes in a way an older library or program could not cope with; new
 * ioctls and new flags that default to the old behaviour do not change
 * it.  A library checks it with IOMD_IOC_VERSION before anything else.
 */
#define IOMD_ABI_VERSION	1

/**
 * struct iomd_version - argument of IOMD_IOC_VERSION
 * @flags:	in: must be zero.
 * @abi:	out: the ABI level the module speaks (its IOMD_ABI_VERSION);
 *		0 on input.
 * @major:	out: the module's release, major number (the VERSION file
 *		it was built from, also /sys/module/iomd/version); 0 on
 *		input.
 * @minor:	out: minor number of the release; 0 on input.
 * @patch:	out: patch level of the release; 0 on input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Which module is behind /dev/iomd, for a library or tool that must not
 * talk to a module whose ABI it does not know.  Needs no privilege and
 * works on every open /dev/iomd.  Errors: EINVAL (non-zero @flags,
 * outputs or reserved fields), EFAULT.
 */
struct iomd_version {
	__u32 flags;
	__u32 abi;
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 reserved0;
	__u64 reserved[2];
};

#define IOMD_IOC_MAGIC		0xB6

#define IOMD_IOC_BUFFER_CREATE	_IOWR(IOMD_IOC_MAGIC, 0x01, struct iomd_buffer_create)
#define IOMD_IOC_INFO		_IOWR(IOMD_IOC_MAGIC, 0x02, struct iomd_info)
#define IOMD_IOC_KREAD		_IOW(IOMD_IOC_MAGIC, 0x03, struct iomd_rw)
#define IOMD_IOC_KWRITE		_IOW(IOMD_IOC_MAGIC, 0x04, struct iomd_rw)
#define IOMD_IOC_REASON		_IOWR(IOMD_IOC_MAGIC, 0x05, struct iomd_reason)
#define IOMD_IOC_STATS		_IOR(IOMD_IOC_MAGIC, 0x06, struct iomd_stats)
#define IOMD_IOC_ZONE_INFO	_IOWR(IOMD_IOC_MAGIC, 0x07, struct iomd_zone_info)
#define IOMD_IOC_USER_CREATE	_IOWR(IOMD_IOC_MAGIC, 0x08, struct iomd_user_create)
#define IOMD_IOC_PREPARE	_IOWR(IOMD_IOC_MAGIC, 0x09, struct iomd_wire)
#define IOMD_IOC_COMPLETE	_IOWR(IOMD_IOC_MAGIC, 0x0a, struct iomd_wire)
#define IOMD_IOC_MAP		_IOWR(IOMD_IOC_MAGIC, 0x0b, struct iomd_map_create)
#define IOMD_IOC_UNMAP		_IOW(IOMD_IOC_MAGIC, 0x0c, struct iomd_unmap)
#define IOMD_IOC_REVOKE		_IOW(IOMD_IOC_MAGIC, 0x0d, struct iomd_revoke)
#define IOMD_IOC_SUBRANGE	_IOWR(IOMD_IOC_MAGIC, 0x0e, struct iomd_subrange_create)
#define IOMD_IOC_MULTI		_IOWR(IOMD_IOC_MAGIC, 0x0f, struct iomd_multi_create)
#define IOMD_IOC_SEGMENTS	_IOWR(IOMD_IOC_MAGIC, 0x10, struct iomd_segments)
#define IOMD_IOC_MAP_INFO	_IOWR(IOMD_IOC_MAGIC, 0x11, struct iomd_map_info)
#define IOMD_IOC_VERSION	_IOWR(IOMD_IOC_MAGIC, 0x12, struct iomd_version)
#define IOMD_IOC_EXPORT_DMABUF	_IOWR(IOMD_IOC_MAGIC, 0x13, \
				      struct iomd_export_dmabuf)
#define IOMD_IOC_IMPORT_DMABUF	_IOWR(IOMD_IOC_MAGIC, 0x14, \
				      struct iomd_import_dmabuf)
#define IOMD_IOC_HANDLE_CLOSE	_IOW(IOMD_IOC_MAGIC, 0x15, struct iomd_handle)
#define IOMD_IOC_HANDLE_EXPORT	_IOWR(IOMD_IOC_MAGIC, 0x16, struct iomd_handle)

/*
 * mmap() on a descriptor fd maps the descriptor's memory, whole pages,
 * starting at the page given by the mmap offset.  Errors: EINVAL (not
 * MAP_SHARED, or the range passes the end of the descriptor), EACCES
 * (PROT_WRITE on an IOMD_DIR_IN descriptor; mprotect() refuses the upgrade
 * likewise), EPERM (memory that cannot be shared: a buffer made without
 * IOMD_BUF_KERNEL_USER_SHARED, a kernel range holding zone memory or
 * partial pages, user memory that is not one shared VM object, or a
 * composite with such a part or a part that is not whole pages;
 * IOMD_IOC_REASON on the fd names the remedy), ENODATA (a user descriptor,
 * or a composite holding user memory, that is not wired), ENODEV
 * (revoked).  A mapping made by mmap() installs all its pages at its
 * first touch and has the descriptor's cache mode; IOMD_IOC_MAP offers the
 * other options.
 *
 * A user descriptor can be mapped, in any process that has its fd, only
 * when every range is whole pages of one shared VM object: anonymous
 * MAP_SHARED memory, a memfd or tmpfs file mapped MAP_SHARED, or an iomd
 * buffer mapping.  Private memory (malloc, MAP_PRIVATE) cannot be, because
 * its pages belong to one process and are copied on write.
 * A user descriptor cannot describe a mapping of a write-combined or
 * uncached buffer (EOPNOTSUPP at creation or IOMD_IOC_PREPARE): its own
 * kernel and user mappings are write-back.
 * Growing the mapping with mremap() fails with EFAULT (the core mm's
 * answer for VM_DONTEXPAND).  The mapping holds the descriptor alive after
 * the fd is closed; a child process inherits it across fork() and shares
 * the same memory.
 */

#endif /* _UAPI_LINUX_IOMD_H */
