#!/bin/sh
# report.sh OUTDIR BOOT.log...
#
# The report of `make bench`: bench/report.awk reads the output of
# `iomd-bench run` of every boot and writes, under OUTDIR, report.txt (also
# printed), report.md, results.json and the gnuplot inputs; gnuplot then
# draws cost-per-page.png and cost-per-page.svg (cases 1-3).
set -eu

out=${1:?usage: report.sh OUTDIR BOOT.log...}
shift
[ $# -gt 0 ] || { echo "report.sh: no boot logs" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

awk -f "$here/report.awk" -v out="$out" "$@"

if command -v gnuplot >/dev/null 2>&1; then
	if gnuplot "$out/cost-per-page.gp" >"$out/gnuplot.log" 2>&1; then
		echo
		echo "plot: $out/cost-per-page.png, $out/cost-per-page.svg"
	else
		echo "report.sh: gnuplot failed, see $out/gnuplot.log" >&2
	fi
else
	echo "report.sh: no gnuplot (apt-get install gnuplot-nox); no plot" >&2
fi
echo "data: $out/results.json, $out/report.md"
