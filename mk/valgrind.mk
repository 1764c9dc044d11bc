# mk/valgrind.mk — memcheck over the Xapian shim's unit tests and the
# end-to-end paths: index local pages (plainly, and in parallel parts
# merged into one with add --bulk), search them in process.
#
#   make valgrind        builds with the normal flags into $(BUILD)
#
# tests/valgrind.supp holds the one known report: glibc's timer helper
# thread (started by timer_create for Xapian's search time limit) is never
# joined, so its stack shows as "possibly lost".

VALGRIND ?= valgrind
VALGRIND_FLAGS ?= --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	--suppressions=tests/valgrind.supp --quiet

# Run one command under memcheck: exit 99 (a memcheck error) fails, the
# program's own exit codes 0 and 1 (e.g. "no hits") pass; with a second
# argument 0 (the unit tests: cmocka exits with the number of failures)
# only exit 0 passes.
vg_run = $(VALGRIND) $(VALGRIND_FLAGS) $(1) > $$tmp/vg.log 2>&1; st=$$?; \
	if [ $$st -gt $(or $(2),1) ]; then cat $$tmp/vg.log; echo "valgrind: FAILED (exit $$st)"; exit 1; fi

.PHONY: valgrind
valgrind: $(PROGRAMS) $(BUILD)/tests/test_xsh $(BUILD)/tests/test_xsh_create
	@command -v $(VALGRIND) >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 2; }
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "valgrind: test_xsh"; \
	$(call vg_run,$(BUILD)/tests/test_xsh,0); \
	echo "valgrind: test_xsh_create"; \
	$(call vg_run,$(BUILD)/tests/test_xsh_create,0); \
	echo "valgrind: gazette-indexer add"; \
	$(call vg_run,$(BINDIR)/gazette-indexer add --index $$tmp/index tests/fixtures/pages/*.html); \
	echo "valgrind: gazette search --index"; \
	$(call vg_run,$(BINDIR)/gazette search --index $$tmp/index --json 'diplomacy OR storm date:2010..2020'); \
	echo "valgrind: gazette-indexer add --bulk (parts, threads, merge)"; \
	$(call vg_run,$(BINDIR)/gazette-indexer add --bulk --index $$tmp/bulk tests/fixtures/pages/*.html); \
	echo "valgrind: gazette search --index (merged)"; \
	$(call vg_run,$(BINDIR)/gazette search --index $$tmp/bulk --json 'diplomacy OR storm date:2010..2020'); \
	echo "valgrind: clean"
