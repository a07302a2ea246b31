# mk/vm.mk: `make check`, `make demo` and `make shell` -- boot kernels from
# the table in mk/kernel.mk under QEMU with a busybox initramfs (vm/).

# VM settings, all overridable on the command line (make check VM_MEM=4096).
# Guest memory (MiB) and CPUs:
VM_MEM ?= 1024
VM_SMP ?= 2
# QEMU -cpu model; empty for QEMU's default:
VM_CPU ?= max
# QEMU -accel. One TCG thread for all vCPUs: QEMU 7.2's multi-threaded TCG
# now and then kills a boot before /init (see vm/boot.sh); "tcg" for that:
VM_ACCEL ?= tcg,thread=single
# Seconds per boot before QEMU is killed (counts as a failure):
VM_TIMEOUT ?= 600
# Seconds a boot may take to reach /init before QEMU is killed; 0: no limit
# but VM_TIMEOUT:
VM_INIT_TIMEOUT ?= 180
# Boots again a boot that never reached /init (the kernel died on its own
# before any of our code ran), at most this many times per kernel; 0: never.
# Failures after /init are never retried:
VM_RETRY ?= 1
# Seconds per test program inside the VM:
TEST_TIMEOUT ?= 120
# Extra kernel command line words, for every kernel:
VM_APPEND ?=
# Modules to load (names, e.g. "iomd iomd_kunit"); empty = every .ko built:
VM_MODULES ?=
# 1: boot the unpacked vmlinux via PVH (faster under TCG); 0: the bzImage:
VM_PVH ?= 1
# Only run the tests whose name matches one of these globs:
TESTS ?=
# Modules of the kernel itself that tests use (paths under its module
# tree, without .ko), packed with their dependencies where the kernel has
# them as modules (Debian's), loaded at boot; map_interop needs loop:
VM_KERNEL_MODULES ?= drivers/block/loop
# Programs put in the VM: by default those of mk/user.mk. Point these at
# other (static) programs to run them instead, e.g. stand-ins; then also set
# USER_TARGET= so the real ones are not built.
VM_TEST_BINS ?= $(USER_TEST_BINS)
VM_DEMO_BIN ?= $(USER_DEMO_BIN)
VM_TOOL_BINS ?= $(USER_TOOL_BINS)
# The same for the VMs of kernels of another architecture (KARCH_<name> in
# mk/kernel.mk), cross-built by `make user-ARCH`:
VM_TEST_BINS_arm64 ?= $(call user_test_bins,arm64)
VM_DEMO_BIN_arm64 ?= $(call user_demo_bin,arm64)
VM_TOOL_BINS_arm64 ?= $(call user_tool_bins,arm64)
# Their static busybox: Debian's busybox-static for that architecture,
# downloaded and unpacked (never installed: it would replace the host's
# /bin/busybox) by scripts/busybox.sh, once, when first needed.
BUSYBOX_arm64 = $(eval BUSYBOX_arm64 := $(shell scripts/busybox.sh arm64))$(BUSYBOX_arm64)
# Kernel for `make demo` and `make shell`:
KERNEL ?= 6.12
# 1: copy the VM console to the terminal while it runs:
V ?= 0

# Environment for vm/run.sh and vm/boot.sh.
vm_env = BUILD='$(BUILD)' KMOD_BUILD='$(KMOD_BUILD)' \
	USER_TEST_BINS='$(strip $(VM_TEST_BINS))' \
	USER_DEMO_BIN='$(strip $(VM_DEMO_BIN))' \
	USER_TOOL_BINS='$(strip $(VM_TOOL_BINS))' \
	VM_MEM='$(strip $(VM_MEM))' VM_SMP='$(strip $(VM_SMP))' \
	VM_CPU='$(strip $(VM_CPU))' VM_ACCEL='$(strip $(VM_ACCEL))' \
	VM_TIMEOUT='$(strip $(VM_TIMEOUT))' \
	VM_INIT_TIMEOUT='$(strip $(VM_INIT_TIMEOUT))' \
	VM_RETRY='$(strip $(VM_RETRY))' \
	TEST_TIMEOUT='$(strip $(TEST_TIMEOUT))' VM_APPEND='$(strip $(VM_APPEND))' \
	VM_MODULES='$(strip $(VM_MODULES))' VM_PVH='$(strip $(VM_PVH))' \
	VM_KERNEL_MODULES='$(strip $(VM_KERNEL_MODULES))' \
	TESTS='$(strip $(TESTS))' VM_VERBOSE='$(strip $(V))'

# $(call vm_arch_env,KERNELS): the environment naming the programs and
# busybox of each architecture of KERNELS other than the host's.
vm_arch_env = $(foreach a,$(filter-out $(HOST_ARCH),$(call kernel_archs,$(1))), \
	USER_TEST_BINS_$(a)='$(strip $(VM_TEST_BINS_$(a)))' \
	USER_DEMO_BIN_$(a)='$(strip $(VM_DEMO_BIN_$(a)))' \
	USER_TOOL_BINS_$(a)='$(strip $(VM_TOOL_BINS_$(a)))' \
	BUSYBOX_$(a)='$(BUSYBOX_$(a))')

# Debian packages check/demo/shell need (groups of scripts/deps.sh; the top
# Makefile installs them): the VM's, and those of the kernels booted.
deps_check = base $(call kernel_deps,$(KERNELS))
deps_demo = base $(call kernel_deps,$(KERNEL))
deps_shell = $(deps_demo)

.PHONY: check demo shell
check: $(call kernel_user_targets,$(KERNELS)) $(call kernel_prereqs,$(KERNELS))
	@$(vm_env) $(call vm_arch_env,$(KERNELS)) vm/run.sh check \
		$(foreach k,$(call known_kernels,$(KERNELS)),$(call kernel_spec,$(k)))

demo: $(call kernel_user_targets,$(KERNEL)) $(call kernel_prereqs,$(KERNEL))
	@$(vm_env) $(call vm_arch_env,$(KERNEL)) vm/run.sh demo \
		$(call kernel_spec,$(call known_kernels,$(strip $(KERNEL))))

# Interactive shell in the VM with the modules loaded (console on this
# terminal; leave the shell to unload the modules and power off).
shell: $(call kernel_user_targets,$(KERNEL)) $(call kernel_prereqs,$(KERNEL))
	@$(vm_env) $(call vm_arch_env,$(KERNEL)) vm/run.sh shell \
		$(call kernel_spec,$(call known_kernels,$(strip $(KERNEL))))
