// SPDX-License-Identifier: GPL-2.0
/*
 * vmastat PID: a pmap-like table of what each VMA of PID maps, from the
 * PROCMAP_QUERY ioctl with PROCMAP_QUERY_VMA_RSS: per-VMA counters kept by
 * the kernel, so no page table is walked and the cost is one RCU lookup and
 * one VMA read lock per VMA, whatever the process's size.
 *
 * Columns are in kB, like pmap -X: Rss (= Anon + File + Shmem), Anon,
 * File, Shmem, AnonHuge (PMD-mapped anonymous THP), Swap.
 *
 * Exit status: 0; 1 on a usage error; 2 if the kernel has no
 * PROCMAP_QUERY_VMA_RSS (EINVAL) or no PROCMAP_QUERY (ENOTTY); 3 if the
 * process cannot be read (ESRCH, EACCES).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#define KB(x) ((unsigned long long)(x) >> 10)

int main(int argc, char **argv)
{
	unsigned long long tot[6] = { 0 };
	struct procmap_query q;
	char path[64], name[256];
	unsigned long addr = 0;
	int fd, n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PID\n", argv[0]);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 3;
	}
	printf("%-16s %8s %8s %8s %8s %8s %8s %8s %4s %s\n", "Address", "Kbytes", "Rss",
	       "Anon", "File", "Shmem", "AnonHuge", "Swap", "Mode", "Mapping");
	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_VMA_RSS;
		q.query_addr = addr;
		q.vma_name_addr = (unsigned long)name;
		q.vma_name_size = sizeof(name);
		if (ioctl(fd, PROCMAP_QUERY, &q)) {
			if (errno == ENOENT)
				break;
			fprintf(stderr, "PROCMAP_QUERY at %#lx: %s%s\n", addr, strerror(errno),
				errno == EINVAL || errno == ENOTTY ?
				" (a kernel without per-VMA rss counters?)" : "");
			return errno == EINVAL || errno == ENOTTY ? 2 : 3;
		}
		if (!q.vma_name_size)
			name[0] = 0;
		unsigned long long rss = q.rss_anon + q.rss_file + q.rss_shmem;

		printf("%016llx %8llu %8llu %8llu %8llu %8llu %8llu %8llu %c%c%c%c %s\n",
		       (unsigned long long)q.vma_start, KB(q.vma_end - q.vma_start), KB(rss),
		       KB(q.rss_anon), KB(q.rss_file), KB(q.rss_shmem), KB(q.anon_huge),
		       KB(q.swap),
		       q.vma_flags & PROCMAP_QUERY_VMA_READABLE ? 'r' : '-',
		       q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE ? 'w' : '-',
		       q.vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE ? 'x' : '-',
		       q.vma_flags & PROCMAP_QUERY_VMA_SHARED ? 's' : 'p', name);
		tot[0] += q.vma_end - q.vma_start;
		tot[1] += rss;
		tot[2] += q.rss_anon;
		tot[3] += q.rss_file;
		tot[4] += q.rss_shmem;
		tot[5] += q.swap;
		addr = q.vma_end;
		n++;
	}
	printf("%-16s %8llu %8llu %8llu %8llu %8llu %8s %8llu      %d VMAs\n", "total", KB(tot[0]),
	       KB(tot[1]), KB(tot[2]), KB(tot[3]), KB(tot[4]), "", KB(tot[5]), n);
	close(fd);
	return 0;
}
