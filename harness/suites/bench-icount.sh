#!/bin/sh
# make bench, in an instruction-counted guest (-icount shift=0,sleep=off):
# CPU-bound costs.  Guest time advances per executed instruction, so these
# figures count instructions, not cache misses or cache-line bouncing.
label=$(cat /proc/cmdline | tr ' ' '\n' | sed -n 's/^label=//p')
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
for l in sparse dense big rss1 rss16 rss256 rss1024; do
	/bench/readcost $l 5 | sed "s/^/BENCH readcost kernel=$label /"
done
exit 0
