#!/bin/bash
# mkinitramfs.sh OUT.cpio.gz TESTDIR BENCHDIR [PEERDIR]
#
# busybox-static, our static selftests (TESTDIR) and bench tools (BENCHDIR),
# the suites, and real procps-ng clients (pmap, ps, free) copied from the
# host with the shared libraries they load.  PEERDIR (harness/build-peer.sh's
# output: peer-run, proc/ and mm/) becomes /peer, for the peer suite.
set -euo pipefail
out=$(realpath -m "$1") tests=$2 bench=$3 peer=${4:-}
here=$(dirname "$(realpath "$0")")
root=$(mktemp -d)
chmod 755 "$root"	# mktemp makes it 0700: "/" of the guest, which users must traverse
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,tests,bench,suites,usr/bin,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init.sh" "$root/init"
cp "$here"/suites/*.sh "$root/suites/"
for d in "$tests" "$bench"; do [ -d "$d" ] || { echo "missing $d" >&2; exit 1; }; done
find "$tests" -maxdepth 1 -type f -executable -exec cp {} "$root/tests/" \;
find "$bench" -maxdepth 1 -type f -executable -exec cp {} "$root/bench/" \;
if [ -n "$peer" ]; then
	[ -x "$peer/peer-run" ] || { echo "missing $peer/peer-run" >&2; exit 1; }
	mkdir -p "$root/peer/proc" "$root/peer/mm"
	cp "$peer/peer-run" "$root/peer/"
	for d in proc mm; do
		find "$peer/$d" -maxdepth 1 -type f -executable -exec cp {} "$root/peer/$d/" \;
	done
fi
# The dump suite's workload at the head of the archive ("./0" sorts first),
# so its inode number, which pmap and smaps print, does not depend on what
# else the initramfs holds.
mkdir -p "$root/0"
cp "$bench/workload" "$root/0/workload"

# procps-ng from the host, with its libraries (ldd), in /usr/bin.
for prog in /usr/bin/pmap /usr/bin/ps /usr/bin/free; do
	cp "$prog" "$root/usr/bin/"
	ldd "$prog" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
		[ -f "$lib" ] || continue
		dst="$root$lib"
		mkdir -p "$(dirname "$dst")"
		[ -f "$dst" ] || cp -L "$lib" "$dst"
	done
done
# setarch (ASLR off for reproducible pmap output) is in busybox? Not in
# Debian's build; the suites write /proc/sys/kernel/randomize_va_space.
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >> "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
echo "nogroup:x:65534:" >> "$root/etc/group"

(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 > "$out")
echo "  INITRD  $out ($(du -h "$out" | cut -f1))"
