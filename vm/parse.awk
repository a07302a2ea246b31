# parse.awk: judge one VM run from its logs (POSIX awk; Debian's mawk is fine).
#
#   awk -f vm/parse.awk -v mode=check|fuzz|demo|shell -v vm_status=N \
#       -v vm_timeout=S -v vm_init_timeout=S -v tests_list=FILE \
#       -v counts=FILE results.log console.log
#
# results.log is serial port 1 (see vm/init): IOMDVM-* markers, the output
# of each program between TEST-BEGIN/TEST-END, then the dmesg dump.
# console.log is serial port 0: the kernel console, scanned for splats too,
# because a VM that dies or hangs never gets to dump dmesg.
#
# vm_status is vm/boot.sh's exit status (124: timeout; 123: killed because
# /init had not started after vm_init_timeout seconds); tests_list names the
# programs the VM was meant to run, one a line (to list those never run).
# Prints a human-readable verdict (indented lines) on stdout and writes
# "PASSED FAILED SKIPPED" to the file `counts`.
#
# Counting rules:
#  * TAP from test programs: only top-level results (no indentation) count;
#    indented subtest lines are shown but not counted, because the program's
#    own plan (1..N) is about its top-level tests. "# SKIP" counts as skipped,
#    "not ok ... # TODO" as skipped, "ok ... # TODO" as passed.
#  * A program that exits non-zero with no "not ok" line (but status 4,
#    kselftest's "skipped", when every result was a SKIP), that has no TAP
#    result at all, whose plan does not match the results, or that bails out
#    counts one extra failure. A timeout always counts one extra failure.
#  * KTAP in dmesg (KUnit, "KTAP version 1"): leaf results count, i.e. test
#    cases and parameters, not the suite lines that summarise them.
#  * Checks of the run itself (insmod, /dev/iomd, rmmod, live_objects=0,
#    kernel log clean, VM finished) count one failure each when they fail and
#    nothing when they pass.
#  * demo mode: the one program's output is shown as is; it passes when it
#    exits with status 0.

BEGIN {
	# Kernel log lines that fail the run (ERE). Keep in sync with the
	# documentation in README.md and docs/design.md, "Testing"; each
	# checker's report has a sample in tests/vm/splat_test.sh. "BUG:"
	# covers KASAN's and KFENCE's "BUG: KASAN: ...", "BUG: KFENCE: ...",
	# DEBUG_ATOMIC_SLEEP's "BUG: sleeping function called from invalid
	# context" and lockdep's "[ BUG: Invalid wait context ]"; UBSAN's
	# reports are "UBSAN: <check> in <file>:<line>:<col>"; hardened usercopy,
	# list debugging (BUG_ON_DATA_CORRUPTION) and FORTIFY_SOURCE name their
	# finding in a line of their own before the "kernel BUG"/"WARNING:".
	# PREEMPT_RT's two (a sleeping lock taken where the context may not
	# sleep, and lockdep's wait-context check) are named although "BUG:"
	# covers them: they are what the rt-debug kernel is for.
	splat = "BUG:|^BUG [^ ]+ \\(|kernel BUG|WARNING:|Oops|Kernel panic" \
		"|general protection fault|Unable to handle|stack-protector" \
		"|blocked for more than|KASAN|UBSAN|KFENCE" \
		"|unreferenced object|suspected memory leak" \
		"|possible circular locking|possible recursive locking" \
		"|inconsistent lock state|possible irq lock inversion" \
		"|sleeping function called from invalid context" \
		"|Invalid wait context" \
		"|suspicious RCU usage|lock held when returning to user" \
		"|is leaving the kernel with locks still held" \
		"|detected stall|soft lockup|hard LOCKUP" \
		"|list_add corruption|list_del corruption|Bad page" \
		"|usercopy: |detected buffer overflow|field-spanning write"
	passed = failed = skipped = 0
	nfile = 0
	in_test = in_dmesg = in_kmemleak = in_kfence = 0
	kf_allocs = kf_iomd = ""
	began = done = 0
	init_started = 0
	# When a console line came, in words (the test program running, ...)
	c_when = "while the kernel booted, before /init"
	nsplat = 0
	# The first report's own lines, for a verdict that shows its stack
	ctx_max = 40
	nctx = ctx_left = ctx_file = 0
	live_lines = 0
	iomd_loaded = iomd_unloaded = 0
	setup_failed = 0
	ktap = 0
	k_pass = k_fail = k_skip = 0
	nk_fail = 0
}

# Which file by name, not by count: an empty results.log (a VM that died
# before /init) has no first line, and console.log would pass for it.
FNR == 1 { nfile = (FILENAME == ARGV[2]) ? 2 : 1 }

{ sub(/\r$/, "") }

nfile == 1 { results_line($0); next }
nfile == 2 { console_line($0); next }

# ---------------------------------------------------------------------------
# results.log

function results_line(l,    w) {
	if (l ~ /^IOMDVM-/) {
		split(l, w, " ")
		if (w[1] == "IOMDVM-BEGIN") { began = 1; return }
		if (w[1] == "IOMDVM-DONE") { done = 1; return }
		if (w[1] == "IOMDVM-TEST-BEGIN") { test_begin(w[2]); return }
		if (w[1] == "IOMDVM-TEST-END") {
			ended[w[2]] = 1
			# Its TEST-BEGIN never came: the output before this
			# line cannot be told apart, so none of it counts.
			if (!in_test || w[2] != t_name) {
				in_test = 0
				check_fail("the results channel lost the start of " \
					w[2] "'s output (no IOMDVM-TEST-BEGIN " w[2] \
					"); its results are not counted")
				return
			}
			test_end(field(l, "rc"), field(l, "secs"), field(l, "timeout"))
			return
		}
		if (w[1] == "IOMDVM-INSMOD") {
			if (field(l, "rc") != 0) {
				check_fail("insmod " w[2] ".ko failed (status " field(l, "rc") ")")
				setup_failed = 1
			}
			else if (w[2] == "iomd")
				iomd_loaded = 1
			return
		}
		if (w[1] == "IOMDVM-DEVNODE") {
			if (w[2] != "ok") {
				check_fail("/dev/iomd does not exist after insmod iomd.ko")
				setup_failed = 1
			}
			return
		}
		if (w[1] == "IOMDVM-RMMOD") {
			if (field(l, "rc") != 0)
				check_fail("rmmod " w[2] " failed (status " field(l, "rc") ")")
			else if (w[2] == "iomd")
				iomd_unloaded = 1
			return
		}
		if (w[1] == "IOMDVM-DMESG-BEGIN") { in_dmesg = 1; return }
		if (w[1] == "IOMDVM-DMESG-END") { in_dmesg = 0; return }
		if (w[1] == "IOMDVM-KMEMLEAK-BEGIN") { in_kmemleak = 1; return }
		if (w[1] == "IOMDVM-KMEMLEAK-END") { in_kmemleak = 0; return }
		if (w[1] == "IOMDVM-KFENCE-BEGIN") { in_kfence = 1; return }
		if (w[1] == "IOMDVM-KFENCE-END") { in_kfence = 0; return }
	}
	if (in_test)
		tap_line(l)
	else if (in_dmesg)
		dmesg_line(strip_time(l))
	else if (in_kmemleak)
		scan_log(l, "")
	else if (in_kfence)
		kfence_line(l)
}

# KFENCE's statistics (vm/init, debug kernel): shown, to tell that it
# sampled; its reports are in the kernel log.
function kfence_line(l) {
	if (l ~ /^total allocations: /)
		kf_allocs = substr(l, 20)
	else if (l ~ /^iomd zone objects: /)
		kf_iomd = substr(l, 20)
}

# field(LINE, KEY): value of KEY=value in a marker line
function field(l, key,    n, i, w) {
	n = split(l, w, " ")
	for (i = 1; i <= n; i++)
		if (index(w[i], key "=") == 1)
			return substr(w[i], length(key) + 2)
	return ""
}

function strip_time(l) {
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", l)
	return l
}

# ---------------------------------------------------------------------------
# Test programs (TAP on their stdout)

function test_begin(name) {
	in_test = 1
	started[name] = 1
	t_name = name
	t_pass = t_fail = t_skip = t_results = 0
	t_plan = -1
	t_bail = 0
	t_nout = 0
	t_nnotok = 0
}

function tap_line(l,    low, is_not) {
	t_out[++t_nout] = l
	if (l ~ /^(not )?ok([ \t]|$)/) {
		t_results++
		is_not = (l ~ /^not /)
		low = tolower(l)
		if (low ~ /#[ \t]*skip/)
			t_skip++
		else if (low ~ /#[ \t]*todo/) {
			if (is_not) t_skip++; else t_pass++
		} else if (is_not) {
			t_fail++
			t_notok[++t_nnotok] = l
		} else
			t_pass++
	} else if (l ~ /^1\.\.[0-9]+/) {
		t_plan = substr(l, 4) + 0
		# "1..0 # SKIP reason": the whole program skipped
		if (t_plan == 0 && tolower(l) ~ /#[ \t]*skip/)
			t_skip++
	} else if (l ~ /^Bail out!/)
		t_bail = 1
}

# test_end(RC, SECS, TIMEDOUT); RC == "" when the program never finished
function test_end(rc, secs, timedout,    why, i, first, extra) {
	in_test = 0
	why = ""
	if (rc == "")
		why = "did not finish (the VM died or was killed while it ran)"
	else if (timedout == 1)
		why = "timed out after " secs " s"

	if (mode == "demo") {
		if (why == "" && rc != 0)
			why = "exited with status " rc
		# The demo speaks plain words to people: show it unchanged.
		for (i = 1; i <= t_nout; i++)
			print t_out[i]
		if (why == "") {
			passed++
			print "    ok   " t_name " (" secs " s)"
		} else {
			failed++
			print "    FAIL " t_name ": " why
		}
		return
	}

	if (why != "")
		;
	else if (t_bail)
		why = "bailed out"
	else if (rc == 4 && t_fail == 0 && t_pass == 0)
		;	# kselftest's "skipped": every result was a SKIP
	else if (rc != 0 && t_fail == 0)
		why = "exited with status " rc " without a failed test"
	else if (t_results == 0 && t_skip == 0)
		why = "printed no TAP result"
	else if (t_plan >= 0 && t_plan != t_results)
		why = "planned " t_plan " tests but reported " t_results
	extra = (why != "")

	passed += t_pass
	skipped += t_skip
	failed += t_fail + extra
	if (t_fail + extra == 0) {
		printf "    ok   %s (%s)%s\n", t_name, tally(t_pass, 0, t_skip),
			secs == "" ? "" : " " secs " s"
		return
	}
	printf "    FAIL %s (%s)%s\n", t_name, tally(t_pass, t_fail + extra, t_skip),
		secs == "" ? "" : " " secs " s"
	if (why != "")
		print "         " why
	for (i = 1; i <= t_nnotok; i++)
		print "         " t_notok[i]
	# Last lines of its output, for context.
	first = t_nout > 30 ? t_nout - 29 : 1
	if (first > 1)
		print "         | ... (" first - 1 " lines above, see results.log)"
	for (i = first; i <= t_nout; i++)
		print "         | " t_out[i]
}

function tally(p, f, s) {
	return p " passed" (f ? ", " f " failed" : "") (s ? ", " s " skipped" : "")
}

# ---------------------------------------------------------------------------
# Kernel log

function dmesg_line(l) {
	scan_log(l, "")
	if (match(l, /iomd: exit: live_objects=[0-9]+/)) {
		live_lines++
		live = substr(l, RSTART + 25, RLENGTH - 25) + 0
		if (live != 0)
			check_fail("iomd unloaded with live_objects=" live " (leaked descriptors/objects)")
	}
	ktap_line(l)
}

# scan_log(LINE, WHEN): remember kernel log lines that mean trouble (once
# each); WHEN, if known, says which test program was running.
# Lines that differ only in numbers (times, PIDs, addresses) count as one.
function scan_log(l, when,    key) {
	if (ctx_left && nfile == ctx_file) {
		ctx[++nctx] = l
		ctx_left--
		# KASAN, KFENCE and UBSAN end a report with a rule
		if (l ~ /^=+$/)
			ctx_left = 0
	}
	if (l !~ splat)
		return
	# The first report, from the dmesg dump if the VM got that far: it
	# holds every line, where the console may have dropped some.
	if (!nctx || (nfile == 1 && ctx_file == 2)) {
		nctx = 1
		ctx[1] = l
		ctx_left = ctx_max - 1
		ctx_file = nfile
	}
	key = l
	gsub(/0x[0-9a-f]+/, "X", key)
	gsub(/[0-9]+/, "N", key)
	if (!(key in splat_n)) {
		splats[++nsplat] = key
		splat_first[key] = l
	}
	# dmesg and the console hold the same lines: count the dmesg copies
	if (nfile == 1 || !(key in splat_dmesg))
		splat_n[key]++
	if (nfile == 1)
		splat_dmesg[key] = 1
	if (when != "" && splat_when[key] == "")
		splat_when[key] = when
}

# console.log: kernel lines are interleaved with vm/init's progress lines, so
# splats seen here can be pinned to the program that was running.
function console_line(l) {
	# vm/init's first line (vm/retry.sh looks for the same words)
	if (index(l, "iomdvm: /init started")) {
		init_started = 1
		c_when = "in /init, before the modules were loaded"
	}
	if (l ~ /^iomdvm: run /)
		c_when = "while " substr(l, 13) " ran"
	else if (l ~ /^iomdvm: (done|rmmod|insmod) /)
		c_when = "at " substr(l, 9)
	else if (l !~ /^iomdvm: /)
		scan_log(strip_time(l), c_when)
}

# KTAP (KUnit) results in dmesg. Only leaf results count: a result line at
# depth d is a leaf unless results at a deeper level came since the last
# result at depth d (those were its subtests).
function ktap_line(l,    lead, depth, k, body) {
	if (l ~ /^[ \t]*K?TAP version/) { ktap = 1; return }
	if (!ktap || l !~ /^[ \t]*(not )?ok [0-9]+/)
		return
	match(l, /^[ \t]*/)
	lead = RLENGTH
	depth = int(lead / 4)
	body = substr(l, lead + 1)
	for (k = 0; k < depth; k++)
		has_sub[k] = 1
	if (has_sub[depth]) {
		has_sub[depth] = 0
		return
	}
	if (tolower(body) ~ /#[ \t]*skip/)
		k_skip++
	else if (body ~ /^not ok/) {
		k_fail++
		k_failed[++nk_fail] = body
	} else
		k_pass++
}

function check_fail(msg) {
	failed++
	print "    FAIL " msg
}

# ---------------------------------------------------------------------------

END {
	if (in_test)
		test_end("", "", 0)
	if (k_pass + k_fail + k_skip > 0) {
		passed += k_pass; failed += k_fail; skipped += k_skip
		printf "    %s kunit (%s)\n", k_fail ? "FAIL" : "ok  ",
			tally(k_pass, k_fail, k_skip)
		for (i = 1; i <= nk_fail; i++)
			print "         " k_failed[i]
	}
	if (kf_allocs != "")
		print "    kfence: " kf_allocs " allocations guarded, " \
			(kf_iomd == "" ? "?" : kf_iomd) \
			" slots last held iomd zone objects"
	# Programs the VM never got to (it died, was killed, or the module did not
	# load): each of those fails the run already.  In a run that finished
	# as it should, a program that never ran fails it.
	if (tests_list != "" && (mode == "check" || mode == "fuzz")) {
		notrun = ""
		while ((getline name < tests_list) > 0)
			if (!(name in started) && !(name in ended))
				notrun = notrun " " name
		if (notrun != "" && done && !setup_failed)
			check_fail("the VM finished but never ran:" notrun)
		else if (notrun != "")
			print "    not run:" notrun
	}
	if (vm_status == 124)
		check_fail("VM timed out: QEMU killed after " vm_timeout " s (VM_TIMEOUT)")
	else if (vm_status == 123)
		check_fail("VM never reached /init: QEMU killed after " \
			vm_init_timeout " s (VM_INIT_TIMEOUT)")
	else if (vm_status != 0)
		check_fail("QEMU failed (status " vm_status "), see qemu.log")
	else if (!began && !init_started)
		check_fail("VM never reached /init (kernel panic or boot failure?)")
	else if (!began)
		check_fail("VM stopped in /init before it began the run")
	else if (!done)
		check_fail("VM stopped before vm/init finished")
	if (iomd_loaded && iomd_unloaded && live_lines == 0)
		check_fail("no 'iomd: exit: live_objects=N' line in the kernel log")
	if (nsplat) {
		check_fail("kernel log reports problems (full log: dmesg.log):")
		for (i = 1; i <= nsplat && i <= 25; i++) {
			k = splats[i]
			print "         " splat_first[k] \
				(splat_n[k] > 1 ? "  [" splat_n[k] " times]" : "")
			if (splat_when[k] != "")
				print "           (" splat_when[k] ")"
		}
		if (nsplat > 25)
			print "         ... " nsplat - 25 " more"
		print "         the first report, as logged:"
		for (i = 1; i <= nctx; i++)
			print "         | " ctx[i]
	}
	if (counts != "")
		print passed, failed, skipped > counts
}
