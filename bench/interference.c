// SPDX-License-Identifier: GPL-2.0
/*
 * interference: how much does a /proc reader disturb the process it reads?
 * After Paul McKenney's proc-mmap_sem-test.
 *
 * The target process holds NR_VMAS small VMAs with ~64 MiB resident, so that
 * readers have real work, and runs a writer thread that, for SECONDS,
 * repeatedly picks a random 4 KiB page in a 128 MiB region, maps it
 * (MAP_FIXED), touches it (a page fault) and unmaps it, timing each
 * operation.  A reader process, at nice 15 and pinned to the other CPU,
 * loops reading one /proc file of the target (or of an idle twin with the
 * same layout: the control, which shares the CPUs but no lock).
 *
 * Writer modes: "mmap" (map+touch+unmap), "fault" (touch only: a separate
 * populated-once VMA whose pages are dropped with MADV_DONTNEED, while a
 * second thread does the mmap/munmap churn), "mprotect" (split and merge
 * the VMA the reader walks).
 *
 * Usage: interference MODE READER SECONDS
 *   READER: none, maps, smaps, smaps_rollup, query (PROCMAP_QUERY_VMA_RSS
 *           over all VMAs, one ioctl each; needs per-VMA rss counters),
 *           scan (the same by PROCMAP_SCAN, 256 VMAs per ioctl), control
 * Prints one line: key=value pairs (ops_s p50_us p99_us p999_us max_us reads),
 * then a line "latency mode=.. reader=.." with the writer's latency at fixed
 * percentiles, p10_us to p9999_us (the digits after "0." of the fraction:
 * p995 is 99.5%, p9999 99.99%), and max_us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench-util.h"

#define NR_VMAS		3000
#define RESIDENT	(64UL << 20)
#define REGION		(128UL << 20)
#define PAGE		4096UL
#define MAX_OPS		(4 << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* NR_VMAS VMAs of RESIDENT / NR_VMAS bytes each, touched, non-mergeable. */
static void build_target_layout(void)
{
	map_layout(NR_VMAS, RESIDENT / NR_VMAS & ~(PAGE - 1), 1);
}

struct writer {
	const char *mode;
	char *region;
	uint64_t end_ns;
	uint32_t *lat_ns;
	size_t nr;
	volatile int *stop;
};

static unsigned int seed = 12345;

static char *random_page(char *region)
{
	return region + (rand_r(&seed) % (REGION / PAGE)) * PAGE;
}

static void *churn_thread(void *arg)
{
	struct writer *w = arg;

	while (!*w->stop) {
		char *p = random_page(w->region);

		mmap(p, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		*p = 1;
		munmap(p, PAGE);
	}
	return NULL;
}

static void run_writer(struct writer *w)
{
	char *fault_area = NULL;
	pthread_t churn;
	volatile int stop = 0;
	struct writer cw = *w;

	if (!strcmp(w->mode, "fault")) {
		fault_area = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		madvise(fault_area, REGION, MADV_NOHUGEPAGE);
		memset(fault_area, 1, REGION);
		cw.stop = &stop;
		pthread_create(&churn, NULL, churn_thread, &cw);
	}
	while (w->nr < MAX_OPS) {
		uint64_t t0 = now_ns(), t1;

		if (t0 >= w->end_ns)
			break;
		if (fault_area) {
			char *p = random_page(fault_area);

			madvise(p, PAGE, MADV_DONTNEED);
			t0 = now_ns();
			*p = 1;
		} else if (!strcmp(w->mode, "mprotect")) {
			char *p = w->region + (rand_r(&seed) % 64) * PAGE;

			mprotect(p, PAGE, PROT_READ);
			mprotect(p, PAGE, PROT_READ | PROT_WRITE);
		} else {
			char *p = random_page(w->region);

			mmap(p, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			*p = 1;
			munmap(p, PAGE);
		}
		t1 = now_ns();
		w->lat_ns[w->nr++] = t1 - t0 > UINT32_MAX ? UINT32_MAX : t1 - t0;
	}
	if (fault_area) {
		stop = 1;
		pthread_join(churn, NULL);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The latency percentiles of the second line, in 1/10,000ths. */
static const struct {
	int permyriad;
	const char *name;
} pcts[] = {
	{ 1000, "p10" }, { 2500, "p25" }, { 5000, "p50" }, { 7500, "p75" },
	{ 9000, "p90" }, { 9500, "p95" }, { 9900, "p99" }, { 9950, "p995" },
	{ 9990, "p999" }, { 9995, "p9995" }, { 9999, "p9999" },
};

/* A process that only holds the layout: the control reader's target. */
static void build_twin(void *arg)
{
	build_target_layout();
}

/* The reader loops over one /proc file, counting reads in shared memory. */
static pid_t spawn_reader(pid_t target, const char *file, volatile unsigned long *reads)
{
	pid_t pid = fork();

	if (!pid) {
		static char buf[1 << 16];
		char path[64];

		pin(1);
		setpriority(PRIO_PROCESS, 0, 15);
		/* "query", "scan": the rss counters of every VMA, on maps. */
		int ioc = !strcmp(file, "query") || !strcmp(file, "scan");

		snprintf(path, sizeof(path), "/proc/%d/%s", target,
			 ioc ? "maps" : file);
		for (;;) {
			int fd = open(path, O_RDONLY);

			if (fd < 0)
				exit(1);
			if (ioc) {
				if ((file[0] == 'q' ? query_all(fd) : scan_all(fd)) < 0)
					exit(1);
			} else {
				while (read(fd, buf, sizeof(buf)) > 0)
					;
			}
			close(fd);
			(*reads)++;
		}
	}
	return pid;
}

int main(int argc, char **argv)
{
	const char *mode, *reader;
	struct writer w = {};
	pid_t twin = 0, rpid = 0;
	volatile unsigned long *reads;
	uint64_t t0, t1;
	double secs;
	int seconds;

	if (argc != 4) {
		fprintf(stderr, "usage: %s mmap|fault|mprotect none|maps|smaps|smaps_rollup|query|scan|control SECONDS\n",
			argv[0]);
		return 2;
	}
	mode = argv[1];
	reader = argv[2];
	seconds = atoi(argv[3]);
	pin(0);
	build_target_layout();
	w.mode = mode;
	w.region = mmap(NULL, REGION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!strcmp(mode, "mprotect"))
		mprotect(w.region, 64 * PAGE, PROT_READ | PROT_WRITE);
	w.lat_ns = malloc(MAX_OPS * sizeof(*w.lat_ns));
	memset(w.lat_ns, 0, MAX_OPS * sizeof(*w.lat_ns));

	reads = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!strcmp(reader, "control")) {
		twin = spawn_paused(build_twin, NULL);
		rpid = spawn_reader(twin, "smaps", reads);
	} else if (strcmp(reader, "none")) {
		rpid = spawn_reader(getpid(), reader, reads);
	}
	usleep(200000);	/* let the reader get going */

	t0 = now_ns();
	w.end_ns = t0 + seconds * 1000000000ULL;
	run_writer(&w);
	t1 = now_ns();
	secs = (t1 - t0) / 1e9;

	if (rpid) {
		kill(rpid, SIGKILL);
		waitpid(rpid, NULL, 0);
	}
	if (twin) {
		kill(twin, SIGKILL);
		waitpid(twin, NULL, 0);
	}
	qsort(w.lat_ns, w.nr, sizeof(*w.lat_ns), cmp_u32);
	printf("mode=%s reader=%s ops_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f reads=%lu ops=%zu\n",
	       mode, reader, w.nr / secs,
	       w.lat_ns[w.nr / 2] / 1e3, w.lat_ns[w.nr * 99 / 100] / 1e3,
	       w.lat_ns[w.nr * 999 / 1000] / 1e3, w.lat_ns[w.nr - 1] / 1e3,
	       *reads, w.nr);
	printf("latency mode=%s reader=%s", mode, reader);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		printf(" %s_us=%.1f", pcts[i].name,
		       w.lat_ns[(uint64_t)w.nr * pcts[i].permyriad / 10000] / 1e3);
	printf(" max_us=%.1f ops=%zu\n", w.lat_ns[w.nr - 1] / 1e3, w.nr);
	return 0;
}
