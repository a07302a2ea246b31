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
VM_PRELOAD_TESTS ?= $(USER_PRELOAD_TESTS)
# The same for the VMs of kernels of another architecture (KARCH_<name> in
# mk/kernel.mk), cross-built by `make user-ARCH`:
VM_TEST_BINS_arm64 ?= $(call user_test_bins,arm64)
VM_DEMO_BIN_arm64 ?= $(call user_demo_bin,arm64)
VM_TOOL_BINS_arm64 ?= $(call user_tool_bins,arm64)
VM_PRELOAD_TESTS_arm64 ?= $(call user_preload_tests,arm64)
# Their static busybox: Debian's busybox-static for that architecture,
# downloaded and unpacked (never installed: it would replace the host's
# /bin/busybox) by scripts/busybox.sh, once, when first needed.
BUSYBOX_arm64 = $(eval BUSYBOX_arm64 := $(shell scripts/busybox.sh arm64))$(BUSYBOX_arm64)
# Device configurations: every kernel boots once per configuration that has
# tests to run (vm/run.sh, VM_CONFIG_SPECS), each with its QEMU arguments,
# kernel command line words, memory (MiB; empty: VM_MEM), test globs
# ("!glob": all but those) and modules to load (empty: all of VM_MODULES;
# the device configurations load only iomd and the edu sample, so the debug
# kernel's KUnit suites run once). The first one's logs are build/vm/KERNEL,
# the others' build/vm/KERNEL+NAME.
#   base       QEMU's default machine (pc), no device: every test but the
#              device tests (edu_*)
#   edu        q35 with QEMU's edu DMA engine and no IOMMU: the device sees
#              physical addresses, so the VM gets 256 MiB, all of it under
#              edu's 28-bit DMA mask (what a platform without an IOMMU or
#              bounce buffers must give such a device). q35, not pc: pc's
#              ACPI _PRT is a loop that the debug kernel's interpreter takes
#              40 s to run (a soft lockup) when edu's INTx is routed
#   edu-iommu  q35 with an Intel IOMMU (interrupt remapping on) and edu,
#              intel_iommu=on, VM_MEM: DMA through IOMMU page tables
VM_CONFIGS ?= base edu edu-iommu
VMCONF_QEMU_base :=
VMCONF_APPEND_base :=
VMCONF_MEM_base :=
VMCONF_TESTS_base := !edu_*
VMCONF_QEMU_edu := -machine q35 -device edu
VMCONF_APPEND_edu :=
VMCONF_MEM_edu := 256
VMCONF_TESTS_edu := edu_*
VMCONF_MODULES_edu := iomd iomd_edu
VMCONF_QEMU_edu-iommu := -machine q35,kernel-irqchip=split \
	-device intel-iommu,intremap=on -device edu
VMCONF_APPEND_edu-iommu := intel_iommu=on
VMCONF_MEM_edu-iommu :=
VMCONF_TESTS_edu-iommu := edu_*
VMCONF_MODULES_edu-iommu := iomd iomd_edu
# $(call vm_config_spec,NAME): NAME's entry of VM_CONFIG_SPECS
vm_config_spec = $(strip $(1))|$(strip $(VMCONF_QEMU_$(strip $(1))))|$(strip \
	$(VMCONF_APPEND_$(strip $(1))))|$(strip $(VMCONF_MEM_$(strip $(1))))|$(strip \
	$(VMCONF_TESTS_$(strip $(1))))|$(strip $(VMCONF_MODULES_$(strip $(1))))
VM_CONFIG_SPECS = $(foreach c,$(VM_CONFIGS),$(call vm_config_spec,$(c));)
# The configurations of the kernels of another architecture: the device
# configurations are x86 machines (q35, intel-iommu; QEMU's virt machine
# for arm64 has neither), so those kernels boot in base alone.
VM_CONFIGS_arm64 ?= base
VM_CONFIG_SPECS_arm64 = $(foreach c,$(VM_CONFIGS_arm64),$(call vm_config_spec,$(c));)
# Kernel for `make demo`, `make shell` and `make fuzz`:
KERNEL ?= 6.12
# The fuzzer (tests/fuzz/) in `make check`: seconds on each kernel (0 makes
# it skip itself). 6.1 gets a short run: its compat paths differ (pinning,
# vm_flags) and deserve a look, the long runs are for the kernels we ship
# fixes on first:
FUZZ_CHECK_SECS ?= 60
FUZZ_CHECK_SECS_6.1 ?= 15
FUZZ_CHECK_SECS_6.12 ?= $(FUZZ_CHECK_SECS)
FUZZ_CHECK_SECS_debug ?= $(FUZZ_CHECK_SECS)
# Its seed (`make check` and `make fuzz`); empty: a new one every run,
# printed first in its output:
FUZZ_SEED ?=
# Worker processes at once (empty: the fuzzer's default, 4):
FUZZ_PROCS ?=
# `make fuzz`: seconds and seed of the run (KERNEL picks the kernel):
SECS ?= 300
SEED ?= $(FUZZ_SEED)
# 1: copy the VM console to the terminal while it runs:
V ?= 0

# Environment for vm/run.sh and vm/boot.sh.
vm_env = BUILD='$(BUILD)' KMOD_BUILD='$(KMOD_BUILD)' \
	USER_TEST_BINS='$(strip $(VM_TEST_BINS))' \
	USER_DEMO_BIN='$(strip $(VM_DEMO_BIN))' \
	USER_TOOL_BINS='$(strip $(VM_TOOL_BINS))' \
	USER_PRELOAD_TESTS='$(strip $(VM_PRELOAD_TESTS))' \
	VM_MEM='$(strip $(VM_MEM))' VM_SMP='$(strip $(VM_SMP))' \
	VM_CPU='$(strip $(VM_CPU))' VM_ACCEL='$(strip $(VM_ACCEL))' \
	VM_TIMEOUT='$(strip $(VM_TIMEOUT))' \
	VM_INIT_TIMEOUT='$(strip $(VM_INIT_TIMEOUT))' \
	VM_RETRY='$(strip $(VM_RETRY))' \
	TEST_TIMEOUT='$(strip $(TEST_TIMEOUT))' VM_APPEND='$(strip $(VM_APPEND))' \
	VM_MODULES='$(strip $(VM_MODULES))' VM_PVH='$(strip $(VM_PVH))' \
	VM_CONFIG_SPECS='$(strip $(VM_CONFIG_SPECS))' \
	VM_KERNEL_MODULES='$(strip $(VM_KERNEL_MODULES))' \
	TESTS='$(strip $(TESTS))' VM_VERBOSE='$(strip $(V))'

# $(call vm_arch_env,KERNELS): the environment naming the programs and
# busybox of each architecture of KERNELS other than the host's.
vm_arch_env = $(foreach a,$(filter-out $(HOST_ARCH),$(call kernel_archs,$(1))), \
	USER_TEST_BINS_$(a)='$(strip $(VM_TEST_BINS_$(a)))' \
	USER_DEMO_BIN_$(a)='$(strip $(VM_DEMO_BIN_$(a)))' \
	USER_TOOL_BINS_$(a)='$(strip $(VM_TOOL_BINS_$(a)))' \
	USER_PRELOAD_TESTS_$(a)='$(strip $(VM_PRELOAD_TESTS_$(a)))' \
	VM_CONFIG_SPECS_$(a)='$(strip $(VM_CONFIG_SPECS_$(a)))' \
	BUSYBOX_$(a)='$(BUSYBOX_$(a))')

# Kernel command line words for the fuzzer: $(call fuzz_words,SECS,SEED)
fuzz_words = iomdvm.fuzz_secs=$(strip $(1))$(if $(strip $(2)), \
	iomdvm.fuzz_seed=$(strip $(2)))$(if $(strip $(FUZZ_PROCS)), \
	iomdvm.fuzz_procs=$(strip $(FUZZ_PROCS)))
# $(call vm_spec,NAME,SECS,SEED): kernel_spec with the fuzzer's words
vm_spec = '$(1)|$(KDIR_$(1))|$(KIMAGE_$(1))|$(KAPPEND_$(1)) $(call \
	fuzz_words,$(2),$(3))|$(KARCH_$(1))|$(KMAKE_$(1))'

# Debian packages check/demo/shell need (groups of scripts/deps.sh; the top
# Makefile installs them): the VM's, and those of the kernels booted.
deps_check = base $(call kernel_deps,$(KERNELS))
deps_demo = base $(call kernel_deps,$(KERNEL))
deps_shell = $(deps_demo)
deps_fuzz = $(deps_demo)

.PHONY: check demo shell fuzz
check: $(call kernel_user_targets,$(KERNELS)) $(call kernel_prereqs,$(KERNELS))
	@$(vm_env) $(call vm_arch_env,$(KERNELS)) vm/run.sh check \
		$(foreach k,$(call known_kernels,$(KERNELS)),$(call \
		vm_spec,$(k),$(FUZZ_CHECK_SECS_$(k)),$(FUZZ_SEED)))

# A long run of the fuzzer alone on KERNEL: make fuzz SECS=600 SEED=42.
# The boot may take SECS plus 15 minutes (module build, boot, the debug
# kernel's checks).
fuzz: $(call kernel_user_targets,$(KERNEL)) $(call kernel_prereqs,$(KERNEL))
	@$(vm_env) $(call vm_arch_env,$(KERNEL)) \
		VM_TIMEOUT='$(shell expr $(SECS) + 900)' vm/run.sh fuzz \
		$(call vm_spec,$(call known_kernels,$(strip $(KERNEL))),$(SECS),$(SEED))

demo: $(call kernel_user_targets,$(KERNEL)) $(call kernel_prereqs,$(KERNEL))
	@$(vm_env) $(call vm_arch_env,$(KERNEL)) vm/run.sh demo \
		$(call kernel_spec,$(call known_kernels,$(strip $(KERNEL))))

# Interactive shell in the VM with the modules loaded (console on this
# terminal; leave the shell to unload the modules and power off).
shell: $(call kernel_user_targets,$(KERNEL)) $(call kernel_prereqs,$(KERNEL))
	@$(vm_env) $(call vm_arch_env,$(KERNEL)) vm/run.sh shell \
		$(call kernel_spec,$(call known_kernels,$(strip $(KERNEL))))
