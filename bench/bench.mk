# make bench: measure, and write bench/results.md (see bench/run.sh)
BENCH_ARGS ?=

bench: deps
	bench/run.sh $(BENCH_ARGS)

# fiberbench: fiber switches per second (bench/fiberbench.c), standalone
$(B)/obj/fiberbench.o: bench/fiberbench.c $(B)/.deps
	$(CC) $(HFLAGS) -MMD -c -o $@ $<

$(B)/fiberbench: $(B)/obj/fiberbench.o $(B)/obj/fiber.o \
    $(B)/obj/fiber_switch.o
	$(CC) $(LDFLAGS) -o $@ $^
