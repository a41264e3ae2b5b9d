# make bench: measure, and write bench/results.md (see bench/run.sh)
BENCH_ARGS ?=

bench: deps
	bench/run.sh $(BENCH_ARGS)
