#!/bin/sh
# Every selftest in /tests, each a kselftest-harness TAP program.
# ONLY=name, or a comma-separated list of names, restricts the run to
# those programs.
cd /tmp
for t in /tests/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case ",${ONLY:-$name}," in *,"$name",*) ;; *) continue ;; esac
	echo "# PROGRAM $name"
	"$t"
	echo "# PROGRAM-EXIT $name $?"
done
