#!/bin/bash
# uapi-check.sh TARBALL HEADERS TAP
#
# The series must not change any number or layout of include/uapi/linux/fs.h
# that a released kernel or binary uses.  Compiles the same probe program
# twice on the host: against the pristine 6.12.117 fs.h (from TARBALL) and
# against the patched, installed UAPI headers (HEADERS, from the kernel
# build's headers_install), and compares:
#  - the value of every ioctl number fs.h defines (_IO, _IOR, _IOW, _IOWR,
#    _IOC), PROCMAP_QUERY among them: it encodes sizeof(struct
#    procmap_query), so growing the struct would change it;
#  - PROCMAP_QUERY against 0xc0686611, the number Linux 6.11 shipped;
#  - the offset and size of every field of struct procmap_query, and every
#    procmap_query_flags value;
#  - every ioctl the series adds to fs.h (PROCMAP_SCAN) against every ioctl
#    number of the headers that share its magic 'f' (fs.h, fscrypt.h,
#    fsverity.h, ext4.h): none may be equal.
# One TAP case per check in TAP; the probe sources and outputs beside it.
set -uo pipefail
tarball=$1 headers=$2 tap=$3
dir=$(dirname "$tap")/uapi
rm -rf "$dir" && mkdir -p "$dir/pristine/linux"
exec 3>"$tap"
n=0
ok() { n=$((n + 1)); echo "ok $n uapi: $*" >&3; }
nok() { n=$((n + 1)); echo "not ok $n uapi: $*" >&3; }

tar -xJf "$tarball" -O --wildcards '*/include/uapi/linux/fs.h' \
	--exclude='*/tools/*' > "$dir/pristine/linux/fs.h" 2>/dev/null
if [ ! -s "$dir/pristine/linux/fs.h" ] || [ ! -f "$headers/linux/fs.h" ]; then
	nok "pristine ($tarball) or patched ($headers) linux/fs.h missing"
	cat "$tap"; exit 0
fi

# The probe: every ioctl macro and flag of the pristine header, and the
# layout of the pristine struct procmap_query, printed as "name value".
python3 - "$dir/pristine/linux/fs.h" > "$dir/probe.c" <<'EOF'
import re, sys
src = open(sys.argv[1]).read()
nocomment = re.sub(r'/\*.*?\*/', '', src, flags=re.S)
nocomment = re.sub(r'^#if 0\n.*?^#endif', '', nocomment, flags=re.S | re.M)
ioctls = re.findall(r'^#define\s+(\w+)\s+_IO(?:R|W|WR|C)?\(', nocomment, re.M)
body = re.search(r'struct procmap_query \{(.*?)\n\};', src, re.S).group(1)
body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
fields = re.findall(r'__u\d+\s+(\w+);', body)
flags = re.search(r'enum procmap_query_flags \{(.*?)\};', src, re.S).group(1)
flags = re.findall(r'^\s*(PROCMAP_QUERY_\w+)\s*=', re.sub(r'/\*.*?\*/', '', flags, flags=re.S), re.M)
print('#include <stdio.h>\n#include <stddef.h>\n#include <linux/fiemap.h>\n'
      '#include <linux/blktrace_api.h>\n#include <linux/fs.h>\nint main(void)\n{')
for m in ioctls:
    print(f'\tprintf("ioctl {m} %#lx\\n", (unsigned long){m});')
for f in fields:
    print(f'\tprintf("field {f} %zu+%zu\\n", offsetof(struct procmap_query, {f}), sizeof(((struct procmap_query *)0)->{f}));')
for f in flags:
    print(f'\tprintf("flag {f} %#lx\\n", (unsigned long){f});')
print('\treturn 0;\n}')
EOF
for side in pristine patched; do
	inc=(-I"$headers")
	[ $side = pristine ] && inc=(-I"$dir/pristine" -I"$headers")
	if ! gcc -Wall -o "$dir/probe-$side" "${inc[@]}" "$dir/probe.c" 2>"$dir/cc-$side.log" ||
	   ! "$dir/probe-$side" > "$dir/$side.txt"; then
		nok "probe does not build or run against the $side header (see $dir/cc-$side.log)"
		cat "$tap"; exit 0
	fi
done

for kind in ioctl field flag; do
	if diff <(grep "^$kind " "$dir/pristine.txt") <(grep "^$kind " "$dir/patched.txt") > "$dir/$kind.diff"; then
		ok "every $kind of the 6.12.117 fs.h unchanged ($(grep -c "^$kind " "$dir/pristine.txt") compared)"
	else
		nok "$kind values changed by the series:"
		sed 's/^/# /' "$dir/$kind.diff" >&3
	fi
done
# The ioctls the series adds: each must have a number that no ioctl of the
# headers sharing its magic ('f': fs.h, fscrypt.h, fsverity.h, ext4.h)
# has, so that strace, seccomp filters and LSM ioctl allowlists can tell
# them apart.  One probe of the installed (patched) headers: "new" for
# what fs.h gained, "old" for everything else.
python3 - "$headers/linux" "$dir/pristine/linux/fs.h" > "$dir/probe-new.c" <<'EOF2'
import re, sys
def names(path):
    src = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    src = re.sub(r'^#if 0\n.*?^#endif', '', src, flags=re.S | re.M)
    # Skip the 32-bit compat numbers (their structs are kernel-only).
    return [m for m, rest in re.findall(r'^#define\s+(\w+)\s+_IO(?:R|W|WR|C)?\((.*)$', src, re.M)
            if 'compat_' not in rest]
pristine = set(names(sys.argv[2]))
print('#include <stdio.h>\n#include <linux/fiemap.h>\n#include <linux/blktrace_api.h>\n'
      '#include <linux/fs.h>\n#include <linux/fscrypt.h>\n#include <linux/fsverity.h>\n'
      '#include <linux/ext4.h>\nint main(void)\n{')
for h in ('fs.h', 'fscrypt.h', 'fsverity.h', 'ext4.h'):
    for m in names(sys.argv[1] + '/' + h):
        kind = 'new' if h == 'fs.h' and m not in pristine else 'old'
        print(f'\tprintf("{kind} {m} %#lx\\n", (unsigned long){m});')
print('\treturn 0;\n}')
EOF2
if gcc -Wall -o "$dir/probe-new" -I"$headers" "$dir/probe-new.c" 2>"$dir/cc-new.log" &&
   "$dir/probe-new" > "$dir/new.txt"; then
	grep '^new ' "$dir/new.txt" | while read -r _ name value; do
		clash=$(awk -v v="$value" '$1 == "old" && $3 == v {print $2}' "$dir/new.txt" | head -1)
		if [ -z "$clash" ]; then
			echo "ok $name ($value) has a number of its own among the 'f' ioctls of fs.h, fscrypt.h, fsverity.h and ext4.h ($(grep -c '^old ' "$dir/new.txt") compared)"
		else
			echo "not ok $name ($value) has the number of $clash"
		fi
	done > "$dir/new-verdicts.txt"
	while read -r verdict rest; do
		case "$verdict" in
		ok) ok "new ioctl $rest" ;;
		*) nok "new ioctl ${rest#ok }" ;;
		esac
	done < "$dir/new-verdicts.txt"
else
	nok "the probe of the new ioctls does not build or run (see $dir/cc-new.log)"
fi
query=$(awk '$2 == "PROCMAP_QUERY" {print $3}' "$dir/patched.txt")
if [ "$query" = 0xc0686611 ]; then
	ok "PROCMAP_QUERY is 0xc0686611, the number Linux 6.11 shipped"
else
	nok "PROCMAP_QUERY is ${query:-undefined}, not 0xc0686611 (Linux 6.11): binaries built against this header get ENOTTY from released kernels"
fi
cat "$tap"
