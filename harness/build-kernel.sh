#!/bin/bash
# build-kernel.sh SRCDIR OUTDIR FRAGMENT...
#
# Configure OUTDIR as tinyconfig + the given fragments (merge_config.sh),
# check that every option the fragments ask for is what we got, and build
# bzImage with ccache.  Incremental: kbuild decides what to rebuild.
#
# For other architectures or base configurations (series-check uses these;
# the defaults are the x86 behaviour above):
#   ARCH=riscv                 the kernel architecture (default x86)
#   CROSS_COMPILE=prefix-      the cross compiler (default: riscv64-linux-gnu-
#                              for riscv, none for x86)
#   KCONFIG_BASE=target        the config the fragments are merged onto
#                              (default tinyconfig; e.g. nommu_virt_defconfig)
#   KERNEL_IMAGE=target        the image to build (default bzImage on x86,
#                              Image elsewhere)
#   KEEP_GOING=1               make -k: report every error, not just the first
set -euo pipefail
src=$(realpath "$1") out=$2
shift 2
mkdir -p "$out"
out=$(realpath "$out")
jobs=$(nproc)
arch=${ARCH:-x86}
case "$arch" in
x86) cross=${CROSS_COMPILE:-} ;;
riscv) cross=${CROSS_COMPILE:-riscv64-linux-gnu-} ;;
*) cross=${CROSS_COMPILE:?CROSS_COMPILE must be set for ARCH=$arch} ;;
esac
base=${KCONFIG_BASE:-tinyconfig}
image=${KERNEL_IMAGE:-$( [ "$arch" = x86 ] && echo bzImage || echo Image )}
if [ -n "$cross" ] && ! command -v "${cross}gcc" >/dev/null; then
	echo "ERROR: ${cross}gcc not found (make deps installs it)" >&2
	exit 1
fi
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$src")}
export CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export KBUILD_BUILD_TIMESTAMP="Sun Nov 17 00:00:00 UTC 2024"
export KBUILD_BUILD_USER=smaps KBUILD_BUILD_HOST=sideband KBUILD_BUILD_VERSION=1
archargs=()
[ "$arch" = x86 ] && [ -z "$cross" ] || archargs=(ARCH="$arch" CROSS_COMPILE="$cross")
kmake() {
	make -s -C "$src" O="$out" "${archargs[@]}" CC="ccache ${cross}gcc" HOSTCC="ccache gcc" \
		-j"$jobs" ${KEEP_GOING:+-k} "$@"
}

frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done
sum=$( (echo "$arch $cross $base"; cat "${frags[@]}") | sha1sum | cut -d' ' -f1)
# The x86 default keeps the checksum of the fragments alone, as before.
[ "$arch $cross $base" = "x86  tinyconfig" ] && sum=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.fragments" 2>/dev/null)" != "$sum" ]; then
	echo "  CONFIG  $out: $base + $*${cross:+ (ARCH=$arch CROSS_COMPILE=$cross)}"
	kmake "$base" >/dev/null
	(cd "$out" && { [ ${#archargs[@]} = 0 ] || export "${archargs[@]}"; } &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null)
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
echo "  BUILD   $out/arch/$arch/boot/$image"
kmake "$image"
kmake headers_install INSTALL_HDR_PATH="$out/usr-headers" >/dev/null
