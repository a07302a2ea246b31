# mk/install.mk: `make install` and `make uninstall`.
#
# Installs, under $(DESTDIR) (empty: this machine; a directory: a staging
# root, as packagers use):
#
#   /lib/modules/$(KVER)/updates/iomd.ko   the module, built for KVER; then
#                                 depmod, unless DESTDIR is set
#   $(INCLUDEDIR)/libiomd.h, $(INCLUDEDIR)/linux/iomd.h
#                                 the library's header and the ABI
#   $(IOMD_KINCLUDEDIR)/linux/iomd.h, .../uapi/linux/iomd.h
#                                 the in-kernel API, for drivers
#                                 (-I$(IOMD_KINCLUDEDIR))
#   $(IOMD_SYMVERSDIR)/$(KVER)/Module.symvers
#                                 iomd's exported symbols, for drivers'
#                                 KBUILD_EXTRA_SYMBOLS
#   $(LIBDIR)/libiomd.a, libiomd.so.MAJOR.MINOR.PATCH, the soname link
#                                 libiomd.so.1 and the link libiomd.so
#   $(PKGCONFIGDIR)/iomd.pc       pkg-config --cflags --libs iomd; its
#                                 variables kernel_includedir and
#                                 symversdir point drivers at the above
#   $(BINDIR)/iomdctl             the tool (dynamically linked)
#   $(MANDIR)/man{3,4,8,9}/       the manual pages (make man)
#   $(UDEVRULESDIR)/60-iomd.rules /dev/iomd for group iomd
#
# make install-user installs everything but the module (no kernel needed);
# make install-module the module, Module.symvers, the headers and iomd.pc.
# make install-check stages an install and uses it as a packager and a
# driver author would (scripts/install-check.sh).

PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
UDEVRULESDIR	?= /etc/udev/rules.d
IOMD_KINCLUDEDIR ?= $(INCLUDEDIR)/iomd/kernel
IOMD_SYMVERSDIR	?= $(LIBDIR)/iomd
# The kernel the module is built and installed for: the running one, or
# when its headers are not installed, the newest kernel whose are (worked
# out once, when first used); its build tree.
KVER		?= $(eval KVER := $(shell r=$$(uname -r); \
		   if [ -d /lib/modules/$$r/build ]; then echo $$r; \
		   else scripts/find-kernel.sh '*' || echo $$r; fi))$(KVER)
KDIR		?= /lib/modules/$(KVER)/build
MODDIR		?= /lib/modules/$(KVER)/updates
INSTALL		?= install
DEPMOD		?= depmod

# Where install-module takes iomd.ko and src/Module.symvers from: a
# directory kernel/build.sh filled (IOMD_PREBUILT=build/kernel/6.12 reuses
# make check's build); by default it builds them there first.
IOMD_PREBUILT	?=
INSTALL_KBUILD	= $(or $(IOMD_PREBUILT),$(BUILD)/install/kernel/$(KVER))

# make install needs kernel-doc (linux-source-6.12) for the manual pages.
deps_install = man
deps_install-user = man
deps_man = man

.PHONY: install install-user install-module uninstall install-check install-lib \
	install-headers install-tools install-man install-udev

install: install-user install-module

install-user: install-lib install-headers install-tools install-man \
	install-udev

# iomd.pc, written at install time: its paths are those of this install
# (PREFIX, LIBDIR, ...), so it is never a stale copy of another one's.
define iomd_pc
prefix=$(PREFIX)
libdir=$(LIBDIR)
includedir=$(INCLUDEDIR)
# For drivers: -I$${kernel_includedir}, and
# KBUILD_EXTRA_SYMBOLS=$${symversdir}/<kernel release>/Module.symvers
kernel_includedir=$(IOMD_KINCLUDEDIR)
symversdir=$(IOMD_SYMVERSDIR)

Name: iomd
Description: libiomd, user-space access to iomd memory descriptors
Version: $(IOMD_VERSION)
Libs: -L$${libdir} -liomd
Cflags: -I$${includedir}
endef
export iomd_pc

# The tool as installed: linked against the shared library (the VM's copy
# in build/user/iomdctl is static).
$(USER_BUILD)/dyn/iomdctl: $(USER_OBJ)/tools/iomdctl.o $(USER_SOLIB)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_BASE_CFLAGS) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ \
		$< -L$(USER_BUILD) -liomd

install-lib: $(USER_LIB) $(USER_SOLIB)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 644 $(USER_LIB) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(USER_SOLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(USER_SOLIB)) \
		$(DESTDIR)$(LIBDIR)/libiomd.so.$(LIBIOMD_SOVERSION)
	ln -sf libiomd.so.$(LIBIOMD_SOVERSION) $(DESTDIR)$(LIBDIR)/libiomd.so

# The headers and iomd.pc, which also tells drivers where iomd's kernel
# headers and Module.symvers are.
install-headers:
	$(INSTALL) -d $(DESTDIR)$(PKGCONFIGDIR)
	printf '%s\n' "$$iomd_pc" >$(DESTDIR)$(PKGCONFIGDIR)/iomd.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/iomd.pc
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(IOMD_KINCLUDEDIR)/linux \
		$(DESTDIR)$(IOMD_KINCLUDEDIR)/uapi/linux
	$(INSTALL) -m 644 lib/include/libiomd.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 644 include/uapi/linux/iomd.h $(DESTDIR)$(INCLUDEDIR)/linux/
	$(INSTALL) -m 644 include/linux/iomd.h $(DESTDIR)$(IOMD_KINCLUDEDIR)/linux/
	$(INSTALL) -m 644 include/uapi/linux/iomd.h \
		$(DESTDIR)$(IOMD_KINCLUDEDIR)/uapi/linux/

install-tools: $(USER_BUILD)/dyn/iomdctl
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $< $(DESTDIR)$(BINDIR)/iomdctl

# The manual pages, from the kernel-doc in the sources (scripts/mkman.sh;
# kernel-doc comes from linux-source-6.12, deps group lint): libiomd's
# functions in section 3, the in-kernel API in 9, iomd(4), iomdctl(8).
MAN_DIR		:= $(BUILD)/man
MAN_SRCS	:= lib/include/libiomd.h include/linux/iomd.h \
		   include/uapi/linux/iomd.h $(wildcard kernel/*.c kernel/*/*.c) \
		   $(wildcard man/*.in) scripts/mkman.sh VERSION

.PHONY: man
man: $(MAN_DIR)/.stamp
$(MAN_DIR)/.stamp: $(MAN_SRCS)
	@BUILD='$(BUILD)' scripts/mkman.sh $(MAN_DIR)
	@touch $@

install-man: $(MAN_DIR)/.stamp
	@set -e; for page in $(MAN_DIR)/*.[0-9]; do \
		sec=$${page##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$sec; \
		$(INSTALL) -m 644 $$page $(DESTDIR)$(MANDIR)/man$$sec/; \
	done
	@echo "  INSTALL $$(ls $(MAN_DIR)/*.[0-9] | wc -l) manual pages in $(MANDIR)"

install-udev:
	$(INSTALL) -d $(DESTDIR)$(UDEVRULESDIR)
	$(INSTALL) -m 644 udev/60-iomd.rules $(DESTDIR)$(UDEVRULESDIR)/

# iomd.ko alone (IOMD_EXTRAS=0), built by kernel/build.sh for KVER.
install-module: install-headers
	@if [ ! -d '$(KDIR)' ]; then \
		echo "install: no kernel build tree $(KDIR); install the headers of $(KVER) or set KVER=<release>" >&2; \
		exit 1; \
	fi
	@echo "  MODULE  iomd.ko for $(KVER)"
	$(if $(IOMD_PREBUILT),,IOMD_EXTRAS=0 $(KMOD_BUILD) '$(KDIR)' '$(abspath $(INSTALL_KBUILD))')
	$(INSTALL) -d $(DESTDIR)$(MODDIR) $(DESTDIR)$(IOMD_SYMVERSDIR)/$(KVER)
	$(INSTALL) -m 644 $(INSTALL_KBUILD)/iomd.ko $(DESTDIR)$(MODDIR)/
	$(INSTALL) -m 644 $(INSTALL_KBUILD)/src/Module.symvers \
		$(DESTDIR)$(IOMD_SYMVERSDIR)/$(KVER)/
	$(if $(DESTDIR),@echo "  (staging into $(DESTDIR): depmod not run)",$(DEPMOD) -a $(KVER))

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/iomd.ko
	rm -rf $(DESTDIR)$(IOMD_SYMVERSDIR)/$(KVER)
	-rmdir $(DESTDIR)$(IOMD_SYMVERSDIR) 2>/dev/null
	rm -f $(DESTDIR)$(LIBDIR)/libiomd.a $(DESTDIR)$(LIBDIR)/libiomd.so \
		$(DESTDIR)$(LIBDIR)/libiomd.so.$(LIBIOMD_SOVERSION) \
		$(DESTDIR)$(LIBDIR)/$(notdir $(USER_SOLIB)) \
		$(DESTDIR)$(PKGCONFIGDIR)/iomd.pc
	rm -f $(DESTDIR)$(INCLUDEDIR)/libiomd.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/iomd.h
	rm -rf $(DESTDIR)$(INCLUDEDIR)/iomd
	rm -f $(DESTDIR)$(BINDIR)/iomdctl $(DESTDIR)$(BINDIR)/iomd-selftests
	rm -rf $(DESTDIR)$(SELFTESTDIR)
	-rmdir $(DESTDIR)$(PREFIX)/lib/iomd 2>/dev/null
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-iomd.rules
	rm -f $(DESTDIR)$(MANDIR)/man3/iomd_*.3 $(DESTDIR)$(MANDIR)/man3/libiomd.3 \
		$(DESTDIR)$(MANDIR)/man4/iomd.4 $(DESTDIR)$(MANDIR)/man8/iomdctl.8 \
		$(DESTDIR)$(MANDIR)/man9/iomd_*.9 \
		$(DESTDIR)$(MANDIR)/man9/struct_iomd_*.9
	$(if $(DESTDIR),,-[ ! -d /lib/modules/$(KVER) ] || $(DEPMOD) -a $(KVER))

# Stage `make install` in a temporary root for the 6.12 kernel, use it
# (pkg-config, a program linked against libiomd.so, symbol versions, the
# out-of-tree driver of samples/consumer/), then `make uninstall` it.
deps_install-check = base pkg man
install-check: $(USER_TARGET)
	@BUILD='$(BUILD)' KMOD_BUILD='$(KMOD_BUILD)' scripts/install-check.sh \
		'$(KVER_6.12)'

# DKMS: the source tree /usr/src/iomd-VERSION (dkms.conf and the module's
# sources), for `dkms add/build/install -m iomd -v VERSION`.
DKMS_SRCDIR	?= /usr/src/iomd-$(IOMD_VERSION)

.PHONY: dkms-source dkms-check
dkms-source:
	scripts/dkms-tree.sh $(DESTDIR)$(DKMS_SRCDIR)

# The real `dkms add` and `dkms build` against the installed 6.1 and 6.12
# kernels, in a temporary tree it removes (scripts/dkms-check.sh).
deps_dkms-check = base pkg
dkms-check:
	@scripts/dkms-check.sh $(KVER_6.1) $(KVER_6.12)

# Debian packages: iomd-dkms, libiomd1, libiomd-dev, iomd-tools, built by
# dpkg-buildpackage -b -us -uc in a copy of the tree under $(DEB_DIR)
# (scripts/mkdeb.sh); the .deb files land in $(DEB_DIR).  deb-check
# installs them (dpkg -i), uses them and purges them (scripts/deb-check.sh).
DEB_DIR		:= $(BUILD)/deb
deps_deb = pkg man
deps_deb-check = pkg man

.PHONY: deb deb-check
deb:
	@scripts/mkdeb.sh $(DEB_DIR)

deb-check: deb
	@scripts/deb-check.sh $(DEB_DIR)

# The tests, as a selftest directory for a machine with the module loaded
# (tests/iomd-selftests.sh runs them, KTAP): the static test programs in
# $(SELFTESTDIR), the runner as $(BINDIR)/iomd-selftests.
SELFTESTDIR	?= $(PREFIX)/lib/iomd/selftests

.PHONY: install-tests
install-tests: $(USER_TEST_BINS)
	$(INSTALL) -d $(DESTDIR)$(SELFTESTDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(USER_TEST_BINS) $(DESTDIR)$(SELFTESTDIR)/
	$(INSTALL) -m 755 tests/iomd-selftests.sh \
		$(DESTDIR)$(BINDIR)/iomd-selftests
