#!/bin/sh
# make run: show the feature on a real process.
echo "== kernel: $(uname -a)"
/bench/demo
echo
echo "== reader/writer demo: a thread maps, touches and unmaps single pages in a"
echo "== process with 3,000 VMAs and ~64 MiB resident, first alone, then while"
echo "== another process loops reading its /proc/PID/smaps at nice 15."
echo "== On stock 6.12 the reader cuts the writer's throughput ~25-fold."
/bench/interference mmap none 2
/bench/interference mmap smaps 2
echo
echo "== how the reader found its VMAs (/sys/kernel/debug/vma_read/stats):"
cat /sys/kernel/debug/vma_read/stats 2>/dev/null || echo "(not the patched kernel)"
echo
echo "== page walks smaps skipped because a VMA mapped nothing (/sys/kernel/debug/vma_rss/stats):"
cat /sys/kernel/debug/vma_rss/stats 2>/dev/null || echo "(a kernel without per-VMA rss counters)"
