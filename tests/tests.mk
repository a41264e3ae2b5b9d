# Unit tests (cmocka).  Program <name> is built from two files:
#   tests/k_<name>.c     kernel domain, $(KFLAGS): drives the emulated kernel
#                        and exposes plain functions (absent when the tests
#                        need nothing of the kernel domain's own)
#   tests/test_<name>.c  host domain, $(HFLAGS): the cmocka cases; misuse
#                        tests fork a child and check its bug report
# and linked with everything htstress links except its main.
#
#   make unit [VARIANT=tsan|asan]   build and run them all, one line each;
#                                   fails if any program fails.  Each
#                                   program's output: $(B)/tests/<name>.log

UNIT_TESTS := mutex lockdep cpu window memory cas core check fiber ctl repro known \
	strategy \
	fuzzin
UNIT_BINS = $(addprefix $(B)/tests/,$(UNIT_TESTS))

# A death test forks only while its process has no other thread, so TSan's
# die_after_fork never matters; it is switched off in case a test forgets.
# Any TSan report fails the program: it is a bug-found event at the next
# seam point, and TSan's exit code (1) otherwise; atexit_sleep_ms=0 spares
# the second TSan otherwise waits at the exit of every child that a bug
# report ends while another of its threads still runs.
UNIT_ENV := TSAN_OPTIONS="$${TSAN_OPTIONS:+$$TSAN_OPTIONS:}die_after_fork=0:atexit_sleep_ms=0"

$(B)/obj/tests/k_%.o: tests/k_%.c $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(KFLAGS) -MMD -c -o $@ $<

$(B)/obj/tests/test_%.o: tests/test_%.c $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(HFLAGS) -MMD -c -o $@ $<

.SECONDEXPANSION:
$(UNIT_BINS): $(B)/tests/%: $$(if $$(wildcard tests/k_$$*.c),\
    $(B)/obj/tests/k_$$*.o) $(B)/obj/tests/test_%.o $(LIBOBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

-include $(wildcard $(B)/obj/tests/*.d)

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_TESTS); do \
		log=$(B)/tests/$$t.log; \
		start=$$(date +%s%N); \
		$(UNIT_ENV) $(B)/tests/$$t >$$log 2>&1; rc=$$?; \
		ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
		ok=$$(grep -c '^\[       OK \]' $$log); \
		bad=$$(grep '^\[  FAILED  \] [^0-9]' $$log | sort -u | wc -l); \
		skip=$$(grep '^\[  SKIPPED \] [^0-9]' $$log | sort -u | wc -l); \
		if [ $$rc -eq 0 ]; then \
			printf 'unit %-8s ok      %3d passed, %d skipped  (%d ms)\n' \
			    $$t $$ok $$skip $$ms; \
		else \
			fail=1; \
			printf 'unit %-8s FAILED  %3d passed, %d failed, %d skipped, exit %d  (log: %s)\n' \
			    $$t $$ok $$bad $$skip $$rc $$log; \
			grep -E '^\[  (FAILED|ERROR) +\] [^0-9]|^\[   LINE   \]|BUG FOUND' $$log | \
			    awk '!seen[$$0]++ { print "    " $$0 }'; \
		fi; \
	done; \
	if [ $$fail -ne 0 ]; then echo "unit ($(VARIANT)): FAILED"; exit 1; fi; \
	echo "unit ($(VARIANT)): all $(words $(UNIT_TESTS)) programs passed"
