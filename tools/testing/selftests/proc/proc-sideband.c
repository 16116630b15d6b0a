// SPDX-License-Identifier: GPL-2.0
/*
 * The rss counts of page tables (the "sideband", CONFIG_PER_VMA_RSS).
 *
 * - verify: /sys/kernel/debug/vma_rss/verify (CONFIG_DEBUG_VM) checks every
 *   page table's counts of a process against its entries and every VMA's
 *   sum against a walk, with all its locks held, and the sums against the
 *   mm's counters; a mismatch is an error from the write (and a WARN on the
 *   console).
 * - cost: reading a huge empty VMA looks at no PMD (vma_rss/stats).
 * - storm: threads map, touch, split, merge, move, advise and unmap at
 *   random, and fork, while the main thread verifies the process again and
 *   again; the seed is printed, and STORM_SEED=n replays it.
 * - skip: smaps and smaps_rollup read with the walks of empty page tables
 *   and VMAs skipped are byte-identical to a read that walks every VMA,
 *   and so is a smaps_rollup that starts over when its walk under RCU
 *   meets a PMD that keeps changing (injected), and the smaps of a process
 *   with a poisoned page (MADV_HWPOISON) alone in its page table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "../kselftest_harness.h"
#include "smaps-util.h"

#define VMA_RSS_DIR	"/sys/kernel/debug/vma_rss"
#define PAGE_SZ		4096UL
#define HPAGE_SZ	(2UL << 20)

static int set_knob(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", VMA_RSS_DIR, name);
	return write_str(path, value);
}

static int set_skip(int on)
{
	return set_knob("skip_walks", on ? "Y" : "N");
}

static long stat_value(const char *name)
{
	char *text = read_file(VMA_RSS_DIR "/stats", NULL), *p;
	long v = -1;

	if (!text)
		return -1;
	p = strstr(text, name);
	if (p)
		v = strtol(p + strlen(name), NULL, 10);
	free(text);
	return v;
}

/* In a test's body: skip it (return) on a kernel without the verifier. */
#define REQUIRE_SIDEBAND()						\
	do {								\
		if (access(VMA_RSS_DIR "/verify", W_OK))		\
			SKIP(return, "no %s/verify (kernel without CONFIG_PER_VMA_RSS and CONFIG_DEBUG_VM, or no debugfs)", \
			     VMA_RSS_DIR);				\
	} while (0)

static void touch(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += PAGE_SZ)
		p[i] = 1;
}

/* Each mapping kind, set up in this process, then verified. */
TEST(kinds)
{
	char path[] = "/tmp/sideband-XXXXXX";
	size_t len = 64 * PAGE_SZ;
	char *a, *s, *f, *m, *t, *r;
	int fd, mfd;
	pid_t child;
	int status;

	REQUIRE_SIDEBAND();
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, s);
	touch(a, len);
	touch(s, len);

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, len));
	f = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, f);
	for (size_t i = 0; i < len; i += PAGE_SZ)
		(void)*(volatile char *)(f + i);		/* file pages */
	touch(f, len / 2);				/* COW: anon pages */

	mfd = memfd_create("sideband", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, len));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, mfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/* Split and merge by mprotect, partial munmap, MADV_DONTNEED. */
	ASSERT_EQ(0, mprotect(a + 8 * PAGE_SZ, 8 * PAGE_SZ, PROT_READ));
	ASSERT_EQ(0, mprotect(f + 40 * PAGE_SZ, 4 * PAGE_SZ, PROT_READ));
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	ASSERT_EQ(0, mprotect(a + 8 * PAGE_SZ, 8 * PAGE_SZ, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, munmap(s + 60 * PAGE_SZ, 4 * PAGE_SZ));
	ASSERT_EQ(0, madvise(a + 20 * PAGE_SZ, 10 * PAGE_SZ, MADV_DONTNEED));
	ASSERT_EQ(0, mlock(m, 16 * PAGE_SZ));
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/* mremap: move, grow in place or by moving, shrink. */
	r = mremap(a, len, 2 * len, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, r);
	touch(r + len, len);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	r = mremap(r, 2 * len, len / 2, 0);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/* PMD-aligned regions: a THP and a full page table move by mremap. */
	t = mmap(NULL, 4 * HPAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	t = (char *)(((unsigned long)t + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
	madvise(t, HPAGE_SZ, MADV_HUGEPAGE);
	madvise(t + HPAGE_SZ, HPAGE_SZ, MADV_NOHUGEPAGE);
	touch(t, 2 * HPAGE_SZ);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	r = mremap(t, HPAGE_SZ, HPAGE_SZ, MREMAP_MAYMOVE | MREMAP_FIXED, t + 2 * HPAGE_SZ);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	r = mremap(t + HPAGE_SZ, HPAGE_SZ, HPAGE_SZ, MREMAP_MAYMOVE | MREMAP_FIXED, t);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	/* Split the THP by a partial mprotect and munmap. */
	ASSERT_EQ(0, mprotect(t + 2 * HPAGE_SZ + PAGE_SZ, PAGE_SZ, PROT_READ));
	ASSERT_EQ(0, munmap(t + 2 * HPAGE_SZ + 3 * PAGE_SZ, PAGE_SZ));
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/* Fork: the child's VMAs count what it copied; COW in both. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		touch(f, len / 4);
		_exit(vma_rss_verify(getpid()) ? 1 : 0);
	}
	touch(s, len / 2);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	munmap(f, len);
	munmap(m, len);
	close(fd);
	close(mfd);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
}

/*
 * Each way a move or a split hands counts over: mremap of a whole VMA to a
 * VMA of its own (all at once, after the move), of part of a VMA and into
 * a neighbour it merges with (entry by entry), MREMAP_DONTUNMAP; splits of
 * a VMA mapped in every page (no walk), of a sparse anonymous one (a
 * descent that does not look at pages) with a THP inside the moved side,
 * and of a file VMA (a page walk).  The verifier compares every VMA with a
 * walk after each step.
 */
TEST(moves_and_splits)
{
	const size_t len = 64 * PAGE_SZ;
	char *hole, *a, *b, *r, *t;
	int fd;
	char path[] = "/tmp/sideband-XXXXXX";

	REQUIRE_SIDEBAND();
	/* Free, known destinations: parts of a PROT_NONE reservation. */
	hole = mmap(NULL, 32 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);

	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	touch(a, len);
	r = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, hole + len);
	ASSERT_EQ(hole + len, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	/* Whole, and growing as it moves. */
	r = mremap(r, len, 2 * len, MREMAP_MAYMOVE | MREMAP_FIXED, hole + 4 * len);
	ASSERT_EQ(hole + 4 * len, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	/* Part of a VMA. */
	r = mremap(r + 8 * PAGE_SZ, 8 * PAGE_SZ, 8 * PAGE_SZ,
		   MREMAP_MAYMOVE | MREMAP_FIXED, hole + 8 * len);
	ASSERT_EQ(hole + 8 * len, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	/* Into a neighbour that has no anon_vma yet: copy_vma() merges. */
	b = mmap(hole + 10 * len, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(hole + 10 * len, b);
	r = mremap(r, 8 * PAGE_SZ, 8 * PAGE_SZ, MREMAP_MAYMOVE | MREMAP_FIXED, b + len);
	ASSERT_EQ(b + len, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	touch(b, len / 2);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	/* MREMAP_DONTUNMAP: the old VMA stays, mapping nothing. */
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	touch(a, len);
	r = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	touch(a, len / 4);
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/* A split of a VMA with a page in every page: no walk. */
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	touch(a, len);
	ASSERT_EQ(0, mprotect(a + 5 * PAGE_SZ, 7 * PAGE_SZ, PROT_READ));
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	ASSERT_EQ(0, mprotect(a + 5 * PAGE_SZ, 7 * PAGE_SZ, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/*
	 * A sparse anonymous VMA with a zero page, and a THP (where THP is
	 * enabled) in the side of the first split that is counted.
	 */
	t = mmap(NULL, 4 * HPAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	t = (char *)(((unsigned long)t + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
	madvise(t, 3 * HPAGE_SZ, MADV_NOHUGEPAGE);
	for (size_t i = HPAGE_SZ; i < 3 * HPAGE_SZ; i += 3 * PAGE_SZ)
		t[i] = 1;
	(void)*(volatile char *)(t + HPAGE_SZ + PAGE_SZ);	/* the zero page */
	madvise(t, HPAGE_SZ, MADV_HUGEPAGE);	/* splits the VMA */
	touch(t, HPAGE_SZ);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	/* Merge back (same flags again), then split: [t, t + 1.25 PMD) moves. */
	madvise(t, HPAGE_SZ, MADV_NOHUGEPAGE);
	ASSERT_EQ(0, mprotect(t + HPAGE_SZ + HPAGE_SZ / 4, HPAGE_SZ / 2, PROT_READ));
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	ASSERT_EQ(0, mprotect(t + HPAGE_SZ + HPAGE_SZ / 4, HPAGE_SZ / 2, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, vma_rss_verify(getpid()));

	/* A file VMA: page cache pages and COW copies. */
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, len));
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	for (size_t i = 0; i < len; i += 2 * PAGE_SZ)
		(void)*(volatile char *)(a + i);
	touch(a, len / 4);
	ASSERT_EQ(0, mprotect(a + len / 8, len / 2, PROT_READ));
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	r = mremap(a, len / 8, len / 8, MREMAP_MAYMOVE | MREMAP_FIXED, hole + 20 * len);
	ASSERT_EQ(hole + 20 * len, r);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
	close(fd);
	munmap(hole, 32 * len);
	ASSERT_EQ(0, vma_rss_verify(getpid()));
}

/* The storm: random operations from several threads, verified meanwhile. */
#define STORM_THREADS	3
#define STORM_SLOTS	16
#define STORM_REGION	(8 * HPAGE_SZ)

static char *storm_base;
static int storm_fd, storm_mem;
static atomic_int storm_stop;
static atomic_long storm_ops;

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

static void storm_op(unsigned int *seed)
{
	size_t slot_len = STORM_REGION / STORM_SLOTS;
	char *p = storm_base + (rnd(seed) % STORM_SLOTS) * slot_len;
	size_t off = (rnd(seed) % (slot_len / PAGE_SZ)) * PAGE_SZ;
	size_t len = (1 + rnd(seed) % 64) * PAGE_SZ;
	int prot[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE };
	static const int advice[] = { MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE,
				      MADV_NOHUGEPAGE, MADV_COLD, MADV_PAGEOUT,
				      MADV_WILLNEED };
	int flags;

	if (off + len > slot_len)
		len = slot_len - off;
	switch (rnd(seed) % 8) {
	case 0:		/* new mapping of a random kind over part of the slot */
		flags = MAP_FIXED | (rnd(seed) % 2 ? MAP_PRIVATE : MAP_SHARED);
		if (rnd(seed) % 3)
			mmap(p + off, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
		else
			mmap(p + off, len, PROT_READ | PROT_WRITE, flags, storm_fd,
			     (rnd(seed) % 64) * PAGE_SZ);
		break;
	case 1:
		munmap(p + off, len);
		break;
	case 2:
	case 3:
		mprotect(p + off, len, prot[rnd(seed) % 3]);
		break;
	case 4:		/* move a piece to another slot */
		mremap(p + off, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		       storm_base + (rnd(seed) % STORM_SLOTS) * slot_len);
		break;
	case 5:
		madvise(p + off, len, advice[rnd(seed) % 7]);
		break;
	default:	/* touch through /proc/self/mem: faults, never SIGSEGV */
		for (size_t i = 0; i < len; i += PAGE_SZ)
			if (pwrite(storm_mem, "x", 1, (off_t)(unsigned long)(p + off + i)) != 1)
				break;
		break;
	}
	atomic_fetch_add(&storm_ops, 1);
}

static void *storm_thread(void *arg)
{
	unsigned int seed = (unsigned int)(unsigned long)arg;

	while (!atomic_load(&storm_stop))
		storm_op(&seed);
	return NULL;
}

TEST(storm)
{
	const char *env = getenv("STORM_SEED"), *secs_env = getenv("STORM_SECONDS");
	unsigned int seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	int secs = secs_env ? atoi(secs_env) : 20;
	pthread_t th[STORM_THREADS];
	int verifies = 0, forks = 0, err = 0;
	time_t end;

	REQUIRE_SIDEBAND();
	TH_LOG("seed %u (STORM_SEED=%u replays it), %d s", seed, seed, secs);
	storm_mem = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, storm_mem);
	storm_fd = memfd_create("storm", 0);
	ASSERT_LE(0, storm_fd);
	ASSERT_EQ(0, ftruncate(storm_fd, 128 * PAGE_SZ));
	storm_base = mmap(NULL, STORM_REGION, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, storm_base);
	touch(storm_base, STORM_REGION / 2);

	for (int i = 0; i < STORM_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, storm_thread,
					    (void *)(unsigned long)(seed + i)));
	end = time(NULL) + secs;
	while (time(NULL) < end && !err) {
		err = vma_rss_verify(getpid());
		verifies++;
		if (verifies % 8 == 0) {
			pid_t c = fork();
			int status;

			if (!c) {
				unsigned int cs = seed ^ verifies;

				/* The inherited fd writes to the parent's mm. */
				storm_mem = open("/proc/self/mem", O_RDWR);
				for (int i = 0; i < 200; i++)
					storm_op(&cs);
				_exit(vma_rss_verify(getpid()) ? 1 : 0);
			}
			if (c > 0 && waitpid(c, &status, 0) == c) {
				forks++;
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					err = -EUCLEAN;
			}
		}
	}
	atomic_store(&storm_stop, 1);
	for (int i = 0; i < STORM_THREADS; i++)
		pthread_join(th[i], NULL);
	if (!err)
		err = vma_rss_verify(getpid());
	TH_LOG("%ld operations, %d verifies, %d forks", atomic_load(&storm_ops), verifies, forks);
	ASSERT_EQ(0, err) TH_LOG("seed %u: %s", seed, strerror(-err));
	EXPECT_LT(1000, atomic_load(&storm_ops));
	munmap(storm_base, STORM_REGION);
	close(storm_fd);
	close(storm_mem);
}

/* A child with some of each kind, stopped; the caller kills it. */
static pid_t stopped_child(void)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		size_t len = 256 * PAGE_SZ;
		char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		char *t = mmap(NULL, 4 * HPAGE_SZ, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int fd = open("/proc/self/exe", O_RDONLY);
		struct stat st;
		size_t flen = fstat(fd, &st) ? 0 : (st.st_size & ~(PAGE_SZ - 1));
		char *f;

		if (flen > len)
			flen = len;
		f = mmap(NULL, flen, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

		if (a == MAP_FAILED || s == MAP_FAILED || t == MAP_FAILED || f == MAP_FAILED)
			_exit(1);
		touch(a, len);
		touch(s, len / 2);
		t = (char *)(((unsigned long)t + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
		madvise(t, HPAGE_SZ, MADV_HUGEPAGE);
		touch(t, HPAGE_SZ + 16 * PAGE_SZ);
		for (size_t i = 0; i < flen; i += PAGE_SZ)
			(void)*(volatile char *)(f + i);
		touch(f, 4 * PAGE_SZ);
		/*
		 * A VMA with a page table that maps something and one emptied
		 * by MADV_DONTNEED, and one whose 2 MiB has no table: walks
		 * pass over the last two.
		 */
		char *g = mmap(NULL, 4 * HPAGE_SZ, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (g == MAP_FAILED)
			_exit(1);
		g = (char *)(((unsigned long)g + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
		madvise(g, 2 * HPAGE_SZ, MADV_NOHUGEPAGE);
		touch(g, 16 * PAGE_SZ);
		touch(g + HPAGE_SZ, 16 * PAGE_SZ);
		madvise(g + HPAGE_SZ, HPAGE_SZ, MADV_DONTNEED);
		if (mprotect(g + 2 * HPAGE_SZ, HPAGE_SZ, PROT_READ))
			_exit(1);
		/* 400 VMAs: guard pages, reservations, untouched; a few touched. */
		char *e = mmap(NULL, 800 * PAGE_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (e == MAP_FAILED)
			_exit(1);
		for (int i = 0; i < 400; i++) {
			char *q = e + 2 * i * PAGE_SZ;

			if (mprotect(q, PAGE_SZ, PROT_READ | (i % 2 ? PROT_WRITE : 0)))
				_exit(1);
			if (i % 40 == 1)
				*q = 1;
		}
		raise(SIGSTOP);
		pause();
		_exit(0);
	}
	if (pid > 0 && (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static int open_maps(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return open(path, O_RDONLY);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The query equals smaps' fields that the counters hold, VMA by VMA. */
TEST(query_matches_smaps)
{
	pid_t pid = stopped_child();
	struct smaps_vma *v;
	struct procmap_query q;
	char path[64], *text;
	int fd, n, i, thp = 0;

	REQUIRE_SIDEBAND();
	ASSERT_LT(0, pid);
	fd = open_maps(pid);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	text = read_file(path, NULL);
	ASSERT_NE(NULL, text);
	n = parse_smaps(text, &v);
	ASSERT_LT(100, n);
	for (i = 0; i < n; i++) {
		if (v[i].start >= 0xffffffffff600000UL)
			continue;	/* the gate VMA is not in the mm */
		ASSERT_EQ(0, query_rss(fd, v[i].start, &q));
		ASSERT_EQ(v[i].start, q.vma_start);
		EXPECT_EQ(smaps_get(&v[i], "Rss"),
			  (long)((q.rss_anon + q.rss_file + q.rss_shmem) >> 10))
			TH_LOG("%s", v[i].header);
		EXPECT_EQ(smaps_get(&v[i], "Anonymous"), (long)(q.rss_anon >> 10))
			TH_LOG("%s", v[i].header);
		EXPECT_EQ(smaps_get(&v[i], "AnonHugePages"), (long)(q.anon_huge >> 10))
			TH_LOG("%s", v[i].header);
		EXPECT_EQ(smaps_get(&v[i], "FilePmdMapped"), (long)(q.file_pmd_mapped >> 10))
			TH_LOG("%s", v[i].header);
		EXPECT_EQ(smaps_get(&v[i], "ShmemPmdMapped"), (long)(q.shmem_pmd_mapped >> 10))
			TH_LOG("%s", v[i].header);
		thp += q.anon_huge > 0;
	}
	if (!thp)
		TH_LOG("no PMD-mapped THP in the child (THP off or none free)");
	free(v);
	free(text);
	close(fd);
	reap(pid);
}

/* Querying every VMA walks no page table (a debug counter of walks). */
TEST(query_walks_nothing)
{
	pid_t pid = stopped_child();
	struct procmap_query q;
	unsigned long addr = 0;
	long before, after, smaps_walks;
	int fd, n = 0;
	char path[64], *text;

	REQUIRE_SIDEBAND();
	ASSERT_LT(0, pid);
	fd = open_maps(pid);
	ASSERT_LE(0, fd);
	before = stat_value("page_walks ");
	ASSERT_LE(0, before);
	while (!query_rss(fd, addr, &q)) {
		addr = q.vma_end;
		n++;
	}
	after = stat_value("page_walks ");
	EXPECT_LT(100, n);
	EXPECT_EQ(before, after) TH_LOG("%d queries made %ld page walks", n, after - before);
	/* The counter does count: smaps walks the non-empty VMAs. */
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	text = read_file(path, NULL);
	ASSERT_NE(NULL, text);
	smaps_walks = stat_value("page_walks ") - after;
	EXPECT_LT(3, smaps_walks);
	free(text);
	close(fd);
	reap(pid);
}

/* Every bad argument gets its documented error. */
TEST(query_bad_input)
{
	struct {
		struct procmap_query q;
		char tail[64];
	} big;
	struct procmap_query q;
	pid_t pid;
	int fd;

	REQUIRE_SIDEBAND();
	fd = open("/proc/self/maps", O_RDONLY);
	ASSERT_LE(0, fd);
	/* The flag needs the full struct; below the first fields: EINVAL. */
	ASSERT_EQ(0, query_rss(fd, 0, &q));
	q.size = PROCMAP_QUERY_SIZE_VER0;
	q.query_addr = 0;
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.size = 16;
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	/* The first version without the flag still works. */
	q.size = PROCMAP_QUERY_SIZE_VER0;
	q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
	EXPECT_EQ(0, ioctl(fd, PROCMAP_QUERY, &q));
	/* Larger: a zero tail is fine, a non-zero tail is E2BIG. */
	memset(&big, 0, sizeof(big));
	big.q.size = sizeof(big);
	big.q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_VMA_RSS;
	EXPECT_EQ(0, ioctl(fd, PROCMAP_QUERY, &big));
	big.tail[10] = 1;
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail[10] = 0;
	big.q.size = 2 * PAGE_SZ;
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, &big));
	EXPECT_EQ(E2BIG, errno);
	/* Unknown flags. */
	query_rss(fd, 0, &q);
	q.query_flags |= 0x80;
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	/* Unaligned address: the VMA covering it. Beyond the address space: ENOENT. */
	EXPECT_EQ(0, query_rss(fd, (unsigned long)&q + 3, &q));
	EXPECT_EQ(-ENOENT, query_rss(fd, -4096UL, &q));
	/* NULL, unmapped and read-only pointers: EFAULT. */
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
	void *gone = mmap(NULL, PAGE_SZ, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, gone);
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, gone));	/* size 0 read from it */
	EXPECT_EQ(EINVAL, errno);
	munmap(gone, PAGE_SZ);
	EXPECT_EQ(-1, ioctl(fd, PROCMAP_QUERY, gone));
	EXPECT_EQ(EFAULT, errno);
	close(fd);

	/* A target that exited: ESRCH, also for an fd opened before. */
	pid = stopped_child();
	ASSERT_LT(0, pid);
	fd = open_maps(pid);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, query_rss(fd, 0, &q));
	reap(pid);
	EXPECT_EQ(-ESRCH, query_rss(fd, 0, &q));
	close(fd);
}

/*
 * Skipping the walks of empty VMAs changes no byte of smaps or smaps_rollup.
 * The stopped child shares copy-on-write pages with this process, which
 * breaks the sharing (and so changes the child's Pss and Shared lines) when
 * it writes to its heap or stack between two reads.  So read with the skip
 * on, off, and on again, and compare the middle read with the others only
 * when those two agree: nothing changed meanwhile.
 */
static char *read_both(const char *smaps, const char *rollup, int skip,
		       long *skipped, long *tables)
{
	long before = stat_value("skipped_walks ");
	long tables_before = stat_value("skipped_tables ");
	char *both;

	if (set_skip(skip))
		return NULL;
	both = read_smaps_and_rollup(smaps, rollup);
	*skipped = stat_value("skipped_walks ") - before;
	*tables = stat_value("skipped_tables ") - tables_before;
	return both;
}

TEST(skip_is_exact)
{
	char *text[3] = {}, path[2][64];
	long skipped[3], tables[3];
	int i, try;
	pid_t pid;

	if (access(VMA_RSS_DIR "/skip_walks", W_OK))
		SKIP(return, "no %s/skip_walks", VMA_RSS_DIR);
	pid = stopped_child();
	ASSERT_LT(0, pid);
	snprintf(path[0], sizeof(path[0]), "/proc/%d/smaps", pid);
	snprintf(path[1], sizeof(path[1]), "/proc/%d/smaps_rollup", pid);
	for (try = 0; try < 5; try++) {
		for (i = 0; i < 3; i++) {
			free(text[i]);
			text[i] = read_both(path[0], path[1], i != 1, &skipped[i],
					    &tables[i]);
			ASSERT_NE(NULL, text[i]);
		}
		if (!strcmp(text[0], text[2]))
			break;
		TH_LOG("the child's smaps changed between reads; again");
	}
	ASSERT_EQ(0, set_skip(1));
	ASSERT_STREQ(text[0], text[2]);
	/*
	 * The walks passed over the emptied table and the VMA without one,
	 * in smaps and in smaps_rollup, and only with the skip on.
	 */
	EXPECT_LE(2, skipped[0]);
	EXPECT_LE(2, tables[0]);
	EXPECT_EQ(0, skipped[1]);
	EXPECT_EQ(0, tables[1]);
	EXPECT_STREQ(text[0], text[1]);
	for (i = 0; i < 3; i++)
		free(text[i]);
	reap(pid);
}

/*
 * smaps_rollup walks small VMAs under RCU; a walk there that meets a PMD
 * that keeps changing cannot wait for it, and the read starts over with
 * walks that can.  Debugfs vma_rss/atomic_fail_every makes every Nth PMD
 * such a one: the result is still that of a read that walks every VMA.
 */
TEST(rollup_restart_is_exact)
{
	char path[64], *text[4] = {};
	long failed = 0, before;
	int i, try;
	pid_t pid;

	if (access(VMA_RSS_DIR "/atomic_fail_every", W_OK))
		SKIP(return, "no %s/atomic_fail_every (kernel without CONFIG_DEBUG_VM)",
		     VMA_RSS_DIR);
	pid = stopped_child();
	ASSERT_LT(0, pid);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	for (try = 0; try < 5; try++) {
		for (i = 0; i < 4; i++)
			free(text[i]);
		text[0] = read_file(path, NULL);
		ASSERT_EQ(0, set_knob("atomic_fail_every", "3"));
		before = stat_value("atomic_failed ");
		text[1] = read_file(path, NULL);
		failed = stat_value("atomic_failed ") - before;
		ASSERT_EQ(0, set_knob("atomic_fail_every", "0"));
		ASSERT_EQ(0, set_skip(0));
		text[2] = read_file(path, NULL);
		ASSERT_EQ(0, set_skip(1));
		text[3] = read_file(path, NULL);
		for (i = 0; i < 4; i++)
			ASSERT_NE(NULL, text[i]);
		if (!strcmp(text[0], text[3]))
			break;
		TH_LOG("the child's smaps_rollup changed between reads; again");
	}
	EXPECT_LT(0, failed) TH_LOG("no walk failed: the injection did not work");
	EXPECT_STREQ(text[0], text[1]);
	EXPECT_STREQ(text[0], text[2]);
	for (i = 0; i < 4; i++)
		free(text[i]);
	reap(pid);
}

/*
 * A page poisoned with MADV_HWPOISON leaves a hwpoison entry, which smaps
 * counts as resident and the rss counts do not.  Alone in its page table,
 * it would be passed over by a walk that skips tables by their counts: the
 * kernel marks the mm instead, and walks all its tables.  So smaps reads the
 * same with the skip on and off, and shows the page.
 */
static void on_sigbus(int sig)
{
}

static pid_t poisoned_child(unsigned long *addr)
{
	int pfd[2], status = 0;
	unsigned long a = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (!pid) {
		char *p = mmap(NULL, 2 * HPAGE_SZ, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		/*
		 * A 2 MiB VMA of its own, between PROT_NONE rests, with a
		 * page table of its own.
		 */
		p = (char *)(((unsigned long)p + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
		if (mprotect(p, HPAGE_SZ, PROT_READ | PROT_WRITE))
			_exit(1);
		madvise(p, HPAGE_SZ, MADV_NOHUGEPAGE);
		p[0] = 1;
		/* With early kill set, the poisoning sends SIGBUS: ignore it. */
		signal(SIGBUS, on_sigbus);
		if (madvise(p, PAGE_SZ, MADV_HWPOISON))
			_exit(errno == EINVAL || errno == EPERM ? 2 : 1);
		a = (unsigned long)p;
		if (write(pfd[1], &a, sizeof(a)) != sizeof(a))
			_exit(1);
		raise(SIGSTOP);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0 && read(pfd[0], &a, sizeof(a)) != sizeof(a)) {
		waitpid(pid, &status, 0);
		pid = WIFEXITED(status) && WEXITSTATUS(status) == 2 ? 0 : -1;
	} else if (pid > 0 && (waitpid(pid, &status, WUNTRACED) != pid ||
			       !WIFSTOPPED(status))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pfd[0]);
	*addr = a;
	return pid;
}

TEST(hwpoison_is_seen)
{
	struct smaps_vma *v[2] = {}, *r[2];
	char path[64], *text[2] = {};
	unsigned long addr;
	int i, n[2];
	pid_t pid;

	if (access(VMA_RSS_DIR "/skip_walks", W_OK))
		SKIP(return, "no %s/skip_walks", VMA_RSS_DIR);
	pid = poisoned_child(&addr);
	ASSERT_LE(0, pid);
	if (!pid)
		SKIP(return, "no MADV_HWPOISON (kernel without CONFIG_MEMORY_FAILURE)");
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, set_skip(!i));
		text[i] = read_file(path, NULL);
		ASSERT_NE(NULL, text[i]);
	}
	ASSERT_EQ(0, set_skip(1));
	for (i = 0; i < 2; i++) {
		char *copy = strdup(text[i]);

		n[i] = parse_smaps(copy, &v[i]);
		free(copy);
		ASSERT_LT(0, n[i]);
		r[i] = smaps_find(v[i], n[i], addr);
		ASSERT_NE(NULL, r[i]);
	}
	/*
	 * The page walker counts the poisoned page: the test has its case.
	 * (Records of other VMAs may differ: the child shares pages with this
	 * process, whose writes between the reads change their Pss.)
	 */
	EXPECT_EQ(PAGE_SZ / 1024, smaps_get(r[1], "Rss"));
	ASSERT_EQ(r[1]->nr_fields, r[0]->nr_fields);
	for (i = 0; i < r[0]->nr_fields; i++) {
		EXPECT_STREQ(r[1]->f[i].name, r[0]->f[i].name);
		EXPECT_EQ(r[1]->f[i].val, r[0]->f[i].val)
			TH_LOG("%s: %lu kB walked, %lu kB with the skip",
			       r[0]->f[i].name, r[1]->f[i].val, r[0]->f[i].val);
	}
	for (i = 0; i < 2; i++) {
		free(v[i]);
		free(text[i]);
	}
	reap(pid);
}

/*
 * A child with a huge empty reservation and a region whose page tables
 * exist but are empty (touched once per 2 MiB, then MADV_DONTNEED), both
 * private anonymous: stopped; the caller kills it.  *@big and *@tables
 * get their addresses.
 */
#define COST_BIG	(1UL << 40)		/* 1 TiB, PROT_NONE */
#define COST_TABLES	(4UL << 30)		/* 4 GiB, 2048 empty tables */
static pid_t cost_child(unsigned long *big, unsigned long *tables)
{
	int pfd[2], status;
	unsigned long addr[2];
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (!pid) {
		char *b = mmap(NULL, COST_BIG, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		char *t = mmap(NULL, COST_TABLES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (b == MAP_FAILED || t == MAP_FAILED)
			_exit(1);
		madvise(t, COST_TABLES, MADV_NOHUGEPAGE);
		for (unsigned long off = 0; off < COST_TABLES; off += HPAGE_SZ)
			t[off] = 1;
		madvise(t, COST_TABLES, MADV_DONTNEED);
		addr[0] = (unsigned long)b;
		addr[1] = (unsigned long)t;
		if (write(pfd[1], addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		raise(SIGSTOP);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0 && (read(pfd[0], addr, sizeof(addr)) != sizeof(addr) ||
			waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pfd[0]);
	*big = addr[0];
	*tables = addr[1];
	return pid;
}

/*
 * What a read costs grows with the page tables a VMA has, not with its
 * size: smaps, smaps_rollup and the query of a 1 TiB reservation look at
 * (almost) no PMD (debugfs vma_rss/stats pmd_looks; a look per 2 MiB would
 * be 524,288 per read).  And smaps_rollup of a VMA with 2048 empty page
 * tables, more than the RCU pass looks at before it leaves a VMA to the
 * locked path, is still exact: the same as with every VMA walked.
 */
TEST(read_cost_is_bounded)
{
	unsigned long big, tables;
	char path[3][64], *text, *walked;
	struct procmap_query q;
	long before, looks;
	pid_t pid;
	int fd;

	if (stat_value("pmd_looks ") < 0)
		SKIP(return, "no pmd_looks in %s/stats (kernel without CONFIG_DEBUG_VM)",
		     VMA_RSS_DIR);
	pid = cost_child(&big, &tables);
	ASSERT_LT(0, pid);
	snprintf(path[0], sizeof(path[0]), "/proc/%d/smaps", pid);
	snprintf(path[1], sizeof(path[1]), "/proc/%d/smaps_rollup", pid);
	fd = open_maps(pid);
	ASSERT_LE(0, fd);

	before = stat_value("pmd_looks ");
	ASSERT_EQ(0, query_rss(fd, big, &q));
	EXPECT_EQ(big, q.vma_start);
	EXPECT_EQ(0, q.rss_anon + q.rss_file + q.rss_shmem + q.swap);
	looks = stat_value("pmd_looks ") - before;
	EXPECT_GT(2048, looks) TH_LOG("the query of a 1 TiB reservation looked at %ld PMDs", looks);

	/* The 4 GiB region: 2048 tables, all empty; the query reads them. */
	before = stat_value("pmd_looks ");
	ASSERT_EQ(0, query_rss(fd, tables, &q));
	EXPECT_EQ(0, q.rss_anon + q.swap);
	looks = stat_value("pmd_looks ") - before;
	EXPECT_LE(2048, looks) TH_LOG("the counter counts: %ld looks for 2048 tables", looks);

	/* smaps: every VMA but the 4 GiB one costs next to nothing. */
	before = stat_value("pmd_looks ");
	text = read_file(path[0], NULL);
	ASSERT_NE(NULL, text);
	free(text);
	looks = stat_value("pmd_looks ") - before;
	EXPECT_GT(2 * 2048 + 2048, looks) TH_LOG("smaps looked at %ld PMDs", looks);

	/*
	 * smaps_rollup, with the skip (and the RCU pass) on, off and on
	 * again: the child shares pages with this process (and its Pss moves
	 * when they are migrated, or when this process breaks the sharing),
	 * so the walked read is compared only when the two others agree, as
	 * in skip_is_exact.
	 */
	before = stat_value("pmd_looks ");
	text = read_file(path[1], NULL);
	ASSERT_NE(NULL, text);
	looks = stat_value("pmd_looks ") - before;
	EXPECT_GT(3 * 2048 + 2048, looks) TH_LOG("smaps_rollup looked at %ld PMDs", looks);
	for (int try = 0;; try++) {
		char *again;

		ASSERT_EQ(0, set_skip(0));
		walked = read_file(path[1], NULL);
		ASSERT_EQ(0, set_skip(1));
		ASSERT_NE(NULL, walked);
		again = read_file(path[1], NULL);
		ASSERT_NE(NULL, again);
		if (!strcmp(text, again) || try == 4) {
			ASSERT_STREQ(text, again)
				TH_LOG("the child's smaps_rollup never stable across two reads");
			free(again);
			break;
		}
		TH_LOG("the child's smaps_rollup changed between reads; again");
		free(text);
		free(walked);
		text = again;
	}
	EXPECT_STREQ(walked, text);
	free(walked);
	free(text);
	close(fd);
	reap(pid);
}

/*
 * Two VMAs that share one PTE table.  What each maps of it is counted
 * entry by entry once, and what the entries below the index where they
 * meet count is left in the table (ptdesc->pt_rss_part) for the next
 * reader of either VMA, until the table's counts change.
 */
#define TABLE_PAGES	(HPAGE_SZ / PAGE_SZ)

/*
 * A 2 MiB-aligned window holding two VMAs only, [0, @split) and [@split,
 * TABLE_PAGES) in pages, kept apart by their flags.  NULL if mmap() fails.
 */
static char *shared_table(unsigned long split)
{
	char *p = mmap(NULL, 2 * HPAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *t;

	if (p == MAP_FAILED)
		return NULL;
	t = (char *)(((unsigned long)p + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
	if (t > p)
		munmap(p, t - p);
	munmap(t + HPAGE_SZ, p + 2 * HPAGE_SZ - (t + HPAGE_SZ));
	madvise(t, split * PAGE_SZ, MADV_NOHUGEPAGE);
	madvise(t + split * PAGE_SZ, HPAGE_SZ - split * PAGE_SZ, MADV_DONTDUMP);
	return t;
}

/*
 * Every VMA of the window @t, queried twice (PROCMAP_QUERY_VMA_RSS), against
 * what pagemap says of its pages: present (all written, so anonymous) and
 * swapped.  Returns the number of answers that differ, logged if @log.
 */
static int window_pass(struct __test_metadata *_metadata, int maps,
		       int pagemap, char *t, const char *step, bool log)
{
	static uint64_t pm[TABLE_PAGES];
	unsigned long addr = (unsigned long)t, end = addr + HPAGE_SZ, i, first;
	unsigned long present, swapped;
	struct procmap_query q;
	int bad = 0, again;

	if (pread(pagemap, pm, sizeof(pm), addr / PAGE_SZ * 8) != sizeof(pm)) {
		TH_LOG("%s: pagemap: %s", step, strerror(errno));
		return 1;
	}
	while (addr < end) {
		if (query_rss(maps, addr, &q)) {
			TH_LOG("%s: no VMA at or after %lx", step, addr);
			return bad + 1;
		}
		if (q.vma_start >= end)
			break;
		if (q.vma_start < (unsigned long)t || q.vma_end > end) {
			TH_LOG("%s: VMA %llx-%llx reaches out of the window %p",
			       step, q.vma_start, q.vma_end, t);
			return bad + 1;
		}
		addr = q.vma_start;	/* after a hole */
		present = swapped = 0;
		first = (addr - (unsigned long)t) / PAGE_SZ;
		for (i = first; i < (q.vma_end - (unsigned long)t) / PAGE_SZ; i++) {
			present += pm[i] >> 63;
			swapped += (pm[i] >> 62) & 1;
		}
		for (again = 0; again < 2; again++) {
			if (again && query_rss(maps, addr, &q))
				return bad + 1;
			if (q.rss_anon == present * PAGE_SZ &&
			    q.swap == swapped * PAGE_SZ && !q.rss_file &&
			    !q.rss_shmem)
				continue;
			bad++;
			if (log)
				TH_LOG("%s: pages %lu-%lu, query %d: anon %llu swap %llu file %llu shmem %llu, pagemap: %lu present, %lu swapped",
				       step, first,
				       first + (unsigned long)(q.vma_end - addr) / PAGE_SZ,
				       again, q.rss_anon / PAGE_SZ,
				       q.swap / PAGE_SZ, q.rss_file / PAGE_SZ,
				       q.rss_shmem / PAGE_SZ, present, swapped);
		}
		addr = q.vma_end;
	}
	return bad;
}

/*
 * window_pass(), again if it differed: a page that reclaim or compaction
 * moved between the pagemap read and the queries (pagemap shows a migration
 * entry as swapped, the counts as what it maps) differs once, not twice.
 * With @verify, the kernel's verifier checks every table's counts and
 * notes too.
 */
static int window_mismatches(struct __test_metadata *_metadata, int maps,
			     int pagemap, char *t, const char *step,
			     bool verify)
{
	int bad = window_pass(_metadata, maps, pagemap, t, step, false);

	if (bad)
		bad = window_pass(_metadata, maps, pagemap, t, step, true);
	if (verify && vma_rss_verify(getpid())) {
		TH_LOG("%s: the verifier found counts that differ", step);
		bad++;
	}
	return bad;
}

/* Whether the page at @p is present, from pagemap. */
static bool page_present(int pagemap, const char *p)
{
	uint64_t e = 0;

	if (pread(pagemap, &e, 8, (unsigned long)p / PAGE_SZ * 8) != 8)
		return false;
	return e >> 63;
}

/*
 * Change either part of the window in every way that changes counts
 * (faults, zaps, swap-out and in, a populated page moved across the index
 * where the parts meet and back) and some that change only VMAs (a split
 * and merge inside a part), counting the answers that disagree with
 * pagemap after each step (and the verifier's findings, if @verify).
 * Each part has at least 48 pages.  *@swapped: whether a page was seen
 * swapped out.
 */
static int shared_table_steps(struct __test_metadata *_metadata, char *t,
			      unsigned long split, bool verify, bool *swapped)
{
	int maps = open("/proc/self/maps", O_RDONLY);
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	char *a = t, *b = t + split * PAGE_SZ, *moved;
	unsigned long i;
	int bad = 1;

	*swapped = false;
	if (maps < 0 || pagemap < 0)
		goto out;
	bad = 0;
#define STEP(name) \
	(bad += window_mismatches(_metadata, maps, pagemap, t, name, verify))
	touch(a, split * PAGE_SZ);
	for (i = split; i < TABLE_PAGES; i += 3)
		t[i * PAGE_SZ] = 1;
	STEP("touched");
	touch(b, (TABLE_PAGES - split) * PAGE_SZ);
	STEP("faults above");
	madvise(a + PAGE_SZ, 7 * PAGE_SZ, MADV_DONTNEED);
	STEP("zaps below");
	a[3 * PAGE_SZ] = 2;
	STEP("fault below");
	madvise(b + 4 * PAGE_SZ, 16 * PAGE_SZ, MADV_DONTNEED);
	STEP("zaps above");
	/* Swap-out above and below, where there is swap, then in again. */
	madvise(b + 32 * PAGE_SZ, 8 * PAGE_SZ, MADV_PAGEOUT);
	madvise(a + 16 * PAGE_SZ, 8 * PAGE_SZ, MADV_PAGEOUT);
	for (i = 0; i < TABLE_PAGES; i++) {
		uint64_t e;

		if (pread(pagemap, &e, 8, ((unsigned long)t / PAGE_SZ + i) * 8) == 8)
			*swapped |= (e >> 62) & 1;
	}
	STEP("paged out");
	b[33 * PAGE_SZ] += 1;
	a[17 * PAGE_SZ] += 1;
	STEP("swapped in");
	/*
	 * A populated page moves from below to a zapped page above, within
	 * the table: no count of the table changes, but each part's does.
	 */
	moved = mremap(a + 3 * PAGE_SZ, PAGE_SZ, PAGE_SZ,
		       MREMAP_MAYMOVE | MREMAP_FIXED, b + 6 * PAGE_SZ);
	if (moved == MAP_FAILED || !page_present(pagemap, moved)) {
		TH_LOG("mremap within the table: %s", strerror(errno));
		bad++;
		goto out;
	}
	STEP("moved up");
	if (mremap(moved, PAGE_SZ, PAGE_SZ, MREMAP_MAYMOVE | MREMAP_FIXED,
		   a + 3 * PAGE_SZ) == MAP_FAILED ||
	    !page_present(pagemap, a + 3 * PAGE_SZ)) {
		TH_LOG("mremap back: %s", strerror(errno));
		bad++;
		goto out;
	}
	STEP("moved back");
	/* Fill the hole the move left above: the two VMAs again. */
	if (mmap(b + 6 * PAGE_SZ, PAGE_SZ, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		bad++;
		goto out;
	}
	madvise(b + 6 * PAGE_SZ, PAGE_SZ, MADV_DONTDUMP);
	STEP("refilled");
	/* Split and merge above: VMAs change, counts do not. */
	mprotect(b + 10 * PAGE_SZ, PAGE_SZ, PROT_READ);
	STEP("split above");
	mprotect(b + 10 * PAGE_SZ, PAGE_SZ, PROT_READ | PROT_WRITE);
	STEP("merged above");
#undef STEP
out:
	if (maps >= 0)
		close(maps);
	if (pagemap >= 0)
		close(pagemap);
	return bad;
}

/* Whether the kernel counts parts (CONFIG_PER_VMA_RSS, CONFIG_DEBUG_VM). */
static bool have_parts(void)
{
	return !access(VMA_RSS_DIR "/verify", W_OK) &&
	       stat_value("parts_counted ") >= 0;
}

TEST(shared_table_parts)
{
	unsigned long splits[] = { 48, 256, 333, TABLE_PAGES - 48 };
	unsigned long edges[] = { 1, TABLE_PAGES - 1 };
	bool swapped = false, any_swap = false;
	long counted, known;
	int maps, pagemap, swap;
	char dev[64], why[128];
	unsigned int i;
	char *t;

	if (!have_parts())
		SKIP(return, "no %s/stats parts_counted (CONFIG_PER_VMA_RSS and CONFIG_DEBUG_VM)",
		     VMA_RSS_DIR);
	counted = stat_value("parts_counted ");
	known = stat_value("parts_known ");
	swap = setup_swap(dev, sizeof(dev), why, sizeof(why));
	if (swap < 0)
		TH_LOG("no swap: %s", why);
	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		t = shared_table(splits[i]);
		ASSERT_NE(NULL, t);
		EXPECT_EQ(0, shared_table_steps(_metadata, t, splits[i], true,
						&swapped))
			TH_LOG("split at page %lu", splits[i]);
		any_swap |= swapped;
		munmap(t, HPAGE_SZ);
	}
	if (swap > 0)
		teardown_swap(dev);
	/* Swap there was: then the steps used it. */
	if (swap >= 0)
		EXPECT_TRUE(any_swap);
	/* One-page parts: the first and the last index of the table. */
	maps = open("/proc/self/maps", O_RDONLY);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, maps);
	ASSERT_LE(0, pagemap);
	for (i = 0; i < 2; i++) {
		t = shared_table(edges[i]);
		ASSERT_NE(NULL, t);
		touch(t, HPAGE_SZ);
		EXPECT_EQ(0, window_mismatches(_metadata, maps, pagemap, t,
					       "edge", true));
		madvise(t + HPAGE_SZ / 2, PAGE_SZ, MADV_DONTNEED);
		EXPECT_EQ(0, window_mismatches(_metadata, maps, pagemap, t,
					       "edge zap", true));
		t[HPAGE_SZ / 2] = 1;
		EXPECT_EQ(0, window_mismatches(_metadata, maps, pagemap, t,
					       "edge fault", true));
		munmap(t, HPAGE_SZ);
	}
	close(maps);
	close(pagemap);
	/* Parts were counted, and known to the reads after. */
	counted = stat_value("parts_counted ") - counted;
	known = stat_value("parts_known ") - known;
	EXPECT_LT(10, counted);
	EXPECT_LT(counted, known);
}

/*
 * The same steps with the writers made to keep what a table's part counted
 * (debugfs vma_rss/part_keep, a bug on purpose): the answers are wrong, and
 * the steps above see it.  The steps run in a child, so that the knob is
 * set back whatever becomes of them.
 */
TEST(shared_table_parts_kept_are_wrong)
{
	int status, bad;
	bool swapped;
	pid_t pid;
	char *t;

	if (!have_parts() || access(VMA_RSS_DIR "/part_keep", W_OK))
		SKIP(return, "no %s/part_keep", VMA_RSS_DIR);
	ASSERT_EQ(0, set_knob("part_keep", "Y"));
	pid = fork();
	if (!pid) {
		t = shared_table(333);
		if (!t)
			_exit(255);
		bad = shared_table_steps(_metadata, t, 333, false, &swapped);
		_exit(bad > 100 ? 100 : bad);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, set_knob("part_keep", "N"));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_NE(255, WEXITSTATUS(status));
	EXPECT_LT(5, WEXITSTATUS(status));
}

/*
 * A private anonymous VMA that never mapped a page has no anon_vma, and the
 * counts pass over it without a look at its page tables
 * (vma_rss_never_mapped()).  The window: 2 MiB, one PTE table, which the
 * written separators populate, and between them the subjects, which
 * MADV_DONTDUMP keeps from merging with them:
 */
enum {
	NM_UNTOUCHED,		/* never faulted: 0 */
	NM_ZERO,		/* read-faulted, zero pages only: 0 */
	NM_ZAPPED,		/* written, then MADV_DONTNEED: 0, anon_vma */
	NM_ONE,			/* read-faulted, then one page written: 1 */
	NM_MOVED,		/* a written VMA mremap()ed here: all */
	NM_COPIED,		/* UFFDIO_COPY into it, never faulted: all */
	NM_UFFD_MOVED,		/* UFFDIO_MOVE into it, never faulted: all */
	NM_SUBJECTS
};

#define NM_PAGES	16	/* of each subject and separator */

struct never_mapped {
	char *t;		/* the window */
	int uffd;		/* 0: UFFDIO_COPY and _MOVE done, else errno */
	int err;		/* setup: 0, or the line that failed */
};

static char *nm_subject(char *t, int i)
{
	return t + (2 * i + 1) * NM_PAGES * PAGE_SZ;
}

/* The pages each subject maps after never_mapped_setup() */
static const unsigned long nm_expect[NM_SUBJECTS] = {
	0, 0, 0, 1, NM_PAGES, NM_PAGES, NM_PAGES,
};

/* UFFDIO_COPY into the one subject, UFFDIO_MOVE from @src into the other */
static int nm_uffd(char *copied, char *moved, char *src)
{
	struct uffdio_api api = {
		.api = UFFD_API, .features = UFFD_FEATURE_MOVE,
	};
	struct uffdio_register reg = {
		.range = { (unsigned long)copied, NM_PAGES * PAGE_SZ },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_copy copy = {
		.dst = (unsigned long)copied, .src = (unsigned long)src,
		.len = NM_PAGES * PAGE_SZ,
	};
	struct uffdio_move move = {
		.dst = (unsigned long)moved, .src = (unsigned long)src,
		.len = NM_PAGES * PAGE_SZ,
	};
	long uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int err = 0;

	if (uffd < 0)
		return errno;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg))
		err = errno;
	reg.range.start = (unsigned long)moved;
	if (!err && ioctl(uffd, UFFDIO_REGISTER, &reg))
		err = errno;
	if (!err && ioctl(uffd, UFFDIO_COPY, &copy))
		err = errno;
	if (!err && ioctl(uffd, UFFDIO_MOVE, &move))
		err = errno;
	close(uffd);
	return err;
}

/* In a child: the window above, then stop.  Reports through @out. */
static void never_mapped_setup(int out)
{
	struct never_mapped nm = { .uffd = ENOSYS };
	size_t len = NM_PAGES * PAGE_SZ;
	char *p, *t, *s, *src;
	int i;

	p = mmap(NULL, 2 * HPAGE_SZ, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || src == MAP_FAILED) {
		nm.err = __LINE__;
		goto out;
	}
	t = (char *)(((unsigned long)p + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
	nm.t = t;
	madvise(t, HPAGE_SZ, MADV_NOHUGEPAGE);
	/* Split first: a VMA split off one with an anon_vma has it too. */
	for (i = 0; i < NM_SUBJECTS; i++)
		if (madvise(nm_subject(t, i), len, MADV_DONTDUMP))
			nm.err = __LINE__;
	for (i = 0; i <= NM_SUBJECTS; i++)
		touch(t + 2 * i * len, len);	/* the separators */
	for (i = 0; i < (int)len; i += PAGE_SZ)
		(void)*(volatile char *)(nm_subject(t, NM_ZERO) + i);
	s = nm_subject(t, NM_ZAPPED);
	touch(s, len);
	madvise(s, len, MADV_DONTNEED);
	s = nm_subject(t, NM_ONE);
	for (i = 0; i < (int)len; i += PAGE_SZ)
		(void)*(volatile char *)(s + i);
	s[3 * PAGE_SZ] = 1;
	/* A written VMA moved onto a never-mapped one */
	touch(src, 2 * len);
	madvise(src + len, len, MADV_DONTDUMP);
	if (mremap(src + len, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   nm_subject(t, NM_MOVED)) == MAP_FAILED)
		nm.err = __LINE__;
	nm.uffd = nm_uffd(nm_subject(t, NM_COPIED),
			  nm_subject(t, NM_UFFD_MOVED), src);
out:
	if (write(out, &nm, sizeof(nm)) != sizeof(nm))
		_exit(1);
	raise(SIGSTOP);
	pause();
	_exit(0);
}

/*
 * The subjects of @pid's window, queried: the number whose rss is not what
 * they map.  *@looks: the PMDs the queries of the never-mapped ones looked
 * at.
 */
static int never_mapped_wrong(struct __test_metadata *_metadata, pid_t pid,
			      const struct never_mapped *nm, long *looks)
{
	struct procmap_query q;
	int fd = open_maps(pid), i, bad = 0;
	long before;
	char *s;

	if (fd < 0)
		return NM_SUBJECTS;
	*looks = 0;
	for (i = 0; i < NM_SUBJECTS; i++) {
		if (nm->uffd && (i == NM_COPIED || i == NM_UFFD_MOVED))
			continue;
		s = nm_subject(nm->t, i);
		before = stat_value("pmd_looks ");
		if (query_rss(fd, (unsigned long)s, &q) ||
		    q.vma_start != (unsigned long)s ||
		    q.vma_end != (unsigned long)s + NM_PAGES * PAGE_SZ) {
			TH_LOG("subject %d: no VMA of its own at %p", i, s);
			bad++;
			continue;
		}
		if (i == NM_UNTOUCHED || i == NM_ZERO)
			*looks += stat_value("pmd_looks ") - before;
		if (q.rss_anon != nm_expect[i] * PAGE_SZ || q.swap ||
		    q.rss_file || q.rss_shmem) {
			TH_LOG("subject %d: anon %llu swap %llu file %llu shmem %llu pages, maps %lu",
			       i, q.rss_anon / PAGE_SZ, q.swap / PAGE_SZ,
			       q.rss_file / PAGE_SZ, q.rss_shmem / PAGE_SZ,
			       nm_expect[i]);
			bad++;
		}
	}
	close(fd);
	return bad;
}

static pid_t never_mapped_child(struct never_mapped *nm)
{
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (!pid) {
		close(fds[0]);
		never_mapped_setup(fds[1]);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], nm, sizeof(*nm)) != sizeof(*nm) ||
	    waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
		if (pid > 0)
			reap(pid);
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

TEST(never_mapped_anon)
{
	char path[2][64], *text[3] = {};
	struct never_mapped nm;
	long looks, skipped, tables;
	int i;
	pid_t pid;

	REQUIRE_SIDEBAND();
	if (stat_value("pmd_looks ") < 0)
		SKIP(return, "no pmd_looks in %s/stats", VMA_RSS_DIR);
	pid = never_mapped_child(&nm);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, nm.err) TH_LOG("setup failed at line %d", nm.err);
	if (nm.uffd)
		TH_LOG("no UFFDIO_COPY or UFFDIO_MOVE (%s): not checked",
		       strerror(nm.uffd));
	/* The query of each subject; those that map nothing take no look. */
	EXPECT_EQ(0, never_mapped_wrong(_metadata, pid, &nm, &looks));
	EXPECT_EQ(0, looks);
	EXPECT_EQ(0, vma_rss_verify(pid));
	/* smaps and smaps_rollup: the same with the walks' skips off. */
	snprintf(path[0], sizeof(path[0]), "/proc/%d/smaps", pid);
	snprintf(path[1], sizeof(path[1]), "/proc/%d/smaps_rollup", pid);
	for (i = 0; i < 3; i++) {
		text[i] = read_both(path[0], path[1], i != 1, &skipped, &tables);
		ASSERT_NE(NULL, text[i]);
	}
	ASSERT_EQ(0, set_skip(1));
	EXPECT_STREQ(text[0], text[1]);
	EXPECT_STREQ(text[0], text[2]);
	for (i = 0; i < 3; i++)
		free(text[i]);
	reap(pid);
}

/*
 * fork() gives the child no anon_vma where the parent had none; the
 * child's first write prepares one, and the child counts the page there,
 * the parent not.
 */
TEST(never_mapped_anon_fork)
{
	char *t = mmap(NULL, 2 * NM_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = t + NM_PAGES * PAGE_SZ;
	struct procmap_query q;
	int fd, status;
	pid_t pid;

	REQUIRE_SIDEBAND();
	ASSERT_NE(MAP_FAILED, t);
	/* Split before the write: no anon_vma for the VMA at @s. */
	ASSERT_EQ(0, madvise(s, NM_PAGES * PAGE_SZ, MADV_DONTDUMP));
	touch(t, NM_PAGES * PAGE_SZ);
	pid = fork();
	if (!pid) {
		s[PAGE_SZ] = 1;
		fd = open("/proc/self/maps", O_RDONLY);
		if (fd < 0 || query_rss(fd, (unsigned long)s, &q) ||
		    q.vma_start != (unsigned long)s)
			_exit(2);
		_exit(q.rss_anon == PAGE_SZ && !vma_rss_verify(getpid()) ?
		      0 : 1);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	fd = open("/proc/self/maps", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, query_rss(fd, (unsigned long)s, &q));
	EXPECT_EQ((unsigned long)s, q.vma_start);
	EXPECT_EQ(0, q.rss_anon);
	close(fd);
	munmap(t, 2 * NM_PAGES * PAGE_SZ);
}

/*
 * debugfs vma_rss/anon_unmapped takes every private anonymous VMA for one
 * that never mapped a page (a bug on purpose): the queries above see it.
 * (The verifier would too, with a WARN on the console: not asked here.)
 */
TEST(never_mapped_anon_all_is_wrong)
{
	struct never_mapped nm;
	int bad;
	long looks;
	pid_t pid;

	REQUIRE_SIDEBAND();
	if (access(VMA_RSS_DIR "/anon_unmapped", W_OK))
		SKIP(return, "no %s/anon_unmapped", VMA_RSS_DIR);
	pid = never_mapped_child(&nm);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, nm.err);
	ASSERT_EQ(0, set_knob("anon_unmapped", "Y"));
	bad = never_mapped_wrong(_metadata, pid, &nm, &looks);
	ASSERT_EQ(0, set_knob("anon_unmapped", "N"));
	reap(pid);
	/* NM_ONE and NM_MOVED at least, and the uffd ones if they ran */
	EXPECT_LE(nm.uffd ? 2 : 4, bad);
}

/*
 * A VMA with more whole PTE tables than vma_rss_sum() adds up in one batch
 * (64), with what ends a batch between them: a THP (where THPs are on),
 * never-touched 2 MiB (none PMDs), a table zapped whole.  It starts and ends
 * in tables it shares with neighbours that map pages of their own (a
 * written anonymous VMA before, a shmem VMA after), so that a part counted
 * as a whole table shows.  The query and the scan of both VMAs (an atomic
 * caller with a budget; the shmem VMA is summed from the last PMD of the
 * anonymous one's last run) must give what they map, with one look per
 * PMD; the verifier must agree with a walk, and the batches must have been
 * used.  Each table maps its first and last page only, but the THP's.
 */
#define WT_TABLES	140	/* whole tables of the anonymous VMA */
#define WT_THP		70	/* whole, written: a THP where THPs are on */
#define WT_NONE		100	/* this and the 7 after it: never touched */
#define WT_ZAPPED	120	/* written, then zapped whole */
#define WT_SHM_PAGES	64	/* the shmem VMA, in the last table */

static bool wt_untouched(int i)
{
	return i >= WT_NONE && i < WT_NONE + 8;
}

/* Map @len at @at, in a reservation of this process. */
static char *wt_map(char *at, size_t len, int flags, int fd)
{
	return mmap(at, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
}

/* The growth of @name in the stats since *@v, which is set to it now. */
static long wt_delta(const char *name, long *v)
{
	long now = stat_value(name), d = now - *v;

	*v = now;
	return now < 0 ? -1 : d;
}

TEST(whole_tables_in_batches)
{
	size_t len = (WT_TABLES + 1) * HPAGE_SZ;
	size_t area_len = len + 4 * HPAGE_SZ;
	long batched, looks, near;
	unsigned long anon = 0;
	struct procmap_vma rec[2];
	struct procmap_query q;
	char *area, *t, *h, *a, *m, *p;
	int maps, mfd, i;

	REQUIRE_SIDEBAND();
	if (sysconf(_SC_PAGESIZE) != PAGE_SZ)
		SKIP(return, "4 KiB pages only");
	batched = stat_value("batched_tables ");
	looks = stat_value("pmd_looks ");
	near = stat_value("near_pmds ");
	if (batched < 0 || looks < 0 || near < 0)
		SKIP(return, "no batched_tables, pmd_looks or near_pmds in %s/stats",
		     VMA_RSS_DIR);
	area = mmap(NULL, area_len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	t = (char *)(((unsigned long)area + HPAGE_SZ - 1) & ~(HPAGE_SZ - 1));
	/* The neighbour before: written, then read-only (no merge). */
	h = wt_map(t, HPAGE_SZ / 2, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_EQ(t, h);
	touch(h, HPAGE_SZ / 2);
	ASSERT_EQ(0, mprotect(h, HPAGE_SZ / 2, PROT_READ));
	/* Half a table, WT_TABLES whole ones, half a table. */
	a = wt_map(t + HPAGE_SZ / 2, len, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_EQ(t + HPAGE_SZ / 2, a);
	/*
	 * The THP first; then no more, and no khugepaged in this mm (it
	 * would fill the tables, and take mmap_lock under the scan).
	 */
	madvise(a, len, MADV_HUGEPAGE);
	touch(t + (WT_THP + 1) * HPAGE_SZ, HPAGE_SZ);
	anon += TABLE_PAGES;
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	a[0] = 1;
	a[len - PAGE_SZ] = 1;
	anon += 2;
	for (i = 0; i < WT_TABLES; i++) {
		p = t + (i + 1) * HPAGE_SZ;
		if (i == WT_THP || wt_untouched(i))
			continue;
		if (i == WT_ZAPPED) {
			touch(p, HPAGE_SZ);
			ASSERT_EQ(0, madvise(p, HPAGE_SZ, MADV_DONTNEED));
			continue;
		}
		p[0] = 1;
		p[HPAGE_SZ - PAGE_SZ] = 1;
		anon += 2;
	}
	/* The neighbour after, in the last table: shmem. */
	mfd = memfd_create("whole_tables", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, WT_SHM_PAGES * PAGE_SZ));
	m = wt_map(a + len, WT_SHM_PAGES * PAGE_SZ, MAP_SHARED, mfd);
	ASSERT_EQ(a + len, m);
	touch(m, WT_SHM_PAGES * PAGE_SZ);

	maps = open("/proc/self/maps", O_RDONLY);
	ASSERT_LE(0, maps);
	looks = stat_value("pmd_looks ");
	ASSERT_EQ(0, query_rss(maps, (unsigned long)a, &q));
	/* Every PMD of the VMA once: the none ones, the THP, both parts. */
	EXPECT_EQ(WT_TABLES + 2, wt_delta("pmd_looks ", &looks));
	ASSERT_EQ((unsigned long)a, q.vma_start);
	ASSERT_EQ((unsigned long)a + len, q.vma_end);
	EXPECT_EQ(anon, q.rss_anon / PAGE_SZ);
	EXPECT_EQ(0, q.rss_shmem + q.rss_file + q.swap);
	/* The tables but the THP, the none ones and the parts. */
	EXPECT_LE(WT_TABLES - 9, wt_delta("batched_tables ", &batched));

	/* Both VMAs in one scan: the second from the first's last PMD. */
	looks = stat_value("pmd_looks ");
	near = stat_value("near_pmds ");
	ASSERT_EQ(2, scan(maps, PROCMAP_QUERY_VMA_RSS, (unsigned long)a,
			  (unsigned long)m + 1, rec, 2, sizeof(*rec), NULL));
	EXPECT_EQ(WT_TABLES + 2 + 1, wt_delta("pmd_looks ", &looks));
	EXPECT_EQ(1, wt_delta("near_pmds ", &near));
	EXPECT_EQ((unsigned long)a, rec[0].vma_start);
	EXPECT_EQ(anon, rec[0].rss_anon / PAGE_SZ);
	EXPECT_EQ(0, rec[0].rss_shmem + rec[0].rss_file + rec[0].swap);
	EXPECT_EQ((unsigned long)m, rec[1].vma_start);
	EXPECT_EQ(WT_SHM_PAGES, rec[1].rss_shmem / PAGE_SZ);
	EXPECT_EQ(0, rec[1].rss_anon + rec[1].rss_file + rec[1].swap);
	EXPECT_EQ(0, vma_rss_verify(getpid()));
	close(maps);
	close(mfd);
	munmap(area, area_len);
}

TEST_HARNESS_MAIN
