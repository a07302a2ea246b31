#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh KDIR OUTDIR [VAR=VALUE...]: build the iomd modules for the
# kernel whose build tree is KDIR, leaving every module as OUTDIR/*.ko.
# kbuild writes objects beside the sources, so the sources are copied into
# OUTDIR/src: one copy per target kernel, built side by side.  The
# VAR=VALUE words are make variables for every make of KDIR, the probes'
# too: ARCH= and CROSS_COMPILE= of a cross-built kernel (the KMAKE_<name>
# of mk/kernel.mk's table).  IOMD_SPARSE=1 also runs sparse on every file
# (C=2).
set -euo pipefail

kdir=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
kmake=("$@")
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
src=$out/src

mkdir -p "$src/include"
# cp -p keeps timestamps, so unchanged files do not rebuild.
cp -p "$here"/Kbuild "$here"/*.c "$here"/*.h "$top"/samples/*.c "$src/"
cp -p "$top"/bench/kernel/*.c "$top"/bench/kernel/*.h "$src/"
# KUnit tests build only where the kernel has CONFIG_KUNIT (see Kbuild).
cp -p "$top"/tests/kunit/*.c "$src/" 2>/dev/null || true
cp -pR "$top"/include/. "$src/include/"
"$here/configure.sh" "$kdir" "$src" "${kmake[@]}"

make -C "$kdir" "${kmake[@]}" M="$src" ${IOMD_SPARSE:+C=2} modules
cp "$src"/*.ko "$out/"
