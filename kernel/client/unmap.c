// SPDX-License-Identifier: GPL-2.0
/*
 * Unmapping by address (IOMemoryMap::unmap()): the whole iomd mapping
 * around an address, including the parts mprotect() split off.
 */
#include <linux/mm.h>
#include <linux/module.h>

#include "client.h"

/**
 * iomd_unmap_address() - remove the iomd mapping at a user address
 * @addr:	any address inside the mapping, in the current task.
 * @why:	failure reason; may be NULL.
 *
 * The explicit unmap of a mapping object (IOMemoryMap::unmap()): the
 * whole mapping goes, including parts that mprotect() split off.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINVAL if no iomd mapping contains @addr.
 */
int iomd_unmap_address(unsigned long addr, struct iomd_why *why)
{
	struct mm_struct *mm = current->mm;
	unsigned long start = 0, end = 0;

	mmap_read_lock(mm);
	iomd_mapping_extent(mm, addr, &start, &end);
	mmap_read_unlock(mm);
	if (start == end)
		return iomd_fail(why, -EINVAL,
				 "no iomd mapping contains 0x%lx", addr);
	return vm_munmap(start, end - start);
}
EXPORT_SYMBOL_GPL(iomd_unmap_address);

