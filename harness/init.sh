#!/bin/sh
# /init of the test guest.  Mounts the pseudo filesystems, runs the suite
# named by suite= on the kernel command line, and reboots (QEMU runs with
# -no-reboot, so that ends the guest).  Results go to the serial port named
# by results= (the host attaches a second one so kernel messages never
# interleave with them), else to the console.
/bin/busybox --install -s /bin
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:/tests:/bench
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm && mount -t tmpfs tmpfs /dev/shm
hostname guest
suite=run
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	suite=*) suite=${arg#suite=} ;;
	only=*) export ONLY=${arg#only=} ;;
	reps=*) export REPS=${arg#reps=} ;;
	secs=*) export SECONDS_PER_RUN=${arg#secs=} ;;
	duration=*) export DURATION=${arg#duration=} ;;
	results=*) results=${arg#results=} ;;
	esac
done
out=/dev/console
if [ -n "$results" ] && [ -c "/dev/$results" ]; then
	out=/dev/$results
	stty -F $out raw -echo 2>/dev/null
fi
echo "SUITE-START $suite $(uname -r)" > $out
if [ -x /suites/$suite.sh ]; then
	/suites/$suite.sh > $out 2>&1
	echo "SUITE-EXIT $?" > $out
else
	echo "no such suite: $suite" > $out
fi
echo "SUITE-DONE" > $out
sync
reboot -f
