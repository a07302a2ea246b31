#!/bin/sh
# mkdeb.sh OUTDIR: `make deb`.  Copies the source tree (the files git
# knows, or would: tracked and untracked but not ignored) to
# OUTDIR/src/iomd-VERSION, runs `dpkg-buildpackage -b -us -uc` there
# (log: OUTDIR/build.log) and moves the packages to OUTDIR.  Nothing is
# written beside the source tree, nor into it but OUTDIR.
set -eu

out=${1:?usage: mkdeb.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
version=$(cat VERSION)
deb_version=$(dpkg-parsechangelog -S Version)
if [ "$deb_version" != "$version" ]; then
	echo "mkdeb: debian/changelog is at $deb_version, VERSION at $version: add a changelog entry (dch -v $version)" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src/iomd-$version
rm -rf "$out/src" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$src"
git ls-files --cached --others --exclude-standard -z |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -xf - -C "$src"

echo "  DEB     dpkg-buildpackage -b -us -uc in $src (log: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "mkdeb: dpkg-buildpackage failed; see $out/build.log" >&2
	exit 1
fi
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out/"
rm -rf "$out/src"
for deb in "$out"/*.deb; do
	echo "  DEB     $deb"
done
