// SPDX-License-Identifier: GPL-2.0
/*
 * PROCMAP_SCAN: many VMAs of /proc/PID/maps in one ioctl.
 *
 * Every test scans a child that built a varied address space and stopped
 * itself, and checks the records against sources that do not go through
 * the scan: the text of /proc/PID/maps and /proc/PID/smaps, PROCMAP_QUERY,
 * and what the child is known to have mapped and touched.
 *
 * - scan_matches_query_and_maps: one call over the whole address space
 *   returns the VMAs sorted and disjoint, one for each line of maps with
 *   its start, end, permissions, offset, device and inode; each record is
 *   what PROCMAP_QUERY returns for its VMA; the page size is smaps'
 *   KernelPageSize; with PROCMAP_QUERY_VMA_RSS the rss fields are smaps'
 *   Rss, Anonymous, Swap, AnonHugePages, FilePmdMapped and ShmemPmdMapped,
 *   and the child's own regions hold what it put there.
 * - resume: scans with room for 1, 2, 7 and 64 records, each resumed at
 *   walk_end, give the list of the single call; a full vector ends
 *   walk_end at its last VMA; a filtered scan resumes the same way.
 * - range_and_filters: [start, end) in the middle of VMAs takes the VMAs
 *   that overlap it, not one that starts at end or ends at start; each
 *   filter flag gives exactly the records of the full list that have it;
 *   without PROCMAP_QUERY_VMA_RSS the rss fields are zero.
 * - rec_size: records of 112, 128 and 4096 bytes lie at that stride, the
 *   kernel zeroes each past 112 bytes and writes nothing past the last.
 * - bad_input: each bad argument gets its documented error, a size larger
 *   than the kernel's struct is fine with a zero tail, an unaligned vector
 *   works, a reaped process gives ESRCH and another proc file ENOTTY.
 * - permission: opening another user's maps fails with EACCES (as root).
 *
 * A kernel without the ioctl (ENOTTY) skips every test; one without
 * PROCMAP_QUERY_VMA_RSS (EINVAL) skips the rss checks.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/fs.h>

/*
 * Built with -Wextra, the harness warns of itself: its TEST() wrapper
 * leaves a parameter unused, and GCC sees its setjmp() clobber locals.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#include "../kselftest_harness.h"
#include "smaps-util.h"

#define PG		((unsigned long)getpagesize())
#define HPAGE_SZ	(2UL << 20)
#define MAX_RECS	4096
#define REC_SZ		PROCMAP_VMA_SIZE_VER0
#define SCAN_END	(~0ULL)
#define RSS_OFF		offsetof(struct procmap_vma, rss_anon)
#define FILL		0xa5

/* The child's regions, in pages (the THP region in bytes). */
#define ANON_PAGES	64
#define IDLE_PAGES	64
#define RESV_PAGES	256
#define FILE_PAGES	32
#define FILE_READ	16	/* pages read in the private file mapping */
#define FILE_COW	2	/* of which written */
#define SHM_PAGES	48
#define THP_LEN		(4UL << 20)
#define SMALL_PAGES	300
/* Room for all of them, their guards and the THP alignment, at any page size. */
#define AREA_LEN	((ANON_PAGES + IDLE_PAGES + RESV_PAGES + FILE_PAGES + \
			  SHM_PAGES + 2 * SMALL_PAGES + 64) * PG + THP_LEN + \
			  4 * HPAGE_SZ)

static_assert(sizeof(struct procmap_vma) == PROCMAP_VMA_SIZE_VER0, "procmap_vma");
static_assert(sizeof(struct procmap_scan_arg) == PROCMAP_SCAN_SIZE_VER0, "scan_arg");

/* A scan of [start, end) into @vec (MAX_RECS records, filled first). */
static int scan_big(int fd, __u64 flags, __u64 start, __u64 end,
		    struct procmap_vma *vec, __u64 *walk_end)
{
	memset(vec, FILL, MAX_RECS * sizeof(*vec));
	return scan(fd, flags, start, end, vec, MAX_RECS, REC_SZ, walk_end);
}

static int query(int fd, __u64 addr, __u64 flags, struct procmap_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_flags = flags;
	q->query_addr = addr;
	return ioctl(fd, PROCMAP_QUERY, q) ? -errno : 0;
}

/*
 * Whether this kernel has the ioctl (0, or -ENOTTY) and the rss flag, on
 * /proc/self/maps.
 */
static int probe_scan(bool *rss)
{
	struct procmap_vma rec;
	int fd = open("/proc/self/maps", O_RDONLY), ret;

	*rss = false;
	if (fd < 0)
		return -errno;
	ret = scan(fd, 0, 0, SCAN_END, &rec, 1, REC_SZ, NULL);
	if (ret >= 0) {
		ret = scan(fd, PROCMAP_QUERY_VMA_RSS, 0, SCAN_END, &rec, 1, REC_SZ, NULL);
		*rss = ret >= 0;
		if (ret == -EINVAL)
			ret = 0;
	}
	close(fd);
	return ret < 0 ? ret : 0;
}

#define NO_SCAN	"no PROCMAP_SCAN (ENOTTY): kernel without the ioctl"

/* One line of /proc/PID/maps. */
struct maps_line {
	unsigned long start, end, offset, inode;
	unsigned int major, minor;
	char perms[8];
	char name[128];
};

/*
 * Parse maps text (split in place).  The gate VMA ([vsyscall]) is shown by
 * maps but is not in the mm: it is left out.  Returns the number of
 * lines, or -1.
 */
static int parse_maps(char *text, struct maps_line **out)
{
	int n = 0, cap = 256, pos;
	struct maps_line *m = malloc(cap * sizeof(*m));
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line && m;
	     line = strtok_r(NULL, "\n", &save)) {
		struct maps_line *l;

		if (n == cap) {
			cap *= 2;
			m = realloc(m, cap * sizeof(*m));
			if (!m)
				break;
		}
		l = &m[n];
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &l->start, &l->end,
			   l->perms, &l->offset, &l->major, &l->minor, &l->inode, &pos) != 7) {
			free(m);
			return -1;
		}
		snprintf(l->name, sizeof(l->name), "%s", line + pos);
		if (!strcmp(l->name, "[vsyscall]"))
			continue;
		n++;
	}
	if (!m)
		return -1;
	*out = m;
	return n;
}

static int read_maps(pid_t pid, struct maps_line **out)
{
	char path[64], *text;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	text = read_file(path, NULL);
	if (!text)
		return -1;
	n = parse_maps(text, out);
	free(text);
	return n;
}

static int read_smaps(pid_t pid, struct smaps_vma **out)
{
	char path[64], *text;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	text = read_file(path, NULL);
	if (!text)
		return -1;
	n = parse_smaps(text, out);
	free(text);
	return n;
}

static __u64 perms_to_flags(const char *perms)
{
	return (perms[0] == 'r' ? PROCMAP_QUERY_VMA_READABLE : 0) |
	       (perms[1] == 'w' ? PROCMAP_QUERY_VMA_WRITABLE : 0) |
	       (perms[2] == 'x' ? PROCMAP_QUERY_VMA_EXECUTABLE : 0) |
	       (perms[3] == 's' ? PROCMAP_QUERY_VMA_SHARED : 0);
}

/* maps shows a device and inode only for a VMA with a file. */
static bool maps_has_file(const struct maps_line *l)
{
	return l->major || l->minor || l->inode;
}

static const struct maps_line *maps_find(const struct maps_line *m, int n,
					 unsigned long start)
{
	for (int i = 0; i < n; i++)
		if (m[i].start == start)
			return &m[i];
	return NULL;
}

/* An smaps field in bytes, or ~0 if absent. */
static __u64 smaps_bytes(const struct smaps_vma *v, const char *name)
{
	long kb = smaps_get(v, name);

	return kb < 0 ? ~0ULL : (__u64)kb << 10;
}

static const char * const rss_fields[] = {
	"Rss", "Anonymous", "Swap", "AnonHugePages", "FilePmdMapped",
	"ShmemPmdMapped", "KernelPageSize",
};

/* The VMAs and the fields the rss counts stand for agree in @a and @b. */
static bool smaps_same(const struct smaps_vma *a, int na,
		       const struct smaps_vma *b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++) {
		if (a[i].start != b[i].start || a[i].end != b[i].end)
			return false;
		for (size_t f = 0; f < ARRAY_SIZE(rss_fields); f++)
			if (smaps_get(&a[i], rss_fields[f]) != smaps_get(&b[i], rss_fields[f]))
				return false;
	}
	return true;
}

static const struct procmap_vma *rec_find(const struct procmap_vma *v, int n,
					  unsigned long addr)
{
	for (int i = 0; i < n; i++)
		if (v[i].vma_start <= addr && addr < v[i].vma_end)
			return &v[i];
	return NULL;
}

/*
 * The child's address space, all in one PROT_NONE area so that no region
 * merges with another: a page of the area stays between any two.
 */
struct child_map {
	unsigned long anon;	/* private anonymous, every page written */
	unsigned long idle;	/* private anonymous, untouched */
	unsigned long resv;	/* PROT_NONE */
	unsigned long file;	/* private file: FILE_READ read, FILE_COW written */
	unsigned long sfile;	/* shared read-only file, half read */
	unsigned long shm;	/* shared anonymous (shmem), every page written */
	unsigned long thp;	/* MADV_HUGEPAGE, 2 MiB aligned, every page written */
	unsigned long small;	/* SMALL_PAGES VMAs of a page, rw and r alternating */
};

static unsigned long carve(unsigned long *cur, unsigned long len, unsigned long align)
{
	unsigned long p = (*cur + align - 1) & ~(align - 1);

	*cur = p + len + PG;
	return p;
}

static int build_address_space(struct child_map *m)
{
	char path[] = "/tmp/proc-maps-scan-XXXXXX", *area, *p;
	unsigned long cur, i;
	int fd;

	area = mmap(NULL, AREA_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (area == MAP_FAILED)
		return -1;
	cur = (unsigned long)area + PG;
	m->anon = carve(&cur, ANON_PAGES * PG, PG);
	m->idle = carve(&cur, IDLE_PAGES * PG, PG);
	m->resv = carve(&cur, RESV_PAGES * PG, PG);
	m->file = carve(&cur, FILE_PAGES * PG, PG);
	m->sfile = carve(&cur, FILE_PAGES * PG, PG);
	m->shm = carve(&cur, SHM_PAGES * PG, PG);
	m->thp = carve(&cur, THP_LEN, HPAGE_SZ);
	m->small = carve(&cur, SMALL_PAGES * PG, PG);
	if (cur > (unsigned long)area + AREA_LEN)
		return -1;

	p = mmap((void *)m->anon, ANON_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, ANON_PAGES * PG);
	if (mmap((void *)m->idle, IDLE_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -1;

	/* A temporary file with data in each page, mapped twice. */
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	p = malloc(FILE_PAGES * PG);
	if (!p)
		return -1;
	memset(p, 'f', FILE_PAGES * PG);
	if (write(fd, p, FILE_PAGES * PG) != (ssize_t)(FILE_PAGES * PG))
		return -1;
	free(p);
	p = mmap((void *)m->file, FILE_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < FILE_READ; i++)
		if (p[i * PG] != 'f')
			return -1;
	for (i = 0; i < FILE_COW; i++)
		p[i * PG] = 2;
	p = mmap((void *)m->sfile, FILE_PAGES * PG, PROT_READ, MAP_SHARED | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < FILE_PAGES / 2; i++)
		if (p[i * PG] != 'f')
			return -1;
	close(fd);

	p = mmap((void *)m->shm, SHM_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 3, SHM_PAGES * PG);

	p = mmap((void *)m->thp, THP_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, THP_LEN, MADV_HUGEPAGE);	/* fails harmlessly without THP */
	memset(p, 4, THP_LEN);

	/*
	 * Split first, then write: a fault in a VMA of one page maps one
	 * page, whatever the sizes of anonymous THP enabled.
	 */
	p = mmap((void *)m->small, SMALL_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	for (i = 1; i < SMALL_PAGES; i += 2)
		if (mprotect(p + i * PG, PG, PROT_READ))
			return -1;
	for (i = 0; i < SMALL_PAGES; i += 6)
		p[i * PG] = 5;
	return 0;
}

/* Fork a child that builds its address space and stops; -1 on failure. */
static pid_t stopped_child(struct child_map *m)
{
	pid_t parent = getpid(), pid;
	int pfd[2], status;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (!pid) {
		close(pfd[0]);
		/* Never outlive the test, even when it fails an assertion. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (build_address_space(m) ||
		    write(pfd[1], m, sizeof(*m)) != sizeof(*m))
			_exit(1);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (pid > 0 && (read(pfd[0], m, sizeof(*m)) != sizeof(*m) ||
			waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pfd[0]);
	return pid;
}

static int open_maps(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return open(path, O_RDONLY);
}

FIXTURE(scan) {
	pid_t pid;
	int fd;
	bool rss;
	struct child_map m;
	struct procmap_vma *vec;	/* MAX_RECS records */
};

FIXTURE_SETUP(scan)
{
	int ret;

	self->pid = -1;
	self->fd = -1;
	ret = probe_scan(&self->rss);
	if (ret == -ENOTTY)
		SKIP(return, NO_SCAN);
	ASSERT_EQ(0, ret);
	if (!self->rss)
		TH_LOG("PROCMAP_QUERY_VMA_RSS: EINVAL, the rss checks are skipped");
	self->vec = malloc(MAX_RECS * sizeof(*self->vec));
	ASSERT_NE(NULL, self->vec);
	self->pid = stopped_child(&self->m);
	ASSERT_LT(0, self->pid);
	self->fd = open_maps(self->pid);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(scan)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	free(self->vec);
}

/*
 * The whole address space scanned with @flags, in a copy of @n records
 * (the caller frees it).
 */
static struct procmap_vma *full_list(struct __test_metadata *_metadata,
				     FIXTURE_DATA(scan) *self, __u64 flags, int *n)
{
	struct procmap_vma *copy;
	__u64 walk_end;

	*n = scan_big(self->fd, flags, 0, SCAN_END, self->vec, &walk_end);
	EXPECT_LT(0, *n);
	EXPECT_GT(MAX_RECS, *n);
	EXPECT_EQ(SCAN_END, walk_end);
	if (*n <= 0)
		return NULL;
	copy = malloc(*n * sizeof(*copy));
	if (copy)
		memcpy(copy, self->vec, *n * sizeof(*copy));
	return copy;
}

static void log_rec(struct __test_metadata *_metadata, const char *what, int i,
		    const struct procmap_vma *r)
{
	TH_LOG("%s[%d]: %llx-%llx flags %llx off %llx %x:%x %llu", what, i,
	       r->vma_start, r->vma_end, r->vma_flags, r->vma_offset,
	       r->dev_major, r->dev_minor, r->inode);
}

/* @got equals @want (the first @len bytes of each record); logs a difference. */
static bool same_recs(struct __test_metadata *_metadata, const char *what,
		      const struct procmap_vma *got, int ngot,
		      const struct procmap_vma *want, int nwant, size_t len)
{
	int i;

	EXPECT_EQ(nwant, ngot) TH_LOG("%s: %d records, want %d", what, ngot, nwant);
	for (i = 0; i < ngot && i < nwant; i++) {
		if (memcmp(&got[i], &want[i], len)) {
			log_rec(_metadata, what, i, &got[i]);
			log_rec(_metadata, "want", i, &want[i]);
			EXPECT_EQ(0, memcmp(&got[i], &want[i], len));
			return false;
		}
	}
	return ngot == nwant;
}

static void check_fields(struct __test_metadata *_metadata, const struct procmap_vma *r,
			 const struct procmap_query *q, bool rss)
{
	EXPECT_EQ(q->vma_start, r->vma_start);
	EXPECT_EQ(q->vma_end, r->vma_end);
	EXPECT_EQ(q->vma_flags, r->vma_flags);
	EXPECT_EQ(q->vma_page_size, r->vma_page_size);
	EXPECT_EQ(q->vma_offset, r->vma_offset);
	EXPECT_EQ(q->inode, r->inode);
	EXPECT_EQ(q->dev_major, r->dev_major);
	EXPECT_EQ(q->dev_minor, r->dev_minor);
	if (!rss)
		return;
	EXPECT_EQ(q->rss_anon, r->rss_anon);
	EXPECT_EQ(q->rss_file, r->rss_file);
	EXPECT_EQ(q->rss_shmem, r->rss_shmem);
	EXPECT_EQ(q->swap, r->swap);
	EXPECT_EQ(q->anon_huge, r->anon_huge);
	EXPECT_EQ(q->file_pmd_mapped, r->file_pmd_mapped);
	EXPECT_EQ(q->shmem_pmd_mapped, r->shmem_pmd_mapped);
}

/* The rss fields of @r against smaps' record of the same VMA. */
static void check_smaps(struct __test_metadata *_metadata, const struct procmap_vma *r,
			const struct smaps_vma *s, bool has_file)
{
	__u64 swap = smaps_bytes(s, "Swap");

	EXPECT_EQ(smaps_bytes(s, "Rss"), r->rss_anon + r->rss_file + r->rss_shmem);
	EXPECT_EQ(smaps_bytes(s, "Anonymous"), r->rss_anon);
	EXPECT_EQ(smaps_bytes(s, "AnonHugePages"), r->anon_huge);
	EXPECT_EQ(smaps_bytes(s, "FilePmdMapped"), r->file_pmd_mapped);
	EXPECT_EQ(smaps_bytes(s, "ShmemPmdMapped"), r->shmem_pmd_mapped);
	/*
	 * smaps' Swap of a shmem file also counts the file's swapped-out
	 * pages, which are not in the page tables.
	 */
	if (has_file)
		EXPECT_GE(swap, r->swap);
	if (!has_file)
		EXPECT_EQ(swap, r->swap);
}

/* The record of the VMA at @addr: exactly [@addr, @addr + @len), @flags. */
static const struct procmap_vma *expect_vma(struct __test_metadata *_metadata,
					    const struct procmap_vma *v, int n,
					    unsigned long addr, unsigned long len, __u64 flags)
{
	const struct procmap_vma *r = rec_find(v, n, addr);

	ASSERT_NE(NULL, r) TH_LOG("no record for %lx", addr);
	EXPECT_EQ(addr, r->vma_start);
	EXPECT_EQ(addr + len, r->vma_end);
	EXPECT_EQ(flags, r->vma_flags) TH_LOG("%lx", addr);
	return r;
}

/* What the child put in its own regions, independently of any kernel view. */
static void check_known(struct __test_metadata *_metadata, FIXTURE_DATA(scan) *self,
			const struct procmap_vma *v, int n)
{
	const __u64 rw = PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_WRITABLE;
	const __u64 sh = PROCMAP_QUERY_VMA_SHARED;
	const struct child_map *m = &self->m;
	const struct procmap_vma *r;
	unsigned long i;
	__u64 ino;

	r = expect_vma(_metadata, v, n, m->anon, ANON_PAGES * PG, rw);
	if (self->rss) {
		EXPECT_EQ(ANON_PAGES * PG, r->rss_anon);
		EXPECT_EQ(0, r->rss_file + r->rss_shmem);
	}
	r = expect_vma(_metadata, v, n, m->idle, IDLE_PAGES * PG, rw);
	EXPECT_EQ(0, r->rss_anon + r->rss_file + r->rss_shmem + r->swap);
	/* Part of the PROT_NONE area, with the pages around it. */
	r = rec_find(v, n, m->resv);
	ASSERT_NE(NULL, r);
	EXPECT_GE(m->resv, r->vma_start);
	EXPECT_LE(m->resv + RESV_PAGES * PG, r->vma_end);
	EXPECT_EQ(0, r->vma_flags);
	EXPECT_EQ(0, r->rss_anon + r->rss_file + r->rss_shmem + r->swap);
	r = expect_vma(_metadata, v, n, m->file, FILE_PAGES * PG, rw);
	EXPECT_NE(0, r->inode);
	ino = r->inode;
	EXPECT_EQ(0, r->vma_offset);
	if (self->rss) {
		/* Copies of the written pages; fault-around may map more. */
		EXPECT_EQ(FILE_COW * PG, r->rss_anon);
		EXPECT_LE((FILE_READ - FILE_COW) * PG, r->rss_file + r->rss_shmem);
		EXPECT_GE((FILE_PAGES - FILE_COW) * PG, r->rss_file + r->rss_shmem);
	}
	r = expect_vma(_metadata, v, n, m->sfile, FILE_PAGES * PG, PROCMAP_QUERY_VMA_READABLE | sh);
	EXPECT_EQ(ino, r->inode);
	if (self->rss) {
		EXPECT_EQ(0, r->rss_anon);
		EXPECT_LE(FILE_PAGES / 2 * PG, r->rss_file + r->rss_shmem);
	}
	r = expect_vma(_metadata, v, n, m->shm, SHM_PAGES * PG, rw | sh);
	EXPECT_NE(0, r->inode);
	if (self->rss) {
		EXPECT_EQ(SHM_PAGES * PG, r->rss_shmem);
		EXPECT_EQ(0, r->rss_anon + r->rss_file);
	}
	r = expect_vma(_metadata, v, n, m->thp, THP_LEN, rw);
	if (self->rss) {
		EXPECT_EQ(THP_LEN, r->rss_anon);
		EXPECT_EQ(0, r->anon_huge % HPAGE_SZ);
		if (!r->anon_huge)
			TH_LOG("no THP in the MADV_HUGEPAGE region (THP off or none free)");
	}
	for (i = 0; i < SMALL_PAGES; i++) {
		r = expect_vma(_metadata, v, n, m->small + i * PG, PG,
			       i % 2 ? PROCMAP_QUERY_VMA_READABLE : rw);
		if (self->rss)
			EXPECT_EQ(i % 6 ? 0 : PG, r->rss_anon) TH_LOG("small page %lu", i);
	}
}

/*
 * One call over the whole address space against maps, PROCMAP_QUERY and
 * smaps.  smaps is read before and after: the comparison is made when the
 * two agree (nothing, khugepaged say, changed the child meanwhile).
 */
TEST_F(scan, scan_matches_query_and_maps)
{
	__u64 flags = self->rss ? PROCMAP_QUERY_VMA_RSS : 0, walk_end = 0;
	struct smaps_vma *s = NULL, *s2 = NULL;
	struct procmap_query *q = NULL;
	struct maps_line *ml = NULL;
	struct procmap_vma *v = self->vec;
	int n = 0, nm = 0, ns = 0, ns2 = 0, i, try;
	bool stable = false;

	q = calloc(MAX_RECS, sizeof(*q));
	ASSERT_NE(NULL, q);
	for (try = 0; try < 5 && !stable; try++) {
		free(s);
		free(s2);
		free(ml);
		ns = read_smaps(self->pid, &s);
		ASSERT_LT(0, ns);
		nm = read_maps(self->pid, &ml);
		ASSERT_LT(0, nm);
		n = scan_big(self->fd, flags, 0, SCAN_END, v, &walk_end);
		ASSERT_LT(0, n) TH_LOG("scan: %s", strerror(-n));
		ASSERT_GT(MAX_RECS, n);
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, query(self->fd, v[i].vma_start, flags, &q[i]))
				log_rec(_metadata, "query of", i, &v[i]);
		ns2 = read_smaps(self->pid, &s2);
		ASSERT_LT(0, ns2);
		stable = smaps_same(s, ns, s2, ns2);
		if (!stable)
			TH_LOG("the child's smaps changed during the scan; again");
	}

	EXPECT_EQ(SCAN_END, walk_end);
	ASSERT_EQ(nm, n) TH_LOG("%d records, %d lines in maps", n, nm);
	for (i = 0; i < n; i++) {
		const struct maps_line *l = &ml[i];
		const struct smaps_vma *sv;

		/* Sorted and disjoint. */
		EXPECT_LT(v[i].vma_start, v[i].vma_end);
		if (i)
			EXPECT_LE(v[i - 1].vma_end, v[i].vma_start);

		/* One for one with maps. */
		EXPECT_EQ(l->start, v[i].vma_start) TH_LOG("maps line %d", i);
		EXPECT_EQ(l->end, v[i].vma_end);
		EXPECT_EQ(perms_to_flags(l->perms), v[i].vma_flags)
			TH_LOG("%lx-%lx %s", l->start, l->end, l->perms);
		EXPECT_EQ(l->offset, v[i].vma_offset);
		EXPECT_EQ(l->major, v[i].dev_major);
		EXPECT_EQ(l->minor, v[i].dev_minor);
		EXPECT_EQ(l->inode, v[i].inode);

		/* Field by field what PROCMAP_QUERY says of the VMA. */
		check_fields(_metadata, &v[i], &q[i], self->rss);
		if (!self->rss)
			EXPECT_EQ(0, v[i].rss_anon + v[i].rss_file + v[i].rss_shmem +
				  v[i].swap + v[i].anon_huge + v[i].file_pmd_mapped +
				  v[i].shmem_pmd_mapped);

		/* smaps: the same VMA, its page size, and what it maps. */
		sv = smaps_find(s, ns, v[i].vma_start);
		ASSERT_NE(NULL, sv);
		EXPECT_EQ(sv->start, v[i].vma_start);
		EXPECT_EQ(sv->end, v[i].vma_end);
		EXPECT_EQ(smaps_bytes(sv, "KernelPageSize"), v[i].vma_page_size);
		if (self->rss)
			check_smaps(_metadata, &v[i], sv, maps_has_file(l));
		if (_metadata->exit_code == KSFT_FAIL) {
			log_rec(_metadata, "record", i, &v[i]);
			TH_LOG("smaps: %s", sv->header);
			break;
		}
	}
	check_known(_metadata, self, v, n);
	free(q);
	free(s);
	free(s2);
	free(ml);
}

/* Scans with room for a few records, each resumed at walk_end. */
static int resumed_scan(struct __test_metadata *_metadata, int fd, __u64 flags,
			__u64 vec_len, struct procmap_vma *out)
{
	struct procmap_vma *vec = malloc((vec_len + 1) * REC_SZ);
	__u64 start = 0, walk_end;
	int n = 0, ret, calls;
	unsigned char *tail;

	if (!vec)
		return -1;
	tail = (unsigned char *)&vec[vec_len];
	for (calls = 0; calls < 2 * MAX_RECS; calls++) {
		memset(vec, FILL, (vec_len + 1) * REC_SZ);
		ret = scan(fd, flags, start, SCAN_END, vec, vec_len, REC_SZ, &walk_end);
		EXPECT_LE(0, ret) TH_LOG("vec_len %llu: %s", vec_len, strerror(-ret));
		EXPECT_GE(vec_len, ret);
		if (ret < 0 || ret > vec_len || n + ret > MAX_RECS)
			break;
		/* Nothing written past the vector. */
		for (size_t b = 0; b < REC_SZ; b++)
			if (tail[b] != FILL) {
				EXPECT_EQ(FILL, tail[b]) TH_LOG("byte %zu past the vector", b);
				break;
			}
		memcpy(&out[n], vec, ret * REC_SZ);
		n += ret;
		if (ret == vec_len) {
			/* Full: go on after the last VMA given. */
			EXPECT_EQ(vec[ret - 1].vma_end, walk_end);
			if (walk_end <= start) {
				EXPECT_LT(start, walk_end) TH_LOG("no progress");
				break;
			}
		} else {
			EXPECT_EQ(SCAN_END, walk_end);
		}
		if (!ret || walk_end >= SCAN_END)
			break;
		start = walk_end;
	}
	free(vec);
	return n;
}

TEST_F(scan, resume)
{
	static const __u64 lens[] = { 1, 2, 7, 64 };
	struct procmap_vma *full, *got, *wfull;
	char what[32];
	int nfull, nw, n;

	full = full_list(_metadata, self, 0, &nfull);
	ASSERT_NE(NULL, full);
	got = malloc(MAX_RECS * REC_SZ);
	ASSERT_NE(NULL, got);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		n = resumed_scan(_metadata, self->fd, 0, lens[i], got);
		snprintf(what, sizeof(what), "vec_len %llu", lens[i]);
		EXPECT_TRUE(same_recs(_metadata, what, got, n, full, nfull, REC_SZ));
	}
	/* A filtered scan resumes the same way. */
	wfull = full_list(_metadata, self, PROCMAP_QUERY_VMA_WRITABLE, &nw);
	ASSERT_NE(NULL, wfull);
	EXPECT_LT(SMALL_PAGES / 2, nw);
	n = resumed_scan(_metadata, self->fd, PROCMAP_QUERY_VMA_WRITABLE, 3, got);
	EXPECT_TRUE(same_recs(_metadata, "writable, vec_len 3", got, n, wfull, nw, REC_SZ));
	free(wfull);
	free(got);
	free(full);
}

/* The records of @full overlapping [start, end) and having @flags. */
static int subset(const struct procmap_vma *full, int nfull, const struct maps_line *ml,
		  int nm, __u64 flags, __u64 start, __u64 end, struct procmap_vma *out)
{
	__u64 perm = flags & (PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_WRITABLE |
			      PROCMAP_QUERY_VMA_EXECUTABLE | PROCMAP_QUERY_VMA_SHARED);
	int n = 0;

	for (int i = 0; i < nfull; i++) {
		const struct maps_line *l = maps_find(ml, nm, full[i].vma_start);

		if (full[i].vma_end <= start || full[i].vma_start >= end)
			continue;
		if (!l || (perms_to_flags(l->perms) & perm) != perm)
			continue;
		if ((flags & PROCMAP_QUERY_FILE_BACKED_VMA) && !maps_has_file(l))
			continue;
		out[n++] = full[i];
	}
	return n;
}

/* Each record of @v has zero rss fields. */
static bool rss_zero(const struct procmap_vma *v, int n)
{
	for (int i = 0; i < n; i++)
		for (size_t b = RSS_OFF; b < REC_SZ; b++)
			if (((const unsigned char *)&v[i])[b])
				return false;
	return true;
}

TEST_F(scan, range_and_filters)
{
	static const __u64 filters[] = {
		PROCMAP_QUERY_VMA_READABLE,
		PROCMAP_QUERY_VMA_WRITABLE,
		PROCMAP_QUERY_VMA_EXECUTABLE,
		PROCMAP_QUERY_VMA_SHARED,
		PROCMAP_QUERY_FILE_BACKED_VMA,
		PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_WRITABLE,
		PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_EXECUTABLE,
		PROCMAP_QUERY_FILE_BACKED_VMA | PROCMAP_QUERY_VMA_SHARED,
		PROCMAP_QUERY_FILE_BACKED_VMA | PROCMAP_QUERY_VMA_WRITABLE,
	};
	const struct child_map *m = &self->m;
	const struct {
		const char *what;
		__u64 start, end;
		__u64 first, last;	/* vma_start of the first and last record */
		int count;		/* -1: any */
	} ranges[] = {
		{ "mid anon to mid thp", m->anon + 10 * PG, m->thp + HPAGE_SZ + PG,
		  m->anon, m->thp, -1 },
		{ "small pages 10 to 19", m->small + 10 * PG, m->small + 20 * PG,
		  m->small + 10 * PG, m->small + 19 * PG, 10 },
		{ "inside one VMA", m->anon + PG, m->anon + 2 * PG, m->anon, m->anon, 1 },
		{ "mid anon to the start of idle", m->anon + PG, m->idle,
		  m->anon, m->anon + ANON_PAGES * PG, 2 },
		{ "the end of anon to mid idle", m->anon + ANON_PAGES * PG, m->idle + PG,
		  m->anon + ANON_PAGES * PG, m->idle, 2 },
		{ "below any mapping", 0, PG, 0, 0, 0 },
	};
	struct procmap_vma *full, *want, *v = self->vec;
	struct maps_line *ml;
	int nfull, nm, nw, n;
	__u64 walk_end;
	char what[64];
	size_t i;

	full = full_list(_metadata, self, 0, &nfull);
	ASSERT_NE(NULL, full);
	/* Written as zero (the vector was filled with 0xa5). */
	EXPECT_TRUE(rss_zero(full, nfull));
	nm = read_maps(self->pid, &ml);
	ASSERT_EQ(nfull, nm);
	want = malloc(MAX_RECS * REC_SZ);
	ASSERT_NE(NULL, want);

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		__u64 start = ranges[i].start, end = ranges[i].end;

		n = scan_big(self->fd, 0, start, end, v, &walk_end);
		nw = subset(full, nfull, ml, nm, 0, start, end, want);
		EXPECT_TRUE(same_recs(_metadata, ranges[i].what, v, n, want, nw, REC_SZ));
		EXPECT_EQ(end, walk_end) TH_LOG("%s", ranges[i].what);
		if (ranges[i].count >= 0)
			EXPECT_EQ(ranges[i].count, n) TH_LOG("%s", ranges[i].what);
		if (n <= 0)
			continue;
		/* Whole VMAs, also those that overlap start or end. */
		EXPECT_EQ(ranges[i].first, v[0].vma_start) TH_LOG("%s", ranges[i].what);
		EXPECT_EQ(ranges[i].last, v[n - 1].vma_start) TH_LOG("%s", ranges[i].what);
		EXPECT_GT(v[0].vma_end, start);
		EXPECT_LT(v[n - 1].vma_start, end);
		/*
		 * A vector just big enough fills on the last VMA, which may
		 * reach beyond end: walk_end stays within the range, so that
		 * the caller's next call (start = walk_end) is valid.
		 */
		EXPECT_EQ(n, scan(self->fd, 0, start, end, v, n, REC_SZ, &walk_end))
			TH_LOG("%s, a vector of %d", ranges[i].what, n);
		EXPECT_EQ(v[n - 1].vma_end < end ? v[n - 1].vma_end : end, walk_end)
			TH_LOG("%s, a vector of %d", ranges[i].what, n);
		EXPECT_EQ(0, scan(self->fd, 0, walk_end, end, v, n, REC_SZ, &walk_end))
			TH_LOG("%s, resumed", ranges[i].what);
	}

	for (i = 0; i < ARRAY_SIZE(filters); i++) {
		__u64 f = filters[i];

		snprintf(what, sizeof(what), "flags %#llx", f);
		n = scan_big(self->fd, f, 0, SCAN_END, v, &walk_end);
		nw = subset(full, nfull, ml, nm, f, 0, SCAN_END, want);
		/* Each filter selects some VMAs of the child, not all. */
		EXPECT_LT(0, nw) TH_LOG("%s", what);
		EXPECT_GT(nfull, nw) TH_LOG("%s", what);
		EXPECT_TRUE(same_recs(_metadata, what, v, n, want, nw, REC_SZ));
		EXPECT_EQ(SCAN_END, walk_end);
		EXPECT_TRUE(rss_zero(v, n)) TH_LOG("%s", what);
		if (!self->rss)
			continue;
		/* With the rss flag: the same VMAs. */
		n = scan_big(self->fd, f | PROCMAP_QUERY_VMA_RSS, 0, SCAN_END, v, &walk_end);
		strcat(what, " with VMA_RSS");
		EXPECT_TRUE(same_recs(_metadata, what, v, n, want, nw, RSS_OFF));
	}
	/* A filter and a range together. */
	n = scan_big(self->fd, PROCMAP_QUERY_VMA_WRITABLE, m->small + 3 * PG,
		     m->small + 11 * PG, v, &walk_end);
	EXPECT_EQ(4, n);
	nw = subset(full, nfull, ml, nm, PROCMAP_QUERY_VMA_WRITABLE, m->small + 3 * PG,
		    m->small + 11 * PG, want);
	EXPECT_TRUE(same_recs(_metadata, "writable small 3 to 10", v, n, want, nw, REC_SZ));
	free(want);
	free(ml);
	free(full);
}

/*
 * Records at the caller's stride, the part the kernel does not know
 * zeroed, nothing written after the last record.
 */
TEST_F(scan, rec_size)
{
	static const __u64 sizes[] = { PROCMAP_VMA_SIZE_VER0, 128, 4096 };
	struct procmap_vma *full;
	int nfull;

	full = full_list(_metadata, self, 0, &nfull);
	ASSERT_NE(NULL, full);
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		__u64 lens[] = { nfull + 3, 5 }, rs = sizes[s];

		for (size_t l = 0; l < 2; l++) {
			for (int rss = 0; rss <= self->rss; rss++) {
				__u64 vl = lens[l], walk_end, bad = 0, b;
				__u64 flags = rss ? PROCMAP_QUERY_VMA_RSS : 0;
				size_t len = (vl + 1) * rs, cmp = rss ? RSS_OFF : REC_SZ;
				unsigned char *buf = malloc(len);
				int ret, want = nfull < vl ? nfull : vl;

				ASSERT_NE(NULL, buf);
				memset(buf, FILL, len);
				ret = scan(self->fd, flags, 0, SCAN_END, buf, vl, rs, &walk_end);
				EXPECT_EQ(want, ret)
					TH_LOG("rec_size %llu vec_len %llu: %s", rs, vl,
					       ret < 0 ? strerror(-ret) : "");
				if (ret != want) {
					free(buf);
					continue;
				}
				EXPECT_EQ(ret == vl ? full[ret - 1].vma_end : SCAN_END, walk_end);
				for (int i = 0; i < ret; i++) {
					unsigned char *rec = buf + i * rs;

					EXPECT_EQ(0, memcmp(rec, &full[i], cmp))
						TH_LOG("rec_size %llu: record %d", rs, i);
					for (b = REC_SZ; b < rs; b++)
						bad += rec[b] != 0;
				}
				EXPECT_EQ(0, bad)
					TH_LOG("rec_size %llu: %llu bytes past %d not zeroed",
					       rs, bad, REC_SZ);
				bad = 0;
				for (b = ret * rs; b < len; b++)
					bad += buf[b] != FILL;
				EXPECT_EQ(0, bad)
					TH_LOG("rec_size %llu vec_len %llu: %llu bytes after",
					       rs, vl, bad);
				free(buf);
			}
		}
	}
	free(full);
}

enum vec_kind { V_OK, V_NULL, V_NONE, V_RO, V_GONE, V_GUARD };

struct bad_case {
	const char *name;
	__u64 size, flags, start, end;
	enum vec_kind vec;
	__u64 vec_len, rec_size;
	unsigned char tail;	/* byte 70 of the argument, past the struct */
	int err;		/* 0: success */
};

#define S0	PROCMAP_SCAN_SIZE_VER0
#define V0	PROCMAP_VMA_SIZE_VER0
#define E	SCAN_END
#define BIT63	(1ULL << 63)
#define HUGE_LEN	(1ULL << 60)	/* times any rec_size overflows */
#define NEXT	PROCMAP_QUERY_COVERING_OR_NEXT_VMA
/* Sizes resolved at run time: the page size, and 8 bytes more. */
#define SZ_PG		(~0ULL - 1)
#define SZ_PG_8		(~0ULL - 2)

static const struct bad_case bad_cases[] = {
	/* name, size, flags, start, end, vec, vec_len, rec_size, tail, errno (0: success) */
	{ "size 0",             0,    0,       0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "size 56",            56,   0,       0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "size 63",            63,   0,       0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "size page + 8",      SZ_PG_8, 0,       0,      E,      V_OK,    16,   V0,   0, E2BIG },
	{ "size 72, tail set",  72,   0,       0,      E,      V_OK,    16,   V0,   1, E2BIG },
	{ "size 72, tail 0",    72,   0,       0,      E,      V_OK,    16,   V0,   0, 0 },
	{ "size page, tail 0",  SZ_PG, 0,       0,      E,      V_OK,    16,   V0,   0, 0 },
	{ "flag 1 << 20",       S0,   1 << 20, 0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "flag 0x80",          S0,   0x80,    0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "flag 1 << 63",       S0,   BIT63,   0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "COVERING_OR_NEXT",   S0,   NEXT,    0,      E,      V_OK,    16,   V0,   0, EINVAL },
	{ "rec_size 0",         S0,   0,       0,      E,      V_OK,    16,   0,    0, EINVAL },
	{ "rec_size 104",       S0,   0,       0,      E,      V_OK,    16,   104,  0, EINVAL },
	{ "rec_size 113",       S0,   0,       0,      E,      V_OK,    16,   113,  0, EINVAL },
	{ "rec_size 116",       S0,   0,       0,      E,      V_OK,    16,   116,  0, EINVAL },
	{ "rec_size 4104",      S0,   0,       0,      E,      V_OK,    16,   4104, 0, EINVAL },
	{ "rec_size 120",       S0,   0,       0,      E,      V_OK,    16,   120,  0, 0 },
	{ "vec_len 0",          S0,   0,       0,      E,      V_OK,    0,    V0,   0, EINVAL },
	{ "start > end",        S0,   0,       0x2000, 0x1000, V_OK,    16,   V0,   0, EINVAL },
	{ "start > end by 1",   S0,   0,       E,      E - 1,  V_OK,    16,   V0,   0, EINVAL },
	{ "start == end",       S0,   0,       0x1000, 0x1000, V_OK,    16,   V0,   0, 0 },
	{ "vec NULL",           S0,   0,       0,      E,      V_NULL,  16,   V0,   0, EFAULT },
	{ "vec PROT_NONE",      S0,   0,       0,      E,      V_NONE,  1,    V0,   0, EFAULT },
	{ "vec read-only",      S0,   0,       0,      E,      V_RO,    1,    V0,   0, EFAULT },
	{ "vec unmapped",       S0,   0,       0,      E,      V_GONE,  1,    V0,   0, EFAULT },
	{ "vec_len 1 << 60",    S0,   0,       0,      E,      V_OK,    HUGE_LEN, V0,   0, EFAULT },
	{ "room for 1 of 1000", S0,   0,       0,      E,      V_GUARD, 1000, V0,   0, EFAULT },
};

TEST_F(scan, bad_input)
{
	union {
		struct procmap_scan_arg a;
		unsigned char raw[2 * 65536 + 64];
	} arg;
	struct procmap_vma *full, *aligned;
	char *none, *ro, *gone, *guard, *unaligned;
	int nfull, ret, fd, status;
	__u64 walk_end;
	size_t i;
	pid_t pid;

	full = full_list(_metadata, self, 0, &nfull);
	ASSERT_NE(NULL, full);
	ASSERT_LT(16, nfull);

	none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guard = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, munmap(gone, PG));
	ASSERT_EQ(0, mprotect(guard + PG, PG, PROT_NONE));

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		int want;

		memset(&arg, 0, sizeof(arg));
		arg.a.size = c->size == SZ_PG ? PG : c->size == SZ_PG_8 ? PG + 8 : c->size;
		arg.a.flags = c->flags;
		arg.a.start = c->start;
		arg.a.end = c->end;
		arg.a.vec_len = c->vec_len;
		arg.a.rec_size = c->rec_size;
		arg.raw[70] = c->tail;
		switch (c->vec) {
		case V_OK:
			arg.a.vec = (unsigned long)self->vec;
			break;
		case V_NULL:
			arg.a.vec = 0;
			break;
		case V_NONE:
			arg.a.vec = (unsigned long)none;
			break;
		case V_RO:
			arg.a.vec = (unsigned long)ro;
			break;
		case V_GONE:
			arg.a.vec = (unsigned long)gone;
			break;
		case V_GUARD:
			/* Room for one record, then a PROT_NONE page. */
			arg.a.vec = (unsigned long)(guard + PG - REC_SZ);
			break;
		}
		errno = 0;
		ret = ioctl(self->fd, PROCMAP_SCAN, &arg);
		if (c->err) {
			EXPECT_EQ(-1, ret) TH_LOG("%s: returned %d", c->name, ret);
			EXPECT_EQ(c->err, errno) TH_LOG("%s: %s, want %s", c->name,
							strerror(errno), strerror(c->err));
			continue;
		}
		want = c->start == c->end ? 0 : (int)c->vec_len;
		EXPECT_EQ(want, ret) TH_LOG("%s: %s", c->name, ret < 0 ? strerror(errno) : "");
		EXPECT_EQ(want ? full[want - 1].vma_end : c->end, arg.a.walk_end)
			TH_LOG("%s", c->name);
	}

	/* An empty range inside a VMA. */
	ret = scan(self->fd, 0, self->m.anon + PG, self->m.anon + PG, self->vec, 16, REC_SZ,
		   &walk_end);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(self->m.anon + PG, walk_end);

	/* The argument itself unreadable. */
	EXPECT_EQ(-1, ioctl(self->fd, PROCMAP_SCAN, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, PROCMAP_SCAN, gone));
	EXPECT_EQ(EFAULT, errno);

	/* An unaligned vector: the same records as an aligned one. */
	unaligned = malloc(MAX_RECS * REC_SZ + 1);
	aligned = malloc(MAX_RECS * REC_SZ);
	ASSERT_NE(NULL, unaligned);
	ASSERT_NE(NULL, aligned);
	memset(unaligned, FILL, MAX_RECS * REC_SZ + 1);
	ret = scan(self->fd, 0, 0, SCAN_END, unaligned + 1, MAX_RECS, REC_SZ, &walk_end);
	EXPECT_EQ(nfull, ret) TH_LOG("unaligned: %s", ret < 0 ? strerror(-ret) : "");
	EXPECT_EQ(SCAN_END, walk_end);
	EXPECT_EQ(FILL, (unsigned char)unaligned[0]);
	if (ret > 0) {
		memcpy(aligned, unaligned + 1, ret * REC_SZ);
		EXPECT_TRUE(same_recs(_metadata, "unaligned", aligned, ret, full, nfull, REC_SZ));
	}
	free(unaligned);
	free(aligned);

	/* A process that exited and was reaped, its maps opened before. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	fd = open_maps(pid);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, scan(fd, 0, 0, SCAN_END, self->vec, 16, REC_SZ, NULL));
	kill(pid, SIGKILL);
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ESRCH, scan(fd, 0, 0, SCAN_END, self->vec, 16, REC_SZ, NULL));
	close(fd);

	/* Not a maps file. */
	fd = open("/proc/self/status", O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, scan(fd, 0, 0, SCAN_END, self->vec, 16, REC_SZ, NULL));
	close(fd);

	munmap(none, PG);
	munmap(ro, PG);
	munmap(guard, 2 * PG);
	free(full);
}

/*
 * The scan needs what reading maps needs: another user's maps cannot be
 * opened (EACCES, the ptrace-read check at open, as for PROCMAP_QUERY),
 * one's own can, and scans.
 */
#define NOBODY		65534
#define CHILD_OPENED	200
#define CHILD_OWN	201
#define CHILD_NOSETUP	202

TEST(permission)
{
	int status, code, ret;
	bool rss;
	pid_t pid;

	ret = probe_scan(&rss);
	if (ret == -ENOTTY)
		SKIP(return, NO_SCAN);
	ASSERT_EQ(0, ret);
	if (geteuid())
		SKIP(return, "not root: cannot switch to another user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct procmap_vma rec;
		int fd;

		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(CHILD_NOSETUP);
		fd = open("/proc/1/maps", O_RDONLY);
		if (fd >= 0)
			_exit(CHILD_OPENED);
		if (errno != EACCES)
			_exit(errno & 0x7f);
		fd = open("/proc/self/maps", O_RDONLY);
		if (fd < 0 || scan(fd, 0, 0, SCAN_END, &rec, 1, REC_SZ, NULL) != 1)
			_exit(CHILD_OWN);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	code = WEXITSTATUS(status);
	if (code == CHILD_NOSETUP)
		SKIP(return, "cannot switch to uid/gid %d", NOBODY);
	EXPECT_EQ(0, code) TH_LOG("as uid %d: %s", NOBODY,
				  code == CHILD_OPENED ? "opened /proc/1/maps" :
				  code == CHILD_OWN ? "could not scan its own maps" :
				  strerror(code));
}

TEST_HARNESS_MAIN
