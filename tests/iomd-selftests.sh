#!/bin/sh
# iomd-selftests [-l] [-t NAME]... [-d DIR]: run iomd's installed tests on
# this machine (`make install-tests` puts them in
# PREFIX/lib/iomd/selftests/, this runner in PREFIX/bin/).
#
# Needs root and the iomd module loaded (modprobe iomd), and the sample
# driver for the tests that use it; several tests switch to uid 1000 (in
# group iomd) and 1001 (not in it), as the test VM has them, and compare
# module-wide counters, so run them with no other user of /dev/iomd.
#
# Prints KTAP: one result per test program, its own KTAP indented below
# it (kselftest's format); exit status 0 when all passed or were skipped,
# 4 when all were skipped (no /dev/iomd: "is the iomd module loaded?"), 1
# otherwise.
#
#   -l        list the tests and exit
#   -t NAME   run only NAME (repeatable; a glob)
#   -d DIR    the tests' directory (default: beside this script,
#             ../lib/iomd/selftests)
#   -T SECS   seconds each test may take (default 300)
set -u

here=$(cd "$(dirname "$0")" && pwd)
dir=$here/../lib/iomd/selftests
[ -d "$dir" ] || dir=$here
only=
list=false
timeout=300

while getopts 'lt:d:T:h' opt; do
	case $opt in
	l) list=true ;;
	t) only="$only $OPTARG" ;;
	d) dir=$OPTARG ;;
	T) timeout=$OPTARG ;;
	*) sed -n '2,/^set -u/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 2 ;;
	esac
done

tests=
for t in "$dir"/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	[ "$name" != iomd-selftests ] || continue
	if [ -n "$only" ]; then
		keep=false
		set -f
		for pat in $only; do
			# shellcheck disable=SC2254 # a glob on purpose
			case $name in $pat) keep=true ;; esac
		done
		set +f
		$keep || continue
	fi
	tests="$tests $name"
done

if $list; then
	for t in $tests; do
		echo "$t"
	done
	exit 0
fi

# shellcheck disable=SC2086 # count the words
n=$(echo $tests | wc -w)
echo "KTAP version 1"
echo "1..$n"
if [ ! -e /dev/iomd ]; then
	echo "# /dev/iomd does not exist: is the iomd module loaded? (modprobe iomd)"
fi

out=$(mktemp /tmp/iomd-selftests.XXXXXX)
trap 'rm -f "$out"' EXIT
i=0
pass=0
fail=0
skip=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: iomd: $t"
	(cd /tmp && exec timeout -k 5 "$timeout" "$dir/$t") </dev/null >"$out" 2>&1
	rc=$?
	sed 's/^/  /' "$out"
	case $rc in
	0) echo "ok $i selftests: iomd: $t"; pass=$((pass + 1)) ;;
	4) echo "ok $i selftests: iomd: $t # SKIP"; skip=$((skip + 1)) ;;
	124 | 137) echo "not ok $i selftests: iomd: $t # TIMEOUT ${timeout}s"
		fail=$((fail + 1)) ;;
	*) echo "not ok $i selftests: iomd: $t # exit=$rc"; fail=$((fail + 1)) ;;
	esac
done
echo "# Totals: pass:$pass fail:$fail skip:$skip"
[ "$fail" = 0 ] || exit 1
[ "$n" = 0 ] || [ "$skip" != "$n" ] || exit 4
exit 0
