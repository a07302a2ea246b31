#!/bin/sh
# install-check.sh KVER: `make install-check`.
#
# Stages `make install DESTDIR=<tmp> PREFIX=/usr KVER=KVER` and uses the
# result the way a packager and a driver author would:
#   - the layout: module, Module.symvers, headers, libraries, iomd.pc,
#     iomdctl, udev rule;
#   - pkg-config --cflags --libs iomd from the staging root
#     (PKG_CONFIG_SYSROOT_DIR, PKG_CONFIG_PATH);
#   - a program built with those flags links against libiomd.so.1, runs
#     (LD_LIBRARY_PATH) and prints the library's version; every symbol of
#     the library and every iomd symbol the program uses is versioned
#     LIBIOMD_1.0 (objdump -T);
#   - the installed iomdctl runs against the staged library;
#   - samples/consumer/, an out-of-tree driver, builds against the staged
#     headers and Module.symvers only, and depends on iomd;
#   - `make uninstall DESTDIR=<tmp>` leaves no file behind.
# Prints one "ok"/"not ok" line per check; exits 1 if any failed.  The
# staging root is removed at the end (kept with KEEP=1).
#
# Environment: BUILD, KMOD_BUILD (as make passes them).
set -u

kver=${1:?usage: install-check.sh KVER (a kernel with /lib/modules/KVER/build)}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
version=$(cat VERSION)
stage=$(mktemp -d /tmp/iomd-stage.XXXXXX)
work=$(mktemp -d /tmp/iomd-check.XXXXXX)
TAP_LOG=$work/log
. "$top/scripts/tap.sh"

cleanup() {
	[ "${KEEP:-0}" = 1 ] && { echo "# kept $stage and $work"; return; }
	rm -rf "$stage" "$work"
}
trap cleanup EXIT


echo "# make install DESTDIR=$stage PREFIX=/usr KVER=$kver"
check "make install into a staging root" \
	make -s install DESTDIR="$stage" PREFIX=/usr KVER="$kver" \
	BUILD="${BUILD:-build}" KMOD_BUILD="${KMOD_BUILD:-kernel/build.sh}"

for f in "lib/modules/$kver/updates/iomd.ko" \
	"usr/lib/iomd/$kver/Module.symvers" \
	usr/include/libiomd.h usr/include/linux/iomd.h \
	usr/include/iomd/kernel/linux/iomd.h \
	usr/include/iomd/kernel/uapi/linux/iomd.h \
	usr/lib/libiomd.a "usr/lib/libiomd.so.$version" usr/lib/libiomd.so.1 \
	usr/lib/libiomd.so usr/lib/pkgconfig/iomd.pc usr/bin/iomdctl \
	etc/udev/rules.d/60-iomd.rules usr/share/man/man3/libiomd.3 \
	usr/share/man/man3/iomd_open.3 usr/share/man/man4/iomd.4 \
	usr/share/man/man8/iomdctl.8 usr/share/man/man9/iomd_buffer_create.9 \
	usr/share/man/man9/struct_iomd_why.9; do
	check "installed /$f" test -e "$stage/$f"
done
check "the module is version $version" \
	sh -c "modinfo -F version '$stage/lib/modules/$kver/updates/iomd.ko' | grep -qx '$version'"

export PKG_CONFIG_SYSROOT_DIR="$stage"
export PKG_CONFIG_PATH="$stage/usr/lib/pkgconfig"
flags=$(pkg-config --cflags --libs iomd | sed 's/ *$//')
echo "# pkg-config --cflags --libs iomd: $flags"
check "pkg-config --cflags --libs iomd names the staging root" \
	test "$flags" = "-I$stage/usr/include -L$stage/usr/lib -liomd"
check "pkg-config --modversion iomd is $version" \
	test "$(pkg-config --modversion iomd)" = "$version"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH

cat >"$work/hello.c" <<'EOF'
#include <stdio.h>
#include <libiomd.h>

int main(void)
{
	int fd = iomd_open();

	printf("libiomd %s, ABI %d, page %zu\n", iomd_library_version(),
	       IOMD_ABI_VERSION, iomd_page_size());
	if (fd < 0)
		printf("%s\n", iomd_open_error());
	return 0;
}
EOF
# shellcheck disable=SC2086 # $flags: words of compiler options
check "a program builds with those flags against libiomd.so" \
	cc -Wall -Werror -o "$work/hello" "$work/hello.c" $flags
check "it needs libiomd.so.1" \
	sh -c "objdump -p '$work/hello' | grep -q 'NEEDED *libiomd.so.1\$'"
check "it runs and prints the library version" \
	sh -c "LD_LIBRARY_PATH='$stage/usr/lib' '$work/hello' | grep -q '^libiomd $version, ABI'"
check "its iomd symbols are versioned LIBIOMD_1.0" \
	sh -c "objdump -T '$work/hello' | grep -q '(LIBIOMD_1.0) *iomd_library_version\$'"
check "the library exports every symbol of its map, versioned" \
	sh -c "exported=\$(objdump -T '$stage/usr/lib/libiomd.so.1' | awk '\$4 == \".text\" { print \$6 \" \" \$7 }' | sort)
		mapped=\$(awk '/^LIBIOMD_[0-9.]+ *\{/ { node = \$1 } \$1 ~ /^iomd_[a-z0-9_]*;\$/ { sub(\";\", \"\", \$1); print node \" \" \$1 }' lib/libiomd.map | sort)
		[ -n \"\$mapped\" ] && [ \"\$exported\" = \"\$mapped\" ]"
check "the library exports nothing else" \
	sh -c "! objdump -T '$stage/usr/lib/libiomd.so.1' | awk '\$4 == \".text\"' | grep -v ' iomd_'"
check "the installed iomdctl --version runs on the staged library" \
	sh -c "LD_LIBRARY_PATH='$stage/usr/lib' '$stage/usr/bin/iomdctl' --version | grep -qx 'libiomd $version (ABI 1)'"

cp -r samples/consumer "$work/consumer"
check "samples/consumer builds against the staged install only" \
	make -C "$work/consumer" KVER="$kver" IOMD_SYSROOT="$stage"
check "iomd_consumer.ko depends on iomd" \
	sh -c "modinfo -F depends '$work/consumer/iomd_consumer.ko' | grep -qx iomd"

check "make uninstall" \
	make -s uninstall DESTDIR="$stage" PREFIX=/usr KVER="$kver"
left=$(find "$stage" ! -type d)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "make uninstall leaves no file" test -z "$left"

tap_finish install-check
