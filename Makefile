# SPDX-License-Identifier: GPL-2.0
#
# machexc -- Mach exception ports for Linux.
#
#   make                 module (against KDIR), library, tools
#   make selftests       the tests (need linux-source-6.1: make check installs it)
#   make check           everything tested: lint, dkms, packages, four VM lanes
#   make check LANE=6.1 TEST=device_test     one lane, one test
#   make vm LANE=6.12 CMD='...' FILES='...'  a command in a lane's VM
#   make demo            the module at work in a VM
#   make bench           benchmarks in the stock lanes (bench/RESULTS.md)
#   make fuzz            the fuzzer's long run (10^6 calls) in the debug lane
#   make stress          the lanes' selftests with a host thread per vCPU and
#                        the host loaded: races in short kernel windows
#   make lint            checkpatch and sparse over module/
#   make install DESTDIR=... PREFIX=...   (make uninstall, same variables)
#   make deb             Debian packages in build/deb (debian/)

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
KVER ?= $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
	$(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1))
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
export MACHEXC_CACHE ?= $(HOME)/.cache/machexc

O := build
CC ?= gcc
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC \
	-Iuapi -Ilib/include $(CFLAGS)
KSRC := $(MACHEXC_CACHE)/linux-6.1-files
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Iuapi -Ilib/include -isystem $(KSRC) $(CFLAGS)

LIB_SRCS := $(wildcard lib/src/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIB_HDRS := $(shell find lib/include -name '*.h')
MAN3 := $(wildcard lib/man/*.3)
SONAME := libmachexc.so.0
# The tests' shared headers (exc_msgs.h, kprobes.h, proc.h...): a change
# rebuilds every test, as a stale binary would test yesterday's helper.
TEST_HDRS := $(wildcard selftests/machexc/*.h)
TESTS := $(patsubst selftests/machexc/%.c,$(O)/selftests/%,$(wildcard selftests/machexc/*_test.c))

all: module lib tools

.PHONY: all module lib selftests tools install uninstall clean check lint vm demo bench source-files fuzz deb stress

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: install linux-headers-$(KVER) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lib: $(O)/lib/libmachexc.a $(O)/lib/$(SONAME) $(O)/lib/machexc.pc

$(O)/%.o: %.c $(LIB_HDRS) uapi/linux/machexc.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(O)/lib/libmachexc.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Only the API is exported (lib/libmachexc.map); abi-check holds the list.
$(O)/lib/$(SONAME): $(LIB_OBJS) lib/libmachexc.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined \
	    -Wl,--version-script=lib/libmachexc.map $(LDFLAGS) -pthread -o $@ $(LIB_OBJS)
	ln -sf $(SONAME) $(O)/lib/libmachexc.so

$(O)/lib/machexc.pc: lib/machexc.pc.in dkms.conf
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

tools: lib
	@$(if $(wildcard tools/Makefile),$(MAKE) -C tools O=$(CURDIR)/$(O)/tools,true)

# Selftests are static so that the VM needs no shared libraries.  They use
# the kernel's own kselftest_harness.h, taken from linux-source-6.1.
source-files:
	@selftests/source-files.sh $(KSRC)

# Programs the selftests run as targets (dbg_test's): dynamically linked
# PIEs with debug info, unoptimized so that lines and steps are stable;
# lane.sh ships them into the VM with their libraries.
TEST_PROGS := $(patsubst selftests/machexc/progs/%.c,$(O)/selftests-progs/%,$(wildcard selftests/machexc/progs/*.c))
$(O)/selftests-progs/%: selftests/machexc/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O0 -g -fPIE -pie -o $@ $< -pthread

selftests: source-files $(TESTS) $(TEST_PROGS)

$(O)/selftests/%: selftests/machexc/%.c $(O)/lib/libmachexc.a $(LIB_HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -static -o $@ $< $(O)/lib/libmachexc.a -pthread

# netlink_test talks to the family through libmnl, which Debian ships as a
# shared library only: linked dynamically (lane.sh brings its libraries).
$(O)/selftests/netlink_test: selftests/machexc/netlink_test.c $(O)/lib/libmachexc.a $(LIB_HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(O)/lib/libmachexc.a -pthread -lmnl

# The fuzzer is several files (selftests/machexc/fuzz.h says which is what).
FUZZ_SRCS := selftests/machexc/fuzz_test.c \
	$(filter-out selftests/machexc/fuzz_test.c,$(wildcard selftests/machexc/fuzz_*.c))
$(O)/selftests/fuzz_test: $(FUZZ_SRCS) $(O)/lib/libmachexc.a $(LIB_HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -static -o $@ $(FUZZ_SRCS) $(O)/lib/libmachexc.a -pthread

install: lib tools
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/machexc/linux
	install -m 644 $(O)/lib/libmachexc.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(O)/lib/$(SONAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libmachexc.so
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
	    lib/machexc.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/machexc.pc
	install -m 644 uapi/linux/machexc.h uapi/linux/machexc_netlink.h $(DESTDIR)$(INCLUDEDIR)/machexc/linux/
	cd lib/include && find . -name '*.h' -exec install -D -m 644 {} $(DESTDIR)$(INCLUDEDIR)/machexc/{} \;
	install -d $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/
	@$(if $(wildcard tools/Makefile),$(MAKE) -C tools O=$(CURDIR)/$(O)/tools install DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) MANDIR=$(MANDIR) SYSTEMDUNITDIR=$(SYSTEMDUNITDIR),true)

# What install put there, and nothing else.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libmachexc.a $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libmachexc.so $(DESTDIR)$(LIBDIR)/pkgconfig/machexc.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/machexc
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	@$(if $(wildcard tools/Makefile),$(MAKE) -C tools O=$(CURDIR)/$(O)/tools uninstall DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) MANDIR=$(MANDIR) SYSTEMDUNITDIR=$(SYSTEMDUNITDIR),true)

check:
	selftests/check.sh $(LANE)

# Debian packages (debian/), built from a copy of the tracked files so that
# dpkg-buildpackage's results land in $(O)/deb and not above the checkout.
deb:
	rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	git ls-files -co --exclude-standard | grep -v '^$(O)/' | cpio -pdm --quiet $(O)/deb/src
	cd $(O)/deb/src && dpkg-buildpackage -b -us -uc

lint:
	selftests/lint.sh

# CMD goes through the environment untouched, so '$$x' reaches the VM's shell.
vm: export MACHEXC_VM_CMD := $(value CMD)
vm:
	@test -n "$(LANE)" || { echo "usage: make vm LANE=6.1|6.12|sid|debug CMD='...' [FILES='...']" >&2; exit 1; }
	selftests/vm/run-cmd.sh "$(LANE)" "$$MACHEXC_VM_CMD" $(FILES)

demo:
	selftests/demo.sh

# The fuzzer's long run, in the debug lane and outside make check (which
# runs the short one): FUZZ_CALLS calls from FUZZ_SEED, FUZZ_ARGS added to
# fuzz_test's options (see selftests/machexc/fuzz_test.c).  It fails as a
# lane does: a failed check, a kernel splat or taint, or a kmemleak report
# once the module is unloaded.
FUZZ_CALLS ?= 1000000
FUZZ_SEED ?= 1
FUZZ_ARGS ?=
FUZZ_TIMEOUT ?= 21600
FUZZ_CMD := k=/sys/kernel/debug/kmemleak; \
	if [ -e $$k ]; then echo scan > $$k; echo scan > $$k; echo clear > $$k; fi; \
	fuzz_test --calls $(FUZZ_CALLS) --seed $(FUZZ_SEED) $(FUZZ_ARGS); rc=$$?; \
	rmmod machexc || rc=1; \
	if [ -e $$k ]; then sleep 6; echo scan > $$k; echo scan > $$k; \
	if grep -q unreferenced $$k; then echo kmemleak:; cat $$k; rc=1; fi; fi; \
	exit $$rc
fuzz: export MACHEXC_VM_TIMEOUT := $(FUZZ_TIMEOUT)
fuzz: lib selftests
	selftests/vm/run-cmd.sh debug '$(FUZZ_CMD)' $(O)/selftests/fuzz_test

# The lanes' selftests under preemption: a host thread per vCPU and busy
# loops on the host (selftests/stress.sh; STRESS_LOAD, STRESS_ROUNDS, TEST).
# Outside make check, as make fuzz and make bench are.
stress:
	selftests/stress.sh $(LANE)

# Figures, never pass/fail: see bench/RESULTS.md.
bench:
	bench/run.sh $(LANE)

clean:
	rm -rf $(O)
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
