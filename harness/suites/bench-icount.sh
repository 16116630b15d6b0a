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
# Per-VMA object sizes (slab object size, bytes).  A cache merged with
# another one has no line of its own in /proc/slabinfo, but keeps its name
# in /sys/kernel/slab.
for c in vm_area_struct vma_lock; do
	if [ -r /sys/kernel/slab/$c/object_size ]; then
		echo "BENCH objsize kernel=$label cache=$c bytes=$(cat /sys/kernel/slab/$c/object_size)"
	else
		awk -v c=$c '$1 == c { print "BENCH objsize kernel='$label' cache=" c " bytes=" $4 }' /proc/slabinfo
	fi
done
exit 0
