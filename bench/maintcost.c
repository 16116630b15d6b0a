// SPDX-License-Identifier: GPL-2.0
/*
 * maintcost: what the kernel pays where it would maintain per-VMA
 * statistics: page faults, mmap/munmap, mprotect split/merge, mremap,
 * fork, munmap of a large populated region.  CPU-bound: run it under QEMU's
 * instruction-counted clock (-icount shift=0,sleep=off), where guest time
 * counts executed instructions (not cache misses or line bouncing).
 *
 * Usage: maintcost [ROUNDS]
 * Prints one line per scenario: scenario=.. us=.. (median of ROUNDS rounds,
 * each timing a whole batch) per=.. (what one batch holds).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench-util.h"

#define MiB (1UL << 20)
#define PAGE 4096UL

/* First-touch 4 KiB anonymous faults over 64 MiB (16384 faults). */
static void fault_4k(void)
{
	char *p = map_rw(64 * MiB);

	madvise(p, 64 * MiB, MADV_NOHUGEPAGE);
	touch_pages(p, 64 * MiB);
	munmap(p, 64 * MiB);
}

/* THP faults: 64 MiB in 2 MiB pages (32 faults), aligned. */
static void fault_thp(void)
{
	char *raw = map_rw(66 * MiB);
	char *p = (char *)(((unsigned long)raw + 2 * MiB - 1) & ~(2 * MiB - 1));

	madvise(p, 64 * MiB, MADV_HUGEPAGE);
	touch_pages(p, 64 * MiB);
	munmap(raw, 66 * MiB);
}

struct part {
	char *p;
	size_t len;
};

static void *touch_part(void *arg)
{
	struct part *pt = arg;

	touch_pages(pt->p, pt->len);
	return NULL;
}

/* Two threads fault 32 MiB each, in one VMA or in two. */
static void fault_2threads(int separate)
{
	char *a = map_rw(64 * MiB), *b = separate ? map_rw(32 * MiB) : a + 32 * MiB;
	struct part parts[2] = { { a, 32 * MiB }, { b, 32 * MiB } };
	pthread_t t;

	madvise(a, 64 * MiB, MADV_NOHUGEPAGE);
	if (separate)
		madvise(b, 32 * MiB, MADV_NOHUGEPAGE);
	pthread_create(&t, NULL, touch_part, &parts[1]);
	touch_part(&parts[0]);
	pthread_join(t, NULL);
	munmap(a, 64 * MiB);
	if (separate)
		munmap(b, 32 * MiB);
}

/* 2000 x (mmap one page, touch it, munmap it). */
static void mmap_touch_munmap(void)
{
	for (int i = 0; i < 2000; i++) {
		char *p = map_rw(PAGE);

		*p = 1;
		munmap(p, PAGE);
	}
}

/* 2000 x mprotect a page in the middle of a populated 1 MiB VMA and back. */
static char *split_area;
static void mprotect_split_merge(void)
{
	for (int i = 0; i < 2000; i++) {
		char *p = split_area + ((i % 200) + 20) * PAGE;

		mprotect(p, PAGE, PROT_READ);
		mprotect(p, PAGE, PROT_READ | PROT_WRITE);
	}
}

/* 200 x mremap-move a populated 1 MiB VMA. */
static char *move_area, *move_spare;
static void mremap_move(void)
{
	for (int i = 0; i < 200; i++) {
		char *to = (i & 1) ? move_area : move_spare;
		char *from = (i & 1) ? move_spare : move_area;

		if (mremap(from, MiB, MiB, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED) {
			perror("mremap");
			exit(1);
		}
	}
}

/* fork + exit of a process with 512 MiB populated. */
static char *big;
static void fork_exit(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
}

/* munmap of a populated 1 GiB region (populated outside the timing). */
static char *gig;
static void munmap_1g(void)
{
	munmap(gig, 1024 * MiB);
}

static void prepare_munmap_1g(void)
{
	gig = map_rw(1024 * MiB);
	madvise(gig, 1024 * MiB, MADV_NOHUGEPAGE);
	touch_pages(gig, 1024 * MiB);
}

struct scenario {
	const char *name, *per;
	void (*run)(void);
	void (*prepare)(void);
};

static void fault_2t_same(void) { fault_2threads(0); }
static void fault_2t_sep(void) { fault_2threads(1); }

static const struct scenario scenarios[] = {
	{ "fault_4k", "16384_faults", fault_4k },
	{ "fault_thp", "32_THP_faults", fault_thp },
	{ "fault_2threads_same_vma", "16384_faults", fault_2t_same },
	{ "fault_2threads_separate_vmas", "16384_faults", fault_2t_sep },
	{ "mmap_touch_munmap", "2000_rounds", mmap_touch_munmap },
	{ "mprotect_split_merge", "2000_splits_and_merges", mprotect_split_merge },
	{ "mremap_move_1m", "200_moves", mremap_move },
	{ "fork_exit_512m", "1_fork_and_exit", fork_exit },
	{ "munmap_1g", "1_munmap", munmap_1g, prepare_munmap_1g },
};

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	double *t = calloc(rounds, sizeof(*t));

	split_area = map_rw(MiB);
	touch_pages(split_area, MiB);
	move_area = map_rw(MiB);
	touch_pages(move_area, MiB);
	move_spare = mmap(NULL, MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	big = map_rw(512 * MiB);
	madvise(big, 512 * MiB, MADV_NOHUGEPAGE);
	touch_pages(big, 512 * MiB);

	for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		for (int r = 0; r < rounds; r++) {
			double t0;

			if (scenarios[s].prepare) {
				munmap(big, 512 * MiB);	/* make room for 1 GiB */
				scenarios[s].prepare();
			}
			t0 = now_us();
			scenarios[s].run();
			t[r] = now_us() - t0;
		}
		qsort(t, rounds, sizeof(*t), cmp_double);
		printf("scenario=%s us=%.1f min_us=%.1f max_us=%.1f per=%s\n",
		       scenarios[s].name, t[rounds / 2], t[0], t[rounds - 1], scenarios[s].per);
		fflush(stdout);
	}
	return 0;
}
