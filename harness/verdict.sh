#!/bin/bash
# verdict.sh LOGDIR...
#
# Count the TAP test cases of the guest runs (results.log) and of host-side
# checks (LOGDIR/*.tap), add one case per boot for a clean kernel console
# (no BUG, WARNING, lockdep, RCU, KASAN report, panic or hung task) and one
# for a guest that reported to the end.  Last line: "N passed, N failed".
set -uo pipefail
pass=0 fail=0 skip=0
for d in "$@"; do
	for f in "$d"/results.log "$d"/*.tap; do
		[ -f "$f" ] || continue
		p=$(grep -Ec '^ok [0-9]+ ' "$f" | head -1)
		s=$(grep -Ec '^ok [0-9]+ .*# SKIP' "$f" | head -1)
		n=$(grep -Ec '^not ok [0-9]+ ' "$f" | head -1)
		pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + n))
		grep -E '^not ok [0-9]+ ' "$f" | sed "s|^|FAILED ($(basename "$d")/$(basename "$f")): |"
	done
	[ -f "$d/console.log" ] || continue
	if grep -q '^SUITE-DONE' "$d/results.log" 2>/dev/null; then
		pass=$((pass + 1))
	else
		echo "FAILED ($(basename "$d")): the guest never reported SUITE-DONE (see $d/console.log)"
		fail=$((fail + 1))
	fi
	pat='BUG:|WARNING:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|KASAN:|Call Trace|Kernel panic|blocked for more than|soft lockup|hard LOCKUP|UBSAN:|general protection fault|Oops'
	if grep -Eq "$pat" "$d/console.log"; then
		echo "FAILED ($(basename "$d")): kernel report in console.log:"
		grep -En "$pat" "$d/console.log" | head -20
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
[ "$skip" -gt 0 ] && echo "($skip skipped)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
