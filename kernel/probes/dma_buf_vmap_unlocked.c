// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_DMA_BUF_VMAP_UNLOCKED: importers that do not hold the reservation
 * lock vmap with dma_buf_vmap_unlocked() (6.2+); before, the plain call
 * locked.
 */
#include <linux/dma-buf.h>

int iomd_probe(struct dma_buf *d, struct iosys_map *m);
int iomd_probe(struct dma_buf *d, struct iosys_map *m)
{
	return dma_buf_vmap_unlocked(d, m);
}
