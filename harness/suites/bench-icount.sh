#!/bin/sh
# make bench, in an instruction-counted guest (-icount shift=0,sleep=off):
# CPU-bound costs.  Guest time advances per executed instruction, so these
# figures count instructions, not cache misses or cache-line bouncing.
label=$(cat /proc/cmdline | tr ' ' '\n' | sed -n 's/^label=//p')
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
for l in sparse dense big rss1 rss16 rss256 rss1024; do
	/bench/readcost $l 5 | sed "s/^/BENCH readcost kernel=$label /"
done
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
/bench/maintcost 5 | sed "s/^/BENCH maintcost kernel=$label /"
# Per-VMA object sizes (slab object size, bytes).
awk '$1 == "vm_area_struct" || $1 == "vma_lock" { print "BENCH objsize kernel='$label' cache=" $1 " bytes=" $4 }' /proc/slabinfo
exit 0
