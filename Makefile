# Gazette — build, test and demo.
#
#   make            build bin/gazette-indexer, bin/gazette-searchd, bin/gazette
#   make demo       crawl the bundled demo site, serve it, search it
#   make check      install what is missing, build, run every test: the
#                   suite, the suite under ASan+UBSan, valgrind (what CI runs)
#   make suite      the suite alone, plain build (quicker, while working)
#   make asan       the suite under AddressSanitizer + UBSan
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#
# CC=clang (and CXX=clang++) builds with clang.  `bear -- make` writes
# compile_commands.json for editors.

CC ?= cc
CXX ?= g++
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
BUILD ?= build
BINDIR ?= bin

PKGS := libcurl libxml-2.0 libevent libevent_pthreads jansson inih zlib libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
XAPIAN_CXXFLAGS := $(shell xapian-config --cxxflags 2>/dev/null)
XAPIAN_LIBS := $(shell xapian-config --libs 2>/dev/null)

OPT ?= -O2
SAN ?=
WARN := -Wall -Wextra -Werror
CPPFLAGS += -Iinclude -MMD -MP
CFLAGS += -std=gnu11 $(OPT) -g $(WARN) $(SAN) $(PKG_CFLAGS)
CXXFLAGS += -std=c++17 $(OPT) -g $(WARN) $(SAN) $(XAPIAN_CXXFLAGS)
LDFLAGS += $(SAN)
LDLIBS += $(PKG_LIBS) $(XAPIAN_LIBS) -lpthread

# Debian packages: build, run and test.  Installed by `make deps` when missing.
DEB_PACKAGES := build-essential pkg-config g++ libxapian-dev xapian-tools \
	libcurl4-openssl-dev libxml2-dev libevent-dev libjansson-dev \
	libinih-dev zlib1g-dev libzstd-dev libcmocka-dev python3 python3-pytest \
	python3-pytest-timeout curl groff-base valgrind

LIB_C := $(wildcard lib/*.c)
LIB_CXX := $(wildcard lib/*.cc)
INDEXER_C := $(filter-out indexer/main.c,$(wildcard indexer/*.c))
SEARCHD_C := $(filter-out searchd/main.c,$(wildcard searchd/*.c))
UNIT_C := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(filter %.c,$(1))) \
      $(patsubst %.cc,$(BUILD)/%.o,$(filter %.cc,$(1)))

LIB_A := $(BUILD)/libgazette.a
INDEXER_A := $(BUILD)/libindexer.a
SEARCHD_A := $(BUILD)/libsearchd.a
PROGRAMS := $(BINDIR)/gazette-indexer $(BINDIR)/gazette-searchd $(BINDIR)/gazette
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_C))

.PHONY: all deps check suite test unit e2e demo asan install uninstall clean format format-check bench-tools
# Keep object files make would treat as intermediate (the tests' .o files).
.SECONDARY:
all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(LIB_A): $(call obj,$(LIB_C) $(LIB_CXX))
	@rm -f $@
	ar rcs $@ $^

$(INDEXER_A): $(call obj,$(INDEXER_C))
	@rm -f $@
	ar rcs $@ $^

$(SEARCHD_A): $(call obj,$(SEARCHD_C))
	@rm -f $@
	ar rcs $@ $^

# Linked with the C++ driver: the shim needs the C++ runtime.
$(BINDIR)/gazette-indexer: $(BUILD)/indexer/main.o $(INDEXER_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BINDIR)/gazette-searchd: $(BUILD)/searchd/main.o $(SEARCHD_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BINDIR)/gazette: $(BUILD)/cli/main.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The benchmarks' C tools: the suite builds them (the scripts in bench/ run
# them) so that they keep compiling cleanly with the tree.
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
bench-tools: $(BENCH_BINS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(INDEXER_A) $(SEARCHD_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(INDEXER_A) $(SEARCHD_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

# Install the Debian packages that are missing (as root, or through sudo).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
			|| missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

unit: $(UNIT_BINS)
e2e: $(PROGRAMS)

# The suite: unit tests, then end-to-end tests; one summary line.
suite: deps
	@$(MAKE) --no-print-directory all unit bench-tools
	@BINDIR=$(BINDIR) BUILD=$(BUILD) PYTHON=$(PYTHON) tests/run-all.sh

# What CI runs (.ci/run): the suite, the suite again under ASan+UBSan with
# its own build directory, and memcheck over the shim and one end-to-end path.
check: suite
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory valgrind

test: check

asan:
	@GZ_SANITIZED=1 $(MAKE) --no-print-directory suite BUILD=build-asan BINDIR=build-asan/bin \
		OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

demo: deps
	@$(MAKE) --no-print-directory all
	@BINDIR=$(BINDIR) PYTHON=$(PYTHON) tools/demo.sh

FORMAT_FILES = include/*.h lib/*.c lib/*.cc indexer/*.c searchd/*.c cli/*.c \
	tests/unit/*.c tests/fuzz/*.c tests/fuzz/*.h bench/*.c bench/*.h

# Apply .clang-format to the C and C++ sources, or list those that differ.
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build build-asan build-fuzz build-oom bin .pytest_cache

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Further rules, one file per concern (fuzzing, installation, benchmarks).
-include $(wildcard mk/*.mk)
