#!/bin/sh
# Every selftest in /tests, each a kselftest-harness TAP program.
# ONLY=name restricts the run to one program.
cd /tmp
for t in /tests/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
	echo "# PROGRAM $name"
	"$t"
	echo "# PROGRAM-EXIT $name $?"
done
