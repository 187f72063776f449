# tests/fuzz/fuzz.mk - libFuzzer targets (included by the top Makefile).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="api csv"]
#        builds build/fuzz/<target> with clang -fsanitize=fuzzer,address,undefined and runs
#        each for FUZZ_SECONDS on tests/fuzz/corpus/<target>; what it finds goes to
#        build/fuzz/corpus/<target> (new inputs) and build/fuzz/crash-<target>-* (crashes).
#        FUZZ_MERGE=1 afterwards merges the new inputs into the seed corpus (-merge=1).
#   make test-fuzz
#        (part of make test) builds each target with the normal compiler and
#        tests/fuzz/replay.c as main, and replays every corpus file once.
#
# A new target is one file, tests/fuzz/fuzz_NAME.c (see fuzz.h), and a seed folder
# tests/fuzz/corpus/NAME/ with a few inputs (tests/fuzz/NAME.dict, libFuzzer's dictionary
# format, is used when present); nothing here needs to change.

FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SECONDS ?= 60
FUZZ_SUPPORT := tests/fuzz/common.o tests/unit/assets_stub.o
FUZZ_SAN     := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: fuzz fuzz-build fuzz-run test-fuzz
.SECONDARY: $(FUZZ_TARGETS:%=$(BUILD)/obj/tests/fuzz/fuzz_%.o)

# ---- the replay build (gcc, no sanitizer needed: it runs in make test) ----
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay.o \
		$(FUZZ_SUPPORT:%=$(BUILD)/obj/%) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test-fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p tests/fuzz/corpus/$$t; \
		$(BUILD)/fuzz-replay/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# ---- the fuzzing build (clang + libFuzzer), in its own build folder ----
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
		OPT="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-run

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzzer/%)

$(BUILD)/fuzzer/%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT:%=$(BUILD)/obj/%) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-run: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/corpus/$$t tests/fuzz/corpus/$$t; \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(BUILD)/fuzzer/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/crash-$$t- \
			$$( [ -f tests/fuzz/$$t.dict ] && echo -dict=tests/fuzz/$$t.dict ) \
			$(BUILD)/corpus/$$t tests/fuzz/corpus/$$t 2>$(BUILD)/fuzz-$$t.log \
			|| { tail -60 $(BUILD)/fuzz-$$t.log; echo "== fuzz $$t: CRASH (input in $(BUILD)/crash-$$t-*)"; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|cov:' $(BUILD)/fuzz-$$t.log | tail -3; \
		if [ "$(FUZZ_MERGE)" = 1 ]; then \
			$(BUILD)/fuzzer/$$t -merge=1 tests/fuzz/corpus/$$t $(BUILD)/corpus/$$t 2>>$(BUILD)/fuzz-$$t.log; \
		fi; \
	done
