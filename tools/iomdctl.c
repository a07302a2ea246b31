// SPDX-License-Identifier: GPL-2.0
/*
 * iomdctl: inspect the iomd module from the command line.
 *
 * Subcommands live in one table; adding one means writing its function
 * and adding a row.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libiomd.h"

/* Exit statuses: success, the operation failed, bad command line. */
#define EXIT_OK		0
#define EXIT_FAILED	1
#define EXIT_USAGE	2

struct iomd_ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static int cmd_stats(int argc, char **argv);
static int cmd_zprint(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct iomd_ctl_cmd commands[] = {
	{ "stats", cmd_stats, "print the module-wide counters" },
	{ "zprint", cmd_zprint,
	  "print every zone's statistics, like macOS zprint [NAME]" },
	{ "version", cmd_version,
	  "print the versions of iomdctl, libiomd and the module" },
	{ "help", cmd_help, "show this help" },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_COMMANDS	ARRAY_SIZE(commands)

/* Open /dev/iomd, explaining a failure on stderr. */
static int open_device(void)
{
	int fd = iomd_open();

	if (fd < 0)
		fprintf(stderr, "iomdctl: %s\n", iomd_open_error());
	return fd;
}

/* Format @bytes with a binary unit, e.g. "64.0 MiB". */
static const char *human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char * const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024.0 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024.0;
		u++;
	}
	if (!u)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

static int cmd_stats(int argc, char **argv)
{
	struct iomd_stats st;
	char h[32];
	int fd, ret;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: iomdctl stats\n");
		return EXIT_USAGE;
	}
	fd = open_device();
	if (fd < 0)
		return EXIT_FAILED;
	ret = iomd_stats(fd, &st);
	iomd_close(fd);
	if (ret < 0) {
		fprintf(stderr, "iomdctl: IOMD_IOC_STATS: %s\n",
			strerror(-ret));
		return EXIT_FAILED;
	}
	printf("%-18s %20s\n", "counter", "value");
	printf("%-18s %20llu\n", "live_descriptors",
	       (unsigned long long)st.live_descriptors);
	printf("%-18s %20llu  (%s)\n", "live_bytes",
	       (unsigned long long)st.live_bytes,
	       human_bytes(st.live_bytes, h, sizeof(h)));
	printf("%-18s %20llu\n", "created_total",
	       (unsigned long long)st.created_total);
	printf("%-18s %20llu  (%s)\n", "max_buffer_bytes",
	       (unsigned long long)st.max_buffer_bytes,
	       human_bytes(st.max_buffer_bytes, h, sizeof(h)));
	printf("%-18s %20llu\n", "live_zone_elements",
	       (unsigned long long)st.live_zone_elements);
	printf("%-18s %20llu\n", "bad_frees", (unsigned long long)st.bad_frees);
	return EXIT_OK;
}

/*
 * One line per zone: the columns of macOS zprint.  "cached" counts free
 * elements kept in per-CPU caches (held, so under the limit, but not in
 * use); "peak" counts both.  "cur" is the memory the
 * live elements take (element bytes, without headers); a zone destroyed
 * while elements were still live is flagged "dead".  With NAME, only that
 * zone, and exit status 1 if there is none.
 */
static int cmd_zprint(int argc, char **argv)
{
	char name[IOMD_ZONE_NAME_MAX], h[32];
	struct iomd_zone_info zi;
	unsigned int i, shown = 0;
	int fd, ret;

	if (argc > 2) {
		fprintf(stderr, "usage: iomdctl zprint [NAME]\n");
		return EXIT_USAGE;
	}
	fd = open_device();
	if (fd < 0)
		return EXIT_FAILED;
	printf("%-20s %9s %10s %10s %10s %12s %12s %8s %8s %10s\n", "zone",
	       "elem_size", "in_use", "peak", "limit", "allocs", "frees",
	       "failures", "cached", "cur");
	for (i = 0; ; i++) {
		ret = iomd_zone_info(fd, i, &zi, name);
		if (ret == -ENOENT)
			break;
		if (ret < 0) {
			fprintf(stderr, "iomdctl: IOMD_IOC_ZONE_INFO: %s\n",
				strerror(-ret));
			iomd_close(fd);
			return EXIT_FAILED;
		}
		if (argc == 2 && strcmp(argv[1], name))
			continue;
		printf("%-20s %9llu %10llu %10llu %10llu %12llu %12llu %8llu %8llu %10s%s\n",
		       name, (unsigned long long)zi.elem_size,
		       (unsigned long long)zi.in_use,
		       (unsigned long long)zi.peak,
		       (unsigned long long)zi.limit,
		       (unsigned long long)zi.total_allocs,
		       (unsigned long long)zi.total_frees,
		       (unsigned long long)zi.failures,
		       (unsigned long long)zi.cached,
		       human_bytes(zi.in_use * zi.elem_size, h, sizeof(h)),
		       zi.state & IOMD_ZONE_STATE_DEAD ? " dead" : "");
		shown++;
	}
	iomd_close(fd);
	return argc == 2 && !shown ? EXIT_FAILED : EXIT_OK;
}

/*
 * iomdctl's own release, libiomd's (the same VERSION file built both) and
 * the module's, with the ABI levels.  A module that is not loaded is said
 * so, and is not an error: the tool's and library's versions are still
 * worth printing.
 */
static int cmd_version(int argc, char **argv)
{
	struct iomd_version v;
	int fd, ret;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: iomdctl --version\n");
		return EXIT_USAGE;
	}
	printf("iomdctl %s\n", IOMD_VERSION);
	printf("libiomd %s (ABI %u)\n", iomd_library_version(),
	       IOMD_ABI_VERSION);
	fd = iomd_open();
	if (fd < 0) {
		printf("module: %s\n", iomd_open_error());
		return EXIT_OK;
	}
	ret = iomd_version(fd, &v);
	iomd_close(fd);
	if (ret < 0) {
		printf("module: IOMD_IOC_VERSION: %s\n", strerror(-ret));
		return EXIT_FAILED;
	}
	printf("module %u.%u.%u (ABI %u)\n", v.major, v.minor, v.patch, v.abi);
	return EXIT_OK;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: iomdctl [-h|--help] [-V|--version] <command> [args]\n\ncommands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nSee iomdctl(8).\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "iomdctl: unknown command '%s'\n\n", argv[1]);
	print_usage(stderr);
	return EXIT_USAGE;
}
