// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_MM_LOCK_SEQCOUNT: mm->mm_lock_seq is a seqcount_t that every
 * mmap_lock write section advances (per-VMA locks, 6.13+, and stable
 * kernels that took it back, Debian's 6.12 among them).
 */
#include <linux/mm_types.h>
#include <linux/mmap_lock.h>
#include <linux/seqlock.h>

unsigned int iomd_probe(struct mm_struct *mm, unsigned int seq);
unsigned int iomd_probe(struct mm_struct *mm, unsigned int seq)
{
	return raw_read_seqcount(&mm->mm_lock_seq) +
		read_seqcount_retry(&mm->mm_lock_seq, seq);
}
