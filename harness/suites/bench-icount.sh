#!/bin/sh
# make bench, in an instruction-counted guest (-icount shift=0,sleep=off):
# CPU-bound costs.  Guest time advances per executed instruction, so these
# figures count instructions, not cache misses or cache-line bouncing.
label=$(cat /proc/cmdline | tr ' ' '\n' | sed -n 's/^label=//p')
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
for l in sparse dense big rss1 rss16 rss256 rss1024; do
	/bench/readcost $l 5 | sed "s/^/BENCH readcost kernel=$label /"
done
# Reader cost vs VMA count: 100..50,000 VMAs over the same 50,000 pages,
# all touched (d) or 1 in 20 (s).  3 reads at 50,000 VMAs, where a stock
# smaps read alone should take ~0.8 s of guest time (0.15 s at 10,000);
# icount repeats within ~1%.
for n in 100 1000 10000 50000; do
	reads=5
	[ $n -ge 50000 ] && reads=3
	for k in d s; do
		/bench/readcost vmas$n$k $reads | sed "s/^/BENCH readcost kernel=$label /"
	done
done
# vmastat -a over a fleet of processes: PROCMAP_SCAN with the rss counters
# against every process's smaps_rollup (and status), on the same processes.
/bench/fleet 5 dense dense sparse sparse rss16 rss64 vmas1000d vmas10000s |
	sed "s/^/BENCH fleet kernel=$label /"
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
