#!/bin/bash
# vma-userland.sh SRC TAP
#
# The userspace tests of mm/vma.c (tools/testing/vma: merge, split, expand,
# munmap logic against stubbed VMA helpers), built from the patched tree SRC
# and run on the host in seconds.  One TAP case in TAP; the log beside it.
set -uo pipefail
src=$1 tap=$2
mkdir -p "$(dirname "$tap")"
dir=$src/tools/testing/vma
if make -s -C "$dir" -j"$(nproc)" vma >"$tap.log" 2>&1 && (cd "$dir" && ./vma) >>"$tap.log" 2>&1 &&
   tail -1 "$tap.log" | grep -q ' 0 failed'; then
	echo "ok 1 tools/testing/vma: $(tail -1 "$tap.log")" > "$tap"
else
	echo "not ok 1 tools/testing/vma: see $tap.log" > "$tap"
fi
grep -E '^(not )?ok ' "$tap"
