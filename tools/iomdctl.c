// SPDX-License-Identifier: GPL-2.0
/*
 * iomdctl: inspect the iomd module from the command line.
 *
 * Subcommands live in one table; adding one means writing its function
 * and adding a row.  --json makes every command print one JSON document
 * instead of a table.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

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
static int cmd_ls(int argc, char **argv);
static int cmd_info(int argc, char **argv);

/* --json: print JSON instead of tables. */
static bool json;

static const struct iomd_ctl_cmd commands[] = {
	{ "stats", cmd_stats, "print the module-wide counters" },
	{ "zprint", cmd_zprint,
	  "print every zone's statistics, like macOS zprint [NAME]" },
	{ "version", cmd_version,
	  "print the versions of iomdctl, libiomd and the module" },
	{ "ls", cmd_ls,
	  "list the descriptors and mappings of processes [PID...]" },
	{ "info", cmd_info,
	  "describe one descriptor fd, e.g. /proc/PID/fd/N" },
	{ "help", cmd_help, "show this help" },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_COMMANDS	ARRAY_SIZE(commands)

/* Print @str as a JSON string. */
static void json_str(const char *str)
{
	const unsigned char *c;

	putchar('"');
	for (c = (const unsigned char *)str; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

/* Print ,"@key":@value (no comma when @first). */
static void json_num(bool first, const char *key, unsigned long long value)
{
	printf("%s\"%s\":%llu", first ? "" : ",", key, value);
}

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
	if (json) {
		putchar('{');
		json_num(true, "live_descriptors", st.live_descriptors);
		json_num(false, "live_bytes", st.live_bytes);
		json_num(false, "created_total", st.created_total);
		json_num(false, "max_buffer_bytes", st.max_buffer_bytes);
		json_num(false, "live_zone_elements", st.live_zone_elements);
		json_num(false, "bad_frees", st.bad_frees);
		json_num(false, "pinned_pages", st.pinned_pages);
		printf("}\n");
		return EXIT_OK;
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
	if (json)
		putchar('[');
	else
		printf("%-20s %9s %10s %10s %10s %12s %12s %8s %8s %10s\n",
		       "zone", "elem_size", "in_use", "peak", "limit", "allocs",
		       "frees", "failures", "cached", "cur");
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
		if (json) {
			printf("%s{\"name\":", shown ? "," : "");
			json_str(name);
			json_num(false, "elem_size", zi.elem_size);
			json_num(false, "in_use", zi.in_use);
			json_num(false, "peak", zi.peak);
			json_num(false, "limit", zi.limit);
			json_num(false, "allocs", zi.total_allocs);
			json_num(false, "frees", zi.total_frees);
			json_num(false, "failures", zi.failures);
			json_num(false, "cached", zi.cached);
			printf(",\"dead\":%s}",
			       zi.state & IOMD_ZONE_STATE_DEAD ? "true" : "false");
			shown++;
			continue;
		}
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
	if (json)
		printf("]\n");
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
	fd = iomd_open();
	ret = fd < 0 ? fd : iomd_version(fd, &v);
	if (fd >= 0)
		iomd_close(fd);
	if (json) {
		printf("{\"iomdctl\":\"%s\",\"libiomd\":\"%s\",\"abi\":%u,\"module\":",
		       IOMD_VERSION, iomd_library_version(), IOMD_ABI_VERSION);
		if (ret < 0) {
			printf("null,\"module_error\":");
			json_str(fd < 0 ? iomd_open_error() : strerror(-ret));
			printf("}\n");
		} else {
			printf("{\"version\":\"%u.%u.%u\",\"abi\":%u}}\n",
			       v.major, v.minor, v.patch, v.abi);
		}
		return EXIT_OK;
	}
	printf("iomdctl %s\n", IOMD_VERSION);
	printf("libiomd %s (ABI %u)\n", iomd_library_version(),
	       IOMD_ABI_VERSION);
	if (fd < 0)
		printf("module: %s\n", iomd_open_error());
	else if (ret < 0)
		printf("module: IOMD_IOC_VERSION: %s\n", strerror(-ret));
	else
		printf("module %u.%u.%u (ABI %u)\n", v.major, v.minor,
		       v.patch, v.abi);
	return EXIT_OK;
}

static const char *kind_name(unsigned int kind)
{
	static const char * const names[] = {
		"unknown", "buffer", "kernel", "user", "subrange", "multi",
		"dmabuf"
	};

	return kind < ARRAY_SIZE(names) ? names[kind] : "unknown";
}

static const char *dir_name(unsigned int dir)
{
	switch (dir) {
	case IOMD_DIR_IN:
		return "in";
	case IOMD_DIR_OUT:
		return "out";
	case IOMD_DIR_INOUT:
		return "inout";
	default:
		return "unknown";
	}
}

/**
 * struct iomd_ctl_fd - a descriptor fd of a process, from its fdinfo
 * @fd:		the fd number.
 * @kind:	IOMD_KIND_*.
 * @length:	bytes described.
 * @capacity:	bytes allocated.
 * @direction:	IOMD_DIR_*.
 * @options:	creation options.
 * @cache:	the cache mode's name.
 * @dev:	device of iomd's pseudo file system, where descriptor files
 *		and their mappings' files are.
 * @ino:	the inode the descriptor's own mappings show in
 *		/proc/PID/maps (fdinfo's iomd-inode; 0 before the first).
 */
struct iomd_ctl_fd {
	int fd;
	unsigned int kind;
	unsigned long long length;
	unsigned long long capacity;
	unsigned int direction;
	unsigned int options;
	char cache[32];
	dev_t dev;
	ino_t ino;
};

/**
 * struct iomd_ctl_map - an iomd mapping of a process, from its maps
 * @start:	first address.
 * @end:	address past the end.
 * @perms:	the permissions column, such as "rw-s".
 * @offset:	file offset: the descriptor offset mapped at @start.
 * @ino:	the descriptor's inode.
 */
struct iomd_ctl_map {
	unsigned long long start;
	unsigned long long end;
	char perms[8];
	unsigned long long offset;
	ino_t ino;
};

/**
 * struct iomd_ctl_handles - descriptors a process holds by handles
 * @count:	handles on all its open files of /dev/iomd.
 * @bytes:	their descriptors' lengths, summed.
 */
struct iomd_ctl_handles {
	unsigned long long count;
	unsigned long long bytes;
};

/*
 * Read /proc/@pid/fdinfo/@fd into @d, and add the handles of an open
 * /dev/iomd (its iomd-handles lines) to @h unless it is NULL.  Return: 1
 * for an iomd descriptor, 0 for another file, -errno if it cannot be read.
 */
static int read_fdinfo(int pid, int fd, struct iomd_ctl_fd *d,
		       struct iomd_ctl_handles *h)
{
	unsigned long long ino = ULLONG_MAX;
	char path[64], line[256];
	bool found = false;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "iomd-kind: %u", &d->kind) == 1)
			found = true;
		else if (!strncmp(line, "iomd-length:", 12))
			d->length = strtoull(line + 12, NULL, 0);
		else if (!strncmp(line, "iomd-capacity:", 14))
			d->capacity = strtoull(line + 14, NULL, 0);
		else if (!strncmp(line, "iomd-direction:", 15))
			d->direction = strtoul(line + 15, NULL, 0);
		else if (!strncmp(line, "iomd-options:", 13))
			d->options = strtoul(line + 13, NULL, 0);
		else if (!strncmp(line, "iomd-inode:", 11))
			ino = strtoull(line + 11, NULL, 0);
		else if (h && !strncmp(line, "iomd-handles:", 13))
			h->count += strtoull(line + 13, NULL, 0);
		else if (h && !strncmp(line, "iomd-handle-bytes:", 18))
			h->bytes += strtoull(line + 18, NULL, 0);
		else
			sscanf(line, "iomd-cache: %31s", d->cache);
	}
	fclose(f);
	if (!found)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &st))
		return -errno;
	d->dev = st.st_dev;
	/* A module without iomd-inode gave each descriptor file its own. */
	d->ino = ino == ULLONG_MAX ? st.st_ino : (ino_t)ino;
	return 1;
}

/*
 * Collect @pid's descriptor fds, and the handles of its open files of
 * /dev/iomd into @h; the count of fds, or -errno.
 */
static int read_fds(int pid, struct iomd_ctl_fd **fdsp,
		    struct iomd_ctl_handles *h)
{
	struct iomd_ctl_fd *fds = NULL, *more, d;
	struct dirent *e;
	char path[64];
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    read_fdinfo(pid, atoi(e->d_name), &d, h) != 1)
			continue;
		more = realloc(fds, (n + 1) * sizeof(*fds));
		if (!more)
			break;
		fds = more;
		fds[n++] = d;
	}
	closedir(dir);
	*fdsp = fds;
	return n;
}

/*
 * Collect @pid's iomd mappings: those of a file on @dev (iomd's pseudo
 * file system, learned from descriptor fds), or when @dev is 0, those
 * of a file named "/iomd" there (how such files show).  The count, or
 * -errno.
 */
static int read_maps(int pid, dev_t dev, struct iomd_ctl_map **mapsp)
{
	struct iomd_ctl_map *maps = NULL, *more, m;
	char path[64], line[512], name[256];
	unsigned int major, minor;
	unsigned long long ino;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %255s",
			   &m.start, &m.end, m.perms, &m.offset, &major,
			   &minor, &ino, name) < 7 || !ino)
			continue;
		if (dev ? makedev(major, minor) != dev : strcmp(name, "/iomd"))
			continue;
		m.ino = (ino_t)ino;
		more = realloc(maps, (n + 1) * sizeof(*maps));
		if (!more)
			break;
		maps = more;
		maps[n++] = m;
	}
	fclose(f);
	*mapsp = maps;
	return n;
}

static void read_comm(int pid, char *comm, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(comm, (int)size, f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
}

/* The fd of @fds whose inode @ino is, or -1. */
static int fd_of(const struct iomd_ctl_fd *fds, int nfds, ino_t ino)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (fds[i].ino == ino)
			return fds[i].fd;
	return -1;
}

static void print_fd(const struct iomd_ctl_fd *d)
{
	if (json) {
		printf("{\"fd\":%d,\"kind\":\"%s\"", d->fd, kind_name(d->kind));
		json_num(false, "length", d->length);
		json_num(false, "capacity", d->capacity);
		printf(",\"direction\":\"%s\"", dir_name(d->direction));
		json_num(false, "options", d->options);
		printf(",\"cache\":");
		json_str(d->cache);
		printf(",\"inode\":%llu}", (unsigned long long)d->ino);
		return;
	}
	printf("  fd %d: %s, %llu bytes (capacity %llu), %s, %s, inode %llu\n",
	       d->fd, kind_name(d->kind), d->length, d->capacity,
	       dir_name(d->direction), d->cache, (unsigned long long)d->ino);
}

static void print_map(const struct iomd_ctl_map *m, int fd)
{
	if (json) {
		printf("{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"perms\":\"%s\"",
		       m->start, m->end, m->perms);
		json_num(false, "offset", m->offset);
		json_num(false, "length", m->end - m->start);
		json_num(false, "inode", m->ino);
		printf(",\"fd\":%d}", fd);
		return;
	}
	printf("  map 0x%llx-0x%llx %s offset %llu: %llu bytes, inode %llu",
	       m->start, m->end, m->perms, m->offset, m->end - m->start,
	       (unsigned long long)m->ino);
	if (fd >= 0)
		printf(" (fd %d)", fd);
	printf("\n");
}

/*
 * One process: its descriptors and mappings.  @always: show it even
 * with neither.  @first: no JSON element printed yet.  Return: whether
 * it was shown.
 */
static bool ls_pid(int pid, bool always, bool first)
{
	struct iomd_ctl_handles h = { 0, 0 };
	struct iomd_ctl_map *maps = NULL;
	struct iomd_ctl_fd *fds = NULL;
	int nfds, nmaps, i;
	char comm[64];

	nfds = read_fds(pid, &fds, &h);
	if (nfds < 0) {
		if (always)
			fprintf(stderr, "iomdctl: /proc/%d/fd: %s\n", pid,
				strerror(-nfds));
		return false;
	}
	nmaps = read_maps(pid, nfds ? fds[0].dev : 0, &maps);
	if (nmaps < 0)
		nmaps = 0;
	if (!nfds && !nmaps && !h.count && !always) {
		free(fds);
		free(maps);
		return false;
	}
	read_comm(pid, comm, sizeof(comm));
	if (json) {
		printf("%s{\"pid\":%d,\"comm\":", first ? "" : ",", pid);
		json_str(comm);
		printf(",\"handles\":%llu,\"handle_bytes\":%llu", h.count,
		       h.bytes);
		printf(",\"descriptors\":[");
	} else {
		printf("pid %d (%s): %d descriptor%s, %d mapping%s", pid,
		       comm, nfds, nfds == 1 ? "" : "s", nmaps,
		       nmaps == 1 ? "" : "s");
		if (h.count)
			printf(", %llu handle%s (%llu bytes)", h.count,
			       h.count == 1 ? "" : "s", h.bytes);
		putchar('\n');
	}
	for (i = 0; i < nfds; i++) {
		if (json && i)
			putchar(',');
		print_fd(&fds[i]);
	}
	if (json)
		printf("],\"mappings\":[");
	for (i = 0; i < nmaps; i++) {
		if (json && i)
			putchar(',');
		print_map(&maps[i], fd_of(fds, nfds, maps[i].ino));
	}
	if (json)
		printf("]}");
	free(fds);
	free(maps);
	return true;
}

/* A PID argument: a positive number, or -1. */
static int parse_pid(const char *arg)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(arg, &end, 10);
	if (errno || *end || end == arg || pid <= 0 || pid > INT_MAX)
		return -1;
	return (int)pid;
}

/*
 * The descriptors (from /proc/PID/fdinfo) and mappings (from
 * /proc/PID/maps) of the processes given, or of every process that has
 * any.  Processes not readable (another user's, without privilege) are
 * skipped.
 */
static int cmd_ls(int argc, char **argv)
{
	bool first = true;
	struct dirent *e;
	int i, pid, ret = EXIT_OK;
	DIR *dir;

	for (i = 1; i < argc; i++) {
		if (parse_pid(argv[i]) < 0) {
			fprintf(stderr, "usage: iomdctl ls [PID...]\n");
			return EXIT_USAGE;
		}
	}
	if (json)
		putchar('[');
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			pid = parse_pid(argv[i]);
			if (ls_pid(pid, true, first))
				first = false;
			else
				ret = EXIT_FAILED;
		}
	} else {
		dir = opendir("/proc");
		if (!dir) {
			perror("iomdctl: /proc");
			return EXIT_FAILED;
		}
		while ((e = readdir(dir))) {
			pid = parse_pid(e->d_name);
			if (pid > 0 && ls_pid(pid, false, first))
				first = false;
		}
		closedir(dir);
	}
	if (json)
		printf("]\n");
	return ret;
}

/*
 * One descriptor fd, named by its /proc path: /proc/PID/fd/N.  Says
 * which mappings of that process show it.
 */
static int cmd_info(int argc, char **argv)
{
	struct iomd_ctl_map *maps = NULL;
	struct iomd_ctl_fd d;
	int pid, fd, n, i, nmaps, shown = 0;
	char rest;

	if (argc != 2 ||
	    sscanf(argv[1], "/proc/%d/fd/%d%c", &pid, &fd, &rest) != 2) {
		fprintf(stderr, "usage: iomdctl info /proc/PID/fd/N\n");
		return EXIT_USAGE;
	}
	n = read_fdinfo(pid, fd, &d, NULL);
	if (n < 0) {
		fprintf(stderr, "iomdctl: %s: %s\n", argv[1], strerror(-n));
		return EXIT_FAILED;
	}
	if (!n) {
		fprintf(stderr, "iomdctl: %s is not an iomd descriptor\n",
			argv[1]);
		return EXIT_FAILED;
	}
	nmaps = read_maps(pid, d.dev, &maps);
	if (json) {
		printf("{\"pid\":%d,\"descriptor\":", pid);
		print_fd(&d);
		printf(",\"mappings\":[");
	} else {
		printf("%s: iomd descriptor of pid %d\n", argv[1], pid);
		printf("  kind       %s\n", kind_name(d.kind));
		printf("  length     %llu\n", d.length);
		printf("  capacity   %llu\n", d.capacity);
		printf("  direction  %s\n", dir_name(d.direction));
		printf("  options    %#x%s\n", d.options,
		       d.options & IOMD_BUF_KERNEL_USER_SHARED ?
		       " (kernel-user shared)" : "");
		printf("  cache      %s\n", d.cache);
		printf("  inode      %llu\n", (unsigned long long)d.ino);
	}
	for (i = 0; i < nmaps; i++) {
		if (maps[i].ino != d.ino)
			continue;
		if (json && shown)
			putchar(',');
		print_map(&maps[i], fd);
		shown++;
	}
	if (json)
		printf("]}\n");
	else if (!shown)
		printf("  not mapped by pid %d\n", pid);
	free(maps);
	return EXIT_OK;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: iomdctl [--json] [-h|--help] [-V|--version] %s",
		"<command> [args]\n\ncommands:\n");
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

	while (argc > 1 && !strcmp(argv[1], "--json")) {
		json = true;
		argc--;
		argv++;
	}
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
