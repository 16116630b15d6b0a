// SPDX-License-Identifier: GPL-2.0
/*
 * fleet: what `vmastat -a` costs, against reading every process's
 * smaps_rollup, over the same set of processes.
 *
 * Usage: fleet READS LAYOUT...
 *   Starts one paused process per LAYOUT (readcost's names: sparse, dense,
 *   rssN, vmasNd, ...), then runs `/bench/vmastat -a -H --source=S` READS
 *   times for each source S: "rollup" (/proc/PID/smaps_rollup and status:
 *   what psutil, smem and process-exporter read, a page walk per process)
 *   and "scan" (PROCMAP_SCAN with the rss counters).  Prints one line per
 *   source: source=S us_per_run=.. (median) min_us=.. max_us=.. runs=..
 *   procs=.. (the layouts' processes; vmastat also reads every other
 *   process in /proc), or source=S unsupported=1 when vmastat exits 2 (a
 *   kernel without the ioctl or the counters).  Time is the guest's
 *   CLOCK_MONOTONIC: under -icount, instructions.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include "bench-util.h"

#define MAX_PROCS	32
#define MAX_READS	15

/* Run vmastat once with @source; its exit status, or -1. */
static int run_vmastat(const char *source)
{
	char arg[32];
	int status;
	pid_t pid;

	snprintf(arg, sizeof(arg), "--source=%s", source);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execl("/bench/vmastat", "vmastat", "-a", "-H", arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	static const char *const sources[] = { "rollup", "scan" };
	pid_t pids[MAX_PROCS];
	int reads, nprocs = 0;

	if (argc < 3 || (reads = atoi(argv[1])) < 1 || reads > MAX_READS ||
	    argc - 2 > MAX_PROCS) {
		fprintf(stderr, "usage: %s READS(1-%d) LAYOUT... (at most %d)\n",
			argv[0], MAX_READS, MAX_PROCS);
		return 1;
	}
	for (int i = 2; i < argc; i++)
		pids[nprocs++] = spawn_paused(build_layout, argv[i]);

	for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++) {
		double t[MAX_READS];
		int ret = run_vmastat(sources[s]);	/* warm, and probe */

		if (ret == 2) {
			printf("source=%s unsupported=1\n", sources[s]);
			continue;
		}
		if (ret) {
			fprintf(stderr, "fleet: vmastat --source=%s exited %d\n",
				sources[s], ret);
			return 1;
		}
		for (int r = 0; r < reads; r++) {
			double t0 = now_us();

			if (run_vmastat(sources[s])) {
				fprintf(stderr, "fleet: vmastat --source=%s failed\n",
					sources[s]);
				return 1;
			}
			t[r] = now_us() - t0;
		}
		qsort(t, reads, sizeof(t[0]), cmp_double);
		printf("source=%s us_per_run=%.1f min_us=%.1f max_us=%.1f runs=%d procs=%d\n",
		       sources[s], t[reads / 2], t[0], t[reads - 1], reads, nprocs);
	}
	for (int i = 0; i < nprocs; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < nprocs; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}
