/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locking one VMA at a time for readers of another process's address space
 * (/proc/PID/maps, smaps, smaps_rollup, PROCMAP_QUERY), without holding the
 * target's mmap_lock: see mm/vma_read.c.
 */
#ifndef _LINUX_VMA_READ_H
#define _LINUX_VMA_READ_H

#include <linux/mm_types.h>
#include <linux/mmap_lock.h>
#include <linux/mmdebug.h>

/* How vma_read_lock_next() got its VMA; counted per CPU, see debugfs. */
enum vma_read_path {
	VMA_READ_RCU,		/* under RCU, first try */
	VMA_READ_RETRY,		/* under RCU after the VMA was replaced */
	VMA_READ_WAIT,		/* under RCU after waiting for a writer */
	VMA_READ_MMAP_LOCK,	/* last resort: under mmap_read_lock */
	VMA_READ_WRITER_WAITED,	/* a writer queued on mmap_lock behind us */
	VMA_READ_GAP_LOOKUP,	/* a gap found while a writer came: looked again */
	NR_VMA_READ_PATHS,
};

/*
 * For readers that step from VMA to VMA and do not sleep while they look at
 * one (/proc/PID/maps): one RCU read section spans the steps, and a maple
 * iterator moves to the next VMA instead of descending from the root for
 * each.  See vma_read_iter_next().
 */
struct vma_read_iter {
	struct mm_struct *mm;
	struct vma_iterator vmi;
	unsigned long next_addr;	/* where vmi stands; -1: must be set */
	unsigned int seq;		/* mm_lock_seq when vmi got there */
};

struct vm_area_struct *vma_read_lock_next(struct mm_struct *mm,
					  unsigned long addr);
void vma_read_iter_start(struct vma_read_iter *it, struct mm_struct *mm);
struct vm_area_struct *vma_read_iter_next(struct vma_read_iter *it,
					  unsigned long addr);
void vma_read_iter_end(struct vma_read_iter *it);
void vma_read_unlock(struct vm_area_struct *vma);
bool vma_read_yield(struct vm_area_struct *vma, unsigned long addr);
void vma_read_count(enum vma_read_path path);

#ifdef CONFIG_PER_VMA_LOCK
/*
 * For a writer that unmaps a range and maps it again within one mmap_lock
 * write section (mremap() to a fixed address over an older mapping): the
 * range has no VMA in between, but was never a gap to the process, whose
 * faults wait for mmap_lock.  Readers that find a gap while mm_hole_seq is
 * odd, or moved, wait for the writer (vma_read_found()).
 */
static inline void vma_read_hole_begin(struct mm_struct *mm)
{
	mmap_assert_write_locked(mm);
	VM_WARN_ON_ONCE(mm->mm_hole_seq.sequence & 1);
	do_raw_write_seqcount_begin(&mm->mm_hole_seq);
}

static inline void vma_read_hole_end(struct mm_struct *mm)
{
	mmap_assert_write_locked(mm);
	VM_WARN_ON_ONCE(!(mm->mm_hole_seq.sequence & 1));
	ASSERT_EXCLUSIVE_WRITER(mm->mm_hole_seq);
	do_raw_write_seqcount_end(&mm->mm_hole_seq);
}
#else
static inline void vma_read_hole_begin(struct mm_struct *mm) {}
static inline void vma_read_hole_end(struct mm_struct *mm) {}
#endif

#if defined(CONFIG_PER_VMA_LOCK) && defined(CONFIG_DEBUG_VM)
void vma_read_hole_inject_delay(void);
#else
static inline void vma_read_hole_inject_delay(void) {}
#endif

#endif /* _LINUX_VMA_READ_H */
