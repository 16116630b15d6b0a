#!/bin/bash
# qemu.sh [-i] [-m MEM] [-t TIMEOUT] [-a APPEND] [-p PLUGIN] BZIMAGE INITRD SUITE LOGDIR
#
# Boot BZIMAGE under TCG (no KVM here) with 2 vCPUs and run SUITE.
# The kernel console goes to LOGDIR/console.log; the suite's results come
# over a second serial port to stdout and LOGDIR/results.log, so kernel
# messages never interleave with them.  -i: instruction-counted clock
# (-icount shift=0,sleep=off) for CPU-bound measurements (it serializes the
# vCPUs).  -p: load a TCG plugin (harness/insnprof).  The run is bounded by
# TIMEOUT seconds.
set -euo pipefail
icount=0 mem=2G tmo=1800 append="" plugin=()
while getopts "im:t:a:p:" o; do
	case $o in
	i) icount=1 ;; m) mem=$OPTARG ;; t) tmo=$OPTARG ;; a) append=$OPTARG ;; p) plugin=(-plugin "$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
kernel=$1 initrd=$2 suite=$3 logdir=$4
mkdir -p "$logdir"
if [ "$icount" = 1 ]; then
	accel=(-accel tcg -icount shift=0,sleep=off)
else
	accel=(-accel tcg,thread=multi)
fi
: > "$logdir/console.log"
set +e
# mem-merge=off: QEMU registers guest RAM with KSM by default, and this
# host runs ksmd with sleep_millisecs=0, so while a guest ran ksmd scanned
# its RAM flat out, taking a host core from the 2 vCPUs and write-faulting
# the guest's merged pages back apart: the "busy host" of earlier
# interference runs (control 0.81-0.83x).
# -cpu max without LA57: one debug boot with 5-level paging hit a KASAN
# "wild-memory-access" in handle_edge_irq() during identify_cpu() (stock
# boot code, before userspace); nothing here needs 5-level paging.
timeout --foreground -k 10 "$tmo" qemu-system-x86_64 -M q35,mem-merge=off -smp 2 -m "$mem" "${accel[@]}" "${plugin[@]}" -cpu max,la57=off \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=6 suite=$suite results=ttyS1 $append" \
	-display none -monitor none -no-reboot \
	-serial "file:$logdir/console.log" -serial stdio </dev/null | stdbuf -oL tr -d '\r' | tee "$logdir/results.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 124 ] && echo "QEMU-TIMEOUT after ${tmo}s" | tee -a "$logdir/results.log"
exit 0
