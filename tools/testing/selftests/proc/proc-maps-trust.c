// SPDX-License-Identifier: GPL-2.0
/*
 * Can a reader trust what /proc/PID/{maps,smaps,smaps_rollup} and
 * PROCMAP_QUERY say about a process that changes meanwhile?  The readers
 * hold RCU and one VMA's read lock, never mmap_lock, and the rss figures
 * may come from per-VMA counters; each test here races one reader against
 * one kind of change and fails at the first answer that no state of the
 * target ever had, printing what it read.
 *
 * - procmap_query_abi: PROCMAP_QUERY keeps the ioctl number of Linux 6.11
 *   (0xc0686611, which encodes the 104-byte struct of 6.11), a 104-byte
 *   query works and writes nothing past 104 bytes, a full-size query with
 *   PROCMAP_QUERY_VMA_RSS works, and PROCMAP_QUERY_VMA_RSS with 104 bytes
 *   is EINVAL.
 * - false_gap.{maps,smaps,smaps_rollup,procmap_query,procmap_scan}: a
 *   16-page populated
 *   region, split and merged back by mprotect() in a loop, or replaced by
 *   mremap(MREMAP_FIXED) of a fresh mapping, is always reported without a
 *   hole (a VMA may be reported twice, in its old and its new form, but no
 *   address may be missing); smaps records of it are fully resident;
 *   smaps_rollup's Rss never changes; PROCMAP_QUERY finds the VMA covering
 *   each of its pages; PROCMAP_SCAN's records cover it, wholly resident.
 * - smaps_record_covers_vma: smaps read 64 bytes at a time (each record
 *   starts with a fresh lookup at the end of the previous one) while a
 *   64-page populated region is split and merged at random boundaries:
 *   every record of the region has Rss == Size, that is, a record reports
 *   the statistics of the whole VMA it prints, not of part of it.
 * - stale_pmd.{smaps,smaps_rollup,procmap_scan}: populated one-page VMAs
 *   alone in a 1 GiB window are moved out (their PMD table is freed) and
 *   back in, between two VMAs of a reader that walks each from the PMD it
 *   found for the one before: every PROCMAP_SCAN (and smaps) record of the
 *   window is wholly resident, the rollup stays within what the target
 *   can have, and the readers did find their PMD stale (see the fixture).
 * - kind_change_never_empty.{smaps,procmap_query,smaps_rollup}: a one-page
 *   VMA whose page is swapped out and in again in a loop (zram swap is set
 *   up when there is none) is always either resident or swapped: smaps
 *   Rss + Swap, PROCMAP_QUERY rss_anon + swap and the rollup's Rss + Swap
 *   never miss it in the middle of a change of kind.
 *
 * The target of each race is a forked child that does nothing else.  With
 * CONFIG_DEBUG_VM the race windows are widened by debugfs knobs:
 * vma_read/lookup_delay_us (between finding a VMA under RCU and locking it)
 * and vma_rss/move_delay_us (between the two counters of a change of
 * kind); without them the tests run unwidened and say so.  Each race runs
 * for TRUST_SECONDS seconds (10 by default).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../kselftest_harness.h"
#include "smaps-util.h"

#define DEBUGFS			"/sys/kernel/debug"
#define LOOKUP_DELAY_KNOB	DEBUGFS "/vma_read/lookup_delay_us"
#define MOVE_DELAY_KNOB		DEBUGFS "/vma_rss/move_delay_us"
#define LOOKUP_DELAY_US		300
#define MOVE_DELAY_US		500

/* The harness timeout of each race; TRUST_SECONDS is capped below it. */
#define TRUST_TIMEOUT		600
#define TRUST_DEFAULT_SECONDS	10

/*
 * The number of PROCMAP_QUERY that Linux 6.11 shipped, used for every
 * query here: it is what binaries built against any header pass, and it
 * works on every kernel with the ioctl, so the race tests do not depend on
 * what linux/fs.h says (procmap_query_abi checks that).
 */
#define PROCMAP_QUERY_6_11	0xc0686611UL

#define GAP_PAGES		16	/* false_gap's region */
#define COVER_PAGES		64	/* smaps_record_covers_vma's region */
#define WARM_LOOPS		16	/* churn rounds before the baseline */
#define MAX_RANGES		4096


static long page;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double trust_seconds(void)
{
	const char *env = getenv("TRUST_SECONDS");
	double s = env ? atof(env) : TRUST_DEFAULT_SECONDS;

	if (s <= 0)
		s = TRUST_DEFAULT_SECONDS;
	if (s > TRUST_TIMEOUT - 60)
		s = TRUST_TIMEOUT - 60;
	return s;
}

/* Text for TH_LOG: one entry per "#"-prefixed line, so TAP stays intact. */
struct dump {
	char buf[8192];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
dump_add(struct dump *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->len + 8 >= sizeof(d->buf))
		return;
	memcpy(d->buf + d->len, "\n#     ", 8);
	d->len += 7;
	va_start(ap, fmt);
	n = vsnprintf(d->buf + d->len, sizeof(d->buf) - d->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->len += n;
	if (d->len >= sizeof(d->buf))
		d->len = sizeof(d->buf) - 1;
}

/*
 * Read a whole file, @chunk bytes per read() (0: as much as fits), into
 * *bufp (grown as needed, NUL-terminated).  Returns the length or -errno.
 */
static ssize_t read_whole(const char *path, char **bufp, size_t *capp,
			  size_t chunk)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		size_t want;

		if (*capp - len < (chunk ? chunk : 4096) + 1) {
			size_t cap = *capp ? 2 * *capp : 1 << 16;
			char *b = realloc(*bufp, cap);

			if (!b) {
				err = -ENOMEM;
				break;
			}
			*bufp = b;
			*capp = cap;
		}
		want = chunk ? chunk : *capp - len - 1;
		n = read(fd, *bufp + len, want);
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (err)
		return err;
	(*bufp)[len] = '\0';
	return len;
}

/* The first page of [lo, hi) that no range covers, or 0. */
static unsigned long first_hole(unsigned long (*rg)[2], int n,
				unsigned long lo, unsigned long hi)
{
	unsigned long a;
	int i;

	for (a = lo; a < hi; a += page) {
		for (i = 0; i < n; i++)
			if (rg[i][0] <= a && a < rg[i][1])
				break;
		if (i == n)
			return a;
	}
	return 0;
}

/* Copy one line of @s (up to '\n') into @line, NUL-terminated. */
static const char *next_line(const char *s, char *line, size_t size,
			     bool *whole)
{
	const char *nl = strchr(s, '\n');
	size_t len = nl ? (size_t)(nl - s) : strlen(s);

	if (len >= size)
		len = size - 1;
	memcpy(line, s, len);
	line[len] = '\0';
	*whole = !!nl;
	return nl ? nl + 1 : s + strlen(s);
}

/*
 * The ranges of the lines of maps text.  Returns their number, or -1 with
 * @bad set to the first line that is not a whole, well-formed maps line.
 */
static int maps_ranges(const char *text, unsigned long (*rg)[2], int max,
		       char *bad, size_t badlen)
{
	char line[512], perms[8];
	const char *s = text;
	bool whole;
	int n = 0;

	while (*s) {
		s = next_line(s, line, sizeof(line), &whole);
		if (!whole || n == max ||
		    sscanf(line, "%lx-%lx %7s", &rg[n][0], &rg[n][1], perms) != 3 ||
		    rg[n][0] >= rg[n][1] || strlen(perms) != 4) {
			snprintf(bad, badlen, "%s", line);
			return -1;
		}
		n++;
	}
	return n;
}

/* The maps lines overlapping [lo, hi), for the log. */
static void dump_maps(struct dump *d, const char *text, unsigned long lo,
		      unsigned long hi)
{
	const char *s = text;
	unsigned long a, b;
	char line[512];
	bool whole;

	while (*s) {
		s = next_line(s, line, sizeof(line), &whole);
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && b > lo)
			dump_add(d, "%s", line);
	}
}

/* The smaps records overlapping [lo, hi), for the log. */
static void dump_smaps(struct dump *d, struct smaps_vma *v, int n,
		       unsigned long lo, unsigned long hi)
{
	for (int i = 0; i < n; i++)
		if (v[i].start < hi && v[i].end > lo)
			dump_add(d, "%s  [Size %ld Rss %ld Swap %ld kB]",
				 v[i].header, smaps_get(&v[i], "Size"),
				 smaps_get(&v[i], "Rss"),
				 smaps_get(&v[i], "Swap"));
}

/*
 * The records of smaps overlapping the fully populated region [lo, hi)
 * must lie inside it, have Size matching their range and Rss == Size.
 * Returns the index of the first one that does not, or -1.
 */
static int bad_region_record(struct smaps_vma *v, int n, unsigned long lo,
			     unsigned long hi, const char **why)
{
	for (int i = 0; i < n; i++) {
		long size = smaps_get(&v[i], "Size");
		long rss = smaps_get(&v[i], "Rss");

		if (v[i].end <= lo || v[i].start >= hi)
			continue;
		if (v[i].start < lo || v[i].end > hi)
			*why = "a record sticks out of the region";
		else if (size < 0 || rss < 0)
			*why = "a record without Size or Rss (torn)";
		else if (size != (long)((v[i].end - v[i].start) >> 10))
			*why = "a record's Size is not its range";
		else if (rss != size)
			*why = "a record's Rss is not its Size: it counts part of the VMA";
		else
			continue;
		return i;
	}
	return -1;
}

/* debugfs, for the knobs; mounted if it is not. */
static void mount_debugfs(void)
{
	struct statfs sf;

	if (!statfs(DEBUGFS, &sf) && sf.f_type == DEBUGFS_MAGIC)
		return;
	syscall(SYS_mount, "debugfs", DEBUGFS, "debugfs", 0, NULL);
}

static int knob_write(const char *path, unsigned int val)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", val);
	return write_str(path, buf);
}

/*
 * The target: a forked child that builds a region, runs its churn a few
 * times, reports ready, waits for "go" and then churns until killed.
 */
struct target {
	unsigned long base;		/* the region */
	int err;			/* the child's set-up error, or 0 */
	int swapped;			/* kind_change: a trial page-out worked */
	unsigned long loops;		/* churn rounds since "go" */
	unsigned long pageouts;		/* kind_change: rounds that swapped */
};

typedef int (*build_fn)(struct target *t);
typedef void (*churn_fn)(struct target *t);

/*
 * What each fixture keeps: the child, its "go" pipe, the knob and the swap
 * it set up.  race_stop() undoes it all and may be called twice.
 */
struct race {
	pid_t pid;
	int go;
	struct target *t;
	const char *knob;
	int swap;			/* 1: swap on zram set up for this test */
	char dev[64];			/* its device node */
	bool alive;			/* the target churned until race_stop() */
	unsigned long loops;		/* how many rounds */
	char dir[32];			/* "/proc/PID/" */
};

static void race_init(struct race *r)
{
	page = sysconf(_SC_PAGESIZE);
	memset(r, 0, sizeof(*r));
	r->pid = -1;
	r->go = -1;
	r->t = mmap(NULL, sizeof(*r->t), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->t == MAP_FAILED)
		r->t = NULL;
	else
		memset(r->t, 0, sizeof(*r->t));
}

/* The child's side; never returns. */
static void __attribute__((noreturn))
target_main(struct target *t, build_fn build, churn_fn churn, pid_t parent,
	    int up, int down)
{
	char c;

	/* Gone with the test, however the test ends. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	t->err = build(t);
	if (t->err)
		_exit(2);
	for (int i = 0; i < WARM_LOOPS; i++)
		churn(t);
	if (write(up, "r", 1) != 1)
		_exit(2);
	if (read(down, &c, 1) != 1)
		_exit(0);
	for (;;) {
		churn(t);
		__atomic_add_fetch(&t->loops, 1, __ATOMIC_RELAXED);
	}
}

/*
 * Fork the target and wait until it is ready.  Returns 0, or -1 with the
 * child reaped (t->err says why, if the child got that far).
 */
static int race_spawn(struct race *r, build_fn build, churn_fn churn)
{
	pid_t parent = getpid();
	int up[2], down[2];
	char c;

	if (!r->t || pipe(up))
		return -1;
	if (pipe(down)) {
		close(up[0]);
		close(up[1]);
		return -1;
	}
	r->pid = fork();
	if (!r->pid) {
		close(up[0]);
		close(down[1]);
		target_main(r->t, build, churn, parent, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (r->pid < 0 || read(up[0], &c, 1) != 1) {
		if (r->pid > 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
		}
		r->pid = -1;
		close(up[0]);
		close(down[1]);
		return -1;
	}
	close(up[0]);
	r->go = down[1];
	snprintf(r->dir, sizeof(r->dir), "/proc/%d/", r->pid);
	return 0;
}

static int race_go(struct race *r)
{
	int ret = write(r->go, "g", 1) == 1 ? 0 : -1;

	close(r->go);
	r->go = -1;
	return ret;
}

static unsigned long race_loops(struct race *r)
{
	return __atomic_load_n(&r->t->loops, __ATOMIC_RELAXED);
}

/* Set a delay knob for this test (restored to 0 by race_stop()), if any. */
static void race_widen(struct __test_metadata *_metadata, struct race *r,
		       const char *knob, unsigned int us)
{
	int err;

	mount_debugfs();
	err = knob_write(knob, us);
	if (err) {
		TH_LOG("%s: %s: the race window is NOT widened (kernel without CONFIG_DEBUG_VM?)",
		       knob, strerror(-err));
		return;
	}
	r->knob = knob;
	TH_LOG("%s = %u", knob, us);
}


/* Kill and reap the target, restore the knob, remove the swap. */
static void race_stop(struct race *r)
{
	if (r->pid > 0) {
		/* Not reaped yet: it did not die of a failed churn. */
		r->alive = waitpid(r->pid, NULL, WNOHANG) == 0;
		r->loops = race_loops(r);
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = -1;
	}
	if (r->go >= 0)
		close(r->go);
	r->go = -1;
	if (r->knob)
		knob_write(r->knob, 0);
	r->knob = NULL;
	if (r->swap > 0)
		teardown_swap(r->dev);
	r->swap = 0;
}

static void race_fini(struct race *r)
{
	race_stop(r);
	if (r->t)
		munmap(r->t, sizeof(*r->t));
	r->t = NULL;
}

/*
 * The verdict of a race.  The harness of this tree does not run
 * FIXTURE_TEARDOWN after a failed ASSERT in a test (its fork's result is
 * lost in the longjmp() at -O2), so the races never ASSERT before
 * race_end() has restored the knobs and the swap: CHECK() notes the first
 * violation and leaves the race, race_end() cleans up and then asserts.
 */
struct verdict {
	bool failed;
	char msg[sizeof(struct dump) + 1024];
};

static void __attribute__((format(printf, 2, 3)))
verdict_fail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	v->failed = true;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		verdict_fail(&v, "line %d: " fmt, __LINE__,		\
			     ##__VA_ARGS__);				\
		goto out;						\
	}								\
} while (0)

static void race_end(struct __test_metadata *_metadata, struct race *r,
		     struct verdict *v)
{
	race_stop(r);
	ASSERT_FALSE(v->failed) TH_LOG("%s", v->msg);
	ASSERT_TRUE(r->alive) TH_LOG("the target died: its churn failed");
	ASSERT_LT(0, r->loops) TH_LOG("the target never churned");
}

/*
 * @pages populated anonymous private pages between two PROT_NONE guard
 * pages, so that the region is a VMA of its own.  Returns it, or NULL.
 */
static char *map_region(int pages)
{
	char *res, *p;

	res = mmap(NULL, (pages + 2) * page, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	p = mmap(res + page, pages * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Small pages only (fails harmlessly without THP). */
	madvise(p, pages * page, MADV_NOHUGEPAGE);
	memset(p, 0x5a, pages * page);
	return p;
}

/*
 * The ioctl number encodes sizeof(struct procmap_query) of 6.11 and must
 * not change as the struct grows (binaries, strace and seccomp filters
 * know it); the struct's own size field says which version a caller has.
 */
TEST(procmap_query_abi)
{
	struct {
		struct procmap_query q;
		unsigned char tail[64];
	} arg;
	unsigned char *bytes = (unsigned char *)&arg;
	char *res, *m;
	unsigned long addr;
	int fd, ret;
	size_t i;

	page = sysconf(_SC_PAGESIZE);
	EXPECT_EQ(PROCMAP_QUERY_6_11, (unsigned long)PROCMAP_QUERY)
		TH_LOG("PROCMAP_QUERY is %#lx in linux/fs.h; 6.11 shipped %#lx: the number must not change as the struct grows",
		       (unsigned long)PROCMAP_QUERY, PROCMAP_QUERY_6_11);
	ASSERT_EQ(PROCMAP_QUERY_SIZE_VER0, 104);

	/* Four populated pages between guards: a VMA of known extent. */
	res = mmap(NULL, 6 * page, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	m = mmap(res + page, 4 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(res + page, m);
	madvise(m, 4 * page, MADV_NOHUGEPAGE);
	memset(m, 1, 4 * page);
	addr = (unsigned long)m + page;
	fd = open("/proc/self/maps", O_RDONLY);
	ASSERT_LE(0, fd);

	/* The 6.11 struct: 104 bytes, nothing written beyond them. */
	memset(&arg, 0xa5, sizeof(arg));
	memset(&arg.q, 0, PROCMAP_QUERY_SIZE_VER0);
	arg.q.size = PROCMAP_QUERY_SIZE_VER0;
	arg.q.query_addr = addr;
	ret = ioctl(fd, PROCMAP_QUERY_6_11, &arg);
	ASSERT_EQ(0, ret) TH_LOG("104-byte query with %#lx: %s",
				 PROCMAP_QUERY_6_11, strerror(errno));
	EXPECT_EQ((unsigned long)m, arg.q.vma_start);
	EXPECT_EQ((unsigned long)m + 4 * page, arg.q.vma_end);
	EXPECT_EQ(PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_WRITABLE,
		  arg.q.vma_flags);
	for (i = PROCMAP_QUERY_SIZE_VER0; i < sizeof(arg); i++)
		if (bytes[i] != 0xa5)
			break;
	EXPECT_EQ(sizeof(arg), i)
		TH_LOG("a 104-byte query wrote byte %zu (%#x) of the caller's memory",
		       i, bytes[i]);

	/* The full struct with the rss fields. */
	memset(&arg, 0, sizeof(arg));
	arg.q.size = sizeof(arg.q);
	arg.q.query_flags = PROCMAP_QUERY_VMA_RSS;
	arg.q.query_addr = addr;
	ret = ioctl(fd, PROCMAP_QUERY_6_11, &arg);
	ASSERT_EQ(0, ret) TH_LOG("%zu-byte query with PROCMAP_QUERY_VMA_RSS: %s",
				 sizeof(arg.q), strerror(errno));
	EXPECT_EQ((unsigned long)m, arg.q.vma_start);
	EXPECT_EQ((unsigned long)m + 4 * page, arg.q.vma_end);
	EXPECT_EQ(4 * page, (long)arg.q.rss_anon);
	EXPECT_EQ(0, arg.q.rss_file);
	EXPECT_EQ(0, arg.q.rss_shmem);
	EXPECT_EQ(0, arg.q.swap);

	/* The rss fields do not fit in the 6.11 struct. */
	memset(&arg, 0, sizeof(arg));
	arg.q.size = PROCMAP_QUERY_SIZE_VER0;
	arg.q.query_flags = PROCMAP_QUERY_VMA_RSS;
	arg.q.query_addr = addr;
	ret = ioctl(fd, PROCMAP_QUERY_6_11, &arg);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, errno);

	close(fd);
	munmap(res, 6 * page);
}

/*
 * false_gap: the child changes its region in a loop; the readers must see
 * the region without a hole.
 *
 * - split_below: mprotect() of its middle splits the VMA in three and
 *   merges it back; the first split leaves the old vm_area_struct with the
 *   upper part and puts a new VMA below (new_below), so a reader that found
 *   the old struct before the split and locked it after would skip the
 *   lower part.
 * - merge_next: the region is two VMAs, read-write then read-only, and
 *   mprotect() of the read-only one's first pages moves the boundary up and
 *   back; a maps reader stepping its maple iterator on from where it found
 *   the first VMA before the boundary moved would land behind the moved
 *   part and skip it.
 * - remap_fixed: mremap(MREMAP_FIXED) moves a fresh populated mapping over
 *   the region, which therefore is mapped before and after each call but
 *   has no VMA for a while inside it (mremap_to() unmaps the destination
 *   first); a reader that looks the region up twice in that while would
 *   report a gap no state of the process ever had.  Each round also makes
 *   one such call that fails at once (EINVAL), which must not upset the
 *   kernel's note of that while.  The knob also keeps
 *   that while open longer (vma_read_hole_inject_delay()).  The process's
 *   Rss moves with each fresh mapping: no smaps_rollup case.
 */
static int gap_build(struct target *t)
{
	char *p = map_region(GAP_PAGES);

	if (!p)
		return errno ?: ENOMEM;
	t->base = (unsigned long)p;
	return 0;
}

static void gap_churn(struct target *t)
{
	char *p = (char *)t->base + 4 * page;

	if (mprotect(p, 8 * page, PROT_READ) ||
	    mprotect(p, 8 * page, PROT_READ | PROT_WRITE))
		_exit(3);
}

static int merge_next_build(struct target *t)
{
	char *p = map_region(GAP_PAGES);

	if (!p)
		return errno ?: ENOMEM;
	t->base = (unsigned long)p;
	if (mprotect(p + GAP_PAGES / 2 * page, GAP_PAGES / 2 * page, PROT_READ))
		return errno;
	return 0;
}

static void merge_next_churn(struct target *t)
{
	char *p = (char *)t->base + GAP_PAGES / 2 * page;

	if (mprotect(p, 2 * page, PROT_READ | PROT_WRITE) ||
	    mprotect(p, 2 * page, PROT_READ))
		_exit(3);
}

static void remap_fixed_churn(struct target *t)
{
	size_t len = GAP_PAGES * page;
	char *s = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		_exit(3);
	madvise(s, len, MADV_NOHUGEPAGE);
	memset(s, 0x5a, len);
	/*
	 * A call that fails before it unmaps anything (an unaligned target)
	 * must leave the readers' view of holes as it was.
	 */
	if (mremap(s, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (char *)t->base + 1) != MAP_FAILED || errno != EINVAL)
		_exit(3);
	if (mremap(s, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)t->base) == MAP_FAILED)
		_exit(3);
}

FIXTURE(false_gap) {
	struct race r;
};

FIXTURE_VARIANT(false_gap) {
	build_fn build;
	churn_fn churn;
	bool rss_moves;		/* the churn maps new pages */
};

FIXTURE_VARIANT_ADD(false_gap, split_below) {
	.build = gap_build,
	.churn = gap_churn,
};

FIXTURE_VARIANT_ADD(false_gap, merge_next) {
	.build = merge_next_build,
	.churn = merge_next_churn,
};

FIXTURE_VARIANT_ADD(false_gap, remap_fixed) {
	.build = gap_build,
	.churn = remap_fixed_churn,
	.rss_moves = true,
};

FIXTURE_SETUP(false_gap)
{
	race_init(&self->r);
	ASSERT_NE(NULL, self->r.t);
	ASSERT_EQ(0, race_spawn(&self->r, variant->build, variant->churn))
		TH_LOG("the target could not set up: %s",
		       strerror(self->r.t->err));
	race_widen(_metadata, &self->r, LOOKUP_DELAY_KNOB, LOOKUP_DELAY_US);
}

FIXTURE_TEARDOWN(false_gap)
{
	race_fini(&self->r);
}

TEST_F_TIMEOUT(false_gap, maps, TRUST_TIMEOUT)
{
	static unsigned long rg[MAX_RANGES][2];
	unsigned long lo = self->r.t->base, hi = lo + GAP_PAGES * page;
	double end = now() + trust_seconds();
	char path[64], bad[512], *buf = NULL;
	struct verdict v = { .failed = false };
	struct dump d = { .len = 0 };
	size_t cap = 0;
	int reads = 0;

	snprintf(path, sizeof(path), "%smaps", self->r.dir);
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		ssize_t len = read_whole(path, &buf, &cap, 0);
		unsigned long at;
		int n, i;

		CHECK(len >= 0, "read %s: %s", path, strerror(-len));
		n = maps_ranges(buf, rg, MAX_RANGES, bad, sizeof(bad));
		CHECK(n >= 0, "read %d: torn or bad line '%s'", reads, bad);
		at = first_hole(rg, n, lo, hi);
		/* Nothing reported may reach out of the region either. */
		for (i = 0; i < n && !at; i++)
			if (rg[i][0] < hi && rg[i][1] > lo &&
			    (rg[i][0] < lo || rg[i][1] > hi))
				at = rg[i][0] < lo ? rg[i][0] : rg[i][1];
		if (at)
			dump_maps(&d, buf, lo - page, hi + page);
		CHECK(!at, "read %d: region %lx-%lx not covered (or crossed) at %lx; its lines:%s",
		      reads, lo, hi, at, d.buf);
		reads++;
	}
out:
	TH_LOG("%d reads, %lu churn rounds", reads, race_loops(&self->r));
	free(buf);
	race_end(_metadata, &self->r, &v);
}

TEST_F_TIMEOUT(false_gap, smaps, TRUST_TIMEOUT)
{
	static unsigned long rg[MAX_RANGES][2];
	unsigned long lo = self->r.t->base, hi = lo + GAP_PAGES * page;
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	struct dump d = { .len = 0 };
	struct smaps_vma *recs = NULL;
	char path[64], *buf = NULL;
	size_t cap = 0;
	int reads = 0;

	snprintf(path, sizeof(path), "%ssmaps", self->r.dir);
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		ssize_t len = read_whole(path, &buf, &cap, 0);
		const char *why = NULL;
		unsigned long hole;
		int n, i;

		CHECK(len >= 0, "read %s: %s", path, strerror(-len));
		n = parse_smaps(buf, &recs);
		CHECK(n > 0, "read %d: unparsable smaps", reads);
		CHECK(n <= MAX_RANGES, "read %d: %d records", reads, n);
		for (i = 0; i < n; i++) {
			rg[i][0] = recs[i].start;
			rg[i][1] = recs[i].end;
		}
		hole = first_hole(rg, n, lo, hi);
		i = bad_region_record(recs, n, lo, hi, &why);
		if (hole || i >= 0)
			dump_smaps(&d, recs, n, lo - page, hi + page);
		CHECK(!hole, "read %d: region %lx-%lx not covered at %lx; its records:%s",
		      reads, lo, hi, hole, d.buf);
		CHECK(i < 0, "read %d: %s: '%s'; the region's records:%s",
		      reads, why, recs[i].header, d.buf);
		free(recs);
		recs = NULL;
		reads++;
	}
out:
	TH_LOG("%d reads, %lu churn rounds", reads, race_loops(&self->r));
	free(recs);
	free(buf);
	race_end(_metadata, &self->r, &v);
}

/* smaps_rollup's Rss and Swap (and its header line): 0, or -1. */
static int rollup_read(const char *path, char **bufp, size_t *capp,
		       long *rss, long *swap, char *header, size_t hlen)
{
	struct smaps_vma *v;
	int n;

	if (read_whole(path, bufp, capp, 0) < 0)
		return -1;
	n = parse_smaps(*bufp, &v);
	if (n < 0)
		return -1;
	if (n != 1) {
		free(v);
		return -1;
	}
	*rss = smaps_get(&v[0], "Rss");
	*swap = smaps_get(&v[0], "Swap");
	if (header)
		snprintf(header, hlen, "%s", v[0].header);
	free(v);
	return *rss < 0 || *swap < 0 ? -1 : 0;
}

/*
 * The rollup's Rss and Swap of the target while it waits for "go", read
 * until two reads agree.  Returns the Rss, or -1.
 */
static long rollup_baseline(const char *path, long *swap)
{
	long rss[2] = { -1, -2 }, sw[2] = { -1, -2 };
	char *buf = NULL;
	size_t cap = 0;

	for (int i = 0; i < 20 && (rss[0] != rss[1] || sw[0] != sw[1]); i++) {
		rss[0] = rss[1];
		sw[0] = sw[1];
		if (rollup_read(path, &buf, &cap, &rss[1], &sw[1], NULL, 0))
			break;
		usleep(20000);
	}
	free(buf);
	*swap = sw[1];
	return rss[0] == rss[1] && sw[0] == sw[1] ? rss[1] : -1;
}

TEST_F_TIMEOUT(false_gap, smaps_rollup, TRUST_TIMEOUT)
{
	char path[64], header[512], *buf = NULL;
	struct verdict v = { .failed = false };
	long expect, expect_swap, rss, swap;
	size_t cap = 0;
	int reads = 0;
	double end;

	if (variant->rss_moves)
		SKIP(return, "the churn maps new pages: no Rss to hold it to");
	snprintf(path, sizeof(path), "%ssmaps_rollup", self->r.dir);
	/* mprotect() maps and unmaps nothing: the Rss stays this. */
	expect = rollup_baseline(path, &expect_swap);
	CHECK(expect >= GAP_PAGES * page / 1024,
	      "no stable Rss of the quiescent target (%ld kB)", expect);
	CHECK(!race_go(&self->r), "the target did not start");
	end = now() + trust_seconds();
	while (now() < end) {
		CHECK(!rollup_read(path, &buf, &cap, &rss, &swap, header,
				   sizeof(header)),
		      "read %d: unparsable smaps_rollup", reads);
		CHECK(rss == expect,
		      "read %d: '%s' Rss %ld kB, quiescent %ld kB: %s", reads,
		      header, rss, expect, rss < expect ?
		      "memory skipped" : "memory counted twice");
		reads++;
	}
out:
	TH_LOG("%d reads of Rss %ld kB, %lu churn rounds", reads, expect,
	       race_loops(&self->r));
	free(buf);
	race_end(_metadata, &self->r, &v);
}

TEST_F_TIMEOUT(false_gap, procmap_query, TRUST_TIMEOUT)
{
	unsigned long lo = self->r.t->base, hi = lo + GAP_PAGES * page;
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	int fd = -1, rounds = 0;
	char path[64];

	snprintf(path, sizeof(path), "%smaps", self->r.dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		for (unsigned long a = lo; a < hi; a += page) {
			/* The VMA covering @a: not COVERING_OR_NEXT. */
			struct procmap_query q = {
				.size = sizeof(q),
				.query_addr = a,
			};
			int ret = ioctl(fd, PROCMAP_QUERY_6_11, &q);

			CHECK(!ret, "round %d: no VMA covers %lx in region %lx-%lx: %s",
			      rounds, a, lo, hi, strerror(errno));
			CHECK(q.vma_start <= a && a < q.vma_end &&
			      q.vma_start >= lo && q.vma_end <= hi,
			      "round %d: the VMA covering %lx in region %lx-%lx is %llx-%llx",
			      rounds, a, lo, hi,
			      (unsigned long long)q.vma_start,
			      (unsigned long long)q.vma_end);
		}
		rounds++;
	}
out:
	TH_LOG("%d rounds of %d queries, %lu churn rounds", rounds, GAP_PAGES,
	       race_loops(&self->r));
	if (fd >= 0)
		close(fd);
	race_end(_metadata, &self->r, &v);
}

#ifdef PROCMAP_SCAN
#define SCAN_RECS		7	/* per call: many resumes per scan */
#define ATOMIC_FAIL_KNOB	DEBUGFS "/vma_rss/atomic_fail_every"

/*
 * PROCMAP_SCAN of the whole address space, SCAN_RECS records per call,
 * with the rss fields: the records of the region cover it without a hole,
 * none reaches out of it, and each of its VMAs is wholly resident.  Every third rss sum that PROCMAP_SCAN
 * tries within its RCU section is made to fail (debugfs
 * vma_rss/atomic_fail_every), so the sums it takes outside the section,
 * and the fresh lookups after them, race too.
 */
TEST_F_TIMEOUT(false_gap, procmap_scan, TRUST_TIMEOUT)
{
	static unsigned long rg[MAX_RANGES][2];
	static struct procmap_vma recs[SCAN_RECS];
	unsigned long lo = self->r.t->base, hi = lo + GAP_PAGES * page;
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	int fd = -1, scans = 0, fail_knob = -1;
	char path[64];

	snprintf(path, sizeof(path), "%smaps", self->r.dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	fail_knob = knob_write(ATOMIC_FAIL_KNOB, 3);
	if (fail_knob)
		TH_LOG("%s: %s: no forced fallback", ATOMIC_FAIL_KNOB,
		       strerror(-fail_knob));
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		struct procmap_scan_arg arg = {
			.size = sizeof(arg),
			.flags = PROCMAP_QUERY_VMA_RSS,
			.vec = (unsigned long)recs,
			.vec_len = SCAN_RECS,
			.rec_size = sizeof(recs[0]),
			.start = 0,
			.end = ~0ULL,
		};
		unsigned long at = 0;
		int n = 0, i;

		for (;;) {
			long got = ioctl(fd, PROCMAP_SCAN, &arg);

			if (got < 0 && errno == ENOTTY) {
				close(fd);
				race_stop(&self->r);
				SKIP(return, "no PROCMAP_SCAN");
			}
			CHECK(got >= 0, "scan %d: %s", scans, strerror(errno));
			for (i = 0; i < got; i++) {
				struct procmap_vma *r = &recs[i];
				unsigned long len = r->vma_end - r->vma_start;

				CHECK(n < MAX_RANGES, "scan %d: too many VMAs", scans);
				rg[n][0] = r->vma_start;
				rg[n][1] = r->vma_end;
				n++;
				if (r->vma_start < hi && r->vma_end > lo &&
				    (r->vma_start < lo || r->vma_end > hi))
					at = r->vma_start < lo ? r->vma_start : r->vma_end;
				CHECK(!at, "scan %d: region %lx-%lx crossed by %llx-%llx",
				      scans, lo, hi, (unsigned long long)r->vma_start,
				      (unsigned long long)r->vma_end);
				CHECK(r->vma_start >= hi || r->vma_end <= lo ||
				      r->rss_anon == len,
				      "scan %d: %llx-%llx of region %lx-%lx: rss_anon %llu of %lu bytes",
				      scans, (unsigned long long)r->vma_start,
				      (unsigned long long)r->vma_end, lo, hi,
				      (unsigned long long)r->rss_anon, len);
			}
			if (got < SCAN_RECS)
				break;
			CHECK(arg.walk_end > arg.start, "scan %d: walk_end %llx did not move",
			      scans, (unsigned long long)arg.walk_end);
			arg.start = arg.walk_end;
		}
		at = first_hole(rg, n, lo, hi);
		CHECK(!at, "scan %d: region %lx-%lx not covered at %lx", scans,
		      lo, hi, at);
		scans++;
	}
out:
	TH_LOG("%d scans, %lu churn rounds", scans, race_loops(&self->r));
	if (!fail_knob)
		knob_write(ATOMIC_FAIL_KNOB, 0);
	if (fd >= 0)
		close(fd);
	race_end(_metadata, &self->r, &v);
}
#endif

/*
 * stale_pmd: the readers of many small VMAs (smaps_rollup, PROCMAP_SCAN
 * with rss) start the walk of a VMA at the PMD the walk of the VMA before
 * found, when the two lie in the same PMD range and no writer has held
 * mmap_lock in between.  The target makes that PMD's table go away between
 * two VMAs, while each VMA stays populated: STALE_VMAS one-page VMAs alone
 * in the range of one PMD table (1 GiB with 4 KiB pages) are moved out one
 * by one (mremap(), which takes their pages along; when the last one
 * leaves, the window's PMD and PTE tables are freed), then moved back in,
 * which makes new tables.  In between, a page touched in a second empty
 * such range (the sink) takes the freed tables, so that the window's new
 * ones are other pages: a stale PMD then points into the sink's PMD table,
 * or into a free page.  Then the target stays still for a while, so that
 * readers also find their last PMD good.  The lookup delay holds a reader
 * between two VMAs while all that happens.
 *
 * Checked: every PROCMAP_SCAN record of the window is one page, all
 * resident (a reader that trusted a stale PMD reads it as empty, or reads
 * a freed page, which KASAN reports in the debug kernel); so is every
 * smaps record (smaps descends from the PGD for each VMA: the control);
 * smaps_rollup reads within what the target can have (pages may move past
 * the reader, so a rollup is not exact here; it races for KASAN's sake);
 * and, with CONFIG_DEBUG_VM, debugfs vma_rss/stats shows that walks did
 * start at the last PMD (near_pmds) and that some could not because a
 * writer had come (near_stale): the race this is about happened.
 */
#define STALE_VMAS		8
#define STALE_SINK_PMD		5	/* the sink's PMD index: not the window's */
#define VMA_RSS_STATS		DEBUGFS "/vma_rss/stats"

/* What one PMD maps, and one PMD table: 2 MiB and 1 GiB with 4 KiB pages */
static unsigned long pmd_span(void)
{
	return page / sizeof(uint64_t) * page;
}

static unsigned long pud_span(void)
{
	return page / sizeof(uint64_t) * pmd_span();
}

/* The window (t->base), the sink's range above it, the staging above that */
static char *stale_at(struct target *t, int range, int i)
{
	return (char *)t->base + range * pud_span() + 2 * i * page;
}

static int stale_build(struct target *t)
{
	/*
	 * A 4 GiB reservation; of it, a 1 GiB-aligned window and the 1 GiB
	 * above it are unmapped, so that nothing else lies in their PUDs'
	 * ranges.  The rest stays reserved, PROT_NONE.
	 */
	unsigned long span = pud_span();
	char *res = mmap(NULL, 4 * span, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (res == MAP_FAILED)
		return errno;
	t->base = ((unsigned long)res + span - 1) & ~(span - 1);
	if (munmap((void *)t->base, 2 * span))
		return errno;
	for (int i = 0; i < STALE_VMAS; i++) {
		char *p = mmap(stale_at(t, 0, i), page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_FIXED_NOREPLACE, -1, 0);

		if (p != stale_at(t, 0, i))
			return p == MAP_FAILED ? errno : EEXIST;
		*p = 0x5a;
	}
	return 0;
}

static void stale_move(struct target *t, int from, int to)
{
	for (int i = 0; i < STALE_VMAS; i++)
		if (mremap(stale_at(t, from, i), page, page,
			   MREMAP_MAYMOVE | MREMAP_FIXED,
			   stale_at(t, to, i)) != stale_at(t, to, i))
			_exit(3);
}

static void stale_churn(struct target *t)
{
	char *sink = stale_at(t, 1, 0) + STALE_SINK_PMD * pmd_span();

	/* Out to the staging area: the window's tables are freed. */
	stale_move(t, 0, 2);
	/* The sink takes them. */
	if (mmap(sink, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != sink)
		_exit(3);
	*sink = 0x5a;
	/* Back in, on new tables; and the sink's go back. */
	stale_move(t, 2, 0);
	if (munmap(sink, page))
		_exit(3);
	/* Still: readers' last PMDs are good. */
	usleep(STALE_VMAS * LOOKUP_DELAY_US);
}

/* debugfs vma_rss/stats' near_pmds and near_stale: 0, or -1 without them. */
static int near_stats(long *used, long *stale)
{
	char *buf = NULL, *s;
	size_t cap = 0;
	int ret = -1;

	if (read_whole(VMA_RSS_STATS, &buf, &cap, 0) < 0)
		goto out;
	s = strstr(buf, "near_pmds ");
	if (!s || sscanf(s, "near_pmds %ld", used) != 1)
		goto out;
	s = strstr(buf, "near_stale ");
	if (!s || sscanf(s, "near_stale %ld", stale) != 1)
		goto out;
	ret = 0;
out:
	free(buf);
	return ret;
}

FIXTURE(stale_pmd) {
	struct race r;
	long used, stale;	/* near_stats() before the race */
	int stats;		/* near_stats()'s return */
};

FIXTURE_SETUP(stale_pmd)
{
	race_init(&self->r);
	ASSERT_NE(NULL, self->r.t);
	ASSERT_EQ(0, race_spawn(&self->r, stale_build, stale_churn))
		TH_LOG("the target could not set up: %s",
		       strerror(self->r.t->err));
	race_widen(_metadata, &self->r, LOOKUP_DELAY_KNOB, LOOKUP_DELAY_US);
	self->stats = near_stats(&self->used, &self->stale);
	if (self->stats)
		TH_LOG("%s has no near_pmds (no CONFIG_DEBUG_VM?): whether the race happened is not checked",
		       VMA_RSS_STATS);
}

FIXTURE_TEARDOWN(stale_pmd)
{
	race_fini(&self->r);
}

/* After the race: the last PMD was used, and found stale, some times. */
static void stale_pmd_happened(struct __test_metadata *_metadata,
			       FIXTURE_DATA(stale_pmd) *self)
{
	long used, stale;

	if (self->stats)
		return;
	ASSERT_EQ(0, near_stats(&used, &stale));
	TH_LOG("walks from the last PMD: %ld, refused as stale: %ld",
	       used - self->used, stale - self->stale);
	ASSERT_LT(0, used - self->used);
	ASSERT_LT(0, stale - self->stale);
}

/* Whether @r (of the window) is one of its VMAs, one page at a slot. */
static bool stale_slot(struct target *t, unsigned long start,
		       unsigned long end)
{
	unsigned long at = start - t->base;

	return end - start == page && at % (2 * page) == 0 &&
	       at < 2 * STALE_VMAS * page;
}

TEST_F_TIMEOUT(stale_pmd, smaps, TRUST_TIMEOUT)
{
	unsigned long lo = self->r.t->base, hi = lo + pud_span();
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	struct smaps_vma *recs = NULL;
	char path[64], *buf = NULL;
	int reads = 0, seen = 0;
	size_t cap = 0;

	snprintf(path, sizeof(path), "%ssmaps", self->r.dir);
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		ssize_t len = read_whole(path, &buf, &cap, 0);
		const char *why = NULL;
		int n, i;

		CHECK(len >= 0, "read %s: %s", path, strerror(-len));
		n = parse_smaps(buf, &recs);
		CHECK(n > 0, "read %d: unparsable smaps", reads);
		/* Each VMA of the window is populated whole. */
		i = bad_region_record(recs, n, lo, hi, &why);
		CHECK(i < 0, "read %d: %s: '%s' Size %ld kB Rss %ld kB", reads,
		      why, recs[i].header, smaps_get(&recs[i], "Size"),
		      smaps_get(&recs[i], "Rss"));
		for (i = 0; i < n; i++) {
			struct smaps_vma *r = &recs[i];

			if (r->end <= lo || r->start >= hi)
				continue;
			CHECK(stale_slot(self->r.t, r->start, r->end),
			      "read %d: '%s' is not a VMA of the window at %lx",
			      reads, r->header, lo);
			seen++;
		}
		free(recs);
		recs = NULL;
		reads++;
	}
out:
	TH_LOG("%d reads, %d records of the window, %lu churn rounds", reads,
	       seen, race_loops(&self->r));
	free(recs);
	free(buf);
	race_end(_metadata, &self->r, &v);
}

TEST_F_TIMEOUT(stale_pmd, smaps_rollup, TRUST_TIMEOUT)
{
	char path[64], header[512], *buf = NULL;
	struct verdict v = { .failed = false };
	long base, swap, rss, least, most;
	size_t cap = 0;
	int reads = 0;
	double end;

	snprintf(path, sizeof(path), "%ssmaps_rollup", self->r.dir);
	/*
	 * The window's pages, each counted once here, may move past the
	 * reader (counted twice, or not at all); the sink has one or none.
	 */
	base = rollup_baseline(path, &swap);
	least = base - STALE_VMAS * page / 1024;
	most = base + (STALE_VMAS + 1) * page / 1024;
	CHECK(least > 0, "no stable Rss of the quiescent target (%ld kB)",
	      base);
	CHECK(!race_go(&self->r), "the target did not start");
	end = now() + trust_seconds();
	while (now() < end) {
		CHECK(!rollup_read(path, &buf, &cap, &rss, &swap, header,
				   sizeof(header)),
		      "read %d: unparsable smaps_rollup", reads);
		CHECK(least <= rss && rss <= most,
		      "read %d: '%s' Rss %ld kB, not in %ld-%ld kB", reads,
		      header, rss, least, most);
		reads++;
	}
out:
	TH_LOG("%d reads of Rss %ld-%ld kB, %lu churn rounds", reads, least,
	       most, race_loops(&self->r));
	free(buf);
	race_end(_metadata, &self->r, &v);
	stale_pmd_happened(_metadata, self);
}

#ifdef PROCMAP_SCAN
TEST_F_TIMEOUT(stale_pmd, procmap_scan, TRUST_TIMEOUT)
{
	static struct procmap_vma recs[SCAN_RECS];
	unsigned long lo = self->r.t->base, hi = lo + pud_span();
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	int fd = -1, scans = 0;
	long seen = 0;
	char path[64];

	snprintf(path, sizeof(path), "%smaps", self->r.dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		struct procmap_scan_arg arg = {
			.size = sizeof(arg),
			.flags = PROCMAP_QUERY_VMA_RSS,
			.vec = (unsigned long)recs,
			.vec_len = SCAN_RECS,
			.rec_size = sizeof(recs[0]),
			.start = lo,
			.end = hi,
		};

		for (;;) {
			long got = ioctl(fd, PROCMAP_SCAN, &arg);

			if (got < 0 && errno == ENOTTY) {
				close(fd);
				race_stop(&self->r);
				SKIP(return, "no PROCMAP_SCAN");
			}
			CHECK(got >= 0, "scan %d: %s", scans, strerror(errno));
			for (int i = 0; i < got; i++) {
				struct procmap_vma *r = &recs[i];

				CHECK(stale_slot(self->r.t, r->vma_start,
						 r->vma_end),
				      "scan %d: %llx-%llx is not a VMA of the window at %lx",
				      scans, (unsigned long long)r->vma_start,
				      (unsigned long long)r->vma_end, lo);
				CHECK(r->rss_anon == (unsigned long)page &&
				      !r->rss_file && !r->rss_shmem,
				      "scan %d: %llx-%llx: rss anon %llu file %llu shmem %llu of a populated page",
				      scans, (unsigned long long)r->vma_start,
				      (unsigned long long)r->vma_end,
				      (unsigned long long)r->rss_anon,
				      (unsigned long long)r->rss_file,
				      (unsigned long long)r->rss_shmem);
				seen++;
			}
			if (got < SCAN_RECS)
				break;
			arg.start = arg.walk_end;
		}
		scans++;
	}
out:
	TH_LOG("%d scans, %ld records of the window, %lu churn rounds", scans,
	       seen, race_loops(&self->r));
	if (fd >= 0)
		close(fd);
	race_end(_metadata, &self->r, &v);
	stale_pmd_happened(_metadata, self);
}
#endif

/*
 * smaps_record_covers_vma: the child makes a random page range of its
 * region read-only and writable again (a split into up to three VMAs and a
 * merge back), in a loop.
 */
static int cover_build(struct target *t)
{
	char *p = map_region(COVER_PAGES);

	if (!p)
		return errno ?: ENOMEM;
	t->base = (unsigned long)p;
	return 0;
}

static void cover_churn(struct target *t)
{
	static unsigned int seed;
	unsigned int first, len;
	char *p;

	if (!seed)
		seed = getpid();
	seed = seed * 1103515245 + 12345;
	first = (seed >> 8) % COVER_PAGES;
	seed = seed * 1103515245 + 12345;
	len = 1 + (seed >> 8) % (COVER_PAGES - first);
	p = (char *)t->base + first * page;
	if (mprotect(p, len * page, PROT_READ) ||
	    mprotect(p, len * page, PROT_READ | PROT_WRITE))
		_exit(3);
}

FIXTURE(smaps_record_covers_vma) {
	struct race r;
};

FIXTURE_VARIANT(smaps_record_covers_vma) {
	unsigned int lookup_delay_us;
};

FIXTURE_VARIANT_ADD(smaps_record_covers_vma, no_delay) {
	.lookup_delay_us = 0,
};

FIXTURE_VARIANT_ADD(smaps_record_covers_vma, lookup_delay) {
	.lookup_delay_us = LOOKUP_DELAY_US,
};

FIXTURE_SETUP(smaps_record_covers_vma)
{
	race_init(&self->r);
	ASSERT_NE(NULL, self->r.t);
	ASSERT_EQ(0, race_spawn(&self->r, cover_build, cover_churn))
		TH_LOG("the target could not set up: %s",
		       strerror(self->r.t->err));
	/* Written also when 0: no delay left over from elsewhere. */
	race_widen(_metadata, &self->r, LOOKUP_DELAY_KNOB,
		   variant->lookup_delay_us);
}

FIXTURE_TEARDOWN(smaps_record_covers_vma)
{
	race_fini(&self->r);
}

TEST_F_TIMEOUT(smaps_record_covers_vma, small_reads, TRUST_TIMEOUT)
{
	unsigned long lo = self->r.t->base, hi = lo + COVER_PAGES * page;
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	struct dump d = { .len = 0 };
	struct smaps_vma *recs = NULL;
	char path[64], *buf = NULL;
	size_t cap = 0;
	long records = 0;
	int reads = 0;

	snprintf(path, sizeof(path), "%ssmaps", self->r.dir);
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		/* 64 bytes a time: each record begins with a fresh m_start(). */
		ssize_t len = read_whole(path, &buf, &cap, 64);
		const char *why = NULL;
		int n, i;

		CHECK(len >= 0, "read %s: %s", path, strerror(-len));
		n = parse_smaps(buf, &recs);
		CHECK(n > 0, "read %d: unparsable smaps", reads);
		i = bad_region_record(recs, n, lo, hi, &why);
		if (i >= 0)
			dump_smaps(&d, recs, n, lo - page, hi + page);
		CHECK(i < 0, "read %d: %s: '%s' Size %ld kB Rss %ld kB; the region's records:%s",
		      reads, why, recs[i].header, smaps_get(&recs[i], "Size"),
		      smaps_get(&recs[i], "Rss"), d.buf);
		for (i = 0; i < n; i++)
			records += recs[i].start < hi && recs[i].end > lo;
		free(recs);
		recs = NULL;
		reads++;
	}
out:
	TH_LOG("%d reads, %ld records of the region, %lu churn rounds", reads,
	       records, race_loops(&self->r));
	free(recs);
	free(buf);
	race_end(_metadata, &self->r, &v);
}

/* Whether the page at @addr is swapped out, from /proc/self/pagemap. */
static bool page_swapped(unsigned long addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, &e, sizeof(e), addr / page * sizeof(e)) == sizeof(e);
	close(fd);
	return ok && (e >> 62 & 1);
}

static int kind_build(struct target *t)
{
	volatile char *p;
	cpu_set_t cpus;

	/*
	 * Stay on one CPU: a page swapped in waits in that CPU's LRU batch,
	 * and MADV_PAGEOUT drains only the batch of the CPU it runs on; a
	 * child that moved in between could not page it out (seen here while
	 * the reader kept the other CPU busy with ioctls).
	 */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	p = (volatile char *)map_region(1);
	if (!p)
		return errno ?: ENOMEM;
	t->base = (unsigned long)p;
	/* Does MADV_PAGEOUT swap here at all? */
	for (int i = 0; i < 20 && !t->swapped; i++) {
		p[0]++;
		madvise((void *)p, page, MADV_PAGEOUT);
		t->swapped = page_swapped(t->base);
		(void)p[1];
	}
	return 0;
}

/*
 * Write, page out, read back in: resident when it starts and ends.
 * MADV_PAGEOUT is best effort (seen here: whole runs of rounds in which it
 * did nothing, under TCG with KASAN), so it is repeated until the page is
 * out, a few times at most, and the rounds that swapped are counted.
 */
static void kind_churn(struct target *t)
{
	volatile char *p = (volatile char *)t->base;
	int i;

	p[0]++;
	for (i = 0; i < 8; i++) {
		madvise((void *)t->base, page, MADV_PAGEOUT);
		if (page_swapped(t->base)) {
			__atomic_add_fetch(&t->pageouts, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	(void)p[1];
}

FIXTURE(kind_change_never_empty) {
	struct race r;
};

FIXTURE_SETUP(kind_change_never_empty)
{
	char why[256];

	race_init(&self->r);
	ASSERT_NE(NULL, self->r.t);
	self->r.swap = setup_swap(self->r.dev, sizeof(self->r.dev), why,
				  sizeof(why));
	if (self->r.swap < 0)
		SKIP(return, "no swap: %s", why);
	if (self->r.swap)
		TH_LOG("swap on %s (zram, %s), set up for this test",
		       self->r.dev, ZRAM_SIZE);
	if (race_spawn(&self->r, kind_build, kind_churn)) {
		race_stop(&self->r);
		ASSERT_TRUE(false) TH_LOG("the target could not set up: %s",
					  strerror(self->r.t->err));
	}
	race_widen(_metadata, &self->r, MOVE_DELAY_KNOB, MOVE_DELAY_US);
}

FIXTURE_TEARDOWN(kind_change_never_empty)
{
	race_fini(&self->r);
}

/* The trial page-out of the target swapped its page, or SKIP. */
#define REQUIRE_PAGEOUT() do {						\
	if (!self->r.t->swapped)					\
		SKIP(return, "MADV_PAGEOUT did not swap the target's page out: the race cannot happen"); \
} while (0)

/* Both states were seen, or the race was not run: SKIP with the counts. */
#define REQUIRE_BOTH_KINDS(resident, swapped) do {			\
	TH_LOG("page seen resident %ld, swapped %ld times", (long)(resident), \
	       (long)(swapped));					\
	if (!(resident) || !(swapped))					\
		SKIP(return, "the page was never seen %s: the race was not exercised", \
		     (resident) ? "swapped" : "resident");		\
} while (0)

TEST_F_TIMEOUT(kind_change_never_empty, smaps, TRUST_TIMEOUT)
{
	unsigned long a = self->r.t->base;
	double end = now() + trust_seconds();
	struct verdict v = { .failed = false };
	long resident = 0, swapped = 0;
	struct smaps_vma *recs = NULL;
	char path[64], *buf = NULL;
	size_t cap = 0;
	int reads = 0;

	REQUIRE_PAGEOUT();
	snprintf(path, sizeof(path), "%ssmaps", self->r.dir);
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		ssize_t len = read_whole(path, &buf, &cap, 0);
		struct smaps_vma *r;
		long rss, swap;
		int n;

		CHECK(len >= 0, "read %s: %s", path, strerror(-len));
		n = parse_smaps(buf, &recs);
		CHECK(n > 0, "read %d: unparsable smaps", reads);
		r = smaps_find(recs, n, a);
		CHECK(r, "read %d: no record of %lx", reads, a);
		rss = smaps_get(r, "Rss");
		swap = smaps_get(r, "Swap");
		CHECK(r->start == a && r->end == a + page && rss >= 0 &&
		      swap >= 0 && rss + swap == page / 1024,
		      "read %d: '%s' Rss %ld kB Swap %ld kB Anonymous %ld kB: the page is not in exactly one",
		      reads, r->header, rss, swap, smaps_get(r, "Anonymous"));
		resident += rss > 0;
		swapped += swap > 0;
		free(recs);
		recs = NULL;
		reads++;
	}
out:
	TH_LOG("%d reads, %lu rounds, %lu of them swapped out", reads,
	       race_loops(&self->r),
	       __atomic_load_n(&self->r.t->pageouts, __ATOMIC_RELAXED));
	free(recs);
	free(buf);
	race_end(_metadata, &self->r, &v);
	REQUIRE_BOTH_KINDS(resident, swapped);
}

TEST_F_TIMEOUT(kind_change_never_empty, procmap_query, TRUST_TIMEOUT)
{
	unsigned long a = self->r.t->base;
	double end = now() + trust_seconds();
	long resident = 0, swapped = 0, queries = 0, eagain = 0;
	struct verdict v = { .failed = false };
	char path[64];
	int fd;

	REQUIRE_PAGEOUT();
	snprintf(path, sizeof(path), "%smaps", self->r.dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(!race_go(&self->r), "the target did not start");
	while (now() < end) {
		struct procmap_query q = {
			.size = sizeof(q),
			.query_flags = PROCMAP_QUERY_VMA_RSS,
			.query_addr = a,
		};
		int ret = ioctl(fd, PROCMAP_QUERY_6_11, &q);

		queries++;
		if (ret && errno == EAGAIN) {
			eagain++;
			continue;
		}
		CHECK(!ret, "query %ld: %s", queries, strerror(errno));
		CHECK(q.vma_start == a && q.vma_end == a + page &&
		      q.rss_anon + q.swap == (unsigned long)page,
		      "query %ld: %llx-%llx rss_anon %llu rss_file %llu rss_shmem %llu swap %llu: the page is not in exactly one",
		      queries, (unsigned long long)q.vma_start,
		      (unsigned long long)q.vma_end,
		      (unsigned long long)q.rss_anon,
		      (unsigned long long)q.rss_file,
		      (unsigned long long)q.rss_shmem,
		      (unsigned long long)q.swap);
		resident += q.rss_anon > 0;
		swapped += q.swap > 0;
	}
	CHECK(2 * eagain <= queries,
	      "%ld of %ld queries got EAGAIN: more than half", eagain, queries);
out:
	TH_LOG("%ld queries, %ld EAGAIN, %lu rounds, %lu of them swapped out",
	       queries, eagain, race_loops(&self->r),
	       __atomic_load_n(&self->r.t->pageouts, __ATOMIC_RELAXED));
	if (fd >= 0)
		close(fd);
	race_end(_metadata, &self->r, &v);
	REQUIRE_BOTH_KINDS(resident, swapped);
}

TEST_F_TIMEOUT(kind_change_never_empty, smaps_rollup, TRUST_TIMEOUT)
{
	long base_rss, base_swap, rss, swap, resident = 0, swapped = 0;
	struct verdict v = { .failed = false };
	char path[64], header[512], *buf = NULL;
	size_t cap = 0;
	int reads = 0;
	double end;

	REQUIRE_PAGEOUT();
	snprintf(path, sizeof(path), "%ssmaps_rollup", self->r.dir);
	/* Quiescent, the page resident: Rss + Swap stays this. */
	base_rss = rollup_baseline(path, &base_swap);
	CHECK(base_rss >= page / 1024,
	      "no stable Rss of the quiescent target (%ld kB)", base_rss);
	CHECK(!race_go(&self->r), "the target did not start");
	end = now() + trust_seconds();
	while (now() < end) {
		CHECK(!rollup_read(path, &buf, &cap, &rss, &swap, header,
				   sizeof(header)),
		      "read %d: unparsable smaps_rollup", reads);
		CHECK(rss + swap == base_rss + base_swap,
		      "read %d: '%s' Rss %ld kB + Swap %ld kB, quiescent %ld + %ld kB",
		      reads, header, rss, swap, base_rss, base_swap);
		resident += swap == base_swap;
		swapped += swap > base_swap;
		reads++;
	}
out:
	TH_LOG("%d reads, %lu rounds, %lu of them swapped out", reads,
	       race_loops(&self->r),
	       __atomic_load_n(&self->r.t->pageouts, __ATOMIC_RELAXED));
	free(buf);
	race_end(_metadata, &self->r, &v);
	REQUIRE_BOTH_KINDS(resident, swapped);
}

TEST_HARNESS_MAIN
