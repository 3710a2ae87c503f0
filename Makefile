# fpms: one non-recursive build for the library, every tool, the tests and the man pages.
#
#   make            build lib/libfpms.a and bin/*
#   make check      install what is missing (Debian), build, run every test (TAP through prove)
#   make study      install, build, run the default study (pipelines/tiny)
#   make asan       build with AddressSanitizer + UBSan into build-asan/ and run the tests with it
#   make valgrind   run the unit tests and the tools' tests under valgrind
#   make bench      benchmarks against the peers (tests/bench), printed as ratios
#   make install PREFIX=/usr/local
#   make lint       mandoc -Tlint, clang-format check, include-boundary check

PREFIX  ?= /usr/local
BUILD   ?= build
BIN     ?= bin
LIBFPMS ?= lib/libfpms.a

PKGS    := fftw3 lapacke netcdf libxc blas spglib
WERROR  ?= -Werror
OPT     ?= -O2
CC      ?= cc
CFLAGS  ?= -std=c11 $(OPT) -g -fopenmp -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla -Wformat=2 -Wundef -Wpointer-arith $(SAN)
# CHOLMOD (Debian libsuitesparse-dev ships no .pc file): fe-solve's direct solver
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP \
	   $(shell pkg-config --cflags $(PKGS) gsl 2>/dev/null) -I/usr/include/suitesparse
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
	   $(shell pkg-config --define-variable=GSL_CBLAS_LIB=-lblas --libs gsl 2>/dev/null) \
	   -lcholmod -lfftw3_omp -lm
LDFLAGS += -fopenmp $(SAN)

LIB_SRC  := $(sort $(wildcard lib/*/*.c formats/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*_test.c))
HELP_SRC := $(sort $(wildcard tests/helpers/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOLS    := $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/bin/%)
HELPERS  := $(HELP_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/bin/%)

GIT_REV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

.PHONY: all deps check test unit cli study asan valgrind bench install lint regen ref-update clean
.DELETE_ON_ERROR:

all: $(LIBFPMS) $(TOOLS) $(UNITS) $(HELPERS)

deps:
	@.ci/deps

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DFPMS_GIT='"$(GIT_REV)"' $(CFLAGS) -c -o $@ $<

$(LIBFPMS): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(BUILD)/cmd/%.o $(LIBFPMS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBFPMS) $(LDLIBS)

$(BUILD)/tests/unit/bin/%: $(BUILD)/tests/unit/%.o $(LIBFPMS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBFPMS) $(LDLIBS)

# Small test-only programs (format round trips driven by the ASE tests)
$(BUILD)/tests/helpers/bin/%: $(BUILD)/tests/helpers/%.o $(LIBFPMS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBFPMS) $(LDLIBS)

# Tests: unit tests are TAP programs; CLI tests are BATS files; both through prove.
# FPMS_BIN tells the CLI tests which binaries to run (bin/ or build-asan/bin/).
TEST_ENV := FPMS_BIN=$(abspath $(BIN)) FPMS_HELPERS=$(abspath $(BUILD)/tests/helpers/bin) \
	    FPMS_ROOT=$(CURDIR) OMP_NUM_THREADS=2

check: deps
	$(MAKE) all
	$(MAKE) test

test: unit cli

unit: $(UNITS)
	$(TEST_ENV) prove --exec '' $(UNITS)

cli: $(TOOLS) $(HELPERS)
	$(TEST_ENV) prove --exec 'bats --tap' tests/cli/*.bats

study: deps
	$(MAKE) all
	$(MAKE) -C pipelines/tiny FPMS_BIN=$(abspath $(BIN))

SAN := 
asan: deps
	$(MAKE) BUILD=build-asan BIN=build-asan/bin LIBFPMS=build-asan/libfpms.a OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	$(MAKE) BUILD=build-asan BIN=build-asan/bin LIBFPMS=build-asan/libfpms.a OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

valgrind: all
	@for t in $(UNITS); do \
	  echo "valgrind $$t"; \
	  $(TEST_ENV) valgrind -q --error-exitcode=1 --leak-check=full --suppressions=tests/valgrind.supp $$t \
	    > /dev/null || exit 1; \
	done
	FPMS_VALGRIND=1 $(TEST_ENV) prove --exec 'bats --tap' tests/cli/*.bats

bench: all
	sh .ci/deps --bench
	@for b in tests/bench/*.sh; do $(TEST_ENV) sh "$$b" || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5

lint:
	mandoc -Tlint -W warning man/*.1 man/*.5
	clang-format --dry-run -Werror $(LIB_SRC) $(CMD_SRC) $(UNIT_SRC) $(wildcard lib/*/*.h formats/*.h)
	@! grep -n '#include ".*_impl.h"' cmd/*.c formats/*.c tests/unit/*.c || \
	  { echo "lint: a private *_impl.h is included outside its directory"; exit 1; }

# Regenerates the stored peer numbers (ABINIT, FreeFEM, ...) with the peers installed; never in CI.
ref-update: all
	@for r in tests/ref/*/regen.sh; do echo "ref-update: $$r"; FPMS_BIN=$(abspath $(BIN)) FPMS_ROOT=$(CURDIR) sh "$$r" || exit 1; done

regen:
	/usr/bin/python3 lib/core/gen/gen_elements.py > lib/core/gen/elements.h

clean:
	rm -rf $(BUILD) build-asan $(BIN) lib/libfpms.a

-include $(LIB_OBJ:.o=.d) $(CMD_SRC:%.c=$(BUILD)/%.d) $(UNIT_SRC:%.c=$(BUILD)/%.d) \
	 $(HELP_SRC:%.c=$(BUILD)/%.d)
