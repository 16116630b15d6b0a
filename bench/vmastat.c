// SPDX-License-Identifier: GPL-2.0
/*
 * vmastat: what processes map, from the per-VMA rss counters the kernel
 * keeps (PROCMAP_QUERY_VMA_RSS): no page table is walked, the cost is one
 * look per VMA (per 2 MiB of it), whatever the process's size.
 *
 *   vmastat [-H] [--source=S] PID...
 *	for each PID, a pmap -X like table, one line per VMA, in kB:
 *	Address, Kbytes, Rss (= Anon + File + Shmem), Anon, File, Shmem,
 *	AnonHuge (PMD-mapped anonymous THP), Swap, Mode, Mapping; then a
 *	"total" line.  With several PIDs, each table is preceded by a
 *	"PID:   comm" line.
 *   vmastat -a [-H] [--source=S]
 *	every process in /proc, one line each, in kB: PID, Rss, Anon, File,
 *	Shmem, Swap, Command; sorted by Rss (largest first, then by PID),
 *	then a "total" line.  Kernel threads, processes with no VMA and
 *	processes that exit while read are left out; those that cannot be
 *	read (EACCES) are counted and reported on stderr.
 *   vmastat --compare [-H] [--source=scan|query] (-a | PID...)
 *	for each process three lines: "counters" (the rss counters),
 *	"rollup" (/proc/PID/smaps_rollup, a page walk) and "diff" (counters
 *	minus rollup) with a verdict; columns Rss, Anon (vs Anonymous),
 *	FileShmem (File + Shmem vs Rss - Anonymous), Swap; then a "total"
 *	line with the number of processes of each verdict.  Processes change
 *	while read, so each is read three times: counters, rollup, counters.
 *	The verdict is "changed" if the two counter reads differ (nothing is
 *	concluded), "MISMATCH" if they agree with each other and differ from
 *	the rollup in any column, else "ok".  smaps' Swap of a shmem mapping
 *	also counts its file's swapped-out pages, which no page table holds:
 *	such a process shows a Swap MISMATCH that is no counter error.
 *   -H	no column header line.
 *
 * Data sources (--source=, default auto: the first the kernel has):
 *   scan	the PROCMAP_SCAN ioctl on /proc/PID/maps with
 *		PROCMAP_QUERY_VMA_RSS, 256 VMAs per call.
 *   query	PROCMAP_QUERY with PROCMAP_QUERY_VMA_RSS, one call per VMA.
 *   rollup	-a only: Rss, Anonymous and Swap from /proc/PID/smaps_rollup,
 *		File and Shmem from RssFile and RssShmem of /proc/PID/status
 *		(smaps_rollup has no File/Shmem split; the mm counters of
 *		status are approximate, so there File + Shmem need not be
 *		exactly Rss - Anon).
 * A kernel without PROCMAP_SCAN fails it with ENOTTY, one without the rss
 * counters fails PROCMAP_QUERY_VMA_RSS with EINVAL; both are probed once
 * on /proc/self/maps.  In the per-VMA table, the names come from one
 * PROCMAP_QUERY (without VMA_RSS) at each VMA's start, not from the text of
 * /proc/PID/maps: no text to parse (a name may hold spaces), the name is
 * that of the VMA at exactly that address (a VMA changed since the scan
 * shows "?"), and it costs one lookup per VMA instead of a render of every
 * VMA.  Should a VMA grow or merge during the scan, its newer record
 * replaces those it overlaps, so nothing is counted twice.
 *
 * Exit status: 0; 1 on a usage error; 2 if the kernel lacks what is needed:
 * the rss counters (EINVAL) or the ioctls (ENOTTY) for a per-VMA table or
 * --compare, or the forced --source; 3 if a PID named on the command line
 * cannot be read (no such process, kernel thread: ESRCH, ENOENT; EACCES);
 * 4 if --compare found a MISMATCH.  With several PIDs all are tried and the
 * status is 4 if any MISMATCH, else 3 if any was unreadable.  With -a,
 * unreadable processes do not change the status.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/types.h>

#include "procmap-uapi.h"


#define KB(x)		((unsigned long long)(x) >> 10)
#ifndef SCAN_BATCH
#define SCAN_BATCH	256
#endif
#define NAME_MAX_LEN	(4096 + 64)	/* PATH_MAX and " (deleted)" */

enum source { SRC_AUTO, SRC_SCAN, SRC_QUERY, SRC_ROLLUP };
static const char *const source_names[] = { "auto", "scan", "query", "rollup" };

enum verdict { V_OK, V_MISMATCH, V_CHANGED };
static const char *const verdict_names[] = { "ok", "MISMATCH", "changed" };

struct vma_rec {
	unsigned long long start, end, flags;
	unsigned long long anon, file, shmem, swap, anon_huge;
	char *name;			/* per-VMA table only */
};

struct vma_list {
	struct vma_rec *v;
	size_t n, cap;
};

/* In bytes. */
struct totals {
	unsigned long long size, rss, anon, file, shmem, swap, anon_huge;
	long nvma;
};

struct proc_ent {
	int pid;
	char comm[64];
	struct totals t;		/* the counters, or the rollup source */
	struct totals r;		/* --compare: smaps_rollup */
	enum verdict verdict;
};

static enum source source = SRC_AUTO;
static enum source csrc;		/* the counters used, or SRC_ROLLUP */
static bool no_header, compare;
static struct vma_list vmas;
static char name_buf[NAME_MAX_LEN];

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-H] [--source=auto|scan|query] PID...\n"
		"       %s -a [-H] [--source=auto|scan|query|rollup]\n"
		"       %s --compare [-H] [--source=auto|scan|query] (-a | PID...)\n"
		"  PID...     a pmap -X like table of each PID's VMAs\n"
		"  -a         one line per process of /proc, by Rss\n"
		"  --compare  the rss counters against /proc/PID/smaps_rollup\n"
		"  --source   scan: PROCMAP_SCAN, query: PROCMAP_QUERY,\n"
		"             rollup: smaps_rollup and status (-a only)\n"
		"  -H         no header line\n"
		"exit: 0; 1 usage; 2 kernel lacks the interface; 3 a PID not\n"
		"readable; 4 --compare mismatch\n", prog, prog, prog);
}

static void list_reset(struct vma_list *l)
{
	while (l->n)
		free(l->v[--l->n].name);
}

/*
 * Append @r to @l.  A record that starts below the end of those before it
 * is a VMA that grew or merged while we read: it replaces the records it
 * overlaps.
 */
static int list_add(struct vma_list *l, const struct vma_rec *r)
{
	while (l->n && l->v[l->n - 1].end > r->start)
		free(l->v[--l->n].name);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct vma_rec *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *r;
	return 0;
}

static int scan_vmas(int fd, struct vma_list *l)
{
	static struct procmap_vma vec[SCAN_BATCH];
	struct procmap_scan_arg arg;
	unsigned long long start = 0;
	int i, n;

	for (;;) {
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.flags = PROCMAP_QUERY_VMA_RSS;
		arg.start = start;
		arg.end = ~0ULL;
		arg.vec = (unsigned long)vec;
		arg.vec_len = SCAN_BATCH;
		arg.rec_size = sizeof(vec[0]);
		n = ioctl(fd, PROCMAP_SCAN, &arg);
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			struct vma_rec r = {
				.start = vec[i].vma_start,
				.end = vec[i].vma_end,
				.flags = vec[i].vma_flags,
				.anon = vec[i].rss_anon,
				.file = vec[i].rss_file,
				.shmem = vec[i].rss_shmem,
				.swap = vec[i].swap,
				.anon_huge = vec[i].anon_huge,
			};

			if (list_add(l, &r))
				return -ENOMEM;
		}
		if (n < SCAN_BATCH || arg.walk_end >= arg.end ||
		    arg.walk_end <= start)
			return 0;
		start = arg.walk_end;
	}
}

static int query_vmas(int fd, struct vma_list *l, bool names)
{
	struct procmap_query q;
	unsigned long long addr = 0;
	struct vma_rec r;
	bool with_name;

	for (;;) {
		with_name = names;
retry:
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA |
				PROCMAP_QUERY_VMA_RSS;
		q.query_addr = addr;
		if (with_name) {
			q.vma_name_addr = (unsigned long)name_buf;
			q.vma_name_size = sizeof(name_buf);
		}
		if (ioctl(fd, PROCMAP_QUERY, &q)) {
			if (errno == ENOENT)
				return 0;
			if (errno == E2BIG && with_name) {
				with_name = false;
				goto retry;
			}
			return -errno;
		}
		r = (struct vma_rec) {
			.start = q.vma_start,
			.end = q.vma_end,
			.flags = q.vma_flags,
			.anon = q.rss_anon,
			.file = q.rss_file,
			.shmem = q.rss_shmem,
			.swap = q.swap,
			.anon_huge = q.anon_huge,
		};
		if (names) {
			r.name = strdup(!with_name ? "?" :
					q.vma_name_size ? name_buf : "");
			if (!r.name)
				return -ENOMEM;
		}
		if (list_add(l, &r)) {
			free(r.name);
			return -ENOMEM;
		}
		addr = q.vma_end;
	}
}

/* The name of each VMA of @l, by a PROCMAP_QUERY at its start. */
static int fetch_names(int fd, struct vma_list *l)
{
	struct procmap_query q;
	const char *name;
	size_t i;

	for (i = 0; i < l->n; i++) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_addr = l->v[i].start;
		q.vma_name_addr = (unsigned long)name_buf;
		q.vma_name_size = sizeof(name_buf);
		if (ioctl(fd, PROCMAP_QUERY, &q) || q.vma_start != l->v[i].start)
			name = "?";
		else
			name = q.vma_name_size ? name_buf : "";
		l->v[i].name = strdup(name);
		if (!l->v[i].name)
			return -ENOMEM;
	}
	return 0;
}

static void sum_vmas(const struct vma_list *l, struct totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < l->n; i++) {
		const struct vma_rec *r = &l->v[i];

		t->size += r->end - r->start;
		t->anon += r->anon;
		t->file += r->file;
		t->shmem += r->shmem;
		t->swap += r->swap;
		t->anon_huge += r->anon_huge;
	}
	t->rss = t->anon + t->file + t->shmem;
	t->nvma = l->n;
}

/* The counters of @pid's VMAs into vmas and @t; 0 or -errno. */
static int read_counters(const char *pid, bool names, struct totals *t)
{
	char path[64];
	int fd, err;

	list_reset(&vmas);
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (csrc == SRC_SCAN) {
		err = scan_vmas(fd, &vmas);
		if (!err && names)
			err = fetch_names(fd, &vmas);
	} else {
		err = query_vmas(fd, &vmas, names);
	}
	close(fd);
	if (!err)
		sum_vmas(&vmas, t);
	return err;
}

/* The whole of a small /proc file, NUL-terminated; its length or -errno. */
static int read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	return len;
}

/* The value of the line "@key <n> kB" of @buf, in bytes. */
static int field_kb(const char *buf, const char *key, unsigned long long *val)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, klen)) {
			*val = strtoull(p + klen, NULL, 10) << 10;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/*
 * Rss, Anonymous and Swap from smaps_rollup; with @status, File and Shmem
 * from the RssFile and RssShmem of status.  0 or -errno; -ESRCH for a
 * process without mm.
 */
static int read_rollup(const char *pid, struct totals *t, bool status)
{
	char path[64], buf[16384];
	int err;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
	err = read_small(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	if (field_kb(buf, "Rss:", &t->rss) ||
	    field_kb(buf, "Anonymous:", &t->anon) ||
	    field_kb(buf, "Swap:", &t->swap))
		return -ESRCH;
	if (!status)
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	err = read_small(path, buf, sizeof(buf));
	if (err < 0)
		return err;
	if (field_kb(buf, "RssFile:", &t->file) ||
	    field_kb(buf, "RssShmem:", &t->shmem))
		return -ESRCH;
	return 0;
}

static void read_comm(const char *pid, char *comm, size_t size)
{
	char path[64];
	int len;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	len = read_small(path, comm, size);
	if (len <= 0) {
		snprintf(comm, size, "?");
		return;
	}
	if (comm[len - 1] == '\n')
		comm[len - 1] = 0;
}

/* Only the columns --compare compares. */
static bool counters_differ(const struct totals *a, const struct totals *b)
{
	return a->rss != b->rss || a->anon != b->anon ||
	       a->file + a->shmem != b->file + b->shmem || a->swap != b->swap;
}

/*
 * What -a and --compare show of @pid into @e: 0 or -errno.  A kernel that
 * rejects the ioctl the probe accepted is a fatal error: exit 2.
 */
static int read_proc(const char *pid, struct proc_ent *e)
{
	struct totals t2;
	int err;

	memset(e, 0, sizeof(*e));
	e->pid = strcmp(pid, "self") ? atoi(pid) : getpid();
	if (csrc == SRC_ROLLUP)
		return read_rollup(pid, &e->t, true);
	err = read_counters(pid, false, &e->t);
	if (!err && compare) {
		err = read_rollup(pid, &e->r, false);
		if (!err)
			err = read_counters(pid, false, &t2);
		if (!err) {
			e->r.file = e->r.rss - e->r.anon;
			if (counters_differ(&e->t, &t2))
				e->verdict = V_CHANGED;
			else if (counters_differ(&e->t, &e->r))
				e->verdict = V_MISMATCH;
		}
	}
	if (err == -EINVAL || err == -ENOTTY) {
		fprintf(stderr, "vmastat: /proc/%s/maps: %s %s: %s\n", pid,
			source_names[csrc], "ioctl", strerror(-err));
		exit(2);
	}
	if (!err && !e->t.nvma)
		err = -ESRCH;		/* no mm, or an empty one */
	return err;
}

static void print_cmp_header(void)
{
	if (!no_header)
		printf("%7s %-8s %8s %8s %9s %8s %-8s %s\n", "PID", "Source",
		       "Rss", "Anon", "FileShmem", "Swap", "Result", "Command");
}

static void print_cmp(const struct proc_ent *e)
{
	const struct totals *t = &e->t, *r = &e->r;

	printf("%7d %-8s %8llu %8llu %9llu %8llu %-8s %s\n", e->pid, "counters",
	       KB(t->rss), KB(t->anon), KB(t->file + t->shmem), KB(t->swap),
	       "-", e->comm);
	printf("%7d %-8s %8llu %8llu %9llu %8llu %-8s %s\n", e->pid, "rollup",
	       KB(r->rss), KB(r->anon), KB(r->file), KB(r->swap), "-", e->comm);
	printf("%7d %-8s %8lld %8lld %9lld %8lld %-8s %s\n", e->pid, "diff",
	       (long long)KB(t->rss) - (long long)KB(r->rss),
	       (long long)KB(t->anon) - (long long)KB(r->anon),
	       (long long)KB(t->file + t->shmem) - (long long)KB(r->file),
	       (long long)KB(t->swap) - (long long)KB(r->swap),
	       verdict_names[e->verdict], e->comm);
}

static void print_cmp_total(const int count[3])
{
	printf("%7s %d processes: %d ok, %d mismatch, %d changed\n", "total",
	       count[V_OK] + count[V_MISMATCH] + count[V_CHANGED],
	       count[V_OK], count[V_MISMATCH], count[V_CHANGED]);
}

static void print_vmas(const struct vma_list *l, const struct totals *t)
{
	size_t i;

	if (!no_header)
		printf("%-16s %8s %8s %8s %8s %8s %8s %8s %4s %s\n", "Address",
		       "Kbytes", "Rss", "Anon", "File", "Shmem", "AnonHuge",
		       "Swap", "Mode", "Mapping");
	for (i = 0; i < l->n; i++) {
		const struct vma_rec *r = &l->v[i];

		printf("%016llx %8llu %8llu %8llu %8llu %8llu %8llu %8llu %c%c%c%c %s\n",
		       r->start, KB(r->end - r->start),
		       KB(r->anon + r->file + r->shmem), KB(r->anon),
		       KB(r->file), KB(r->shmem), KB(r->anon_huge), KB(r->swap),
		       r->flags & PROCMAP_QUERY_VMA_READABLE ? 'r' : '-',
		       r->flags & PROCMAP_QUERY_VMA_WRITABLE ? 'w' : '-',
		       r->flags & PROCMAP_QUERY_VMA_EXECUTABLE ? 'x' : '-',
		       r->flags & PROCMAP_QUERY_VMA_SHARED ? 's' : 'p',
		       r->name ? r->name : "");
	}
	printf("%-16s %8llu %8llu %8llu %8llu %8llu %8llu %8llu %4s %ld VMAs\n",
	       "total", KB(t->size), KB(t->rss), KB(t->anon), KB(t->file),
	       KB(t->shmem), KB(t->anon_huge), KB(t->swap), "", t->nvma);
}

/* PIDs named on the command line: a table of VMAs or --compare lines. */
static int do_pids(int npids, char **pids)
{
	int i, err, ret = 0, count[3] = { 0 };
	struct proc_ent e;
	struct totals t;
	char comm[64];

	if (compare)
		print_cmp_header();
	for (i = 0; i < npids; i++) {
		if (compare) {
			err = read_proc(pids[i], &e);
			if (!err) {
				read_comm(pids[i], e.comm, sizeof(e.comm));
				print_cmp(&e);
				count[e.verdict]++;
				if (e.verdict == V_MISMATCH)
					ret = 4;
			}
		} else {
			err = read_counters(pids[i], true, &t);
			if (err == -EINVAL || err == -ENOTTY) {
				fprintf(stderr, "vmastat: /proc/%s/maps: %s ioctl: %s\n",
					pids[i], source_names[csrc], strerror(-err));
				return 2;
			}
			if (!err) {
				if (npids > 1) {
					read_comm(pids[i], comm, sizeof(comm));
					printf("%s:   %s\n", pids[i], comm);
				}
				print_vmas(&vmas, &t);
			}
		}
		if (err) {
			fprintf(stderr, "vmastat: %s: %s\n", pids[i],
				err == -ENOENT ? "no such process" :
				err == -ESRCH ? "no mm (exited, or a kernel thread)" :
				strerror(-err));
			if (!ret)
				ret = 3;
		}
	}
	if (compare)
		print_cmp_total(count);
	return ret;
}

static int cmp_rss(const void *a, const void *b)
{
	const struct proc_ent *x = a, *y = b;

	if (x->t.rss != y->t.rss)
		return x->t.rss < y->t.rss ? 1 : -1;
	return x->pid - y->pid;
}

/* Every process of /proc. */
static int do_all(void)
{
	struct proc_ent *ents = NULL, *e;
	size_t n = 0, cap = 0, i;
	int err, ret = 0, nacces = 0, count[3] = { 0 };
	struct totals tot = { 0 };
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir) {
		perror("vmastat: /proc");
		return 3;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
		    d->d_name[strspn(d->d_name, "0123456789")])
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			e = realloc(ents, cap * sizeof(*ents));
			if (!e) {
				perror("vmastat");
				return 3;
			}
			ents = e;
		}
		e = &ents[n];
		err = read_proc(d->d_name, e);
		if (err == -EACCES || err == -EPERM) {
			nacces++;
			continue;
		}
		if (err == -ESRCH || err == -ENOENT)
			continue;
		if (err) {
			fprintf(stderr, "vmastat: %s: %s\n", d->d_name,
				strerror(-err));
			continue;
		}
		read_comm(d->d_name, e->comm, sizeof(e->comm));
		n++;
	}
	closedir(dir);
	qsort(ents, n, sizeof(*ents), cmp_rss);

	if (compare) {
		print_cmp_header();
		for (i = 0; i < n; i++) {
			print_cmp(&ents[i]);
			count[ents[i].verdict]++;
			if (ents[i].verdict == V_MISMATCH)
				ret = 4;
		}
		print_cmp_total(count);
	} else {
		if (!no_header)
			printf("%7s %8s %8s %8s %8s %8s %s\n", "PID", "Rss",
			       "Anon", "File", "Shmem", "Swap", "Command");
		for (i = 0; i < n; i++) {
			const struct totals *t = &ents[i].t;

			printf("%7d %8llu %8llu %8llu %8llu %8llu %s\n",
			       ents[i].pid, KB(t->rss), KB(t->anon),
			       KB(t->file), KB(t->shmem), KB(t->swap),
			       ents[i].comm);
			tot.rss += t->rss;
			tot.anon += t->anon;
			tot.file += t->file;
			tot.shmem += t->shmem;
			tot.swap += t->swap;
		}
		printf("%7s %8llu %8llu %8llu %8llu %8llu %zu processes\n",
		       "total", KB(tot.rss), KB(tot.anon), KB(tot.file),
		       KB(tot.shmem), KB(tot.swap), n);
	}
	if (nacces)
		fprintf(stderr, "vmastat: %d processes not readable\n", nacces);
	free(ents);
	return ret;
}

/* Whether the kernel has PROCMAP_SCAN and PROCMAP_QUERY with VMA_RSS. */
static void probe(int *scan_err, int *query_err)
{
	struct procmap_scan_arg arg = { 0 };
	struct procmap_query q = { 0 };
	struct procmap_vma v;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*scan_err = *query_err = errno;
		return;
	}
	arg.size = sizeof(arg);
	arg.flags = PROCMAP_QUERY_VMA_RSS;
	arg.end = ~0ULL;
	arg.vec = (unsigned long)&v;
	arg.vec_len = 1;
	arg.rec_size = sizeof(v);
	*scan_err = ioctl(fd, PROCMAP_SCAN, &arg) < 0 ? errno : 0;
	q.size = sizeof(q);
	q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_VMA_RSS;
	*query_err = ioctl(fd, PROCMAP_QUERY, &q) ? errno : 0;
	close(fd);
}

static bool valid_pid(const char *s)
{
	if (!strcmp(s, "self"))
		return true;
	return s[0] >= '1' && s[0] <= '9' && !s[strspn(s, "0123456789")] &&
	       strlen(s) < 11;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "compare", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i, scan_err, query_err;
	bool all = false;

	while ((c = getopt_long(argc, argv, "aHh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'c':
			compare = true;
			break;
		case 'H':
			no_header = true;
			break;
		case 's':
			for (i = 0; i <= SRC_ROLLUP; i++)
				if (!strcmp(optarg, source_names[i]))
					break;
			if (i > SRC_ROLLUP) {
				fprintf(stderr, "vmastat: unknown source '%s'\n", optarg);
				print_usage(argv[0]);
				return 1;
			}
			source = i;
			break;
		default:
			print_usage(argv[0]);
			return 1;
		}
	}
	if (all == (optind < argc)) {
		print_usage(argv[0]);
		return 1;
	}
	for (i = optind; i < argc; i++) {
		if (!valid_pid(argv[i])) {
			fprintf(stderr, "vmastat: '%s' is not a PID\n", argv[i]);
			print_usage(argv[0]);
			return 1;
		}
	}
	if (source == SRC_ROLLUP && (compare || !all)) {
		fprintf(stderr, "vmastat: --source=rollup has no per-VMA counters: "
			"only with -a, not with PIDs or --compare\n");
		return 1;
	}

	if (source == SRC_ROLLUP) {
		csrc = SRC_ROLLUP;
	} else {
		probe(&scan_err, &query_err);
		if (source != SRC_QUERY && !scan_err)
			csrc = SRC_SCAN;
		else if (source != SRC_SCAN && !query_err)
			csrc = SRC_QUERY;
		else
			csrc = SRC_ROLLUP;
		if (csrc == SRC_ROLLUP && source != SRC_AUTO) {
			fprintf(stderr, "vmastat: --source=%s: %s: %s\n",
				source_names[source], source == SRC_SCAN ?
				"PROCMAP_SCAN" : "PROCMAP_QUERY_VMA_RSS",
				strerror(source == SRC_SCAN ? scan_err : query_err));
			return 2;
		}
		if (csrc == SRC_ROLLUP && (!all || compare)) {
			fprintf(stderr, "vmastat: no per-VMA rss counters in this "
				"kernel (PROCMAP_SCAN: %s, PROCMAP_QUERY_VMA_RSS: %s)%s\n",
				strerror(scan_err), strerror(query_err),
				compare ? ": nothing to compare smaps_rollup with" : "");
			return 2;
		}
	}
	return all ? do_all() : do_pids(argc - optind, argv + optind);
}
