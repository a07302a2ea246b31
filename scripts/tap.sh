# tap.sh: TAP output for the shell checks, sourced by scripts/*-check.sh and
# tests/vm/*_test.sh.
#
# Before sourcing, set TAP_LOG to a file for the checked commands' output.
# check DESCRIPTION COMMAND... prints one "ok"/"not ok" line (ok when
# COMMAND succeeds); a failure is followed by the end of COMMAND's output,
# as "# " comments.  tap_finish NAME prints the plan and a summary line
# and returns 1 if any check failed.

n=0
nfail=0

check() {
	n=$((n + 1))
	what=$1
	shift
	if "$@" >"$TAP_LOG" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		tail -n 20 "$TAP_LOG" | sed 's/^/# /'
		nfail=$((nfail + 1))
	fi
}

tap_finish() {
	echo "1..$n"
	echo "# $1: $((n - nfail)) passed, $nfail failed"
	[ "$nfail" = 0 ]
}
