// SPDX-License-Identifier: GPL-2.0
/*
 * iomdctl: inspect the iomd module from the command line.
 *
 * Subcommands live in one table; adding one means writing its function
 * and adding a row.
 */
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
static int cmd_help(int argc, char **argv);

static const struct iomd_ctl_cmd commands[] = {
	{ "stats", cmd_stats, "print the module-wide counters" },
	{ "help", cmd_help, "show this help" },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_COMMANDS	ARRAY_SIZE(commands)

/* Open /dev/iomd, explaining a failure on stderr. */
static int open_device(void)
{
	int fd = iomd_open();

	if (fd < 0)
		fprintf(stderr, "iomdctl: cannot open %s: %s\n",
			IOMD_DEVICE_PATH, strerror(-fd));
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

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: iomdctl <command> [args]\n\ncommands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
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
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "iomdctl: unknown command '%s'\n\n", argv[1]);
	print_usage(stderr);
	return EXIT_USAGE;
}
