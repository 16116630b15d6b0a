#!/bin/bash
# build-peer.sh SRC HEADERS OUTDIR
#
# The kernel's own selftests ("peer selftests"), built static with their
# own Makefiles (tools/testing/selftests/{proc,mm} of the source tree SRC)
# against the UAPI headers in HEADERS (the patched kernel's headers_install,
# so a UAPI change of the series shows up as a stock/patched difference).
# Every program of proc's TEST_GEN_PROGS and the mm programs listed below
# land in OUTDIR/{proc,mm}, with the runner OUTDIR/peer-run
# (harness/peer/peer-run.c).  OUTDIR/built.txt says per program "built" or
# "not-built" (the compiler's words in OUTDIR/logs/).
#
# The selftest Makefiles do not know that their programs depend on the
# UAPI headers, so everything is rebuilt when the headers, the sources or
# this script change (a checksum in OUTDIR/.stamp); otherwise nothing is
# touched and built.txt keeps its mtime.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
src=$(realpath "$1") hdrs=$(realpath "$2") out=$(realpath -m "$3")
st=$src/tools/testing/selftests

# mm programs: the ones that exercise what the series changes (mremap,
# THP collapse/split, COW, userfaultfd, KSM, migration, mlock, soft-dirty,
# pagemap, GUP, process_mrelease).
MM_PROGS="mremap_test khugepaged split_huge_page_test cow uffd-unit-tests ksm_tests
ksm_functional_tests madv_populate mlock2-tests soft-dirty transhuge-stress
map_fixed_noreplace mkdirty migration mremap_dontunmap map_populate pagemap_ioctl
gup_longterm mrelease_test"

[ -d "$hdrs/linux" ] || { echo "build-peer: no UAPI headers in $hdrs" >&2; exit 1; }
[ -d "$st/mm" ] || { echo "build-peer: no selftests in $st" >&2; exit 1; }

stamp=$( { echo "$MM_PROGS"; cat "$0" "$here/peer/peer-run.c";
	   (cd "$hdrs" && find . -type f | LC_ALL=C sort | xargs cat);
	   (cd "$st" && find proc mm lib.mk kselftest.h kselftest_harness.h ../../../mm/gup_test.h -type f \
		-name '*.[ch]' -o -name Makefile -o -name '*.mk' | grep -v local_config | LC_ALL=C sort | xargs cat);
	 } 2>/dev/null | sha1sum | cut -d' ' -f1)
if [ -f "$out/built.txt" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/proc" "$out/mm" "$out/logs"
: > "$out/built.txt.new"

gcc -static -O2 -Wall -o "$out/peer-run" "$here/peer/peer-run.c" || exit 1

# HEADERS first: proc's Makefile adds no KHDR_INCLUDES, only TOOLS_INCLUDES
# (-isystem tools/include/uapi, whose linux/fs.h is the stock one), so
# -I (searched before every -isystem directory) in USERCFLAGS for both.
common=(CC=gcc "USERLDFLAGS=-static" "KHDR_INCLUDES=-isystem $hdrs"
	"USERCFLAGS=-I$hdrs" -s --no-print-directory)

proc_progs=$(make -s --no-print-directory -C "$st/proc" -f - print-progs <<'EOF'
include Makefile
print-progs:
	@echo $(notdir $(TEST_GEN_PROGS))
EOF
)
[ -n "$proc_progs" ] || { echo "build-peer: no programs in $st/proc/Makefile" >&2; exit 1; }

# Build fixes, not behaviour changes: 6.12.117's khugepaged.c returns
# KSFT_SKIP (its THP-availability check, a stable backport) without
# including kselftest.h, so it does not compile as shipped; give it the
# value kselftest.h defines.
extra_cflags() {
	case $1 in
	mm/khugepaged) grep -q '#include.*kselftest.h' "$st/mm/khugepaged.c" || echo "-DKSFT_SKIP=4" ;;
	esac
}

build() {	# build DIR PROG
	local dir=$1 p=$2
	if make -C "$st/$dir" "${common[@]}" EXTRA_CFLAGS="$(extra_cflags "$dir/$p")" \
		OUTPUT="$out/$dir" "$out/$dir/$p" \
		> "$out/logs/$dir-$p.log" 2>&1 && [ -x "$out/$dir/$p" ] &&
	   file "$out/$dir/$p" 2>/dev/null | grep -q 'statically linked'; then
		echo "$dir/$p built" >> "$out/built.txt.new"
	else
		rm -f "$out/$dir/$p"
		echo "$dir/$p not-built $(grep -E 'error|undefined' "$out/logs/$dir-$p.log" | head -1 | cut -c1-120)" >> "$out/built.txt.new"
		echo "  PEER    $dir/$p: NOT BUILT (see $out/logs/$dir-$p.log)" >&2
	fi
}
for p in $proc_progs; do build proc "$p"; done
for p in $MM_PROGS; do build mm "$p"; done
# mm/Makefile writes its probe results (liburing) into the source tree.
cp "$st/mm/local_config.h" "$out/logs/mm-local_config.h" 2>/dev/null
mv "$out/built.txt.new" "$out/built.txt"
echo "$stamp" > "$out/.stamp"
echo "  PEER    $(grep -c ' built$' "$out/built.txt") peer selftests built static in $out ($(grep -c not-built "$out/built.txt") not built)"
