// SPDX-License-Identifier: GPL-2.0
/* HAVE_SHRINKER_ALLOC: the core allocates shrinkers (6.7+). */
#include <linux/shrinker.h>

struct shrinker *iomd_probe(void);
struct shrinker *iomd_probe(void)
{
	struct shrinker *s = shrinker_alloc(0, "iomd-probe");

	if (s)
		shrinker_register(s);
	return s;
}
