# bench/bench.mk - the benchmark tools (included by the top Makefile; `make bench` runs bench/run.sh).
#
#   build/rapport-gen   the deterministic data generator and SQL runner (bench/gen.c),
#                       linked against the server's own library objects: same schema,
#                       same search tokenizer.

$(BUILD)/rapport-gen: $(BUILD)/obj/bench/gen.o $(BUILD)/obj/bench/gen_pg.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lm

.PHONY: bench-gen
bench-gen: $(BUILD)/rapport-gen

#   build/rapport-baseline   the machine's limit for get-by-id (bench/baseline.c): libmicrohttpd
#                            + SQLite only; bench/run.sh shows Rapport's figure as a ratio to it.
$(BUILD)/rapport-baseline: bench/baseline.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libmicrohttpd sqlite3) -lpthread

.PHONY: soak
# 10 minutes of mixed load on the benchmark database: RSS every 10 s, descriptors, errors.
soak: all $(BUILD)/rapport-gen
	@bench/soak.sh
