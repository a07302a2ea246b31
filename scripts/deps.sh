#!/bin/sh
# deps.sh [--auto] [GROUP...]
#
# Make sure the Debian packages iomd needs are installed.
#
#   GROUPs:  base   build + run the VM tests (make check, make demo)
#            rt     Debian's PREEMPT_RT 6.12 kernel (KERNELS=6.12-rt)
#            lint   checkpatch + sparse (make lint)
#            debug  build the debug kernel from linux-source-6.12
#            arm64  cross-build and boot the arm64 kernels (with debug for
#                   their build): cross compiler, QEMU, arm64 libraries
#                   of the multiarch arm64 architecture, which it adds
#            man    kernel-doc for the manual pages (make man, make install)
#            pkg    install and packaging checks (make install-check,
#                   make dkms-check, make deb): DKMS, debhelper, pkg-config
#            all    every group (default; what `make deps` installs)
#
# The arm64 VMs' busybox is not a package installed here: scripts/busybox.sh
# downloads and unpacks it when a VM first needs it (`make deps` runs it
# after this script).
# First a quick dpkg-query check, so this is a no-op (and needs no root) when
# everything is present. Otherwise it runs `apt-get update` once and then
# `apt-get install -y` for the missing packages only.
#
# --auto: used by `make check`/`make demo`; same thing, but says why it is
# installing anything.
set -eu

# pkgconf: make check builds samples/consumer, which finds iomd with it.
base="qemu-system-x86 busybox-static cpio gzip kmod gcc make libc6-dev pkgconf
      linux-image-amd64 linux-headers-amd64
      linux-image-6.12-amd64 linux-headers-6.12-amd64
      liburing-dev gnuplot-nox"
rt="linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64"
lint="sparse perl xz-utils linux-source-6.12"
debug="linux-source-6.12 bc flex bison libelf-dev libssl-dev dwarves rsync
       xz-utils"
# liburing-dev:arm64 (static liburing for the arm64 tests) pulls in
# libc6:arm64; both co-install with the amd64 ones.
arm64="gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
       qemu-system-arm liburing-dev:arm64"
man="linux-source-6.12 perl xz-utils"
pkg="dkms debhelper dh-dkms dpkg-dev fakeroot pkgconf binutils adduser"

auto=false
if [ "${1:-}" = --auto ]; then
	auto=true
	shift
fi
[ $# -gt 0 ] || set -- all

wanted=
for group in "$@"; do
	case $group in
	base) wanted="$wanted $base" ;;
	rt) wanted="$wanted $rt" ;;
	lint) wanted="$wanted $lint" ;;
	debug) wanted="$wanted $debug" ;;
	arm64) wanted="$wanted $arm64" ;;
	man) wanted="$wanted $man" ;;
	pkg) wanted="$wanted $pkg" ;;
	all) wanted="$wanted $base $rt $lint $debug $arm64 $pkg" ;;
	*) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
	esac
done

# One dpkg-query call for all packages; it prints nothing for packages it has
# never heard of, so anything not listed as "install ok installed" is missing.
# ${binary:Package} names a Multi-Arch: same package with its architecture
# (liburing-dev:amd64): list it with and, for the host's, without it.
# shellcheck disable=SC2086 # one package per word
pkgs=$(printf '%s\n' $wanted | sort -u)
native=$(dpkg --print-architecture)
# shellcheck disable=SC2086 # word splitting of the package list is wanted
installed=$(dpkg-query -W -f='${binary:Package} ${Status}\n' $pkgs 2>/dev/null |
	awk -v native=":$native" '
		$2 == "install" && $3 == "ok" && $4 == "installed" {
			print $1
			if (sub(native "$", "", $1))
				print $1
		}')
missing=
for pkg in $pkgs; do
	echo "$installed" | grep -qxF "$pkg" || missing="$missing $pkg"
done

[ -n "$missing" ] || exit 0

if $auto; then
	echo "deps: missing Debian packages:$missing -- installing them (make deps)"
else
	echo "deps: installing$missing"
fi

# Root runs apt-get directly; otherwise try sudo (non-interactively).
if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo -n"
else
	echo "deps: need root to install:$missing (run 'make deps' as root)" >&2
	exit 1
fi

# Packages of a foreign architecture (name:arch) need that architecture
# in dpkg's list before apt-get update fetches its package lists.
# shellcheck disable=SC2086 # one package per word
for arch in $(printf '%s\n' $missing | sed -n 's/^[^:]*://p' | sort -u); do
	if ! dpkg --print-foreign-architectures | grep -qxF "$arch"; then
		echo "deps: adding the $arch architecture (dpkg --add-architecture)"
		$sudo dpkg --add-architecture "$arch"
	fi
done

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is wanted
$sudo apt-get install -y --no-install-recommends $missing
