#!/bin/bash
# build-kernel.sh SRCDIR OUTDIR FRAGMENT...
#
# Configure OUTDIR as tinyconfig + the given fragments (merge_config.sh),
# check that every option the fragments ask for is what we got, and build
# bzImage with ccache.  Incremental: kbuild decides what to rebuild.
set -euo pipefail
src=$(realpath "$1") out=$2
shift 2
mkdir -p "$out"
out=$(realpath "$out")
jobs=$(nproc)
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$src")}
export CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export KBUILD_BUILD_TIMESTAMP="Sun Nov 17 00:00:00 UTC 2024"
export KBUILD_BUILD_USER=smaps KBUILD_BUILD_HOST=sideband KBUILD_BUILD_VERSION=1
kmake() { make -s -C "$src" O="$out" CC="ccache gcc" HOSTCC="ccache gcc" -j"$jobs" "$@"; }

frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done
sum=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.fragments" 2>/dev/null)" != "$sum" ]; then
	echo "  CONFIG  $out: tinyconfig + $*"
	kmake tinyconfig >/dev/null
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null)
	kmake olddefconfig >/dev/null
	# merge_config only warns about options it could not set: be strict.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}
			if grep -q "^$opt=" "$out/.config"; then echo "ERROR: $opt wanted off, got $(grep "^$opt=" "$out/.config")" >&2; bad=1; fi ;;
		CONFIG_*=*) if ! grep -qx "$line" "$out/.config"; then
				echo "ERROR: wanted $line, got $(grep "^${line%%=*}=" "$out/.config" || echo 'not set')" >&2; bad=1; fi ;;
		esac
	done < <(cat "${frags[@]}" | awk -F= '/^CONFIG_/ { v[$1] = $0 } END { for (k in v) print v[k] }')
	[ "$bad" = 0 ] || { rm -f "$out/.config"; exit 1; }
	echo "$sum" > "$out/.fragments"
fi
echo "  BUILD   $out/arch/x86/boot/bzImage"
kmake bzImage
kmake headers_install INSTALL_HDR_PATH="$out/usr-headers" >/dev/null
