#!/bin/sh
# What procps-ng and /proc show of a quiescent workload, ASLR off, for a
# byte-for-byte comparison between kernels.  Sections start with "=== ".
echo 0 > /proc/sys/kernel/randomize_va_space
echo never > /sys/kernel/mm/transparent_hugepage/enabled
mkfifo /tmp/ready
/0/workload > /tmp/ready &
pid=$!
read line < /tmp/ready
for cmd in "pmap -x" "pmap -X" "pmap -XX"; do
	echo "=== $cmd"
	/usr/bin/$cmd $pid | sed "s/^$pid:/PID:/"
done
echo "=== ps"
/usr/bin/ps -o rss,vsz,sz,comm -p $pid
for f in maps smaps smaps_rollup; do
	echo "=== /proc/PID/$f"
	cat /proc/$pid/$f
done
kill $pid
echo "=== end"
