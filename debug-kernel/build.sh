#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [CACHE]: build iomd's debug kernel (KASAN, KFENCE, UBSAN,
# kmemleak, lockdep, fault injection, KUnit, distribution hardening) from
# Debian's linux-source-6.12 with the fragment in ./config, and print the
# directory holding it.  The result is cached under CACHE (default
# $IOMD_CACHE or ~/.cache/iomd), keyed by the source tarball and the
# fragment, so only the first run pays the ~10 minutes.  The directory
# has bzImage and a build tree for external modules (make -C <dir>/linux
# M=...).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${IOMD_CACHE:-$HOME/.cache/iomd}}
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
if [ -z "$tarball" ]; then
	echo "debug-kernel: /usr/src/linux-source-6.12.tar.* missing; run make deps" >&2
	exit 1
fi

key=$( (stat -c '%s %Y' "$tarball"; cat "$here/config") | sha1sum |
	cut -c1-12)
dir=$cache/debug-6.12-$key
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

log=$cache/debug-6.12-$key.log
mkdir -p "$cache"
echo "debug-kernel: building in $dir (log: $log); about 10-20 minutes" >&2
rm -rf "$dir"
mkdir -p "$dir"
(
	set -euo pipefail
	tar -xf "$tarball" -C "$dir"
	mv "$dir"/linux-source-6.12 "$dir/linux"
	cd "$dir/linux"
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$here/config"
	make olddefconfig
	# A fragment line that did not survive olddefconfig is a broken
	# debug kernel: fail instead of testing with a checker missing (or
	# one the fragment turns off turned on by a default).
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" .config && continue ;;
		"# CONFIG_"*" is not set")
			opt=${line#"# "}
			opt=${opt%" is not set"}
			grep -q "^$opt=" .config || continue ;;
		*)
			continue ;;
		esac
		echo "debug-kernel: $line did not stick" >&2
		missing=1
	done < "$here/config"
	[ "$missing" = 0 ]
	make -j"$(nproc)" bzImage
	make -j"$(nproc)" modules
	cp arch/x86/boot/bzImage "$dir/bzImage"
) >"$log" 2>&1 || {
	echo "debug-kernel: build failed; last lines of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
}
touch "$dir/done"
echo "$dir"
