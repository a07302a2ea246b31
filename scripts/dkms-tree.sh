#!/bin/sh
# dkms-tree.sh DIR: lay out iomd's module sources as DKMS builds them
# (/usr/src/iomd-VERSION/): dkms.conf with PACKAGE_VERSION filled in from
# VERSION, kernel/'s Kbuild, configure.sh, dkms-post-build.sh, probes/,
# sources and headers (with their layer directories),
# include/ and VERSION.  kernel/Kbuild finds include/ and VERSION beside
# itself there.  Used by `make dkms-source`, `make dkms-check` and
# debian/rules.
set -eu

dir=${1:?usage: dkms-tree.sh DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")

mkdir -p "$dir/include"
cp "$top"/kernel/Kbuild "$top"/kernel/configure.sh \
	"$top"/kernel/dkms-post-build.sh "$top"/kernel/*.c "$top"/kernel/*.h \
	"$top"/VERSION "$dir/"
# probes/ and the layers' directories (kernel/Kbuild lists their objects).
for sub in "$top"/kernel/*/; do
	sub=$(basename "$sub")
	mkdir -p "$dir/$sub"
	cp "$top/kernel/$sub"/*.[ch] "$dir/$sub/"
done
cp -R "$top"/include/linux "$dir/include/"
mkdir -p "$dir/include/uapi/linux"
cp "$top"/include/uapi/linux/iomd.h "$dir/include/uapi/linux/"
sed "s/@VERSION@/$version/" "$top/dkms.conf" >"$dir/dkms.conf"
chmod 755 "$dir/configure.sh" "$dir/dkms-post-build.sh"
