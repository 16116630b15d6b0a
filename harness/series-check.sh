#!/bin/bash
# series-check.sh TARBALL REPO WORKDIR CONFIG-LIST [NAME...]
#
# The series is bisectable and checkpatch-clean: starting from the pristine
# tree plus the overlay, apply each patch of REPO/patches/series in turn,
# run scripts/checkpatch.pl --strict on it, and build the kernel in every
# configuration of CONFIG-LIST (or only those NAMEd, in that order) after each, each in
# its own output directory WORKDIR/out-NAME, incrementally, with ccache.
#
# CONFIG-LIST has one configuration a line: NAME ARCH BASE FRAGMENT...,
# where BASE is the make target the fragments (REPO/configs/FRAGMENT.config)
# are merged onto (tinyconfig, nommu_virt_defconfig, ...) and
# configs/werror.config is added to every one.  A build fails on any
# compiler error or warning except the frame-size one (which
# KCFLAGS=-Wno-error=frame-larger-than= keeps a warning under CONFIG_WERROR).
#
# Prints TAP: per configuration one case for the build with the overlay
# only, then per patch one case for checkpatch and one per configuration
# for the build after it.  Logs: WORKDIR/log/.
#
# SERIES_QUICK=1: fast feedback, build only after the last patch (still
# checkpatch every patch), one case per configuration.
set -uo pipefail
tarball=$1 repo=$(realpath "$2") work=$3 list=$4
shift 4
want=("$@")
mkdir -p "$work"
work=$(realpath "$work")
src=$work/src logs=$work/log
h=$repo/harness
rm -rf "$logs" && mkdir -p "$logs"

# The configurations, in the order of the list (or of the NAMEs given).
declare -A spec=()
order=()
while read -r name arch base fr; do
	case "$name" in ''|'#'*) continue ;; esac
	spec[$name]="$arch $base $fr"
	order+=("$name")
done < "$list"
[ ${#want[@]} = 0 ] || order=("${want[@]}")
names=() arches=() bases=() fragsets=()
for name in "${order[@]}"; do
	[ -n "${spec[$name]:-}" ] || { echo "ERROR: no configuration $name in $list" >&2; exit 2; }
	set -- ${spec[$name]}
	arches+=("$1") bases+=("$2")
	shift 2
	files=()
	for f in "$@" werror; do files+=("$repo/configs/$f.config"); done
	names+=("$name") fragsets+=("${files[*]}")
done
nc=${#names[@]}
[ "$nc" -gt 0 ] || { echo "ERROR: no configuration to build" >&2; exit 2; }

mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$repo/patches/series")
np=${#patches[@]}
quick=${SERIES_QUICK:-}
if [ -n "$quick" ]; then
	echo "1..$(( np + nc ))"
else
	echo "1..$(( np + (np + 1) * nc ))"
fi
echo "# configurations: ${names[*]}"
i=0
t0=$(date +%s)
# A run stopped in the middle of git am leaves its state behind.
[ ! -d "$src/.git" ] || git -C "$src" am --abort > /dev/null 2>&1
"$h/prepare-tree.sh" "$tarball" "$src" "$repo" overlay > "$logs/prepare" 2>&1 || {
	echo "not ok 1 series: preparing the tree failed (see $logs/prepare)"; exit 1; }

# Compiler/kbuild diagnostics of a build log, the ones that fail a build.
diagnostics() {
	grep -E '(error|warning):|WARNING: modpost' "$1" | grep -v 'frame size' |
		sed -e "s|$src/||g" -e 's|\.\./src/||g'
}
# build STEP CONFIG-INDEX: one TAP case.
build() {
	local step=$1 c=$2 name=${names[$2]} log t
	local -a frags
	read -ra frags <<< "${fragsets[$c]}"
	i=$((i + 1))
	log=$logs/$step.$name.log
	t=$(date +%s)
	if ARCH=${arches[$c]} KCONFIG_BASE=${bases[$c]} KEEP_GOING=1 \
	   KCFLAGS=-Wno-error=frame-larger-than= \
	   "$h/build-kernel.sh" "$src" "$work/out-$name" "${frags[@]}" > "$log" 2>&1 &&
	   [ -z "$(diagnostics "$log")" ]; then
		echo "ok $i series: [$name] builds $(label "$step") ($(( $(date +%s) - t )) s)"
	else
		echo "not ok $i series: [$name] build $(label "$step") ($(( $(date +%s) - t )) s, see $log)"
		if [ -n "$(diagnostics "$log")" ]; then
			diagnostics "$log" | awk '!seen[$0]++' | head -12 | sed 's/^/# /'
		else
			tail -5 "$log" | sed 's/^/# /'
		fi
	fi
}
label() { [ "$1" = 00 ] && echo "with the overlay only" || echo "after ${patches[10#$1 - 1]}"; }

[ -n "$quick" ] || for c in $(seq 0 $((nc - 1))); do build 00 "$c"; done
k=0 broken=
for p in "${patches[@]}"; do
	k=$((k + 1)) step=$(printf %02d "$k")
	i=$((i + 1))
	if "$h/checkpatch-patch.sh" "$src" "$repo/patches/$p" > "$logs/$step.checkpatch" 2>&1; then
		echo "ok $i series: checkpatch --strict clean: $p"
	else
		echo "not ok $i series: checkpatch --strict: $p"
		sed 's/^/# /' "$logs/$step.checkpatch" | head -10
	fi
	if [ -n "$quick" ] && [ -n "$broken" ]; then
		:	# the tree is not the series any more: no build
	elif ! git -C "$src" am -q --keep-cr "$repo/patches/$p" > "$logs/$step.am" 2>&1; then
		git -C "$src" am --abort > /dev/null 2>&1
		broken=$p
		echo "# $p does not apply:"
		sed 's/^/# /' "$logs/$step.am" | head -5
		if [ -z "$quick" ]; then
			for c in $(seq 0 $((nc - 1))); do
				i=$((i + 1))
				echo "not ok $i series: [${names[$c]}] $p does not apply"
			done
			continue
		fi
	fi
	[ -z "$quick" ] || [ "$k" = "$np" ] || continue
	if [ -n "$quick" ] && [ -n "$broken" ]; then
		for c in $(seq 0 $((nc - 1))); do
			i=$((i + 1))
			echo "not ok $i series: [${names[$c]}] no build: $broken does not apply"
		done
		continue
	fi
	for c in $(seq 0 $((nc - 1))); do build "$step" "$c"; done
done
echo "# series-check: ${np} patches x ${nc} configurations in $(( $(date +%s) - t0 )) s"
