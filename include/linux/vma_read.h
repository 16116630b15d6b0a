/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locking one VMA at a time for readers of another process's address space
 * (/proc/PID/maps, smaps, smaps_rollup, PROCMAP_QUERY), without holding the
 * target's mmap_lock: see mm/vma_read.c.
 */
#ifndef _LINUX_VMA_READ_H
#define _LINUX_VMA_READ_H

#include <linux/mm_types.h>

/* How vma_read_lock_next() got its VMA; counted per CPU, see debugfs. */
enum vma_read_path {
	VMA_READ_RCU,		/* under RCU, first try */
	VMA_READ_RETRY,		/* under RCU after the VMA was replaced */
	VMA_READ_WAIT,		/* under RCU after waiting for a writer */
	VMA_READ_MMAP_LOCK,	/* last resort: under mmap_read_lock */
	VMA_READ_WRITER_WAITED,	/* a writer queued on mmap_lock behind us */
	NR_VMA_READ_PATHS,
};

struct vm_area_struct *vma_read_lock_next(struct mm_struct *mm,
					  unsigned long addr);
void vma_read_unlock(struct vm_area_struct *vma);
bool vma_read_yield(struct vm_area_struct *vma, unsigned long addr);
void vma_read_count(enum vma_read_path path);

#endif /* _LINUX_VMA_READ_H */
