// SPDX-License-Identifier: GPL-2.0
/*
 * readcost: time to read /proc/PID/{maps,smaps,smaps_rollup} of a process
 * with a given layout, and to query the rss counters of all its VMAs with
 * PROCMAP_QUERY_VMA_RSS ("query", one ioctl per VMA) and with PROCMAP_SCAN
 * ("scan", 256 VMAs per ioctl); each skipped on a kernel without it.
 * CPU-bound: run it under QEMU's instruction-counted clock
 * (-icount shift=0,sleep=off), where it repeats within ~1%.
 *
 * Usage: readcost LAYOUT READS
 *   LAYOUT: sparse  10,000 VMAs x 64 KiB, 1 in 20 touched
 *           dense   3,000 VMAs x 32 KiB, all touched
 *           big     one 256 MiB VMA, touched
 *           rssN    100 VMAs, N MiB resident in all (e.g. rss1, rss256)
 *           vmasNd  the VMA-count sweep: N VMAs sharing SWEEP_PAGES pages,
 *                   all touched (~195 MiB resident whatever N is)
 *           vmasNs  the same N VMAs, 1 in 20 touched (~9.8 MiB resident)
 * Prints, per file, one line: layout=.. file=.. us_per_read=.. (median)
 * min_us=.. max_us=.. bytes=.. reads=.. (READS) vmas=.. (lines of maps:
 * the layout's VMAs plus the process's own, read once, untimed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench-util.h"

#define KiB 1024UL
#define MiB (1024 * KiB)

/* The number of lines in @pid's maps: one per VMA (and the vsyscall page). */
static long maps_lines(pid_t pid, char *buf, size_t size)
{
	char path[64];
	long lines = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, size)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

int main(int argc, char **argv)
{
	static const char * const files[] = {
		"maps", "smaps", "smaps_rollup", "query", "scan"
	};
	static char buf[1 << 16];
	int reads = argc > 2 ? atoi(argv[2]) : 5;
	double *t = calloc(reads, sizeof(*t));
	long vmas;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: %s sparse|dense|big|rssN|vmasNd|vmasNs [READS]\n", argv[0]);
		return 2;
	}
	pid = spawn_paused(build_layout, argv[1]);
	vmas = maps_lines(pid, buf, sizeof(buf));
	for (int f = 0; f < 5; f++) {
		char path[64];
		size_t bytes = 0;

		snprintf(path, sizeof(path), "/proc/%d/%s", pid, f < 3 ? files[f] : "maps");
		for (int i = 0; i < reads; i++) {
			int fd = open(path, O_RDONLY);
			double t0 = now_us();
			ssize_t n;

			bytes = 0;
			if (f >= 3) {
				/*
				 * The per-VMA counters of every VMA, by
				 * PROCMAP_QUERY, or by PROCMAP_SCAN.
				 */
				n = f == 3 ? query_all(fd) : scan_all(fd);
				if (n < 0) {
					close(fd);
					goto done;	/* a kernel without them */
				}
				bytes = n * (f == 3 ? sizeof(struct procmap_query) :
					     sizeof(struct procmap_vma));
			} else {
				while ((n = read(fd, buf, sizeof(buf))) > 0)
					bytes += n;
			}
			t[i] = now_us() - t0;
			close(fd);
		}
		qsort(t, reads, sizeof(*t), cmp_double);
		printf("layout=%s file=%s us_per_read=%.1f min_us=%.1f max_us=%.1f bytes=%zu reads=%d vmas=%ld\n",
		       argv[1], files[f], t[reads / 2], t[0], t[reads - 1], bytes, reads, vmas);
		fflush(stdout);
	}
done:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
