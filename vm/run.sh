#!/bin/sh
# run.sh MODE KERNEL...
#
# Host side of `make check` and `make demo`. Mode check first runs the
# runner's self-tests (tests/vm/*_test.sh: the retry logic, the kernel-log
# report detector; host only, under a second each; a failure counts one
# failure each). Then for each kernel, in order (one at a time: the
# machines have 2 cores, and build and boot compete for them):
#   1. build the modules with $KMOD_BUILD KDIR build/kernel/NAME,
#   2. pack an initramfs with them and the user-space programs,
#   3. boot the kernel under QEMU (vm/boot.sh), which loads the modules, runs
#      the programs and unloads the modules (vm/init). A boot that never
#      reached /init (vm/retry.sh decides, from the console log) is booted
#      again, VM_RETRY times at most; the logs of the failed boot are kept
#      as console.log.1, results.log.1, qemu.log.1 (.2 for a second, ...),
#   4. judge the logs (vm/parse.awk) and print the verdict; a retry is
#      named in the kernel's verdict line and in the summary.
# Then print the totals; the very last line is "N passed, N failed" (plus
# ", N skipped" when something was skipped). Exit status 1 if anything
# failed.
#
#   MODE     check (run the tests), fuzz (run only the fuzzer, tests/fuzz/;
#            its seed and call count are shown), demo (run the demo program), shell
#            (interactive shell on this terminal, modules loaded) or bench
#            (run the benchmark suite, iomd-bench, from USER_TOOL_BINS;
#            see bench/run.sh)
#   KERNEL   NAME|KDIR|IMAGE[|APPEND[|ARCH[|KMAKE]]]: a name for messages
#            and build/vm/NAME, the module build tree, the kernel image,
#            extra kernel command line words, Debian's name of its
#            architecture (default: the host's) and make variables for
#            its module build (ARCH=arm64 CROSS_COMPILE=...). An empty
#            KDIR or IMAGE means "not installed".
#
# Environment (set by the Makefile):
#   BUILD            output directory (default build)
#   KMOD_BUILD       module build script (default kernel/build.sh)
#   VM_MODULES       names of the modules to load (default: every .ko built)
#   USER_TEST_BINS   test programs (mode check)
#   USER_DEMO_BIN    demo program (mode demo)
#   USER_TOOL_BINS   extra programs put in the VM's $PATH
#   USER_PRELOAD_TESTS  test programs (mode check) run before the modules
#                    are loaded, with an installed module tree: for them
#                    vm/stage-modules.sh stages `make install-module` and
#                    samples/consumer/ (cross-built with the kernel's make
#                    variables) into build/vm/NAME/stage
#   USER_TEST_BINS_<arch>, USER_DEMO_BIN_<arch>, USER_TOOL_BINS_<arch>,
#   USER_PRELOAD_TESTS_<arch>, VM_CONFIG_SPECS_<arch>
#                    the same for the kernels of another architecture than
#                    the host's (e.g. USER_TEST_BINS_arm64); an empty
#                    VM_CONFIG_SPECS_<arch> means "base" alone
#   BUSYBOX_<arch>   static busybox for those kernels' initramfs (the host's
#                    is vm/mkinitramfs.sh's default, /bin/busybox)
#   TESTS            only run tests whose name matches one of these globs
#   VM_KERNEL_MODULES  modules of the kernel itself that tests use, as paths
#                    under its module tree without .ko (default
#                    drivers/block/loop); packed with their dependencies
#                    when the kernel has a module tree (KDIR/../kernel, as
#                    Debian's /lib/modules/<kver>/build has) and loaded at
#                    boot. A kernel without the tree has them built in.
#   VM_RETRY         boots again a boot that never reached /init, at most
#                    this many times per boot (default 1; 0: never)
#   VM_CONFIG_SPECS  device configurations,
#                    "NAME|QEMU ARGS|APPEND|MEM|GLOBS|MODULES" separated by
#                    ";" (default: one, "base" with nothing added). Each
#                    kernel boots once per configuration that has tests
#                    to run, with QEMU ARGS added to QEMU's command
#                    line, APPEND and "iomdvm.config=NAME" to the kernel's,
#                    MEM (MiB) instead of VM_MEM when given, and the tests
#                    GLOBS select: names matching a glob, or, when every
#                    glob is "!glob", names matching none of them (empty:
#                    every test). MODULES, when given, are the only ones of
#                    the modules built that it loads. The first
#                    configuration's logs are in
#                    build/vm/KERNEL, the others' in build/vm/KERNEL+NAME,
#                    and their verdict lines name them so.
#   VM_*, TEST_TIMEOUT: see vm/boot.sh
set -u

mode=${1:?usage: run.sh check|fuzz|demo|shell|bench NAME|KDIR|IMAGE[|APPEND]...}
shift
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-build}
mkdir -p "$build"
build=$(cd "$build" && pwd)
kmod_build=${KMOD_BUILD:-kernel/build.sh}
case $mode in check | fuzz | demo | shell | bench) ;; *) echo "run.sh: bad mode $mode" >&2; exit 2 ;; esac
max_retry=${VM_RETRY:-1}
case $max_retry in '' | *[!0-9]*)
	echo "run.sh: VM_RETRY must be a number (retries per kernel)" >&2; exit 2 ;;
esac

# now: wall clock in seconds; elapsed START: seconds since START, 1 decimal
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# boots N: "N boot(s) retried (never reached /init)"
boots() {
	echo "$1 boot$([ "$1" = 1 ] || echo s) retried (never reached /init)"
}

# console_tail LOG: its last lines, indented, for a boot gone wrong; the
# first panic or oops line too when it is further up (its backtrace fills
# the tail, the reason is above it).
console_tail() {
	tr -d '\r' <"$1" | awk '
		!why && /Kernel panic|BUG:|Oops|double fault|general protection/ {
			why = NR
		}
		{ l[NR] = $0 }
		END {
			if (NR == 0)
				print "(nothing on the console)"
			from = NR > 15 ? NR - 14 : 1
			if (why && why < from)
				print l[why] (why < from - 1 ? "\n..." : "")
			for (i = from; i <= NR; i++)
				print l[i]
		}' | sed 's/^/         | /'
}

host_arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)

# arch_var NAME ARCH: the value of NAME_ARCH for a kernel of another
# architecture than the host's, of NAME for the host's.
arch_var() {
	if [ "$2" = "$host_arch" ]; then
		eval "echo \"\${$1:-}\""
	else
		eval "echo \"\${$1_$2:-}\""
	fi
}

[ "$mode" = fuzz ] && TESTS=fuzz

# keep_test NAME: true when TESTS is empty or one of its globs matches NAME.
keep_test() {
	[ -n "${TESTS:-}" ] || return 0
	keep=false
	# The globs are for test names, not for files here.
	set -f
	for pat in $TESTS; do
		# shellcheck disable=SC2254 # $pat is a glob on purpose
		case $1 in $pat) keep=true ;; esac
	done
	set +f
	$keep
}

# select_programs ARCH: set $tests, $pretests, $demo, $tools and $configs
# to the programs and device configurations for a kernel of ARCH (bench
# mode runs no test program, only check mode pre-load tests); false when
# demo or fuzz mode has no program to run.
select_programs() {
	tests=
	[ "$mode" = bench ] || for t in $(arch_var USER_TEST_BINS "$1"); do
		keep_test "$(basename "$t")" || continue
		tests="$tests $t"
	done
	pretests=
	[ "$mode" != check ] || for t in $(arch_var USER_PRELOAD_TESTS "$1"); do
		keep_test "$(basename "$t")" || continue
		pretests="$pretests $t"
	done
	tools=$(arch_var USER_TOOL_BINS "$1")
	configs=$(arch_var VM_CONFIG_SPECS "$1")
	configs=${configs:-base||||}
	demo=
	if [ "$mode" = demo ]; then
		demo=$(arch_var USER_DEMO_BIN "$1")
		if [ -z "$demo" ] || [ ! -x "$demo" ]; then
			echo "run.sh: no demo program for $1 (USER_DEMO_BIN='$demo')" >&2
			return 1
		fi
	elif [ "$mode" = fuzz ] && [ -z "$tests" ]; then
		echo "run.sh: no fuzz program for $1 among USER_TEST_BINS" >&2
		return 1
	elif [ "$mode" = check ] && [ -z "$tests" ]; then
		echo "note: no test programs (USER_TEST_BINS empty or TESTS matched none);" \
			"only loading and unloading the module"
	fi
}

# config_tests GLOBS: the programs of $tests a configuration runs (see
# VM_CONFIG_SPECS).
config_tests() {
	set -f
	for t in $tests; do
		name=$(basename "$t")
		keep=
		for pat in $1; do
			case $pat in
			!*)
				[ -n "$keep" ] || keep=true
				# shellcheck disable=SC2254 # a glob on purpose
				case $name in ${pat#!}) keep=false ;; esac
				;;
			*)
				[ "$keep" = true ] || keep=false
				# shellcheck disable=SC2254 # a glob on purpose
				case $name in $pat) keep=true ;; esac
				;;
			esac
		done
		[ "${keep:-true}" = true ] && printf ' %s' "$t"
	done
	set +f
}

# kernel_modules KDIR: the files of $VM_KERNEL_MODULES in the module tree
# beside KDIR, each after its dependencies (from modules.dep), or nothing.
kernel_modules() {
	tree=$(cd "$1/.." 2>/dev/null && pwd) || return 0
	[ -f "$tree/modules.dep" ] || return 0
	for km in ${VM_KERNEL_MODULES-drivers/block/loop}; do
		# modules.dep: "kernel/a.ko[.xz]: deps..."; a dependency's own
		# dependencies follow it, so load the list backwards.
		awk -v m="kernel/$km.ko" '
			{ sub(":", "", $1); f = $1; sub(/\.(xz|zst|gz)$/, "", f) }
			f == m { for (i = NF; i >= 1; i--) print $i; exit }
		' "$tree/modules.dep" | while read -r rel; do
			echo "$tree/$rel"
		done
	done | awk '!seen[$0]++'
}

total_pass=0
total_fail=0
total_skip=0
total_retried=0
retried_names=
start_all=$(now)
summary=

# The retry decision and the verdict must agree on what "never reached
# /init" means; a broken decision would hide real failures or retry none.
if [ "$mode" = check ]; then
	for selftest in "$(dirname "$here")"/tests/vm/*_test.sh; do
		[ -e "$selftest" ] || continue
		st=tests/vm/${selftest##*/}
		if out=$("$selftest" 2>&1); then
			echo "runner self-test ($st):" \
				"$(echo "$out" | grep -c '^ok') checks ok"
		else
			echo "runner self-test ($st): FAIL"
			echo "$out" | sed 's/^/         | /'
			total_fail=$((total_fail + 1))
			summary="$summary
    runner self-test $st: FAIL"
		fi
	done
fi

# verdict NAME START: print the verdict line of a boot (or of a kernel that
# got no boot) from $pass $fail $skip $retried, add it to the totals.
verdict() {
	v=PASS
	[ "$fail" = 0 ] || v=FAIL
	line="$1: $v, $pass passed, $fail failed$([ "$skip" != 0 ] && echo ", $skip skipped") ($(elapsed "$2") s)"
	if [ "$retried" != 0 ]; then
		line="$line; $(boots "$retried")"
		total_retried=$((total_retried + retried))
		retried_names="$retried_names $1"
	fi
	echo "<== $line"
	summary="$summary
    $line"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
}

# boot_config RUN CONFIG QEMU_ARGS APPEND MEM TESTS MODULES: steps 2-4 for
# one device configuration of the kernel in $name/$kdir/$image/$append,
# with the modules $kos (those named in MODULES, if any); logs in
# build/vm/RUN.
boot_config() {
	run=$1
	vmdir=$build/vm/$run
	start=$(now)
	pass=0 fail=0 skip=0 retried=0
	mkdir -p "$vmdir"
	[ "$run" = "$name" ] || echo "==> kernel $name, configuration $2"
	ckos=$kos
	if [ -n "$7" ]; then
		ckos=
		for ko in $kos; do
			case " $7 " in *" $(basename "$ko" .ko) "*)
				ckos="$ckos $ko" ;;
			esac
		done
	fi

	# The pre-load tests run in the first configuration only.
	cpretests=
	[ "$run" != "$name" ] || cpretests=$pretests

	# 2. initramfs
	if ! IOMDVM_MODULES=$ckos IOMDVM_TESTS=$6 IOMDVM_DEMO=$demo \
		IOMDVM_KMODS=$(kernel_modules "$kdir") \
		IOMDVM_TOOLS=$tools BUSYBOX=${busybox:-${BUSYBOX:-}} \
		IOMDVM_PRETESTS=$cpretests IOMDVM_MODTREE=$modtree \
		"$here/mkinitramfs.sh" "$vmdir/initramfs.cpio.gz"; then
		echo "    FAIL packing the initramfs"
		fail=1
		verdict "$run" "$start"
		return
	fi

	# 3. boot (an x86 bzImage unpacked for PVH where it can be)
	boot=$image
	[ "$arch" != amd64 ] ||
		boot=$("$here/kernel-image.sh" "$image" "$build/vm/$name")
	if [ "$mode" = shell ]; then
		echo "    booting $boot; leave the shell (exit) to unload and power off"
	else
		echo "    booting $boot (timeout ${VM_TIMEOUT:-600} s)"
	fi
	[ -z "$3" ] || echo "    devices: $3${5:+, $5 MiB}${7:+; modules: $7}"
	# Logs of an earlier run's failed boots would pass for ours.
	rm -f "$vmdir"/console.log.* "$vmdir"/results.log.* \
		"$vmdir"/qemu.log.*
	while :; do
		t0=$(now)
		status=0
		# shellcheck disable=SC2086 # $append $4: words for the command line
		VM_MODE=$mode VM_ARCH=$arch VM_QEMU_ARGS=$3 \
			VM_MEM=${5:-${VM_MEM:-1024}} \
			"$here/boot.sh" "$boot" "$vmdir/initramfs.cpio.gz" \
			"$vmdir" $append $4 iomdvm.config="$2" ||
			status=$?
		boot_secs=$(elapsed "$t0")
		[ "$retried" -lt "$max_retry" ] || break
		why=$("$here/retry.sh" decide "$mode" "$status" \
			"$vmdir/console.log") ||
			break
		retried=$((retried + 1))
		for f in console.log results.log qemu.log; do
			[ ! -e "$vmdir/$f" ] ||
				mv "$vmdir/$f" "$vmdir/$f.$retried"
		done
		echo "    RETRY: boot $retried $why (QEMU status $status," \
			"$boot_secs s); booting again. Its last console" \
			"lines ($vmdir/console.log.$retried):"
		console_tail "$vmdir/console.log.$retried"
	done

	# Handy copy of the kernel log dumped at the end of the run.
	tr -d '\r' <"$vmdir/results.log" |
		sed -n '/^IOMDVM-DMESG-BEGIN/,/^IOMDVM-DMESG-END/p' |
		sed '1d;$d' >"$vmdir/dmesg.log"

	# 4. verdict
	awk -f "$here/parse.awk" -v mode="$mode" -v vm_status="$status" \
		-v vm_timeout="${VM_TIMEOUT:-600}" \
		-v vm_init_timeout="${VM_INIT_TIMEOUT:-180}" \
		-v counts="$vmdir/counts" \
		-v tests_list="$vmdir/root/iomd/tests.list" \
		"$vmdir/results.log" "$vmdir/console.log"
	read -r pass fail skip <"$vmdir/counts" || fail=1
	# The fuzzer's seed, speed and call count.
	[ "$mode" != fuzz ] || tr -d '\r' <"$vmdir/results.log" |
		grep -E '^# (iomd_fuzz|.* calls/s)' | sed 's/^# /    /'
	# A kernel that dies before /init exits QEMU with status 0.
	if [ "$mode" != shell ] && { [ "$status" != 0 ] ||
		! "$here/retry.sh" started "$vmdir/console.log"; }; then
		echo "    last console lines:"
		console_tail "$vmdir/console.log"
	fi
	echo "    boot + run: $boot_secs s"
	if [ "$fail" != 0 ]; then
		echo "    logs: $vmdir/console.log (console)"
		echo "          $vmdir/results.log (program output + dmesg)"
		[ "$retried" = 0 ] ||
			echo "          $vmdir/console.log.1 ... (boots retried)"
	fi
	verdict "$run" "$start"
}

for spec in "$@"; do
	old_ifs=$IFS
	IFS='|'
	# shellcheck disable=SC2086 # split the spec on |
	set -- $spec
	IFS=$old_ifs
	name=$1
	kdir=${2:-}
	image=${3:-}
	append=${4:-}
	arch=${5:-$host_arch}
	kmake=${6:-}
	moddir=$build/kernel/$name
	kstart=$(now)
	pass=0 fail=0 skip=0 retried=0

	echo
	echo "==> kernel $name"
	select_programs "$arch" || exit 1
	# A foreign architecture's busybox; empty: the host's (/bin/busybox).
	busybox=
	if [ "$arch" != "$host_arch" ]; then
		busybox=$(arch_var BUSYBOX "$arch")
		if [ -z "$busybox" ]; then
			echo "    FAIL no busybox for $arch (BUSYBOX_$arch; scripts/busybox.sh $arch)"
			fail=1
			verdict "$name" "$kstart"
			continue
		fi
	fi
	if [ -z "$kdir" ] || [ -z "$image" ] || [ ! -d "$kdir" ] || [ ! -f "$image" ]; then
		echo "    FAIL kernel $name is not installed (build tree '$kdir'," \
			"image '$image'); try 'make deps'"
		fail=1
		verdict "$name" "$kstart"
		continue
	fi
	echo "    build tree $kdir"
	mkdir -p "$build/vm/$name"
	rm -f "$moddir"/*.ko

	# 1. modules, once for every configuration
	t0=$(now)
	# shellcheck disable=SC2086 # $kmake: make variables, one a word
	if ! "$kmod_build" "$kdir" "$moddir" $kmake \
		>"$build/vm/$name/build.log" 2>&1 ||
		[ ! -f "$moddir/iomd.ko" ]; then
		echo "    FAIL module build ($kmod_build $kdir $moddir); last lines of $build/vm/$name/build.log:"
		tail -n 30 "$build/vm/$name/build.log" | sed 's/^/         | /'
		fail=1
		verdict "$name" "$kstart"
		continue
	fi
	nwarn=$(grep -c 'warning:' "$build/vm/$name/build.log")
	kos=
	for ko in "$moddir"/*.ko; do
		m=$(basename "$ko" .ko)
		if [ -n "${VM_MODULES:-}" ]; then
			case " $VM_MODULES " in *" $m "*) ;; *) continue ;; esac
		fi
		kos="$kos $ko"
	done
	msg="    modules built in $(elapsed "$t0") s:"
	for ko in $kos; do
		msg="$msg $(basename "$ko")"
	done
	[ "$nwarn" = 0 ] ||
		msg="$msg ($nwarn compiler warnings, see $build/vm/$name/build.log)"
	echo "$msg"

	# An installed module tree for the pre-load tests.
	modtree=
	if [ -n "$pretests" ]; then
		t0=$(now)
		# shellcheck disable=SC2086 # $kmake: make variables, one a word
		if modtree=$("$here/stage-modules.sh" "$kdir" "$moddir" \
			"$build/vm/$name/stage" $kmake \
			2>"$build/vm/$name/stage.log"); then
			echo "    module tree staged in $(elapsed "$t0") s:" \
				"make install-module + samples/consumer, depmod"
		else
			echo "    FAIL staging the module tree; last lines of $build/vm/$name/stage.log:"
			tail -n 20 "$build/vm/$name/stage.log" | sed 's/^/         | /'
			fail=1
			verdict "$name" "$kstart"
			continue
		fi
	fi

	# 2-4, per device configuration with tests to run (the first one
	# alone when there are no tests, or not in check mode).
	IFS=';'
	set -f
	# shellcheck disable=SC2086 # split the specs on ;
	set -- $configs
	set +f
	IFS=$old_ifs
	first=
	booted=0
	for cspec in "$@"; do
		while :; do
			case $cspec in [[:space:]]*) cspec=${cspec#?} ;; *) break ;; esac
		done
		[ -n "$cspec" ] || continue
		cname=${cspec%%|*}
		r=${cspec#*|}
		cqemu=${r%%|*}
		r=${r#*|}
		cappend=${r%%|*}
		r=${r#*|}
		cmem=${r%%|*}
		r=${r#*|}
		cglobs=${r%%|*}
		cmods=
		case $r in *'|'*) cmods=${r#*|} ;; esac
		run=$name
		if [ -z "$first" ]; then
			first=$cname
		else
			run=$name+$cname
		fi
		if [ "$mode" = check ] && [ -n "$tests" ]; then
			ctests=$(config_tests "$cglobs")
			[ -n "$ctests" ] || continue
		else
			[ "$booted" = 0 ] || continue
			ctests=$tests
		fi
		booted=$((booted + 1))
		boot_config "$run" "$cname" "$cqemu" "$cappend" "$cmem" \
			"$ctests" "$cmods"
	done
done

echo
echo "Summary:$summary"
echo "    total wall time $(elapsed "$start_all") s"
[ "$total_retried" = 0 ] ||
	echo "    $(boots "$total_retried"):$retried_names"
echo "$total_pass passed, $total_fail failed$([ "$total_skip" != 0 ] && echo ", $total_skip skipped")"
[ "$total_fail" = 0 ]
