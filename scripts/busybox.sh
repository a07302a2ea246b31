#!/bin/sh
# busybox.sh ARCH [CACHE]: print the path of a static busybox for ARCH
# (Debian's architecture name, e.g. arm64), for the initramfs of a VM of
# that architecture.  The host's is /bin/busybox (busybox-static, from
# scripts/deps.sh base).  Another architecture's busybox-static is
# downloaded with `apt-get download` and unpacked with `dpkg-deb -x` into a
# directory of its own under CACHE (default $IOMD_CACHE or ~/.cache/iomd),
# once per package version: installing it would replace the host's
# /bin/busybox (the package is not Multi-Arch co-installable).  The
# architecture must be known to dpkg and apt (scripts/deps.sh arm64 adds
# it).
set -eu

arch=${1:?usage: busybox.sh ARCH [CACHE]}
cache=${2:-${IOMD_CACHE:-$HOME/.cache/iomd}}

if [ "$arch" = "$(dpkg --print-architecture)" ]; then
	echo /bin/busybox
	exit 0
fi

# The candidate version names the directory, so an update downloads anew.
version=$(apt-cache policy "busybox-static:$arch" 2>/dev/null |
	awk '$1 == "Candidate:" { print $2 }')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	echo "busybox.sh: no busybox-static:$arch package known to apt" \
		"(run scripts/deps.sh $arch, or make deps)" >&2
	exit 1
fi
dir=$cache/busybox-static-$arch-$(echo "$version" | tr ':~' '__')
if [ -x "$dir/bin/busybox" ]; then
	echo "$dir/bin/busybox"
	exit 0
fi

echo "busybox.sh: downloading busybox-static:$arch $version into $dir" >&2
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/busybox-static-$arch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt's download user (_apt) writes there when root runs this.
chmod 755 "$tmp"
(cd "$tmp" && apt-get download -q "busybox-static:$arch=$version") >&2
mkdir "$tmp/root"
dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/root"
[ -x "$tmp/root/bin/busybox" ] || {
	echo "busybox.sh: the package has no bin/busybox" >&2
	exit 1
}
rm -rf "$dir"
mkdir -p "$dir/bin"
mv "$tmp/root/bin/busybox" "$dir/bin/busybox"
echo "$dir/bin/busybox"
