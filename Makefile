# The two commands of the README are the contract with a new user:
#   make demo   set up a fresh Debian machine and run the terminal's demo
#   make test   set up the same and pass every test
# Everything else here is a step of those two.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

CARGO ?= cargo
CARGO_FLAGS ?= --locked
PCSCD := scripts/pcscd.sh

.PHONY: all deps build demo test test-unit lint fmt-check clippy fixtures-check pin-check bench clean-run

all: build

deps:
	@scripts/deps.sh

# Build once, test many: one workspace build with every target, reused by the
# lints and the tests (same package selection, so no feature re-unification).
build: deps
	$(CARGO) build $(CARGO_FLAGS) --workspace --all-targets

demo: build
	$(PCSCD) run target/debug/madoguchi-card demo

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy $(CARGO_FLAGS) --workspace --all-targets -- -D warnings

lint: fmt-check clippy

fixtures-check:
	$(CARGO) run $(CARGO_FLAGS) -q -p testkit --bin testkit-gen -- --check

# Every test, with a pcscd of our own and the vpcd virtual reader running.
# (Benchmarks are built by `build` and run by `make bench`, not here.)
# The output is kept in .run/logs for the PIN check.
test-unit: build
	mkdir -p .run/logs
	$(PCSCD) run $(CARGO) test $(CARGO_FLAGS) --workspace 2>&1 | tee .run/logs/cargo-test.log

# No PIN or password in any log the run left behind (pcscd's included).
pin-check:
	scripts/check-no-pins.sh

test: build lint fixtures-check test-unit pin-check
	@echo "make test: all steps passed"

bench: build
	$(PCSCD) run $(CARGO) bench $(CARGO_FLAGS) --workspace

clean-run:
	$(PCSCD) stop || true
	rm -rf .run
