#!/bin/bash
# checkpatch-check.sh SRC REPO TAPFILE
#
# One TAP case per patch of REPO/patches/series: checkpatch --strict clean
# (checkpatch-patch.sh, with the scripts of the kernel tree SRC).  Written
# to TAPFILE and printed.  make check runs it, so that a commit message
# reworded after the last series-check cannot land unchecked.
set -uo pipefail
src=$1 repo=$(realpath "$2") tap=$3
here=$(dirname "$(realpath "$0")")
mkdir -p "$(dirname "$tap")"
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$repo/patches/series")
{
	echo "1..${#patches[@]}"
	i=0
	for p in "${patches[@]}"; do
		i=$((i + 1))
		if out=$("$here/checkpatch-patch.sh" "$src" "$repo/patches/$p" 2>&1); then
			echo "ok $i checkpatch --strict clean: $p"
		else
			echo "not ok $i checkpatch --strict: $p"
			printf '%s\n' "$out" | head -10 | sed 's/^/# /'
		fi
	done
} | tee "$tap"
