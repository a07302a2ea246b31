// SPDX-License-Identifier: GPL-2.0
/*
 * iomd-bench: run iomd's benchmark cases (see bench.h and
 * docs/benchmarks.md).
 *
 *   iomd-bench [OPTIONS] run     every case, interleaved, PASSES times
 *   iomd-bench [OPTIONS] smoke   every case once at tiny sizes (make check)
 *   iomd-bench [OPTIONS] one CASE SIZE   one measurement, in this process
 *   iomd-bench list              the cases
 *
 * run and smoke measure every case in a fresh process (`one`, executed
 * from /proc/self/exe), in the order pass by pass, group by group, size by
 * size, case by case, so that the cases compared with each other run side
 * by side in time.  Their output is TAP: one result per case that ran
 * (ok when every measurement of it succeeded), with the measurements as
 * diagnostic lines that bench/report.awk reads:
 *
 *   # bench-meta KEY=VALUE ...
 *   # bench-group group=N unit=UNIT title=TEXT
 *   # bench-case case=NAME group=N baseline=NAME|- label=TEXT
 *   # bench-missing case=NAME why=TEXT
 *   # bench pass=P case=NAME size=BYTES ns=NS units=N
 *   # bench-fail pass=P case=NAME size=BYTES status=N
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define IOMD_BENCH_MAX_SIZES	32
#define IOMD_BENCH_MIN_PASSES	7
/* Most cases in one group. */
#define IOMD_BENCH_MAX_CASES	20

static const struct iomd_bench_group *const iomd_bench_groups[] = {
	&iomd_bench_map_group,
	&iomd_bench_remap_group,
	&iomd_bench_wire_group,
	&iomd_bench_alloc_group,
	&iomd_bench_exchange_group,
	&iomd_bench_small_group,
	&iomd_bench_describe_group,
};

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define IOMD_BENCH_NGROUPS	ARRAY_SIZE(iomd_bench_groups)

/**
 * struct iomd_bench_plan - what a run measures
 * @passes:	times every measurement is repeated.
 * @map:	buffer sizes of cases 1-3.
 * @nmap:	entries in @map.
 * @alloc:	size classes of case 4.
 * @nalloc:	entries in @alloc.
 * @msg:	message size of case 5.
 * @small:	buffer sizes of case 6: 1, 4 and 16 pages.
 * @nsmall:	entries in @small.
 * @groups:	bit N set: run group N.
 * @cases:	comma-separated globs of case names to run, or NULL for all.
 */
struct iomd_bench_plan {
	unsigned int passes;
	size_t map[IOMD_BENCH_MAX_SIZES];
	unsigned int nmap;
	size_t alloc[IOMD_BENCH_MAX_SIZES];
	unsigned int nalloc;
	size_t msg;
	size_t small[3];
	unsigned int nsmall;
	unsigned int groups;
	const char *cases;
};

/* Per case: measurements that worked and that failed. */
struct iomd_bench_tally {
	unsigned int good;
	unsigned int bad;
};

static void iomd_bench_usage(FILE *f)
{
	fputs("usage: iomd-bench [OPTIONS] run|smoke|list\n"
	      "       iomd-bench [OPTIONS] one CASE SIZE\n"
	      "options:\n"
	      "  -p, --passes N     passes of run (at least 7; default 7)\n"
	      "  -s, --sizes LIST   buffer sizes of cases 1-3, whole pages, e.g. 64K,1M,256M\n"
	      "                     (default: a page to 256M by powers of 4)\n"
	      "  -g, --groups LIST  case numbers to run, e.g. 1,4 (default all)\n"
	      "  -c, --cases LIST   globs of case names, e.g. 'c1.*,c4.iomd*'\n"
	      "  -m, --msg SIZE     message size of case 5 (default 1M)\n"
	      "  -n, --msgs N       messages per case-5 measurement (default 32)\n"
	      "  -i, --iters N      alloc+free pairs per thread in case 4 (default 20480)\n"
	      "  -y, --cycles N     cycles per measurement of case 6 (default 1000)\n",
	      f);
}

/* "4096", "4K", "1M", "1G": bytes, or 0 if malformed. */
static size_t iomd_bench_parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	case 'm': case 'M':
		v <<= 20;
		end++;
		break;
	case 'g': case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	return *end ? 0 : (size_t)v;
}

/* Fill @out with the sizes in @list (separated by commas or spaces). */
static int iomd_bench_parse_sizes(const char *list, size_t *out,
				  unsigned int *n)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	*n = 0;
	for (tok = strtok_r(copy, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (*n == IOMD_BENCH_MAX_SIZES || !iomd_bench_parse_size(tok)) {
			fprintf(stderr, "iomd-bench: bad size '%s'\n", tok);
			ret = -EINVAL;
			break;
		}
		out[(*n)++] = iomd_bench_parse_size(tok);
		if (out[*n - 1] % iomd_bench_page_size()) {
			fprintf(stderr,
				"iomd-bench: size '%s' is not a multiple of the page size (%zu)\n",
				tok, iomd_bench_page_size());
			ret = -EINVAL;
			break;
		}
	}
	free(copy);
	return ret ? ret : (*n ? 0 : -EINVAL);
}

/*
 * Fill @out with the default sizes: from one page by powers of 4 up to
 * 256 MiB (4K, 16K, ..., 256M with 4 KiB pages), or, for the smoke test,
 * one page and 16 pages.
 */
static void iomd_bench_default_sizes(size_t *out, unsigned int *n, bool smoke)
{
	size_t page = iomd_bench_page_size(), sz;

	*n = 0;
	if (smoke) {
		out[(*n)++] = page;
		out[(*n)++] = 16 * page;
		return;
	}
	for (sz = page; sz <= (256UL << 20) && *n < IOMD_BENCH_MAX_SIZES;
	     sz *= 4)
		out[(*n)++] = sz;
}

/* Bit N for every number N in @list. */
static unsigned int iomd_bench_parse_groups(const char *list)
{
	unsigned int mask = 0;
	const char *p;

	for (p = list; *p; p++)
		if (*p >= '1' && *p <= '0' + (int)IOMD_BENCH_NGROUPS)
			mask |= 1u << (*p - '0');
	return mask;
}

/* Does @name match one of the comma-separated globs in @list? */
static bool iomd_bench_selected(const char *list, const char *name)
{
	char *copy, *tok, *save = NULL;
	bool hit = false;

	if (!list || !*list)
		return true;
	copy = strdup(list);
	if (!copy)
		return true;
	for (tok = strtok_r(copy, ", ", &save); tok && !hit;
	     tok = strtok_r(NULL, ", ", &save))
		hit = !fnmatch(tok, name, 0);
	free(copy);
	return hit;
}

static const struct iomd_bench_case *iomd_bench_find(const char *name,
						     const struct iomd_bench_group **gp)
{
	const struct iomd_bench_case *c;
	unsigned int g;

	for (g = 0; g < IOMD_BENCH_NGROUPS; g++)
		for (c = iomd_bench_groups[g]->cases; c->name; c++)
			if (!strcmp(c->name, name)) {
				*gp = iomd_bench_groups[g];
				return c;
			}
	return NULL;
}

/* `one`: measure @name once at @size here; print "ns=N units=N". */
static int iomd_bench_one(const char *name, const char *size_arg)
{
	const struct iomd_bench_group *g;
	const struct iomd_bench_case *c = iomd_bench_find(name, &g);
	struct iomd_bench_sample s = { 0, 0 };
	size_t size = iomd_bench_parse_size(size_arg);
	int ret;

	if (!c || !c->run || !size) {
		fprintf(stderr, "iomd-bench: no runnable case '%s' of size '%s'\n",
			name, size_arg);
		return 2;
	}
	/*
	 * The first clock reads of a process cost tens of microseconds
	 * under TCG, and the first read after t0 would charge them to the
	 * call timed: read the clock before the case does.
	 */
	for (ret = 0; ret < 3; ret++)
		iomd_bench_now_ns();
	ret = c->run(c, size, &s);
	if (ret)
		return 1;
	if (!s.ns || !s.units) {
		fprintf(stderr, "iomd-bench: %s: implausible result ns=%llu units=%llu\n",
			name, (unsigned long long)s.ns,
			(unsigned long long)s.units);
		return 1;
	}
	printf("ns=%llu units=%llu\n", (unsigned long long)s.ns,
	       (unsigned long long)s.units);
	return fflush(stdout) ? 1 : 0;
}

/*
 * Run `one` for @c at @size in a new process; fill @s from its output.
 * Returns its exit status (0 when it worked), or -1 when it died.
 */
static int iomd_bench_spawn(const struct iomd_bench_case *c, size_t size,
			    struct iomd_bench_sample *s)
{
	char msgs[16], iters[16], cycles[16], sz[32], out[128];
	unsigned long long ns, units;
	int fds[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	snprintf(msgs, sizeof(msgs), "%u", iomd_bench_opts.msg_count);
	snprintf(iters, sizeof(iters), "%u", iomd_bench_opts.alloc_iters);
	snprintf(cycles, sizeof(cycles), "%u", iomd_bench_opts.cycles);
	snprintf(sz, sizeof(sz), "%zu", size);
	if (pipe(fds))
		return iomd_bench_fail("pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return iomd_bench_fail("fork");
	if (!pid) {
		char *argv[11];

		argv[0] = "iomd-bench";
		argv[1] = "--msgs";
		argv[2] = msgs;
		argv[3] = "--iters";
		argv[4] = iters;
		argv[5] = "--cycles";
		argv[6] = cycles;
		argv[7] = "one";
		argv[8] = (char *)c->name;
		argv[9] = sz;
		argv[10] = NULL;
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(fds[1]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	while (len < (ssize_t)sizeof(out) - 1) {
		n = read(fds[0], out + len, sizeof(out) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	out[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return iomd_bench_fail("waitpid");
	if (!WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status))
		return WEXITSTATUS(status);
	if (sscanf(out, "ns=%llu units=%llu", &ns, &units) != 2)
		return 1;
	s->ns = ns;
	s->units = units;
	return 0;
}

/* The sizes group @g runs at. */
static const size_t *iomd_bench_sizes_of(const struct iomd_bench_plan *plan,
					 const struct iomd_bench_group *g,
					 unsigned int *n)
{
	switch (g->sizes) {
	case IOMD_BENCH_SIZES_MAP:
		*n = plan->nmap;
		return plan->map;
	case IOMD_BENCH_SIZES_ALLOC:
		*n = plan->nalloc;
		return plan->alloc;
	case IOMD_BENCH_SIZES_SMALL:
		*n = plan->nsmall;
		return plan->small;
	default:
		*n = 1;
		return &plan->msg;
	}
}

static bool iomd_bench_wanted(const struct iomd_bench_plan *plan,
			      const struct iomd_bench_group *g,
			      const struct iomd_bench_case *c)
{
	return (plan->groups & (1u << g->group)) &&
	       iomd_bench_selected(plan->cases, c->name);
}

/* Is @c measured at @size? */
static bool iomd_bench_runs_at(const struct iomd_bench_plan *plan,
			       const struct iomd_bench_group *g,
			       const struct iomd_bench_case *c, size_t size)
{
	return c->run && iomd_bench_wanted(plan, g, c) &&
	       size >= c->min_size && (!c->max_size || size <= c->max_size);
}

/* Header lines: what ran where, and every case, for the report. */
static unsigned int iomd_bench_describe(const struct iomd_bench_plan *plan)
{
	const struct iomd_bench_case *c;
	unsigned int g, i, runnable = 0;
	struct utsname u;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	printf("# bench-meta passes=%u page_size=%zu cpus=%u kernel=%s msgs=%u iters=%u",
	       plan->passes, iomd_bench_page_size(), iomd_bench_cpus(),
	       u.release, iomd_bench_opts.msg_count,
	       iomd_bench_opts.alloc_iters);
	printf(" cycles=%u\n", iomd_bench_opts.cycles);
	printf("# bench-meta map_sizes=");
	for (i = 0; i < plan->nmap; i++)
		printf("%s%zu", i ? "," : "", plan->map[i]);
	printf(" alloc_sizes=");
	for (i = 0; i < plan->nalloc; i++)
		printf("%s%zu", i ? "," : "", plan->alloc[i]);
	printf(" msg_size=%zu\n", plan->msg);

	for (g = 0; g < IOMD_BENCH_NGROUPS; g++) {
		const struct iomd_bench_group *grp = iomd_bench_groups[g];

		if (!(plan->groups & (1u << grp->group)))
			continue;
		printf("# bench-group group=%u unit=%s title=%s\n", grp->group,
		       grp->unit, grp->title);
		for (c = grp->cases; c->name; c++) {
			if (!iomd_bench_wanted(plan, grp, c))
				continue;
			printf("# bench-case case=%s group=%u baseline=%s label=%s\n",
			       c->name, grp->group,
			       c->baseline ? c->baseline : "-", c->label);
			if (c->run)
				runnable++;
			else
				printf("# bench-missing case=%s why=%s\n",
				       c->name, c->missing);
		}
	}
	return runnable;
}

/* Measure @c at @size in a new process and print the outcome. */
static void iomd_bench_measure(unsigned int pass,
			       const struct iomd_bench_case *c, size_t size,
			       struct iomd_bench_tally *tally)
{
	struct iomd_bench_sample s = { 0, 0 };
	int status = iomd_bench_spawn(c, size, &s);

	if (status) {
		tally->bad++;
		printf("# bench-fail pass=%u case=%s size=%zu status=%d\n",
		       pass, c->name, size, status);
	} else {
		tally->good++;
		printf("# bench pass=%u case=%s size=%zu ns=%llu units=%llu\n",
		       pass, c->name, size, (unsigned long long)s.ns,
		       (unsigned long long)s.units);
	}
	fflush(stdout);
}

/* `run` and `smoke`: every case, interleaved; TAP out. */
static int iomd_bench_run(const struct iomd_bench_plan *plan)
{
	struct iomd_bench_tally tally[IOMD_BENCH_NGROUPS][IOMD_BENCH_MAX_CASES];
	const struct iomd_bench_group *grp;
	const struct iomd_bench_case *c;
	unsigned int pass, g, i, k, nsizes, runnable, failed = 0, n = 0;
	const size_t *sizes;

	for (g = 0; g < IOMD_BENCH_NGROUPS; g++) {
		for (k = 0, c = iomd_bench_groups[g]->cases; c->name; k++, c++)
			;
		if (k > IOMD_BENCH_MAX_CASES) {
			fprintf(stderr, "iomd-bench: group %u has %u cases, more than %u\n",
				iomd_bench_groups[g]->group, k,
				IOMD_BENCH_MAX_CASES);
			return 2;
		}
	}
	memset(tally, 0, sizeof(tally));
	printf("TAP version 13\n");
	runnable = iomd_bench_describe(plan);
	printf("1..%u\n", runnable);
	fflush(stdout);

	/* Pass by pass, so every case is spread over the whole run. */
	for (pass = 1; pass <= plan->passes; pass++) {
		for (g = 0; g < IOMD_BENCH_NGROUPS; g++) {
			grp = iomd_bench_groups[g];
			sizes = iomd_bench_sizes_of(plan, grp, &nsizes);
			for (i = 0; i < nsizes; i++)
				for (k = 0, c = grp->cases; c->name; k++, c++)
					if (iomd_bench_runs_at(plan, grp, c,
							       sizes[i]))
						iomd_bench_measure(pass, c,
								   sizes[i],
								   &tally[g][k]);
		}
	}

	for (g = 0; g < IOMD_BENCH_NGROUPS; g++) {
		grp = iomd_bench_groups[g];
		for (k = 0, c = grp->cases; c->name; k++, c++) {
			if (!c->run || !iomd_bench_wanted(plan, grp, c))
				continue;
			n++;
			if (tally[g][k].bad)
				failed++;
			printf("%sok %u - %s: %u measurements, %u failed\n",
			       tally[g][k].bad ? "not " : "", n, c->name,
			       tally[g][k].good, tally[g][k].bad);
		}
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

/* The size classes of case 4: the zone classes, then two page sizes. */
static void iomd_bench_alloc_classes(struct iomd_bench_plan *plan, bool smoke)
{
	size_t page = iomd_bench_page_size(), sz;

	plan->nalloc = 0;
	if (smoke) {
		plan->alloc[plan->nalloc++] = 16;
		plan->alloc[plan->nalloc++] = 2048;
		plan->alloc[plan->nalloc++] = page;
		return;
	}
	for (sz = 16; sz <= 2048; sz *= 2)
		plan->alloc[plan->nalloc++] = sz;
	plan->alloc[plan->nalloc++] = page;
	plan->alloc[plan->nalloc++] = 4 * page;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "passes", required_argument, NULL, 'p' },
		{ "sizes", required_argument, NULL, 's' },
		{ "groups", required_argument, NULL, 'g' },
		{ "cases", required_argument, NULL, 'c' },
		{ "msg", required_argument, NULL, 'm' },
		{ "msgs", required_argument, NULL, 'n' },
		{ "iters", required_argument, NULL, 'i' },
		{ "cycles", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct iomd_bench_plan plan = {
		.passes = IOMD_BENCH_MIN_PASSES,
		.msg = 1 << 20,
		.groups = ~0u,
	};
	const char *sizes = NULL;
	bool smoke = false;
	const char *cmd;
	int opt;

	while ((opt = getopt_long(argc, argv, "+p:s:g:c:m:n:i:y:h", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'p':
			plan.passes = strtoul(optarg, NULL, 10);
			break;
		case 's':
			sizes = optarg;
			break;
		case 'g':
			plan.groups = iomd_bench_parse_groups(optarg);
			break;
		case 'c':
			plan.cases = optarg;
			break;
		case 'm':
			plan.msg = iomd_bench_parse_size(optarg);
			break;
		case 'n':
			iomd_bench_opts.msg_count = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			iomd_bench_opts.alloc_iters = strtoul(optarg, NULL, 10);
			break;
		case 'y':
			iomd_bench_opts.cycles = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			iomd_bench_usage(stdout);
			return 0;
		default:
			iomd_bench_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		iomd_bench_usage(stderr);
		return 2;
	}
	cmd = argv[optind];

	if (!strcmp(cmd, "one")) {
		if (argc - optind != 3) {
			iomd_bench_usage(stderr);
			return 2;
		}
		return iomd_bench_one(argv[optind + 1], argv[optind + 2]);
	}
	if (!strcmp(cmd, "list")) {
		const struct iomd_bench_case *c;
		unsigned int g;

		for (g = 0; g < IOMD_BENCH_NGROUPS; g++)
			for (c = iomd_bench_groups[g]->cases; c->name; c++)
				printf("%-22s %s%s\n", c->name, c->label,
				       c->run ? "" : " (not available)");
		return 0;
	}
	if (!strcmp(cmd, "smoke")) {
		/* Seconds: every case once, at sizes that cost nothing. */
		smoke = true;
		iomd_bench_opts.msg_count = 2;
		iomd_bench_opts.alloc_iters = 256;
		iomd_bench_opts.cycles = 8;
		plan.passes = 1;
		plan.msg = 64 << 10;
	} else if (strcmp(cmd, "run")) {
		iomd_bench_usage(stderr);
		return 2;
	} else if (plan.passes < IOMD_BENCH_MIN_PASSES) {
		fprintf(stderr, "iomd-bench: at least %u passes, not %u\n",
			IOMD_BENCH_MIN_PASSES, plan.passes);
		return 2;
	}
	if (!sizes)
		iomd_bench_default_sizes(plan.map, &plan.nmap, smoke);
	else if (iomd_bench_parse_sizes(sizes, plan.map, &plan.nmap))
		plan.nmap = 0;
	if (!plan.nmap || !plan.msg || !plan.groups || !iomd_bench_opts.msg_count ||
	    !iomd_bench_opts.alloc_iters || !iomd_bench_opts.cycles) {
		iomd_bench_usage(stderr);
		return 2;
	}
	iomd_bench_alloc_classes(&plan, smoke);
	plan.small[0] = iomd_bench_page_size();
	plan.small[1] = 4 * plan.small[0];
	plan.small[2] = 16 * plan.small[0];
	plan.nsmall = 3;
	return iomd_bench_run(&plan);
}
