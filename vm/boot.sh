#!/bin/sh
# boot.sh KERNEL_IMAGE INITRAMFS OUTDIR [EXTRA_APPEND...]
#
# Boot one kernel under QEMU (TCG; KVM does not work on our machines) with the
# initramfs from vm/mkinitramfs.sh, and wait for it to power off.
#
#   OUTDIR/console.log   serial port 0: kernel console + vm/init progress
#   OUTDIR/results.log   serial port 1: test output, markers, dmesg dump
#
# Settings (environment; the Makefile passes them on):
#   VM_MEM       guest memory in MiB                  (default 1024)
#   VM_SMP       guest CPUs                           (default 2)
#   VM_CPU       QEMU -cpu model, empty = QEMU default (default max)
#   VM_TIMEOUT   seconds before QEMU is killed         (default 600)
#   VM_MODE      check | demo | shell                 (default check)
#                shell: the console is this terminal (Ctrl-A X quits QEMU)
#                and there is no timeout
#   TEST_TIMEOUT per-program timeout inside the VM    (default 120)
#   VM_APPEND    extra kernel command line words
#   VM_VERBOSE   1 = also copy the console to stdout while it runs
#
# Exit status: 0 when QEMU exited by itself (the logs tell whether the run
# was good), 124 when it was killed for exceeding VM_TIMEOUT, other values
# when QEMU failed.
set -eu

image=${1:?usage: boot.sh KERNEL_IMAGE INITRAMFS OUTDIR [APPEND...]}
initrd=${2:?}
outdir=${3:?}
shift 3

mem=${VM_MEM:-1024}
smp=${VM_SMP:-2}
cpu=${VM_CPU-max}
timeout=${VM_TIMEOUT:-600}
mode=${VM_MODE:-check}
test_timeout=${TEST_TIMEOUT:-120}

mkdir -p "$outdir"
console=$outdir/console.log
results=$outdir/results.log
: >"$console"
: >"$results"

# quiet: fast boot over the emulated UART (vm/init raises the loglevel);
# panic=-1 + -no-reboot: a panic ends QEMU at once instead of hanging;
# log_buf_len: keep the whole boot + test log for the dmesg dump.
append="console=ttyS0 quiet panic=-1 log_buf_len=4M"
append="$append iomdvm.mode=$mode iomdvm.timeout=$test_timeout"
append="$append ${VM_APPEND:-} $*"

# -nodefaults: no VGA, NIC, floppy, monitor; the serial ports are files
# (or the terminal, for the interactive shell).
if [ "$mode" = shell ]; then
	console_dev=mon:stdio
	timeout=0       # no limit
else
	console_dev=file:$console
fi
set -- qemu-system-x86_64 -accel tcg -m "$mem" -smp "$smp" \
	-nodefaults -display none -no-reboot \
	-serial "$console_dev" -serial "file:$results" \
	-kernel "$image" -initrd "$initrd" -append "$append"
[ -z "$cpu" ] || set -- "$@" -cpu "$cpu"

tailpid=
if [ "${VM_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -f "$console" &
	tailpid=$!
fi

# Keep the command line next to the logs, to re-run the VM by hand.
printf "'%s' " "$@" >"$outdir/qemu.cmd"
echo >>"$outdir/qemu.cmd"

rc=0
if [ "$mode" = shell ]; then
	"$@" || rc=$?
else
	timeout --kill-after=10 "$timeout" "$@" </dev/null >"$outdir/qemu.log" 2>&1 || rc=$?
fi

if [ -n "$tailpid" ]; then
	sleep 0.2
	kill "$tailpid" 2>/dev/null || true
fi
exit $rc
