/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the smaps selftests: read a whole /proc file, split
 * smaps into per-VMA records, look fields up by name, set up swap on zram.
 */
#ifndef SMAPS_UTIL_H
#define SMAPS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>

#define SMAPS_MAX_FIELDS 40

/*
 * The fields of one /proc/PID/smaps record, in order, as
 * Documentation/filesystems/proc.rst documents them and procps-ng's pmap
 * -X/-XX expects them (ProtectionKey follows only with pkeys).
 */
static const char * const smaps_field_names[] = {
	"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
	"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
	"Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages",
	"ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb",
	"Swap", "SwapPss", "Locked", "THPeligible",
};

#define NR_SMAPS_FIELDS (int)(sizeof(smaps_field_names) / sizeof(smaps_field_names[0]))

struct smaps_field {
	char name[32];
	unsigned long val;		/* kB for " kB" fields, else the number */
};

struct smaps_vma {
	unsigned long start, end;
	char header[512];
	int nr_fields;
	struct smaps_field f[SMAPS_MAX_FIELDS];
	char vmflags[256];
};

/* Read a whole file into a malloc'd, NUL-terminated buffer. */
static char *read_file(const char *path, size_t *lenp)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				break;
		}
	}
	close(fd);
	if (!buf || n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/*
 * A process's smaps and smaps_rollup (@smaps and @rollup are their paths),
 * read one after the other into one malloc'd string, for comparing two
 * reads whole; NULL if either cannot be read.
 */
static char *read_smaps_and_rollup(const char *smaps, const char *rollup)
{
	char *a = read_file(smaps, NULL), *b = read_file(rollup, NULL);
	char *both = NULL;

	if (a && b && asprintf(&both, "%s=== smaps_rollup\n%s", a, b) < 0)
		both = NULL;
	free(a);
	free(b);
	return both;
}

static int is_vma_header(const char *line)
{
	unsigned long a, b;
	char c;

	return sscanf(line, "%lx-%lx %c", &a, &b, &c) == 3;
}

/*
 * Parse smaps text into records.  Returns the number of VMAs, or -1 on a
 * malformed line.  The text is modified (lines are split in place).
 */
static int parse_smaps(char *text, struct smaps_vma **out)
{
	int n = 0, cap = 64;
	struct smaps_vma *v = calloc(cap, sizeof(*v)), *cur = NULL;
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (is_vma_header(line)) {
			if (n == cap) {
				cap *= 2;
				v = realloc(v, cap * sizeof(*v));
			}
			cur = &v[n++];
			memset(cur, 0, sizeof(*cur));
			sscanf(line, "%lx-%lx", &cur->start, &cur->end);
			snprintf(cur->header, sizeof(cur->header), "%s", line);
		} else if (!cur) {
			free(v);
			return -1;
		} else if (!strncmp(line, "VmFlags:", 8)) {
			snprintf(cur->vmflags, sizeof(cur->vmflags), "%s", line + 8);
		} else {
			char *colon = strchr(line, ':');
			struct smaps_field *f;

			if (!colon || cur->nr_fields == SMAPS_MAX_FIELDS) {
				free(v);
				return -1;
			}
			f = &cur->f[cur->nr_fields++];
			snprintf(f->name, sizeof(f->name), "%.*s", (int)(colon - line), line);
			f->val = strtoul(colon + 1, NULL, 10);
		}
	}
	*out = v;
	return n;
}

/* Value of field @name of @v, or -1 if absent. */
static long smaps_get(const struct smaps_vma *v, const char *name)
{
	for (int i = 0; i < v->nr_fields; i++)
		if (!strcmp(v->f[i].name, name))
			return v->f[i].val;
	return -1;
}

static struct smaps_vma *smaps_find(struct smaps_vma *v, int n, unsigned long addr)
{
	for (int i = 0; i < n; i++)
		if (v[i].start <= addr && addr < v[i].end)
			return &v[i];
	return NULL;
}

/*
 * PROCMAP_QUERY with PROCMAP_QUERY_VMA_RSS for the VMA at or after @addr, on
 * @maps_fd (an open /proc/PID/maps).  Returns 0 or -errno.
 */
static int query_rss(int maps_fd, unsigned long addr, struct procmap_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_VMA_RSS;
	q->query_addr = addr;
	return ioctl(maps_fd, PROCMAP_QUERY, q) ? -errno : 0;
}

/*
 * PROCMAP_SCAN of [@start, @end) with @flags into @vec (@vec_len records of
 * @rec_size bytes): the number of records filled, or -errno.  *@walk_end,
 * if not NULL, is set to where the scan stopped (0x5a5a5a5a if the kernel
 * left it alone).
 */
static int scan(int fd, __u64 flags, __u64 start, __u64 end, void *vec,
		__u64 vec_len, __u64 rec_size, __u64 *walk_end)
{
	struct procmap_scan_arg arg = {
		.size = sizeof(arg),
		.flags = flags,
		.start = start,
		.end = end,
		.walk_end = 0x5a5a5a5a,
		.vec = (__u64)(unsigned long)vec,
		.vec_len = vec_len,
		.rec_size = rec_size,
	};
	int ret = ioctl(fd, PROCMAP_SCAN, &arg);

	if (walk_end)
		*walk_end = arg.walk_end;
	return ret < 0 ? -errno : ret;
}

/*
 * Have the kernel check @pid's per-VMA rss counters against a walk of its
 * page tables (debugfs vma_rss/verify: CONFIG_PER_VMA_RSS + CONFIG_DEBUG_VM).
 * Returns 0 if they agree, -ENODEV if the kernel has no such check, or the
 * -errno of the write (-EUCLEAN: they differ; -ESRCH: no such process).
 */
static int vma_rss_verify(pid_t pid)
{
	char buf[32];
	int fd = open("/sys/kernel/debug/vma_rss/verify", O_WRONLY), len, ret = 0;

	if (fd < 0)
		return -ENODEV;
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;
	ssize_t len = strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Swap for tests that page out, on zram if there is none.  A v1 swap header
 * is written here (no mkswap needed): "SWAPSPACE2" in the last 10 bytes of
 * the first page, version 1 and the last page at offset 1024.
 */
#define ZRAM_SYS	"/sys/block/zram0"
#define ZRAM_SIZE	"64M"

static bool swap_active(void)
{
	char *swaps = read_file("/proc/swaps", NULL);
	bool have = swaps && strchr(swaps, '\n') &&
		    strchr(swaps, '\n')[1] != '\0';

	free(swaps);
	return have;
}

static int write_swap_header(const char *dev)
{
	long page = sysconf(_SC_PAGESIZE);
	char *hdr = calloc(1, page);
	uint32_t version = 1, last;
	int fd, err = 0;
	off_t size;

	if (!hdr)
		return -ENOMEM;
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		free(hdr);
		return -errno;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 16 * page) {
		err = size < 0 ? -errno : -ENOSPC;
		goto out;
	}
	last = size / page - 1;
	memcpy(hdr + 1024, &version, 4);	/* info.version */
	memcpy(hdr + 1028, &last, 4);		/* info.last_page */
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, hdr, page, 0) != page || fsync(fd))
		err = -errno;
out:
	close(fd);
	free(hdr);
	return err;
}

/*
 * Returns 1 if swap on zram0 was set up here (to be undone), 0 if swap was
 * active already, or -1 with @why filled in.
 */
static int setup_swap(char *dev, size_t devlen, char *why, size_t whylen)
{
	unsigned int maj, min;
	struct stat st;
	char *text;
	int err;

	if (swap_active())
		return 0;
	if (access(ZRAM_SYS "/disksize", W_OK)) {
		snprintf(why, whylen, "no active swap and no %s (%s)",
			 ZRAM_SYS, strerror(errno));
		return -1;
	}
	write_str(ZRAM_SYS "/reset", "1");	/* a left-over size */
	err = write_str(ZRAM_SYS "/disksize", ZRAM_SIZE);
	if (err) {
		snprintf(why, whylen, "zram0 disksize: %s", strerror(-err));
		return -1;
	}
	snprintf(dev, devlen, "/dev/zram0");
	if (stat(dev, &st) || !S_ISBLK(st.st_mode)) {
		text = read_file(ZRAM_SYS "/dev", NULL);
		snprintf(dev, devlen, "/tmp/selftest-zram0");
		unlink(dev);
		if (!text || sscanf(text, "%u:%u", &maj, &min) != 2 ||
		    mknod(dev, S_IFBLK | 0600, makedev(maj, min))) {
			snprintf(why, whylen, "no device node for zram0");
			free(text);
			goto reset;
		}
		free(text);
	}
	err = write_swap_header(dev);
	if (err) {
		snprintf(why, whylen, "swap header on %s: %s", dev,
			 strerror(-err));
		goto reset;
	}
	if (swapon(dev, 0)) {
		snprintf(why, whylen, "swapon %s: %s", dev, strerror(errno));
		goto reset;
	}
	return 1;
reset:
	write_str(ZRAM_SYS "/reset", "1");
	return -1;
}

static void teardown_swap(const char *dev)
{
	swapoff(dev);
	write_str(ZRAM_SYS "/reset", "1");
	if (strcmp(dev, "/dev/zram0"))
		unlink(dev);
}

#endif
