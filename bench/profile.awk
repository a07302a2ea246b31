# profile.awk: medians of a function_graph trace (bench/profile.sh).
#
#   awk -f bench/profile.awk CONSOLE.log
#
# The input holds sections "PROF-BEGIN NAME" ... "PROF-END NAME", each the
# function_graph trace of one program run.  For every call path (callers
# among the traced functions, then the function) it prints the median
# duration of one call and how many calls were seen, in the order first
# seen; paths seen fewer than min_calls times (default 10) or with a
# median under 1 us are left out.  Each CPU's lines are followed apart.
BEGIN {
	if (min_calls == "")
		min_calls = 10
}

/PROF-BEGIN/ {
	sec = $NF
	npath = 0
	split("", cnt)
	split("", val)
	split("", stack)
	next
}

/PROF-END/ {
	print "== " sec
	for (i = 1; i <= npath; i++) {
		k = path[i]
		if (cnt[k] < min_calls)
			continue
		m = median(k, cnt[k])
		if (m >= 1)
			printf "%8.1f us  x%-4d %s\n", m, cnt[k], k
	}
	sec = ""
	next
}

sec == "" || !/\|/ { next }

{
	line = $0
	sub(/\r$/, "", line)
	bar = index(line, "|")
	left = substr(line, 1, bar - 1)
	right = substr(line, bar + 1)
	if (!match(left, /[0-9]+\)/))
		next
	cpu = substr(left, RSTART, RLENGTH - 1) + 0
	dur = -1
	if (match(left, /[0-9]+\.[0-9]+ us/))
		dur = substr(left, RSTART, RLENGTH - 3) + 0
	match(right, /^ */)
	d = int((RLENGTH - 2) / 2)
	fn = substr(right, RLENGTH + 1)
	if (fn ~ /^}/) {
		name = stack[cpu, d]
	} else {
		name = fn
		sub(/\(\).*$/, "", name)
		sub(/ \[[a-z_]+\]$/, "", name)
		stack[cpu, d] = name
		if (fn ~ /\{ *$/)
			next
	}
	if (dur < 0 || name == "")
		next
	k = ""
	for (i = 0; i < d; i++)
		k = k stack[cpu, i] "/"
	k = k name
	if (!(k in cnt))
		path[++npath] = k
	cnt[k]++
	val[k, cnt[k]] = dur
}

# Median of val[k, 1..n].
function median(k, n,    a, i, j, x) {
	for (i = 1; i <= n; i++)
		a[i] = val[k, i]
	for (i = 2; i <= n; i++) {
		x = a[i]
		for (j = i - 1; j >= 1 && a[j] > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
