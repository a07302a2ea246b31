// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs views: /sys/kernel/debug/iomd/zones (zprint) and .../stats.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "client.h"

static struct dentry *iomd_debugfs_dir;

static int iomd_zones_show(struct seq_file *m, void *unused)
{
	struct iomd_zone_stat st;
	unsigned int i;

	seq_printf(m, "%-24s %9s %10s %10s %10s %12s %12s %8s %8s\n", "zone",
		   "elem_size", "in_use", "peak", "limit", "allocs", "frees",
		   "failures", "cached");
	for (i = 0; !iomd_zone_stat_at(i, &st); i++)
		seq_printf(m, "%-24s %9zu %10lu %10lu %10lu %12lu %12lu %8lu %8lu%s\n",
			   st.name, st.elem_size, st.in_use, st.peak, st.limit,
			   st.total_allocs, st.total_frees, st.failures,
			   st.cached, st.dead ? " dead" : "");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iomd_zones);

static int iomd_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "live_descriptors %lld\n",
		   (long long)atomic64_read(&iomd_counters.live_descriptors));
	seq_printf(m, "live_bytes %lld\n",
		   (long long)atomic64_read(&iomd_counters.live_bytes));
	seq_printf(m, "created_total %lld\n",
		   (long long)atomic64_read(&iomd_counters.created_total));
	seq_printf(m, "live_zone_elements %ld\n", iomd_zone_live_elements());
	seq_printf(m, "bad_frees %ld\n",
		   atomic_long_read(&iomd_counters.bad_frees));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iomd_stats);

void iomd_debugfs_init(void)
{
	/* debugfs is optional: failures here only lose the views. */
	iomd_debugfs_dir = debugfs_create_dir("iomd", NULL);
	debugfs_create_file("zones", 0444, iomd_debugfs_dir, NULL,
			    &iomd_zones_fops);
	debugfs_create_file("stats", 0444, iomd_debugfs_dir, NULL,
			    &iomd_stats_fops);
}

void iomd_debugfs_exit(void)
{
	debugfs_remove_recursive(iomd_debugfs_dir);
}
