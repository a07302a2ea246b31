#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh PAGE_KIB [CACHE]: cross-build an arm64 test kernel with PAGE_KIB
# (16 or 64) KiB pages from Debian's linux-source-6.12 with the fragment in
# ./config, and print the directory holding it.  The result is cached under
# CACHE (default $IOMD_CACHE or ~/.cache/iomd), keyed by the source
# tarball, the fragment and the page size, so only the first run pays the
# 4 minutes (2 idle cores; 15 on busy ones).  The directory has Image
# (for qemu-system-aarch64 -kernel) and a build tree for external modules:
#   make -C <dir>/linux ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- M=...
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kib=${1:?usage: build.sh 16|64 [CACHE]}
cache=${2:-${IOMD_CACHE:-$HOME/.cache/iomd}}
case $kib in
16 | 64) ;;
*) echo "arm64-kernel: page size must be 16 or 64 (KiB), not '$kib'" >&2; exit 2 ;;
esac
# Every make call of this tree needs these.
kmake=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)

tarball=
for f in /usr/src/linux-source-6.12.tar.*; do
	[ -f "$f" ] && tarball=$f && break
done
if [ -z "$tarball" ]; then
	echo "arm64-kernel: /usr/src/linux-source-6.12.tar.* missing; run make deps" >&2
	exit 1
fi
if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	echo "arm64-kernel: aarch64-linux-gnu-gcc missing; run make deps" >&2
	exit 1
fi

# The fragment proper: the shared options plus the page size.
fragment=$(cat "$here/config"; echo "CONFIG_ARM64_${kib}K_PAGES=y")
key=$( (stat -c '%s %Y' "$tarball"; echo "$fragment") | sha1sum |
	cut -c1-12)
dir=$cache/arm64-${kib}k-6.12-$key
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

# One build of a kernel at a time: make runs that start together (or a
# `make -n`) wait for the first instead of removing its tree.
mkdir -p "$cache"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

log=$dir.log
echo "arm64-kernel: building in $dir (log: $log); 4 minutes on 2 idle cores, 15 on busy ones" >&2
rm -rf "$dir"
mkdir -p "$dir"
echo "$fragment" >"$dir/config.fragment"
(
	set -euo pipefail
	tar -xf "$tarball" -C "$dir"
	mv "$dir"/linux-source-6.12 "$dir/linux"
	cd "$dir/linux"
	make "${kmake[@]}" tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$dir/config.fragment"
	make "${kmake[@]}" olddefconfig
	# A fragment line that did not survive olddefconfig means the tests
	# would run without something they rely on (or with 4 KiB pages).
	missing=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=y) ;; *) continue ;; esac
		if ! grep -qx "$line" .config; then
			echo "arm64-kernel: $line did not stick" >&2
			missing=1
		fi
	done <"$dir/config.fragment"
	[ "$missing" = 0 ]
	make "${kmake[@]}" -j"$(nproc)" Image
	# Module.symvers, which external module builds need.
	make "${kmake[@]}" -j"$(nproc)" modules
	cp arch/arm64/boot/Image "$dir/Image"
) >"$log" 2>&1 || {
	echo "arm64-kernel: build failed; last lines of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
}
touch "$dir/done"
echo "$dir"
