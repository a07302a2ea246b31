#!/bin/sh
# boot.sh KERNEL_IMAGE INITRAMFS OUTDIR [EXTRA_APPEND...]
#
# Boot one kernel under QEMU (TCG; KVM does not work on our machines) with the
# initramfs from vm/mkinitramfs.sh, and wait for it to power off.
#
#   OUTDIR/console.log   serial port 0: kernel console + vm/init progress
#   OUTDIR/results.log   serial port 1: test output, markers, dmesg dump
#
# An arm64 kernel (VM_ARCH=arm64) boots in qemu-system-aarch64 -machine
# virt, whose one serial port (a PL011, ttyAMA0) is the console; the
# results go to a virtio console (hvc0) instead of a second serial port,
# which virt does not have.  vm/init learns the device from the kernel
# command line (iomdvm.results=).
#
# Settings (environment; the Makefile passes them on):
#   VM_ARCH      Debian's name of the kernel's architecture, amd64 or
#                arm64                                 (default amd64)
#   VM_MEM       guest memory in MiB                  (default 1024)
#   VM_SMP       guest CPUs                           (default 2)
#   VM_CPU       QEMU -cpu model, empty = QEMU default (default max;
#                on arm64 max,pauth-impdef=on)
#   VM_ACCEL     QEMU -accel                 (default tcg,thread=single)
#   VM_TIMEOUT   seconds before QEMU is killed         (default 600)
#   VM_INIT_TIMEOUT  seconds before QEMU is killed if vm/init has not
#                started by then, 0 = no such limit    (default 180)
#   VM_MODE      check | demo | shell                 (default check)
#                shell: the console is this terminal (Ctrl-A X quits QEMU)
#                and there is no timeout
#   TEST_TIMEOUT per-program timeout inside the VM    (default 120)
#   VM_APPEND    extra kernel command line words
#   VM_QEMU_ARGS extra QEMU arguments (words): a machine and devices, e.g.
#                "-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on
#                -device edu" (vm/run.sh passes a configuration's)
#   VM_VERBOSE   1 = also copy the console to stdout while it runs
#
# Exit status: 0 when QEMU exited by itself (the logs tell whether the run
# was good), 124 when it was killed for exceeding VM_TIMEOUT, 123 when it
# was killed because /init had not started after VM_INIT_TIMEOUT, other
# values when QEMU failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
image=${1:?usage: boot.sh KERNEL_IMAGE INITRAMFS OUTDIR [APPEND...]}
initrd=${2:?}
outdir=${3:?}
shift 3

arch=${VM_ARCH:-amd64}
mem=${VM_MEM:-1024}
smp=${VM_SMP:-2}
cpu=${VM_CPU-max}
# Multi-threaded TCG (QEMU 7.2's default with -smp 2) now and then kills a
# boot before /init: an int3 Oops while the kernel patches static keys, a
# double fault in the slab fast path, "IO-APIC + timer doesn't work!" on
# 6.1. One thread for all vCPUs did not, in 78 boots, at no measured cost.
accel=${VM_ACCEL:-tcg,thread=single}
timeout=${VM_TIMEOUT:-600}
init_timeout=${VM_INIT_TIMEOUT:-180}
mode=${VM_MODE:-check}
test_timeout=${TEST_TIMEOUT:-120}

mkdir -p "$outdir"
console=$outdir/console.log
results=$outdir/results.log
: >"$console"
: >"$results"

# The machine, its console and the results channel of each architecture.
case $arch in
amd64)
	qemu="qemu-system-x86_64"
	machine=
	console_tty=ttyS0
	results_tty=ttyS1
	# no_timer_check: skip the IO-APIC timer check, which a slow or
	# preempted TCG vCPU can fail ("IO-APIC + timer doesn't work!", a
	# panic on 6.1).
	arch_append=no_timer_check
	;;
arm64)
	qemu="qemu-system-aarch64"
	machine=virt
	console_tty=ttyAMA0
	results_tty=hvc0
	arch_append=
	# Pointer authentication with QEMU's own cheap hash instead of the
	# architected one (QARMA), which costs TCG a lot on every call.
	[ "$cpu" != max ] || cpu=max,pauth-impdef=on
	;;
*)
	echo "boot.sh: unknown VM_ARCH '$arch' (amd64 or arm64)" >&2
	exit 2
	;;
esac

# quiet: fast boot over the emulated UART (vm/init raises the loglevel);
# panic=-1 + -no-reboot: a panic ends QEMU at once instead of hanging;
# log_buf_len: keep the whole boot + test log for the dmesg dump;
# iomdvm.results: vm/init's results channel.
append="console=$console_tty quiet panic=-1 log_buf_len=4M $arch_append"
append="$append iomdvm.mode=$mode iomdvm.timeout=$test_timeout"
append="$append iomdvm.results=$results_tty ${VM_APPEND:-} $*"

# -nodefaults: no VGA, NIC, floppy, monitor; the serial ports are files
# (or the terminal, for the interactive shell).
if [ "$mode" = shell ]; then
	console_dev=mon:stdio
	timeout=0       # no limit
else
	console_dev=file:$console
fi
set -- "$qemu" -accel "$accel" -m "$mem" -smp "$smp" \
	-nodefaults -display none -no-reboot -serial "$console_dev"
if [ "$results_tty" = hvc0 ]; then
	# virtio-mmio transport, which virt always has (no PCI needed).
	set -- "$@" -device virtio-serial-device \
		-chardev "file,id=results,path=$results" \
		-device virtconsole,chardev=results
else
	set -- "$@" -serial "file:$results"
fi
[ -z "$machine" ] || set -- "$@" -machine "$machine"
set -- "$@" -kernel "$image" -initrd "$initrd" -append "$append"
[ -z "$cpu" ] || set -- "$@" -cpu "$cpu"
# shellcheck disable=SC2086 # words of QEMU arguments
[ -z "${VM_QEMU_ARGS:-}" ] || set -- "$@" ${VM_QEMU_ARGS}

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
elif [ "$init_timeout" = 0 ]; then
	timeout --kill-after=10 "$timeout" "$@" </dev/null >"$outdir/qemu.log" 2>&1 || rc=$?
else
	timeout --kill-after=10 "$timeout" "$@" </dev/null >"$outdir/qemu.log" 2>&1 &
	qemu=$!
	# Interrupted (^C, make killed): take QEMU along, which timeout(1)
	# keeps in a process group of its own.
	trap 'kill "$qemu" 2>/dev/null; exit 130' INT TERM HUP
	# A kernel that hangs before /init would hold the machine for the
	# whole VM_TIMEOUT; vm/init's first console line says it got there.
	waited=0
	hung=false
	while kill -0 "$qemu" 2>/dev/null &&
		! "$here/retry.sh" started "$console"; do
		if [ "$waited" -ge "$init_timeout" ]; then
			hung=true
			# timeout(1) passes the signal on to QEMU.
			kill "$qemu" 2>/dev/null || true
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qemu" || rc=$?
	if $hung; then
		echo "boot.sh: /init had not started after $init_timeout s" \
			"(VM_INIT_TIMEOUT); QEMU killed" >>"$outdir/qemu.log"
		rc=123
	fi
fi

if [ -n "$tailpid" ]; then
	sleep 0.2
	kill "$tailpid" 2>/dev/null || true
fi
exit $rc
