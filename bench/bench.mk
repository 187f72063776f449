# bench/bench.mk - the benchmark tools (included by the top Makefile; `make bench` runs bench/run.sh).
#
#   build/rapport-gen   the deterministic data generator and SQL runner (bench/gen.c),
#                       linked against the server's own library objects: same schema,
#                       same search tokenizer.

$(BUILD)/rapport-gen: $(BUILD)/obj/bench/gen.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lm

.PHONY: bench-gen
bench-gen: $(BUILD)/rapport-gen
