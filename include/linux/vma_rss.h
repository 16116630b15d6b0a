/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VMA rss counters: what moves them between VMAs (split, merge, mremap,
 * UFFDIO_MOVE), what counts them from the page tables, and what checks
 * them.  The counters themselves and the helpers that charge a VMA and its
 * mm together are in <linux/mm.h> (vma_add_counter()); see mm/vma_rss.c.
 */
#ifndef _LINUX_VMA_RSS_H
#define _LINUX_VMA_RSS_H

#include <linux/mm.h>

/* Counts in the format of vma->vm_rss[] (pages, and PMDs above them). */
struct vma_rss_count {
	long raw[NR_MM_COUNTERS];
};

#ifdef CONFIG_PER_VMA_RSS
int vma_rss_pte_member(struct vm_area_struct *vma, unsigned long addr,
		       pte_t pte);
int vma_rss_pmd_member(struct vm_area_struct *vma, pmd_t pmd);
void vma_rss_count_range(struct vm_area_struct *vma, unsigned long start,
			 unsigned long end, struct vma_rss_count *count);
void vma_rss_move(struct vm_area_struct *from, struct vm_area_struct *to,
		  const struct vma_rss_count *count);
void vma_rss_move_range(struct vm_area_struct *from,
			struct vm_area_struct *to,
			unsigned long start, unsigned long end);
void vma_rss_fold(struct vm_area_struct *dst, struct vm_area_struct *src);
void vma_rss_zero(struct vm_area_struct *vma);
bool vma_rss_snapshot(struct vm_area_struct *vma, struct vma_rss_count *count);
bool vma_rss_none(struct vm_area_struct *vma);
bool vma_rss_maps_nothing(struct vm_area_struct *vma);

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

void vma_rss_move_pmd(struct vm_area_struct *from, struct vm_area_struct *to,
		      pmd_t pmd);

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
static inline void vma_rss_count_pte_fast(struct vma_rss_count *count,
					  struct vm_area_struct *vma,
					  unsigned long addr, pte_t pte,
					  bool anon)
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
static inline void vma_rss_count_range(struct vm_area_struct *vma,
				       unsigned long start, unsigned long end,
				       struct vma_rss_count *count)
{
}

static inline void vma_rss_move(struct vm_area_struct *from,
				struct vm_area_struct *to,
				const struct vma_rss_count *count)
{
}

static inline void vma_rss_move_range(struct vm_area_struct *from,
				      struct vm_area_struct *to,
				      unsigned long start, unsigned long end)
{
}

static inline void vma_rss_move_pmd(struct vm_area_struct *from,
				    struct vm_area_struct *to, pmd_t pmd)
{
}

static inline void vma_rss_fold(struct vm_area_struct *dst,
				struct vm_area_struct *src)
{
}

static inline void vma_rss_zero(struct vm_area_struct *vma)
{
}

static inline bool vma_rss_none(struct vm_area_struct *vma)
{
	return false;
}

static inline bool vma_rss_maps_nothing(struct vm_area_struct *vma)
{
	return false;
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

static inline void vma_rss_count_pte_fast(struct vma_rss_count *count,
					  struct vm_area_struct *vma,
					  unsigned long addr, pte_t pte,
					  bool anon)
{
}
#endif /* CONFIG_PER_VMA_RSS */

#if defined(CONFIG_PER_VMA_RSS) && defined(CONFIG_PER_VMA_LOCK)
unsigned long vma_rss_pass_empty(struct mm_struct *mm, unsigned long addr,
				 unsigned long *first);
#else
static inline unsigned long vma_rss_pass_empty(struct mm_struct *mm,
					       unsigned long addr,
					       unsigned long *first)
{
	return addr;
}
#endif

#if defined(CONFIG_PER_VMA_RSS) && defined(CONFIG_DEBUG_VM)
void vma_rss_check_free(struct vm_area_struct *vma);
#else
static inline void vma_rss_check_free(struct vm_area_struct *vma)
{
}
#endif

#endif /* _LINUX_VMA_RSS_H */
