// SPDX-License-Identifier: GPL-2.0
/*
 * workload: a quiescent process with one mapping of each common kind, for
 * comparing what procps-ng and /proc show of it on two kernels.  Run with
 * ASLR off, as /0/workload (the initramfs puts it there, with a stable
 * inode number); it writes "ready" to its stdout and sleeps until killed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MiB (1UL << 20)

static void *map(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

int main(void)
{
	char *anon = map(4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	char *shm = map(2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	char *guard = map(16 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	char *split = map(1 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	char *locked = map(256 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	char *lazy = map(1 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	int fd = open("/0/workload", O_RDONLY);
	char *file = mmap(NULL, 512 * 1024, PROT_READ, MAP_PRIVATE, fd, 0);
	volatile char sink = 0;
	cpu_set_t cpu0;

	if (file == MAP_FAILED)
		return 1;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return 1;
	(void)guard;
	madvise(anon, 4 * MiB, MADV_NOHUGEPAGE);
	memset(anon, 1, 3 * MiB);
	memset(shm, 2, MiB);
	memset(split, 3, MiB);
	mprotect(split + 256 * 1024, 256 * 1024, PROT_READ);
	/*
	 * Pages of each kind smaps counts apart: lazily freed (clean, not
	 * swap-backed: LazyFree, Private_Clean), and not young nor referenced
	 * (MADV_COLD clears both: less Referenced than Rss).  Both finish in
	 * per-CPU folio batches; mlock() drains this CPU's, and the process
	 * stays on CPU 0, so no page is left half done when smaps is read.
	 */
	memset(lazy, 4, MiB);
	madvise(lazy, 512 * 1024, MADV_FREE);
	madvise(anon, MiB, MADV_COLD);
	mlock(locked, 256 * 1024);
	for (size_t i = 0; i < 512 * 1024; i += 8192)
		sink += file[i];
	(void)sink;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
