#!/bin/sh
# make bench, in the guest: the interference benchmark (writer latency with
# and without /proc readers).  Every result line starts with "BENCH".
# REPS and SECONDS come from the kernel command line (defaults 3 and 3).
reps=${REPS:-3}
secs=${SECONDS_PER_RUN:-3}
label=$(cat /proc/cmdline | tr ' ' '\n' | sed -n 's/^label=//p')

# The host backs guest RAM lazily: touch most of it once so the first
# scenario is not slower than the rest.
dd if=/dev/zero of=/dev/shm/warm bs=1M count=1200 2>/dev/null
rm -f /dev/shm/warm
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null

knob=/sys/kernel/debug/vma_read
# One line of the reader path counters (patched kernel only), e.g.
# "rcu=12 rcu_retry=0 wait=3 mmap_lock=0 writer_waited=0".
stats() {
	[ -r $knob/stats ] && tr ' \n' '= ' < $knob/stats
}
run() {	# run WAIT MODE:READER
	before=$(stats)
	tag="kernel=$label rep=$rep wait=$1"
	# Its summary line, then its "latency" line of percentiles.
	/bench/interference ${2%%:*} ${2#*:} $secs |
		sed "/^latency /!s/^/BENCH interference $tag /; s/^latency /BENCH latency $tag /"
	[ -n "$before" ] && echo "BENCH stats kernel=$label rep=$rep wait=$1 scenario=$2 before: $before after: $(stats)"
}
scenarios="mmap:none mmap:control mmap:maps mmap:smaps mmap:smaps_rollup fault:none fault:smaps mprotect:none mprotect:smaps"
# The rss query and PROCMAP_SCAN exist on the patched kernel only.
[ -e /sys/kernel/debug/vma_rss ] && scenarios="$scenarios mmap:query mmap:scan"
# Faults of one thread per vCPU in its own page tables, one VMA or a VMA
# each (the control): whether the kernel makes them share a cache line.
ncpu=$(grep -c '^processor' /proc/cpuinfo)
rep=1
while [ $rep -le $reps ]; do
	for m in same separate; do
		/bench/faultscale $m $ncpu $secs | sed "s/^/BENCH faultscale kernel=$label rep=$rep /"
	done
	for s in $scenarios; do
		run on $s
	done
	# The same readers with the wait-for-writer path off (mmap_lock fallback).
	if [ -w $knob/mode ]; then
		echo 1 > $knob/mode
		for s in mmap:smaps mmap:smaps_rollup; do
			run off $s
		done
		echo 0 > $knob/mode
	fi
	rep=$((rep + 1))
done
exit 0
