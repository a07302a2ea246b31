#!/bin/sh
# retry.sh started CONSOLE_LOG
# retry.sh decide MODE STATUS CONSOLE_LOG
#
# Whether a boot reached /init, and whether vm/run.sh should boot it again.
# Both look for the line vm/init prints on the console first thing,
# "iomdvm: /init started"; the kernel console (serial port 0) is the only
# log a boot that dies early writes to.
#
#   started  exit 0 when CONSOLE_LOG has the line (vm/boot.sh polls this to
#            kill a boot that hangs before /init), 1 when not.
#   decide   exit 0 and print the reason when the boot should be retried,
#            exit 1 (printing nothing) when not. A boot is retried when it
#            never reached /init: the kernel died or hung on its own before
#            running any of our code (QEMU's TCG does that now and then), so
#            a second boot says more than a failure would. Once /init has
#            started, every failure is the run's own and is never retried.
#            MODE shell is never retried: its console is the terminal, not
#            CONSOLE_LOG, and a person is watching it. STATUS is
#            vm/boot.sh's; 130 (interrupted, ^C) is never retried either.
#
# How many times to retry is vm/run.sh's business (VM_RETRY); the self-test
# is tests/vm/retry_test.sh.
set -u

marker='iomdvm: /init started'

# started LOG: the marker anywhere on a line (a kernel message may share the
# line; a carriage return may end it)
started() {
	[ -f "$1" ] && grep -qF "$marker" "$1"
}

case ${1:-} in
started)
	started "${2:?usage: retry.sh started CONSOLE_LOG}"
	;;
decide)
	mode=${2:?usage: retry.sh decide MODE STATUS CONSOLE_LOG}
	status=${3:?usage: retry.sh decide MODE STATUS CONSOLE_LOG}
	log=${4:?usage: retry.sh decide MODE STATUS CONSOLE_LOG}
	[ "$mode" != shell ] && [ "$status" != 130 ] || exit 1
	started "$log" && exit 1
	echo "never reached /init"
	exit 0
	;;
*)
	echo "usage: retry.sh started CONSOLE_LOG | decide MODE STATUS CONSOLE_LOG" >&2
	exit 2
	;;
esac
