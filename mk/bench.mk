# SPDX-License-Identifier: GPL-2.0
#
# mk/bench.mk: the benchmark suite (bench/, docs/benchmarks.md).
# Included by the top-level Makefile after mk/user.mk (it links libiomd)
# and before mk/vm.mk (it adds to the programs put in the VM).
#
#   make bench    boot BENCH_KERNEL BENCH_BOOTS times, run every case
#                 BENCH_PASSES times per boot, report under build/bench/
#
# Outputs:
#   build/bench/iomd-bench     the benchmark program (static, in the VM's
#                              /iomd/bin)
#   build/bench/bench_smoke    `make check`'s smoke test of the suite
#   build/bench/report.txt, report.md, results.json, cost-per-page.{png,svg}
#                              the report of the last `make bench`
# The kernel half, bench/kernel/iomd_bench.c, is built with the modules by
# kernel/build.sh.

# Kernel to benchmark (the debug kernel distorts timing):
BENCH_KERNEL ?= 6.12
# Boots; the report gives the spread between them:
BENCH_BOOTS ?= 3
# Passes per boot, at least 7:
BENCH_PASSES ?= 7
# Buffer sizes of cases 1-3 (bytes, K, M, G; whole pages); empty = a page
# (4K) to 256M by powers of 4:
BENCH_SIZES ?=
# Only these case numbers (e.g. "1 4") / case-name globs (e.g. "c4.*"):
BENCH_GROUPS ?=
BENCH_CASES ?=
# Guest memory (MiB): 256 MiB buffers, twice over, plus the kernel:
BENCH_MEM ?= 2048
# QEMU -cpu model.  Without ERMS/FSRM the kernel zeroes and copies with
# rep stosq/movsq; TCG emulates rep stosb/movsb byte by byte, which makes
# page zeroing and copies cost ~8x their share on hardware and would drown
# every other difference (docs/benchmarks.md):
BENCH_CPU ?= max,-erms,-fsrm
# Seconds one boot may take (the VM is killed after that):
BENCH_TIMEOUT ?= 1800

# $(call bench_dir,ARCH): where the benchmark programs for ARCH are built
# (build/bench-ARCH for another architecture than the host's; mk/user.mk)
bench_dir = build/bench$(if $(filter-out $(HOST_ARCH),$(1)),-$(1))
BENCH_BUILD	:= $(call bench_dir,$(USER_ARCH))
BENCH_OBJ	:= $(BENCH_BUILD)/obj
BENCH_BIN	:= $(BENCH_BUILD)/iomd-bench
BENCH_SMOKE	:= $(BENCH_BUILD)/bench_smoke
BENCH_SRCS	:= bench/main.c bench/util.c bench/case_map.c \
		   bench/case_wire.c bench/case_alloc.c bench/case_exchange.c \
		   bench/case_small.c bench/case_describe.c
BENCH_OBJS	:= $(patsubst bench/%.c,$(BENCH_OBJ)/%.o,$(BENCH_SRCS))
# Cases share one signature and not every case uses every argument.
BENCH_CFLAGS	:= -Wno-unused-parameter

# The smoke test is one more test program of `make check`, and the
# benchmark program goes to the VM's $PATH; both are built with the other
# user-space programs.
VM_TEST_BINS ?= $(USER_TEST_BINS) $(BENCH_SMOKE)
VM_TOOL_BINS ?= $(USER_TOOL_BINS) $(BENCH_BIN)
VM_TEST_BINS_arm64 ?= $(call user_test_bins,arm64) \
		      $(call bench_dir,arm64)/bench_smoke
VM_TOOL_BINS_arm64 ?= $(call user_tool_bins,arm64) \
		      $(call bench_dir,arm64)/iomd-bench
user: $(BENCH_BIN) $(BENCH_SMOKE)

# -DIOMD_VERSION is on the command line, as for mk/user.mk's objects.
$(BENCH_OBJS): VERSION

$(BENCH_OBJS): $(BENCH_OBJ)/%.o: bench/%.c
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CPPFLAGS) $(USER_BASE_CFLAGS) $(BENCH_CFLAGS) \
		$(USER_CFLAGS) $(USER_DEPFLAGS) -c -o $@ $<

# liburing (liburing-dev) for case 3's baseline, linked statically too.
$(BENCH_BIN): $(BENCH_OBJS) $(USER_LIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -static $(USER_LDFLAGS) \
		-o $@ $^ -luring

$(BENCH_SMOKE): bench/bench_smoke.sh
	@mkdir -p $(@D)
	cp $< $@
	chmod 755 $@

# make bench needs the same Debian packages as make check (liburing-dev
# and gnuplot-nox are among them) and those of its kernel; the top Makefile
# installs them.
deps_bench = base $(call kernel_deps,$(BENCH_KERNEL))

.PHONY: bench
bench: $(call kernel_user_targets,$(BENCH_KERNEL)) \
		$(call kernel_prereqs,$(BENCH_KERNEL))
	@$(vm_env) $(call vm_arch_env,$(BENCH_KERNEL)) VM_MEM='$(strip $(BENCH_MEM))' VM_CPU='$(strip $(BENCH_CPU))' \
		VM_TIMEOUT='$(strip $(BENCH_TIMEOUT))' \
		TEST_TIMEOUT='$(strip $(BENCH_TIMEOUT))' \
		VM_MODULES='iomd iomd_bench' \
		BENCH_BOOTS='$(strip $(BENCH_BOOTS))' \
		BENCH_PASSES='$(strip $(BENCH_PASSES))' \
		BENCH_SIZES='$(strip $(BENCH_SIZES))' \
		BENCH_GROUPS='$(strip $(BENCH_GROUPS))' \
		BENCH_CASES='$(strip $(BENCH_CASES))' \
		bench/run.sh \
		$(call kernel_spec,$(call known_kernels,$(strip $(BENCH_KERNEL))))

-include $(BENCH_OBJS:.o=.d)
