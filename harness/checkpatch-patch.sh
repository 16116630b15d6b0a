#!/bin/bash
# checkpatch-patch.sh SRC PATCH
#
# scripts/checkpatch.pl --strict of the kernel tree SRC on PATCH (a file of
# patches/): the rules every patch of the series keeps, in its code and in
# its commit message (75 columns, no stray tags).  Exit status and output
# are checkpatch's.  series-check.sh runs it per patch as it applies them;
# checkpatch-check.sh runs it over the series for make check.
set -uo pipefail
src=$(realpath "$1") patch=$(realpath "$2")
cd "$src" && exec ./scripts/checkpatch.pl --strict --no-tree -q "$patch"
