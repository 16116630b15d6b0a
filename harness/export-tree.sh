#!/bin/bash
# export-tree.sh TREE REPO
#
# Write build/tree back: files that do not exist in the pristine tree go to
# their kernel paths in REPO (the overlay); every commit after the "overlay"
# tag becomes a patch in REPO/patches (git format-patch, overlay files
# excluded), and patches/series lists them in order.
set -euo pipefail
tree=$(realpath "$1") repo=$(realpath "$2")
cd "$tree"
git rev-parse -q --verify refs/tags/overlay >/dev/null || { echo "no overlay tag in $tree: run make tree" >&2; exit 1; }
[ -z "$(git status --porcelain)" ] || { echo "$tree has uncommitted changes: commit them first" >&2; exit 1; }

# Overlay: every file of HEAD that is not in base.  A repository file that
# changed since `make tree` (differs from the tree's overlay commit) and is
# not what HEAD has would be overwritten: refuse rather than lose work.
mapfile -t new < <(git diff --name-only --diff-filter=A base HEAD)
for f in "${new[@]}"; do
	if [ -f "$repo/$f" ] && git cat-file -e "overlay:$f" 2>/dev/null &&
	   ! git show "overlay:$f" | cmp -s - "$repo/$f" &&
	   ! git show "HEAD:$f" | cmp -s - "$repo/$f"; then
		echo "ERROR: $f changed in $repo since make tree; copy it into $tree and commit, or drop it" >&2
		exit 1
	fi
done
for f in "${new[@]}"; do
	mkdir -p "$repo/$(dirname "$f")"
	git show "HEAD:$f" > "$repo/$f"
done
# Files the tree started with (tag overlay) and HEAD deleted.  Files added
# to the repository after `make tree` are not the tree's business.
git diff --name-only --diff-filter=D overlay HEAD | while IFS= read -r f; do
	echo "  removed $f"
	rm -f "$repo/$f"
done

excludes=()
for f in "${new[@]}"; do excludes+=(":(exclude)$f"); done
rm -f "$repo"/patches/*.patch
git format-patch -q --no-signature --zero-commit -N -o "$repo/patches" overlay..HEAD -- . "${excludes[@]}"
(cd "$repo/patches" && ls -1 [0-9]*.patch 2>/dev/null | grep -v '^0000-' > series || true)
echo "  EXPORT  ${#new[@]} overlay files, $(wc -l < "$repo/patches/series") patches"
