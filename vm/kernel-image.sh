#!/bin/sh
# kernel-image.sh IMAGE CACHEDIR
#
# Print the path of the kernel QEMU should boot for the bzImage IMAGE.
#
# Why: under TCG the kernel's own decompressor is slow (the xz-compressed
# Debian 6.1 bzImage spends ~4 s of a ~11 s boot unpacking itself). When the
# kernel supports PVH boot (CONFIG_PVH, true for Debian's kernels), QEMU can
# boot the uncompressed ELF vmlinux directly. So unpack it once on the host
# (cached as CACHEDIR/vmlinux) and print that path; print IMAGE itself when
# unpacking is not possible (unknown compression, tool missing, no PVH note)
# or when VM_PVH=0.
set -u

image=${1:?usage: kernel-image.sh IMAGE CACHEDIR}
cache=${2:?}
out=$cache/vmlinux
stamp=$cache/vmlinux.src

fallback() {
	echo "$image"
	exit 0
}

[ "${VM_PVH:-1}" = 1 ] || fallback

# Cached and still current? (-nt: not POSIX, but dash and busybox have it)
# shellcheck disable=SC3013
if [ -f "$out" ] && [ "$out" -nt "$image" ] &&
	[ "$(cat "$stamp" 2>/dev/null)" = "$image" ]; then
	echo "$out"
	exit 0
fi

command -v readelf >/dev/null 2>&1 || fallback
mkdir -p "$cache" || fallback
rm -f "$out" "$stamp"

# is_pvh_elf FILE: an ELF with the Xen PHYS32_ENTRY note (type 0x12), which
# is what QEMU's PVH loader looks for.
is_pvh_elf() {
	readelf -n "$1" 2>/dev/null | grep -q 'Xen.*0x00000012'
}

# Try each compression format the kernel might use: magic bytes, tool.
# The payload sits inside the bzImage; try every place its magic occurs,
# like the kernel's scripts/extract-vmlinux does.
for fmt in 'xz \375\067zXZ\000' 'zstd \050\265\057\375' 'gzip \037\213\010'; do
	tool=${fmt%% *}
	command -v "$tool" >/dev/null 2>&1 || continue
	magic=$(printf '%b' "${fmt#* }" | od -An -tx1 | tr -d ' \n' |
		sed 's/\(..\)/\\x\1/g')
	for pos in $(LC_ALL=C grep -aboP "$magic" "$image" 2>/dev/null |
		cut -d: -f1); do
		# The decompressor complains about the bytes after the payload;
		# the output is still complete, so judge the result instead.
		tail -c +$((pos + 1)) "$image" | "$tool" -dc >"$out.tmp" 2>/dev/null
		if is_pvh_elf "$out.tmp"; then
			mv "$out.tmp" "$out"
			echo "$image" >"$stamp"
			echo "$out"
			exit 0
		fi
	done
done
rm -f "$out.tmp"
fallback
