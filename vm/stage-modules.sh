#!/bin/sh
# stage-modules.sh KDIR MODDIR STAGE [VAR=VALUE...]: an installed module
# tree for the test VM's modprobe test (tests/modprobe/).  The VAR=VALUE
# words are the make variables of the kernel's module build (ARCH= and
# CROSS_COMPILE= of a cross-built kernel, mk/kernel.mk's KMAKE_<name>).
#
#   1. `make install-module DESTDIR=STAGE` with the iomd.ko and
#      Module.symvers kernel/build.sh left in MODDIR (IOMD_PREBUILT): the
#      module under STAGE/lib/modules/<release>/updates, the kernel
#      headers and Module.symvers under STAGE/usr,
#   2. samples/consumer/ built (in a copy, STAGE/../consumer) against that
#      staging root only, installed as extra/iomd_consumer.ko,
#   3. depmod -b STAGE <release>.
# Prints the module tree, STAGE/lib/modules/<release>; output of the steps
# goes to stderr.
set -eu

kdir=${1:?usage: stage-modules.sh KDIR MODDIR STAGE [VAR=VALUE...]}
moddir=${2:?}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${3:?}"
stage=$(cd "$3" && pwd)
shift 3
moddir=$(cd "$moddir" && pwd)
kver=$(modinfo -F vermagic "$moddir/iomd.ko" | cut -d' ' -f1)
cons=$(dirname "$stage")/consumer

rm -rf "$stage" "$cons"
make -s -C "$top" install-module DESTDIR="$stage" PREFIX=/usr KVER="$kver" \
	KDIR="$kdir" IOMD_PREBUILT="$moddir" >&2
cp -r "$top/samples/consumer" "$cons"
make -s -C "$cons" KVER="$kver" KDIR="$kdir" IOMD_SYSROOT="$stage" "$@" >&2
mkdir -p "$stage/lib/modules/$kver/extra"
cp "$cons/iomd_consumer.ko" "$stage/lib/modules/$kver/extra/"
# The kernel's own lists of built-in modules, where it has them (a Debian
# kernel's module tree; the debug kernel's build tree), so that modprobe
# knows built-in modules and depmod does not warn.
for f in modules.builtin modules.builtin.modinfo; do
	for d in "$kdir/.." "$kdir"; do
		if [ -f "$d/$f" ]; then
			cp "$d/$f" "$stage/lib/modules/$kver/"
			break
		fi
	done
done
depmod -b "$stage" "$kver" >&2
echo "$stage/lib/modules/$kver"
