// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_DMA_BUF_MAP_UNLOCKED: importers that do not hold the reservation
 * lock map with dma_buf_map_attachment_unlocked() (6.2+, and Debian's 6.1
 * has it); before, the plain call locked.
 */
#include <linux/dma-buf.h>

struct sg_table *iomd_probe(struct dma_buf_attachment *a);
struct sg_table *iomd_probe(struct dma_buf_attachment *a)
{
	return dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
}
