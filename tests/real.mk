# Real-source mode: the testbed's checks on an unmodified illumos
# htable.c, compiled from where it lies.
#
#   make test-real                  on $(REF_HTABLE) (skipped, with a
#                                   message, when it does not exist)
#   make test-real HTABLE_C=path    on any htable.c: "test your own tree"
#
# test-real runs REAL_STEPS in order, each a target below, and stops at
# the first that fails.  Builds go to build/<variant>-ext[-<era>]/.  About three
# minutes on 2 cores.
#
#   real-build     it compiles (-DDEBUG, 64-bit, non-Xen, no edits), and
#                  htstress and the unit tests build, release and TSan
#   real-unit      the unit tests, release and TSan (REAL_UNIT_TESTS)
#   real-stress    free-running stress: release (window, kpm, and with
#                  the emulated MMU), TSan (window, kpm) with
#                  tests/tsan_reference.c's policy
#   real-planted   races planted next to exempted ones are still reported
#                  (mutants/ext/planted-*.patch), where the patches apply
#   real-mutants   two planted bugs are found (mutants/ext), likewise, by
#                  free-running stress (controlled mode: real-controlled)
#   real-diff      the differential test: 200 programs of 50 ops on the
#                  project's htable.c and this one, no difference
#   real-controlled  controlled-mode exploration, release (random in
#                  window and kpm mode, pct) and TSan, many runs each
#   real-corpus    the regression corpus (corpus/regressions), replayed
#                  under ASan on this file: every input must pass

REAL_FILE := $(if $(HTABLE_C),$(HTABLE_C),$(REF_HTABLE))
# REAL_QUICK=1 (make test, which runs it on two files): every run a third
# as long
rs = $(if $(REAL_QUICK),$(shell echo $$((($(1) + 2) / 3))),$(1))
REAL_STEPS := real-build real-unit real-stress real-planted real-mutants \
	real-diff real-controlled real-corpus
# unit tests that need the project's own core (none so far; each needs a
# reason here)
REAL_UNIT_SKIP :=
REAL_UNIT_TESTS := $(filter-out $(REAL_UNIT_SKIP),$(UNIT_TESTS))
REAL_PLANTED := planted-pin-unlocked planted-unlink-plain-dec
REAL_MUTANTS := steal-ignores-locks unlink-keeps-count copied-link-skips-pcp \
	steal-takes-pcp
REAL_SMOKE := --quiet --out build/real-smoke
# (make sees a recursive make only where $(MAKE) is written in the line:
# the lines that run REAL_MAKE, or a script that runs make, are marked +
# so that its makes share make test's job slots)
REAL_MAKE = $(MAKE) -s HTABLE_C=$(REAL_FILE)
# the steps run in a make with HTABLE_C set: its build directories
REL = $(call vb,release)
TSN = $(call vb,tsan)

.PHONY: test-real $(REAL_STEPS)

# the TSan policy for an external htable.c (tests/tsan_reference.c),
# linked into its TSan builds only; not itself instrumented, since TSan
# calls it while reporting
REAL_TSAN_OBJ := $(if $(HTABLE_C),$(if $(filter tsan,$(VARIANT)),\
	$(B)/obj/tsan_reference.o))

$(B)/obj/tsan_reference.o: tests/tsan_reference.c $(B)/.deps
	$(CC) $(KFLAGS) -fno-sanitize=thread -MMD -MP -c -o $@ $<

$(B)/htstress $(B)/htreplay $(UNIT_BINS): $(REAL_TSAN_OBJ)

# gcc's TSan runtime is a shared library whose own calls of the hook are
# bound inside it; linked statically, the policy's definition wins
ifneq ($(REAL_TSAN_OBJ),)
ifeq ($(shell $(CC) -dM -E -x c /dev/null | grep -c __clang__),0)
LDFLAGS += -static-libtsan
endif
endif

# what only an external file raises: gcc's "may be used uninitialized"
# for htable_create()'s result, set on every path through its loop
ifneq ($(HTABLE_C),)
$(B)/obj/htable.o: KFLAGS += -Wno-uninitialized
endif

# an external htable.o is rebuilt when HTABLE_C names another file, not
# only when the file is newer: every external file shares <variant>-ext
$(B)/obj/htable.path: FORCE $(B)/.deps
	@echo "$(abspath $(HTABLE_SRC))" | cmp -s - $@ || \
	    echo "$(abspath $(HTABLE_SRC))" > $@

$(B)/obj/htable.o: $(B)/obj/htable.path

FORCE:

test-real:
	@if [ ! -f "$(REAL_FILE)" ]; then \
		echo "test-real: skipped: $(REAL_FILE) does not exist"; \
	else \
		for s in $(REAL_STEPS); do \
			$(MAKE) -s $$s HTABLE_C=$(REAL_FILE) || exit 1; \
		done; \
		echo "test-real: $(REAL_FILE): all passed"; \
	fi

real-build:
	@$(CC) -std=gnu11 -fsyntax-only -DDEBUG -D_KERNEL -Ishim/include \
	    $(call era_flag,$(REAL_FILE)) -Wall -Wno-sign-compare \
	    -Wno-unused-parameter -Wno-uninitialized -Wno-int-conversion \
	    $(REAL_FILE)
	@echo "real-build: $(REAL_FILE) compiles against the shim"
	+@$(REAL_MAKE) VARIANT=release $(REL)/htstress \
	    $(addprefix $(REL)/tests/,$(REAL_UNIT_TESTS))
	+@$(REAL_MAKE) VARIANT=tsan $(TSN)/htstress \
	    $(addprefix $(TSN)/tests/,$(REAL_UNIT_TESTS))

real-unit:
	+@$(REAL_MAKE) VARIANT=release unit UNIT_TESTS="$(REAL_UNIT_TESTS)"
	+@$(REAL_MAKE) VARIANT=tsan unit UNIT_TESTS="$(REAL_UNIT_TESTS)"

# one stress run, in one line (ops, steals, reaps from its JSON summary);
# its whole output if it finds anything
define real_run
	@mkdir -p build/real-smoke; log=build/real-smoke/run.log; \
	json=build/real-smoke/run.json; rm -f $$json; \
	if $(1) $(REAL_SMOKE) --json $$json >$$log 2>&1; then \
		echo "$@: $(1): $$(sed -n 's/^htstress: no bug/no bug/p' $$log)," \
		    $$(tr -d ' \n' <$$json | sed 's/.*"ops":\([0-9]*\).*"steals":\([0-9]*\).*"reaps":\([0-9]*\).*/ops \1, steals \2, reaps \3/'); \
	else cat $$log; exit 1; fi
endef

real-stress:
	$(call real_run,$(REL)/htstress --seconds $(call rs,15) --seed 1)
	$(call real_run,$(REL)/htstress --seconds $(call rs,10) --seed 2 --kpm)
	$(call real_run,$(TSN)/htstress --seconds $(call rs,20) --seed 3)
	$(call real_run,$(TSN)/htstress --seconds $(call rs,10) --seed 4 --kpm)
	$(call real_run,$(REL)/htstress --seconds $(call rs,10) --seed 5 --walkers 1)

# planted bugs: only where their patches apply to this file.  The races
# only ThreadSanitizer sees run under a seeded schedule (controlled mode,
# TSan build), found at the same run on any machine: free-running, they
# took 3 and 6 s of a 10 s budget in make test here and one was missed in
# CI (mutants/results-ext.md measures them free-running)
PLANTED_RUN := --variants "" --ctl-variant tsan --seams sync \
	--strategies random --ctl-seeds 2
MUTANTS_RUN := --variants release --strategies ""
real-planted real-mutants: real-%:
	+@names=; for m in $(if $(filter planted,$*),$(REAL_PLANTED),$(REAL_MUTANTS)); do \
		if patch --dry-run -s -f "$(REAL_FILE)" \
		    < mutants/ext/$$m.patch >/dev/null 2>&1; then \
			names="$$names $$m"; \
		else \
			echo "$@: skipped: mutants/ext/$$m.patch does not apply to $(REAL_FILE)"; \
		fi; \
	done; \
	[ -z "$$names" ] || mutants/run.sh --htable "$(REAL_FILE)" \
	    --seconds $(call rs,30) --require --out build/$@.md --fuzz-runs 0 \
	    $(if $(filter planted,$*),$(PLANTED_RUN),$(MUTANTS_RUN)) $$names

real-diff:
	+@$(REAL_MAKE) VARIANT=release htdiff
	$(DIFF_B)/htdiff --programs 200 --ops 50 --seed 1 \
	    --out build/real-diff

real-controlled:
	$(call real_run,$(REL)/htstress $(CTL) --seconds $(call rs,10) --seed 11)
	$(call real_run,$(REL)/htstress --mode controlled --seconds $(call rs,8) --seed 12)
	$(call real_run,$(REL)/htstress $(CTL) --strategy pct --seconds $(call rs,8) --seed 13)
	$(call real_run,$(TSN)/htstress $(CTL) --seconds $(call rs,10) --seed 14)

real-corpus:
	+@$(REAL_MAKE) VARIANT=asan $(call vb,asan)/htreplay
	+@tests/regressions.sh --core $(call vb,asan)/htreplay
