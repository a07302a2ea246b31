// SPDX-License-Identifier: GPL-2.0
/*
 * iomdctl_cli: iomdctl's commands against this process.
 *
 * The test holds a shared buffer and maps it, then runs iomdctl (from
 * $PATH): --version names the module's release, `ls PID` and `--json ls
 * PID` list the descriptor (from /proc/PID/fdinfo) and the mapping (from
 * /proc/PID/maps, matched to the fd by inode), `ls` alone finds this
 * process among all, `info /proc/PID/fd/N` describes the descriptor and
 * its mapping, and refuses a file that is not one; --help works and an
 * unknown command is a usage error.  A buffer held by a handle of the
 * open /dev/iomd is counted, with its bytes, by `ls` and `--json ls`.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iomd_test.h"

#define PLAN	15

static char out[16384];

/* Run the shell command @cmd; its stdout in out[], its exit status. */
static int run(const char *cmd)
{
	size_t n = 0, got;
	FILE *f;
	int status;

	out[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n < sizeof(out) - 1 &&
	       (got = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += got;
	out[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One check: @cmd exits with @want and its output has @needle. */
static void expect(const char *cmd, int want, const char *needle)
{
	int rc = run(cmd);
	bool pass = rc == want && (!needle || strstr(out, needle));

	iomd_tap_ok(pass, "%s: status %d%s%s", cmd, want,
		    needle ? ", prints " : "", needle ? needle : "");
	if (!pass)
		iomd_tap_diag("status %d, output: %.400s", rc, out);
}

int main(void)
{
	char cmd[256], needle[256];
	size_t page = iomd_page_size();
	int iomd_fd, fd, pid = getpid();
	void *p = MAP_FAILED;
	uint32_t handle;

	iomd_tap_plan(PLAN);
	iomd_fd = iomd_test_open();
	fd = iomd_buffer_create(iomd_fd, 2 * page, 0,
				IOMD_TEST_SHARED_INOUT | IOMD_CREATE_CLOEXEC);
	if (fd >= 0)
		p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	iomd_tap_ok(fd >= 0 && p != MAP_FAILED, "a mapped two-page buffer");
	if (fd < 0 || p == MAP_FAILED)
		iomd_tap_bail("no buffer to list");

	snprintf(needle, sizeof(needle), "module %s (ABI %u)", IOMD_VERSION,
		 IOMD_ABI_VERSION);
	expect("iomdctl --version", 0, needle);

	snprintf(cmd, sizeof(cmd), "iomdctl ls %d", pid);
	snprintf(needle, sizeof(needle), "fd %d: buffer, %zu bytes", fd,
		 2 * page);
	expect(cmd, 0, needle);
	snprintf(needle, sizeof(needle), "map %p-", p);
	expect(cmd, 0, needle);
	snprintf(needle, sizeof(needle), "%zu bytes, inode", 2 * page);
	expect(cmd, 0, needle);

	snprintf(cmd, sizeof(cmd), "iomdctl --json ls %d", pid);
	snprintf(needle, sizeof(needle), "{\"fd\":%d,\"kind\":\"buffer\"", fd);
	expect(cmd, 0, needle);
	snprintf(needle, sizeof(needle), "\"start\":\"%p\"", p);
	expect(cmd, 0, needle);

	snprintf(needle, sizeof(needle), "pid %d (iomdctl_cli)", pid);
	expect("iomdctl ls", 0, needle);

	iomd_tap_ok(!iomd_buffer_create_handle(iomd_fd, 3 * page, 0,
					       IOMD_TEST_SHARED_INOUT,
					       &handle),
		    "a three-page buffer held by a handle");
	snprintf(cmd, sizeof(cmd), "iomdctl ls %d", pid);
	snprintf(needle, sizeof(needle), "1 mapping, 1 handle (%zu bytes)",
		 3 * page);
	expect(cmd, 0, needle);
	snprintf(cmd, sizeof(cmd), "iomdctl --json ls %d", pid);
	snprintf(needle, sizeof(needle), "\"handles\":1,\"handle_bytes\":%zu",
		 3 * page);
	expect(cmd, 0, needle);

	snprintf(cmd, sizeof(cmd), "iomdctl info /proc/%d/fd/%d", pid, fd);
	snprintf(needle, sizeof(needle), "(fd %d)", fd);
	expect(cmd, 0, needle);
	snprintf(cmd, sizeof(cmd), "iomdctl info /proc/%d/fd/%d 2>&1", pid,
		 iomd_fd);
	expect(cmd, 1, "is not an iomd descriptor");

	expect("iomdctl --help", 0, "  ls ");
	expect("iomdctl no-such-command 2>/dev/null", 2, NULL);

	munmap(p, 2 * page);
	close(fd);
	close(iomd_fd);
	return iomd_tap_finish();
}
