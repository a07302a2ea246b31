# report.awk: turn iomd-bench output into the report of `make bench`
# (POSIX awk; Debian's mawk is fine).
#
#   awk -f bench/report.awk -v out=DIR BOOT1.log BOOT2.log ...
#
# Each file is the output of one boot (`iomd-bench run`, see bench/main.c
# for the line format; other lines are ignored).  Within a boot, every
# case at every size has one measurement per pass; its cost is ns / units
# (per page, per alloc + free pair, per message).  Per boot the report
# takes the fastest and the median of the passes, and the ratio of the
# fastest against the fastest of the case's baseline.  Across boots it
# shows the median of the boots' values and their spread; a target counts
# as met only when it is met in every boot.
#
# Writes DIR/report.txt (the console table, also printed), DIR/report.md
# (the same as Markdown, for docs/benchmarks.md), DIR/results.json, and
# DIR/cost-per-page.dat + DIR/cost-per-page.gp for gnuplot.

BEGIN {
	nboot = 0
	ngroup = 0
	ncase = 0
	# Targets: ratio of fastest runs, same boot, at a size: bytes, 0 for
	# every size measured, "page" for one page (the boot's page size).
	# A baseline of "@SIZE" compares the case with itself at SIZE.
	ntarget = 0
	target("t1", "c1.iomd_prefault", "c1.memfd_populate", 64 * 2^20, 0.35,
	       "case 1, 64 MiB: iomd prefaulted <= 0.35 x memfd MAP_POPULATE")
	target("t2", "c2.iomd_prefault", "c2.memfd_populate", 64 * 2^20, 0.5,
	       "case 2, 64 MiB: iomd prefault <= 0.5 x memfd MAP_POPULATE of existing pages")
	target("t3", "c2.iomd_huge", "c2.iomd_prefault", 64 * 2^20, 0.05,
	       "case 2, 64 MiB: huge entries <= 0.05 x iomd 4 KiB prefault")
	target("t4", "c3.iomd_touched", "c3.uring_touched", 64 * 2^20, 0.5,
	       "case 3, 64 MiB touched: iomd wire <= 0.5 x io_uring_register_buffers")
	target("t5", "c3.iomd_touched", "c3.uring_touched", 0, 1.0,
	       "case 3, every size, touched: iomd wire <= 1.0 x io_uring_register_buffers")
	target("t6", "c3.iomd_untouched", "c3.uring_untouched", 0, 1.0,
	       "case 3, every size, untouched: iomd wire <= 1.0 x io_uring_register_buffers")
	target("t7", "c1.iomd_prefault", "c1.memfd_populate", "page", 0.5,
	       "case 1, one page: iomd create + map + touch <= 0.5 x memfd MAP_POPULATE")
	target("t8", "c2.iomd_prefault", "c2.memfd_populate", "page", 0.5,
	       "case 2, one page: iomd map of existing pages <= 0.5 x memfd MAP_POPULATE")
	target("t9", "c6.iomd_cycle", "c6.memfd_cycle", 0, 0.7,
	       "case 6, 1/4/16 pages: iomd buffer cycle <= 0.7 x memfd cycle")
	target("t10", "c6.iomd_wire", "c6.uring_wire", 0, 1.0,
	       "case 6, 1/4/16 pages: iomd wire/unwire cycle <= 1.0 x io_uring register/unregister")
	target("t5h", "c3.iomdh_touched", "c3.uring_touched", 0, 1.0,
	       "case 3, every size, touched: iomd wire as a handle <= 1.0 x io_uring_register_buffers")
	target("t6h", "c3.iomdh_untouched", "c3.uring_untouched", 0, 1.0,
	       "case 3, every size, untouched: iomd wire as a handle <= 1.0 x io_uring_register_buffers")
	target("t7h", "c1.iomdh_prefault", "c1.memfd_populate", "page", 0.5,
	       "case 1, one page: iomd create as a handle + map + touch <= 0.5 x memfd MAP_POPULATE")
	target("t9h", "c6.iomdh_cycle", "c6.memfd_cycle", 0, 0.7,
	       "case 6, 1/4/16 pages: iomd buffer cycle as a handle <= 0.7 x memfd cycle")
	target("t10h", "c6.iomdh_wire", "c6.uring_wire", 0, 1.0,
	       "case 6, 1/4/16 pages: iomd wire/unwire cycle as a handle <= 1.0 x io_uring register/unregister")
	target("t11", "c7.iomd_describe", "@page", 256 * 2^20, 1.5,
	       "case 7: describing a 256 MiB iomd mapping <= 1.5 x describing one page")
	# References for the wiring targets on handles, in the same boot and
	# size: io_uring's own work (its time less that of bare system calls
	# in their place) done through iomd's calls doing nothing
	# (IOMD_IOC_VERSION in their place), i.e. the ratio iomd would get if
	# its own work cost what io_uring's does: how much of a miss is the
	# ioctl interface.
	reference_of("t10h", "c6.floor_ioctl", "c6.floor_syscall")
	reference_of("t5h", "c3.floor_first_ioctl", "c3.floor_first")
	reference_of("t6h", "c3.floor_first_ioctl", "c3.floor_first")
	# And the ratio of the two sides' own work: each cycle less the bare
	# calls it is made of (two ioctls the VFS answers itself, two bare
	# system calls), i.e. the target with the interfaces taken out.
	own_of("t10h", "c6.floor_vfs", "c6.floor_syscall")
	flat_lo = 2^20
	flat_hi = 256 * 2^20
	flat_max = 1.5
	alloc_min = 0.9
}

function reference_of(id, plus, minus,    t) {
	for (t = 1; t <= ntarget; t++)
		if (t_id[t] == id) {
			t_fadd[t] = plus
			t_fsub[t] = minus
		}
}

function own_of(id, case_floor, base_floor,    t) {
	for (t = 1; t <= ntarget; t++)
		if (t_id[t] == id) {
			t_ocase[t] = case_floor
			t_obase[t] = base_floor
		}
}

# Per boot: the own-work ratio of target t at size s, or -1 if its rows
# were not measured or a floor is not below its cycle.
function own_ratio(t, b, s,    c, base, mine) {
	c = t_case[t]
	base = t_base[t]
	if (!(t in t_ocase) || fast[b, t_ocase[t], s] <= 0 ||
	    fast[b, t_obase[t], s] <= 0 ||
	    fast[b, c, s] <= fast[b, t_ocase[t], s] ||
	    fast[b, base, s] <= fast[b, t_obase[t], s])
		return -1
	mine = fast[b, c, s] - fast[b, t_ocase[t], s]
	return mine / (fast[b, base, s] - fast[b, t_obase[t], s])
}

# Per boot: the reference of target t at size s as a ratio to its
# baseline, or -1 if its rows were not measured.
function reference_ratio(t, b, s,    base, own) {
	base = t_base[t]
	if (!(t in t_fadd) || fast[b, base, s] <= 0 ||
	    fast[b, t_fadd[t], s] <= 0 || fast[b, t_fsub[t], s] <= 0)
		return -1
	own = fast[b, base, s] - fast[b, t_fsub[t], s]
	return (fast[b, t_fadd[t], s] + own) / fast[b, base, s]
}

# Target t's reference ("ref") or own-work ratio ("own") at each size
# case c was measured at, median over boots: "4K 0.950, 16K ...", or "".
function per_size_text(t, c, kind,    j, s, b, nf, fr, text, ftmp) {
	text = ""
	for (j = 1; j <= nsize[c]; j++) {
		s = c_size[c, j]
		nf = 0
		for (b = 1; b <= nboot; b++) {
			fr = kind == "own" ? own_ratio(t, b, s) : reference_ratio(t, b, s)
			if (fr >= 0)
				ftmp[++nf] = fr
		}
		if (nf)
			text = text (text == "" ? "" : ", ") size_name(s) \
				sprintf(" %.3f", median(ftmp, nf))
	}
	return text
}

function target(id, c, b, size, max, what) {
	ntarget++
	t_id[ntarget] = id
	t_case[ntarget] = c
	t_base[ntarget] = b
	t_size[ntarget] = size
	t_max[ntarget] = max
	t_what[ntarget] = what
}

FNR == 1 { nboot++ }

# "key=value" fields of a line; the last key may be free text
# (title=, label=, why=) and takes the rest of the line.
function parse(line,    n, w, i, k, rest) {
	for (k in f)
		delete f[k]
	n = split(line, w, " ")
	for (i = 3; i <= n; i++) {
		k = substr(w[i], 1, index(w[i], "=") - 1)
		if (k == "title" || k == "label" || k == "why") {
			rest = line
			sub("^.* " k "=", "", rest)
			f[k] = rest
			return
		}
		f[k] = substr(w[i], length(k) + 2)
	}
}

/^# bench-meta / {
	parse($0)
	if ("page_size" in f)
		page_size = f["page_size"] + 0
	for (k in f)
		if (!(k in meta))
			meta[k] = f[k]
	next
}

/^# bench-group / {
	parse($0)
	g = f["group"]
	if (!(g in g_title)) {
		groups[++ngroup] = g
		g_title[g] = f["title"]
		g_unit[g] = f["unit"]
	}
	next
}

/^# bench-case / {
	parse($0)
	c = f["case"]
	if (!(c in c_group)) {
		cases[++ncase] = c
		c_group[c] = f["group"]
		c_base[c] = f["baseline"] == "-" ? "" : f["baseline"]
		c_label[c] = f["label"]
	}
	next
}

/^# bench-missing / {
	parse($0)
	c_missing[f["case"]] = f["why"]
	next
}

/^# bench-warn / {
	parse($0)
	warn[++nwarn] = "boot " nboot ": " f["why"]
	next
}

/^# bench-fail / {
	parse($0)
	nfail[f["case"]]++
	next
}

/^# bench / {
	parse($0)
	c = f["case"]
	s = f["size"] + 0
	if (f["units"] + 0 <= 0)
		next
	if (!((c, s) in seen)) {
		seen[c, s] = 1
		nsize[c]++
		c_size[c, nsize[c]] = s
	}
	k = nboot SUBSEP c SUBSEP s
	ns[k]++
	v[k, ns[k]] = f["ns"] / f["units"]
	next
}

# Median of a[1..n] (sorts a).
function median(a, n,    i, j, x) {
	for (i = 2; i <= n; i++) {
		x = a[i]
		for (j = i - 1; j >= 1 && a[j] > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
	if (n % 2)
		return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

# Per boot: fastest and median cost of case c at size s (-1 if none).
function stats(b, c, s,    k, i, n, tmp, lo) {
	k = b SUBSEP c SUBSEP s
	n = ns[k]
	if (!n) {
		fast[b, c, s] = -1
		med[b, c, s] = -1
		return
	}
	lo = v[k, 1]
	for (i = 1; i <= n; i++) {
		tmp[i] = v[k, i]
		if (tmp[i] < lo)
			lo = tmp[i]
	}
	fast[b, c, s] = lo
	med[b, c, s] = median(tmp, n)
	npass[c, s] = n
}

# Median over the boots that have it of x[b, c, s]; -1 if none.
function over_boots(x, c, s,    b, n, tmp) {
	n = 0
	for (b = 1; b <= nboot; b++)
		if (x[b, c, s] >= 0)
			tmp[++n] = x[b, c, s]
	return n ? median(tmp, n) : -1
}

# Spread between boots of the fastest runs: (max - min) / min.
function spread(c, s,    b, lo, hi) {
	lo = hi = -1
	for (b = 1; b <= nboot; b++) {
		if (fast[b, c, s] < 0)
			continue
		if (lo < 0 || fast[b, c, s] < lo)
			lo = fast[b, c, s]
		if (fast[b, c, s] > hi)
			hi = fast[b, c, s]
	}
	return lo > 0 ? (hi - lo) / lo : -1
}

# Ratio of fastest runs of c against d at s in boot b; -1 if unknown.
# A d of "@SIZE" is c itself at SIZE ("page": one page).
function ratio(b, c, d, s,    s2) {
	if (substr(d, 1, 1) == "@") {
		s2 = substr(d, 2)
		s2 = s2 == "page" ? page_size : s2 + 0
		if (fast[b, c, s] <= 0 || fast[b, c, s2] <= 0)
			return -1
		return fast[b, c, s] / fast[b, c, s2]
	}
	if (fast[b, c, s] <= 0 || fast[b, d, s] <= 0)
		return -1
	return fast[b, c, s] / fast[b, d, s]
}

# Ratios of c against its baseline at s over the boots: sets r_med,
# r_lo, r_hi; returns the number of boots that have one.
function ratios(c, d, s,    b, n, r, tmp) {
	n = 0
	r_lo = r_hi = -1
	for (b = 1; b <= nboot; b++) {
		r = ratio(b, c, d, s)
		if (r < 0)
			continue
		tmp[++n] = r
		if (r_lo < 0 || r < r_lo)
			r_lo = r
		if (r > r_hi)
			r_hi = r
	}
	r_med = n ? median(tmp, n) : -1
	return n
}

# 4096 -> "4K", 1048576 -> "1M"
function size_name(s) {
	if (s >= 2^30 && s % 2^30 == 0)
		return s / 2^30 "G"
	if (s >= 2^20 && s % 2^20 == 0)
		return s / 2^20 "M"
	if (s >= 2^10 && s % 2^10 == 0)
		return s / 2^10 "K"
	return s ""
}

# A cost in ns, in a readable unit.
function fmt_ns(x) {
	if (x < 0)
		return "-"
	if (x >= 1e6)
		return sprintf("%.2f ms", x / 1e6)
	if (x >= 1e4)
		return sprintf("%.1f us", x / 1e3)
	if (x >= 100)
		return sprintf("%.0f ns", x)
	return sprintf("%.1f ns", x)
}

function fmt_ratio(x) {
	return x < 0 ? "-" : sprintf("%.3f", x)
}

function fmt_pct(x) {
	return x < 0 ? "-" : sprintf("%.0f%%", 100 * x)
}

# Write a line to the console report and the text file.
function say(line) {
	print line
	print line > txt
}

function json_str(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

function json_num(x) {
	return x < 0 ? "null" : sprintf("%.6g", x)
}

# Per boot: is the flatness target met for c? Sets flat_r (max / min
# cost per page from flat_lo to flat_hi); -1 when fewer than two sizes.
function flat(b, c,    i, s, lo, hi, n) {
	lo = hi = -1
	n = 0
	for (i = 1; i <= nsize[c]; i++) {
		s = c_size[c, i]
		if (s < flat_lo || s > flat_hi || fast[b, c, s] <= 0)
			continue
		n++
		if (lo < 0 || fast[b, c, s] < lo)
			lo = fast[b, c, s]
		if (fast[b, c, s] > hi)
			hi = fast[b, c, s]
	}
	flat_r = n >= 2 ? hi / lo : -1
	return flat_r
}

# Record a verdict for the summary and the JSON.
function verdict(what, text, status) {
	nverdict++
	vd_what[nverdict] = what
	vd_text[nverdict] = text
	vd_status[nverdict] = status
}

# "met" when every boot meets it, "missed" when none does, else "mixed".
function judge(nmet, n) {
	if (!n)
		return "not measured"
	if (nmet == n)
		return "met"
	return nmet ? "mixed" : "missed"
}

END {
	txt = out "/report.txt"
	md = out "/report.md"
	json = out "/results.json"
	dat = out "/cost-per-page.dat"
	gp = out "/cost-per-page.gp"
	printf "" > txt

	# Every case at every size any case of its group ran at, so that a
	# size where a case failed every time shows as "-".
	for (i = 1; i <= ncase; i++) {
		c = cases[i]
		for (j = 1; j <= nsize[c]; j++)
			gsize[c_group[c], c_size[c, j]] = 1
	}
	for (i = 1; i <= ncase; i++) {
		c = cases[i]
		for (k in gsize) {
			split(k, kk, SUBSEP)
			if (kk[1] != c_group[c])
				continue
			for (b = 1; b <= nboot; b++)
				stats(b, c, kk[2] + 0)
		}
	}

	say(sprintf("iomd benchmark: %d boot(s) of kernel %s, %s passes, %s CPUs, page size %s",
		    nboot, meta["kernel"], meta["passes"], meta["cpus"],
		    meta["page_size"]))
	say("cost = ns per unit (page, alloc+free pair, message); fastest and median of the passes,")
	say("median over boots; spread = (max - min) / min of the boots' fastest; ratio = fastest")
	say("against the fastest of the baseline in the same boot, median [min..max] over boots.")

	print "| group | size | case | fastest | median | boot spread | ratio vs baseline |" > md
	print "| --- | --- | --- | --- | --- | --- | --- |" > md

	for (gi = 1; gi <= ngroup; gi++) {
		g = groups[gi]
		say("")
		say(sprintf("Case %s: %s (cost per %s)", g, g_title[g], g_unit[g]))
		say(sprintf("  %-6s %-22s %11s %11s %7s %7s  %s", "size", "case",
			    "fastest", "median", "spread", "ratio", "ratio range / baseline"))
		# Sizes of the group, in the order measured.
		nsz = 0
		for (i = 1; i <= ncase; i++) {
			c = cases[i]
			if (c_group[c] != g)
				continue
			for (j = 1; j <= nsize[c]; j++) {
				s = c_size[c, j]
				if (!((g, s) in gsz)) {
					gsz[g, s] = 1
					sz[++nsz] = s
				}
			}
		}
		for (j = 1; j <= nsz; j++) {
			s = sz[j]
			for (i = 1; i <= ncase; i++) {
				c = cases[i]
				if (c_group[c] != g)
					continue
				if (c in c_missing) {
					if (j == 1)
						say(sprintf("  %-6s %-22s %11s   n/a: %s", "all", c,
							    "-", c_missing[c]))
					continue
				}
				f1 = over_boots(fast, c, s)
				m1 = over_boots(med, c, s)
				range = ""
				r_med = -1
				if (c_base[c] != "" && ratios(c, c_base[c], s))
					range = sprintf("[%.3f..%.3f] vs %s", r_lo, r_hi,
							c_base[c])
				else if (c_base[c] == "")
					range = "(baseline)"
				say(sprintf("  %-6s %-22s %11s %11s %7s %7s  %s",
					    size_name(s), c, fmt_ns(f1), fmt_ns(m1),
					    fmt_pct(spread(c, s)), fmt_ratio(r_med), range))
				if (c_base[c] == "")
					mdr = "baseline"
				else if (r_med < 0)
					mdr = "-"
				else
					mdr = sprintf("%.3f [%.3f..%.3f]", r_med, r_lo, r_hi)
				printf "| %s | %s | %s | %s | %s | %s | %s |\n", g,
				       size_name(s), c, fmt_ns(f1), fmt_ns(m1),
				       fmt_pct(spread(c, s)), mdr > md
				res_n++
				res_case[res_n] = c
				res_size[res_n] = s
				res_fast[res_n] = f1
				res_med[res_n] = m1
				res_spread[res_n] = spread(c, s)
				res_ratio[res_n] = r_med
				res_rlo[res_n] = r_lo
				res_rhi[res_n] = r_hi
			}
		}
		if (g == 5)
			say("  caveat: TCG exaggerates fault cost and understates copy bandwidth; compare on hardware before quoting.")
	}
	for (i = 1; i <= ncase; i++)
		if (cases[i] in c_missing)
			printf "| %s | all | %s | n/a | | | %s |\n", c_group[cases[i]],
			       cases[i], c_missing[cases[i]] > md

	# --- targets ------------------------------------------------------
	for (t = 1; t <= ntarget; t++) {
		c = t_case[t]
		if (c in c_missing) {
			verdict(t_what[t], "n/a: " c_missing[c], "n/a")
			continue
		}
		if (t_size[t] == 0) {
			# Every size measured: each size x boot must meet it.
			nmet = nall = 0
			worst = -1
			text = ""
			for (j = 1; j <= nsize[c]; j++) {
				s = c_size[c, j]
				if (!ratios(c, t_base[t], s))
					continue
				text = text (text == "" ? "" : ", ")
				text = text size_name(s) " " sprintf("%.3f", r_med)
				for (b = 1; b <= nboot; b++) {
					r = ratio(b, c, t_base[t], s)
					if (r < 0)
						continue
					nall++
					if (r <= t_max[t])
						nmet++
					if (r > worst) {
						worst = r
						worst_s = s
					}
				}
			}
			res = "not measured"
			if (nall)
				res = sprintf("%s; worst %.3f at %s; %d/%d size x boot runs meet it",
					      text, worst, size_name(worst_s), nmet, nall)
			st = judge(nmet, nall)
			st = st == "mixed" ? "missed" : st
			# The reference and the own-work ratio: each size's
			# median over boots.
			ftext = (t in t_fadd) ? per_size_text(t, c, "ref") : ""
			if (ftext != "")
				res = res "; with io_uring's own work, iomd's calls alone would give " ftext
			otext = (t in t_ocase) ? per_size_text(t, c, "own") : ""
			if (otext != "")
				res = res "; own work, interfaces aside (" t_ocase[t] ", " t_obase[t] " taken out): " otext
			verdict(t_what[t], res, st)
			continue
		}
		s = t_size[t] == "page" ? page_size : t_size[t]
		n = ratios(c, t_base[t], s)
		nmet = 0
		for (b = 1; b <= nboot; b++) {
			r = ratio(b, c, t_base[t], s)
			if (r >= 0 && r <= t_max[t])
				nmet++
		}
		st = judge(nmet, n)
		verdict(t_what[t], n ? sprintf("ratio %.3f [%.3f..%.3f], %d/%d boots",
						r_med, r_lo, r_hi, nmet, n) : "size not measured", st)
	}
	# Case 4: throughput of iomd >= alloc_min x kmalloc, every class.
	for (i = 1; i <= ncase; i++) {
		c = cases[i]
		if (c_group[c] != 4 || c !~ /^c4\.iomd_/ || (c in c_missing))
			continue
		worst = -1
		nmet = nall = 0
		for (j = 1; j <= nsize[c]; j++) {
			s = c_size[c, j]
			for (b = 1; b <= nboot; b++) {
				r = ratio(b, c, c_base[c], s)
				if (r <= 0)
					continue
				nall++
				if (1 / r >= alloc_min)
					nmet++
				if (worst < 0 || 1 / r < worst) {
					worst = 1 / r
					worst_s = s
				}
			}
		}
		verdict(sprintf("case 4, %s: throughput >= %.1f x %s, every size class",
				c, alloc_min, c_base[c]),
			nall ? sprintf("worst %.3f at %s; %d/%d class x boot runs meet it",
				       worst, size_name(worst_s), nmet, nall) : "not measured",
			!nall ? "not measured" : nmet == nall ? "met" : "missed")
	}
	# Cases 1-3: cost per page flat within flat_max from 1 MiB to 256 MiB.
	for (i = 1; i <= ncase; i++) {
		c = cases[i]
		if (c_group[c] > 3 || (c in c_missing))
			continue
		nmet = nall = 0
		worst = -1
		for (b = 1; b <= nboot; b++) {
			if (flat(b, c) < 0)
				continue
			nall++
			if (flat_r <= flat_max)
				nmet++
			if (flat_r > worst)
				worst = flat_r
		}
		verdict(sprintf("flat cost per page 1M..256M (<= %.1fx), %s", flat_max, c),
			nall ? sprintf("max/min %.2f (worst boot), %d/%d boots", worst,
				       nmet, nall) : "fewer than two sizes in range",
			judge(nmet, nall))
	}

	say("")
	say("Targets (ratios of fastest runs in the same boot; met = met in every boot):")
	print "" > md
	print "| target | result | verdict |" > md
	print "| --- | --- | --- |" > md
	for (t = 1; t <= nverdict; t++) {
		say(sprintf("  %-12s %s: %s", vd_status[t], vd_what[t], vd_text[t]))
		printf "| %s | %s | %s |\n", vd_what[t], vd_text[t], vd_status[t] > md
	}
	for (i = 1; i <= nwarn; i++)
		say("  WARNING: " warn[i] "; its timings may be distorted")
	for (i = 1; i <= ncase; i++)
		if (nfail[cases[i]])
			say(sprintf("  WARNING: %s failed %d measurement(s), see the boot logs",
				    cases[i], nfail[cases[i]]))

	# --- JSON ---------------------------------------------------------
	printf "{\n  \"meta\": {\"boots\": %d", nboot > json
	for (k in meta)
		printf ", %s: %s", json_str(k), json_str(meta[k]) > json
	printf "},\n  \"cases\": [\n" > json
	for (i = 1; i <= ncase; i++) {
		c = cases[i]
		printf "    {\"case\": %s, \"group\": %d, \"label\": %s, \"baseline\": %s, \"unit\": %s, \"available\": %s%s}%s\n",
		       json_str(c), c_group[c], json_str(c_label[c]),
		       c_base[c] == "" ? "null" : json_str(c_base[c]),
		       json_str(g_unit[c_group[c]]),
		       (c in c_missing) ? "false" : "true",
		       (c in c_missing) ? ", \"missing\": " json_str(c_missing[c]) : "",
		       i < ncase ? "," : "" > json
	}
	printf "  ],\n  \"results\": [\n" > json
	for (i = 1; i <= res_n; i++) {
		c = res_case[i]
		s = res_size[i]
		printf "    {\"case\": %s, \"size\": %d, \"passes\": %d, \"fastest_ns\": %s, \"median_ns\": %s, \"boot_spread\": %s, \"ratio\": %s, \"ratio_min\": %s, \"ratio_max\": %s, \"boots\": [",
		       json_str(c), s, npass[c, s], json_num(res_fast[i]),
		       json_num(res_med[i]), json_num(res_spread[i]),
		       json_num(res_ratio[i]),
		       res_ratio[i] < 0 ? "null" : json_num(res_rlo[i]),
		       res_ratio[i] < 0 ? "null" : json_num(res_rhi[i]) > json
		for (b = 1; b <= nboot; b++)
			printf "%s{\"fastest_ns\": %s, \"median_ns\": %s}",
			       (b > 1 ? ", " : ""), json_num(fast[b, c, s]),
			       json_num(med[b, c, s]) > json
		printf "]}%s\n", i < res_n ? "," : "" > json
	}
	printf "  ],\n  \"targets\": [\n" > json
	for (t = 1; t <= nverdict; t++)
		printf "    {\"target\": %s, \"result\": %s, \"verdict\": %s}%s\n",
		       json_str(vd_what[t]), json_str(vd_text[t]),
		       json_str(vd_status[t]), t < nverdict ? "," : "" > json
	printf "  ]\n}\n" > json

	# --- plot: cost per page against size, cases 1-3 --------------------
	printf "" > dat
	nblock = 0
	for (i = 1; i <= ncase; i++) {
		c = cases[i]
		if (c_group[c] > 3 || (c in c_missing) || !nsize[c])
			continue
		printf "# %s\n", c > dat
		for (j = 1; j <= nsize[c]; j++) {
			s = c_size[c, j]
			if (over_boots(fast, c, s) > 0)
				printf "%d %.6g\n", s, over_boots(fast, c, s) > dat
		}
		printf "\n\n" > dat
		blk_case[nblock] = c
		blk_group[nblock] = c_group[c]
		nblock++
	}
	print "set terminal pngcairo size 1500,520 noenhanced font ',10'" > gp
	print "set output '" out "/cost-per-page.png'" > gp
	print "load '" out "/cost-per-page-body.gp'" > gp
	print "set terminal svg size 1500,520 noenhanced" > gp
	print "set output '" out "/cost-per-page.svg'" > gp
	print "load '" out "/cost-per-page-body.gp'" > gp
	body = out "/cost-per-page-body.gp"
	print "set multiplot layout 1,3 title 'iomd benchmark: cost per page against size (fastest run, median over boots; kernel " meta["kernel"] ", TCG)'" > body
	print "set logscale xy 2" > body
	print "set format y '%g'" > body
	print "set xlabel 'buffer size'" > body
	print "set ylabel 'ns per page'" > body
	print "set key top right" > body
	print "set grid" > body
	printf "set xtics (" > body
	for (s = 4096; s <= 2^30; s *= 4)
		printf "%s'%s' %d", (s > 4096 ? ", " : ""), size_name(s), s > body
	print ")" > body
	for (gi = 1; gi <= 3; gi++) {
		print "set title '" (gi in g_title ? "Case " gi ": " g_title[gi] : "Case " gi) "'" > body
		line = ""
		for (k = 0; k < nblock; k++)
			if (blk_group[k] == gi)
				line = line (line == "" ? "plot " : ", ") \
				       "'" dat "' index " k " using 1:2 with linespoints title '" blk_case[k] "'"
		if (line == "") {
			print "set label 1 'not available yet' at graph 0.5, 0.5 center" > body
			line = "plot [4096:268435456] 1 notitle lt -3"
		}
		print line > body
		print "unset label 1" > body
	}
	print "unset multiplot" > body
	close(txt)
	close(md)
	close(json)
	close(dat)
	close(gp)
	close(body)
}
