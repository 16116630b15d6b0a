// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/smaps, smaps_rollup and the Rss lines of /proc/PID/status,
 * checked against an independent page walk done in userspace with
 * /proc/PID/pagemap, /proc/kpageflags and /proc/kpagecount.
 *
 * Each test starts a target: a child that re-executes a private copy of
 * this program (in /tmp), builds one kind of mapping, reports ready over a
 * pipe and blocks reading another pipe.  Re-executing gives the target an mm
 * that shares no anonymous page with the test process, which keeps running
 * (and so would break COW sharing under the oracle's feet); the private copy
 * keeps other processes running this program (other instances of the test)
 * from moving the mapcounts of the target's text.  If the copy cannot be
 * made, the target runs this file and the test process first maps all of
 * its own file pages, so that at least it takes no more faults on them.
 *
 * For every VMA of the target the oracle reads the pagemap entry of each
 * page and, for each present page, its kpageflags and kpagecount:
 *   Rss		present pages, less the shared zero page (smaps does not
 *			count it: vm_normal_page() is NULL for it)
 *   Anonymous		present pages with KPF_ANON (KSM pages have it too)
 *   Swap		swap entries (non-present)
 *   AnonHugePages	2 MiB-aligned runs of 512 present pages, all in one
 *			VMA, that are one anonymous PMD-sized THP: head at a
 *			512-aligned PFN, then 511 tails at consecutive PFNs
 *   Shared_*		pages with mapcount >= 2; Private_* the others
 *   Pss		4096 / mapcount per page, summed in the kernel's fixed
 *			point, compared within 1 kB
 * smaps must agree exactly (Pss within 1 kB); smaps_rollup's Rss, Anonymous,
 * Swap and AnonHugePages, and status's RssAnon+RssFile+RssShmem and RssAnon
 * must equal the sums.  The pagemap "exclusive" and "file" bits are checked
 * against kpagecount and kpageflags, as a check of the oracle's own inputs.
 * The fields the oracle cannot see (Referenced, LazyFree, Locked, the
 * clean/dirty split) are checked another way: on a CONFIG_DEBUG_VM kernel
 * with debugfs smaps/count_exclusive, smaps and smaps_rollup must read the
 * same with the bulk count of singly mapped small folios switched off.
 *
 * [vvar], [vdso] and [vsyscall] are skipped: pagemap reports the PFN-mapped
 * vvar pages present though smaps, rightly, does not count them.  Where a sum
 * covers these VMAs (rollup, status) it takes their values from smaps;
 * [vsyscall] is not in the mm at all, so no sum covers it.
 *
 * The system is not quiescent even if the target is (khugepaged, reclaim,
 * other processes mapping the same files), so a snapshot (smaps, walk,
 * rollup, status, walk, smaps) is retried until both smaps reads and both
 * walks agree; a stable disagreement with the oracle is a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>
#include "../kselftest_harness.h"
#include "smaps-util.h"

#define PAGE_SZ		4096UL
#define PMD_SZ		(2UL << 20)
#define PMD_PAGES	(PMD_SZ / PAGE_SZ)
#define PSS_SHIFT	12	/* as in fs/proc/task_mmu.c */

#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_FILE		(1ULL << 61)
#define PM_EXCLUSIVE	(1ULL << 56)
#define PM_PFN_MASK	((1ULL << 55) - 1)

#define KPF(name)	(1ULL << KPF_##name)

#define TARGET_ARG	"--smaps-oracle-target"
#define MAX_ADDR	8
#define SNAP_TRIES	10

/* What the target reports when it is ready. */
struct ready_msg {
	int err;			/* errno of a failed set-up step, or 0 */
	int extra_pid;			/* a grandchild to check as well, or 0 */
	int naddr;
	unsigned long addr[MAX_ADDR];	/* regions that must be resident */
	unsigned long zero_addr;	/* a read-only region backed by the zero page */
};

/* ---- target side: runs in the re-executed child ---- */

struct target_ctx {
	int ready_fd, go_fd;
};

static unsigned long sink;	/* keeps the reads of touch_read() */

static void target_send(struct target_ctx *c, struct ready_msg *m)
{
	if (write(c->ready_fd, m, sizeof(*m)) != sizeof(*m))
		_exit(1);
}

/* Block until the test says go (1) or closes the pipe (0). */
static int target_wait(struct target_ctx *c)
{
	ssize_t r;
	char b;

	do {
		r = read(c->go_fd, &b, 1);
	} while (r < 0 && errno == EINTR);
	return r == 1;
}

static void touch_write(char *p, size_t len, size_t stride, char val)
{
	for (size_t i = 0; i < len; i += stride)
		p[i] = val;
}

static void touch_read(const char *p, size_t len, size_t stride)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i += stride)
		sum += p[i];
	sink += sum;
}

static void add_addr(struct ready_msg *m, void *p)
{
	if (m->naddr < MAX_ADDR)
		m->addr[m->naddr++] = (unsigned long)p;
}

static char *map_anon(size_t len, int prot, int flags)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* 4 MiB private anon, 4K pages, all written; 1 MiB read-only, all read. */
static int build_anon_private(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 4 << 20;
	char *p = map_anon(sz, PROT_READ | PROT_WRITE, 0);
	char *z = map_anon(1 << 20, PROT_READ, 0);

	if (!p || !z)
		return -errno;
	madvise(p, sz, MADV_NOHUGEPAGE);
	madvise(z, 1 << 20, MADV_NOHUGEPAGE);
	touch_write(p, sz, PAGE_SZ, 1);
	touch_read(z, 1 << 20, PAGE_SZ);
	/* Old pages: Referenced below Rss (exclusive_compare()). */
	madvise(p, 1 << 20, MADV_COLD);
	add_addr(m, p);
	m->zero_addr = (unsigned long)z;
	return 0;
}

/* 4 MiB MAP_SHARED|MAP_ANONYMOUS (shmem), first half written. */
static int build_shared_anon(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 4 << 20;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	touch_write(p, sz / 2, PAGE_SZ, 1);
	add_addr(m, p);
	return 0;
}

/* Up to 1 MiB of /bin/busybox, MAP_PRIVATE read-only, every other page read. */
static int build_file_ro(struct target_ctx *c, struct ready_msg *m)
{
	int fd = open("/bin/busybox", O_RDONLY);
	struct stat st;
	size_t len;
	char *p;

	if (fd < 0)
		fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -errno;
	len = st.st_size & ~(PAGE_SZ - 1);
	if (len > (1 << 20))
		len = 1 << 20;
	if (!len)
		return -ENOENT;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	close(fd);
	touch_read(p, len, 2 * PAGE_SZ);
	add_addr(m, p);
	return 0;
}

/* 64 KiB file in /tmp, MAP_PRIVATE read-write: some pages COWed, some read. */
static int build_file_cow(struct target_ctx *c, struct ready_msg *m)
{
	char path[] = "/tmp/proc-smaps-oracle-XXXXXX";
	size_t sz = 64 << 10;
	char buf[4096];
	int fd = mkstemp(path);
	char *p;

	if (fd < 0)
		return -errno;
	memset(buf, 0x5a, sizeof(buf));
	for (size_t off = 0; off < sz; off += sizeof(buf)) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			unlink(path);
			return -EIO;
		}
	}
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	unlink(path);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	p[0] = 1;
	p[2 * PAGE_SZ] = 1;
	p[3 * PAGE_SZ] = 1;
	p[8 * PAGE_SZ] = 1;
	p[15 * PAGE_SZ] = 1;
	touch_read(p + 5 * PAGE_SZ, 1, 1);
	touch_read(p + 12 * PAGE_SZ, 1, 1);
	add_addr(m, p);
	return 0;
}

/* MAP_POPULATE: 2 MiB read-write (real pages), 1 MiB read-only (zero page). */
static int build_populate(struct target_ctx *c, struct ready_msg *m)
{
	char *p = map_anon(2 << 20, PROT_READ | PROT_WRITE, MAP_POPULATE);
	char *z = map_anon(1 << 20, PROT_READ, MAP_POPULATE);

	if (!p || !z)
		return -errno;
	add_addr(m, p);
	m->zero_addr = (unsigned long)z;
	return 0;
}

/*
 * 4 MiB, 2 MiB-aligned, MADV_HUGEPAGE, all written; after the first check,
 * one page in the middle of the first 2 MiB is made read-only, which splits
 * the VMA in three and that THP's PMD mapping, and leaves the second THP
 * PMD-mapped.
 */
static int build_thp(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 4 << 20, rawsz = sz + PMD_SZ;
	char *raw = map_anon(rawsz, PROT_READ | PROT_WRITE, 0);
	char *p;

	if (!raw)
		return -errno;
	p = (char *)(((unsigned long)raw + PMD_SZ - 1) & ~(PMD_SZ - 1));
	if (p > raw)
		munmap(raw, p - raw);
	if (raw + rawsz > p + sz)
		munmap(p + sz, raw + rawsz - (p + sz));
	madvise(p, sz, MADV_HUGEPAGE);
	touch_write(p, sz, PAGE_SZ, 1);
	add_addr(m, p);
	target_send(c, m);
	if (!target_wait(c))
		return 0;
	if (mprotect(p + (1 << 20), PAGE_SZ, PROT_READ))
		return -errno;
	return 0;
}

/*
 * 4 MiB written, then fork: the grandchild keeps the mapping and writes its
 * first half, so the first half is private in both, the second shared.
 */
static int build_cow_fork(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 4 << 20;
	char *p = map_anon(sz, PROT_READ | PROT_WRITE, 0);
	int nfd[2];
	pid_t g;
	char b;

	if (!p || pipe(nfd))
		return -errno;
	touch_write(p, sz, PAGE_SZ, 1);
	g = fork();
	if (g < 0)
		return -errno;
	if (g == 0) {
		close(nfd[0]);
		touch_write(p, sz / 2, PAGE_SZ, 2);
		if (write(nfd[1], "r", 1) != 1)
			_exit(1);
		while (target_wait(c))
			;
		_exit(0);
	}
	close(nfd[1]);
	m->extra_pid = g;
	if (read(nfd[0], &b, 1) != 1)
		return -EIO;
	close(nfd[0]);
	add_addr(m, p);
	return 0;
}

/* 2 MiB mlock()ed: populated by mlock itself, never touched. */
static int build_mlock(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 2 << 20;
	char *p = map_anon(sz, PROT_READ | PROT_WRITE, 0);

	if (!p || mlock(p, sz))
		return -errno;
	add_addr(m, p);
	return 0;
}

/* 4 MiB written, then MADV_DONTNEED of the middle 2 MiB. */
static int build_dontneed(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 4 << 20;
	char *p = map_anon(sz, PROT_READ | PROT_WRITE, 0);

	if (!p)
		return -errno;
	touch_write(p, sz, PAGE_SZ, 1);
	if (madvise(p + (1 << 20), 2 << 20, MADV_DONTNEED))
		return -errno;
	add_addr(m, p);
	return 0;
}

/* 4 MiB written, MADV_FREE of all of it, then the first 64 KiB written again. */
static int build_madv_free(struct target_ctx *c, struct ready_msg *m)
{
	size_t sz = 4 << 20;
	char *p = map_anon(sz, PROT_READ | PROT_WRITE, 0);

	if (!p)
		return -errno;
	touch_write(p, sz, PAGE_SZ, 1);
	if (madvise(p, sz, MADV_FREE))
		return -errno;
	touch_write(p, 64 << 10, PAGE_SZ, 2);
	add_addr(m, p);
	return 0;
}

/*
 * A written 1 MiB region grown to 2 MiB by mremap, which has to move it (a
 * PROT_NONE reservation follows it), then 256 KiB of the new part written;
 * another written 1 MiB region moved into the reservation (MREMAP_FIXED).
 */
static int build_mremap(struct target_ctx *c, struct ready_msg *m)
{
	size_t mib = 1 << 20;
	char *r = map_anon(8 * mib, PROT_NONE, MAP_NORESERVE);
	char *a, *g, *b, *mv;

	if (!r)
		return -errno;
	a = mmap(r, mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED)
		return -errno;
	touch_write(a, mib, PAGE_SZ, 1);
	g = mremap(a, mib, 2 * mib, MREMAP_MAYMOVE);
	if (g == MAP_FAILED)
		return -errno;
	touch_write(g + mib, 256 << 10, PAGE_SZ, 1);
	b = map_anon(mib, PROT_READ | PROT_WRITE, 0);
	if (!b)
		return -errno;
	touch_write(b, mib, PAGE_SZ, 1);
	mv = mremap(b, mib, mib, MREMAP_MAYMOVE | MREMAP_FIXED, r + 4 * mib);
	if (mv == MAP_FAILED)
		return -errno;
	add_addr(m, g);
	add_addr(m, mv);
	return 0;
}

static const struct {
	const char *name;
	int (*build)(struct target_ctx *c, struct ready_msg *m);
} builders[] = {
	{ "anon_private", build_anon_private },
	{ "shared_anon", build_shared_anon },
	{ "file_ro", build_file_ro },
	{ "file_cow", build_file_cow },
	{ "populate", build_populate },
	{ "thp", build_thp },
	{ "cow_fork", build_cow_fork },
	{ "mlock", build_mlock },
	{ "dontneed", build_dontneed },
	{ "madv_free", build_madv_free },
	{ "mremap", build_mremap },
};

static int target_main(const char *kind, int ready_fd, int go_fd)
{
	struct target_ctx c = { .ready_fd = ready_fd, .go_fd = go_fd };
	struct ready_msg m;
	int err = -EINVAL;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < ARRAY_SIZE(builders); i++)
		if (!strcmp(builders[i].name, kind))
			err = builders[i].build(&c, &m);
	m.err = err < 0 ? -err : 0;
	target_send(&c, &m);
	while (target_wait(&c))
		;
	if (m.extra_pid > 0)
		waitpid(m.extra_pid, NULL, 0);
	return 0;
}

/* ---- test side ---- */

struct target {
	pid_t pid;
	int ready_fd, go_fd;
	char exe[64];		/* private copy of this program, or "" */
	struct ready_msg msg;
};

/*
 * Copy this program to @path, so that the target's text is page cache that
 * no other process maps (other instances of this test would otherwise move
 * its mapcounts all the time).
 */
static int copy_self(char *path, size_t len)
{
	int in = open("/proc/self/exe", O_RDONLY), out;
	char buf[65536];
	ssize_t n = -1;

	snprintf(path, len, "/tmp/proc-smaps-oracle-exe-XXXXXX");
	out = in >= 0 ? mkstemp(path) : -1;
	if (out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n) {
				n = -1;
				break;
			}
		if (fchmod(out, 0700))
			n = -1;
		close(out);
		if (n)
			unlink(path);
	}
	if (in >= 0)
		close(in);
	if (out < 0 || n)
		path[0] = '\0';
	return path[0] ? 0 : -1;
}

static int target_start(struct target *t, const char *kind)
{
	char rs[16], gs[16];
	int rp[2], gp[2];

	/*
	 * If the copy fails the target runs this very file: then map every
	 * page of our own mappings now, so that from here on we take no fault
	 * on the page cache that the target maps too.
	 */
	if (copy_self(t->exe, sizeof(t->exe)) && !mlockall(MCL_CURRENT))
		munlockall();
	if (pipe2(rp, O_CLOEXEC) || pipe2(gp, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		fcntl(rp[1], F_SETFD, 0);
		fcntl(gp[0], F_SETFD, 0);
		snprintf(rs, sizeof(rs), "%d", rp[1]);
		snprintf(gs, sizeof(gs), "%d", gp[0]);
		if (t->exe[0])
			execl(t->exe, "proc-smaps-oracle", TARGET_ARG, kind, rs, gs, (char *)NULL);
		execl("/proc/self/exe", "proc-smaps-oracle", TARGET_ARG, kind, rs, gs,
		      (char *)NULL);
		_exit(127);
	}
	close(rp[1]);
	close(gp[0]);
	t->ready_fd = rp[0];
	t->go_fd = gp[1];
	return 0;
}

static int target_ready(struct target *t)
{
	size_t got = 0;
	ssize_t r;

	while (got < sizeof(t->msg)) {
		r = read(t->ready_fd, (char *)&t->msg + got, sizeof(t->msg) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int target_step(struct target *t)
{
	return write(t->go_fd, "g", 1) == 1 ? 0 : -1;
}

static int target_stop(struct target *t)
{
	int status = -1;

	close(t->go_fd);
	close(t->ready_fd);
	waitpid(t->pid, &status, 0);
	return status;
}

/* Per-VMA result of the page walk; counts are pages. */
struct oracle {
	unsigned long rss, anon, swap, ahp, shared, priv, zero;
	unsigned long long pss;		/* bytes << PSS_SHIFT, as the kernel sums it */
	unsigned long inconsistent;	/* pagemap bits disagreeing with kpage* */
	unsigned long first_inconsistent;
};

/* A small read-ahead window over /proc/kpageflags or /proc/kpagecount. */
struct kpage_file {
	int fd;
	unsigned long base;
	long n;
	uint64_t buf[32];
};

static uint64_t kpage_get(struct kpage_file *k, unsigned long pfn, uint64_t dflt)
{
	if (pfn < k->base || pfn >= k->base + k->n) {
		ssize_t r = pread(k->fd, k->buf, sizeof(k->buf), pfn * sizeof(uint64_t));

		k->base = pfn;
		k->n = r > 0 ? r / (ssize_t)sizeof(uint64_t) : 0;
		if (!k->n)
			return dflt;
	}
	return k->buf[pfn - k->base];
}

struct walker {
	int pagemap;
	struct kpage_file flags, count;
};

static int walker_open(struct walker *w, pid_t pid)
{
	char path[64];

	memset(w, 0, sizeof(*w));
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	w->pagemap = open(path, O_RDONLY);
	w->flags.fd = open("/proc/kpageflags", O_RDONLY);
	w->count.fd = open("/proc/kpagecount", O_RDONLY);
	if (w->pagemap >= 0 && w->flags.fd >= 0 && w->count.fd >= 0)
		return 0;
	close(w->pagemap);
	close(w->flags.fd);
	close(w->count.fd);
	return -1;
}

static void walker_close(struct walker *w)
{
	close(w->pagemap);
	close(w->flags.fd);
	close(w->count.fd);
}

/* Is the aligned run of PMD_PAGES pages at @pm/@fl one PMD-sized anon THP? */
static bool is_pmd_thp(const uint64_t *pm, const uint64_t *fl)
{
	uint64_t pfn0 = pm[0] & PM_PFN_MASK;
	uint64_t want = KPF(THP) | KPF(ANON);

	if (pfn0 % PMD_PAGES)
		return false;
	for (unsigned long i = 0; i < PMD_PAGES; i++) {
		uint64_t part = i ? KPF(COMPOUND_TAIL) : KPF(COMPOUND_HEAD);

		if (!(pm[i] & PM_PRESENT) || (pm[i] & PM_PFN_MASK) != pfn0 + i)
			return false;
		if ((fl[i] & (want | part | KPF(ZERO_PAGE))) != (want | part))
			return false;
	}
	return true;
}

static int oracle_vma(struct walker *w, unsigned long start, unsigned long end,
		      struct oracle *o)
{
	unsigned long n = (end - start) / PAGE_SZ, first;
	uint64_t *pm = malloc(n * sizeof(*pm)), *fl = calloc(n, sizeof(*fl));
	size_t got = 0, want = n * sizeof(*pm);
	int ret = -1;

	memset(o, 0, sizeof(*o));
	if (!pm || !fl)
		goto out;
	while (got < want) {
		ssize_t r = pread(w->pagemap, (char *)pm + got, want - got,
				  (start / PAGE_SZ) * sizeof(*pm) + got);

		if (r <= 0)
			goto out;
		got += r;
	}
	for (unsigned long i = 0; i < n; i++) {
		uint64_t e = pm[i], cnt;
		bool anon;

		if (!(e & PM_PRESENT)) {
			if (e & PM_SWAP)
				o->swap++;
			continue;
		}
		fl[i] = kpage_get(&w->flags, e & PM_PFN_MASK, KPF(NOPAGE));
		if (fl[i] & KPF(ZERO_PAGE)) {
			o->zero++;
			continue;
		}
		cnt = kpage_get(&w->count, e & PM_PFN_MASK, 0);
		anon = fl[i] & KPF(ANON);
		o->rss++;
		if (anon)
			o->anon++;
		if (cnt >= 2) {
			o->shared++;
			o->pss += (PAGE_SZ << PSS_SHIFT) / cnt;
		} else {
			o->priv++;
			o->pss += PAGE_SZ << PSS_SHIFT;
		}
		if (!!(e & PM_EXCLUSIVE) != (cnt == 1) || !!(e & PM_FILE) == anon) {
			if (!o->inconsistent++)
				o->first_inconsistent = start + i * PAGE_SZ;
		}
	}
	/*
	 * pagemap cannot tell a PMD mapping from 512 PTEs mapping a whole THP;
	 * none of the tests leaves a whole THP PTE-mapped at an aligned address
	 * inside one VMA (the mprotect split puts a VMA boundary inside it).
	 */
	first = (start + PMD_SZ - 1) & ~(PMD_SZ - 1);
	for (unsigned long va = first; va >= start && va + PMD_SZ <= end; va += PMD_SZ) {
		unsigned long i = (va - start) / PAGE_SZ;

		if (is_pmd_thp(pm + i, fl + i))
			o->ahp += PMD_PAGES;
	}
	ret = 0;
out:
	free(pm);
	free(fl);
	return ret;
}

enum vma_class { VMA_NORMAL, VMA_SPECIAL, VMA_GATE };

static enum vma_class vma_class(const char *header)
{
	if (strstr(header, " [vsyscall]"))
		return VMA_GATE;
	if (strstr(header, " [vdso]") || strstr(header, " [vvar"))
		return VMA_SPECIAL;
	return VMA_NORMAL;
}

static unsigned long vma_inode(const char *header)
{
	unsigned long ino;

	if (sscanf(header, "%*x-%*x %*s %*x %*x:%*x %lu", &ino) != 1)
		return 0;
	return ino;
}

static long status_kb(const char *text, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s:", name);
	p = strstr(text, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

struct snap {
	char *text;		/* smaps, split in place by parse_smaps() */
	struct smaps_vma *v;
	int n;
	struct oracle *o;
	char *rtext;		/* smaps_rollup */
	struct smaps_vma *roll;
	long rss_anon, rss_file, rss_shmem;
};

static void snap_free(struct snap *s)
{
	free(s->text);
	free(s->v);
	free(s->o);
	free(s->rtext);
	free(s->roll);
	memset(s, 0, sizeof(*s));
}

/* Walk every ordinary VMA of @s into @o (one entry per VMA). */
static int walk_all(pid_t pid, struct snap *s, struct oracle *o)
{
	struct walker w;
	int ret = 0;

	if (walker_open(&w, pid))
		return -1;
	for (int i = 0; i < s->n && !ret; i++)
		if (vma_class(s->v[i].header) == VMA_NORMAL)
			ret = oracle_vma(&w, s->v[i].start, s->v[i].end, &o[i]);
	walker_close(&w);
	return ret;
}

/*
 * smaps, the walk, smaps_rollup, status, the walk again, smaps again.
 * 0: consistent (both smaps reads and both walks alike); 1: something
 * changed meanwhile; -1: error.
 */
static int snap_take(pid_t pid, struct snap *s)
{
	char path[64], *copy = NULL, *again = NULL, *status = NULL;
	struct oracle *o2 = NULL;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	s->text = read_file(path, NULL);
	if (!s->text)
		goto out;
	copy = strdup(s->text);
	s->n = parse_smaps(s->text, &s->v);
	if (!copy || s->n <= 0)
		goto out;
	s->o = calloc(s->n, sizeof(*s->o));
	o2 = calloc(s->n, sizeof(*o2));
	if (!s->o || !o2 || walk_all(pid, s, s->o))
		goto out;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	s->rtext = read_file(path, NULL);
	if (!s->rtext || parse_smaps(s->rtext, &s->roll) != 1)
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = read_file(path, NULL);
	if (!status)
		goto out;
	s->rss_anon = status_kb(status, "RssAnon");
	s->rss_file = status_kb(status, "RssFile");
	s->rss_shmem = status_kb(status, "RssShmem");
	if (s->rss_anon < 0 || s->rss_file < 0 || s->rss_shmem < 0)
		goto out;

	if (walk_all(pid, s, o2))
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	again = read_file(path, NULL);
	if (again)
		ret = strcmp(copy, again) || memcmp(s->o, o2, s->n * sizeof(*o2)) ? 1 : 0;
out:
	free(copy);
	free(again);
	free(status);
	free(o2);
	return ret;
}

static long get2(const struct smaps_vma *v, const char *a, const char *b)
{
	long x = smaps_get(v, a), y = smaps_get(v, b);

	return x < 0 || y < 0 ? -1 : x + y;
}

static void check_field(struct __test_metadata *_metadata, pid_t pid, const char *header,
			const char *field, long smaps, long oracle, long tol)
{
	bool match = smaps >= 0 && smaps - oracle <= tol && oracle - smaps <= tol;

	EXPECT_TRUE(match)
		TH_LOG("pid %d VMA \"%s\": %s smaps %ld kB, oracle %ld kB",
		       pid, header, field, smaps, oracle);
}

/*
 * With per-VMA rss counters and CONFIG_DEBUG_VM, the kernel checks each VMA's
 * counters of @pid against its own walk (see proc-sideband.c): they must
 * agree for every kind of mapping set up here too.
 */
static void sideband_verify(struct __test_metadata *_metadata, pid_t pid)
{
	int err = vma_rss_verify(pid);

	if (err == -ENODEV)
		return;		/* a kernel without the counters */
	EXPECT_EQ(0, err)
		TH_LOG("pid %d: per-VMA rss counters differ from a walk: %s", pid, strerror(-err));
}

/*
 * The per-VMA counters of PROCMAP_QUERY_VMA_RSS against the oracle: pagemap
 * shows exactly the swap entries the counters hold (no shmem file swap).
 * A kernel without them (EINVAL) is checked only if it has vma_rss.
 */
static void query_compare(struct __test_metadata *_metadata, pid_t pid, int maps_fd,
			  const struct smaps_vma *v, const struct oracle *o)
{
	struct procmap_query q;
	int err = query_rss(maps_fd, v->start, &q);

	if (err == -EINVAL && access("/sys/kernel/debug/vma_rss", F_OK))
		return;
	ASSERT_EQ(0, err) TH_LOG("pid %d: PROCMAP_QUERY_VMA_RSS at %#lx: %s", pid, v->start,
				 strerror(-err));
	ASSERT_EQ(v->start, q.vma_start);
	check_field(_metadata, pid, v->header, "query rss", (q.rss_anon + q.rss_file + q.rss_shmem) >> 10,
		    o->rss * 4, 0);
	check_field(_metadata, pid, v->header, "query rss_anon", q.rss_anon >> 10, o->anon * 4, 0);
	check_field(_metadata, pid, v->header, "query anon_huge", q.anon_huge >> 10, o->ahp * 4, 0);
	check_field(_metadata, pid, v->header, "query swap", q.swap >> 10, o->swap * 4, 0);
}

/* The counters of all VMAs add up to /proc/PID/status RssAnon/RssFile/RssShmem. */
static void query_sums(struct __test_metadata *_metadata, pid_t pid, int maps_fd,
		       const struct snap *s)
{
	unsigned long long anon = 0, file = 0, shmem = 0;
	struct procmap_query q;
	unsigned long addr = 0;
	int err;

	while (!(err = query_rss(maps_fd, addr, &q))) {
		anon += q.rss_anon;
		file += q.rss_file;
		shmem += q.rss_shmem;
		addr = q.vma_end;
	}
	if (err == -EINVAL && access("/sys/kernel/debug/vma_rss", F_OK))
		return;
	EXPECT_EQ(-ENOENT, err) TH_LOG("pid %d: PROCMAP_QUERY_VMA_RSS: %s", pid, strerror(-err));
	EXPECT_EQ(s->rss_anon, (long)(anon >> 10)) TH_LOG("pid %d: RssAnon vs VMA counters", pid);
	EXPECT_EQ(s->rss_file, (long)(file >> 10)) TH_LOG("pid %d: RssFile vs VMA counters", pid);
	EXPECT_EQ(s->rss_shmem, (long)(shmem >> 10)) TH_LOG("pid %d: RssShmem vs VMA counters", pid);
}

static void snap_compare(struct __test_metadata *_metadata, pid_t pid, struct snap *s)
{
	long rss = 0, anon = 0, swap = 0, ahp = 0;
	bool skip_file_swap = swap_active();
	struct smaps_vma *r = s->roll;
	char maps_path[64];
	int maps_fd;

	snprintf(maps_path, sizeof(maps_path), "/proc/%d/maps", pid);
	maps_fd = open(maps_path, O_RDONLY);
	ASSERT_LE(0, maps_fd) TH_LOG("%s: %s", maps_path, strerror(errno));

	for (int i = 0; i < s->n; i++) {
		const struct smaps_vma *v = &s->v[i];
		const struct oracle *o = &s->o[i];
		const char *h = v->header;
		long sswap = smaps_get(v, "Swap");

		switch (vma_class(h)) {
		case VMA_GATE:
			continue;
		case VMA_SPECIAL:
			rss += smaps_get(v, "Rss");
			anon += smaps_get(v, "Anonymous");
			swap += sswap;
			ahp += smaps_get(v, "AnonHugePages");
			continue;
		case VMA_NORMAL:
			break;
		}
		query_compare(_metadata, pid, maps_fd, v, o);
		check_field(_metadata, pid, h, "Rss", smaps_get(v, "Rss"), o->rss * 4, 0);
		check_field(_metadata, pid, h, "Anonymous", smaps_get(v, "Anonymous"),
			    o->anon * 4, 0);
		/*
		 * smaps counts shmem pages swapped out of the page cache from the
		 * shmem file's swap accounting; pagemap shows no entry for them.
		 * With a swap device, Swap of file-backed VMAs is not derivable.
		 */
		if (skip_file_swap && vma_inode(h))
			swap += sswap;
		else
			check_field(_metadata, pid, h, "Swap", sswap, o->swap * 4, 0);
		check_field(_metadata, pid, h, "AnonHugePages", smaps_get(v, "AnonHugePages"),
			    o->ahp * 4, 0);
		check_field(_metadata, pid, h, "Shared_Clean+Shared_Dirty",
			    get2(v, "Shared_Clean", "Shared_Dirty"), o->shared * 4, 0);
		check_field(_metadata, pid, h, "Private_Clean+Private_Dirty",
			    get2(v, "Private_Clean", "Private_Dirty"), o->priv * 4, 0);
		check_field(_metadata, pid, h, "Pss", smaps_get(v, "Pss"),
			    o->pss >> (PSS_SHIFT + 10), 1);
		EXPECT_EQ(0, o->inconsistent)
			TH_LOG("pid %d VMA \"%s\": %lu pagemap excl/file bits off, 1st %#lx",
			       pid, h, o->inconsistent, o->first_inconsistent);
		rss += o->rss * 4;
		anon += o->anon * 4;
		if (!(skip_file_swap && vma_inode(h)))
			swap += o->swap * 4;
		ahp += o->ahp * 4;
	}
	check_field(_metadata, pid, "[rollup]", "Rss", smaps_get(r, "Rss"), rss, 0);
	check_field(_metadata, pid, "[rollup]", "Anonymous", smaps_get(r, "Anonymous"), anon, 0);
	check_field(_metadata, pid, "[rollup]", "Swap", smaps_get(r, "Swap"), swap, 0);
	check_field(_metadata, pid, "[rollup]", "AnonHugePages", smaps_get(r, "AnonHugePages"),
		    ahp, 0);
	EXPECT_EQ(rss, s->rss_anon + s->rss_file + s->rss_shmem)
		TH_LOG("pid %d status RssAnon %ld + RssFile %ld + RssShmem %ld, oracle Rss %ld kB",
		       pid, s->rss_anon, s->rss_file, s->rss_shmem, rss);
	EXPECT_EQ(anon, s->rss_anon)
		TH_LOG("pid %d status RssAnon %ld kB, oracle Anonymous %ld kB",
		       pid, s->rss_anon, anon);
	query_sums(_metadata, pid, maps_fd, s);
	close(maps_fd);
}

/*
 * Check every VMA of @pid against the oracle; check that the regions of @m
 * are there, resident, and (zero_addr) backed by the zero page only.  The
 * oracle's sums over the regions' VMAs go to @sum if not NULL.
 */
/*
 * Set debugfs smaps/count_exclusive (CONFIG_DEBUG_VM kernels of this series)
 * to @on; returns -ENODEV if the kernel has no such switch.
 */
static int set_count_exclusive(bool on)
{
	int fd = open("/sys/kernel/debug/smaps/count_exclusive", O_WRONLY), ret = 0;

	if (fd < 0)
		return -ENODEV;
	if (write(fd, on ? "Y" : "N", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* smaps and smaps_rollup of @pid, one after the other, in one string. */
static char *read_both(pid_t pid)
{
	char smaps[64], rollup[64];

	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps", pid);
	snprintf(rollup, sizeof(rollup), "/proc/%d/smaps_rollup", pid);
	return read_smaps_and_rollup(smaps, rollup);
}

/*
 * smaps counts the pages it can (small folios mapped once) in bulk, and the
 * others one by one through smaps_account().  With the bulk count switched
 * off, every page goes the second way: smaps and smaps_rollup must read the
 * same, field by field.  Retried until the two reads with it on agree (the
 * system is not quiescent: see the top of this file).
 */
static void exclusive_compare(struct __test_metadata *_metadata, pid_t pid)
{
	char *on = NULL, *off = NULL, *again = NULL;
	int err = 0, same = 0;

	for (int try = 0; try < SNAP_TRIES && !same; try++) {
		free(on);
		free(off);
		free(again);
		on = read_both(pid);
		err = set_count_exclusive(false);
		off = err ? NULL : read_both(pid);
		if (set_count_exclusive(true) && !err)
			err = -EIO;
		again = err ? NULL : read_both(pid);
		if (err)
			break;
		ASSERT_TRUE(on && off && again) TH_LOG("pid %d: cannot read smaps", pid);
		same = !strcmp(on, again);
	}
	if (err == -ENODEV) {
		TH_LOG("no debugfs smaps/count_exclusive: bulk count not compared");
		goto out;
	}
	ASSERT_EQ(0, err) TH_LOG("cannot set smaps/count_exclusive: %s", strerror(-err));
	ASSERT_TRUE(same) TH_LOG("pid %d: smaps never stable across two reads", pid);
	EXPECT_STREQ(on, off) TH_LOG("pid %d: smaps differs with the bulk count off", pid);
out:
	free(on);
	free(off);
	free(again);
}

static void check_pid(struct __test_metadata *_metadata, pid_t pid,
		      const struct ready_msg *m, struct oracle *sum)
{
	struct snap s;
	int r = -1;

	for (int try = 0; try < SNAP_TRIES; try++) {
		r = snap_take(pid, &s);
		if (r <= 0)
			break;
		snap_free(&s);
		usleep(20000);
	}
	ASSERT_EQ(0, r) TH_LOG("pid %d: %s", pid, r < 0 ? "cannot read its /proc files" :
			       "smaps never stable across a page walk");
	snap_compare(_metadata, pid, &s);
	sideband_verify(_metadata, pid);
	exclusive_compare(_metadata, pid);

	if (sum)
		memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < s.n; i++) {
		bool mine = false;

		for (int j = 0; j < m->naddr; j++)
			if (s.v[i].start < m->addr[j] + PAGE_SZ && m->addr[j] < s.v[i].end)
				mine = true;
		if (mine && sum) {
			sum->rss += s.o[i].rss;
			sum->anon += s.o[i].anon;
			sum->ahp += s.o[i].ahp;
			sum->shared += s.o[i].shared;
			sum->priv += s.o[i].priv;
			sum->pss += s.o[i].pss;
		}
	}
	for (int j = 0; j < m->naddr; j++) {
		struct smaps_vma *v = smaps_find(s.v, s.n, m->addr[j]);

		EXPECT_NE(NULL, v) TH_LOG("pid %d: no VMA at %#lx", pid, m->addr[j]);
		if (v)
			EXPECT_LT(0, s.o[v - s.v].rss)
				TH_LOG("pid %d VMA \"%s\" not resident", pid, v->header);
	}
	if (m->zero_addr) {
		struct smaps_vma *v = smaps_find(s.v, s.n, m->zero_addr);

		EXPECT_NE(NULL, v) TH_LOG("pid %d: no VMA at %#lx", pid, m->zero_addr);
		if (v) {
			EXPECT_LT(0, s.o[v - s.v].zero)
				TH_LOG("pid %d VMA \"%s\": no zero page seen", pid, v->header);
			EXPECT_EQ(0, smaps_get(v, "Rss"))
				TH_LOG("pid %d VMA \"%s\": zero page counted", pid, v->header);
		}
	}
	snap_free(&s);
}

static void start_target(struct __test_metadata *_metadata, struct target *t, const char *kind)
{
	int started = target_start(t, kind), ready = started ? -1 : target_ready(t);

	/* Running, the target keeps its copy of the program; the name can go. */
	if (t->exe[0])
		unlink(t->exe);
	ASSERT_EQ(0, started);
	ASSERT_EQ(0, ready) TH_LOG("target %s died while setting up", kind);
	ASSERT_EQ(0, t->msg.err) TH_LOG("target %s set-up: %s", kind, strerror(t->msg.err));
}

static void stop_target(struct __test_metadata *_metadata, struct target *t)
{
	int status = target_stop(t);

	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("target exit status %#x", status);
}

/* Start @kind, check the target (and a grandchild it reports), stop it. */
static void run_kind(struct __test_metadata *_metadata, const char *kind)
{
	struct target t;

	start_target(_metadata, &t, kind);
	check_pid(_metadata, t.pid, &t.msg, NULL);
	if (t.msg.extra_pid > 0)
		check_pid(_metadata, t.msg.extra_pid, &t.msg, NULL);
	stop_target(_metadata, &t);
}

TEST(anon_private)
{
	run_kind(_metadata, "anon_private");
}

TEST(shared_anon)
{
	run_kind(_metadata, "shared_anon");
}

TEST(file_private_read)
{
	run_kind(_metadata, "file_ro");
}

TEST(file_private_cow)
{
	run_kind(_metadata, "file_cow");
}

TEST(map_populate)
{
	run_kind(_metadata, "populate");
}

TEST(mlocked_anon)
{
	run_kind(_metadata, "mlock");
}

TEST(madv_dontneed)
{
	run_kind(_metadata, "dontneed");
}

TEST(madv_free)
{
	run_kind(_metadata, "madv_free");
}

TEST(mremap_move_grow)
{
	run_kind(_metadata, "mremap");
}

/* Child and grandchild after fork + COW of half the region: both checked. */
TEST(cow_after_fork)
{
	struct oracle child, grandchild;
	struct target t;

	start_target(_metadata, &t, "cow_fork");
	ASSERT_LT(0, t.msg.extra_pid);
	check_pid(_metadata, t.pid, &t.msg, &child);
	check_pid(_metadata, t.msg.extra_pid, &t.msg, &grandchild);
	/* The set-up must have left both private and shared pages. */
	EXPECT_LT(0, child.shared);
	EXPECT_LT(0, child.priv);
	EXPECT_LT(0, grandchild.shared);
	EXPECT_LT(0, grandchild.priv);
	stop_target(_metadata, &t);
}

/* MADV_HUGEPAGE region, then split by mprotect of one page: checked both times. */
TEST(thp_then_split)
{
	unsigned long p, mid;
	struct oracle sum;
	struct target t;
	struct smaps_vma *v, *vma;
	char path[64], *text;
	int n;

	start_target(_metadata, &t, "thp");
	p = t.msg.addr[0];
	check_pid(_metadata, t.pid, &t.msg, &sum);
	if (!sum.ahp)
		TH_LOG("no PMD-mapped THP (THP off or none free); oracle checked all the same");

	ASSERT_EQ(0, target_step(&t));
	ASSERT_EQ(0, target_ready(&t));
	ASSERT_EQ(0, t.msg.err) TH_LOG("mprotect: %s", strerror(t.msg.err));
	mid = p + (1 << 20);
	snprintf(path, sizeof(path), "/proc/%d/smaps", t.pid);
	text = read_file(path, NULL);
	ASSERT_NE(NULL, text);
	n = parse_smaps(text, &v);
	vma = smaps_find(v, n, mid);
	ASSERT_NE(NULL, vma);
	EXPECT_EQ(mid, vma->start);
	EXPECT_EQ(mid + PAGE_SZ, vma->end);
	free(v);
	free(text);
	check_pid(_metadata, t.pid, &t.msg, &sum);
	stop_target(_metadata, &t);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], TARGET_ARG))
		return target_main(argv[2], atoi(argv[3]), atoi(argv[4]));
	return test_harness_run(argc, argv);
}
