# The two commands of the README are the contract with a new user:
#   make demo   set up a fresh Debian machine and run the terminal's demo
#   make test   set up the same and pass every test
# Everything else here is a step of those two.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

CARGO ?= cargo
CARGO_FLAGS ?= --locked
PCSCD := scripts/pcscd.sh
POSTGRES := scripts/postgres.sh
HAPROXY := scripts/haproxy.sh

.PHONY: all deps ui build demo demo-card test test-unit test-postgres ui-test lint fmt-check clippy doc-check ui-check citations-check fixtures-check deny units-check pin-check ship-check package install-test bench clean-run

all: build

deps:
	@scripts/deps.sh

# The UI bundle (ui/dist), rebuilt only when a UI source or the npm lock changed.
# The desktop app embeds it at compile time (tauri.conf.json: frontendDist), so it
# comes before any cargo build, check or lint.
UI_SOURCES := $(shell find ui -path ui/dist -prune -o -path ui/node_modules -prune -o -type f -print) package.json package-lock.json
ui/dist/staff.html: $(UI_SOURCES) | deps
	npm run build

ui: ui/dist/staff.html

# Build once, test many: one workspace build with every target, reused by the
# lints and the tests (same package selection, so no feature re-unification).
# It makes both builds of the desktop app: madoguchi-app (what ships; in this
# unified build it carries the test features other members turn on, see
# ship-check) and madoguchi-app-demo (the demo, for `make demo` and the e2e tests).
build: deps ui
	$(CARGO) build $(CARGO_FLAGS) --workspace --all-targets

# The desktop app's demo build (virtual reader, in-process backends).
demo: build
	scripts/app-demo.sh

# The card diagnostic's demo: every card step through pcscd + vpcd, no display needed.
demo-card: build
	$(PCSCD) run $${CARGO_TARGET_DIR:-target}/debug/madoguchi-card demo

fmt-check:
	$(CARGO) fmt --all -- --check

clippy: ui
	$(CARGO) clippy $(CARGO_FLAGS) --workspace --all-targets -- -D warnings

# The crates' documentation (what `cargo doc` shows), every member and binary, without a
# warning: no broken intra-doc link (a TOML table or a [C] rating in brackets is written
# `[table]` or \[C\]), no link from public docs to a private item, no stray HTML tag.
# About a minute after clippy: it checks again the dependencies whose features the
# tests' dev-dependencies change (cargo doc has no --all-targets), then runs rustdoc.
doc-check: ui
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc $(CARGO_FLAGS) --no-deps --workspace

# TypeScript, strict, no emit.
ui-check: deps
	npm run check

# Every citation of a domain note points at a heading that exists (docs/domain/).
citations-check:
	docs/domain/check-citations.sh --strict

lint: fmt-check clippy doc-check ui-check citations-check

fixtures-check:
	$(CARGO) run $(CARGO_FLAGS) -q -p testkit --bin testkit-gen -- --check

# The dependencies against deny.toml (cargo-deny from .tools): licences, duplicate
# versions, sources, and the RustSec advisories (the repository's snapshot,
# third_party/rustsec-advisory-db, or the live database named by MADOGUCHI_ADVISORY_DB).
deny: deps
	scripts/deny.sh

# Every test, with a pcscd of our own and the vpcd virtual reader running.
# (Benchmarks are built by `build` and run by `make bench`, not here.) The
# system tests (tests/e2e: the app end to end) are among them: they start their
# own Xvfb when DISPLAY is unset, and tauri-driver from .tools/bin.
# The output is kept in .run/logs for the PIN check.
test-unit: build
	mkdir -p .run/logs
	$(PCSCD) run $(CARGO) test $(CARGO_FLAGS) --workspace 2>&1 | tee .run/logs/cargo-test.log

# The platform's suite a second time, on PostgreSQL: a cluster of our own under
# .run/postgres (scripts/postgres.sh), reached through a Unix socket only. Its
# storage tests, skipped in test-unit, are required here (MADOGUCHI_PG_REQUIRED),
# and so are those of several nodes behind HAProxy (MADOGUCHI_HAPROXY_REQUIRED: each
# starts its own through scripts/haproxy.sh, in a folder of its own).
# Nothing else needs PostgreSQL: not `make demo`, not the other tests.
# (--workspace: the same package selection as `build`, so nothing is rebuilt.)
test-postgres: build
	mkdir -p .run/logs
	$(POSTGRES) run env MADOGUCHI_PG_REQUIRED=1 MADOGUCHI_HAPROXY_REQUIRED=1 MADOGUCHI_PLATFORM_STORAGE=postgres \
		$(CARGO) test $(CARGO_FLAGS) --workspace --test platform 2>&1 | tee .run/logs/cargo-test-postgres.log

# The UI's unit tests (vitest): the string table, the pages' keys.
ui-test: deps
	npm test

# The shipped binaries as they ship: each build of scripts/shipped.sh made alone with
# the flags scripts/package.sh uses (no feature unified in from the demo or the tests),
# with no test crate or feature in its dependency graph and no demo, test or crash-hook
# code in the binaries; and the app's window without a configuration (e2e, on that binary).
ship-check: build
	scripts/ship-check.sh

# The Debian packages (scripts/package.sh): the terminal's app as it ships and the three
# servers with their systemd units, into $(CARGO_TARGET_DIR or target)/package. Release
# builds; PACKAGE_PROFILE=debug for a quicker one.
package: deps ui
	scripts/package.sh

# The packages installed into a fresh Debian 12 root (debootstrap under .run/install),
# the servers started from their units' commands, the app under Xvfb without and with its
# configuration, a reception check with a virtual card (scripts/install-test.sh). As root.
# It builds the packages in the debug profile, with the same features as the release ones
# (PACKAGE_PROFILE=release for those themselves; install-test.sh says why not by default),
# and runs its system test from the workspace's build (the virtual card, tests/e2e).
# Not part of `make test` (it downloads Debian); .ci/run runs it after.
install-test: build
	scripts/install-test.sh

# The servers' systemd units checked with systemd-analyze verify, and with security
# --offline against the hardening they have today (packaging/systemd/exposed.txt), their
# commands the workspace's build (scripts/check-units.sh; install-test checks the
# installed units the same way).
units-check: build
	scripts/check-units.sh

# No PIN or password in any log the run left behind (pcscd's included).
pin-check:
	scripts/check-no-pins.sh

test: build lint fixtures-check deny units-check ui-test test-unit test-postgres ship-check pin-check
	@echo "make test: all steps passed"

bench: build
	$(PCSCD) run $(CARGO) bench $(CARGO_FLAGS) --workspace

clean-run:
	$(PCSCD) stop || true
	$(POSTGRES) stop || true
	$(HAPROXY) stop || true
	rm -rf .run
