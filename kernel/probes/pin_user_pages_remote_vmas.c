// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_PIN_USER_PAGES_REMOTE_VMAS: pin_user_pages_remote() still takes a
 * vmas array (before 6.5).
 */
#include <linux/mm.h>

long iomd_probe(struct mm_struct *mm, struct page **pages);
long iomd_probe(struct mm_struct *mm, struct page **pages)
{
	return pin_user_pages_remote(mm, 0, 1, FOLL_LONGTERM, pages, NULL,
				     NULL);
}
