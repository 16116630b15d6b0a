// SPDX-License-Identifier: GPL-2.0
/*
 * counter-contention: the cost of the per-VMA rss counter's update pattern
 * on real SMP hardware, outside any kernel (run it on the host, not in
 * QEMU: TCG serializes atomics and cannot show cache-line bouncing).
 *
 * Each thread stands for a thread faulting its own 2 MiB region of one
 * VMA: it takes "its page table lock" (a spinlock of its own, as split PTE
 * locks are), does what a first-touch fault does to the counters, and
 * releases the lock, ITERS times.  Modes:
 *
 *   none      the mm counter only: a per-thread add, as the percpu
 *             mm->rss_stat is (stock 6.12)
 *   vma       + one atomic add on a counter all threads share: the per-VMA
 *             counter of this series, one cache line per VMA
 *   table     + a plain add on a counter next to the thread's own lock: a
 *             per-page-table count (in struct ptdesc, under the PTL), the
 *             alternative issue 16 asks about
 *   vma+seq   vma, plus the two atomics on the shared line that every
 *             decrement pays (vma_rss_take_begin/end): an unmap-heavy load
 *
 * Prints ns per operation for each mode and thread count, and the ratio to
 * "none" with the same threads.  Usage: counter-contention [ITERS] [MAXTHREADS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE	64
#define MAXT	256
#define REPS	5

enum mode { NONE, VMA, TABLE, VMA_SEQ, NR_MODES };

struct percpu {		/* one line per thread: its lock, table count, mm count */
	atomic_flag lock;
	long table_count;
	long mm_count;
} __attribute__((aligned(LINE)));

static struct {
	atomic_long counter;	/* the VMA's counter */
	atomic_long seq;	/* vm_rss_seq */
} vma __attribute__((aligned(LINE)));

static struct percpu cpu[MAXT];
static long iters;
static enum mode mode;
static atomic_int ready, go;

static void *worker(void *arg)
{
	struct percpu *me = arg;
	long i;

	atomic_fetch_add(&ready, 1);
	while (!atomic_load_explicit(&go, memory_order_acquire))
		;
	for (i = 0; i < iters; i++) {
		while (atomic_flag_test_and_set_explicit(&me->lock,
							 memory_order_acquire))
			;
		me->mm_count++;
		switch (mode) {
		case VMA:
			atomic_fetch_add_explicit(&vma.counter, 1,
						  memory_order_relaxed);
			break;
		case TABLE:
			me->table_count++;
			break;
		case VMA_SEQ:
			atomic_fetch_add(&vma.seq, 1);
			atomic_fetch_add_explicit(&vma.counter, 1,
						  memory_order_relaxed);
			atomic_fetch_add(&vma.seq, (1L << 32) - 1);
			break;
		default:
			break;
		}
		atomic_flag_clear_explicit(&me->lock, memory_order_release);
	}
	return NULL;
}

static double run(int threads)
{
	pthread_t t[MAXT];
	struct timespec a, b;
	int i;

	atomic_store(&ready, 0);
	atomic_store(&go, 0);
	for (i = 0; i < threads; i++) {
		cpu_set_t set;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		CPU_ZERO(&set);
		CPU_SET(i % sysconf(_SC_NPROCESSORS_ONLN), &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (pthread_create(&t[i], &attr, worker, &cpu[i])) {
			perror("pthread_create");
			exit(1);
		}
		pthread_attr_destroy(&attr);
	}
	while (atomic_load(&ready) < threads)
		;
	clock_gettime(CLOCK_MONOTONIC, &a);
	atomic_store_explicit(&go, 1, memory_order_release);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
	       iters;	/* ns per operation of one thread (they run in parallel) */
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), maxt, threads, r;
	double ns[NR_MODES][REPS], med[NR_MODES];

	iters = argc > 1 ? atol(argv[1]) : 2000000;
	maxt = argc > 2 ? atoi(argv[2]) : ncpu;
	if (maxt > MAXT)
		maxt = MAXT;
	printf("# counter-contention: %ld ops per thread, %d CPUs online, median of %d\n",
	       iters, ncpu, REPS);
	printf("# threads  none_ns  vma_ns  table_ns  vma+seq_ns  vma/none  table/none  vma+seq/none\n");
	for (threads = 1; threads <= maxt; threads *= 2) {
		for (mode = 0; mode < NR_MODES; mode++) {
			for (r = 0; r < REPS; r++)
				ns[mode][r] = run(threads);
			qsort(ns[mode], REPS, sizeof(double), cmp);
			med[mode] = ns[mode][REPS / 2];
		}
		printf("%9d %8.2f %7.2f %9.2f %11.2f %9.2f %11.2f %13.2f\n",
		       threads, med[NONE], med[VMA], med[TABLE], med[VMA_SEQ],
		       med[VMA] / med[NONE], med[TABLE] / med[NONE],
		       med[VMA_SEQ] / med[NONE]);
		if (threads < maxt && threads * 2 > maxt)
			threads = maxt / 2;
	}
	return 0;
}
