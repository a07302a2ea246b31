// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics of a user mapping (IOMD_IOC_MAP_INFO): where the whole
 * mapping is, what it maps, and how many page-table entries it has.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>

#include "client.h"

/* apply_to_existing_page_range() callback: count a present entry. */
static int iomd_count_pte(pte_t *pte, unsigned long addr, void *data)
{
	u64 *resident = data;

	if (pte_present(ptep_get(pte)))
		*resident += PAGE_SIZE;
	return 0;
}

/*
 * Count the page-table entries in [@start, @end) of @mm: bytes mapped
 * and PMD entries.  A snapshot under mmap_lock, good enough for
 * statistics: entries may come and go while it runs.
 *
 * The kernel exports no walker of user page tables to modules on 6.1 or
 * 6.12 (walk_page_range() is not exported), nor any that reports PMD
 * entries: each PMD is looked at here, read once as GUP-fast reads it,
 * and where it points to a page table, the entries are counted by
 * apply_to_existing_page_range(), which maps and locks that table as the
 * core mm does (pte_offset_map_lock()).  A table stays a table under
 * mmap_lock held for reading: no iomd mapping is collapsed into huge
 * entries, and PMD entries are only ever installed where there was none.
 */
static void iomd_count_entries(struct mm_struct *mm, unsigned long start,
			       unsigned long end, u64 *resident, u64 *huge)
{
	unsigned long addr, next;

	for (addr = start; addr < end; addr = next) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;
		pud_t *pud, pudval;
		pmd_t pmdval;

		next = pmd_addr_end(addr, end);
		if (pgd_none(*pgd) || pgd_bad(*pgd))
			continue;
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(*p4d) || p4d_bad(*p4d))
			continue;
		pud = pud_offset(p4d, addr);
		pudval = READ_ONCE(*pud);
		if (pud_none(pudval) || !pud_present(pudval) || pud_bad(pudval))
			continue;
		pmdval = READ_ONCE(*pmd_offset(pud, addr));
		if (pmd_none(pmdval) || !pmd_present(pmdval))
			continue;
		if (pmd_trans_huge(pmdval)) {
			(*huge)++;
			*resident += next - addr;
			continue;
		}
		apply_to_existing_page_range(mm, addr, next - addr,
					     iomd_count_pte, resident);
	}
}

/**
 * iomd_map_info() - describe the current task's iomd mapping at an address
 * @info:	in: @info->addr, an address inside an iomd mapping of the
 *		current task; out: the rest of it (see struct iomd_map_info).
 * @why:	failure reason; may be NULL.
 *
 * Tells where the whole mapping is, which descriptor offset it starts
 * at, how much of it has page-table entries and how many of those are
 * huge (PMD) entries, so callers and tests can check that a mapping got
 * the entries they expect.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINVAL if no iomd mapping contains @info->addr.
 */
int iomd_map_info(struct iomd_map_info *info, struct iomd_why *why)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long start = 0, end = 0;

	info->flags = 0;
	info->resident = 0;
	info->huge_entries = 0;
	mmap_read_lock(mm);
	vma = iomd_mapping_extent(mm, info->addr, &start, &end);
	if (vma) {
		info->map_addr = start;
		info->map_length = end - start;
		if (iomd_file_is_window(vma->vm_file)) {
			info->offset = iomd_window_offset(vma);
			info->flags |= IOMD_MAP_INFO_OBJECT;
		} else {
			info->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
		}
		if (!(vma->vm_flags & VM_MAYWRITE))
			info->flags |= IOMD_MAP_INFO_READONLY;
		if (iomd_vma_is_folio(vma))
			info->flags |= IOMD_MAP_INFO_HUGE;
		iomd_count_entries(mm, start, end, &info->resident,
				   &info->huge_entries);
	}
	mmap_read_unlock(mm);
	if (!vma)
		return iomd_fail(why, -EINVAL,
				 "no iomd mapping contains 0x%llx", info->addr);
	return 0;
}
EXPORT_SYMBOL_GPL(iomd_map_info);

