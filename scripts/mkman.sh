#!/bin/sh
# mkman.sh OUTDIR: the manual pages, from the kernel-doc in the sources
# (`make man`).
#
#   section 3  one page per libiomd function (lib/include/libiomd.h), and
#              libiomd(3), an overview (man/libiomd.3.in + the list)
#   section 9  one page per exported function of the module (kernel/,
#              kernel-doc -export) and per structure of the in-kernel API
#              (include/linux/iomd.h)
#   section 4  iomd(4): man/iomd.4.in + every structure of the uAPI header
#   section 8  iomdctl(8), man/iomdctl.8.in
#
# kernel-doc comes from Debian's linux-source-6.12 tarball, extracted into
# BUILD/tools/scripts/ (once), as make lint does with checkpatch.pl.  Any
# kernel-doc warning fails the run.
#
# Environment: BUILD (default build).
set -eu

out=${1:?usage: mkman.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD:-build}
kd=$build/tools/scripts/kernel-doc
tarball=/usr/src/linux-source-6.12.tar.xz
version=$(cat VERSION)
# The date of the last commit (or dpkg's SOURCE_DATE_EPOCH, from
# debian/changelog), so that a rebuild gives the same pages.
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
	date=$(git log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)
fi

if [ ! -f "$kd" ]; then
	echo "  EXTRACT kernel-doc from $tarball (once)"
	mkdir -p "$build/tools"
	tar -xJf "$tarball" -C "$build/tools" --strip-components=1 \
		linux-source-6.12/scripts/kernel-doc
fi

rm -rf "$out"
mkdir -p "$out"
warn=$out/.warnings

# kerneldoc ARGS...: kernel-doc -man, its warnings collected
kerneldoc() {
	KBUILD_BUILD_TIMESTAMP="$date" perl "$kd" -Wall -man "$@" 2>>"$warn"
}

# split SECTION TITLE INCLUDE: kernel-doc's pages on stdin, one file each
split_pages() {
	awk -v out="$out" -v sec="$1" -v title="$2" -v inc="$3" \
		-v ver="$version" -v date="$date" '
		/^\.TH / {
			if (f != "")
				close(f)
			split($0, q, "\"")
			name = q[4]
			file = name
			gsub(/ /, "_", file)
			f = out "/" file "." sec
			printf ".TH \"%s\" %s \"%s\" \"iomd %s\" \"%s\"\n",
				name, sec, date, ver, title > f
			next
		}
		/^\.SH SYNOPSIS/ {
			print > f
			print ".nf\n.B #include <" inc ">\n.fi\n.sp" > f
			next
		}
		{ print > f }'
}

subst() {
	sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" "$1"
}

kerneldoc lib/include/libiomd.h | split_pages 3 "libiomd Manual" libiomd.h
# shellcheck disable=SC2046 # the files that export symbols
kerneldoc -export $(grep -l EXPORT_SYMBOL kernel/*.c kernel/*/*.c) |
	split_pages 9 "iomd Kernel API" linux/iomd.h
kerneldoc include/linux/iomd.h | split_pages 9 "iomd Kernel API" linux/iomd.h

{
	subst man/libiomd.3.in
	for page in "$out"/*.3; do
		name=$(basename "$page" .3)
		printf '.TP\n.BR %s (3)\n' "$name"
		sed -n '/^\.SH NAME/{n;s/^[^\\]*\\- //;p;q}' "$page"
	done
	printf '.SH SEE ALSO\n.BR iomd (4),\n.BR iomdctl (8)\n'
} >"$out/libiomd.3.tmp"
mv "$out/libiomd.3.tmp" "$out/libiomd.3"

# iomd(4): each structure a subsection; its own headings become
# paragraphs.
{
	subst man/iomd.4.in
	kerneldoc include/uapi/linux/iomd.h | awk '
		/^\.TH / { split($0, q, "\""); print ".SS \"" q[4] "\""; next }
		/^\.SH NAME/ { name = 1; next }
		name { sub(/^[^\\]*\\- /, ""); print ".PP\n" $0; name = 0; next }
		/^\.SH / { h = $0; sub(/^\.SH "?/, "", h); sub(/"$/, "", h)
			print ".PP\n.I " h "\n.br"; next }
		{ print }'
	printf '.SH SEE ALSO\n.BR libiomd (3),\n.BR iomdctl (8),\n.BR mmap (2)\n'
} >"$out/iomd.4"

subst man/iomdctl.8.in >"$out/iomdctl.8"

if [ -s "$warn" ]; then
	cat "$warn" >&2
	echo "mkman: kernel-doc warnings (above)" >&2
	exit 1
fi
rm -f "$warn"
echo "  MAN     $(ls "$out" | wc -l) pages in $out"
