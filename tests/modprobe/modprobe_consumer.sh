#!/bin/sh
# modprobe_consumer: a driver built against an installed iomd loads with
# modprobe, which pulls iomd in.
#
# Runs in the test VM before /init loads any module (vm/init's pre-load
# tests).  The host staged `make install-module` for this kernel, built
# samples/consumer/ against that staging root only (headers and
# Module.symvers) and installed it as extra/iomd_consumer.ko, then ran
# depmod on the tree, which the initramfs has as /lib/modules/<release>.
# Checks that modprobe resolves "depends: iomd" and loads both, that the
# consumer made and verified its buffer, and that modprobe -r unloads
# both; leaves no module loaded, so /init loads its own as usual.
# KTAP on stdout.

n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

tree=/lib/modules/$(uname -r)
echo "KTAP version 1"
echo "1..9"

[ ! -d /sys/module/iomd ]
ok $? "iomd is not loaded yet"
grep -q '^extra/iomd_consumer.ko: updates/iomd.ko$' "$tree/modules.dep"
ok $? "modules.dep: extra/iomd_consumer.ko needs updates/iomd.ko"
[ "$(modinfo -F depends iomd_consumer 2>/dev/null)" = iomd ]
ok $? "modinfo: iomd_consumer depends: iomd"
[ "$(modinfo -F version iomd 2>/dev/null)" = "$(cat /iomd/VERSION)" ]
ok $? "the installed iomd is version $(cat /iomd/VERSION)"
modprobe iomd_consumer
ok $? "modprobe iomd_consumer"
[ -d /sys/module/iomd ] && [ -e /sys/module/iomd/holders/iomd_consumer ]
ok $? "it pulled iomd in, which iomd_consumer now holds"
cap=$(cat /sys/module/iomd_consumer/parameters/capacity 2>/dev/null)
[ -n "$cap" ] && [ "$cap" -gt 0 ]
ok $? "iomd_consumer made and checked its buffer ($cap bytes)"
modprobe -r iomd_consumer && { [ ! -d /sys/module/iomd ] || modprobe -r iomd; }
ok $? "modprobe -r iomd_consumer, then iomd"
[ ! -d /sys/module/iomd_consumer ] && [ ! -d /sys/module/iomd ]
ok $? "neither is loaded any more"

# Whatever failed, leave no module behind for /init's own loading.
rmmod iomd_consumer 2>/dev/null
rmmod iomd 2>/dev/null
[ "$failed" = 0 ]
