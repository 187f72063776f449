# Rapport - one readable Makefile.  `make run` and `make test` are all a newcomer needs.
#
#   make            build build/rapport (installs what is missing first)
#   make run        build, create ./data with demo data on first run, serve on :8080
#   make test       unit, API (normal and sanitizer builds) and browser tests
#   make asan       build/asan/rapport with AddressSanitizer + UBSan
#   make bench      the benchmark table (not part of make test)

CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 libsodium libpq libzip expat xlsxwriter pangocairo pangoft2 fontconfig libcurl
BUILD   ?= build
OPT     ?= -O2
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Wno-missing-field-initializers
CFLAGS  += -std=c17 -D_GNU_SOURCE $(OPT) -g $(WARN) -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
PORT    ?= 8080

LIB_SRC  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/src/main.o
GEN_ASSETS := $(BUILD)/gen/assets.c
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
WEB_SRC  := $(shell find web -type f -not -path 'web/dist/*' 2>/dev/null) package-lock.json
DEPS_OK  := $(BUILD)/.deps-ok

.PHONY: all run test asan unit test-unit test-api test-api-pg test-api-asan test-e2e clang-check deps bench clean web check-banned

all: $(DEPS_OK) $(BUILD)/rapport

deps $(DEPS_OK): scripts/deps.sh package-lock.json
	@scripts/deps.sh
	@mkdir -p $(BUILD) && touch $(DEPS_OK)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/rapport: $(LIB_OBJ) $(MAIN_OBJ) $(BUILD)/obj/gen/assets.o | check-banned
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The web app, built by Vite and embedded into the binary.
web/dist/index.html: $(WEB_SRC) | $(DEPS_OK)
	npm run --silent build:web
	@touch $@
web: web/dist/index.html

$(GEN_ASSETS): web/dist/index.html scripts/embed-assets.mjs
	@mkdir -p $(dir $@)
	node scripts/embed-assets.mjs web/dist $@

$(BUILD)/obj/gen/assets.o: $(GEN_ASSETS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -c $< -o $@

# Unsafe libc string functions are not used anywhere (after git's banned.h).
check-banned:
	@! grep -nE '\b(strcpy|strcat|strncpy|strncat|sprintf|vsprintf|strtok|gets)\s*\(' $(LIB_SRC) src/main.c \
		|| (echo "banned function used (use buf_* or snprintf)"; exit 1)

$(BUILD)/unit_tests: $(UNIT_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

unit: $(BUILD)/unit_tests

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" build/asan/rapport

clang-check: $(DEPS_OK)
	@$(MAKE) --no-print-directory BUILD=build/clang CC=clang build/clang/rapport

run: all
	@scripts/run.sh $(PORT)

test-unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests --jobs 2

test-api: all
	RAPPORT_BIN=$(BUILD)/rapport node --test --test-concurrency=2 tests/api/

# the same suite with every server on its own PostgreSQL database (needs RAPPORT_TEST_PG_URL)
test-api-pg: all
	RAPPORT_BIN=$(BUILD)/rapport RAPPORT_TEST_BACKEND=postgres node --test --test-concurrency=2 tests/api/

test-api-asan: asan
	RAPPORT_BIN=build/asan/rapport ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		node --test --test-concurrency=2 tests/api/

test-e2e: all
	RAPPORT_BIN=$(BUILD)/rapport node --test --test-concurrency=1 tests/e2e/

test: all
	@scripts/test.sh

bench: all
	@bench/run.sh

clean:
	rm -rf build web/dist

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
-include bench/bench.mk
-include tests/fuzz/fuzz.mk
