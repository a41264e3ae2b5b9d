# htbed: a testbed for races in illumos htable.c.  See README.md.
#
#   make stress                 free-running stress (release), ARGS=... passed on
#   make VARIANT=tsan stress    the same under ThreadSanitizer (also: asan)
#   make stress ARGS="--mode controlled"   fibers, one at a time, a strategy
#   make replay CRASH=file      re-execute a reproducer (ARGS="--trace")
#   make test                   everything CI runs (under 10 minutes)
#   make check-ref              the reference htable.c compiles against the shim
#   make mutant M=name          build a planted bug from mutants/
#   make mutants                the mutant detection table (mutants/results.md)
#   make test-real              the checks on the reference htable.c (tests/real.mk)
#   make htdiff                 the differential test's binary (fuzz/fuzz.mk)
#   make fuzz T=name            run a fuzz target (fuzz/fuzz.mk)
#   make bench                  bench/results.md
#   make versions [ONLY=globs]  every htable.c of ../shared/variants built and
#                               run: docs/versions.md (ci/versions.sh)
#   make bisect FINDING=name    a finding's program on every version, in date
#        (or CRASH=file)        order: where it first and last shows, and the
#                               commits between (ci/history.py)
#   HTABLE_C=path               build the given htable.c instead of core/htable.c
#   HTABLE_ERA=kpti|2015|2007|2005  the era to build (shim/include/htbed/era.h);
#                               by default the probe of HTABLE_C says, and
#                               core/htable.c is built for kpti

VARIANT ?= release
ifeq ($(origin CC),default)
CC := clang
endif
CORE ?= core
REF_HTABLE ?= ../shared/reference/htable.c
# today's file: the newest upstream htable.c (2021-08-16, still the tip)
NEWEST_HTABLE ?= ../shared/variants/illumos-gate/2021-08-16-86ef0a63e1/htable.c
HTABLE_SRC := $(if $(HTABLE_C),$(HTABLE_C),$(CORE)/htable.c)

# The era of the code under test, found from the file itself
# (shim/era/probe.sh); core/htable.c follows today's protocol (kpti) and
# switches to 2015 with HTABLE_ERA=2015.  A file that does not exist, is
# no htable.c or is of an era not built stops here: one line, exit 2.
ifneq ($(HTABLE_C),)
ifeq ($(wildcard $(HTABLE_C)),)
$(error HTABLE_C=$(HTABLE_C): no such file)
endif
ifeq ($(origin HTABLE_ERA),undefined)
HTABLE_ERA := $(shell shim/era/probe.sh $(HTABLE_C) 2>/dev/null)
endif
ifeq ($(HTABLE_ERA),)
$(error HTABLE_C=$(HTABLE_C): not an illumos htable.c (shim/era/probe.sh finds no htable_create()))
endif
endif
HTABLE_ERA ?= kpti
ERA_YEAR_kpti := 2018
ERA_YEAR_2015 := 2015
ERA_YEAR_2007 := 2007
ERA_YEAR_2005 := 2005
ERA_YEAR := $(ERA_YEAR_$(HTABLE_ERA))
# the HAT's era half (core/hat_era.h): the 2007 era's hat_i86.c drives
# the top table as the 2015 one does; the 2005 era's as well, with what
# it does besides in core/hat_2005.c
HAT_HALF_kpti := kpti
HAT_HALF_2015 := 2015
HAT_HALF_2007 := 2015
HAT_HALF_2005 := 2015 2005
HAT_HALF := $(HAT_HALF_$(HTABLE_ERA))
# the -D that build file $(1) for its own era and the kernel it expects
# (a syntax check of it)
era_flag = -DHTBED_ERA=$(ERA_YEAR_$(shell shim/era/probe.sh $(1) 2>/dev/null)) \
	$(shell shim/era/probe.sh --kernel $(1) 2>/dev/null)
ifeq ($(ERA_YEAR),)
$(error $(if $(HTABLE_C),HTABLE_C=$(HTABLE_C): its era,HTABLE_ERA) is '$(HTABLE_ERA)'; htbed builds the eras kpti (2018 on), 2015, 2007 (2007-01-19 to 2014-11) and 2005 (2005-06 to 2006-10))
endif
# the project's own htable.c follows the protocol of 2015 on
ifeq ($(HTABLE_C)$(filter kpti 2015,$(HTABLE_ERA)),)
$(error HTABLE_ERA=$(HTABLE_ERA): core/htable.c is built for the eras kpti and 2015; older eras are for HTABLE_C files)
endif
# A build directory per variant, core and era: build/<variant>, -ext for
# an HTABLE_C file, -<era> for an era other than today's (kpti), -access
# for SEAMS=access (the core's loads and stores can be seams); vb names
# the one of variant $(1) for this core, era and seams
vb = build/$(1)$(if $(HTABLE_C),-ext)$(if $(filter-out kpti,$(HTABLE_ERA)),-$(HTABLE_ERA))$(if $(filter access,$(SEAMS)),-access)
B ?= $(call vb,$(VARIANT))
ARGS ?=

CFLAGS_release := -O2
CFLAGS_tsan := -O1 -fsanitize=thread
CFLAGS_asan := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
ifeq ($(filter $(VARIANT),release tsan asan),)
$(error VARIANT must be release, tsan or asan, not '$(VARIANT)')
endif

BASEFLAGS := -std=gnu11 -g -fno-omit-frame-pointer -Wall -Wextra \
	-Wno-sign-compare $(CFLAGS_$(VARIANT)) $(EXTRA_CFLAGS)
# kernel domain: the illumos headers of the shim, and nothing of libc
# CORE_POLICY: -D flags that make core/htable.c do what a given file
# does where files of one era differ (shim/era/probe.sh --policy; the
# differential test sets it)
CORE_POLICY ?=
# SEAMS=access: the core's loads and stores can be seams (below); both
# domains know it
SEAMS ?= sync
ifeq ($(filter $(SEAMS),sync access),)
$(error SEAMS must be sync or access, not '$(SEAMS)')
endif
ACCESS_DEF := -DHTBED_ACCESS_SEAMS=$(if $(filter access,$(SEAMS)),1,0)
# KERNEL_POLICY: what the emulated kernel does where its interfaces
# changed within an era, as the code under test expects
# (shim/era/probe.sh --kernel)
KERNEL_POLICY := $(if $(HTABLE_C),$(shell shim/era/probe.sh --kernel $(HTABLE_C) 2>/dev/null))
KFLAGS := $(BASEFLAGS) -DDEBUG -D_KERNEL -DHTBED_ERA=$(ERA_YEAR) \
	$(ACCESS_DEF) $(CORE_POLICY) $(KERNEL_POLICY) -Ishim/include \
	-iquote $(CORE) \
	-iquote harness
# host domain: libc, plus the testbed's plain interfaces; HTBED_CORE names
# the htable.c built in (reproducers record it)
CORE_NAME := $(if $(HTABLE_C),$(HTABLE_C),$(if $(filter core,$(CORE)),own,$(CORE)/htable.c))
comma := ,
HFLAGS := $(BASEFLAGS) -iquote shim/include -iquote harness -pthread \
	-DHTBED_CORE='"$(CORE_NAME)"' -DHTBED_ERA_NAME='"$(HTABLE_ERA)"' \
	$(ACCESS_DEF)
# liburcu (urcu-memb): the emulated MMU's grace periods (shim/host/rcu.c)
LDFLAGS := $(CFLAGS_$(VARIANT)) -pthread -lurcu-memb

# The kernel image: every kernel-domain object whose state is the emulated
# machine's (the code under test, the HAT, shim/kern, the harness).  Their
# .data and .bss are renamed htbed_kdata and htbed_kbss, so that the
# machine can be saved and put back as a whole (shim/testing/snapshot.c).
# shim/testing (scheduler seam, lock checker, reports) and the run driver
# keep their state across runs; shim/stub has none.
# harness/controlled.c drives runs of the machine and is not part of it;
# harness/repro.c (reproducer files) is host-domain code.
HARNESS_CTL := harness/controlled.c
HARNESS_HOST := harness/repro.c harness/known.c
HAT_OBJ := $(patsubst %,hat_%.o,$(HAT_HALF))
KIMG_SRC := $(CORE)/hat.c $(patsubst %,$(CORE)/hat_%.c,$(HAT_HALF)) \
	$(CORE)/hment.c \
	$(wildcard shim/kern/*.c) \
	$(wildcard shim/hw/*.c) \
	$(filter-out $(HARNESS_HOST) $(HARNESS_CTL),$(wildcard harness/*.c))
KSRC := $(KIMG_SRC) $(HARNESS_CTL) $(wildcard shim/testing/*.c) \
	$(wildcard shim/stub/*.c)
HSRC := $(wildcard shim/host/*.c) $(HARNESS_HOST)
STRESS_OBJ := $(B)/obj/htstress.o $(B)/obj/run_free.o \
	$(B)/obj/run_controlled.o
REPLAY_OBJ := $(B)/obj/htreplay.o $(B)/obj/minimize.o
HASM := $(wildcard shim/host/*.S)
KIMG_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(notdir $(KIMG_SRC))) \
	$(B)/obj/htable.o
KOBJ := $(patsubst %.c,$(B)/obj/%.o,$(notdir $(KSRC))) $(B)/obj/htable.o
KIMG_RENAME := --rename-section .data=htbed_kdata \
	--rename-section .data.rel=htbed_kdata \
	--rename-section .data.rel.local=htbed_kdata \
	--rename-section .bss=htbed_kbss
HOBJ := $(patsubst %.c,$(B)/obj/%.o,$(notdir $(HSRC)))
LIBOBJ := $(KOBJ) $(HOBJ) $(patsubst %.S,$(B)/obj/%.o,$(notdir $(HASM)))

# SHARE=dir: link the objects that do not depend on the core from dir's
# build, already made (mutants/mutants.mk makes them first); only the
# core's own objects and those naming it are compiled into $(B)
CORE_OBJ := $(addprefix $(B)/obj/,htable.o hat.o $(HAT_OBJ) hment.o \
	repro.o known.o)
ifneq ($(SHARE),)
LIBOBJ := $(filter $(CORE_OBJ),$(LIBOBJ)) $(patsubst $(B)/obj/%,\
	$(SHARE)/obj/%,$(filter-out $(CORE_OBJ),$(LIBOBJ)))
endif

vpath %.c $(CORE) shim/kern shim/hw shim/testing shim/stub harness shim/host \
	stress

.PHONY: all stress replay test test-steps check-ref deps mutant mutants fixed fixed-build report bench clean unit \
	smoke versions bisect
.DEFAULT_GOAL := all
.SECONDARY:
# an object whose objcopy failed is not left behind as if made (its data
# outside the kernel image's sections would escape the machine's restore)
.DELETE_ON_ERROR:

all: $(B)/htstress $(B)/htreplay

deps:
	@ci/deps.sh check >/dev/null 2>&1 || ci/deps.sh install

# NO_DEPS=1: the build environment provides the toolchain and is not to
# be checked (ci/oss-fuzz-build.sh: an OSS-Fuzz image).  $(B)/.deps is
# every object's prerequisite, and so is the era of the build (and the
# own core's policy): objects built for another are rebuilt.
$(B)/.deps: $(B)/obj/era
	@test -n "$(NO_DEPS)" || ci/deps.sh check >/dev/null 2>&1 || \
	    ci/deps.sh install
	@touch $@

$(B)/obj/era: FORCE
	@mkdir -p $(B)/obj
	@echo "$(HTABLE_ERA) $(CORE_POLICY) $(KERNEL_POLICY) $(SEAMS)" | \
	    cmp -s - $@ || \
	    echo "$(HTABLE_ERA) $(CORE_POLICY) $(KERNEL_POLICY) $(SEAMS)" > $@

# the code under test: warnings that only an unmodified illumos file
# raises are silenced for that file only (the files of 2005-2008 begin
# with Sun's "#pragma ident"; those of 2007-02 to 2007-05-04 pass NULL
# as a cross-call argument, an integer)
# (its dependency file leaves the source out: what names the source is
# HTABLE_SRC, so that a file that moved or vanished since the last build
# is no rule-less prerequisite)
$(B)/obj/htable.o: $(HTABLE_SRC) $(B)/.deps
	$(CC) $(KFLAGS) $(if $(HTABLE_C),-Wno-unused-parameter \
	    -Wno-unknown-pragmas -Wno-int-conversion) -MMD -MP \
	    -MF $(@:.o=.d).tmp -c -o $@ $<
	awk -v src='$<' '{ for (i = 1; i <= NF; i++) if ($$i == src) $$i = ""; \
	    print }' $(@:.o=.d).tmp > $(@:.o=.d)
	rm -f $(@:.o=.d).tmp
	$(KIMG_OBJCOPY)

# the core's code in a section of its own (shim/include/htbed/seam.h:
# the trace says where in htable.c or the HAT each event happened), its
# loads and stores, in a SEAMS=access build, calling shim/testing/access.c
# (access seams; a fuzz build's coverage kind is libFuzzer's, others need
# one: func).  Not in every build: the calls cost a third of the HAT ops
# per second even with the seams off.
ACCESS_KIND := $(if $(findstring fuzzer,$(EXTRA_CFLAGS)),,func$(comma))
ACCESS_COV := $(if $(filter access,$(SEAMS)),\
	-fsanitize-coverage=$(ACCESS_KIND)trace-loads$(comma)trace-stores)
$(addprefix $(B)/obj/,htable.o hat.o $(HAT_OBJ) hment.o): \
	KIMG_RENAME += --rename-section .text=htbed_core_text
# (a fuzz build's coverage puts each function in a .text.<name> of its
# own: those are the core's code too)
CORE_TEXT_SPLIT = $$(objdump -h $@ | awk '$$2 ~ /^\.text\./ \
	{ printf " --rename-section %s=htbed_core_text", $$2 }')
KIMG_OBJCOPY = objcopy $(KIMG_RENAME) $(if $(filter htable.o hat.o \
	$(HAT_OBJ) hment.o,$(notdir $@)),$(CORE_TEXT_SPLIT)) $@
$(addprefix $(B)/obj/,htable.o hat.o $(HAT_OBJ) hment.o): \
	KFLAGS += $(ACCESS_COV)
# and its mem* calls noting the frames they write (htbed/written.h)
WRITTEN_SYMS := $(foreach f,memset memcpy memmove, \
	--redefine-sym $(f)=written_$(f) \
	--redefine-sym __asan_$(f)=written_asan_$(f))
$(addprefix $(B)/obj/,htable.o hat.o $(HAT_OBJ) hment.o): \
	KIMG_RENAME += $(if $(filter access,$(SEAMS)),$(WRITTEN_SYMS))

$(filter-out $(B)/obj/htable.o,$(KIMG_OBJ)): $(B)/obj/%.o: %.c $(B)/.deps
	$(CC) $(KFLAGS) -MMD -MP -c -o $@ $<
	$(KIMG_OBJCOPY)

$(filter-out $(KIMG_OBJ),$(KOBJ)): $(B)/obj/%.o: %.c $(B)/.deps
	$(CC) $(KFLAGS) -MMD -MP -c -o $@ $<

# the controlled-mode scheduler's bookkeeping is shared by every fiber on
# purpose, as is the record of frames to restore (snapshot.c): no sanitizer
# watches them (ThreadSanitizer would see races by design; the others only
# slow every scheduling step down), nor the access-seam callbacks and the
# seam's perturbation, which run at every shared load and store
NO_SANITIZE := -fno-sanitize=thread,address,undefined
$(addprefix $(B)/obj/,sched.o strategy.o snapshot.o access.o seam.o): \
	KFLAGS += $(if $(filter tsan asan,$(VARIANT)),$(NO_SANITIZE))

$(HOBJ) $(STRESS_OBJ) $(REPLAY_OBJ): $(B)/obj/%.o: %.c $(B)/.deps
	$(CC) $(HFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/%.o: shim/host/%.S $(B)/.deps
	$(CC) $(HFLAGS) -MMD -MP -c -o $@ $<

$(B)/htstress: $(LIBOBJ) $(STRESS_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/htreplay: $(LIBOBJ) $(REPLAY_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^

-include $(wildcard $(B)/obj/*.d)

stress: $(B)/htstress
	$(B)/htstress $(ARGS)

# make replay CRASH=file [ARGS="--trace --minimize out.txt"]: an htbed
# reproducer, or a libFuzzer crash file of T (htfuzz_sched by default, or
# htfuzz_ops), which is replayed by the htreplay of the fuzz build
# (fuzz/fuzz.mk: compiled as the fuzzer was -- with access seams, the
# seams are the loads and stores the compiler left, which ASan's and the
# fuzzer's instrumentation change, so no other build runs the same run)
replay:
	@test -n "$(CRASH)" || { echo "make replay: name the file with CRASH=..." >&2; exit 2; }
	@test -r "$(CRASH)" || { echo "make replay: cannot read $(CRASH)" >&2; exit 2; }
	@if head -c 11 "$(CRASH)" | grep -q '^htbed-repro$$' || \
	    [ -z "$(filter htfuzz_sched htfuzz_ops,$(T))" ]; then \
		$(MAKE) -s $(B)/htreplay && $(B)/htreplay $(ARGS) $(CRASH); \
	else \
		echo "make replay: $(CRASH) is an $(T) input; replayed by" \
		    "$(FUZZ_B)/htreplay"; \
		$(MAKE) -s fuzz-replay && \
		$(FUZZ_B)/htreplay --fuzz-input=$(T:htfuzz_%=%) $(ARGS) \
		    $(CRASH); \
	fi

# make report FINDING=name [HTABLE_C=file] [REPORT_ARGS=...]: the report
# of a finding in the form of an illumos bug, written to
# corpus/findings/<name>/report.txt (ci/report.py)
report: deps
	@test -n "$(FINDING)" || { echo "make report: name a finding with FINDING=..." >&2; exit 2; }
	python3 ci/report.py $(FINDING) $(if $(HTABLE_C),--htable $(HTABLE_C)) $(REPORT_ARGS)

check-ref: deps
	@if [ -f $(REF_HTABLE) ]; then \
		$(CC) -std=gnu11 -fsyntax-only -DDEBUG -D_KERNEL -Ishim/include \
		    $(call era_flag,$(REF_HTABLE)) -Wall -Wno-sign-compare \
		    -Wno-unused-parameter -Wno-int-conversion $(REF_HTABLE) && \
		echo "check-ref: $(REF_HTABLE) compiles against the shim"; \
	else \
		echo "check-ref: skipped: $(REF_HTABLE) does not exist"; \
	fi

# make test: what CI runs (.ci/run), on 2 cores in under 10 minutes.
# The reference file of 2015 gets the steps that prove its era builds and
# runs; today's file gets them all.
# The steps run one after another; what each builds is built by JOBS
# compilers at once (a sub-make with -j: the scripts' makes, marked +,
# share its job slots).
REAL_STEPS_REF := real-build real-unit real-stress real-corpus
SMOKE := --quiet --out build/smoke
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps check-ref
	@$(MAKE) --no-print-directory -j$(JOBS) test-steps
	@echo "make test: all passed"

test-steps:
	tests/eras.sh
	$(MAKE) -s VARIANT=release unit
	$(MAKE) -s VARIANT=asan unit
	$(MAKE) -s VARIANT=tsan unit
	$(MAKE) -s smoke
	+tests/replay.sh
	+tests/access.sh
	+tests/regressions.sh
	+tests/findings.sh
	+mutants/run.sh --seconds 30 --variants release --require \
	    --ctl-seeds 3 --fuzz-runs 1 --fuzz-feedback sched --seams sync \
	    --out build/mutants-smoke.md unlink-keeps-count steal-ignores-locks
	+mutants/run.sh --seconds 30 --variants release --require \
	    --strategies random --ctl-seeds 2 --fuzz-runs 0 --seams sync \
	    --out build/mutants-mmu.md inval-flushes-dirty-only
	+tests/nightly.sh
	$(MAKE) -s test-real REAL_QUICK=1 REAL_STEPS="$(REAL_STEPS_REF)"
	$(MAKE) -s test-real REAL_QUICK=1 $(if $(wildcard $(NEWEST_HTABLE)),\
	    HTABLE_C=$(NEWEST_HTABLE),REF_HTABLE=$(NEWEST_HTABLE))

# short stress runs: free-running release in window and kpm mode, under
# TSan, and with the emulated MMU; controlled mode in release and under
# TSan
CTL := --mode controlled --kpm
smoke:
	$(MAKE) -s VARIANT=release build/release/htstress
	$(MAKE) -s VARIANT=tsan build/tsan/htstress
	build/release/htstress --seconds 5 --seed 1 $(SMOKE)
	build/release/htstress --seconds 3 --seed 2 --kpm $(SMOKE)
	build/tsan/htstress --seconds 6 --seed 3 $(SMOKE)
	build/release/htstress --seconds 5 --seed 7 --walkers 1 $(SMOKE)
	build/release/htstress $(CTL) --seconds 3 --seed 4 $(SMOKE)
	build/release/htstress $(CTL) --strategy pct --seconds 3 --seed 5 \
	    $(SMOKE)
	build/tsan/htstress $(CTL) --seconds 6 --seed 6 $(SMOKE)

# the version matrix: every htable.c of ../shared/variants (ci/versions.sh)
VERSIONS_SECONDS ?= 10
versions: deps
	ci/versions.sh $(if $(ONLY),--only '$(ONLY)') \
	    --seconds $(VERSIONS_SECONDS)

# make bisect FINDING=name | CRASH=reproducer [BISECT_RUNS=n] [BISECT_SEEDS=k]
#   [ONLY=globs] [MAX_STEPS=n]
BISECT_RUNS ?= 2000
BISECT_SEEDS ?= 3
bisect: deps
	@test -n "$(FINDING)$(CRASH)" || { echo "make bisect: name a finding with FINDING=... or a reproducer with CRASH=..." >&2; exit 2; }
	python3 ci/history.py $(if $(FINDING),--finding $(FINDING),--repro $(CRASH)) \
	    --runs $(BISECT_RUNS) --seeds $(BISECT_SEEDS) $(if $(ONLY),--only '$(ONLY)') \
	    $(if $(MAX_STEPS),--max-steps $(MAX_STEPS))

clean:
	rm -rf build

include tests/tests.mk
include mutants/mutants.mk
include bench/bench.mk
include tests/real.mk
include fuzz/fuzz.mk
