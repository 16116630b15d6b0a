#!/bin/bash
# prepare-tree.sh TARBALL DIR REPO [stock|overlay]
#
# Make DIR a git repository of the kernel source: commit "base" is the
# pristine tarball; unless "stock" is given, commit "overlay" adds the new
# files of REPO at their kernel paths, and (unless "overlay" is given) one
# commit per patch of REPO/patches/series follows (git am: a reject fails
# loudly).
# Re-running resets DIR to "base" first, so files untouched by our changes
# keep their mtimes and rebuilds stay incremental.
set -euo pipefail
tarball=$1 dir=$2 repo=$3 mode=${4:-patched}

export GIT_AUTHOR_NAME="smaps-sideband harness" GIT_AUTHOR_EMAIL="harness@localhost"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2024-11-17T00:00:00Z" GIT_COMMITTER_DATE="2024-11-17T00:00:00Z"

if ! git -C "$dir" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	echo "  TREE    unpacking $(basename "$tarball") into $dir"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -C "$dir.tmp" -xf "$tarball" --strip-components=1
	git -C "$dir.tmp" init -q -b base-branch
	git -C "$dir.tmp" config core.autocrlf false
	git -C "$dir.tmp" config gc.auto 0
	# The tarball ships no .gitignore-covered build products; add all.
	git -C "$dir.tmp" add -A -f
	git -C "$dir.tmp" commit -q -m "Linux $(make -s -C "$dir.tmp" kernelversion) (pristine Debian linux-source-6.12)"
	git -C "$dir.tmp" tag base
	mv "$dir.tmp" "$dir"
fi

cd "$dir"
git checkout -q -B work base
git reset -q --hard base
git clean -fdxq
[ "$mode" = stock ] && exit 0

# Overlay: new files at their kernel paths.  Editing a file that exists in
# the pristine tree must be a patch, so refuse that loudly.
n=0
files=()
while IFS= read -r f; do
	if git cat-file -e "base:$f" 2>/dev/null; then
		echo "ERROR: overlay file $f exists in the pristine tree; edit it with a patch in patches/" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$f")"
	cp "$repo/$f" "$f"
	files+=("$f")
	n=$((n + 1))
done < <(cd "$repo" && "$repo/harness/overlay-files.sh")
if [ "$n" -gt 0 ]; then
	git add -f -- "${files[@]}"
	git commit -q -m "overlay: new files of the smaps-sideband series"
fi
git tag -f overlay >/dev/null
[ "$mode" = overlay ] && exit 0

# The series, in order.
if [ -f "$repo/patches/series" ]; then
	while read -r p _; do
		case "$p" in ''|'#'*) continue ;; esac
		if ! git am -q --keep-cr "$repo/patches/$p"; then
			echo "ERROR: patches/$p does not apply (see above)" >&2
			git am --abort || true
			exit 1
		fi
	done < "$repo/patches/series"
fi
echo "  TREE    $dir: $(git rev-list --count overlay..HEAD) patches applied, $n overlay files"
