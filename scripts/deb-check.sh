#!/bin/sh
# deb-check.sh DEBDIR: `make deb-check`.  Installs the packages `make deb`
# built (dpkg -i), uses them, and purges them again:
#   - iomd-dkms: DKMS builds the module for the kernels whose headers are
#     installed (its postinst), /usr/src/iomd-VERSION and the udev rule
#     are there, group iomd exists;
#   - libiomd1, libiomd-dev: pkg-config --modversion iomd, a program
#     built with pkg-config's flags runs;
#   - iomd-tools: iomdctl --version;
#   - samples/consumer builds against the installed headers, iomd.pc and
#     the Module.symvers DKMS kept, for each kernel DKMS built for;
#   - dpkg --purge of all four leaves no DKMS module, source or file.
# DKMS's MOK key for signing goes to a temporary directory, not
# /var/lib/dkms; the group iomd is removed again if the check made it.
# Needs root.  Prints one "ok"/"not ok" line per check; exits 1 if any
# failed.
set -u

dir=${1:?usage: deb-check.sh DEBDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/iomd-deb.XXXXXX)
pkgs="iomd-dkms libiomd1 libiomd-dev iomd-tools"
TAP_LOG=$tmp/log
. "$top/scripts/tap.sh"
had_group=false
getent group iomd >/dev/null && had_group=true

cleanup() {
	dpkg --purge $pkgs >/dev/null 2>&1
	$had_group || groupdel iomd 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

export mok_signing_key="$tmp/mok.key" mok_certificate="$tmp/mok.pub"
export DEBIAN_FRONTEND=noninteractive


for p in $pkgs; do
	check "$p is not installed before" \
		sh -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q 'ok installed'"
done
check "dpkg -i $(cd "$dir" && echo iomd-dkms_*.deb libiomd1_*.deb libiomd-dev_*.deb iomd-tools_*.deb)" \
	sh -c "cd '$dir' && dpkg -i iomd-dkms_${version}_all.deb libiomd1_${version}_*.deb libiomd-dev_${version}_*.deb iomd-tools_${version}_*.deb"
check "/usr/src/iomd-$version has dkms.conf" test -f "/usr/src/iomd-$version/dkms.conf"
check "dkms status lists iomd/$version" \
	sh -c "dkms status -m iomd -v '$version' | grep -q 'iomd/$version'"
for kver in $(dkms status -m iomd -v "$version" 2>/dev/null |
	sed -n 's/^iomd\/[^,]*, \([^,]*\),.*installed.*/\1/p'); do
	check "DKMS installed iomd.ko for $kver" \
		sh -c "modinfo -k '$kver' -F version iomd | grep -qx '$version'"
	rm -rf "$tmp/consumer"
	cp -r "$top/samples/consumer" "$tmp/consumer"
	check "samples/consumer builds for $kver against the packages (DKMS's Module.symvers)" \
		sh -c "make -C '$tmp/consumer' KVER='$kver' &&
			modinfo -F depends '$tmp/consumer/iomd_consumer.ko' | grep -qx iomd"
done
check "the udev rule is in /usr/lib/udev/rules.d" \
	test -f /usr/lib/udev/rules.d/60-iomd.rules
check "group iomd exists" getent group iomd
check "pkg-config --modversion iomd is $version" \
	sh -c "[ \"\$(pkg-config --modversion iomd)\" = '$version' ]"
cat >"$tmp/hello.c" <<'EOC'
#include <stdio.h>
#include <libiomd.h>

int main(void)
{
	printf("%s\n", iomd_library_version());
	return 0;
}
EOC
check "a program builds with pkg-config --cflags --libs iomd and runs" \
	sh -c "cc -o '$tmp/hello' '$tmp/hello.c' \$(pkg-config --cflags --libs iomd) && '$tmp/hello' | grep -qx '$version'"
check "iomdctl --version" sh -c "iomdctl --version | grep -qx 'iomdctl $version'"
check "man iomdctl, iomd_open(3), iomd(4), iomd_buffer_create(9)" \
	sh -c "man -w iomdctl && man -w 3 iomd_open && man -w 4 iomd && man -w 9 iomd_buffer_create"
check "dpkg --purge" dpkg --purge $pkgs
check "no iomd module left in DKMS" \
	sh -c "! dkms status -m iomd | grep -q ."
check "no /usr/src/iomd-$version, no iomd.ko under /lib/modules" \
	sh -c "[ ! -e /usr/src/iomd-$version ] && ! find /lib/modules -name 'iomd.ko*' | grep -q ."

tap_finish deb-check
