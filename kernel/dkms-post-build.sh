#!/bin/sh
# dkms-post-build.sh DIR: DKMS's POST_BUILD (see dkms.conf).  Runs in the
# build directory after a successful build, before DKMS cleans it: keeps
# iomd's Module.symvers in DIR, DKMS's directory of this build
# (/var/lib/dkms/iomd/VERSION/<release>/<arch>), where drivers built
# against iomd find it (KBUILD_EXTRA_SYMBOLS) and `dkms remove` removes it.
set -eu
cp Module.symvers "${1:?usage: dkms-post-build.sh DIR}/Module.symvers"
