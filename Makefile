# iomd: top-level Makefile.
#
#   make              build the module for every kernel in KERNELS + user space
#   make check        build, boot every kernel in KERNELS under QEMU, load the
#                     module, run the tests, unload; non-zero exit on failure
#   make demo         same machinery, runs the demo program (KERNEL=6.12)
#   make shell        interactive shell in the VM, module loaded (KERNEL=6.12)
#   make deps         install the Debian packages everything needs
#   make lint         checkpatch --strict on all C files, kernel-doc, sparse
#   make bench        benchmark suite: 3 boots of 6.12, report in build/bench/
#   make fuzz         the fuzzer alone for SECS s (SEED=N) on KERNEL
#   make install      module (KVER=$(uname -r)), libiomd, headers, iomd.pc,
#                     iomdctl, man pages, udev rule; DESTDIR, PREFIX honoured
#   make uninstall    remove what make install installed
#   make install-check  stage make install and use it (pkg-config, .so, driver)
#   make dkms-check   real dkms add/build for 6.1 and 6.12 in a temporary tree
#   make deb          Debian packages in build/deb; deb-check installs+purges
#   make man          manual pages from kernel-doc into build/man
#   make install-tests  the tests + iomd-selftests runner (DESTDIR, PREFIX)
#   make clean        remove build/
#   make help         settings and details
#
# Everything generated goes under build/.

.DEFAULT_GOAL := all
SHELL := /bin/sh
BUILD := build

# Debian's name of the host's architecture (amd64): the kernels of the
# table in mk/kernel.mk say which they are, and those of another one get
# their programs cross-built (mk/user.mk) and boot in another QEMU.
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)

# User space (libiomd, tests, tools, demo): defines USER_TEST_BINS,
# USER_DEMO_BIN, USER_TOOL_BINS and the target `user`. Optional so the kernel
# side works without it.
-include mk/user.mk

# Target that builds the user-space programs before a VM run; empty when
# mk/user.mk is absent, or to use prebuilt/stand-in programs.
USER_TARGET ?= $(if $(wildcard mk/user.mk),user)

include mk/kernel.mk
# Benchmarks: after kernel.mk (uses its table), before vm.mk (adds the
# smoke test to the VM's programs).
include mk/bench.mk
include mk/vm.mk
# make install/uninstall (after kernel.mk and user.mk, whose outputs it
# installs).
include mk/install.mk

# Debian packages (groups of scripts/deps.sh) make lint needs: checkpatch
# and sparse, and the kernels it runs sparse against. deps_check & co. are
# in mk/vm.mk, deps_bench in mk/bench.mk.
deps_lint = lint $(call kernel_deps,$(KERNELS))

# Install what the goals given need and is missing while the Makefiles are
# read (a quick no-op when all is there): recipes, and the kernel lookups
# and debug kernel build that their expansion starts, come later and see
# the packages. `make check` on a fresh machine thus installs the debug
# kernel's build tools when KERNELS has it, not only the VM's packages.
# IOMD_NO_DEPS=1 (debian/rules) installs nothing.
auto_deps := $(if $(IOMD_NO_DEPS),,$(sort $(foreach g,$(MAKECMDGOALS),$(deps_$(g)))))
ifneq ($(auto_deps),)
ifneq ($(shell scripts/deps.sh --auto $(auto_deps) >&2 && echo ok),ok)
$(error missing Debian packages could not be installed; run 'make deps' as root)
endif
endif

.PHONY: all deps lint clean help
all: modules $(USER_TARGET)

# Installs every package of every group (see scripts/deps.sh), then fetches
# the static busybox of each foreign architecture of the kernel table (for
# arm64: `apt-get download`, unpacked into the cache by scripts/busybox.sh,
# never installed); a no-op when all are there.
deps:
	@scripts/deps.sh all
	@set -e; for arch in $(filter-out $(HOST_ARCH),$(call kernel_archs,$(KERNEL_NAMES))); do \
		bb=$$(scripts/busybox.sh $$arch); echo "  BUSYBOX $$arch: $$bb"; \
	done

lint:
	@BUILD='$(BUILD)' KMOD_BUILD='$(KMOD_BUILD)' scripts/lint.sh \
		$(foreach k,$(call known_kernels,$(KERNELS)),$(call kernel_spec,$(k)))

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,22s/^# \{0,1\}//p' Makefile
	@echo
	@echo 'Settings (make VAR=value ...), current values shown:'
	@echo '  KERNELS=$(KERNELS)   kernels for check/modules/lint; known: $(KERNEL_NAMES)'
	@echo '  KERNEL=$(strip $(KERNEL))   kernel for demo/shell'
	@echo '  TESTS=globs          only run matching test programs'
	@echo '  FUZZ_CHECK_SECS=$(strip $(FUZZ_CHECK_SECS)) (6.1: $(strip $(FUZZ_CHECK_SECS_6.1)))   seconds of the fuzzer in make check; 0 skips it'
	@echo '  SECS=$(strip $(SECS)) SEED=N FUZZ_PROCS=N   make fuzz: seconds, seed (default: new each run), worker processes'
	@echo '  VM_MEM=$(strip $(VM_MEM)) VM_SMP=$(strip $(VM_SMP)) VM_CPU=$(strip $(VM_CPU))   guest MiB, CPUs, QEMU -cpu'
	@echo '  VM_ACCEL=$(strip $(VM_ACCEL))   QEMU -accel; "tcg" is multi-threaded TCG, which now and then kills a boot before /init'
	@echo '  VM_TIMEOUT=$(strip $(VM_TIMEOUT))       seconds per boot (QEMU killed = failure)'
	@echo '  VM_INIT_TIMEOUT=$(strip $(VM_INIT_TIMEOUT))  seconds a boot may take to reach /init (QEMU killed); 0 = VM_TIMEOUT only'
	@echo '  VM_RETRY=$(strip $(VM_RETRY))           boot again, this many times, a boot that never reached /init (0 = never); kept logs: *.log.1'
	@echo '  TEST_TIMEOUT=$(strip $(TEST_TIMEOUT))     seconds per test program'
	@echo '  VM_APPEND=words      extra kernel command line'
	@echo '  VM_MODULES=names     modules to load (default: all built, iomd first)'
	@echo '  VM_KERNEL_MODULES=$(strip $(VM_KERNEL_MODULES))   the kernel'"'"'s own modules to pack and load'
	@echo '  VM_PVH=1             0 boots the bzImage instead of the unpacked vmlinux'
	@echo '  V=1                  show the VM console live'
	@echo '  KMOD_BUILD=$(KMOD_BUILD)   module build script (KDIR OUTDIR)'
	@echo '  USER_TARGET=$(USER_TARGET)   target building the user-space programs'
	@echo '  VM_TEST_BINS, VM_DEMO_BIN, VM_TOOL_BINS   programs for the VM (default: USER_*)'
	@echo '  BENCH_KERNEL=$(strip $(BENCH_KERNEL)) BENCH_BOOTS=$(strip $(BENCH_BOOTS)) BENCH_PASSES=$(strip $(BENCH_PASSES))   make bench: kernel, boots, passes (>= 7)'
	@echo '  BENCH_SIZES=sizes    case 1-3 buffer sizes, e.g. "4K 1M 64M" (default a page..256M)'
	@echo '  BENCH_GROUPS, BENCH_CASES   only these case numbers / case-name globs'
	@echo '  BENCH_MEM=$(strip $(BENCH_MEM)) BENCH_TIMEOUT=$(strip $(BENCH_TIMEOUT)) BENCH_CPU=$(strip $(BENCH_CPU))   make bench: guest MiB, seconds per boot, -cpu'
	@echo
	@echo 'Logs of a run: $(BUILD)/vm/<kernel>/{console.log,results.log,dmesg.log,build.log}'
	@echo '  (and {console,results,qemu}.log.1 of a boot retried)'
	@echo 'Self-tests of the runner (make check runs them first): tests/vm/retry_test.sh (retries),'
	@echo '  tests/vm/splat_test.sh (kernel-log reports that fail a run)'
	@echo 'Benchmark report: $(BUILD)/bench/{report.txt,report.md,results.json,cost-per-page.png} (docs/benchmarks.md)'
