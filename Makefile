# iomd: top-level Makefile.
#
#   make              build the module for every kernel in KERNELS + user space
#   make check        build, boot every kernel in KERNELS under QEMU, load the
#                     module, run the tests, unload; non-zero exit on failure
#   make demo         same machinery, runs the demo program (KERNEL=6.12)
#   make shell        interactive shell in the VM, module loaded (KERNEL=6.12)
#   make deps         install the Debian packages everything needs
#   make lint         checkpatch --strict on all C files + sparse on the module
#   make clean        remove build/
#   make help         settings and details
#
# Everything generated goes under build/.

.DEFAULT_GOAL := all
SHELL := /bin/sh
BUILD := build

# User space (libiomd, tests, tools, demo): defines USER_TEST_BINS,
# USER_DEMO_BIN, USER_TOOL_BINS and the target `user`. Optional so the kernel
# side works without it.
-include mk/user.mk

# Target that builds the user-space programs before a VM run; empty when
# mk/user.mk is absent, or to use prebuilt/stand-in programs.
USER_TARGET ?= $(if $(wildcard mk/user.mk),user)

include mk/kernel.mk
include mk/vm.mk

.PHONY: all deps lint clean help
all: modules $(USER_TARGET)

# Installs every package of every group (see scripts/deps.sh); a no-op when
# all are installed.
deps:
	@scripts/deps.sh all

lint:
	@scripts/deps.sh --auto lint
	@BUILD='$(BUILD)' KMOD_BUILD='$(KMOD_BUILD)' scripts/lint.sh \
		$(foreach k,$(call known_kernels,$(KERNELS)),$(call kernel_spec,$(k)))

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,12s/^# \{0,1\}//p' Makefile
	@echo
	@echo 'Settings (make VAR=value ...), current values shown:'
	@echo '  KERNELS=$(KERNELS)   kernels for check/modules/lint; known: $(KERNEL_NAMES)'
	@echo '  KERNEL=$(strip $(KERNEL))   kernel for demo/shell'
	@echo '  TESTS=globs          only run matching test programs'
	@echo '  VM_MEM=$(strip $(VM_MEM)) VM_SMP=$(strip $(VM_SMP)) VM_CPU=$(strip $(VM_CPU))   guest MiB, CPUs, QEMU -cpu'
	@echo '  VM_TIMEOUT=$(strip $(VM_TIMEOUT))       seconds per boot (QEMU killed = failure)'
	@echo '  TEST_TIMEOUT=$(strip $(TEST_TIMEOUT))     seconds per test program'
	@echo '  VM_APPEND=words      extra kernel command line'
	@echo '  VM_MODULES=names     modules to load (default: all built, iomd first)'
	@echo '  VM_PVH=1             0 boots the bzImage instead of the unpacked vmlinux'
	@echo '  V=1                  show the VM console live'
	@echo '  KMOD_BUILD=$(KMOD_BUILD)   module build script (KDIR OUTDIR)'
	@echo '  USER_TARGET=$(USER_TARGET)   target building the user-space programs'
	@echo '  VM_TEST_BINS, VM_DEMO_BIN, VM_TOOL_BINS   programs for the VM (default: USER_*)'
	@echo
	@echo 'Logs of a run: $(BUILD)/vm/<kernel>/{console.log,results.log,dmesg.log,build.log}'
