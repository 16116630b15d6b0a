/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a VMA maps, from the rss counts of its page tables: what sums them,
 * what counts entries one by one, and what checks them.  The counts
 * themselves and the helpers that charge a table and its mm together are in
 * <linux/mm.h> (pte_add_counter()); see mm/vma_rss.c.
 */
#ifndef _LINUX_VMA_RSS_H
#define _LINUX_VMA_RSS_H

#include <linux/mm.h>

struct mm_walk;

/*
 * What a VMA or a range maps, indexed like mm->rss_stat[]: pages and swap
 * entries in the low VMA_RSS_PMD_SHIFT bits, and, for the file, anon and
 * shmem counters, PMD mappings of THPs above them.  2^40 pages and 2^23 PMDs
 * (4 PiB, 16 TiB) bound what one VMA can map.
 */
#define VMA_RSS_PMD_SHIFT	40
#define VMA_RSS_PMD_ONE		((long)BIT(VMA_RSS_PMD_SHIFT))
#define VMA_RSS_PAGES_MASK	(VMA_RSS_PMD_ONE - 1)

struct vma_rss_count {
	long raw[NR_MM_COUNTERS];
};

/*
 * Where a walk of one VMA's page tables last found a PMD, for a reader that
 * goes on to the next VMA of the same 2 MiB (small VMAs, as allocators'
 * arenas and guard pages make them): its walk starts there instead of
 * descending from the PGD again.  One per reader of one mm, set up with
 * VMA_RSS_LAST_PMD_INIT; see vma_rss_last_pmd_covers().
 */
struct vma_rss_last_pmd {
	pmd_t *pmd;
	unsigned long addr;	/* the 2 MiB @pmd maps; 1: none */
	unsigned long when;	/* jiffies then */
	unsigned int seq;	/* mm->mm_lock_seq then */
};

#define VMA_RSS_LAST_PMD_INIT	((struct vma_rss_last_pmd){ .addr = 1 })

#ifdef CONFIG_PER_VMA_RSS
int vma_rss_pte_member(struct vm_area_struct *vma, unsigned long addr,
		       pte_t pte);
void vma_rss_sum(struct vm_area_struct *vma, struct vma_rss_count *count);
int vma_rss_sum_atomic(struct vm_area_struct *vma, struct vma_rss_count *count,
		       long *budget);
int vma_rss_sum_atomic_near(struct vm_area_struct *vma,
			    struct vma_rss_count *count, long *budget,
			    struct vma_rss_last_pmd *last);
bool vma_rss_walk_usable(struct vm_area_struct *vma);
unsigned long vma_rss_next_pmd(struct vm_area_struct *vma, unsigned long start,
			       unsigned long end);
int vma_rss_walk_tables(struct vm_area_struct *vma, unsigned long start,
			unsigned long end,
			int (*pmd_entry)(pmd_t *pmd, unsigned long addr,
					 unsigned long next,
					 struct mm_walk *walk),
			struct mm_walk *walk, long *budget);
int vma_rss_walk_tables_near(struct vm_area_struct *vma, unsigned long start,
			     unsigned long end,
			     int (*pmd_entry)(pmd_t *pmd, unsigned long addr,
					      unsigned long next,
					      struct mm_walk *walk),
			     struct mm_walk *walk, long *budget,
			     struct vma_rss_last_pmd *last);

/* Pages (or swap entries) of @member in @count, PMD-mapped or not. */
static inline unsigned long vma_rss_count_pages(const struct vma_rss_count *count,
						int member)
{
	return count->raw[member] & VMA_RSS_PAGES_MASK;
}

/* PMD mappings of THPs of @member in @count. */
static inline unsigned long vma_rss_count_pmds(const struct vma_rss_count *count,
					       int member)
{
	return count->raw[member] >> VMA_RSS_PMD_SHIFT;
}

/* Count the entry @pte (at @addr in @vma) into @count. */
static inline void vma_rss_count_pte(struct vma_rss_count *count,
				     struct vm_area_struct *vma,
				     unsigned long addr, pte_t pte)
{
	int member = vma_rss_pte_member(vma, addr, pte);

	if (member >= 0)
		count->raw[member]++;
}

/*
 * Whether @vma is private anonymous (no file, no vm_ops): there every
 * present PTE that is not special maps an anonymous page (special: the
 * zero page), so counting it needs no look at the page.
 */
static inline bool vma_rss_anon_only(struct vm_area_struct *vma)
{
	return !vma->vm_file && vma_is_anonymous(vma);
}

/*
 * vma_rss_count_pte(), without looking up the page of a present entry when
 * @anon says @vma is vma_rss_anon_only() (for loops that test that once).
 */
static __always_inline void
vma_rss_count_pte_fast(struct vma_rss_count *count, struct vm_area_struct *vma,
		       unsigned long addr, pte_t pte, bool anon)
{
	if (anon && pte_present(pte)) {
#ifdef CONFIG_ARCH_HAS_PTE_SPECIAL
		count->raw[MM_ANONPAGES] += !pte_special(pte);
#else
		count->raw[MM_ANONPAGES] += !is_zero_pfn(pte_pfn(pte));
#endif
		return;
	}
	vma_rss_count_pte(count, vma, addr, pte);
}
#else
static inline void vma_rss_sum(struct vm_area_struct *vma,
			       struct vma_rss_count *count)
{
	memset(count, 0, sizeof(*count));
}

static inline int vma_rss_sum_atomic(struct vm_area_struct *vma,
				     struct vma_rss_count *count, long *budget)
{
	memset(count, 0, sizeof(*count));
	return 0;
}

static inline int vma_rss_sum_atomic_near(struct vm_area_struct *vma,
					  struct vma_rss_count *count,
					  long *budget,
					  struct vma_rss_last_pmd *last)
{
	memset(count, 0, sizeof(*count));
	return 0;
}

static inline bool vma_rss_walk_usable(struct vm_area_struct *vma)
{
	return false;
}

static inline unsigned long vma_rss_next_pmd(struct vm_area_struct *vma,
					     unsigned long start,
					     unsigned long end)
{
	return start;
}

static inline int vma_rss_walk_tables(struct vm_area_struct *vma,
				      unsigned long start, unsigned long end,
				      int (*pmd_entry)(pmd_t *pmd,
						       unsigned long addr,
						       unsigned long next,
						       struct mm_walk *walk),
				      struct mm_walk *walk, long *budget)
{
	return -EOPNOTSUPP;
}

static inline int vma_rss_walk_tables_near(struct vm_area_struct *vma,
					   unsigned long start,
					   unsigned long end,
					   int (*pmd_entry)(pmd_t *pmd,
							    unsigned long addr,
							    unsigned long next,
							    struct mm_walk *walk),
					   struct mm_walk *walk, long *budget,
					   struct vma_rss_last_pmd *last)
{
	return -EOPNOTSUPP;
}

static inline void vma_rss_count_pte(struct vma_rss_count *count,
				     struct vm_area_struct *vma,
				     unsigned long addr, pte_t pte)
{
}

static inline bool vma_rss_anon_only(struct vm_area_struct *vma)
{
	return false;
}

static __always_inline void
vma_rss_count_pte_fast(struct vma_rss_count *count, struct vm_area_struct *vma,
		       unsigned long addr, pte_t pte, bool anon)
{
}
#endif /* CONFIG_PER_VMA_RSS */

#endif /* _LINUX_VMA_RSS_H */
