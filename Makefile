# smaps sideband: build, boot and test a patched Linux 6.12.117 in QEMU.
#
#   make run     install what is missing, build, boot, show the feature
#   make check   every test; last line "N passed, N failed"
#   make bench   stock vs patched benchmarks -> bench/results/
#
# See README.md for the other targets.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DELETE_ON_ERROR:

KVER       := 6.12.117
DEB_PIN    := 6.12.117-1~deb12u1
TARBALL    := /usr/src/linux-source-6.12.tar.xz
B          := $(CURDIR)/build
SRC        := $(B)/src
STOCK_SRC  := $(B)/stock/src
TREE       := $(B)/tree
H          := $(CURDIR)/harness

DEBUG_FRAGS := configs/base.config configs/debug.config
BENCH_FRAGS := configs/base.config configs/bench.config
O2_FRAGS    := $(BENCH_FRAGS) configs/o2.config

OUT_DEBUG       := $(B)/out-debug
OUT_BENCH       := $(B)/out-bench
OUT_STOCK       := $(B)/stock/out-bench
OUT_STOCK_DEBUG := $(B)/stock/out-debug
OUT_O2          := $(B)/out-o2
OUT_STOCK_O2    := $(B)/stock/out-o2

PACKAGES := qemu-system-x86 busybox-static flex bison bc libelf-dev libssl-dev \
	cpio ccache procps gnuplot-nox liburcu-dev xz-utils gcc make libc6-dev git \
	python3 perl rsync file libnuma-dev liburing-dev
# series-check builds a !MMU riscv64 kernel too (harness/series-check.sh).
SERIES_PACKAGES := gcc-riscv64-linux-gnu
OVERLAY  := $(shell $(H)/overlay-files.sh 2>/dev/null)
SERIES   := $(wildcard patches/series) $(addprefix patches/,$(shell sed -e 's/\#.*//' patches/series 2>/dev/null))

SELFTESTS := $(sort $(wildcard tools/testing/selftests/proc/proc-smaps*.c tools/testing/selftests/proc/proc-maps*.c tools/testing/selftests/proc/proc-sideband*.c))
TEST_BINS := $(patsubst tools/testing/selftests/proc/%.c,$(B)/tests/%,$(SELFTESTS))
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))

DUMP_EXPECTED := $(CURDIR)/harness/expected/dump-stock.txt

# The kernel's own selftests (tools/testing/selftests/{proc,mm}), built
# static against the patched UAPI headers, run under stock and patched.
PEER        := $(B)/peer
PEER_INITRD := $(B)/initramfs-peer.cpio.gz

TEST_CFLAGS := -static -O2 -g -Wall -Wno-unused-function -pthread \
	-I$(SRC)/tools/testing/selftests/proc -I$(OUT_DEBUG)/usr-headers/include \
	-Itools/testing/selftests/proc

.PHONY: all deps kernel kernel-bench stock stock-debug initramfs run check record-expected series-check deps-series stress counter-contention \
	bench tree export clean help selftests peer peer-initramfs

all: kernel

help:
	@sed -n '/^## /s/^## //p' README.md

## deps: install the Debian packages the harness needs (idempotent)
deps: $(B)/.deps
$(B)/.deps: Makefile
	@mkdir -p $(B)
	@missing=""; \
	for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	have=$$(dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null || true); \
	if [ -n "$$missing" ] || [ "$$have" != "$(DEB_PIN)" ]; then \
		SUDO=$$( [ $$(id -u) = 0 ] || echo sudo ); \
		echo "  DEPS    apt-get install$$missing (linux-source-6.12: $${have:-none})"; \
		$$SUDO apt-get update -qq; \
		APT="$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends"; \
		[ -z "$$missing" ] || $$APT $$missing >/dev/null; \
		if [ "$$have" != "$(DEB_PIN)" ]; then \
			if ! $$APT --allow-downgrades linux-source-6.12=$(DEB_PIN) >/dev/null; then \
				echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
				echo "!!! WARNING: linux-source-6.12=$(DEB_PIN) is not available."; \
				echo "!!! Falling back to the candidate: $$(apt-cache policy linux-source-6.12 | awk '/Candidate/ {print $$2}')"; \
				echo "!!! The patches target $(KVER); expect rejects."; \
				echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
				$$APT linux-source-6.12 >/dev/null; \
			fi; \
		fi; \
	fi
	@test -f $(TARBALL) || { echo "ERROR: $(TARBALL) missing after install" >&2; exit 1; }
	@touch $@

# The patched source: pristine + overlay + series, regenerated when any of
# them changes.
$(SRC)/.applied: $(B)/.deps $(OVERLAY) $(SERIES) $(H)/prepare-tree.sh $(H)/overlay-files.sh
	$(H)/prepare-tree.sh $(TARBALL) $(SRC) $(CURDIR)
	@touch $@
$(STOCK_SRC)/.applied: $(B)/.deps $(H)/prepare-tree.sh
	$(H)/prepare-tree.sh $(TARBALL) $(STOCK_SRC) $(CURDIR) stock
	@touch $@

## kernel: the patched kernel, debug config (lockdep, DEBUG_VM, KASAN)
kernel: $(SRC)/.applied
	$(H)/build-kernel.sh $(SRC) $(OUT_DEBUG) $(DEBUG_FRAGS)
## kernel-bench: the patched kernel, bench config (no debugging)
kernel-bench: $(SRC)/.applied
	$(H)/build-kernel.sh $(SRC) $(OUT_BENCH) $(BENCH_FRAGS)
## stock: unmodified 6.12.117, bench config, in build/stock (stock-debug: debug config)
stock: $(STOCK_SRC)/.applied
	$(H)/build-kernel.sh $(STOCK_SRC) $(OUT_STOCK) $(BENCH_FRAGS)
stock-debug: $(STOCK_SRC)/.applied
	$(H)/build-kernel.sh $(STOCK_SRC) $(OUT_STOCK_DEBUG) $(DEBUG_FRAGS)
## kernel-o2, stock-o2: the bench config at -O2 with jump labels (configs/o2.config), for make bench's insnprof rows
kernel-o2: $(SRC)/.applied
	$(H)/build-kernel.sh $(SRC) $(OUT_O2) $(O2_FRAGS)
stock-o2: $(STOCK_SRC)/.applied
	$(H)/build-kernel.sh $(STOCK_SRC) $(OUT_STOCK_O2) $(O2_FRAGS)

# Static selftests and bench tools, built against the patched UAPI headers
# (rebuilt when those change: a tool built against an older PROCMAP_QUERY
# would pass the kernel flags it does not know).
UAPI_HDRS := $(wildcard $(OUT_DEBUG)/usr-headers/include/linux/fs.h)
$(B)/tests/%: tools/testing/selftests/proc/%.c $(wildcard tools/testing/selftests/proc/*.h) $(UAPI_HDRS) | kernel
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@gcc $(TEST_CFLAGS) -o $@ $<
$(B)/bench/%: bench/%.c $(wildcard bench/*.h) $(UAPI_HDRS) | kernel
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@gcc $(TEST_CFLAGS) -Ibench -o $@ $< -lm

selftests: $(TEST_BINS) $(BENCH_BINS)

## initramfs: busybox + selftests + bench tools + procps-ng pmap/ps
initramfs: $(B)/initramfs.cpio.gz
$(B)/initramfs.cpio.gz: $(TEST_BINS) $(BENCH_BINS) $(H)/init.sh $(wildcard $(H)/suites/*.sh) $(H)/mkinitramfs.sh
	@rm -rf $(B)/tests.stage && mkdir -p $(B)/tests.stage $(B)/bench
	@cp $(TEST_BINS) $(B)/tests.stage/
	$(H)/mkinitramfs.sh $@ $(B)/tests.stage $(B)/bench

## peer-initramfs: the initramfs plus the peer selftests (/peer), for the peer suite
# build-peer.sh rebuilds only when the headers or the sources changed (it
# leaves built.txt alone otherwise), and the archive follows built.txt and
# the main initramfs (which follows the suites and init.sh).
peer-initramfs: kernel initramfs
	@$(H)/build-peer.sh $(SRC) $(OUT_DEBUG)/usr-headers/include $(PEER)
	@if [ ! -f $(PEER_INITRD) ] || [ -n "$$(find $(PEER)/built.txt $(B)/initramfs.cpio.gz -newer $(PEER_INITRD))" ]; then \
		$(H)/mkinitramfs.sh $(PEER_INITRD).tmp $(B)/tests.stage $(B)/bench $(PEER) && mv $(PEER_INITRD).tmp $(PEER_INITRD); \
	fi

## run: boot the patched kernel and show the feature on a real process
run: deps kernel initramfs
	@$(H)/qemu.sh -t 600 $(OUT_DEBUG)/arch/x86/boot/bzImage $(B)/initramfs.cpio.gz run $(B)/logs/run
	@grep -q '^SUITE-DONE' $(B)/logs/run/results.log || { echo "the guest did not finish; console: $(B)/logs/run/console.log"; exit 1; }

## check: all tests (guest selftests under the debug kernel + host checks)
check: deps kernel stock-debug initramfs peer-initramfs
	@rm -rf $(B)/logs/check && mkdir -p $(B)/logs/check
	@$(H)/qemu.sh -t 2400 $(OUT_DEBUG)/arch/x86/boot/bzImage $(B)/initramfs.cpio.gz check $(B)/logs/check/guest >/dev/null
	@grep -E '^(not )?ok |^# PROGRAM|^SUITE|^QEMU' $(B)/logs/check/guest/results.log || true
	@# procps-ng and /proc output of a quiescent workload: identical to stock
	@# (live when the stock kernel is built, else the recorded expectation).
	@$(H)/qemu.sh -t 300 $(OUT_DEBUG)/arch/x86/boot/bzImage $(B)/initramfs.cpio.gz dump $(B)/logs/check/dump-patched >/dev/null
	@ref=$(DUMP_EXPECTED); label="recorded stock output"; \
	if [ -f $(OUT_STOCK)/arch/x86/boot/bzImage ]; then \
		$(H)/qemu.sh -t 300 $(OUT_STOCK)/arch/x86/boot/bzImage $(B)/initramfs.cpio.gz dump $(B)/logs/check/dump-stock >/dev/null; \
		ref=$(B)/logs/check/dump-stock/results.log; label="stock (live)"; \
	fi; \
	mkdir -p $(B)/logs/check/compare; \
	$(H)/compare-dump.sh $$ref $(B)/logs/check/dump-patched/results.log "$$label" | tee $(B)/logs/check/compare/dump.tap | grep -E '^(not )?ok '
	@# mm/vma.c in userspace (tools/testing/vma), from the patched tree.
	@$(H)/vma-userland.sh $(SRC) $(B)/logs/check/vma/vma.tap
	@# Every patch checkpatch --strict clean, commit message included.
	@$(H)/checkpatch-check.sh $(SRC) $(CURDIR) $(B)/logs/check/checkpatch/checkpatch.tap | grep -E '^(not )?ok '
	@# No ioctl number or struct layout of linux/fs.h that 6.12 has changes.
	@$(H)/uapi-check.sh $(TARBALL) $(OUT_DEBUG)/usr-headers/include $(B)/logs/check/uapi/uapi.tap | grep -E '^(not )?ok |^# '
	@# The kernel's own proc and mm selftests: stock and patched debug
	@# kernels must give the same result per program and per TAP case.
	@$(H)/run-peer.sh $(OUT_DEBUG)/arch/x86/boot/bzImage $(OUT_STOCK_DEBUG)/arch/x86/boot/bzImage \
		$(PEER_INITRD) $(PEER)/built.txt $(B)/logs/check $(B)/logs/peer
	@$(H)/verdict.sh $(B)/logs/check/*

## peer: only the peer part of check (the kernel's own selftests, stock vs patched debug kernels); ONLY=prog
peer: deps kernel stock-debug initramfs peer-initramfs
	@rm -rf $(B)/logs/peer-only && mkdir -p $(B)/logs/peer-only
	@$(H)/run-peer.sh $(OUT_DEBUG)/arch/x86/boot/bzImage $(OUT_STOCK_DEBUG)/arch/x86/boot/bzImage \
		$(PEER_INITRD) $(PEER)/built.txt $(B)/logs/peer-only $(B)/logs/peer
	@$(H)/verdict.sh $(B)/logs/peer-only/*

## stress: the storm (readers vs every kind of VMA churn) under the debug kernel for DURATION seconds
DURATION ?= 600
stress: deps kernel initramfs
	@rm -rf $(B)/logs/stress && mkdir -p $(B)/logs/stress
	@$(H)/qemu.sh -t $$(( $(DURATION) + 600 )) -a "duration=$(DURATION)" $(OUT_DEBUG)/arch/x86/boot/bzImage \
		$(B)/initramfs.cpio.gz stress $(B)/logs/stress/guest | grep -E '^(not )?ok |#.*storm'
	@$(H)/verdict.sh $(B)/logs/stress/*

## record-expected: record stock's dump output as the expectation for make check
record-expected: deps stock initramfs
	$(H)/qemu.sh -t 300 $(OUT_STOCK)/arch/x86/boot/bzImage $(B)/initramfs.cpio.gz dump $(B)/logs/record >/dev/null
	sed -n '/^=== /,/^=== end/p' $(B)/logs/record/results.log > $(DUMP_EXPECTED)

## bench: stock vs patched (bench config) side by side -> bench/results/
BENCH_REPS ?= 3
BENCH_SECS ?= 3
# BENCH_ONLY=interference or icount runs one half (both kernels, one run).
BENCH_ONLY ?=
# Operations whose guest instructions the insnprof QEMU plugin counts
# exactly, per kernel function (bench/profile.c, harness/insnprof.sh).
INSNPROF_OPS := fault munmap split mremap split:1:2 split:256:2 split:256:64 \
	split:4096:64 mremap_part uffd_move smaps:sparse smaps_rollup:sparse \
	smaps:dense smaps_rollup:dense maps:sparse query:sparse scan:sparse \
	smaps_rollup:vmas50000d smaps_rollup:rss1024 smaps:rss1024 scan:rss1 scan:rss1024 \
	smaps:vmas1000d smaps_rollup:vmas1000d smaps:vmas10000d smaps_rollup:vmas10000d \
	smaps:vmas50000d smaps:rss256 smaps_rollup:rss256
# The reads counted again with both kernels at -O2 with jump labels
# (kernel-o2, stock-o2): distributions build that way, and -Os flatters
# neither kernel the same.  BENCH_O2=0 skips them (and the two builds).
INSNPROF_O2_OPS := maps:sparse maps:big smaps:sparse smaps_rollup:sparse \
	smaps:dense smaps_rollup:dense smaps_rollup:vmas50000d smaps:rss1024 \
	smaps_rollup:rss1024
BENCH_O2 ?= 1
# Patched-only reads against their baseline on the same kernel (OP/BASE):
# what the query and PROCMAP_SCAN pay over maps, and what 1 GiB costs over
# 1 MiB, per function, for the targets of RESULTS.md that compare them.
INSNPROF_PAIRS := query:sparse/maps:sparse query:rss1024/query:rss1 \
	scan:rss1024/scan:rss1 scan:vmas10000d/maps:vmas10000d \
	scan:vmas50000d/maps:vmas50000d
bench: deps kernel-bench stock $(if $(filter 1,$(BENCH_O2)),$(if $(filter interference,$(BENCH_ONLY)),,kernel-o2 stock-o2)) \
	initramfs counter-contention
	@mkdir -p $(B)/logs/bench bench/results/raw
	@for k in stock patched; do \
		img=$(OUT_BENCH)/arch/x86/boot/bzImage; [ $$k = stock ] && img=$(OUT_STOCK)/arch/x86/boot/bzImage; \
		runs=""; \
		if [ "$(BENCH_ONLY)" != icount ]; then \
			echo "  BENCH   $$k: interference (multi-threaded TCG)"; \
			$(H)/qemu.sh -t 2400 -m 2G -a "label=$$k reps=$(BENCH_REPS) secs=$(BENCH_SECS)" \
				$$img $(B)/initramfs.cpio.gz bench $(B)/logs/bench/$$k | grep --line-buffered '^BENCH \(interference\|faultscale\)'; \
			runs="$$k"; \
		fi; \
		if [ "$(BENCH_ONLY)" != interference ]; then \
			echo "  BENCH   $$k: reader and maintenance cost (-icount, instruction-counted)"; \
			$(H)/qemu.sh -i -t 3600 -m 2G -a "label=$$k" \
				$$img $(B)/initramfs.cpio.gz bench-icount $(B)/logs/bench/$$k-icount | grep --line-buffered '^BENCH'; \
			runs="$$runs $$k-icount"; \
		fi; \
		for d in $$runs; do \
			grep -q '^SUITE-DONE' $(B)/logs/bench/$$d/results.log || { echo "the $$d guest did not finish"; exit 1; }; \
			cp $(B)/logs/bench/$$d/results.log bench/results/raw/$$d.log; \
		done; \
	done
	@if [ "$(BENCH_ONLY)" != interference ]; then \
		rm -f bench/results/raw/insnprof-*.txt; \
		for op in $(INSNPROF_OPS); do \
			echo "  BENCH   insnprof $$op: exact instruction counts, stock and patched"; \
			$(H)/insnprof.sh $$op 12 | sed -n 1p; \
			cp $(B)/logs/insnprof/$${op//:/_}/diff.txt bench/results/raw/insnprof-$${op//:/_}.txt; \
		done; \
		rm -f bench/results/raw/insnpair-*.txt; \
		for pair in $(INSNPROF_PAIRS); do \
			op=$${pair%/*} base=$${pair#*/}; \
			echo "  BENCH   insnprof $$op over $$base: exact instruction counts, patched"; \
			INSNPROF_BASE=$$base $(H)/insnprof.sh $$op 12 | sed -n 1p; \
			cp $(B)/logs/insnprof/$${op//:/_}-over-$${base//:/_}/diff.txt \
				bench/results/raw/insnpair-$${op//:/_}-over-$${base//:/_}.txt; \
		done; \
		rm -f bench/results/raw/o2-insnprof-*.txt; \
		if [ "$(BENCH_O2)" = 1 ]; then \
			for op in $(INSNPROF_O2_OPS); do \
				echo "  BENCH   insnprof $$op at -O2: exact instruction counts, stock and patched"; \
				INSNPROF_OUT=out-o2 $(H)/insnprof.sh $$op 12 | sed -n 1p; \
				cp $(B)/logs/insnprof-out-o2/$${op//:/_}/diff.txt bench/results/raw/o2-insnprof-$${op//:/_}.txt; \
			done; \
		fi; \
	fi
	python3 $(H)/bench-report.py bench/results/raw bench/results

## series-check: each patch checkpatch --strict clean and the kernel builds after each, in every configuration of configs/series-check.list
# SERIES_CONFIGS="bench nosmp" builds only those; SERIES_QUICK=1 builds only
# after the last patch (fast feedback).
SERIES_CONFIGS ?=
series-check: deps deps-series
	@mkdir -p $(B)/logs/series
	SERIES_QUICK=$(SERIES_QUICK) $(H)/series-check.sh $(TARBALL) $(CURDIR) $(B)/series \
		configs/series-check.list $(SERIES_CONFIGS) | tee $(B)/logs/series/series.tap
	@$(H)/verdict.sh $(B)/logs/series

## counter-contention: host-side microbenchmark of the counter update pattern (shared per-VMA line vs per-table vs none), bench/results/counter-contention.txt
counter-contention:
	@mkdir -p $(B)/bench bench/results
	@gcc -O2 -Wall -pthread -o $(B)/bench/counter-contention bench/host/counter-contention.c
	@$(B)/bench/counter-contention | tee bench/results/counter-contention.txt

## deps-series: the cross compiler series-check needs (gcc-riscv64-linux-gnu), not needed by make check
deps-series: $(B)/.deps-series
$(B)/.deps-series: Makefile $(B)/.deps
	@missing=""; \
	for p in $(SERIES_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ $$(id -u) = 0 ] || echo sudo ); \
		echo "  DEPS    apt-get install$$missing"; \
		$$SUDO apt-get update -qq; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@touch $@

## tree: a git repository of the patched source in build/tree for editing
tree: $(B)/.deps
	$(H)/prepare-tree.sh $(TARBALL) $(TREE) $(CURDIR)
## export: write build/tree's commits back to patches/ and the overlay
export:
	$(H)/export-tree.sh $(TREE) $(CURDIR)

clean:
	rm -rf $(B)/out-* $(B)/tests $(B)/bench $(B)/logs $(B)/initramfs.cpio.gz $(B)/peer $(PEER_INITRD)
