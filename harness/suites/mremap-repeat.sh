#!/bin/sh
# The mremap_test investigation (harness/peer/README.md, "mremap_test"):
# run the peer mm/mremap_test REPS times (default 40) with full brk
# randomization (randomize_va_space=2, as booted), then REPS/4 times with
# randomize_va_space=1 (no brk randomization), and print per run where the
# heap of the test was (read from its /proc/PID/maps while it runs), its
# exit status and case 15's result; the full output of every run with a
# failing case follows it.  Boot with:
#   harness/qemu.sh -t 3600 -a reps=40 BZIMAGE build/initramfs-peer.cpio.gz mremap-repeat LOGDIR
cd /tmp
reps=${REPS:-40}
# As in the peer suite: the 2 GB cases (10-13) need overcommit in a 2 GB
# guest; without it they fail every run and hide the interesting ones.
echo 1 > /proc/sys/vm/overcommit_memory
echo "# mremap_test x$reps on $(uname -r)"
for aslr in 2 1; do
	n=$reps
	[ "$aslr" = 1 ] && n=$(( (reps + 3) / 4 ))
	echo "$aslr" > /proc/sys/kernel/randomize_va_space
	fails=0 i=1
	while [ "$i" -le "$n" ]; do
		/peer/mm/mremap_test > /tmp/mremap.out 2>&1 &
		pid=$!
		heap=
		while [ -z "$heap" ] && [ -r /proc/$pid/maps ]; do
			heap=$(grep '\[heap\]' /proc/$pid/maps 2>/dev/null | cut -d' ' -f1)
			[ -n "$heap" ] || sleep 0.1
		done
		wait "$pid"
		rc=$?
		c15=$(grep -E '^(not )?ok 15 ' /tmp/mremap.out | sed 's/ 15 .*//; s/ /_/')
		echo "RUN aslr=$aslr run=$i heap=${heap:-?} exit=$rc case15=${c15:-none} failing=$(grep -E '^not ok' /tmp/mremap.out | sed 's/^not ok \([0-9]*\).*/\1/' | tr '\n' ',')"
		if grep -q '^not ok' /tmp/mremap.out; then
			fails=$((fails + 1))
			sed 's/^/| /' /tmp/mremap.out
		fi
		i=$((i + 1))
	done
	echo "SUMMARY aslr=$aslr runs=$n runs_with_a_failing_case=$fails"
done
echo 2 > /proc/sys/kernel/randomize_va_space
