#!/bin/sh
# retry_test.sh: self-test of the VM runner's retry of boots that never
# reached /init (vm/retry.sh, vm/run.sh, vm/parse.awk). Host only, no QEMU,
# well under a second; `make check` runs it first (vm/run.sh), and it runs
# by hand as tests/vm/retry_test.sh. Prints TAP; exit status 1 on failure.
#
#   1. vm/retry.sh on fabricated console logs: no "/init started" line
#      means retry, the line followed by a failure means no retry, the
#      shell and an interrupted boot are never retried;
#   2. vm/init prints the line vm/retry.sh and vm/parse.awk look for;
#   3. vm/parse.awk calls the same logs "never reached /init" or not;
#   4. vm/run.sh, with QEMU, the module build and the initramfs replaced by
#      stand-ins that play a scripted sequence of boots: one retry of a boot
#      that died before /init, kept logs, the retry named in the verdict
#      and the summary, the last line unchanged; no retry of a failure
#      after /init, nor with VM_RETRY=0; a second early death fails.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iomd-retry-test.XXXXXX") || exit 1
# Kept when a check fails, for a look at the stand-in runs' output.
trap 'rm -rf "$tmp"' EXIT
TAP_LOG=$tmp/log
. "$top/scripts/tap.sh"


# fails COMMAND...: true when COMMAND fails
fails() {
	! "$@"
}

# has FILE TEXT / lacks FILE TEXT: FILE has (lacks) a line with TEXT
has() {
	grep -qF -- "$2" "$1"
}
lacks() {
	! grep -qF -- "$2" "$1"
}

# --- fabricated logs -------------------------------------------------------

# Died before /init (what QEMU 7.2 multi-threaded TCG does now and then).
cat >"$tmp/early.console" <<'EOF'
[    1.234567] traps: PANIC: double fault, error_code: 0x0
[    1.234890] Kernel panic - not syncing: Machine halted.
EOF
: >"$tmp/early.results"
: >"$tmp/empty.console"

# Reached /init, then the module broke the kernel (a "BUG:" line mid-way
# through a kernel line on the same serial line, and \r\n line ends).
printf '%s\r\n' '[    2.000000] Run /init as init process' \
	'[    2.1] random: crng init done iomdvm: /init started' \
	'iomdvm: mode=check kernel=6.12.0 timeout=120s' \
	'iomdvm: insmod iomd.ko' \
	'[    3.000000] BUG: unable to handle page fault for address: 0' \
	>"$tmp/late.console"
printf '%s\n' 'IOMDVM-BEGIN mode=check kernel=6.12.0' \
	'IOMDVM-INSMOD iomd rc=0' 'IOMDVM-DEVNODE ok' >"$tmp/late.results"

# A good run, for the stand-in QEMU.
printf '%s\r\n' 'iomdvm: /init started' 'iomdvm: mode=check' \
	'iomdvm: run t1' 'iomdvm: done t1: status 0, 0.10s' \
	'iomdvm: powering off' >"$tmp/good.console"
printf '%s\n' 'IOMDVM-BEGIN mode=check kernel=6.12.0' \
	'IOMDVM-INSMOD iomd rc=0' 'IOMDVM-DEVNODE ok' 'IOMDVM-TEST-BEGIN t1' \
	'1..1' 'ok 1 - works' 'IOMDVM-TEST-END t1 rc=0 secs=0.10 timeout=0' \
	'IOMDVM-RMMOD iomd rc=0' 'IOMDVM-DMESG-BEGIN' \
	'[    4.000000] iomd: exit: live_objects=0' 'IOMDVM-DMESG-END' \
	'IOMDVM-DONE' >"$tmp/good.results"

# --- 1. the decision -------------------------------------------------------

retry=$top/vm/retry.sh
check "no /init line: retry" "$retry" decide check 0 "$tmp/early.console"
check "empty console: retry" "$retry" decide demo 0 "$tmp/empty.console"
check "no console log at all: retry" "$retry" decide bench 1 "$tmp/missing"
check "hung before /init, killed: retry" \
	"$retry" decide check 123 "$tmp/empty.console"
check "failure after /init: no retry" \
	fails "$retry" decide check 0 "$tmp/late.console"
check "timeout after /init: no retry" \
	fails "$retry" decide check 124 "$tmp/late.console"
check "shell: no retry" fails "$retry" decide shell 0 "$tmp/early.console"
check "interrupted: no retry" \
	fails "$retry" decide check 130 "$tmp/empty.console"
why=$("$retry" decide check 0 "$tmp/early.console")
check "the reason is 'never reached /init'" [ "$why" = "never reached /init" ]
check "started: no" fails "$retry" started "$tmp/early.console"
check "started: yes" "$retry" started "$tmp/late.console"

# --- 2. vm/init says what vm/retry.sh looks for ----------------------------

marker=$(sed -n "s/^marker='\\(.*\\)'\$/\\1/p" "$retry")
check "vm/retry.sh names its marker" [ -n "$marker" ]
check "vm/init prints it" has "$top/vm/init" "say \"${marker#iomdvm: }\""
check "vm/init's say() prefixes 'iomdvm: '" has "$top/vm/init" 'echo "iomdvm: $*"'
check "vm/parse.awk looks for it" has "$top/vm/parse.awk" "\"$marker\""

# --- 3. the verdict agrees -------------------------------------------------

# judge NAME: vm/parse.awk on NAME.results + NAME.console, into NAME.verdict
judge() {
	awk -f "$top/vm/parse.awk" -v mode=check -v vm_status=0 \
		-v vm_timeout=600 -v vm_init_timeout=180 \
		-v counts="$tmp/$1.counts" "$tmp/$1.results" "$tmp/$1.console" \
		>"$tmp/$1.verdict"
}
judge early
judge late
check "verdict: early death never reached /init" \
	has "$tmp/early.verdict" "never reached /init"
check "verdict: the early death's panic is shown" \
	has "$tmp/early.verdict" "Kernel panic - not syncing: Machine halted."
check "verdict: a late failure reached /init" \
	lacks "$tmp/late.verdict" "never reached /init"
check "verdict: a late failure fails" fails grep -q '^[0-9]* 0 ' "$tmp/late.counts"

# PREEMPT_RT's lock-context reports in an otherwise good run fail it.
for splat in \
	'BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48' \
	'[ BUG: Invalid wait context ]'; do
	awk -v l="[    4.1] $splat" '/^IOMDVM-DMESG-END$/ { print l } 1' \
		"$tmp/good.results" >"$tmp/rt.results"
	cp "$tmp/good.console" "$tmp/rt.console"
	judge rt
	check "verdict: '$splat' fails the run" \
		fails grep -q '^[0-9]* 0 ' "$tmp/rt.counts"
	check "verdict: '$splat' is shown" has "$tmp/rt.verdict" "$splat"
done
judge good
check "verdict: the good run passes" grep -q '^[0-9]* 0 ' "$tmp/good.counts"

# --- 4. vm/run.sh with stand-ins -------------------------------------------

# A copy of vm/ whose boot.sh plays boots from $FAKE_BOOTS ("early good":
# the first boot dies before /init, the second is good), one a call.
mkdir -p "$tmp/tree/vm" "$tmp/tree/tests/vm" "$tmp/kdir"
cp "$top"/vm/* "$tmp/tree/vm/"
: >"$tmp/image"
printf '#!/bin/sh\necho "ok 1 - stand-in"\n' >"$tmp/tree/tests/vm/retry_test.sh"
# shellcheck disable=SC2016 # $1, $2: the stand-ins' own arguments
{
	printf '#!/bin/sh\nmkdir -p "$2" && : >"$2/iomd.ko"\n' >"$tmp/kmod_build"
	printf '#!/bin/sh\n: >"$1"\n' >"$tmp/tree/vm/mkinitramfs.sh"
	printf '#!/bin/sh\necho "$1"\n' >"$tmp/tree/vm/kernel-image.sh"
}
cat >"$tmp/tree/vm/boot.sh" <<'EOF'
#!/bin/sh
# stand-in for vm/boot.sh: IMAGE INITRAMFS OUTDIR
out=$3
echo x >>"$FAKE_DIR/calls"
i=$(wc -l <"$FAKE_DIR/calls")
# shellcheck disable=SC2086
set -- $FAKE_BOOTS
shift $((i - 1))
cp "$FAKE_DIR/$1.console" "$out/console.log"
cp "$FAKE_DIR/$1.results" "$out/results.log"
echo "qemu of boot $i" >"$out/qemu.log"
EOF
chmod +x "$tmp"/kmod_build "$tmp"/tree/vm/* "$tmp"/tree/tests/vm/*

# runner NAME BOOTS [VAR=value...]: run.sh check on kernel k, the boots
# played by the stand-in; output NAME.out, status NAME.rc, calls NAME.calls
runner() {
	name=$1
	boots=$2
	shift 2
	rm -rf "$tmp/build" "$tmp/calls"
	: >"$tmp/calls"
	env FAKE_DIR="$tmp" FAKE_BOOTS="$boots" BUILD="$tmp/build" \
		KMOD_BUILD="$tmp/kmod_build" USER_TEST_BINS= USER_PRELOAD_TESTS= "$@" \
		"$tmp/tree/vm/run.sh" check "k|$tmp/kdir|$tmp/image" \
		>"$tmp/$name.out" 2>&1
	echo $? >"$tmp/$name.rc"
	wc -l <"$tmp/calls" | tr -d ' ' >"$tmp/$name.calls"
}

# last_is NAME RE: the last line of NAME.out is all of RE (grep's)
last_is() {
	tail -n 1 "$tmp/$1.out" | grep -qx -- "$2"
}

runner once "early good"
check "early death, then good: two boots" [ "$(cat "$tmp/once.calls")" = 2 ]
check "early death, then good: passes" [ "$(cat "$tmp/once.rc")" = 0 ]
check "early death, then good: last line" last_is once "1 passed, 0 failed"
check "early death, then good: verdict PASS" \
	has "$tmp/once.out" "k: PASS, 1 passed, 0 failed"
check "early death, then good: verdict names the retry" \
	grep -q '^<== k: PASS.*; 1 boot retried (never reached /init)$' "$tmp/once.out"
check "early death, then good: summary names the retry" \
	has "$tmp/once.out" "    1 boot retried (never reached /init): k"
check "early death, then good: failed boot's console kept" \
	cmp -s "$tmp/early.console" "$tmp/build/vm/k/console.log.1"
check "early death, then good: failed boot's qemu.log kept" \
	has "$tmp/build/vm/k/qemu.log.1" "qemu of boot 1"
check "early death, then good: the good boot's log is console.log" \
	cmp -s "$tmp/good.console" "$tmp/build/vm/k/console.log"

runner late late
check "failure after /init: one boot" [ "$(cat "$tmp/late.calls")" = 1 ]
check "failure after /init: fails" [ "$(cat "$tmp/late.rc")" = 1 ]
check "failure after /init: nothing retried" lacks "$tmp/late.out" "retried"
check "failure after /init: no console.log.1" [ ! -e "$tmp/build/vm/k/console.log.1" ]
check "failure after /init: last line" \
	last_is late "0 passed, [1-9][0-9]* failed"

runner twice "early early good"
check "two early deaths: only one retry" [ "$(cat "$tmp/twice.calls")" = 2 ]
check "two early deaths: fails" [ "$(cat "$tmp/twice.rc")" = 1 ]
check "two early deaths: says never reached /init" \
	has "$tmp/twice.out" "FAIL VM never reached /init"
check "two early deaths: last line" \
	last_is twice "0 passed, [1-9][0-9]* failed"
check "two early deaths: verdict names the retry" \
	grep -q '^<== k: FAIL.*; 1 boot retried' "$tmp/twice.out"

runner off "early good" VM_RETRY=0
check "VM_RETRY=0: one boot" [ "$(cat "$tmp/off.calls")" = 1 ]
check "VM_RETRY=0: fails" [ "$(cat "$tmp/off.rc")" = 1 ]

if ! tap_finish retry_test; then
	echo "# the stand-in runs' output is in $tmp"
	trap - EXIT
	exit 1
fi
