// SPDX-License-Identifier: GPL-2.0
/*
 * faultscale: page faults of N threads, each in its own 2 MiB regions, for
 * SECONDS seconds; prints faults per second.  The question it answers is
 * whether the kernel makes threads that fault different page tables share
 * a cache line (per-VMA rss counters did: one atomic add per fault on the
 * VMA's line).  Run in a multi-threaded TCG guest with as many vCPUs as
 * host cores, stock and patched:
 *
 *   same      the threads' regions are in one VMA (each thread faults a
 *             2 MiB-aligned region of its own: its own page tables)
 *   separate  each thread has a VMA of its own: the control, where no
 *             design shares anything between the threads; patched/stock
 *             here shows how quiet the host was
 *
 * Each round faults 512 pages (one page table) by writing them, then
 * MADV_DONTNEEDs them, so the run measures faults (and zaps), not memory.
 *
 * Usage: faultscale same|separate THREADS SECONDS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include "bench-util.h"

#define MiB (1024UL * 1024)
#define REGION (2 * MiB)

static atomic_int stop;

struct worker {
	char *region;
	unsigned long faults;
	pthread_t thread;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		touch_pages(w->region, REGION);
		madvise(w->region, REGION, MADV_DONTNEED);
		w->faults += REGION / 4096;
	}
	return NULL;
}

/* @len bytes at a 2 MiB-aligned address, THP off. */
static char *map_aligned(size_t len)
{
	char *p = map_rw(len + REGION);
	char *a = (char *)(((unsigned long)p + REGION - 1) & ~(REGION - 1));

	madvise(a, len, MADV_NOHUGEPAGE);
	return a;
}

int main(int argc, char **argv)
{
	int same, n, secs, i;
	struct worker *w;
	unsigned long total = 0;
	double t0, t1;
	char *one = NULL;

	if (argc != 4 || (strcmp(argv[1], "same") && strcmp(argv[1], "separate"))) {
		fprintf(stderr, "usage: %s same|separate THREADS SECONDS\n", argv[0]);
		return 2;
	}
	same = !strcmp(argv[1], "same");
	n = atoi(argv[2]);
	secs = atoi(argv[3]);
	if (n < 1 || n > 256 || secs < 1) {
		fprintf(stderr, "faultscale: 1 to 256 threads, at least 1 second\n");
		return 2;
	}
	w = calloc(n, sizeof(*w));
	if (!w)
		return 1;
	if (same)
		one = map_aligned(n * REGION);
	for (i = 0; i < n; i++)
		w[i].region = same ? one + i * REGION : map_aligned(REGION);
	/* Once unmeasured: page tables allocated, free lists warm. */
	for (i = 0; i < n; i++) {
		touch_pages(w[i].region, REGION);
		madvise(w[i].region, REGION, MADV_DONTNEED);
	}
	t0 = now_us();
	for (i = 0; i < n; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
			perror("pthread_create");
			return 1;
		}
	sleep(secs);
	atomic_store(&stop, 1);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].faults;
	}
	t1 = now_us();
	printf("faultscale mode=%s threads=%d faults=%lu seconds=%.3f faults_per_s=%.0f\n",
	       argv[1], n, total, (t1 - t0) / 1e6, total / ((t1 - t0) / 1e6));
	return 0;
}
