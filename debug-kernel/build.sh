#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [--rt] [CACHE]: build iomd's debug kernel (KASAN, KFENCE, UBSAN,
# kmemleak, lockdep, fault injection, KUnit, distribution hardening) from
# Debian's linux-source-6.12 with the fragment in ./config, and print the
# directory holding it.  With --rt, the RT debug kernel: ./rt.config
# (PREEMPT_RT and RT's lock checks) merged on top of ./config, a line there
# overriding the same option here.  The result is cached under CACHE
# (default $IOMD_CACHE or ~/.cache/iomd), keyed by the source tarball and
# the fragments, so only the first run pays the 10-20 minutes.  The
# directory has bzImage and a build tree for external modules (make -C
# <dir>/linux M=...).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=debug
fragments=("$here/config")
if [ "${1:-}" = --rt ]; then
	name=rt-debug
	fragments+=("$here/rt.config")
	shift
fi
cache=${1:-${IOMD_CACHE:-$HOME/.cache/iomd}}
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
if [ -z "$tarball" ]; then
	echo "debug-kernel: /usr/src/linux-source-6.12.tar.* missing; run make deps" >&2
	exit 1
fi

# The fragments merged: the last setting of an option wins, as with
# merge_config.sh; what stays is what the .config must have.
merged=$(awk '
	{ opt = "" }
	/^CONFIG_[A-Za-z0-9_]+=/ { opt = $0; sub(/=.*/, "", opt) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { opt = $2 }
	opt == "" { next }
	!(opt in line) { order[++n] = opt }
	{ line[opt] = $0 }
	END { for (i = 1; i <= n; i++) print line[order[i]] }
' "${fragments[@]}")

# The plain debug kernel's key is that of its one fragment as before, so
# its cached build stays valid.
key=$( (stat -c '%s %Y' "$tarball"; cat "${fragments[@]}") | sha1sum |
	cut -c1-12)
dir=$cache/$name-6.12-$key
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

# One build at a time per kernel: a second caller (another make, CI step)
# waits for the first and then finds it done, instead of deleting its tree.
mkdir -p "$cache"
exec 9>"$cache/$name-6.12-$key.lock"
flock 9
if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

log=$cache/$name-6.12-$key.log
echo "debug-kernel: building $name in $dir (log: $log); about 10-20 minutes" >&2
rm -rf "$dir"
mkdir -p "$dir"
echo "$merged" >"$dir/fragment.config"
(
	set -euo pipefail
	tar -xf "$tarball" -C "$dir"
	mv "$dir"/linux-source-6.12 "$dir/linux"
	cd "$dir/linux"
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$dir/fragment.config"
	make olddefconfig
	# A fragment line that did not survive olddefconfig is a broken
	# debug kernel: fail instead of testing with a checker missing (or
	# one the fragment turns off turned on by a default).  Overridden
	# lines of ./config are not in the merged fragment.
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
	done <"$dir/fragment.config"
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
