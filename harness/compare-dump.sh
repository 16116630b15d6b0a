#!/bin/bash
# compare-dump.sh EXPECTED ACTUAL [LABEL]
#
# Compare two outputs of the dump suite (procps-ng pmap -x/-X/-XX, ps, and
# /proc/PID/{maps,smaps,smaps_rollup} of the same quiescent workload, ASLR
# off) section by section.  Prints TAP, one case per section; the diff of a
# differing section follows as comments.
set -uo pipefail
exp=$1 act=$2 label=${3:-stock}
# Shared anonymous memory is a shmem file whose inode number comes from
# get_next_ino(), a per-CPU batch that differs from boot to boot: replace it
# on "(deleted)" mappings, and squeeze the blanks of pmap's -X/-XX tables,
# whose column widths follow the widest number.  Nothing else is changed.
sections() {
	sed -n '/^=== /,/^=== end/p' "$1" | grep -v '^SUITE' | awk '
		/^=== / { sec = $0; print; next }
		/\(deleted\)$/ { if (sec ~ /pmap -X/) $5 = "INO"; else if (sec !~ /pmap -x/) $5 = "INO" }
		sec ~ /pmap -X/ { $1 = $1 }
		{ print }'
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sections "$exp" | awk -v d="$tmp/e" '/^=== / { n++; name[n] = $0 } { print > (d "." n) }'
sections "$act" | awk -v d="$tmp/a" '/^=== / { n++ } { print > (d "." n) }'
n=$(ls "$tmp"/e.* 2>/dev/null | wc -l)
if [ "$n" -lt 8 ]; then
	echo "1..1"
	echo "not ok 1 dump: expected output has $n sections (want 8+)"
	exit 0
fi
echo "1..$((n - 1))"
for i in $(seq 1 $((n - 1))); do
	name=$(head -1 "$tmp/e.$i" | sed 's/^=== //')
	if [ -f "$tmp/a.$i" ] && diff -u "$tmp/e.$i" "$tmp/a.$i" > "$tmp/diff"; then
		echo "ok $i dump: '$name' identical to $label"
	else
		echo "not ok $i dump: '$name' differs from $label"
		sed 's/^/# /' "$tmp/diff" | head -40
	fi
done
