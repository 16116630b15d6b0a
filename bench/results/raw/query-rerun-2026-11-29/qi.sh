#!/bin/sh
# ad-hoc: writer alone vs query/scan/control readers, interleaved, 8 reps
secs=3
for rep in 1 2 3 4 5 6 7 8; do
	for r in none query scan control none; do
		/bench/interference mmap $r $secs | sed "/^latency /d; s/^/QI rep=$rep reader=$r /"
	done
done
exit 0
