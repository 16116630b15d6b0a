/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the bench programs. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/fs.h>
#include "procmap-uapi.h"

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* qsort() comparator for doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A private anonymous read-write mapping of @len bytes; exits on failure. */
static inline char *map_rw(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* Write one byte into each 4 KiB page of [@p, @p + @len): a fault each. */
static inline void touch_pages(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

/*
 * @nr private anonymous VMAs of @each bytes, every @touch_every-th one
 * written all over; a flag alternates so that neighbours never merge.
 */
static inline void map_layout(int nr, size_t each, int touch_every)
{
	for (int i = 0; i < nr; i++) {
		char *p = mmap(NULL, each, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		madvise(p, each, (i & 1) ? MADV_NOHUGEPAGE : MADV_NORMAL);
		if (i % touch_every == 0)
			memset(p, 1, each);
	}
}

/*
 * The sweep keeps the address space and the resident memory fixed and
 * changes only the number of VMAs.  50,000 one-page VMAs, all touched, is
 * its largest layout, so it holds 50,000 pages (195 MiB; a 2 GiB guest has
 * room), and every N it takes must divide that.
 */
#define SWEEP_PAGES 50000

/*
 * Build the layout named @arg (readcost and profile take the same names):
 * sparse, dense, big, rssN (N MiB over 100 VMAs), vmasNd, vmasNs.
 */
static inline void build_layout(void *arg)
{
	const char *name = arg;
	char kind;
	int nr;

	if (!strcmp(name, "sparse"))
		map_layout(10000, (64UL << 10), 20);
	else if (!strcmp(name, "dense"))
		map_layout(3000, (32UL << 10), 1);
	else if (!strcmp(name, "big"))
		map_layout(1, (256UL << 20), 1);
	else if (!strncmp(name, "rss", 3))
		map_layout(100, ((unsigned long)atoi(name + 3) << 20) / 100 + 4096, 1);
	else if (sscanf(name, "vmas%d%c", &nr, &kind) == 2 && nr > 0 &&
		 SWEEP_PAGES % nr == 0 && (kind == 'd' || kind == 's'))
		map_layout(nr, SWEEP_PAGES / nr * 4096UL, kind == 'd' ? 1 : 20);
	else
		exit(2);
}

/*
 * Fork a process that runs @build(@arg), then sleeps until killed; return
 * its pid once @build is done.  Exits if the child fails to get that far.
 */
static inline pid_t spawn_paused(void (*build)(void *), void *arg)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		exit(1);
	pid = fork();
	if (!pid) {
		build(arg);
		if (write(p[1], "r", 1) != 1)
			exit(1);
		for (;;)
			pause();
	}
	close(p[1]);	/* so that a child that dies gives EOF, not a hang */
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		fprintf(stderr, "the child failed to build its layout\n");
		exit(1);
	}
	close(p[0]);
	return pid;
}

/* PROCMAP_QUERY_VMA_RSS over all VMAs: the number of VMAs, or -1. */
static inline long query_all(int fd)
{
	struct procmap_query q;
	unsigned long addr = 0;
	long n = 0;

	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_VMA_RSS;
		q.query_addr = addr;
		if (ioctl(fd, PROCMAP_QUERY, &q))
			return errno == ENOENT ? n : -1;
		addr = q.vma_end;
		n++;
	}
}

/*
 * PROCMAP_SCAN with PROCMAP_QUERY_VMA_RSS over all VMAs, SCAN_BATCH records
 * per call: the number of VMAs, or -1 (a kernel without it).
 */
#define SCAN_BATCH 256
static inline long scan_all(int fd)
{
	static struct procmap_vma vec[SCAN_BATCH];
	struct procmap_scan_arg a = {
		.size = sizeof(a), .flags = PROCMAP_QUERY_VMA_RSS,
		.end = ~0ULL, .vec = (unsigned long)vec,
		.vec_len = SCAN_BATCH, .rec_size = sizeof(vec[0]),
	};
	long n = 0, got;

	do {
		got = ioctl(fd, PROCMAP_SCAN, &a);
		if (got < 0)
			return -1;
		n += got;
		a.start = a.walk_end;
	} while (a.walk_end < a.end);
	return n;
}

#endif
