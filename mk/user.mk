# SPDX-License-Identifier: GPL-2.0
#
# User-space part of iomd: libiomd, the tests under tests/user/, iomdctl
# and the demo.  Included by the top-level Makefile, which runs from the
# repository root; every path here is relative to it.  Everything is linked
# statically so that it runs in a minimal (busybox) guest.
#
# Outputs:
#   build/user/libiomd.a          the library
#   $(USER_TEST_BINS)             TAP test programs, build/user/tests/*
#   $(USER_DEMO_BIN)              build/user/iomd-demo
#   $(USER_TOOL_BINS)             build/user/iomdctl
#
# Standalone use: make -f mk/user.mk user

USER_BUILD	:= build/user
USER_OBJ	:= $(USER_BUILD)/obj

USER_CC		?= $(CC)
USER_AR		?= $(AR)
# USER_CFLAGS and USER_LDFLAGS may be overridden; the language level and
# warnings in USER_BASE_CFLAGS and -static may not.
USER_CFLAGS	?= -O2 -g
USER_BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror
USER_CPPFLAGS	:= -Iinclude/uapi -Ilib/include -D_GNU_SOURCE \
		   -D_FILE_OFFSET_BITS=64
USER_DEPFLAGS	:= -MMD -MP
USER_LDFLAGS	?=

USER_LIB	:= $(USER_BUILD)/libiomd.a
USER_LIB_SRCS	:= lib/libiomd.c

# Support code linked into every test program.
USER_TEST_SUPPORT_SRCS := tests/user/tap.c tests/user/iomd_test.c

# One test program per source file.
USER_TEST_NAMES	:= buffer_basic buffer_map buffer_errors buffer_lifetime \
		   map_cache map_fork map_huge map_interop map_options \
		   map_readonly map_revoke \
		   zone_sample zone_usercopy user_basic user_errors user_memlock \
		   user_share user_object user_charge user_diskfile user_lifetime dev_access memcg_limit composite_basic composite_errors \
		   dma_segments fault_inject quiet_log killable edu_dma edu_misuse
USER_TEST_BINS	:= $(addprefix $(USER_BUILD)/tests/,$(USER_TEST_NAMES))
# Libraries some tests link besides libiomd (liburing-dev, static too).
$(USER_BUILD)/tests/map_interop: USER_TEST_LIBS := -luring
USER_DEMO_BIN	:= $(USER_BUILD)/iomd-demo
USER_TOOL_BINS	:= $(USER_BUILD)/iomdctl

USER_SRCS	:= $(USER_LIB_SRCS) $(USER_TEST_SUPPORT_SRCS) \
		   $(addprefix tests/user/,$(addsuffix .c,$(USER_TEST_NAMES))) \
		   tools/iomd-demo.c tools/iomdctl.c
USER_OBJS	:= $(patsubst %.c,$(USER_OBJ)/%.o,$(USER_SRCS))
USER_LIB_OBJS	:= $(patsubst %.c,$(USER_OBJ)/%.o,$(USER_LIB_SRCS))
USER_TEST_SUPPORT_OBJS := $(patsubst %.c,$(USER_OBJ)/%.o, \
			  $(USER_TEST_SUPPORT_SRCS))

.PHONY: user user-clean

user: $(USER_TEST_BINS) $(USER_DEMO_BIN) $(USER_TOOL_BINS)

# Static pattern rules, so that they cannot capture the including
# Makefile's targets.  Header dependencies come from the -MMD files; -MP
# keeps a removed header from breaking the build.
$(USER_OBJS): $(USER_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CPPFLAGS) $(USER_BASE_CFLAGS) $(USER_CFLAGS) \
		$(USER_DEPFLAGS) -c -o $@ $<

$(USER_LIB): $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(USER_AR) rcs $@ $^

$(USER_TEST_BINS): $(USER_BUILD)/tests/%: $(USER_OBJ)/tests/user/%.o \
		 $(USER_TEST_SUPPORT_OBJS) $(USER_LIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -static $(USER_LDFLAGS) \
		-o $@ $^ $(USER_TEST_LIBS)

$(USER_DEMO_BIN) $(USER_TOOL_BINS): $(USER_BUILD)/%: $(USER_OBJ)/tools/%.o \
				 $(USER_LIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) -static $(USER_LDFLAGS) \
		-o $@ $^

user-clean:
	rm -rf $(USER_BUILD)

-include $(USER_OBJS:.o=.d)
