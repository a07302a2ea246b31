# mk/kernel.mk: the kernel matrix and the out-of-tree module build.
#
# The kernel table. Every kernel has a name (used in KERNELS=, KERNEL= and
# build/vm/NAME) and these variables:
#   KDIR_<name>     module build tree (what `make -C KDIR M=...` needs)
#   KIMAGE_<name>   bootable kernel image for QEMU -kernel
#   KAPPEND_<name>  extra kernel command line words (may be empty)
#   KPREREQ_<name>  make targets that produce KDIR and KIMAGE (may be empty)
#   KDEPS_<name>    groups of scripts/deps.sh that provide it (base for
#                   Debian's kernels, plus rt for the RT one; debug for the
#                   debug kernels' build); `make check` & co. install them
#                   first
#   KARCH_<name>    Debian name of its architecture (amd64, arm64): which
#                   QEMU boots it and which build of the user-space
#                   programs and busybox goes into its VM
#   KMAKE_<name>    make variables every `make -C KDIR` needs (ARCH=,
#                   CROSS_COMPILE= for a cross-built kernel; may be empty)
#
# Adding a kernel is one line:
#   Debian package kernels, found by globbing /lib/modules (newest release
#   with both /lib/modules/<kver>/build and /boot/vmlinuz-<kver>):
#     $(eval $(call debian_kernel,NAME,GLOB))
#   A kernel built here (e.g. the debug kernel):
#     $(eval $(call custom_kernel,NAME,KDIR,IMAGE,APPEND,PREREQ))
#   KDIR and IMAGE are expanded only when a recipe needs them, so they may
#   name a lazily computed directory, for instance:
#     DEBUG_DIR = $(eval DEBUG_DIR := $(shell debug-kernel/build.sh))$(DEBUG_DIR)
#     $(eval $(call custom_kernel,debug,$$(DEBUG_DIR)/linux,$$(DEBUG_DIR)/bzImage))
#   (PREREQ is for a make target instead, e.g. one that builds the kernel.)
#   Both make amd64 kernels; an arm64 kernel built here by
#   arm64-kernel/build.sh with PAGE_KIB KiB pages:
#     $(eval $(call arm64_kernel,NAME,PAGE_KIB))

KERNEL_NAMES :=

define debian_kernel
KERNEL_NAMES += $(1)
# Looked up once, and only when used (after `make deps` may have run).
KVER_$(1) = $$(eval KVER_$(1) := $$(shell scripts/find-kernel.sh '$(2)'))$$(KVER_$(1))
KDIR_$(1) = $$(if $$(KVER_$(1)),/lib/modules/$$(KVER_$(1))/build)
KIMAGE_$(1) = $$(if $$(KVER_$(1)),/boot/vmlinuz-$$(KVER_$(1)))
KAPPEND_$(1) :=
KPREREQ_$(1) :=
KDEPS_$(1) := base
KARCH_$(1) := amd64
KMAKE_$(1) :=
endef

define custom_kernel
KERNEL_NAMES += $(1)
KDIR_$(1) = $(2)
KIMAGE_$(1) = $(3)
KAPPEND_$(1) = $(4)
KPREREQ_$(1) = $(5)
KDEPS_$(1) :=
KARCH_$(1) := amd64
KMAKE_$(1) :=
endef

# The build tree and Image of an arm64 kernel are cross-built on first use
# (about 4 minutes) and cached; the directory is looked up once.
define arm64_kernel
ARM64_DIR_$(2) = $$(eval ARM64_DIR_$(2) := $$(shell arm64-kernel/build.sh $(2)))$$(ARM64_DIR_$(2))
$$(eval $$(call custom_kernel,$(1),$$$$(ARM64_DIR_$(2))/linux,$$$$(ARM64_DIR_$(2))/Image))
# The cross compiler, QEMU, arm64 libraries (arm64) and the kernel build's
# tools and linux-source-6.12 (debug).
KDEPS_$(1) := arm64 debug
KARCH_$(1) := arm64
KMAKE_$(1) := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
endef

# --- the matrix ------------------------------------------------------------
$(eval $(call debian_kernel,6.1,6.1.*-amd64))
$(eval $(call debian_kernel,6.12,6.12.*-amd64))
# Debian's PREEMPT_RT 6.12 (linux-image-6.12-rt-amd64): spinlock_t sleeps,
# no transparent huge pages. scripts/find-kernel.sh keeps the flavours
# apart: the glob above does not take it.
$(eval $(call debian_kernel,6.12-rt,6.12.*-rt-amd64))
KDEPS_6.12-rt := base rt

# The debug kernel: 6.12 with KASAN, KFENCE, UBSAN, kmemleak, lockdep, fault
# injection, KUnit and distribution hardening (debug-kernel/config), built
# from Debian's linux-source-6.12 by debug-kernel/build.sh and cached
# outside the tree (about 10-20 minutes the first time).
#
# Both KASAN kernels boot with 4-level paging (no5lvl).  On a CPU with LA57
# (QEMU's "max") 6.12 boots in 5-level mode, and while identify_cpu()
# rebuilds boot_cpu_data's feature words, before alternatives are patched,
# pgtable_l5_enabled() reads false for a moment: an interrupt taken then
# has KASAN judge the address of every lock it takes (0xff11... in 5-level
# mode) to lie below the kernel's half and report a "wild-memory-access in
# do_raw_spin_lock" from handle_edge_irq(), at 0.7 s of the boot, before
# any of our code is loaded (seen in 1 boot of about 30 on q35).  That is
# the kernel's bug, not a finding about iomd; 4-level mode has no such
# moment.
KASAN_KAPPEND := no5lvl
DEBUG_DIR = $(eval DEBUG_DIR := $(shell debug-kernel/build.sh))$(DEBUG_DIR)
$(eval $(call custom_kernel,debug,$$(DEBUG_DIR)/linux,$$(DEBUG_DIR)/bzImage,$$(KASAN_KAPPEND)))
# linux-source-6.12 and the tools its build needs:
KDEPS_debug := debug

# The RT debug kernel: the debug kernel's fragment with debug-kernel/rt.config
# on top (PREEMPT_RT, DEBUG_ATOMIC_SLEEP, PROVE_RAW_LOCK_NESTING), so RT's
# locking rules are checked with every checker of the debug kernel; built
# and cached the same way (debug-kernel/build.sh --rt).
RTDEBUG_DIR = $(eval RTDEBUG_DIR := $(shell debug-kernel/build.sh --rt))$(RTDEBUG_DIR)
$(eval $(call custom_kernel,rt-debug,$$(RTDEBUG_DIR)/linux,$$(RTDEBUG_DIR)/bzImage,$$(KASAN_KAPPEND)))
KDEPS_rt-debug := debug

# arm64 with 16 KiB (Apple silicon's) and 64 KiB pages: a page size other
# than 4 KiB, PMD-mapped folios of 32 and 512 MiB.  A small 6.12 built
# from linux-source-6.12 by arm64-kernel/build.sh, booted by
# qemu-system-aarch64 -machine virt.
$(eval $(call arm64_kernel,arm64-16k,16))
$(eval $(call arm64_kernel,arm64-64k,64))

# Kernels `make check` (and `make lint`'s sparse) runs, in this order
# (Debian's, then the ones built here; each plain kernel before its RT one;
# the arm64 ones last). Override: make check KERNELS=6.12
KERNELS ?= 6.1 6.12 6.12-rt debug rt-debug arm64-16k arm64-64k

# Module build script (contract with kernel/): KMOD_BUILD KDIR OUTDIR leaves
# every module it builds as OUTDIR/*.ko.
KMOD_BUILD ?= kernel/build.sh

# $(call kernel_spec,NAME): the NAME|KDIR|IMAGE|APPEND|ARCH|KMAKE word
# vm/run.sh takes
kernel_spec = '$(1)|$(KDIR_$(1))|$(KIMAGE_$(1))|$(KAPPEND_$(1))|$(KARCH_$(1))|$(KMAKE_$(1))'

# $(call known_kernels,NAMES): NAMES, or stop with an error naming the
# unknown ones
known_kernels = $(if $(filter-out $(KERNEL_NAMES),$(1)),$(error unknown \
	kernel(s) '$(filter-out $(KERNEL_NAMES),$(1))'; known: $(KERNEL_NAMES)),$(1))

# Targets that produce the selected kernels (e.g. the debug kernel build).
kernel_prereqs = $(foreach k,$(1),$(KPREREQ_$(k)))

# $(call kernel_deps,NAMES): the scripts/deps.sh groups the kernels need
kernel_deps = $(sort $(foreach k,$(1),$(KDEPS_$(k))))

# $(call kernel_archs,NAMES): their architectures
kernel_archs = $(sort $(foreach k,$(1),$(KARCH_$(k))))

# $(call kernel_user_targets,NAMES): targets building the user-space
# programs for their VMs: USER_TARGET (top Makefile) for the host's
# architecture, USER_TARGET-ARCH (user-arm64, mk/user.mk) for another;
# nothing when USER_TARGET is empty.
kernel_user_targets = $(if $(USER_TARGET),$(sort $(foreach a,$(call kernel_archs,$(1)), \
	$(USER_TARGET)$(if $(filter-out $(HOST_ARCH),$(a)),-$(a)))))

# `make modules`: build the modules for every kernel in KERNELS into
# build/kernel/NAME/ (`make check` does this itself, kernel by kernel).
.PHONY: modules
modules: $(call kernel_prereqs,$(KERNELS))
	@set -e; for spec in $(foreach k,$(call known_kernels,$(KERNELS)),$(call kernel_spec,$(k))); do \
		name=$${spec%%|*}; rest=$${spec#*|}; kdir=$${rest%%|*}; \
		kmake=$${spec##*|}; \
		if [ -z "$$kdir" ]; then \
			echo "kernel $$name is not installed (make deps)" >&2; exit 1; \
		fi; \
		echo "  MODULES $$name ($$kdir)"; \
		$(KMOD_BUILD) "$$kdir" "$(abspath $(BUILD))/kernel/$$name" $$kmake; \
	done
