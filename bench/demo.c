// SPDX-License-Identifier: GPL-2.0
/*
 * demo: the `make run` show.  Starts a workload process with a few kinds of
 * mappings (anonymous, a guard region, file, shmem, a THP-eligible region),
 * then shows what monitoring tools see of it: procps-ng pmap -X, one VMA of
 * smaps, smaps_rollup, /proc/PID/status, procps-ng ps, and the per-VMA rss
 * counters through PROCMAP_QUERY (bench/vmastat).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1UL << 20)

static void touch(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

static void workload(int ready)
{
	char *anon = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *guard = mmap(NULL, 64 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *shm = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *thp = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/bin/busybox", O_RDONLY);
	char *file = mmap(NULL, 256 * 1024, PROT_READ, MAP_PRIVATE, fd, 0);
	volatile char sink = 0;

	if (anon == MAP_FAILED || guard == MAP_FAILED || shm == MAP_FAILED ||
	    thp == MAP_FAILED || file == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(anon, 16 * MiB, MADV_NOHUGEPAGE);
	touch(anon, 16 * MiB);
	touch(shm, 2 * MiB);
	madvise(thp, 8 * MiB, MADV_HUGEPAGE);
	touch(thp, 8 * MiB);
	for (size_t i = 0; i < 256 * 1024; i += 4096)
		sink += file[i];
	(void)sink;
	if (write(ready, &anon, sizeof(anon)) != sizeof(anon))
		exit(1);
	pause();
}

/* Print the smaps record of the VMA that starts at @start. */
static void show_smaps_vma(pid_t pid, unsigned long start)
{
	char path[64], line[512];
	int in = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	printf("\n== the 16 MiB anonymous VMA in /proc/%d/smaps\n", pid);
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && line[strspn(line, "0123456789abcdef")] == '-')
			in = s == start;
		if (in)
			fputs(line, stdout);
	}
	fclose(f);
	fflush(stdout);
}

static void run(const char *title, const char *cmd)
{
	printf("\n== %s\n$ %s\n", title, cmd);
	fflush(stdout);
	if (system(cmd) != 0)
		printf("(command failed)\n");
	fflush(stdout);
}

int main(void)
{
	int p[2];
	char cmd[256], *anon;
	pid_t pid;

	if (pipe(p))
		return 1;
	pid = fork();
	if (!pid) {
		close(p[0]);
		workload(p[1]);
	}
	close(p[1]);
	if (read(p[0], &anon, sizeof(anon)) != sizeof(anon))
		return 1;

	snprintf(cmd, sizeof(cmd), "/usr/bin/pmap -X %d", pid);
	run("procps-ng pmap -X of the workload (reads /proc/PID/smaps)", cmd);
	show_smaps_vma(pid, (unsigned long)anon);
	snprintf(cmd, sizeof(cmd), "cat /proc/%d/smaps_rollup", pid);
	run("/proc/PID/smaps_rollup", cmd);
	snprintf(cmd, sizeof(cmd), "grep -E 'Rss|VmSwap' /proc/%d/status", pid);
	run("the mm counters (/proc/PID/status)", cmd);
	snprintf(cmd, sizeof(cmd), "/usr/bin/ps -o pid,rss,vsz,comm -p %d", pid);
	run("procps-ng ps", cmd);
	snprintf(cmd, sizeof(cmd), "/bench/vmastat %d", pid);
	run("vmastat: the per-VMA rss counters by PROCMAP_QUERY_VMA_RSS, no page walk\n"
	    "== (its columns add up to the status lines above)", cmd);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
