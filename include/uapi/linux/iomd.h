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
 * ioctl on a descriptor fd) fails with ENOTTY.
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

/* Creation flag: the returned descriptor fd is close-on-exec. */
#define IOMD_CREATE_CLOEXEC		0x00010000u

#define IOMD_BUFFER_CREATE_FLAGS	(IOMD_DIR_MASK | \
					 IOMD_BUF_KERNEL_USER_SHARED | \
					 IOMD_CREATE_CLOEXEC)

/* Descriptor kinds, as reported by IOMD_IOC_INFO. */
#define IOMD_KIND_BUFFER	1u	/* allocated its own memory */
#define IOMD_KIND_KERNEL	2u	/* describes existing kernel memory */
#define IOMD_KIND_USER		3u	/* describes application memory */

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
 *		IOMD_BUF_KERNEL_USER_SHARED and IOMD_CREATE_CLOEXEC.
 * @fd:		out: the new descriptor file descriptor; 0 on input.
 * @reserved:	must be zero.
 *
 * Errors: EINVAL (capacity 0, alignment not a power of two or larger than
 * the largest contiguous allocation, no direction, unknown flags, non-zero
 * reserved), EFBIG (capacity above max_buffer_bytes), ENOMEM, EMFILE.
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
 *		(IOMD_BUF_KERNEL_USER_SHARED, ...).
 * @nr_ranges:	out: ranges described (1 except for user descriptors).
 * @wire_count:	out: prepare() calls not yet completed (user descriptors;
 *		other kinds are always wired and report 1).
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
	__u64 reserved[3];
};

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
 * from iomd_desc_kmap()) instead of page by page.
 *
 * The kernel copies between the descriptor's memory and @user_addr, as a
 * driver would with iomd_desc_read()/iomd_desc_write().
 *
 * Errors: EBADF, EBADFD, EINVAL (flags or reserved), EOVERFLOW
 * (@offset + @length overflows), ERANGE (range ends past the descriptor's
 * length), EFAULT (@user_addr not accessible), ENODATA (a user descriptor
 * that is not wired).
 */
#define IOMD_RW_KMAP	0x1u

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
 *		operation on that descriptor (such as mmap).
 * @size:	in: bytes available at @buf.
 * @buf:	in: where to store the reason, a NUL-terminated string,
 *		truncated to @size; the empty string when nothing failed.
 * @errno_value: out: the positive errno of that failure, 0 if none; 0 on
 *		input.
 * @length:	out: length of the full reason, without the NUL; 0 on
 *		input.
 * @reserved:	must be zero.
 *
 * Reading a reason does not clear it.  Errors: EBADF, EBADFD, EINVAL,
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
				 IOMD_USER_PREPARE)

/**
 * struct iomd_user_create - argument of IOMD_IOC_USER_CREATE
 * @ranges:	in: user pointer to @nr_ranges struct iomd_range, in the
 *		calling process.
 * @nr_ranges:	in: 1 to IOMD_USER_MAX_RANGES.
 * @flags:	in: one IOMD_DIR_* (required), optionally
 *		IOMD_CREATE_CLOEXEC and IOMD_USER_PREPARE.
 * @fd:		out: the new descriptor fd; 0 on input.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
 *
 * Describes memory of the calling process (I/O Kit's withAddressRanges):
 * the descriptor's length is the sum of the range lengths, its bytes the
 * ranges' bytes in order.  Nothing is pinned until IOMD_IOC_PREPARE.
 *
 * Errors: EINVAL (no ranges, a zero length, no direction, unknown flags,
 * non-zero reserved), E2BIG (more than IOMD_USER_MAX_RANGES), EOVERFLOW
 * (address + length overflows), EFAULT (a range is not user memory or not
 * mapped, or @ranges cannot be read), EACCES (direction IN, which lets the
 * device write, on read-only memory), and with IOMD_USER_PREPARE the
 * errors of IOMD_IOC_PREPARE.
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
 * INOUT, and charged to the owner's pinned memory (VmPin), limited by
 * RLIMIT_MEMLOCK unless the caller has CAP_IPC_LOCK.  Calls nest; each
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
 * not pinnable), ESRCH (the owner has exited), and for COMPLETE, ENODATA
 * (not wired).
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
 * @peak:	out: most elements allocated at once.
 * @limit:	out: hard limit on @in_use.
 * @total_allocs: out: successful allocations since creation.
 * @total_frees: out: frees since creation.
 * @failures:	out: allocations refused because of the limit or memory.
 * @state:	out: IOMD_ZONE_STATE_* bits.
 * @reserved0:	must be zero.
 * @reserved:	must be zero.
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
	__u64 reserved[2];
};

/* struct iomd_map_create.options */
#define IOMD_MAP_READONLY	0x00000001u	/* never writable */
#define IOMD_MAP_FIXED		0x00000002u	/* exactly at @addr, or fail */
#define IOMD_MAP_ONDEMAND	0x00000004u	/* install pages at first touch */
#define IOMD_MAP_NOFORK		0x00000008u	/* children do not inherit it */
#define IOMD_MAP_OPTIONS	(IOMD_MAP_READONLY | IOMD_MAP_FIXED | \
				 IOMD_MAP_ONDEMAND | IOMD_MAP_NOFORK)

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
 * (like MAP_POPULATE, but in batches); with it, each page at first touch.
 * IOMD_MAP_READONLY mappings cannot be made writable by mprotect()
 * (EACCES) nor written by process_vm_writev() (EFAULT) or the forced
 * writes of ptrace and /proc/PID/mem (EIO); no private copy is made.
 * IOMD_MAP_NOFORK mappings are not inherited by a child, as if
 * madvise(MADV_DONTFORK) had been called; the process can undo it with
 * MADV_DOFORK.  A fixed mapping is never
 * moved or placed over another.  Unmap with munmap() on the whole pages,
 * or IOMD_IOC_UNMAP (which removes every part of the mapping, also parts
 * that mprotect() split off).
 *
 * Errors: those of mmap() on a descriptor fd (above), and EINVAL (unknown
 * options, a fixed @addr whose in-page offset differs from @offset's),
 * ERANGE/EOVERFLOW (the range), EEXIST (the fixed range is taken).
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

/*
 * mmap() on a descriptor fd maps the descriptor's memory, whole pages,
 * starting at the page given by the mmap offset.  Errors: EINVAL (not
 * MAP_SHARED, or the range passes the end of the descriptor), EACCES
 * (PROT_WRITE on an IOMD_DIR_IN descriptor; mprotect() refuses the upgrade
 * likewise), EPERM (memory that cannot be shared: a buffer made without
 * IOMD_BUF_KERNEL_USER_SHARED, a kernel range holding zone memory or
 * partial pages, or user memory that is not one shared VM object;
 * IOMD_IOC_REASON on the fd names the remedy), ENODATA (a user descriptor
 * that is not wired), ENODEV (revoked).  A mapping made by mmap() installs
 * all its pages at its first touch; IOMD_IOC_MAP offers the other options.
 *
 * A user descriptor can be mapped, in any process that has its fd, only
 * when every range is whole pages of one shared VM object: anonymous
 * MAP_SHARED memory, a memfd or tmpfs file mapped MAP_SHARED, or an iomd
 * buffer mapping.  Private memory (malloc, MAP_PRIVATE) cannot be, because
 * its pages belong to one process and are copied on write.
 * Growing the mapping with mremap() fails with EFAULT (the core mm's
 * answer for VM_DONTEXPAND).  The mapping holds the descriptor alive after
 * the fd is closed; a child process inherits it across fork() and shares
 * the same memory.
 */

#endif /* _UAPI_LINUX_IOMD_H */
