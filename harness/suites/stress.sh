#!/bin/sh
# make stress: the storm selftest for DURATION seconds (kernel command line).
export STRESS_SECONDS=${DURATION:-600}
/tests/proc-maps-stress
