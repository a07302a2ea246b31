// SPDX-License-Identifier: GPL-2.0
/* HAVE_MAX_PAGE_ORDER: MAX_PAGE_ORDER, the inclusive largest order (6.8+). */
#include <linux/mmzone.h>

int iomd_probe = MAX_PAGE_ORDER;
