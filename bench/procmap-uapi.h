/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PROCMAP_QUERY (with the rss fields) and PROCMAP_SCAN definitions of
 * include/uapi/linux/fs.h, for bench tools built against headers that
 * predate them: the same layouts and ioctl numbers, checked below.
 */
#ifndef PROCMAP_UAPI_H
#define PROCMAP_UAPI_H

#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/types.h>

#ifndef PROCFS_IOCTL_MAGIC
#define PROCFS_IOCTL_MAGIC	'f'
#endif

#ifndef PROCMAP_QUERY_SIZE_VER1
#ifdef PROCMAP_QUERY
/* An older header: its struct procmap_query has no rss fields. */
#define procmap_query		vmastat_procmap_query
#else
#define PROCMAP_QUERY_SIZE_VER0	104
#define PROCMAP_QUERY	_IOC(_IOC_READ | _IOC_WRITE, PROCFS_IOCTL_MAGIC, 17, \
			     PROCMAP_QUERY_SIZE_VER0)
#define PROCMAP_QUERY_VMA_READABLE		0x01
#define PROCMAP_QUERY_VMA_WRITABLE		0x02
#define PROCMAP_QUERY_VMA_EXECUTABLE		0x04
#define PROCMAP_QUERY_VMA_SHARED		0x08
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA	0x10
#define PROCMAP_QUERY_FILE_BACKED_VMA		0x20
#endif
#define PROCMAP_QUERY_SIZE_VER1	160
#define PROCMAP_QUERY_VMA_RSS	0x40

struct procmap_query {
	__u64 size;
	__u64 query_flags;		/* in */
	__u64 query_addr;		/* in */
	__u64 vma_start;		/* out */
	__u64 vma_end;			/* out */
	__u64 vma_flags;		/* out */
	__u64 vma_page_size;		/* out */
	__u64 vma_offset;		/* out */
	__u64 inode;			/* out */
	__u32 dev_major;		/* out */
	__u32 dev_minor;		/* out */
	__u32 vma_name_size;		/* in/out */
	__u32 build_id_size;		/* in/out */
	__u64 vma_name_addr;		/* in */
	__u64 build_id_addr;		/* in */
	__u64 rss_anon;			/* out */
	__u64 rss_file;			/* out */
	__u64 rss_shmem;		/* out */
	__u64 swap;			/* out */
	__u64 anon_huge;		/* out */
	__u64 file_pmd_mapped;		/* out */
	__u64 shmem_pmd_mapped;		/* out */
};
#endif /* PROCMAP_QUERY_SIZE_VER1 */

#ifndef PROCMAP_SCAN
struct procmap_vma {
	__u64 vma_start;		/* out */
	__u64 vma_end;			/* out */
	__u64 vma_flags;		/* out */
	__u64 vma_page_size;		/* out */
	__u64 vma_offset;		/* out */
	__u64 inode;			/* out */
	__u32 dev_major;		/* out */
	__u32 dev_minor;		/* out */
	__u64 rss_anon;			/* out */
	__u64 rss_file;			/* out */
	__u64 rss_shmem;		/* out */
	__u64 swap;			/* out */
	__u64 anon_huge;		/* out */
	__u64 file_pmd_mapped;		/* out */
	__u64 shmem_pmd_mapped;		/* out */
};

struct procmap_scan_arg {
	__u64 size;			/* in */
	__u64 flags;			/* in */
	__u64 start;			/* in */
	__u64 end;			/* in */
	__u64 walk_end;			/* out */
	__u64 vec;			/* in */
	__u64 vec_len;			/* in */
	__u64 rec_size;			/* in */
};

#define PROCMAP_VMA_SIZE_VER0	112
#define PROCMAP_SCAN_SIZE_VER0	64
#define PROCMAP_SCAN	_IOC(_IOC_READ | _IOC_WRITE, PROCFS_IOCTL_MAGIC, 18, \
			     PROCMAP_SCAN_SIZE_VER0)
#endif /* PROCMAP_SCAN */

_Static_assert(sizeof(struct procmap_query) == PROCMAP_QUERY_SIZE_VER1,
	       "struct procmap_query layout");
_Static_assert(sizeof(struct procmap_vma) == PROCMAP_VMA_SIZE_VER0,
	       "struct procmap_vma layout");
_Static_assert(sizeof(struct procmap_scan_arg) == PROCMAP_SCAN_SIZE_VER0,
	       "struct procmap_scan_arg layout");

#endif /* PROCMAP_UAPI_H */
