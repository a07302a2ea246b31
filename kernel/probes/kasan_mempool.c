// SPDX-License-Identifier: GPL-2.0
/* HAVE_KASAN_MEMPOOL: kasan_mempool_poison_object() and its unpoison (6.8+). */
#include <linux/kasan.h>

bool iomd_probe(void *obj);
bool iomd_probe(void *obj)
{
	kasan_mempool_unpoison_object(obj, 1);
	return kasan_mempool_poison_object(obj);
}
