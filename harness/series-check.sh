#!/bin/bash
# series-check.sh TARBALL REPO WORKDIR FRAGMENT...
#
# The series is bisectable and checkpatch-clean: starting from the pristine
# tree plus the overlay, apply each patch of REPO/patches/series in turn,
# run scripts/checkpatch.pl --strict on it, and build the kernel with the
# given config fragments (incrementally, with ccache) after each.  Prints
# TAP, one case per patch for checkpatch and one per build step.
set -uo pipefail
tarball=$1 repo=$(realpath "$2") work=$3
shift 3
frags=("$@")
mkdir -p "$work"
work=$(realpath "$work")
src=$work/src out=$work/out-bench log=$work/log
h=$repo/harness
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$repo/patches/series")
n=$(( 2 * ${#patches[@]} + 1 ))
echo "1..$n"
i=0
"$h/prepare-tree.sh" "$tarball" "$src" "$repo" overlay > "$log.prepare" 2>&1 || {
	echo "not ok 1 series: preparing the tree failed (see $log.prepare)"; exit 1; }
build() {
	i=$((i + 1))
	if "$h/build-kernel.sh" "$src" "$out" "${frags[@]}" > "$log.$i" 2>&1 &&
	   ! grep -E '(error|warning):' "$log.$i" | grep -qv 'frame size'; then
		echo "ok $i series: builds $1"
	else
		echo "not ok $i series: build $1 (see $log.$i)"
		grep -E '(error|warning):' "$log.$i" | grep -v 'frame size' | head -5 | sed 's/^/# /'
	fi
}
build "with the overlay only"
for p in "${patches[@]}"; do
	i=$((i + 1))
	if (cd "$src" && ./scripts/checkpatch.pl --strict --no-tree -q "$repo/patches/$p") > "$log.cp.$i" 2>&1; then
		echo "ok $i series: checkpatch --strict clean: $p"
	else
		echo "not ok $i series: checkpatch --strict: $p"
		sed 's/^/# /' "$log.cp.$i" | head -10
	fi
	if ! git -C "$src" am -q --keep-cr "$repo/patches/$p" > "$log.am" 2>&1; then
		git -C "$src" am --abort > /dev/null 2>&1
		i=$((i + 1))
		echo "not ok $i series: $p does not apply"
		sed 's/^/# /' "$log.am" | head -5
		continue
	fi
	build "after $p"
done
