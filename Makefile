# SPDX-License-Identifier: GPL-2.0-or-later
# barrierclient: build, test, install.  `make help` lists the targets.
PREFIX ?= /usr/local
VERSION := 0.1.0

.PHONY: help demo deps lib lib-static install qemu qemu-full install-qemu servers test compat-table bench bench-core fuzz mutation-pass soak clean

help:
	@echo "make demo            build everything, run a real Barrier server and a patched QEMU, type into it"
	@echo "make test            every test (what .ci/run runs)"
	@echo "make servers         build Input Leap and Deskflow from ../shared/servers (cached)"
	@echo "make compat-table    README's server table from the last e2e run"
	@echo "make lib             build/lib: libbarrierclient.so (Embedded Swift), header, barrierclient.pc"
	@echo "make lib-static      the same with the Swift runtime linked in statically"
	@echo "make install PREFIX=/usr/local   install the .so, header and .pc"
	@echo "make qemu            build/qemu-system-x86_64: the test QEMU (QEMU_VERSION=10.2.2 (default), 10.0.13, 10.0.2)"
	@echo "make qemu-full       a QEMU to use: KVM, VFIO, VNC, SPICE, USB, virtio, firmware (build/qemu-VERSION-full)"
	@echo "make install-qemu PREFIX=/opt/barrierclient   install that QEMU with the library (libvirt's <emulator>)"
	@echo "make bench           stock input-barrier (QEMU 7.2) against ours: throughput, latency, idle, size"
	@echo "make bench-core      decoder and session micro-benchmark"
	@echo "make fuzz            libFuzzer targets, FUZZ_SECONDS (600) each"
	@echo "make mutation-pass   each mutation of scripts/mutations.json against swift test (about 13 min)"

demo:
	./scripts/demo.sh

deps:
	./scripts/setup-deps.sh

# The shipped library: Embedded Swift (libc only).
lib:
	./scripts/build-lib.sh embedded build/lib

lib-static:
	./scripts/build-lib.sh static build/lib-static

# build/qemu-system-x86_64: QEMU 10.2.2 with qemu-patch/ applied (cached);
# QEMU_VERSION=10.0.13 or 10.2.2: build/qemu-VERSION/qemu-system-x86_64.
qemu: deps
	./scripts/build-qemu.sh

# A QEMU to use rather than to test (build-qemu.sh --full), and its install
# with the library: PREFIX/bin/qemu-system-x86_64 for libvirt's <emulator>.
qemu-full: deps
	./scripts/build-qemu.sh --full

install-qemu: qemu-full
	./scripts/install-qemu.sh "$(PREFIX)"

install:
	./scripts/build-lib.sh embedded "$(DESTDIR)$(PREFIX)"

# Input Leap 3.0.3, Deskflow 1.26.0 and master for the server matrix (cached).
servers: deps
	./scripts/build-servers.sh

compat-table:
	./scripts/compat-table.py

test: deps
	./scripts/run-tests.sh

# libFuzzer over the session and over the C API (FUZZ_SECONDS per target).
FUZZ_SECONDS ?= 600
fuzz:
	FUZZ_NICE=10 ./scripts/fuzz.sh all $(FUZZ_SECONDS)

# Does swift test fail when a rule of the core breaks? (scripts/mutations.json)
mutation-pass:
	nice -n 10 python3 ./scripts/mutation-pass.py

# Long end-to-end runs: 1000 object_del/add cycles, 100 server restarts.
soak: qemu
	BARRIERCLIENT_SOAK=1 ./scripts/run-e2e.sh -m soak -s

bench: deps
	./scripts/bench.sh

bench-core:
	swift build -c release --product core-bench --scratch-path .build-release
	.build-release/release/core-bench
	./scripts/build-lib.sh embedded build/lib >/dev/null
	mkdir -p build/bench
	cc -O2 -Iinclude Benchmarks/CApiBench/capi_bench.c -o build/bench/capi-bench \
	    -Lbuild/lib/lib -lbarrierclient -Wl,-rpath,$(CURDIR)/build/lib/lib -ldl
	build/bench/capi-bench
	cc -O2 -Iinclude Benchmarks/CApiBench/capi_cold.c -o build/bench/capi-cold \
	    -Lbuild/lib/lib -lbarrierclient -Wl,-rpath,$(CURDIR)/build/lib/lib
	build/bench/capi-cold

clean:
	rm -rf .build .build-* build
