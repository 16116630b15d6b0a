// SPDX-License-Identifier: GPL-2.0
/*
 * A storm: readers of /proc/PID/{maps,smaps,smaps_rollup}, PROCMAP_QUERY
 * and PROCMAP_SCAN against a target whose threads churn its address space
 * with every kind of change: mmap/munmap/mprotect/mremap, madvise
 * (DONTNEED, FREE, COLD, PAGEOUT), THP faults and MADV_COLLAPSE, KSM
 * merging, userfaultfd, fork and exit, and swap when a zram device can be
 * set up.
 *
 * Pass means: every read saw every sentinel VMA (stable VMAs between the
 * churned areas) and only whole records, and no PROCMAP_SCAN record maps
 * more than its range; after the storm, at quiescence,
 * the target's smaps_rollup Rss equals its VmRSS; and the vm_area_struct
 * slab is back to where it was (no VMA leaked).  The kernel console must
 * stay free of lockdep, KASAN and DEBUG_VM reports (checked by make check).
 *
 * STRESS_SECONDS sets the duration (default 15).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../kselftest_harness.h"
#include "smaps-util.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define NR_SENTINELS	48
#define NR_READERS	3
#define ARENA		(64UL << 20)
#define PAGE		4096UL

struct shared {
	unsigned long sentinel[NR_SENTINELS];
	unsigned long reads[NR_READERS];
	unsigned long vma_ops, faults, forks, uffd_copies, verifies;
	char failure[1024];
	int failed;
};

static struct shared *sh;
static volatile int stop, uffd_done;

static unsigned long rnd(unsigned int *seed, unsigned long n)
{
	return rand_r(seed) % n;
}

/* mmap/munmap/mprotect/mremap in the arena, touching what is mapped. */
static void *vma_churn(void *arg)
{
	char *arena = arg;
	unsigned int seed = 1;

	while (!stop) {
		char *p = arena + rnd(&seed, ARENA / PAGE - 64) * PAGE;
		size_t len = (1 + rnd(&seed, 32)) * PAGE;

		switch (rnd(&seed, 4)) {
		case 0:
			if (mmap(p, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
				memset(p, 1, len);
				__atomic_add_fetch(&sh->faults, len / PAGE, __ATOMIC_RELAXED);
			}
			break;
		case 1:
			mprotect(p, len, rnd(&seed, 2) ? PROT_READ : PROT_READ | PROT_WRITE);
			break;
		case 2:
			mremap(p, len, len / 2 + PAGE, 0);
			break;
		case 3:
			/* Back to a reservation: munmap would free arena space others use. */
			mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
			break;
		}
		__atomic_add_fetch(&sh->vma_ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* madvise of all kinds, THP faults and collapse, KSM. */
static void *madvise_churn(void *arg)
{
	size_t len = 16UL << 20;
	char *raw = mmap(NULL, len + (2UL << 20), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((unsigned long)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	static const int advice[] = { MADV_DONTNEED, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
				      MADV_HUGEPAGE, MADV_COLLAPSE, MADV_MERGEABLE };
	unsigned int seed = 2;

	(void)arg;
	while (!stop) {
		size_t off = rnd(&seed, 4) << 21, l = (1 + rnd(&seed, 4)) << 20;

		if (off + l > len)
			l = len - off;
		madvise(p + off, l, advice[rnd(&seed, 7)]);
		/* Identical contents, for KSM to merge. */
		for (size_t i = 0; i < l; i += PAGE)
			p[off + i] = 7;
		__atomic_add_fetch(&sh->faults, l / PAGE, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sh->vma_ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* fork and exit: the child writes to some pages (COW) and exits. */
static void *fork_churn(void *arg)
{
	char *p = arg;

	while (!stop) {
		pid_t pid = fork();

		if (!pid) {
			for (size_t i = 0; i < (1UL << 20); i += PAGE)
				p[i] = 3;
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		__atomic_add_fetch(&sh->forks, 1, __ATOMIC_RELAXED);
		usleep(1000);
	}
	return NULL;
}

/* userfaultfd: missing faults resolved with UFFDIO_COPY, then dropped. */
static void *uffd_handler(void *arg)
{
	int uffd = (long)arg;
	static char page[PAGE] __attribute__((aligned(PAGE)));

	memset(page, 5, sizeof(page));
	/* Until the faulting thread is done: it may be waiting for us. */
	while (!uffd_done) {
		struct pollfd pfd = { .fd = uffd, .events = POLLIN };
		struct uffd_msg msg;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			struct uffdio_copy copy = {
				.dst = msg.arg.pagefault.address & ~(PAGE - 1),
				.src = (unsigned long)page, .len = PAGE,
			};

			ioctl(uffd, UFFDIO_COPY, &copy);
			__atomic_add_fetch(&sh->uffd_copies, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void *uffd_churn(void *arg)
{
	size_t len = 1UL << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	pthread_t handler;
	volatile char sink;

	(void)arg;
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg))
		return NULL;	/* no userfaultfd for us: the rest of the storm goes on */
	pthread_create(&handler, NULL, uffd_handler, (void *)uffd);
	while (!stop) {
		for (size_t i = 0; i < len && !stop; i += 16 * PAGE)
			sink = p[i];
		madvise(p, len, MADV_DONTNEED);
	}
	(void)sink;
	uffd_done = 1;
	pthread_join(handler, NULL);
	return NULL;
}

/* The target: sentinels, then the churning threads until SIGUSR1. */
static void target(int ready)
{
	char *base = mmap(NULL, (2 * NR_SENTINELS + 2) * PAGE + 2 * ARENA, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *arena1, *arena2, *cow;
	pthread_t t[5];
	sigset_t set;
	int sig, i;

	/* arena1 | sentinels with holes | arena2: the churn is on both sides. */
	munmap(base, (2 * NR_SENTINELS + 2) * PAGE + 2 * ARENA);
	arena1 = base;
	mmap(arena1, ARENA, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	for (i = 0; i < NR_SENTINELS; i++) {
		char *s = base + ARENA + (2 * i + 1) * PAGE;

		mmap(s, PAGE, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		sh->sentinel[i] = (unsigned long)s;
	}
	arena2 = base + ARENA + (2 * NR_SENTINELS + 2) * PAGE;
	mmap(arena2, ARENA, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	cow = mmap(NULL, 1UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(cow, 1, 1UL << 20);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t[0], NULL, vma_churn, arena1);
	pthread_create(&t[1], NULL, vma_churn, arena2);
	pthread_create(&t[2], NULL, madvise_churn, NULL);
	pthread_create(&t[3], NULL, fork_churn, cow);
	pthread_create(&t[4], NULL, uffd_churn, NULL);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	sigwait(&set, &sig);
	stop = 1;
	for (i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	/* Quiescent now: tell the parent, then wait to be killed. */
	if (write(ready, "q", 1) != 1)
		_exit(2);
	pause();
	_exit(0);
}

static void fail(const char *fmt, const char *a, const char *b)
{
	if (__atomic_exchange_n(&sh->failed, 1, __ATOMIC_SEQ_CST))
		return;
	snprintf(sh->failure, sizeof(sh->failure), fmt, a, b);
}

/*
 * With per-VMA rss counters and CONFIG_DEBUG_VM: have the kernel check the
 * target's counters against its page tables (under all of its locks) again
 * and again while it runs, swaps, merges pages and collapses THPs.
 */
static void verifier(pid_t pid, double end)
{
	struct timespec ts;

	for (;;) {
		int err = vma_rss_verify(pid);

		if (err == -ENODEV)
			return;
		if (err && err != -ESRCH)
			fail("per-VMA rss counters differ from a walk: %s%s", strerror(-err), "");
		else
			sh->verifies++;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 > end || sh->failed)
			return;
		usleep(100000);
	}
}

static bool sentinels_in(const char *text)
{
	for (int j = 0; j < NR_SENTINELS; j++) {
		char want[64];

		snprintf(want, sizeof(want), "%lx-%lx ", sh->sentinel[j], sh->sentinel[j] + PAGE);
		if (!strstr(text, want))
			return false;
	}
	return true;
}

/*
 * Walk every VMA with PROCMAP_SCAN, 16 records per call: all sentinels
 * must be seen, and no record may map more than its range holds.
 */
static void scan_walk(int fd, bool rss)
{
#ifdef PROCMAP_SCAN
	struct procmap_vma recs[16];
	struct procmap_scan_arg a = {
		.size = sizeof(a),
		.flags = rss ? PROCMAP_QUERY_VMA_RSS : 0,
		.vec = (unsigned long)recs,
		.vec_len = 16,
		.rec_size = sizeof(recs[0]),
		.start = 0,
		.end = ~0ULL,
	};
	int seen = 0;

	for (;;) {
		long got = ioctl(fd, PROCMAP_SCAN, &a);

		if (got < 0) {
			if (errno != ENOTTY)
				fail("PROCMAP_SCAN: %s%s", strerror(errno), "");
			return;
		}
		for (long i = 0; i < got; i++) {
			struct procmap_vma *r = &recs[i];
			unsigned long long len = r->vma_end - r->vma_start;

			if (r->vma_start >= r->vma_end ||
			    r->rss_anon + r->rss_file + r->rss_shmem > len ||
			    r->swap > len) {
				char rng[64];

				snprintf(rng, sizeof(rng), "%llx-%llx",
					 (unsigned long long)r->vma_start,
					 (unsigned long long)r->vma_end);
				fail("PROCMAP_SCAN: record %s maps more than its range%s",
				     rng, "");
			}
			for (int j = 0; j < NR_SENTINELS; j++)
				seen += r->vma_start == sh->sentinel[j] &&
					r->vma_end == sh->sentinel[j] + PAGE;
		}
		if (got < 16)
			break;
		a.start = a.walk_end;
	}
	if (seen != NR_SENTINELS)
		fail("PROCMAP_SCAN walk missed a sentinel%s%s", "", "");
#endif
}

static void reader(int id, pid_t pid, double end)
{
	static const char * const files[] = { "maps", "smaps", "smaps_rollup" };
	bool rss_query = !access("/sys/kernel/debug/vma_rss", F_OK);
	char path[64];
	struct timespec ts;

	for (unsigned int n = 0;; n++) {
		unsigned int kind = (n + id) % 5;
		const char *file = kind < 3 ? files[kind] : "maps";
		bool query = kind == 3, scan = kind == 4;
		size_t cap = 1 << 20, len = 0;
		char *buf = malloc(cap + 1);
		int fd;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 > end || sh->failed) {
			free(buf);
			return;
		}
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			fail("open %s: %s", path, strerror(errno));
			return;
		}
		if (query) {
			/* Walk every VMA with PROCMAP_QUERY; all sentinels must be seen. */
			unsigned long addr = 0;
			int seen = 0;

			for (;;) {
				/* With per-VMA rss counters, ask for them too. */
				struct procmap_query q = {
					.size = sizeof(q), .query_addr = addr,
					.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA |
						       (rss_query ? PROCMAP_QUERY_VMA_RSS : 0),
				};

				if (ioctl(fd, PROCMAP_QUERY, &q)) {
					if (errno != ENOENT)
						fail("PROCMAP_QUERY: %s%s", strerror(errno), "");
					break;
				}
				for (int j = 0; j < NR_SENTINELS; j++)
					seen += q.vma_start == sh->sentinel[j] &&
						q.vma_end == sh->sentinel[j] + PAGE;
				addr = q.vma_end;
			}
			if (seen != NR_SENTINELS)
				fail("PROCMAP_QUERY walk missed a sentinel%s%s", "", "");
		} else if (scan) {
			scan_walk(fd, rss_query);
		} else {
			while ((r = read(fd, buf + len, 1 + rand() % 3000)) > 0) {
				len += r;
				if (len + 3001 > cap) {
					cap *= 2;
					buf = realloc(buf, cap + 1);
				}
			}
			buf[len] = '\0';
			if (r < 0) {
				fail("read %s: %s", path, strerror(errno));
			} else if (strcmp(file, "smaps_rollup")) {
				struct smaps_vma *v;
				int nv;

				if (!sentinels_in(buf))
					fail("%s: a sentinel VMA is missing%s", file, "");
				nv = parse_smaps(buf, &v);
				if (nv < 0)
					fail("%s: torn line%s", file, "");
				for (int i = 0; nv > 0 && !strcmp(file, "smaps") && i < nv; i++)
					if (v[i].nr_fields < NR_SMAPS_FIELDS || !v[i].vmflags[0])
						fail("smaps: torn record %.300s%s", v[i].header, "");
				if (nv >= 0)
					free(v);
			} else if (!strstr(buf, "[rollup]") || !strstr(buf, "\nLocked:")) {
				fail("smaps_rollup: torn: %.300s%s", buf, "");
			}
		}
		close(fd);
		free(buf);
		sh->reads[id]++;
	}
}

/*
 * Objects in use in a slab cache: shrink it first, which flushes the
 * per-CPU slabs and (with KASAN) the cache's quarantine, so that freed
 * objects do not count as active.  -1 if the cache is not listed (merged
 * into another one, or no /proc/slabinfo).
 */
static long slab_active(const char *name)
{
	char path[128], *text, *line;
	long active = -1;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			active = -1;
		close(fd);
	}
	text = read_file("/proc/slabinfo", NULL);
	if (!text)
		return -1;
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char n[64];
		long a;

		if (sscanf(line, "%63s %ld", n, &a) == 2 && !strcmp(n, name))
			active = a;
	}
	free(text);
	return active;
}

FIXTURE(stress) {};
FIXTURE_SETUP(stress) {}
FIXTURE_TEARDOWN(stress) {}

/* The storm's own duration bounds it; the harness must not cut it short. */
TEST_F_TIMEOUT(stress, storm, 7200)
{
	const char *env = getenv("STRESS_SECONDS");
	int seconds = env ? atoi(env) : 15, status, i;
	static const char * const caches[] = { "vm_area_struct", "vma_lock" };
	long before[2], after[2];
	pid_t pid, readers[NR_READERS], verifier_pid;
	int ready[2];
	struct timespec ts;
	double end;
	char c;
	char swapdev[64], why[128];
	/* Swap on zram if none is set up and the kernel has it: 1 if so */
	int swap = setup_swap(swapdev, sizeof(swapdev), why, sizeof(why));

	system("echo 1 > /sys/kernel/mm/ksm/run 2>/dev/null; "
	       "echo 0 > /sys/kernel/mm/ksm/sleep_millisecs 2>/dev/null; "
	       "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	for (i = 0; i < 2; i++)
		before[i] = slab_active(caches[i]);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		target(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + ts.tv_nsec / 1e9 + seconds;
	for (i = 0; i < NR_READERS; i++) {
		readers[i] = fork();
		ASSERT_GE(readers[i], 0);
		if (!readers[i]) {
			srand(i + 1);
			reader(i, pid, end);
			_exit(0);
		}
	}
	verifier_pid = fork();
	ASSERT_GE(verifier_pid, 0);
	if (!verifier_pid) {
		verifier(pid, end);
		_exit(0);
	}
	for (i = 0; i < NR_READERS; i++)
		waitpid(readers[i], NULL, 0);
	waitpid(verifier_pid, NULL, 0);
	kill(pid, SIGUSR1);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('q', c);

	TH_LOG("%d s, swap %s: reads %lu+%lu+%lu, VMA ops %lu, faults %lu, forks %lu, uffd copies %lu, rss verifies %lu",
	       seconds, swap >= 0 ? "on" : why, sh->reads[0], sh->reads[1], sh->reads[2],
	       sh->vma_ops, sh->faults, sh->forks, sh->uffd_copies, sh->verifies);
	ASSERT_EQ(0, sh->failed) TH_LOG("%s", sh->failure);

	/* Quiescent: the page walk and the rss counters agree. */
	{
		char path[64], *text;
		struct smaps_vma *v;
		long rss = -1, vmrss = -1;

		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
		text = read_file(path, NULL);
		ASSERT_NE(NULL, text);
		ASSERT_EQ(1, parse_smaps(text, &v));
		rss = smaps_get(&v[0], "Rss");
		free(v);
		free(text);
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		text = read_file(path, NULL);
		ASSERT_NE(NULL, text);
		vmrss = strtol(strstr(text, "VmRSS:") + 6, NULL, 10);
		free(text);
		EXPECT_EQ(vmrss, rss) TH_LOG("smaps_rollup Rss %ld kB, VmRSS %ld kB", rss, vmrss);
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (swap > 0)
		teardown_swap(swapdev);

	/*
	 * No VMA leaked: both per-VMA caches are back to where they were.
	 * VMAs are freed after an RCU grace period: give them a few seconds.
	 */
	for (int c = 0; c < 2; c++) {
		for (i = 0; i < 50; i++) {
			after[c] = slab_active(caches[c]);
			if (after[c] <= before[c])
				break;
			usleep(100000);
		}
		TH_LOG("%s active objects: %ld before, %ld after", caches[c], before[c], after[c]);
		if (before[c] >= 0) {
			EXPECT_LE(after[c], before[c]);
		}
	}
}

TEST_HARNESS_MAIN
