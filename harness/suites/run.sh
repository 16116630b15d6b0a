#!/bin/sh
# make run: show the feature on a real process.
echo "== kernel: $(uname -a)"
/bench/demo
