# goappimage — see README.md. Every target works offline once modules are cached.
GO       ?= go
BIN      ?= bin/goappimage
FUZZTIME ?= 50000x
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build test unit fuzz bench vet runtime

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/goappimage

# runtime rebuilds the embedded AppImage runtimes (runtime/binaries) for
# every architecture; the result is byte-identical for the same Go version.
runtime:
	$(GO) run ./runtime/internal/mkruntime -o runtime/binaries

# test is what CI runs: vet, every unit and integration test, then each fuzz
# target for a fixed number of inputs.
test: vet unit fuzz

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 60m ./...

# fuzz runs every Fuzz* target of every package for FUZZTIME inputs.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# bench compares goappimage with mksquashfs, unsquashfs and squashfuse in the
# same run; see docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...
