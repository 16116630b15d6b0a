#!/bin/sh
# harness/insnprof.sh, in the guest: run one operation between the markers
# of the insnprof plugin.  The operation comes from the kernel command line
# (op=...).
op=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^op=//p')
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
/bench/profile "$op" && echo "profile $op: done"
exit 0
