// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/{maps,smaps,smaps_rollup} and PROCMAP_QUERY read while the
 * target changes the VMAs being read.  The readers lock one VMA at a time
 * and resume by address, so across a change a VMA may be reported twice,
 * but never skipped, and a line or smaps record is never torn.
 *
 * A child builds a fixed layout: sentinel VMAs (one page each, with a
 * one-page hole after each) below and above a three-page region R, and a
 * hole after R.  Then it changes R in a loop, in one of three ways:
 *   split:  mprotect the middle page read-only and back (1 VMA <-> 3 VMAs)
 *   resize: mremap R from three pages to two and back (in place)
 *   remap:  mmap MAP_FIXED over the middle page, read-only, then read-write
 * The parent reads with small, odd-sized read()s, so that seq_file stops
 * and restarts (dropping every lock) inside the area that changes, and
 * checks each full read: every sentinel present, R covered without a gap
 * (its first two pages always, the third when mapped), every line well
 * formed, every smaps record complete; for smaps_rollup, Rss within what
 * the child can have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../kselftest_harness.h"
#include "smaps-util.h"

#define NR_SENTINELS	32	/* half below R, half above */
#define READ_SECONDS	3

enum churn { CHURN_SPLIT, CHURN_RESIZE, CHURN_REMAP };

struct layout {
	unsigned long sentinel[NR_SENTINELS];
	unsigned long r;		/* start of R: three pages */
	unsigned long rss_kb_max;	/* child's Rss with R fully mapped */
};

static long page;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One big reservation, carved up, so the layout has fixed holes. */
static void build_layout(struct layout *l)
{
	size_t span = (2 * NR_SENTINELS + 8) * page;
	char *base = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;
	int i;

	if (base == MAP_FAILED)
		_exit(2);
	munmap(base, span);
	p = base;
	for (i = 0; i < NR_SENTINELS / 2; i++, p += 2 * page) {
		/* Alternate protections so neighbours never merge. */
		if (mmap(p, page, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			_exit(2);
		l->sentinel[i] = (unsigned long)p;
	}
	p += page;
	if (mmap(p, 3 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		_exit(2);
	l->r = (unsigned long)p;
	memset(p, 1, 3 * page);
	p += 5 * page;
	for (; i < NR_SENTINELS; i++, p += 2 * page) {
		if (mmap(p, page, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			_exit(2);
		l->sentinel[i] = (unsigned long)p;
	}
}

static unsigned long status_rss_kb(pid_t pid)
{
	char path[64], *text, *s;
	unsigned long kb = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_file(path, NULL);
	if (text && (s = strstr(text, "VmRSS:")))
		kb = strtoul(s + 6, NULL, 10);
	free(text);
	return kb;
}

static void churn(enum churn how, unsigned long r)
{
	char *p = (char *)r;

	for (;;) {
		switch (how) {
		case CHURN_SPLIT:
			mprotect(p + page, page, PROT_READ);
			mprotect(p + page, page, PROT_READ | PROT_WRITE);
			break;
		case CHURN_RESIZE:
			if (mremap(p, 3 * page, 2 * page, 0) == MAP_FAILED ||
			    mremap(p, 2 * page, 3 * page, 0) == MAP_FAILED)
				_exit(3);
			break;
		case CHURN_REMAP:
			mmap(p + page, page, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			mmap(p + page, page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		}
	}
}

FIXTURE(race) {
	pid_t pid;
	struct layout *l;
	enum churn how;
	char path[64];
};

FIXTURE_VARIANT(race) {
	enum churn how;
};

FIXTURE_VARIANT_ADD(race, split) { .how = CHURN_SPLIT };
FIXTURE_VARIANT_ADD(race, resize) { .how = CHURN_RESIZE };
FIXTURE_VARIANT_ADD(race, remap) { .how = CHURN_REMAP };

FIXTURE_SETUP(race)
{
	int up[2], down[2];
	char c;

	page = sysconf(_SC_PAGESIZE);
	self->how = variant->how;
	self->l = mmap(NULL, sizeof(*self->l), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->l);
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	self->pid = fork();
	ASSERT_GE(self->pid, 0);
	if (!self->pid) {
		build_layout(self->l);
		if (write(up[1], "x", 1) != 1)
			_exit(2);
		/* Wait for the parent's baseline before churning. */
		if (read(down[0], &c, 1) != 1)
			_exit(2);
		churn(self->how, self->l->r);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	self->l->rss_kb_max = status_rss_kb(self->pid);
	ASSERT_EQ(1, write(down[1], "x", 1));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	snprintf(self->path, sizeof(self->path), "/proc/%d/", self->pid);
}

FIXTURE_TEARDOWN(race)
{
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
	munmap(self->l, sizeof(*self->l));
}

/* Read a whole file with small reads of varying, odd sizes. */
static char *read_in_pieces(const char *path, size_t *lenp)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	for (;;) {
		size_t want = 1 + rand() % 700;

		if (len + want > cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		n = read(fd, buf + len, want);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* A maps line: "start-end perms offset major:minor inode [name]". */
static bool parse_maps_line(const char *line, unsigned long *s, unsigned long *e)
{
	char perms[8], dev[16];
	unsigned long off, ino;
	int n = 0;

	if (sscanf(line, "%lx-%lx %7s %lx %15s %lu%n", s, e, perms, &off, dev, &ino, &n) != 6)
		return false;
	if (strlen(perms) != 4 || *s >= *e || strlen(dev) != 5 || dev[2] != ':')
		return false;
	return true;
}

/*
 * Check one read's VMA ranges: sentinels present and exact, R covered.
 * Returns NULL if fine, else a description of the problem.
 */
static const char *check_ranges(struct layout *l, unsigned long (*rg)[2], int n,
				char *why, size_t whylen)
{
	bool covered[3] = { false, false, false };
	int i, j;

	for (j = 0; j < NR_SENTINELS; j++) {
		for (i = 0; i < n; i++)
			if (rg[i][0] == l->sentinel[j] && rg[i][1] == l->sentinel[j] + page)
				break;
		if (i == n) {
			snprintf(why, whylen, "sentinel %d at %lx missing", j, l->sentinel[j]);
			return why;
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < 3; j++) {
			unsigned long a = l->r + j * page;

			if (rg[i][0] <= a && a < rg[i][1])
				covered[j] = true;
		}
		/* Nothing reported may stick out of R into its holes. */
		if (rg[i][0] < l->r + 3 * page && rg[i][1] > l->r &&
		    (rg[i][0] < l->r || rg[i][1] > l->r + 3 * page)) {
			snprintf(why, whylen, "%lx-%lx crosses R's edge", rg[i][0], rg[i][1]);
			return why;
		}
	}
	if (!covered[0] || !covered[1]) {
		snprintf(why, whylen, "R (%lx) not covered: a VMA was skipped", l->r);
		return why;
	}
	return NULL;
}

static int collect_maps(char *text, unsigned long (*rg)[2], int max, char *why, size_t whylen)
{
	char *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (n == max || !parse_maps_line(line, &rg[n][0], &rg[n][1])) {
			snprintf(why, whylen, "torn or bad line: '%s'", line);
			return -1;
		}
		n++;
	}
	return n;
}

static int collect_smaps(char *text, unsigned long (*rg)[2], int max, char *why, size_t whylen)
{
	struct smaps_vma *v;
	int n, i, j;

	n = parse_smaps(text, &v);
	if (n < 0 || n > max) {
		snprintf(why, whylen, "unparsable smaps");
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned long s, e;

		if (!parse_maps_line(v[i].header, &s, &e) || v[i].nr_fields < NR_SMAPS_FIELDS ||
		    !v[i].vmflags[0]) {
			snprintf(why, whylen, "torn record '%s'", v[i].header);
			free(v);
			return -1;
		}
		for (j = 0; j < NR_SMAPS_FIELDS; j++)
			if (strcmp(v[i].f[j].name, smaps_field_names[j])) {
				snprintf(why, whylen, "record '%s' field %d is %s", v[i].header,
					 j, v[i].f[j].name);
				free(v);
				return -1;
			}
		if (smaps_get(&v[i], "Size") != (long)((e - s) >> 10) ||
		    smaps_get(&v[i], "Rss") > (long)((e - s) >> 10)) {
			snprintf(why, whylen, "record '%s' Size/Rss inconsistent", v[i].header);
			free(v);
			return -1;
		}
		rg[i][0] = s;
		rg[i][1] = e;
	}
	free(v);
	return n;
}

static void race_files(struct __test_metadata *_metadata, FIXTURE_DATA(race) *self,
		       const char *file)
{
	static unsigned long rg[4096][2];
	char path[96], why[256];
	double end = now() + READ_SECONDS;
	int reads = 0;

	snprintf(path, sizeof(path), "%s%s", self->path, file);
	srand(getpid());
	while (now() < end) {
		const char *bad;
		size_t len;
		char *text = read_in_pieces(path, &len);
		int n;

		ASSERT_NE(NULL, text) TH_LOG("read %s: %s", path, strerror(errno));
		if (!strcmp(file, "maps"))
			n = collect_maps(text, rg, 4096, why, sizeof(why));
		else
			n = collect_smaps(text, rg, 4096, why, sizeof(why));
		free(text);
		ASSERT_GT(n, 0) TH_LOG("%s read %d: %s", file, reads, why);
		bad = check_ranges(self->l, rg, n, why, sizeof(why));
		ASSERT_EQ(NULL, bad) TH_LOG("%s read %d: %s", file, reads, bad);
		reads++;
	}
	TH_LOG("%d reads of %s", reads, file);
}

TEST_F(race, maps)
{
	race_files(_metadata, self, "maps");
}

TEST_F(race, smaps)
{
	race_files(_metadata, self, "smaps");
}

/*
 * smaps_rollup: no VMA counted twice or skipped.  The child's Rss is at
 * most what it had before churning (mprotect and mremap-grow fault nothing
 * in, the remap variant even drops the middle page) and at least that
 * minus R's last two pages.
 */
TEST_F(race, smaps_rollup)
{
	double end = now() + READ_SECONDS;
	unsigned long max = self->l->rss_kb_max, min = max - 2 * page / 1024;
	char path[96];
	int reads = 0;

	snprintf(path, sizeof(path), "%ssmaps_rollup", self->path);
	while (now() < end) {
		size_t len;
		char *text = read_in_pieces(path, &len);
		struct smaps_vma *v;
		long rss;

		ASSERT_NE(NULL, text);
		ASSERT_EQ(1, parse_smaps(text, &v)) TH_LOG("%s", text);
		rss = smaps_get(&v[0], "Rss");
		ASSERT_LE(rss, (long)max) TH_LOG("read %d: Rss %ld > %lu: counted twice", reads, rss, max);
		ASSERT_GE(rss, (long)min) TH_LOG("read %d: Rss %ld < %lu: skipped", reads, rss, min);
		free(v);
		free(text);
		reads++;
	}
	TH_LOG("%d reads of smaps_rollup", reads);
}

/* PROCMAP_QUERY: the VMA covering R's middle page is always there. */
TEST_F(race, procmap_query)
{
	double end = now() + READ_SECONDS;
	unsigned long mid = self->l->r + page;
	char path[96];
	int fd, reads = 0;

	snprintf(path, sizeof(path), "%smaps", self->path);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	while (now() < end) {
		struct procmap_query q = { .size = sizeof(q), .query_addr = mid };
		unsigned long addr = 0;
		int seen = 0;

		ASSERT_EQ(0, ioctl(fd, PROCMAP_QUERY, &q)) TH_LOG("query %d: %s", reads, strerror(errno));
		ASSERT_LE(q.vma_start, mid);
		ASSERT_GT(q.vma_end, mid);
		ASSERT_GE(q.vma_start, self->l->r);
		ASSERT_LE(q.vma_end, self->l->r + 3 * page);

		/* Walk every VMA: all sentinels must be seen. */
		for (;;) {
			struct procmap_query w = {
				.size = sizeof(w), .query_addr = addr,
				.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
			};

			if (ioctl(fd, PROCMAP_QUERY, &w)) {
				ASSERT_EQ(ENOENT, errno);
				break;
			}
			for (int j = 0; j < NR_SENTINELS; j++)
				if (w.vma_start == self->l->sentinel[j] &&
				    w.vma_end == self->l->sentinel[j] + page)
					seen++;
			addr = w.vma_end;
		}
		ASSERT_EQ(NR_SENTINELS, seen) TH_LOG("query walk %d", reads);
		reads++;
	}
	close(fd);
	TH_LOG("%d query rounds", reads);
}

TEST_HARNESS_MAIN
