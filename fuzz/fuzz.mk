# Fuzz targets and the differential test.
#
#   make fuzz-build                     every target, into build/fuzz/,
#                                       and an htreplay compiled as they
#                                       are (the one that replays their
#                                       inputs exactly: make replay)
#   make fuzz [T=name] [FUZZ_SECONDS=600] [FUZZ_ARGS=...]
#                                       run one (htfuzz_sched by default);
#                                       corpus build/fuzz/corpus/<T>, seeded
#                                       from corpus/<T>/ (checked in) and
#                                       build/fuzz/seeds/<T> (made by its
#                                       rule, if it has one); findings
#                                       fuzz-out/; inputs up to
#                                       FUZZ_MAX_LEN bytes.  FUZZ_ARGS go to
#                                       libFuzzer: -fork=N or -jobs=N
#                                       -workers=N for several cores
#   make fuzz-mutant M=name [T=name]    build/fuzz-mutant-<name>/<T>, the
#                                       target (htfuzz_sched by default)
#                                       with a planted bug, and its htreplay
#   make fuzz-afl                       every target built for AFL++
#                                       (afl-clang-fast), into build/afl/
#   make fuzz-oss OSS_B=dir             every target built with the fuzzing
#                                       engine's CC, CFLAGS and
#                                       LIB_FUZZING_ENGINE, into dir (for
#                                       ci/oss-fuzz-build.sh)
#   make htdiff [VARIANT=...]           build/<variant>-diff/htdiff, the
#                                       differential test's command line
#
# Targets are libFuzzer programs built with clang into build/fuzz/
# (VARIANT=asan, plus -fsanitize=fuzzer); fuzz/<target>.c has
# LLVMFuzzerTestOneInput.  htfuzz_sched: programs and schedules of
# controlled runs; htfuzz_ops: one fiber's programs against the shadow
# model; htfuzz_repro: the reproducer parser; htfuzz_diff: below (built
# only where its reference exists).  To add one: append its name to
# FUZZ_TARGETS and give it a link rule $(B)/<name>: <objects> like the
# ones below, linked by $(FUZZ_LD).
#
# The differential targets (htdiff, htfuzz_diff) link two instances of
# the testbed, own_ (core/htable.c) and ref_ (DIFF_REF: HTABLE_C if
# given, else the reference file), each built in its own directory under
# $(B) and made into one prefixed object by fuzz/instance.sh.

FUZZ_TARGETS := htfuzz_sched htfuzz_diff htfuzz_ops htfuzz_repro
T ?= htfuzz_sched
FUZZ_SECONDS ?= 600
# (reproducers are text: htfuzz_repro's seeds are a few KiB)
FUZZ_MAX_LEN ?= $(if $(filter htfuzz_repro,$(T)),8192,800)
FUZZ_OUT ?= fuzz-out
# coverage of the code under test only, without comparison tracing; the
# instrumentation itself comes from -fsanitize=fuzzer-no-link here, from
# the engine's CFLAGS in fuzz-oss
FUZZ_POLICY := -fno-sanitize-coverage=trace-cmp \
	-fsanitize-coverage-allowlist=fuzz/coverage.allow
FUZZ_CFLAGS := -fsanitize=fuzzer-no-link $(FUZZ_POLICY)
FUZZ_ARGS ?=
FUZZ_LINK ?=
FUZZ_LD ?= $(CC)
DIFF_REF := $(if $(HTABLE_C),$(HTABLE_C),$(REF_HTABLE))
# the own instance is built for the era of the reference it is compared
# with, and to do what it does where files of that era differ
DIFF_ERA = $(if $(HTABLE_C),$(HTABLE_ERA),$(shell shim/era/probe.sh $(DIFF_REF) 2>/dev/null))
DIFF_POLICY = $(shell shim/era/probe.sh --policy $(DIFF_REF) 2>/dev/null)
DIFF_INST := $(B)/inst-own.o $(B)/inst-ref.o
# the targets this tree can build: htfuzz_diff needs its reference
FUZZ_BUILDABLE := $(if $(wildcard $(DIFF_REF)),$(FUZZ_TARGETS),\
	$(filter-out htfuzz_diff,$(FUZZ_TARGETS)))
FUZZ_SKIPPED := $(if $(filter-out $(FUZZ_BUILDABLE),$(FUZZ_TARGETS)),echo \
	"fuzz: htfuzz_diff not built: $(DIFF_REF) does not exist" >&2,true)
AFL_CC ?= afl-clang-fast
# SEAMS=access: the targets, their corpus and mutants in build/fuzz-access
# (an input's schedule is read as gaps there: harness/fuzzin.c); an
# HTABLE_C file's in build/fuzz-ext[-<era>][-access]
ACC := $(if $(filter access,$(SEAMS)),-access)
FUZZ_EXT := $(if $(HTABLE_C),-ext$(if $(filter-out kpti,$(HTABLE_ERA)),-$(HTABLE_ERA)))
FUZZ_B := build/fuzz$(FUZZ_EXT)$(ACC)

.PHONY: fuzz-build fuzz-replay fuzz fuzz-mutant fuzz-afl fuzz-oss htdiff lib-objects \
	fuzz-flags FORCE

# the compiler flags of a fuzz build (ci/versions.sh builds its own)
fuzz-flags:
	@echo "$(FUZZ_CFLAGS)"

# every object htstress links but its main, and their list
lib-objects: $(LIBOBJ)
	@echo $(LIBOBJ) > $(B)/libobj.list

$(B)/obj/fuzz/%.o: fuzz/%.c $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(HFLAGS) -MMD -MP -c -o $@ $<

-include $(wildcard $(B)/obj/fuzz/*.d)

# the instances are rebuilt (cheaply) on every use: their objects live
# in their own build directories, which their own make keeps current
$(B)/inst-own.o: FORCE $(B)/.deps
	@$(MAKE) -s B=$(B)/own HTABLE_C= HTABLE_ERA=$(DIFF_ERA) \
	    CORE_POLICY="$(DIFF_POLICY)" lib-objects
	@fuzz/instance.sh own_ $(B)/own $@

$(B)/inst-ref.o: FORCE $(B)/.deps
	@test -f "$(DIFF_REF)" || { echo "$(DIFF_REF) does not exist" >&2; exit 2; }
	@$(MAKE) -s B=$(B)/ref HTABLE_C=$(DIFF_REF) HTABLE_ERA=$(DIFF_ERA) \
	    lib-objects
	@fuzz/instance.sh ref_ $(B)/ref $@

FORCE:

$(B)/htdiff: $(DIFF_INST) $(B)/obj/fuzz/diff.o $(B)/obj/fuzz/htdiff.o
	$(CC) $(LDFLAGS) -o $@ $^

# the targets on one machine: every object htstress links but its main
$(B)/htfuzz_sched $(B)/htfuzz_ops $(B)/htfuzz_repro: $(B)/%: $(LIBOBJ) \
    $(B)/obj/fuzz/%.o
	$(FUZZ_LD) $(LDFLAGS) $(FUZZ_LINK) -o $@ $^

$(B)/htfuzz_diff: $(DIFF_INST) $(B)/obj/fuzz/diff.o \
    $(B)/obj/fuzz/htfuzz_diff.o
	$(FUZZ_LD) $(LDFLAGS) $(FUZZ_LINK) -o $@ $^

# build/<variant>-diff[-<era>]: one per era of the reference
DIFF_B = build/$(VARIANT)-diff$(if $(filter-out kpti,$(DIFF_ERA)),-$(DIFF_ERA))
htdiff:
	@$(MAKE) -s B=$(DIFF_B) $(DIFF_B)/htdiff

fuzz-build:
	@$(FUZZ_SKIPPED)
	@$(MAKE) -s CC=clang VARIANT=asan B=$(FUZZ_B) \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" FUZZ_LINK=-fsanitize=fuzzer \
	    $(addprefix $(FUZZ_B)/,$(FUZZ_BUILDABLE) htreplay)

# the fuzz build's htreplay alone (make replay of a fuzz input)
fuzz-replay:
	@$(MAKE) -s CC=clang VARIANT=asan B=$(FUZZ_B) \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_B)/htreplay

ifneq ($(HTABLE_C),)
# a mutant of the HTABLE_C file (mutants/ext/): only its htable.c is
# compiled, the rest linked from that file's fuzz build
fuzz-mutant:
	@test -f mutants/ext/$(M).patch || { echo "make fuzz-mutant: no mutant '$(M)' in mutants/ext (have: $(MUTANTS_EXT))" >&2; exit 2; }
	@test -f "$(HTABLE_C)" || { echo "make fuzz-mutant: $(HTABLE_C) does not exist" >&2; exit 2; }
	@rm -rf $(MUT_EXT_SRC) && mkdir -p $(MUT_EXT_SRC) && cp -p "$(HTABLE_C)" $(MUT_EXT_SRC)/htable.c
	@patch -s -p1 -d $(MUT_EXT_SRC) < mutants/ext/$(M).patch || { echo "make fuzz-mutant: mutants/ext/$(M).patch does not apply to $(HTABLE_C)" >&2; exit 2; }
	@$(MAKE) -s CC=clang VARIANT=asan B=$(FUZZ_B) \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" lib-objects
	@$(MAKE) -s CC=clang VARIANT=asan HTABLE_C=$(MUT_EXT_SRC)/htable.c \
	    B=build/fuzz-mutant-ext-$(M)$(ACC) SHARE=$(FUZZ_B) \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" FUZZ_LINK=-fsanitize=fuzzer \
	    build/fuzz-mutant-ext-$(M)$(ACC)/$(T) \
	    build/fuzz-mutant-ext-$(M)$(ACC)/htreplay
else
fuzz-mutant:
	@test -f mutants/$(M).patch || { echo "make fuzz-mutant: no mutant '$(M)' (have: $(MUTANTS))" >&2; exit 2; }
	@$(MAKE) -s mutant-src M=$(M)
	@$(if $(call MUT_SHARE,1),$(MAKE) -s CC=clang VARIANT=asan B=$(FUZZ_B) \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" lib-objects)
	@$(MAKE) -s CC=clang VARIANT=asan B=build/fuzz-mutant-$(M)$(ACC) \
	    CORE=build/mutants/$(M)/src/core EXTRA_CFLAGS="$(FUZZ_CFLAGS)" \
	    $(call MUT_SHARE,SHARE=$(FUZZ_B)) \
	    FUZZ_LINK=-fsanitize=fuzzer build/fuzz-mutant-$(M)$(ACC)/$(T) \
	    build/fuzz-mutant-$(M)$(ACC)/htreplay
endif

# AFL++ runs libFuzzer targets (afl-clang-fast -fsanitize=fuzzer links
# its own driver).  Its allowlist takes a file or a function, and a file
# by the end of its name: the files, without their leading '*'.
fuzz-afl:
	@command -v $(AFL_CC) >/dev/null 2>&1 || { echo "make fuzz-afl:" \
	    "$(AFL_CC) is missing; as root: apt-get install -y afl++" >&2; \
	    exit 2; }
	@$(FUZZ_SKIPPED)
	@mkdir -p build/afl
	@sed -n 's/^src:\*//p' fuzz/coverage.allow > build/afl/coverage.allow
	@AFL_LLVM_ALLOWLIST=$(CURDIR)/build/afl/coverage.allow AFL_QUIET=1 \
	    $(MAKE) -s CC=$(AFL_CC) VARIANT=asan B=build/afl \
	    FUZZ_LINK=-fsanitize=fuzzer $(addprefix build/afl/,$(FUZZ_BUILDABLE))
	@echo "make fuzz-afl: built $(FUZZ_BUILDABLE) in build/afl/"

# ci/oss-fuzz-build.sh: the engine's flags in place of the asan
# variant's, linked by its FUZZ_LD; the names built listed in
# OSS_B/targets
fuzz-oss:
	@test -n "$(OSS_B)" || { echo "make fuzz-oss: set OSS_B" >&2; exit 2; }
	@$(FUZZ_SKIPPED)
	@$(MAKE) -s VARIANT=asan CFLAGS_asan="$(CFLAGS)" B=$(OSS_B) NO_DEPS=1 \
	    EXTRA_CFLAGS="$(FUZZ_POLICY)" FUZZ_LINK="$(LIB_FUZZING_ENGINE)" \
	    $(addprefix $(OSS_B)/,$(FUZZ_BUILDABLE))
	@echo $(FUZZ_BUILDABLE) > $(OSS_B)/targets

# seed inputs of a target, if it has a rule for build/fuzz/seeds/<T>
build/fuzz/seeds/htfuzz_diff:
	@$(MAKE) -s htdiff
	@mkdir -p build/fuzz/seeds
	$(DIFF_B)/htdiff --write $@ --programs 40 --ops 40 --seed 7000

# how finding $(1) of target T is replayed: htreplay takes the inputs
# of htfuzz_sched and htfuzz_ops, the other targets their own
FUZZ_REPLAY = $(if $(filter htfuzz_sched htfuzz_ops,$(T)),make \
	$(if $(ACC),SEAMS=access )replay \
	$(if $(filter htfuzz_ops,$(T)),T=htfuzz_ops )CRASH=$(1),$(FUZZ_B)/$(T) $(1))

fuzz: fuzz-build
	@mkdir -p $(FUZZ_B)/corpus/$(T) corpus/$(T) $(FUZZ_OUT)
	@$(MAKE) -s build/fuzz/seeds/$(T) 2>/dev/null || mkdir -p build/fuzz/seeds/$(T)
	@echo "make fuzz: $(T)$(if $(ACC), with access seams,) for $(FUZZ_SECONDS) s; findings go to $(FUZZ_OUT)/"
	@$(FUZZ_B)/$(T) -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$(FUZZ_MAX_LEN) -artifact_prefix=$(FUZZ_OUT)/$(T)- \
	    -print_final_stats=1 $(FUZZ_ARGS) $(FUZZ_B)/corpus/$(T) \
	    corpus/$(T) build/fuzz/seeds/$(T); rc=$$?; \
	for f in $$(ls $(FUZZ_OUT)/$(T)-* 2>/dev/null); do \
		echo "make fuzz: found $$f; replay it with:"; \
		echo "    $(call FUZZ_REPLAY,$$f)"; \
	done; exit $$rc
