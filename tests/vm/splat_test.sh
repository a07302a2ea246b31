#!/bin/sh
# splat_test.sh: self-test of the kernel-log report detector of
# vm/parse.awk. Host only, no QEMU, well under a second; `make check` runs
# it first (vm/run.sh), and it runs by hand as tests/vm/splat_test.sh.
# Prints TAP; exit status 1 on failure.
#
# A good run (one test passed, module unloaded with no live object) is
# judged with one report of a kernel checker added, once in the dmesg dump
# (results.log) and once on the console while the test ran (a VM that
# panics never dumps dmesg): the run must fail and the verdict must show
# the line. The report lines are copied from what Linux 6.12 prints with
# the debug kernel's options (debug-kernel/config). Lines a clean boot of
# that kernel prints must not fail the run.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iomd-splat-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
TAP_LOG=$tmp/log
. "$top/scripts/tap.sh"


# parse: vm/parse.awk on $tmp/results and $tmp/console as they are now
# (and on $tmp/tests.list, the programs the VM was to run, if it exists)
parse() {
	list=
	[ -f "$tmp/tests.list" ] && list=$tmp/tests.list
	awk -f "$top/vm/parse.awk" -v mode=check -v vm_status=0 \
		-v vm_timeout=600 -v vm_init_timeout=180 -v tests_list="$list" \
		-v counts="$tmp/counts" "$tmp/results" "$tmp/console" \
		>"$tmp/verdict"
}

# judge WHERE LINE: vm/parse.awk on a good run with LINE in the dmesg dump
# (WHERE=dmesg) or on the console while the test ran (WHERE=console);
# the verdict goes to $tmp/verdict, "PASSED FAILED SKIPPED" to $tmp/counts
judge() {
	d= c=
	if [ "$1" = dmesg ]; then d=$2; else c=$2; fi
	printf '%s\r\n' 'iomdvm: /init started' 'iomdvm: mode=check' \
		'iomdvm: run t1' ${c:+"[    3.500000] $c"} \
		'iomdvm: done t1: status 0, 0.10s' \
		'iomdvm: powering off' >"$tmp/console"
	printf '%s\n' 'IOMDVM-BEGIN mode=check kernel=6.12.0' \
		'IOMDVM-INSMOD iomd rc=0' 'IOMDVM-DEVNODE ok' \
		'IOMDVM-TEST-BEGIN t1' '1..1' 'ok 1 - works' \
		'IOMDVM-TEST-END t1 rc=0 secs=0.10 timeout=0' \
		'IOMDVM-RMMOD iomd rc=0' 'IOMDVM-DMESG-BEGIN' \
		${d:+"[    3.500000] $d"} \
		'[    4.000000] iomd: exit: live_objects=0' 'IOMDVM-DMESG-END' \
		'IOMDVM-DONE' >"$tmp/results"
	parse
}

# caught WHERE LINE: the run fails on LINE and the verdict quotes it
caught() {
	judge "$1" "$2" &&
		grep -q '^1 [1-9][0-9]* 0$' "$tmp/counts" &&
		grep -q 'FAIL kernel log reports problems' "$tmp/verdict" &&
		grep -qF -- "$2" "$tmp/verdict"
}

# clean LINE: the run passes with LINE in dmesg and on the console
clean() {
	judge dmesg "$1" && grep -q '^1 0 0$' "$tmp/counts" &&
		judge console "$1" && grep -q '^1 0 0$' "$tmp/counts"
}

check "a good run passes" clean 'iomd: loaded'

# name|line: one report of each checker
while IFS='|' read -r name line; do
	[ -n "$name" ] || continue
	check "$name (dmesg)" caught dmesg "$line"
	check "$name (console)" caught console "$line"
done <<'EOF'
KASAN|BUG: KASAN: slab-out-of-bounds in iomd_zone_alloc+0x1d4/0x3a0 [iomd]
KASAN vmalloc|BUG: KASAN: vmalloc-out-of-bounds in iomd_desc_read+0x88/0x140 [iomd]
KFENCE out of bounds|BUG: KFENCE: out-of-bounds read in iomd_desc_write+0x5e/0xd0 [iomd]
KFENCE use after free|BUG: KFENCE: use-after-free write in iomd_zone_free+0x3c/0x90 [iomd]
KFENCE invalid free|BUG: KFENCE: invalid free in iomd_free+0x21/0x60 [iomd]
KFENCE corruption|BUG: KFENCE: memory corruption in iomd_zone_free+0x3c/0x90 [iomd]
UBSAN bounds|UBSAN: array-index-out-of-bounds in /work/build/kernel/debug/zone.c:212:17
UBSAN shift|UBSAN: shift-out-of-bounds in /work/build/kernel/debug/malloc.c:99:23
hardened usercopy|usercopy: Kernel memory exposure attempt detected from SLUB object 'iomd-zone-64' (offset 0, size 100)!
hardened usercopy (write)|usercopy: Kernel memory overwrite attempt detected to SLUB object 'iomd-zone-64' (offset 8, size 64)!
usercopy BUG|kernel BUG at mm/usercopy.c:102!
list_add corruption|list_add corruption. prev->next should be next (ffff888003e1c1e8), but was ffff888003e1c1f8. (prev=ffff888003e1c0e8).
list_del corruption|list_del corruption, ffff888003e1c1e8->next is LIST_POISON1 (dead000000000100)
data corruption BUG|kernel BUG at lib/list_debug.c:62!
sleeping in atomic context|BUG: sleeping function called from invalid context at include/linux/sched/mm.h:337
invalid wait context|[ BUG: Invalid wait context ]
lockdep|WARNING: possible circular locking dependency detected
FORTIFY_SOURCE overflow|memcpy: detected buffer overflow: 72 byte write of buffer size 64
FORTIFY_SOURCE field overflow|memcpy: detected field-spanning write (size 24) of single field "&r->seg" at zone.c:80 (size 16)
stack guard page|BUG: TASK stack guard page was hit at ffffc900001b7ff8 (stack is ffffc900001b8000..ffffc900001bc000)
stack protector|Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: iomd_ioctl+0x2f1/0x300 [iomd]
slab check|BUG kmalloc-64 (Tainted: G           O      ): Freepointer corrupt
kmemleak|unreferenced object 0xffff888004c0e000 (size 64):
warning|WARNING: CPU: 1 PID: 93 at kernel/iomd/zone.c:300 iomd_zone_destroy+0x1/0x2 [iomd]
EOF

# What a clean boot of the debug kernel prints about the checkers.
while IFS='|' read -r name line; do
	[ -n "$name" ] || continue
	check "not a report: $name" clean "$line"
done <<'EOF'
kasan init|kasan: KernelAddressSanitizer initialized (generic)
kfence init|kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)-0x(____ptrval____)
kmemleak init|kmemleak: Kernel memory leak detector initialized (mem pool available: 14249)
lockdep banner|Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
EOF

# shows_stack: the verdict quotes the lines after a report (its stack),
# from the dmesg dump, so that a CI log alone says where it happened
shows_stack() {
	judge dmesg 'BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x140/0x203' &&
		sed -i 's#^\(\[    3.500000\] BUG: KASAN.*\)$#\1\n[    3.500001] Call Trace:\n[    3.500002]  iomd_edu_irq+0x1/0x2 [iomd_edu]#' \
			"$tmp/results" &&
		parse &&
		grep -q '^ *| Call Trace:$' "$tmp/verdict" &&
		grep -q '^ *|  iomd_edu_irq+0x1/0x2 \[iomd_edu\]$' "$tmp/verdict"
}
check "the verdict quotes the first report's stack" shows_stack

# at_boot: a report on the console before /init started is said to come
# from the boot, not from a test
at_boot() {
	judge dmesg 'BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x140/0x203' &&
		sed -i '1i [    0.720000] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x140/0x203' \
			"$tmp/console" &&
		parse &&
		grep -q '(while the kernel booted, before /init)' "$tmp/verdict"
}
check "a report from the boot says so" at_boot

# lost_begin: a program whose TEST-BEGIN marker the results channel lost
# fails the run, and neither its output nor the program before it is
# counted twice
lost_begin() {
	judge dmesg 'iomd: loaded' &&
		sed -i 's#^IOMDVM-TEST-END t1 .*$#&\n1..2\nok 1 - a\nok 2 - b\nIOMDVM-TEST-END t2 rc=0 secs=0.10 timeout=0#' \
			"$tmp/results" &&
		parse &&
		grep -q '^1 1 0$' "$tmp/counts" &&
		grep -q "FAIL the results channel lost the start of t2's output" \
			"$tmp/verdict"
}
check "a lost TEST-BEGIN fails the run, and nothing is counted twice" lost_begin

# never_ran: a run that finished without running a program of its list
# fails; one that ran them all passes
never_ran() {
	printf '%s\n' t1 t2 >"$tmp/tests.list" &&
		judge dmesg 'iomd: loaded' &&
		grep -q '^1 1 0$' "$tmp/counts" &&
		grep -q 'FAIL the VM finished but never ran: t2' "$tmp/verdict" &&
		printf '%s\n' t1 >"$tmp/tests.list" &&
		judge dmesg 'iomd: loaded' &&
		grep -q '^1 0 0$' "$tmp/counts"
}
check "a finished run that never ran a listed program fails" never_ran
rm -f "$tmp/tests.list"

tap_finish splat_test
