/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libiomd: thin user-space wrappers around the /dev/iomd ABI defined in
 * <linux/iomd.h>.
 *
 * Every function that can fail returns a negative errno value on failure
 * and never relies on the caller reading errno (errno may still be changed
 * as a side effect of the underlying system calls).  File descriptors and
 * other non-negative results are returned directly.
 *
 * Handles (struct iomd_handle) are returned through a uint32_t pointer,
 * since they do not fit a non-negative int; a @desc_fd parameter that goes
 * to an ioctl on @iomd_fd also takes a handle of that file, as
 * (int)handle, except iomd_reason()'s (iomd_handle_reason() is the one for
 * a handle).  The functions that return a new fd refuse
 * IOMD_CREATE_HANDLE (-EINVAL): the *_handle() variants take it.
 */
#ifndef _LIBIOMD_H
#define _LIBIOMD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/iomd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Path of the iomd user client device. */
#define IOMD_DEVICE_PATH	"/dev/" IOMD_DEVICE_NAME

/**
 * iomd_open() - open the iomd user client
 *
 * Opens IOMD_DEVICE_PATH (or the node the environment variable
 * IOMD_DEVICE names, except in set-user-ID programs) read-write and
 * close-on-exec, and asks the module its version (IOMD_IOC_VERSION).  A
 * module whose ABI level is not the IOMD_ABI_VERSION this library was
 * built with is refused: libiomd does not talk to an ABI it does not
 * know.  On failure iomd_open_error() says why in a sentence that names
 * the remedy (for a missing node: "is the iomd module loaded? (modprobe
 * iomd)").
 *
 * Return: the /dev/iomd file descriptor, or -errno: -ENOENT (no such
 * node), -EACCES (no permission), -EPROTO (not an iomd module, or one of
 * another ABI level), or what open() reported.
 */
int iomd_open(void);

/**
 * iomd_open_error() - why the last iomd_open() of this thread failed
 *
 * Return: a sentence naming the cause and the remedy, or the empty string
 * when the last iomd_open() of the calling thread succeeded.  Valid until
 * the thread's next iomd_open().
 */
const char *iomd_open_error(void);

/**
 * iomd_version() - the version of the module behind /dev/iomd
 *	(IOMD_IOC_VERSION)
 * @iomd_fd: /dev/iomd file descriptor.
 * @out: receives the module's ABI level and release numbers.
 *
 * Return: 0, or -errno (-ENOTTY from a module older than the ioctl).
 */
int iomd_version(int iomd_fd, struct iomd_version *out);

/**
 * iomd_library_version() - the release of this libiomd
 *
 * Return: a static string, "MAJOR.MINOR.PATCH", the VERSION the library
 * was built from (the module's release has the same form).
 */
const char *iomd_library_version(void);

/**
 * iomd_close() - close a /dev/iomd or descriptor file descriptor
 * @fd: the file descriptor.
 *
 * Closing a descriptor fd does not unmap its mappings: they keep the
 * descriptor alive until munmap().
 *
 * Return: 0, or -errno.
 */
int iomd_close(int fd);

/**
 * iomd_ioctl() - issue a raw ioctl, errno-free
 * @fd: file descriptor the ioctl is issued on.
 * @request: ioctl number, such as IOMD_IOC_INFO.
 * @arg: argument structure.
 *
 * For callers that need to fill the uAPI structures themselves.
 *
 * Return: the ioctl's non-negative result, or -errno.
 */
int iomd_ioctl(int fd, unsigned long request, void *arg);

/**
 * iomd_buffer_create() - create a buffer descriptor (IOMD_IOC_BUFFER_CREATE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @capacity: bytes to allocate, at least 1.
 * @alignment: power-of-two alignment in bytes, or 0 for one page.
 * @flags: one IOMD_DIR_* value, optionally IOMD_BUF_KERNEL_USER_SHARED,
 *	IOMD_BUF_CACHE(IOMD_CACHE_*) and IOMD_CREATE_CLOEXEC.
 *
 * Return: the new descriptor file descriptor, or -errno.
 */
int iomd_buffer_create(int iomd_fd, uint64_t capacity, uint64_t alignment,
		       uint32_t flags);

/**
 * iomd_map() - map a descriptor's memory into this process
 * @desc_fd: descriptor file descriptor.
 * @offset: byte offset into the descriptor; must be a multiple of the page
 *	size.
 * @length: bytes to map, not 0; rounded up to whole pages.
 * @prot: PROT_READ, optionally with PROT_WRITE.
 * @addrp: where the address of the mapping is stored on success.
 *
 * The mapping is always MAP_SHARED: it is the memory the kernel sees.
 * Pass the same @length to iomd_unmap().
 *
 * Return: 0, or -errno: -EINVAL for an unaligned @offset or a zero
 * @length, otherwise what mmap() reported.
 */
int iomd_map(int desc_fd, uint64_t offset, size_t length, int prot,
	     void **addrp);

/**
 * iomd_unmap() - remove a mapping made by iomd_map()
 * @addr: address returned by iomd_map().
 * @length: length given to iomd_map(); rounded up to whole pages.
 *
 * Return: 0, or -errno.
 */
int iomd_unmap(void *addr, size_t length);

/**
 * iomd_map_create() - map a descriptor with options (IOMD_IOC_MAP)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @options: IOMD_MAP_* bits.
 * @addr: with IOMD_MAP_FIXED, where the first mapped byte must be (its
 *	offset in its page must equal @offset's); otherwise 0.
 * @offset: first byte of the descriptor to map; any alignment.
 * @length: bytes to map, or 0 for the rest of the descriptor.
 * @out: receives the ioctl's result on success: @out->addr is where the
 *	first mapped byte is, @out->length the bytes mapped from there,
 *	@out->map_addr and @out->map_length the whole-page mapping around
 *	them.  May be NULL.
 *
 * Unmap with iomd_unmap_addr(), or munmap() of @out->map_addr and
 * @out->map_length.
 *
 * Return: 0, or -errno.
 */
int iomd_map_create(int iomd_fd, int desc_fd, uint32_t options,
		    uint64_t addr, uint64_t offset, uint64_t length,
		    struct iomd_map_create *out);

/**
 * iomd_unmap_addr() - remove the iomd mapping around an address
 *	(IOMD_IOC_UNMAP)
 * @iomd_fd: /dev/iomd file descriptor.
 * @addr: any address inside an iomd mapping of this process.
 *
 * Return: 0, or -errno (-EINVAL when no iomd mapping contains @addr).
 */
int iomd_unmap_addr(int iomd_fd, const void *addr);

/**
 * iomd_map_info() - how an iomd mapping is mapped now (IOMD_IOC_MAP_INFO)
 * @iomd_fd: /dev/iomd file descriptor.
 * @addr: any address inside an iomd mapping of this process.
 * @out: receives the whole mapping's extent, the descriptor offset at its
 *	start, the bytes that have page-table entries and how many of those
 *	are huge (PMD) entries.
 *
 * Return: 0, or -errno (-EINVAL when no iomd mapping contains @addr).
 */
int iomd_map_info(int iomd_fd, const void *addr, struct iomd_map_info *out);

/**
 * iomd_revoke() - cut every user mapping of a descriptor (IOMD_IOC_REVOKE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 *
 * Later touches of the descriptor's mappings, in every process, get
 * SIGBUS; later maps and kernel reads and writes fail with -ENODEV.
 *
 * Return: 0, or -errno.
 */
int iomd_revoke(int iomd_fd, int desc_fd);

/**
 * iomd_info() - describe a descriptor (IOMD_IOC_INFO)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @info: filled in on success.
 *
 * Return: 0, or -errno.
 */
int iomd_info(int iomd_fd, int desc_fd, struct iomd_info *info);

/**
 * iomd_kread() - have the kernel read from a descriptor (IOMD_IOC_KREAD)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @offset: byte offset into the descriptor.
 * @buf: destination in this process.
 * @len: bytes to copy; may be 0.
 *
 * Return: 0, or -errno.
 */
int iomd_kread(int iomd_fd, int desc_fd, uint64_t offset, void *buf,
	       size_t len);

/**
 * iomd_kwrite() - have the kernel write into a descriptor (IOMD_IOC_KWRITE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @offset: byte offset into the descriptor.
 * @buf: source in this process.
 * @len: bytes to copy; may be 0.
 *
 * Return: 0, or -errno.
 */
int iomd_kwrite(int iomd_fd, int desc_fd, uint64_t offset, const void *buf,
		size_t len);

/**
 * iomd_kread_flags() - iomd_kread() with IOMD_RW_* flags
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @flags: IOMD_RW_KMAP (through the kernel mapping) and
 *	IOMD_RW_CACHE(mode) (fail with -EOPNOTSUPP unless the memory has
 *	that cache mode).
 * @offset: byte offset into the descriptor.
 * @buf: destination in this process.
 * @len: bytes to copy; may be 0.
 *
 * Return: 0, or -errno.
 */
int iomd_kread_flags(int iomd_fd, int desc_fd, uint32_t flags,
		     uint64_t offset, void *buf, size_t len);

/**
 * iomd_kwrite_flags() - iomd_kwrite() with IOMD_RW_* flags
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @flags: as for iomd_kread_flags().
 * @offset: byte offset into the descriptor.
 * @buf: source in this process.
 * @len: bytes to copy; may be 0.
 *
 * Return: 0, or -errno.
 */
int iomd_kwrite_flags(int iomd_fd, int desc_fd, uint32_t flags,
		      uint64_t offset, const void *buf, size_t len);

/**
 * iomd_cache_name() - readable name of a cache mode
 * @mode: IOMD_CACHE_*, as IOMD_BUF_CACHE_MODE() of struct iomd_info's
 *	options gives it.
 *
 * Return: a static string: "default", "write-back", "write-combined",
 * "uncached", or "unknown".
 */
const char *iomd_cache_name(uint32_t mode);

/**
 * iomd_reason() - fetch the reason of the last failure (IOMD_IOC_REASON)
 * @iomd_fd: /dev/iomd file descriptor, or a negative value to ask the
 *	descriptor @fd itself (a process that was passed a descriptor fd
 *	needs no /dev/iomd to learn why an mmap() of it failed).
 * @fd: a descriptor fd for the last failed operation on that descriptor
 *	(such as mmap()), or any negative value for the last failed ioctl on
 *	@iomd_fd itself.
 * @err: receives that failure as a negative errno (-ERANGE...), or 0 if
 *	nothing failed; may be NULL.  Untouched when the reason cannot be
 *	read.
 * @buf: receives the NUL-terminated reason, truncated to @size; may be
 *	NULL when @size is 0.
 * @size: bytes available at @buf.
 *
 * Reading a reason does not clear it.  Like every libiomd call, the
 * return value only says whether this call worked; the failure it
 * describes comes back in @err.
 *
 * Return: 0, or -errno if the reason could not be read (-EBADF when both
 * fds are negative).
 */
int iomd_reason(int iomd_fd, int fd, int *err, char *buf, size_t size);

/**
 * iomd_handle_reason() - the reason of a handle's descriptor's last failure
 * @iomd_fd: the /dev/iomd file descriptor the handle belongs to.
 * @handle: the handle.
 * @err: as for iomd_reason().
 * @buf: as for iomd_reason().
 * @size: as for iomd_reason().
 *
 * iomd_reason() takes any negative @fd for the client itself, and a handle
 * passed as an int is negative: this is the call for a handle.
 *
 * Return: 0, or -errno (-EBADF: not a handle of @iomd_fd).
 */
int iomd_handle_reason(int iomd_fd, uint32_t handle, int *err, char *buf,
		       size_t size);

/**
 * iomd_stats() - read module-wide counters (IOMD_IOC_STATS)
 * @iomd_fd: /dev/iomd file descriptor.
 * @stats: filled in on success.
 *
 * Return: 0, or -errno.
 */
int iomd_stats(int iomd_fd, struct iomd_stats *stats);

/**
 * iomd_zone_info() - statistics of one zone (IOMD_IOC_ZONE_INFO)
 * @iomd_fd: /dev/iomd file descriptor.
 * @index: which zone, from 0.
 * @info: filled in on success.
 * @name: receives the zone's name; IOMD_ZONE_NAME_MAX bytes, or NULL.
 *
 * Return: 0, -ENOENT past the last zone, or another -errno.
 */
int iomd_zone_info(int iomd_fd, unsigned int index,
		   struct iomd_zone_info *info, char *name);

/**
 * iomd_user_create() - describe memory of this process (IOMD_IOC_USER_CREATE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @ranges: the ranges, in the order their bytes appear in the descriptor.
 * @nr: number of ranges, 1 to IOMD_USER_MAX_RANGES.
 * @flags: one IOMD_DIR_* value, optionally IOMD_CREATE_CLOEXEC and
 *	IOMD_USER_PREPARE.
 *
 * Nothing is pinned unless @flags has IOMD_USER_PREPARE; otherwise call
 * iomd_prepare() before the kernel reads, writes or maps the memory.
 *
 * Return: the new descriptor file descriptor, or -errno.
 */
int iomd_user_create(int iomd_fd, const struct iomd_range *ranges,
		     unsigned int nr, uint32_t flags);

/**
 * iomd_user_create_handle() - describe memory of this process, as a handle
 * @iomd_fd: /dev/iomd file descriptor; the handle is this file's.
 * @ranges: the ranges, in the order their bytes appear in the descriptor.
 * @nr: number of ranges, 1 to IOMD_USER_MAX_RANGES.
 * @flags: one IOMD_DIR_* value, optionally IOMD_USER_PREPARE;
 *	IOMD_CREATE_HANDLE is implied.
 * @handle: receives the handle on success.
 *
 * As iomd_user_create(), without an fd: wiring and unwiring
 * (iomd_handle_close()) cost one ioctl each.
 *
 * Return: 0, or -errno (-EMFILE: RLIMIT_NOFILE handles on @iomd_fd).
 */
int iomd_user_create_handle(int iomd_fd, const struct iomd_range *ranges,
			    unsigned int nr, uint32_t flags, uint32_t *handle);

/**
 * iomd_buffer_create_handle() - create a buffer descriptor, as a handle
 * @iomd_fd: /dev/iomd file descriptor; the handle is this file's.
 * @capacity: bytes to allocate, at least 1.
 * @alignment: power-of-two alignment in bytes, or 0 for one page.
 * @flags: as for iomd_buffer_create(), without IOMD_CREATE_CLOEXEC;
 *	IOMD_CREATE_HANDLE is implied.
 * @handle: receives the handle on success.
 *
 * Return: 0, or -errno.
 */
int iomd_buffer_create_handle(int iomd_fd, uint64_t capacity,
			      uint64_t alignment, uint32_t flags,
			      uint32_t *handle);

/**
 * iomd_handle_close() - drop a handle (IOMD_IOC_HANDLE_CLOSE)
 * @iomd_fd: the /dev/iomd file descriptor the handle belongs to.
 * @handle: the handle.
 *
 * The descriptor lives on while fds, mappings or composites hold it.
 *
 * Return: 0, or -errno (-EBADF: not a handle of @iomd_fd).
 */
int iomd_handle_close(int iomd_fd, uint32_t handle);

/**
 * iomd_handle_export() - a new fd of a handle's descriptor
 *	(IOMD_IOC_HANDLE_EXPORT)
 * @iomd_fd: the /dev/iomd file descriptor the handle belongs to.
 * @handle: the handle; it stays open.
 * @flags: 0 or IOMD_CREATE_CLOEXEC.
 *
 * For mmap(), another process or a driver, which take fds only.
 *
 * Return: the new fd, or -errno.
 */
int iomd_handle_export(int iomd_fd, uint32_t handle, uint32_t flags);

/**
 * iomd_export_dmabuf() - make a descriptor a dma-buf
 *	(IOMD_IOC_EXPORT_DMABUF)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: a descriptor fd, of a descriptor user space may map.
 * @flags: 0 or IOMD_CREATE_CLOEXEC.
 *
 * The dma-buf keeps the descriptor alive and wired; mmap() it like the
 * descriptor, synchronise CPU access with DMA_BUF_IOCTL_SYNC, and pass it
 * to any subsystem that imports dma-bufs.
 *
 * Return: the new dma-buf fd, or -errno.
 */
int iomd_export_dmabuf(int iomd_fd, int desc_fd, uint32_t flags);

/**
 * iomd_import_dmabuf() - make a dma-buf a descriptor
 *	(IOMD_IOC_IMPORT_DMABUF)
 * @iomd_fd: /dev/iomd file descriptor.
 * @dmabuf_fd: a dma-buf fd: a udmabuf, a dma-heap buffer, one from
 *	iomd_export_dmabuf(), any exporter's.
 * @flags: an IOMD_DIR_* value (0: IOMD_DIR_INOUT for a dma-buf open for
 *	writing, IOMD_DIR_OUT for a read-only one), optionally
 *	IOMD_CREATE_CLOEXEC.
 *
 * The descriptor (kind IOMD_KIND_DMABUF) keeps the dma-buf alive after
 * @dmabuf_fd is closed; the memory stays the exporter's.  Read and write
 * it with iomd_kread() and iomd_kwrite(), compose it with
 * iomd_subrange_create() and iomd_multi_create(), and map it with mmap()
 * or iomd_map(), which the dma-buf's own mmap serves.  After
 * iomd_revoke() kernel access and new mappings fail with ENODEV.
 *
 * Return: the new descriptor fd, or -errno (-EBADFD: not a dma-buf).
 */
int iomd_import_dmabuf(int iomd_fd, int dmabuf_fd, uint32_t flags);

/**
 * iomd_subrange_create() - a descriptor of part of another
 *	(IOMD_IOC_SUBRANGE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: the parent descriptor fd, of any kind.
 * @offset: first byte of the parent covered; any alignment.
 * @length: bytes covered, at least 1.
 * @flags: optionally one IOMD_DIR_* (0 inherits the parent's) and
 *	IOMD_CREATE_CLOEXEC.
 *
 * Return: the new descriptor file descriptor, or -errno.
 */
int iomd_subrange_create(int iomd_fd, int desc_fd, uint64_t offset,
			 uint64_t length, uint32_t flags);

/**
 * iomd_multi_create() - a descriptor of several end to end (IOMD_IOC_MULTI)
 * @iomd_fd: /dev/iomd file descriptor.
 * @fds: the descriptor fds, in the order of their bytes.
 * @nr: number of fds, 1 to IOMD_MULTI_MAX_DESCS.
 * @flags: optionally one IOMD_DIR_* (0: what every part allows) and
 *	IOMD_CREATE_CLOEXEC.
 *
 * Return: the new descriptor file descriptor, or -errno (-E2BIG for more
 * than IOMD_MULTI_MAX_DESCS fds, without asking the kernel).
 */
int iomd_multi_create(int iomd_fd, const int *fds, unsigned int nr,
		      uint32_t flags);

/**
 * iomd_segments() - the physically contiguous runs of a wired descriptor
 *	(IOMD_IOC_SEGMENTS)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 * @first: index of the first run to return.
 * @segs: room for @nr runs; may be NULL when @nr is 0.
 * @nr: entries at @segs.
 * @out: receives the ioctl's result (@out->total runs in all,
 *	@out->out_flags with IOMD_SEGMENTS_PHYS when the physical
 *	addresses are shown, which needs CAP_SYS_ADMIN); may be NULL.
 *
 * Return: the number of runs stored at @segs, or -errno.
 */
int iomd_segments(int iomd_fd, int desc_fd, uint32_t first,
		  struct iomd_segment *segs, uint32_t nr,
		  struct iomd_segments *out);

/**
 * iomd_prepare() - wire a descriptor's memory (IOMD_IOC_PREPARE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 *
 * Calls nest; each needs an iomd_complete().
 *
 * Return: the wire count after the call, or -errno.
 */
int iomd_prepare(int iomd_fd, int desc_fd);

/**
 * iomd_complete() - undo one iomd_prepare() (IOMD_IOC_COMPLETE)
 * @iomd_fd: /dev/iomd file descriptor.
 * @desc_fd: descriptor file descriptor.
 *
 * Return: the wire count after the call, or -errno (-ENODATA when the
 * descriptor is not wired).
 */
int iomd_complete(int iomd_fd, int desc_fd);

/**
 * iomd_page_size() - the page size mappings are made of
 *
 * Return: sysconf(_SC_PAGESIZE).
 */
size_t iomd_page_size(void);

/**
 * iomd_send_fd() - pass a descriptor fd to another process
 * @sock: a connected unix socket (SOCK_STREAM, SOCK_DGRAM or
 *	SOCK_SEQPACKET).
 * @fd: the fd to pass (SCM_RIGHTS), with one byte of data.
 *
 * The receiver gets its own fd of the same descriptor, with
 * iomd_recv_fd(); the descriptor lives until both are closed.
 *
 * Return: 0, or -errno.
 */
int iomd_send_fd(int sock, int fd);

/**
 * iomd_recv_fd() - receive a descriptor fd sent by iomd_send_fd()
 * @sock: the other end of the sender's unix socket.
 *
 * Waits for the message; the new fd is close-on-exec.
 *
 * Return: the new fd, or -errno: -ECONNRESET (the peer closed the
 * socket), -ENOMSG (a message without exactly one fd), or what recvmsg()
 * reported.
 */
int iomd_recv_fd(int sock);

/**
 * iomd_errno_name() - symbolic name of an errno value
 * @err: an errno value, positive or negative.
 *
 * Return: a static string such as "EINVAL", "0" for 0, or "E?" for values
 * the table does not know.
 */
const char *iomd_errno_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* _LIBIOMD_H */
