#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh KDIR OUTDIR [VAR=VALUE...]: build the iomd modules for the
# kernel whose build tree is KDIR, leaving every module as OUTDIR/*.ko.
# kbuild writes objects beside the sources, so the sources are copied into
# OUTDIR/src: one copy per target kernel, built side by side, with the
# sample driver, the benchmark helper and the KUnit tests beside them
# (kernel/Kbuild builds those when it finds them).  The feature probes run
# from kernel/Kbuild.  The VAR=VALUE words are make variables for the make
# of KDIR: ARCH= and CROSS_COMPILE= of a cross-built kernel (the
# KMAKE_<name> of mk/kernel.mk's table; kernel/Kbuild hands them on to the
# probes).  IOMD_SPARSE=1 also runs sparse on every file (C=2);
# IOMD_EXTRAS=0 builds iomd.ko alone (what `make install` installs).
set -euo pipefail

kdir=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
kmake=("$@")
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
src=$out/src

mkdir -p "$src/include" "$src/probes"
# cp -p keeps timestamps, so unchanged files do not rebuild.
cp -p "$here"/Kbuild "$here"/configure.sh "$here"/*.c "$here"/*.h \
	"$top"/VERSION "$src/"
# The layers' directories (kernel/Kbuild lists their objects).
for layer in "$here"/*/; do
	layer=$(basename "$layer")
	mkdir -p "$src/$layer"
	cp -p "$here/$layer"/*.[ch] "$src/$layer/" 2>/dev/null || true
done
if [ "${IOMD_EXTRAS:-1}" = 0 ]; then
	rm -f "$src"/iomd_sample.* "$src"/iomd_edu.* "$src"/iomd_bench.* \
		"$src"/iomd_kunit.*
else
	cp -p "$top"/samples/iomd_sample.c "$top"/samples/iomd_edu.c "$src/"
	cp -p "$top"/bench/kernel/*.c "$top"/bench/kernel/*.h "$src/"
	# KUnit tests build only where the kernel has CONFIG_KUNIT (Kbuild).
	cp -p "$top"/tests/kunit/*.c "$src/" 2>/dev/null || true
fi
cp -pR "$top"/include/. "$src/include/"

make -C "$kdir" "${kmake[@]}" M="$src" ${IOMD_SPARSE:+C=2} modules
rm -f "$out"/*.ko
cp "$src"/*.ko "$out/"
