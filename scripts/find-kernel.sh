#!/bin/sh
# find-kernel.sh PATTERN
#
# Print the newest installed kernel release matching the shell glob PATTERN
# (e.g. '6.1.*-amd64') that has both a module build tree
# (/lib/modules/<kver>/build) and a bootable image (/boot/vmlinuz-<kver>).
# Flavours other than the plain one (-rt-amd64, -cloud-amd64) are skipped.
# Prints nothing (and exits 1) when no such kernel is installed.
#
# Used by mk/kernel.mk to fill in the kernel table.
set -u
pattern=${1:?usage: find-kernel.sh PATTERN}

best=$(
	for dir in /lib/modules/$pattern; do
		kver=${dir##*/}
		case $kver in *-rt-amd64 | *-cloud-amd64) continue ;; esac
		[ -d "$dir/build" ] && [ -f "/boot/vmlinuz-$kver" ] && echo "$kver"
	done | sort -V | tail -n 1
)
[ -n "$best" ] || exit 1
echo "$best"
