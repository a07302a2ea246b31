// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SET_PAGES_ARRAY: set_pages_array_wc(), _uc() and _wb() change the
 * cache mode of pages in the kernel's direct map (x86).
 */
#include <linux/mm.h>
#include <linux/set_memory.h>

int iomd_probe(struct page **pages, int count);
int iomd_probe(struct page **pages, int count)
{
	return set_pages_array_wc(pages, count) +
	       set_pages_array_uc(pages, count) +
	       set_pages_array_wb(pages, count);
}
