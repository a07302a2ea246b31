#!/bin/sh
# run.sh NAME|KDIR|IMAGE[|APPEND]
#
# Host side of `make bench`: boot one kernel BENCH_BOOTS times in the VM's
# bench mode (vm/run.sh bench; vm/init runs `iomd-bench run` there), keep
# each boot's output as build/bench/boot-N.log, then write the report
# (bench/report.sh): the console table, report.md, results.json and the
# plot, all under build/bench/.
#
# The VM runs use a build directory of their own, build/bench/build (so
# a `make check` running at the same time cannot mix its logs with ours),
# and wait until no other QEMU runs: TCG keeps a core busy, and another VM
# running alongside would distort the timings.
#
# Environment (set by mk/bench.mk):
#   BUILD          output directory (default build)
#   BENCH_IDLE_WAIT  seconds to wait for other QEMUs to finish before each
#                  boot (default 900); after that the boot runs anyway,
#                  flagged in the report
#   BENCH_BOOTS    boots (default 3)
#   BENCH_PASSES   passes per boot, at least 7 (default 7)
#   BENCH_SIZES    buffer sizes of cases 1-3, e.g. "4K 1M 64M" (default:
#                  iomd-bench's, 4K to 256M by powers of 4)
#   BENCH_GROUPS   case numbers to run, e.g. "1 4" (default all)
#   BENCH_CASES    globs of case names, e.g. "c1.* c4.iomd_pair*"
#   VM_*, ...      passed on to vm/run.sh
# Exit status 1 if a boot failed (its verdict says why) or no boot gave
# any measurement.
set -u

spec=${1:?usage: run.sh NAME|KDIR|IMAGE[|APPEND]}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${BUILD:-build}
out=$build/bench
name=${spec%%|*}
boots=${BENCH_BOOTS:-3}
passes=${BENCH_PASSES:-7}

# others: how many QEMU processes run now (none of them ours)
others() {
	pgrep -c -f '^qemu-system-' 2>/dev/null || true
}

# wait_idle: wait up to BENCH_IDLE_WAIT seconds for other QEMUs to end;
# false if some still run.
wait_idle() {
	waited=0
	limit=${BENCH_IDLE_WAIT:-900}
	[ "$(others)" = 0 ] && return 0
	echo "    waiting up to $limit s for $(others) other QEMU process(es) to end (they would distort the timings)"
	while [ "$(others)" != 0 ] && [ "$waited" -lt "$limit" ]; do
		sleep 5
		waited=$((waited + 5))
	done
	[ "$(others)" = 0 ]
}

# commas LIST: the words of LIST joined by commas
commas() {
	echo "$*" | tr -s ' \t' ',,' | sed 's/^,//; s/,$//'
}

case $boots in '' | *[!0-9]* | 0)
	echo "bench: BENCH_BOOTS must be a positive number" >&2; exit 2 ;;
esac
case $passes in '' | *[!0-9]*)
	echo "bench: BENCH_PASSES must be a number (at least 7)" >&2; exit 2 ;;
esac
if [ "$passes" -lt 7 ]; then
	echo "bench: BENCH_PASSES=$passes; at least 7 passes are needed" >&2
	exit 2
fi

# Settings for vm/init, on the kernel command line (one word each).
args="iomdvm.bench_passes=$passes"
[ -z "${BENCH_SIZES:-}" ] ||
	args="$args iomdvm.bench_sizes=$(commas "$BENCH_SIZES")"
[ -z "${BENCH_GROUPS:-}" ] ||
	args="$args iomdvm.bench_groups=$(commas "$BENCH_GROUPS")"
[ -z "${BENCH_CASES:-}" ] ||
	args="$args iomdvm.bench_cases=$(commas "$BENCH_CASES")"

vmbuild=$out/build
mkdir -p "$out" "$vmbuild"
rm -f "$out"/boot-*.log
start=$(date +%s)
status=0
logs=
i=1
while [ "$i" -le "$boots" ]; do
	echo "==> bench boot $i of $boots (kernel $name, $passes passes)"
	rc=0
	busy=
	wait_idle || busy="other QEMUs were running when it started"
	rm -f "$vmbuild/vm/$name/results.log"
	BUILD=$vmbuild VM_APPEND="${VM_APPEND:-} $args" \
		"$top/vm/run.sh" bench "$spec" >"$out/boot-$i.run.log" 2>&1 || rc=$?
	[ "$(others)" = 0 ] || busy="other QEMUs were running when it ended"
	sed -n '/^    /p' "$out/boot-$i.run.log"
	if [ "$rc" != 0 ]; then
		echo "    boot $i FAILED (full output: $out/boot-$i.run.log)"
		status=1
	fi
	if [ -f "$vmbuild/vm/$name/results.log" ]; then
		{
			tr -d '\r' <"$vmbuild/vm/$name/results.log"
			[ -z "$busy" ] || echo "# bench-warn boot=$i why=$busy"
		} >"$out/boot-$i.log"
		grep -q '^# bench ' "$out/boot-$i.log" && logs="$logs $out/boot-$i.log"
	fi
	[ -z "$busy" ] || echo "    WARNING: $busy; its timings may be distorted"

	i=$((i + 1))
done
echo "    $boots boot(s) in $(($(date +%s) - start)) s"
echo

if [ -z "$logs" ]; then
	echo "bench: no measurements; see $out/boot-*.run.log" >&2
	exit 1
fi
# shellcheck disable=SC2086 # one log file per word
"$here/report.sh" "$out" $logs || status=1
exit $status
