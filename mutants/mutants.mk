# Planted bugs: build one, or run them all.
#   make mutant M=name [VARIANT=tsan]   build/mutant-<name>-<variant>/htstress
#                                       and htreplay
#   make mutants [MUTANT_ARGS=...]      the detection table, mutants/results.md
#
# The project's own mutants are mutants/*.patch against core/.  With
# HTABLE_C=path the same targets use mutants/ext/*.patch instead: patches
# against that one file, applied (patch -p1, paths a/htable.c b/htable.c)
# to a copy of it named htable.c in build/mutants-ext/<name>/src/, built
# into build/mutant-ext-<name>-<variant>/ (only its core; the rest is
# linked from the build of the file itself, of the same era); the table
# goes to mutants/results-ext.md.  mutants/README.md says how to write
# one.

MUTANTS := $(sort $(basename $(notdir $(wildcard mutants/*.patch))))
MUTANTS_EXT := $(sort $(basename $(notdir $(wildcard mutants/ext/*.patch))))
MUT_SRC = build/mutants/$(M)/src
MUT_EXT_SRC = build/mutants-ext/$(M)/src
MUTANT_ARGS ?=
# SEAMS=access: the mutant's build directories end in -access
MUT_ACC := $(if $(filter access,$(SEAMS)),-access)

ifeq ($(HTABLE_C),)
mutant-src:
	@test -n "$(M)" || { echo "make mutant: name one with M=... (one of: $(MUTANTS))" >&2; exit 2; }
	@test -f mutants/$(M).patch || { echo "make mutant: no mutant '$(M)' (have: $(MUTANTS))" >&2; exit 2; }
	@rm -rf $(MUT_SRC) && mkdir -p $(MUT_SRC) && cp -rp core $(MUT_SRC)/
	@patch -s -p1 -d $(MUT_SRC) < mutants/$(M).patch || { echo "make mutant: mutants/$(M).patch does not apply to core/" >&2; exit 2; }

# A mutant of core/*.c compiles only its core and links the rest from
# build/<variant>; one that patches a header is built whole.
MUT_SHARE = $(if $(shell grep -l '^+++ .*\.h' mutants/$(M).patch),,$(1))

mutant: mutant-src
	@$(if $(call MUT_SHARE,1),$(MAKE) -s VARIANT=$(VARIANT) lib-objects)
	@$(MAKE) -s CORE=$(MUT_SRC)/core B=build/mutant-$(M)-$(VARIANT)$(MUT_ACC) \
	    $(call MUT_SHARE,SHARE=$(call vb,$(VARIANT))) \
	    build/mutant-$(M)-$(VARIANT)$(MUT_ACC)/htstress \
	    build/mutant-$(M)-$(VARIANT)$(MUT_ACC)/htreplay
else
mutant:
	@test -n "$(M)" || { echo "make mutant: name one with M=... (one of: $(MUTANTS_EXT))" >&2; exit 2; }
	@test -f mutants/ext/$(M).patch || { echo "make mutant: no mutant '$(M)' in mutants/ext (have: $(MUTANTS_EXT))" >&2; exit 2; }
	$(call build_patched,mutant,mutants/ext/$(M).patch,$(MUT_EXT_SRC),build/mutant-ext-$(M)-$(VARIANT)$(MUT_ACC),htstress)
endif

# $(call build_patched,what,patch,src-dir,build-dir,binaries): HTABLE_C
# with patch applied, in src-dir/htable.c, built into build-dir (only its
# core; the rest is linked from the build of HTABLE_C itself)
define build_patched
	@test -f "$(HTABLE_C)" || { echo "make $(1): $(HTABLE_C) does not exist" >&2; exit 2; }
	@rm -rf $(3) && mkdir -p $(3) && cp -p "$(HTABLE_C)" $(3)/htable.c
	@patch -s -p1 -d $(3) < $(2) || { echo "make $(1): $(2) does not apply to $(HTABLE_C)" >&2; exit 2; }
	+@$(MAKE) -s VARIANT=$(VARIANT) lib-objects
	+@$(MAKE) -s HTABLE_C=$(3)/htable.c SHARE=$(B) B=$(4) $(addprefix $(4)/,$(5))
endef

# make fixed FINDING=name [HTABLE_C=path]: a finding's fix
# (corpus/findings/<name>/fix.patch) applied to an illumos htable.c (the
# newest upstream by default), built into build/fix-<name>-<variant>-ext/
# (-ext-2015 for a file of 2015)
FINDING_DIR = corpus/findings/$(FINDING)
FIX_B = $(call vb,fix-$(FINDING)-$(VARIANT))
fixed:
	@test -n "$(FINDING)" || { echo "make fixed: name a finding with FINDING=..." >&2; exit 2; }
	@test -f $(FINDING_DIR)/fix.patch || { echo "make fixed: $(FINDING_DIR)/fix.patch does not exist" >&2; exit 2; }
	@$(MAKE) -s fixed-build HTABLE_C="$(or $(HTABLE_C),$(NEWEST_HTABLE))"

fixed-build:
	$(call build_patched,fixed,$(FINDING_DIR)/fix.patch,build/fixes/$(FINDING)/src,$(FIX_B),htstress htreplay)
	@echo "make fixed: $(FIX_B)/htstress and htreplay: $(HTABLE_C) with $(FINDING_DIR)/fix.patch"

mutants: deps
	mutants/run.sh $(if $(HTABLE_C),--htable "$(HTABLE_C)") $(MUTANT_ARGS)
