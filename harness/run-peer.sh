#!/bin/bash
# run-peer.sh PATCHED_BZIMAGE STOCK_BZIMAGE INITRD BUILT_TXT LOGDIR TABLEDIR
#
# The peer suite (the kernel's own proc and mm selftests, harness/suites/
# peer.sh) booted once under the stock and once under the patched debug
# kernel with the same initramfs, then compared case by case on the host
# (harness/compare-peer.py): LOGDIR/peer-stock and LOGDIR/peer-patched hold
# each boot's console.log and results.log (harness/verdict.sh checks both
# consoles and that both guests reported to the end), LOGDIR/peer/peer.tap
# the comparison, TABLEDIR/table.md the table.  PEER_TIMEOUT bounds each boot.
#
# The stock kernel is the reference, and a reference that flakes (a
# program killed on stock once in many runs, passing on patched) proves
# nothing about the series: the programs that differ are run once more on
# stock (LOGDIR/peer-stock-rerun, one more boot) and the comparison is
# made again with that rerun (see harness/compare-peer.py).  The patched
# kernel is never rerun.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
patched=$1 stock=$2 initrd=$3 built=$4 logdir=$5 tabledir=$6
tmo=${PEER_TIMEOUT:-1800}
mkdir -p "$logdir/peer" "$tabledir"
for k in stock patched; do
	img=$patched
	[ $k = stock ] && img=$stock
	start=$(date +%s)
	"$here/qemu.sh" -t "$tmo" ${ONLY:+-a "only=$ONLY"} "$img" "$initrd" peer "$logdir/peer-$k" >/dev/null
	echo "  PEER    $k guest: $(( $(date +%s) - start ))s, $(grep -c '^# PEER-END' "$logdir/peer-$k/results.log" || true) programs"
	cp "$logdir/peer-$k/results.log" "$tabledir/results-$k.log"
	cp "$logdir/peer-$k/console.log" "$tabledir/console-$k.log"
done
compare() {
	python3 "$here/compare-peer.py" "$logdir/peer-stock/results.log" "$logdir/peer-patched/results.log" \
		"$built" "$logdir/peer/peer.tap" "$tabledir/table.md" "$@"
}
rm -rf "$logdir/peer-stock-rerun"
compare > "$logdir/peer/first.txt"
differ=$(paste -sd, "$logdir/peer/peer.tap.differ")
if [ -n "$differ" ]; then
	echo "  PEER    differ on the first stock boot: $differ; rerun on stock"
	start=$(date +%s)
	"$here/qemu.sh" -t "$tmo" -a "only=$differ" "$stock" "$initrd" peer "$logdir/peer-stock-rerun" >/dev/null
	echo "  PEER    stock rerun: $(( $(date +%s) - start ))s"
	cp "$logdir/peer-stock-rerun/results.log" "$tabledir/results-stock-rerun.log"
	compare "$logdir/peer-stock-rerun/results.log"
else
	cat "$logdir/peer/first.txt"
fi
rm -f "$logdir/peer/peer.tap.differ"
cp "$logdir/peer/peer.tap" "$tabledir/peer.tap"
