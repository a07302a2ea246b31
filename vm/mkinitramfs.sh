#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz
#
# Pack the test VM's initramfs: static busybox (one symlink per applet),
# vm/init as /init, and the iomd payload under /iomd:
#
#   /iomd/modules/NAME.ko   kernel modules; /iomd/modules.list gives the load
#                           order (iomd first, the rest sorted by name)
#   /iomd/tests/NAME        test programs; /iomd/tests.list = names, sorted
#   /iomd/bin/              demo program (as iomd-demo) and tools, in $PATH
#   /iomd/kmods/NAME.ko     the kernel's own modules the tests use (loop),
#                           decompressed; /iomd/kmods.list, the load order
#   /etc/passwd, /etc/group uid/gid 1000 (group iomd) and 1001 for the tests
#   /etc/udev/rules.d/      the project's udev rule, which /init applies
#   /iomd/pretests/NAME     tests /init runs before it loads any module;
#                           /iomd/pretests.list = names, sorted
#   /lib/modules/<release>/ an installed module tree (modprobe's), when
#                           given
#   /iomd/VERSION           the project's VERSION file
#
# Inputs come from the environment (whitespace-separated file lists):
#   IOMDVM_MODULES   .ko files (the one named iomd.ko is loaded first)
#   IOMDVM_TESTS     test executables (static; basenames must be unique)
#   IOMDVM_DEMO      demo executable (optional)
#   IOMDVM_TOOLS     extra executables for /iomd/bin (optional)
#   IOMDVM_KMODS     the kernel's .ko, .ko.xz or .ko.gz files, in load
#                    order (optional)
#   IOMDVM_PRETESTS  test executables run before the modules are loaded
#                    (optional)
#   IOMDVM_MODTREE   a module tree, DIR/<release> with its modules.dep,
#                    copied to /lib/modules/<release> (optional)
#   BUSYBOX          static busybox binary (default /bin/busybox); every
#                    program must be of its architecture (ELF machine)
#
# The staging tree is OUT's directory + /root; it is rebuilt every time
# (takes well under a second).
set -eu

out=${1:?usage: mkinitramfs.sh OUT.cpio.gz}
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
root=$(dirname "$out")/root
mkdir -p "$(dirname "$out")"

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

# is_dynamic FILE: true if FILE is an ELF program that needs a dynamic
# loader (which the initramfs does not have). Scripts are fine.
is_dynamic() {
	command -v readelf >/dev/null 2>&1 || return 1
	readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# machine FILE: the ELF machine of FILE (e.g. "AArch64"), empty for a
# script or without readelf.
machine() {
	command -v readelf >/dev/null 2>&1 || return 0
	readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'
}

# add_prog SRC DEST: copy an executable into the tree, refusing dynamic ones
# and those of another architecture than busybox's (the VM's).
add_prog() {
	[ -f "$1" ] || die "missing program $1"
	[ -x "$1" ] || die "$1 is not executable"
	is_dynamic "$1" && die "$1 is dynamically linked (link it with -static)"
	m=$(machine "$1")
	[ -z "$m" ] || [ "$m" = "$vm_machine" ] ||
		die "$1 is for $m, the VM's busybox for $vm_machine"
	cp "$1" "$2"
}

[ -x "$busybox" ] || die "no busybox at $busybox (apt-get install busybox-static)"
is_dynamic "$busybox" && die "$busybox is not static (need busybox-static)"
vm_machine=$(machine "$busybox")

rm -rf "$root"
mkdir -p "$root"
for d in bin dev proc sys tmp root etc usr iomd/modules iomd/tests iomd/bin \
	iomd/kmods iomd/pretests lib/modules; do
	mkdir -p "$root/$d"
done
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"

# busybox and its applets.  A busybox of another architecture (an arm64
# VM's) does not run here: the host's busybox-static of the same Debian
# release has the same configuration, so its list of applets stands in.
cp "$busybox" "$root/bin/busybox"
applets=$("$busybox" --list 2>/dev/null) || applets=$(/bin/busybox --list) ||
	die "cannot list the applets of $busybox"
for applet in $applets; do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done

cp "$here/init" "$root/init"
chmod 755 "$root/init"

# Users and groups the tests use: uid 1000 is an ordinary user in group
# iomd (gid 1000), whom the shipped udev rule lets open /dev/iomd; uid
# 1001 is in no such group.  /init applies the rule (there is no udev).
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/tmp:/bin/sh\nother:x:1001:1001::/tmp:/bin/sh\n' \
	>"$root/etc/passwd"
printf 'root:x:0:\niomd:x:1000:user\nother:x:1001:\n' >"$root/etc/group"
mkdir -p "$root/etc/udev/rules.d"
cp "$here/../udev/60-iomd.rules" "$root/etc/udev/rules.d/"

# Modules: iomd first, the rest sorted by name.
for ko in ${IOMDVM_MODULES:-}; do
	[ -f "$ko" ] || die "missing module $ko"
	cp "$ko" "$root/iomd/modules/"
done
{
	[ ! -f "$root/iomd/modules/iomd.ko" ] || echo iomd
	for ko in $(ls "$root/iomd/modules" | LC_ALL=C sort); do
		[ "$ko" = iomd.ko ] || echo "${ko%.ko}"
	done
} >"$root/iomd/modules.list"

# The kernel's own modules, decompressed (busybox insmod may not know
# compressed ones), in the order given.
: >"$root/iomd/kmods.list"
for ko in ${IOMDVM_KMODS:-}; do
	[ -f "$ko" ] || die "missing kernel module $ko"
	name=$(basename "$ko")
	case $name in
	*.ko.xz) "$busybox" xzcat "$ko" >"$root/iomd/kmods/${name%.xz}" ;;
	*.ko.gz) "$busybox" zcat "$ko" >"$root/iomd/kmods/${name%.gz}" ;;
	*.ko) cp "$ko" "$root/iomd/kmods/" ;;
	*) die "$ko is not a .ko, .ko.xz or .ko.gz file" ;;
	esac || die "cannot unpack $ko"
	name=${name%.ko*}
	echo "$name" >>"$root/iomd/kmods.list"
done

# Tests, run in sorted order of their names.
for t in ${IOMDVM_TESTS:-}; do
	name=$(basename "$t")
	[ ! -e "$root/iomd/tests/$name" ] || die "two test programs named $name"
	add_prog "$t" "$root/iomd/tests/$name"
done
ls "$root/iomd/tests" | LC_ALL=C sort >"$root/iomd/tests.list"
for t in ${IOMDVM_PRETESTS:-}; do
	add_prog "$t" "$root/iomd/pretests/$(basename "$t")"
done
ls "$root/iomd/pretests" | LC_ALL=C sort >"$root/iomd/pretests.list"

if [ -n "${IOMDVM_MODTREE:-}" ]; then
	[ -f "$IOMDVM_MODTREE/modules.dep" ] ||
		die "$IOMDVM_MODTREE is not a module tree (no modules.dep)"
	cp -R "$IOMDVM_MODTREE" "$root/lib/modules/"
fi
cp "$here/../VERSION" "$root/iomd/VERSION"

if [ -n "${IOMDVM_DEMO:-}" ]; then
	add_prog "$IOMDVM_DEMO" "$root/iomd/bin/iomd-demo"
fi
for t in ${IOMDVM_TOOLS:-}; do
	add_prog "$t" "$root/iomd/bin/$(basename "$t")"
done

# newc archive, files owned by root, fast compression.
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
