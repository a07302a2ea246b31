# SPDX-License-Identifier: GPL-2.0
#
# User-space part of iomd: libiomd, the tests under tests/user/, iomdctl
# and the demo.  Included by the top-level Makefile, which runs from the
# repository root; every path here is relative to it.  Everything is linked
# statically so that it runs in a minimal (busybox) guest.
#
# Outputs:
#   build/user/libiomd.a          the library (the tests link it statically)
#   build/user/libiomd.so.$(IOMD_VERSION)  the shared library (soname
#                                 libiomd.so.$(LIBIOMD_SOVERSION), symbols
#                                 versioned by lib/libiomd.map)
#   $(USER_TEST_BINS)             TAP test programs, build/user/tests/*
#   $(USER_DEMO_BIN)              build/user/iomd-demo
#   $(USER_TOOL_BINS)             build/user/iomdctl
#
# Programs for the VMs of another architecture (the arm64 kernels) are
# cross-built into build/user-ARCH/ by `make user-ARCH`, which runs this
# file again with USER_ARCH=ARCH (Debian's name of the architecture).
#
# Standalone use: make -f mk/user.mk user

# Debian's name of the architecture programs are built for (HOST_ARCH:
# the top Makefile).
USER_ARCH	?= $(HOST_ARCH)

# Cross compilers by architecture (Debian's gcc-<triplet> packages; they
# find the arm64 multiarch libraries, liburing-dev:arm64, on their own).
USER_CROSS_arm64 := aarch64-linux-gnu-

# $(call user_dir,ARCH): where the programs for ARCH are built;
# $(call user_test_bins,ARCH) & co.: those programs.
user_dir = build/user$(if $(filter-out $(HOST_ARCH),$(1)),-$(1))
user_test_bins = $(addprefix $(call user_dir,$(1))/tests/,$(USER_TEST_NAMES) fuzz)
user_preload_tests = $(call user_dir,$(1))/pretests/modprobe_consumer
user_demo_bin = $(call user_dir,$(1))/iomd-demo
user_tool_bins = $(call user_dir,$(1))/iomdctl

USER_BUILD	:= $(call user_dir,$(USER_ARCH))
USER_OBJ	:= $(USER_BUILD)/obj

ifeq ($(USER_ARCH),$(HOST_ARCH))
USER_CC		?= $(CC)
USER_AR		?= $(AR)
else
ifeq ($(USER_CROSS_$(USER_ARCH)),)
$(error no cross compiler known for USER_ARCH=$(USER_ARCH))
endif
USER_CC		:= $(USER_CROSS_$(USER_ARCH))gcc
USER_AR		:= $(USER_CROSS_$(USER_ARCH))ar
endif
# USER_CFLAGS and USER_LDFLAGS may be overridden; the language level and
# warnings in USER_BASE_CFLAGS and -static may not.
USER_CFLAGS	?= -O2 -g
USER_BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror
# One version for everything (the module's too): the VERSION file.
IOMD_VERSION	:= $(strip $(shell cat VERSION))
USER_CPPFLAGS	:= -Iinclude/uapi -Ilib/include -D_GNU_SOURCE \
		   -D_FILE_OFFSET_BITS=64 -DIOMD_VERSION='"$(IOMD_VERSION)"'
USER_DEPFLAGS	:= -MMD -MP
USER_LDFLAGS	?=

USER_LIB	:= $(USER_BUILD)/libiomd.a
USER_LIB_SRCS	:= lib/libiomd.c
# The shared library: its soname's number changes only when the ABI of
# the library does (a symbol removed or changed); new functions get a new
# node in the version map.
LIBIOMD_SOVERSION := 1
USER_SOLIB	:= $(USER_BUILD)/libiomd.so.$(IOMD_VERSION)
USER_SOLIB_MAP	:= lib/libiomd.map
USER_PIC_OBJ	:= $(USER_BUILD)/pic
USER_SOLIB_OBJS	:= $(patsubst %.c,$(USER_PIC_OBJ)/%.o,$(USER_LIB_SRCS))

# Support code linked into every test program.
USER_TEST_SUPPORT_SRCS := tests/user/tap.c tests/user/iomd_test.c

# One test program per source file.
USER_TEST_NAMES	:= buffer_basic buffer_map buffer_errors buffer_lifetime \
		   map_cache map_fork map_huge map_interop map_options \
		   map_readonly map_revoke map_shared \
		   zone_sample zone_usercopy user_basic user_errors user_memlock \
		   user_share user_object user_charge user_diskfile user_lifetime \
		   dmabuf_export dev_access memcg_limit composite_basic \
		   composite_errors dma_segments fault_inject quiet_log killable \
		   version reason_fd iomdctl_cli edu_dma edu_misuse \
		   dmabuf_import edu_dmabuf handles user_wire_race \
		   copy_stall
USER_UNIT_BINS	:= $(addprefix $(USER_BUILD)/tests/,$(USER_TEST_NAMES))
# The fuzzer (tests/fuzz/), one more test program, named fuzz in the VM.
USER_FUZZ_BIN	:= $(USER_BUILD)/tests/fuzz
USER_FUZZ_SRCS	:= tests/fuzz/iomd_fuzz.c
USER_TEST_BINS	:= $(call user_test_bins,$(USER_ARCH))
# Libraries some tests link besides libiomd (liburing-dev, static too).
$(USER_BUILD)/tests/map_interop: USER_TEST_LIBS := -luring
# Tests the VM runs before it loads any module (tests/modprobe/*.sh).
USER_PRELOAD_TESTS := $(call user_preload_tests,$(USER_ARCH))
USER_DEMO_BIN	:= $(call user_demo_bin,$(USER_ARCH))
USER_TOOL_BINS	:= $(call user_tool_bins,$(USER_ARCH))

USER_SRCS	:= $(USER_LIB_SRCS) $(USER_TEST_SUPPORT_SRCS) \
		   $(addprefix tests/user/,$(addsuffix .c,$(USER_TEST_NAMES))) \
		   $(USER_FUZZ_SRCS) tools/iomd-demo.c tools/iomdctl.c
USER_OBJS	:= $(patsubst %.c,$(USER_OBJ)/%.o,$(USER_SRCS))
USER_LIB_OBJS	:= $(patsubst %.c,$(USER_OBJ)/%.o,$(USER_LIB_SRCS))
USER_TEST_SUPPORT_OBJS := $(patsubst %.c,$(USER_OBJ)/%.o, \
			  $(USER_TEST_SUPPORT_SRCS))

.PHONY: user user-clean

user: $(USER_TEST_BINS) $(USER_DEMO_BIN) $(USER_TOOL_BINS) $(USER_SOLIB) \
	$(USER_PRELOAD_TESTS)

$(USER_PRELOAD_TESTS): $(USER_BUILD)/pretests/%: tests/modprobe/%.sh
	@mkdir -p $(@D)
	cp $< $@
	chmod 755 $@

# user-ARCH: the same programs cross-built for ARCH into build/user-ARCH/
# (and the benchmark's into build/bench-ARCH/).
.PHONY: $(addprefix user-,$(filter-out $(HOST_ARCH),arm64))
$(addprefix user-,$(filter-out $(HOST_ARCH),arm64)): user-%:
	$(MAKE) --no-print-directory USER_ARCH=$* user

# Static pattern rules, so that they cannot capture the including
# Makefile's targets.  Header dependencies come from the -MMD files; -MP
# keeps a removed header from breaking the build.
$(USER_OBJS): $(USER_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CPPFLAGS) $(USER_BASE_CFLAGS) $(USER_CFLAGS) \
		$(USER_DEPFLAGS) -c -o $@ $<

# The version is on every command line (-DIOMD_VERSION): a new VERSION
# rebuilds everything, not a list of the files that use it today (a
# list missed tests/user/iomdctl_cli.c).
$(USER_OBJS) $(USER_SOLIB_OBJS): VERSION

$(USER_SOLIB_OBJS): $(USER_PIC_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CPPFLAGS) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -fPIC \
		$(USER_DEPFLAGS) -c -o $@ $<

# The map exports the functions it lists, each with its version node, and
# keeps everything else out of the dynamic symbol table.
$(USER_SOLIB): $(USER_SOLIB_OBJS) $(USER_SOLIB_MAP)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -shared $(USER_LDFLAGS) \
		-Wl,-soname,libiomd.so.$(LIBIOMD_SOVERSION) \
		-Wl,--version-script=$(USER_SOLIB_MAP) -Wl,-z,defs \
		-o $@ $(USER_SOLIB_OBJS)
	ln -sf $(@F) $(USER_BUILD)/libiomd.so.$(LIBIOMD_SOVERSION)
	ln -sf libiomd.so.$(LIBIOMD_SOVERSION) $(USER_BUILD)/libiomd.so

$(USER_LIB): $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(USER_AR) rcs $@ $^

$(USER_UNIT_BINS): $(USER_BUILD)/tests/%: $(USER_OBJ)/tests/user/%.o \
		 $(USER_TEST_SUPPORT_OBJS) $(USER_LIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -static $(USER_LDFLAGS) \
		-o $@ $^ $(USER_TEST_LIBS)

$(USER_OBJ)/tests/fuzz/%.o: USER_CPPFLAGS += -Itests/user

$(USER_FUZZ_BIN): $(patsubst %.c,$(USER_OBJ)/%.o,$(USER_FUZZ_SRCS)) \
		  $(USER_TEST_SUPPORT_OBJS) $(USER_LIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -static -pthread \
		$(USER_LDFLAGS) -o $@ $^

$(USER_DEMO_BIN) $(USER_TOOL_BINS): $(USER_BUILD)/%: $(USER_OBJ)/tools/%.o \
				 $(USER_LIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -static $(USER_LDFLAGS) \
		-o $@ $^

user-clean:
	rm -rf $(USER_BUILD) $(call user_dir,arm64)

-include $(USER_OBJS:.o=.d) $(USER_SOLIB_OBJS:.o=.d)
