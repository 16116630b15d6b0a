#!/bin/bash
# insnprof.sh OPERATION [TOP]
#
# Where the instructions of one operation go, stock vs patched: boot each
# bench kernel under TCG with the insnprof plugin, run bench/profile
# OPERATION (see bench/profile.c) between the plugin's markers, and print
# per-function instruction counts sorted by their difference.  Exact
# counts, not time: what -icount measures, broken down.
#
# INSNPROF_OUT=NAME: the kernels of build/NAME and build/stock/NAME instead
# of the bench ones (out-bench), e.g. out-o2 for a config built beside it;
# logs go to build/logs/insnprof-NAME/ then.
# INSNPROF_BASE=OP0: the first column is OP0 on the patched kernel instead of
# OPERATION on stock: what OPERATION costs over OP0 (e.g. scan:rss1024 over
# scan:rss1, query:sparse over maps:sparse), per function, on one kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
b=$here/../build
op=$1 top=${2:-40}
name=${INSNPROF_OUT:-out-bench}
patched_out=$b/$name stock_out=$b/stock/$name
base=${INSNPROF_BASE:-}
log=$b/logs/insnprof${INSNPROF_OUT:+-$name}/${op//[:\/]/_}${base:+-over-${base//[:\/]/_}}
[ -n "$base" ] && stock_out=$patched_out
mkdir -p "$log"
gcc -shared -fPIC -O2 -Wall -o "$b/insnprof.so" "$here/insnprof/insnprof.c"
for k in stock patched; do
	out=$patched_out o=$op
	[ $k = stock ] && out=$stock_out o=${base:-$op}
	"$here/qemu.sh" -i -t 1800 -m 2G -p "$b/insnprof.so,out=$log/$k.out" \
		-a "op=$o" "$out/arch/x86/boot/bzImage" "$b/initramfs.cpio.gz" \
		profile "$log/$k" >/dev/null
	grep -q "profile $o: done" "$log/$k/results.log" ||
		{ echo "the $k guest did not run $o" >&2; exit 1; }
done
python3 "$here/insnprof/symbolize.py" "$stock_out/System.map" "$log/stock.out" \
	"$patched_out/System.map" "$log/patched.out" "$top" | tee "$log/diff.txt"
