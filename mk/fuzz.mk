# mk/fuzz.mk — fuzzing (libFuzzer, clang) and the replay of saved inputs.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="proto url"] [FUZZ_JOBS=1]
#        build every target with clang -fsanitize=fuzzer,address,undefined
#        into build-fuzz/ and run each for FUZZ_SECONDS; new inputs go to
#        build-fuzz/corpus/<target>/, crashes to build-fuzz/artifacts/<target>/,
#        a summary line per target to build-fuzz/fuzz-summary.txt
#   make fuzz-build      only build the fuzzers
#   make fuzz-replay     run every target once over tests/fuzz/corpus/<target>/
#        and tests/fuzz/regressions/<target>/ with a plain main (no libFuzzer),
#        built like the rest of the tree ($(CC), $(BUILD)); `make check` does
#        the same through tests/unit/test_fuzz_replay.c
#   make fuzz-oom        the fail-the-Nth-allocation harness (tests/fuzz/oom.c)
#                        under ASan: every N until each parser completes
#   make clean-fuzz
#
# A crash found by `make fuzz` belongs in tests/fuzz/regressions/<target>/
# (minimised with `build-fuzz/fuzz_<target> -minimize_crash=1 FILE`) once it
# is fixed; see docs/RELIABILITY.md.

FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_CLANG ?= clang
FUZZ_CLANGXX ?= clang++
FUZZ_ALL := extract feeds robots datetext url proto config warc query
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_ABS = $(abspath $(FUZZ_DIR))
# One job runs in process (its statistics land in logs/<target>.log); more
# use libFuzzer's -jobs, whose workers write fuzz-N.log in the current
# directory: the run is made from $(FUZZ_DIR)/logs and those are appended.
FUZZ_JOBS_ARGS = $(if $(filter-out 0 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIBS := $(FUZZ_DIR)/obj/libindexer.a $(FUZZ_DIR)/obj/libsearchd.a $(FUZZ_DIR)/obj/libgazette.a
FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_ALL))
REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz-replay/replay_%,$(FUZZ_ALL))
OOM_DIR ?= build-oom

.PHONY: fuzz fuzz-build fuzz-libs fuzz-replay fuzz-oom clean-fuzz

# The libraries, instrumented for coverage and sanitizers, by a sub-make
# with its own BUILD so that nothing is shared with the normal build.
fuzz-libs:
	@$(MAKE) --no-print-directory CC=$(FUZZ_CLANG) CXX=$(FUZZ_CLANGXX) OPT=-O1 \
		BUILD=$(FUZZ_DIR)/obj BINDIR=$(FUZZ_DIR)/bin \
		SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_LIBS)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h fuzz-libs
	$(FUZZ_CLANG) -Iinclude -std=gnu11 -O1 -g $(WARN) $(PKG_CFLAGS) \
		-fsanitize=fuzzer $(FUZZ_SAN) -c $< -o $@.o
	$(FUZZ_CLANGXX) -fsanitize=fuzzer $(FUZZ_SAN) $@.o $(FUZZ_LIBS) -o $@ $(LDLIBS)

fuzz-build: $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))

# Each target in turn for FUZZ_SECONDS; the last line of each log (libFuzzer's
# final stats) goes into the summary.  Fails when any target found a crash.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/logs
	@: > $(FUZZ_DIR)/fuzz-summary.txt
	@status=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		(cd $(FUZZ_DIR)/logs && \
		TMPDIR=$${TMPDIR:-/tmp} ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		$(FUZZ_ABS)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -max_len=65536 $(FUZZ_JOBS_ARGS) \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_ABS)/artifacts/$$t/ \
			$(FUZZ_ABS)/corpus/$$t $(CURDIR)/tests/fuzz/corpus/$$t \
			$$(test -d $(CURDIR)/tests/fuzz/regressions/$$t && echo $(CURDIR)/tests/fuzz/regressions/$$t) \
			> $(FUZZ_ABS)/logs/$$t.log 2>&1; \
		 st=$$?; test $(FUZZ_JOBS) -le 1 || cat fuzz-*.log >> $$t.log; rm -f fuzz-*.log; \
		 exit $$st) || status=1; \
		runs=$$(grep -o 'stat::number_of_executed_units: *[0-9]*' $(FUZZ_DIR)/logs/$$t.log | tr -dc 0-9); \
		eps=$$(grep -o 'stat::average_exec_per_sec: *[0-9]*' $(FUZZ_DIR)/logs/$$t.log | tr -dc 0-9); \
		cov=$$(grep -o 'cov: [0-9]*' $(FUZZ_DIR)/logs/$$t.log | tail -1); \
		crashes=$$(ls $(FUZZ_DIR)/artifacts/$$t | wc -l); \
		echo "$$t seconds=$(FUZZ_SECONDS) runs=$${runs:-?} exec_per_sec=$${eps:-?} $$cov artifacts=$$crashes" \
			| tee -a $(FUZZ_DIR)/fuzz-summary.txt; \
	done; exit $$status

# Replay: the targets built without libFuzzer, each with tests/fuzz/replay.c.
$(BUILD)/fuzz-replay/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
		$(INDEXER_A) $(SEARCHD_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_ALL); do \
		printf '%s: ' $$t; \
		$(BUILD)/fuzz-replay/replay_$$t tests/fuzz/corpus/$$t tests/fuzz/regressions/$$t \
			|| exit 1; \
	done

# Fail the Nth allocation: tests/fuzz/oom.c linked with --wrap on the
# allocation functions, everything built with ASan (leaks are failures).
OOM_WRAP := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
	-Wl,--wrap=strdup -Wl,--wrap=strndup
fuzz-oom:
	@$(MAKE) --no-print-directory OPT=-O1 BUILD=$(OOM_DIR) BINDIR=$(OOM_DIR)/bin \
		SAN="$(FUZZ_SAN)" $(OOM_DIR)/oom
	@ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=exitcode=86 \
		$(OOM_DIR)/oom 2>$(OOM_DIR)/oom-stderr.log; st=$$?; \
	grep -a -A14 'ERROR: [A-Za-z]*Sanitizer\|runtime error' $(OOM_DIR)/oom-stderr.log | head -80; \
	exit $$st

$(OOM_DIR)/oom: $(OOM_DIR)/tests/fuzz/oom.o $(INDEXER_A) $(SEARCHD_A) $(LIB_A)
	$(CXX) $(LDFLAGS) $(OOM_WRAP) $^ -o $@ $(LDLIBS)

clean-fuzz:
	rm -rf $(FUZZ_DIR) $(OOM_DIR)
