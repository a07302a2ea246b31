#!/bin/sh
# lint.sh NAME|KDIR|IMAGE[|APPEND[|ARCH[|KMAKE]]]...
#
# `make lint`:
#  1. checkpatch.pl --strict --no-tree -f on every .c/.h file of the repo
#     (tracked or new, not ignored; build/ is skipped as generated),
#  2. kernel-doc -none -Wall on the headers, module, library and samples
#     (the manual pages are made of their comments),
#  3. sparse on the kernel module for each kernel given (the module build
#     script runs `make C=2` when IOMD_SPARSE=1 is set), built into
#     build/lint/NAME so the normal module build is left alone.
# Exits non-zero if checkpatch reports anything or sparse warns.
#
# checkpatch.pl is not packaged on its own: it is extracted, with the two data
# files it reads from its own directory, from Debian's linux-source-6.12
# tarball into build/tools/scripts/ (once).
#
# Environment: BUILD (default build), KMOD_BUILD (default kernel/build.sh),
# CHECKPATCH_FLAGS (extra checkpatch options, e.g. "--ignore NEW_TYPEDEFS").
set -u

build=${BUILD:-build}
kmod_build=${KMOD_BUILD:-kernel/build.sh}
tools=$build/tools
checkpatch=$tools/scripts/checkpatch.pl
tarball=/usr/src/linux-source-6.12.tar.xz
status=0

# --- checkpatch ------------------------------------------------------------

if [ ! -f "$checkpatch" ]; then
	echo "  EXTRACT checkpatch.pl from $tarball (once)"
	mkdir -p "$tools"
	top=linux-source-6.12
	tar -xJf "$tarball" -C "$tools" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch" || exit 1
fi

# C sources of the repo, without generated files.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' |
		grep -v "^$build/" | LC_ALL=C sort -u)
else
	files=$(find . -path "./$build" -prune -o -path ./.git -prune -o \
		-type f \( -name '*.c' -o -name '*.h' \) -print |
		sed 's|^\./||' | LC_ALL=C sort)
fi

# User-space code (lib/, tests/user/, tests/fuzz/, tools/, bench/ but its
# kernel/) cannot use the kernel's u64 & co. or its __printf()/__noreturn
# macros.
user_ignore=PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO

nbad=0
for f in $files; do
	[ -f "$f" ] || continue    # deleted but still in the index
	case $f in
	bench/kernel/*) extra= ;;
	lib/* | tests/user/* | tests/fuzz/* | tools/* | bench/*)
		extra="--ignore $user_ignore" ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086 # the flags are lists of options
	if ! out=$(perl "$checkpatch" --no-tree --strict --terse --show-types \
		$extra ${CHECKPATCH_FLAGS:-} -f "$f" 2>&1); then
		echo "$out"
		nbad=$((nbad + 1))
	fi
done
nfiles=$(echo "$files" | grep -c .)
echo "  CHECKPATCH $nfiles files, $nbad with findings"
[ "$nbad" -eq 0 ] || status=1

# --- kernel-doc ------------------------------------------------------------

# Every kernel-doc comment parses (the manual pages are made of them):
# kernel-doc -none -Wall on the headers, the module, the library and the
# samples; any warning is a finding.
kerneldoc=$tools/scripts/kernel-doc
if [ ! -f "$kerneldoc" ]; then
	echo "  EXTRACT kernel-doc from $tarball (once)"
	tar -xJf "$tarball" -C "$tools" --strip-components=1 \
		linux-source-6.12/scripts/kernel-doc || exit 1
fi
kdoc_files=$(echo "$files" | grep -E '^(include|kernel|lib|samples)/')
# shellcheck disable=SC2086 # one file a word
if out=$(perl "$kerneldoc" -none -Wall $kdoc_files 2>&1) && [ -z "$out" ]; then
	echo "  KERNEL-DOC $(echo "$kdoc_files" | wc -l) files, clean"
else
	echo "$out"
	echo "  KERNEL-DOC: warnings"
	status=1
fi

# --- sparse ----------------------------------------------------------------

for spec in "$@"; do
	name=${spec%%|*}
	rest=${spec#*|}
	kdir=${rest%%|*}
	# The make variables of a cross-built kernel (mk/kernel.mk's KMAKE).
	kmake=
	case $spec in *'|'*'|'*'|'*'|'*'|'*) kmake=${spec##*|} ;; esac
	if [ -z "$kdir" ] || [ ! -d "$kdir" ]; then
		echo "  SPARSE $name: kernel not installed (make deps)"
		status=1
		continue
	fi
	if [ ! -x "$kmod_build" ]; then
		echo "  SPARSE $name: no module build script $kmod_build"
		status=1
		continue
	fi
	out=$build/lint/$name
	mkdir -p "$out"
	log=$out/sparse.log
	# shellcheck disable=SC2086 # $kmake: make variables, one a word
	if ! IOMD_SPARSE=1 "$kmod_build" "$kdir" "$(cd "$out" && pwd)" $kmake \
		>"$log" 2>&1; then
		echo "  SPARSE $name: module build failed, see $log"
		tail -n 20 "$log"
		status=1
	elif grep -E '(warning|error):' "$log"; then
		echo "  SPARSE $name: warnings, see $log"
		status=1
	else
		echo "  SPARSE $name: clean"
	fi
done

exit $status
