# devarch — build, install and test.
SHELL := /bin/bash
GO        ?= go
BIN       := bin/docker-devarch
PLUGINDIR ?= $(HOME)/.docker/cli-plugins
BINDIR    ?= /usr/local/bin
VERSION   ?= 0.1.0
LDFLAGS   := -s -w -X github.com/devarch-dev/devarch/daemon/api.Version=$(VERSION)
# BUILD_ID names the build in `daemon status`; unset, the binary derives one
# from its own content (the Go build id), which changes with every change.
BUILD_ID  ?=
ifneq ($(BUILD_ID),)
LDFLAGS   += -X github.com/devarch-dev/devarch/daemon/api.Build=$(BUILD_ID)
endif

.PHONY: all build install uninstall test e2e test-all bench bench-check bench-baseline fuzz vet fmt-check clean

all: build

## build: compile bin/docker-devarch (the plugin, the standalone CLI and the daemon)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./plugin

## install: put the plugin in ~/.docker/cli-plugins and a `devarch` link on PATH
install: build
	install -d $(PLUGINDIR)
	install -m 0755 $(BIN) $(PLUGINDIR)/docker-devarch
	ln -sf $(PLUGINDIR)/docker-devarch $(BINDIR)/devarch

uninstall:
	rm -f $(PLUGINDIR)/docker-devarch $(BINDIR)/devarch

## test: unit and integration tests (no container engine needed)
test: vet fmt-check
	$(GO) test -count=1 ./...

## e2e: end-to-end tests against a real engine (Docker + compose v2, Podman); with CI=true a missing engine fails them, otherwise they skip
e2e:
	$(GO) test -tags e2e -count=1 -timeout 45m -v ./daemon/runtime/... ./tests/... 2>&1 | tee e2e.out | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic|\s+\S+_test\.go)' ; exit $${PIPESTATUS[0]}

## test-all: everything CI runs
test-all: test e2e

## bench: benchmarks, including devarch vs plain docker compose (see BENCHMARKS.md)
## (the e2e ones need a container engine: each iteration starts real containers)
BENCH_PKGS = ./core/... ./store/... ./secrets/... ./plugin/... ./daemon/...
BENCH_INPROC = $(GO) test -run '^$$' -bench . -benchmem -count=5 -timeout 30m $(BENCH_PKGS)

bench:
	$(BENCH_INPROC)
	$(GO) test -tags e2e -run '^$$' -bench . -benchmem -count=3 -benchtime=3x -timeout 30m ./tests/...

## bench-check: the in-process benchmarks compared with bench/baseline.txt; fails when a
## median ns/op is more than 20% above the baseline's (internal/benchcheck)
bench-check:
	$(BENCH_INPROC) > bench/current.txt
	$(GO) run ./internal/benchcheck -base bench/baseline.txt -new bench/current.txt -max 0.20

## bench-baseline: record the in-process benchmarks as the baseline bench-check compares with
bench-baseline:
	$(BENCH_INPROC) > bench/baseline.txt

## fuzz: run every fuzzer of the module (each Fuzz* function, FUZZTIME each, default 30s);
## `go test` alone runs their committed seed corpora
FUZZTIME ?= 30s
fuzz:
	@set -e; for f in $$(git grep -l '^func Fuzz' -- '*_test.go'); do \
	  pkg=./$$(dirname $$f); \
	  for fz in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "fuzz: $$pkg $$fz"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./tests/... ./daemon/runtime/...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin e2e.out
