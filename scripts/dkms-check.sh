#!/bin/sh
# dkms-check.sh KVER...: `make dkms-check`.
#
# Runs the real DKMS (`dkms add` and `dkms build`) on iomd's DKMS tree
# (scripts/dkms-tree.sh) for each installed kernel release KVER, and checks
# that each build left a signed iomd.ko of this VERSION built for that
# kernel.  Everything happens in a temporary directory: --sourcetree and
# --dkmstree point there, and so do DKMS's MOK key and certificate (which
# it generates to sign the module), so /usr/src, /var/lib/dkms and
# /lib/modules are left alone; the directory is removed at the end (kept
# with KEEP=1).  Prints one "ok"/"not ok" line per check; exits 1 if any
# failed.
set -u

[ $# -gt 0 ] || { echo "usage: dkms-check.sh KVER..." >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/iomd-dkms.XXXXXX)
TAP_LOG=$tmp/log
. "$top/scripts/tap.sh"

cleanup() {
	[ "${KEEP:-0}" = 1 ] && { echo "# kept $tmp"; return; }
	rm -rf "$tmp"
}
trap cleanup EXIT

# DKMS reads these from the environment when framework.conf leaves them
# unset (Debian's does): the key it makes to sign modules stays here.
export mok_signing_key="$tmp/mok.key" mok_certificate="$tmp/mok.pub"
mkdir -p "$tmp/src" "$tmp/dkms"
dkms() {
	command dkms "$@" --sourcetree "$tmp/src" --dkmstree "$tmp/dkms"
}


check "dkms $(command dkms --version | sed 's/^dkms-//') is installed" \
	command -v dkms
check "scripts/dkms-tree.sh lays out /usr/src/iomd-$version" \
	"$top/scripts/dkms-tree.sh" "$tmp/src/iomd-$version"
check "dkms add -m iomd -v $version" dkms add -m iomd -v "$version"
for kver in "$@"; do
	check "dkms build for $kver" \
		dkms build -m iomd -v "$version" -k "$kver"
	ko=$(ls "$tmp/dkms/iomd/$version/$kver"/*/module/iomd.ko* 2>/dev/null | head -n 1)
	check "it left iomd.ko for $kver" test -n "$ko"
	[ -n "$ko" ] || continue
	check "version $version, vermagic $kver" sh -c "
		modinfo -F version '$ko' | grep -qx '$version' &&
		modinfo -F vermagic '$ko' | grep -q '^$kver '"
	check "POST_BUILD kept iomd's Module.symvers beside it" \
		sh -c "grep -q 'iomd_buffer_create' '$(dirname "$ko")/../Module.symvers'"
	check "signed with DKMS's MOK key" \
		sh -c "modinfo -F signer '$ko' | grep -q ."
	check "dkms status: built" \
		sh -c "dkms status -m iomd -v '$version' -k '$kver' --sourcetree '$tmp/src' --dkmstree '$tmp/dkms' | grep -q ': built'"
done
check "dkms remove --all" dkms remove -m iomd -v "$version" --all

tap_finish dkms-check
