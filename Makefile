# barrierclient: build, test, install.  `make help` lists the targets.
PREFIX ?= /usr/local
CACHE ?= $(HOME)/.cache/barrierclient
SWIFT ?= swift
VERSION := 0.1.0

.PHONY: help deps lib lib-embedded lib-static install test test-swift test-c clean

help:
	@echo "make demo            build everything, run a real Barrier server and a patched QEMU, type into it"
	@echo "make test            every test (what .ci/run runs)"
	@echo "make lib             build/libbarrierclient.so (Embedded Swift) + header + barrierclient.pc"
	@echo "make install PREFIX=/usr/local   install the .so, header and .pc"

deps:
	./scripts/setup-deps.sh

# The shipped library: Embedded Swift (libc only).  lib-static is the
# fallback with the Swift runtime linked in statically.
lib: lib-embedded

lib-embedded:
	./scripts/build-lib.sh embedded build/lib

lib-static:
	./scripts/build-lib.sh static build/lib-static

install:
	./scripts/build-lib.sh embedded "$(DESTDIR)$(PREFIX)"

test: deps
	./scripts/run-tests.sh

clean:
	rm -rf .build .build-* build
