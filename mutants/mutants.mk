# Planted bugs (mutants/*.patch): build one, or run them all.
#   make mutant M=name [VARIANT=tsan]   build/mutant-<name>-<variant>/htstress
#   make mutants [MUTANT_ARGS=...]      the detection table, mutants/results.md

MUTANTS := $(sort $(basename $(notdir $(wildcard mutants/*.patch))))
MUT_SRC = build/mutants/$(M)/src
MUTANT_ARGS ?=

mutant:
	@test -n "$(M)" || { echo "make mutant: name one with M=... (one of: $(MUTANTS))" >&2; exit 2; }
	@test -f mutants/$(M).patch || { echo "make mutant: no mutant '$(M)' (have: $(MUTANTS))" >&2; exit 2; }
	@rm -rf $(MUT_SRC) && mkdir -p $(MUT_SRC) && cp -rp core $(MUT_SRC)/
	@patch -s -p1 -d $(MUT_SRC) < mutants/$(M).patch || { echo "make mutant: mutants/$(M).patch does not apply to core/" >&2; exit 2; }
	@$(MAKE) -s CORE=$(MUT_SRC)/core B=build/mutant-$(M)-$(VARIANT) build/mutant-$(M)-$(VARIANT)/htstress

mutants: deps
	mutants/run.sh $(MUTANT_ARGS)
