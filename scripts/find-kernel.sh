#!/bin/sh
# find-kernel.sh PATTERN
#
# Print the newest installed kernel release matching the shell glob PATTERN
# (e.g. '6.1.*-amd64') that has both a module build tree
# (/lib/modules/<kver>/build) and a bootable image (/boot/vmlinuz-<kver>).
# The flavour must be the pattern's: '6.12.*-amd64' is the plain kernel
# and does not take 6.12.118+deb12-rt-amd64 or -cloud-amd64 although the
# glob matches them; '6.12.*-rt-amd64' takes only the RT kernel.
# Prints nothing (and exits 1) when no such kernel is installed.
#
# Used by mk/kernel.mk to fill in the kernel table.
set -u
pattern=${1:?usage: find-kernel.sh PATTERN}

# flavour RELEASE: Debian's flavour word before the architecture ("rt" in
# 6.12.118+deb12-rt-amd64, "cloud"), empty for the plain kernel
# (6.12.118+deb12-amd64, 6.1.0-57-amd64: ABI words, not flavours).
flavour() {
	f=${1%-*}
	f=${f##*-}
	case $f in '' | *[!a-z]*) f= ;; esac
	echo "$f"
}

want=$(flavour "$pattern")
best=$(
	for dir in /lib/modules/$pattern; do
		kver=${dir##*/}
		[ "$(flavour "$kver")" = "$want" ] || continue
		[ -d "$dir/build" ] && [ -f "/boot/vmlinuz-$kver" ] && echo "$kver"
	done | sort -V | tail -n 1
)
[ -n "$best" ] || exit 1
echo "$best"
