// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMA maps, from the counts of its page tables.
 *
 * ptdesc->pt_rss of each PTE table counts, like mm->rss_stat[], the file,
 * anon and shmem pages and the swap entries its entries map.  Every place
 * that changes the mm's rss counters for a PTE charges the table that holds
 * it, with pte_add_counter() and friends, under that table's lock, which
 * the code that changes the entry holds anyway: a fault adds to a line its
 * lock already owns, and threads faulting different tables share nothing
 * new.  Entries that move between tables (mremap's move_ptes(), UFFDIO_MOVE)
 * move their counts under both locks; tables that move whole (mremap of
 * whole PMDs or PUDs) take their counts with them; splitting or merging a
 * VMA moves no entry and so no count.
 *
 * What a VMA maps is then (vma_rss_sum()) the counts of the tables that lie
 * inside it, plus a count of the entries of the at most two tables it
 * shares with its neighbours, plus its huge PMDs: one look per 2 MiB of the
 * VMA instead of one per page, and nothing that grows with what it maps.
 *
 * What is counted is what zap_pte_range() uncounts: a present PTE with a
 * normal page, a migration or device entry (as the folio's type), a swap
 * entry; not the zero pages, PFN maps, DAX, hugetlb, hwpoison entries or PTE
 * markers.  A huge PMD that maps a THP or holds its migration entry is seen
 * in the PMD, as HPAGE_PMD_NR pages and one PMD.
 */
#include <linux/mm.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hugetlb.h>
#include <linux/jiffies.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/vma_rss.h>

#include "internal.h"

/* Which counter @pte (at @addr in @vma) counts in, or -1 for none. */
int vma_rss_pte_member(struct vm_area_struct *vma, unsigned long addr,
		       pte_t pte)
{
	struct page *page;
	swp_entry_t entry;

	if (pte_none(pte))
		return -1;
	if (pte_present(pte)) {
		page = vm_normal_page(vma, addr, pte);
		return page ? mm_counter(page_folio(page)) : -1;
	}
	entry = pte_to_swp_entry(pte);
	if (!non_swap_entry(entry))
		return MM_SWAPENTS;
	if (is_migration_entry(entry) || is_device_private_entry(entry) ||
	    is_device_exclusive_entry(entry))
		return mm_counter(pfn_swap_entry_folio(entry));
	return -1;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* Which counter a huge @pmd of @vma counts in, or -1 for none. */
static int vma_rss_pmd_member(struct vm_area_struct *vma, pmd_t pmd)
{
	struct folio *folio;

	if (vma_is_special_huge(vma) || is_huge_zero_pmd(pmd))
		return -1;
	if (pmd_present(pmd))
		folio = page_folio(pmd_page(pmd));
	else if (is_pmd_migration_entry(pmd))
		folio = pfn_swap_entry_folio(pmd_to_swp_entry(pmd));
	else
		return -1;
	return mm_counter(folio);
}
#endif

/*
 * Count the entries of [@addr, @end) at @pte, in a PTE table of @vma whose
 * lock @ptl the caller holds, into @count.
 */
static __always_inline void vma_rss_count_ptes(struct vm_area_struct *vma,
					       pte_t *pte, spinlock_t *ptl,
					       unsigned long addr,
					       unsigned long end, bool anon,
					       struct vma_rss_count *count)
{
	pte_t ptent;

	lockdep_assert_held(ptl);
	for (; addr < end; pte++, addr += PAGE_SIZE) {
		ptent = ptep_get(pte);
		if (!pte_none(ptent))
			vma_rss_count_pte_fast(count, vma, addr, ptent, anon);
	}
}

/*
 * Count what @pmd maps of [@addr, @end) in @vma into @count.  @anon: @vma
 * is private anonymous, see vma_rss_anon_only().
 * Return: false if there was no page table to look at (anymore).
 */
static bool vma_rss_count_pmd_range(struct vm_area_struct *vma, pmd_t *pmd,
				    unsigned long addr, unsigned long end,
				    bool anon, struct vma_rss_count *count)
{
	spinlock_t *ptl;	/* of the PMD, or of the PTE table */
	pte_t *pte;

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	ptl = pmd_trans_huge_lock(pmd, vma);
	if (ptl) {
		int member = vma_rss_pmd_member(vma, *pmd);

		if (member >= 0)
			count->raw[member] += HPAGE_PMD_NR + VMA_RSS_PMD_ONE;
		spin_unlock(ptl);
		return true;
	}
#endif
	pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);
	if (!pte)
		return false;
	vma_rss_count_ptes(vma, pte, ptl, addr, end, anon, count);
	pte_unmap_unlock(pte, ptl);
	return true;
}

#ifdef CONFIG_DEBUG_VM
bool pt_rss_part_keep __read_mostly;

/* Parts of tables counted entry by entry, and taken from pt_rss_part. */
static atomic_long_t vma_rss_part_counted, vma_rss_part_known;

static inline void vma_rss_count_part_known(bool known)
{
	atomic_long_inc(known ? &vma_rss_part_known : &vma_rss_part_counted);
}
#else
static inline void vma_rss_count_part_known(bool known)
{
}
#endif

#define PT_RSS_PART_MASK	(BIT(PT_RSS_PART_BITS) - 1)

/* The index ptdesc->pt_rss_part @part was left for (0: none). */
static inline unsigned int pt_rss_part_index(unsigned long part)
{
	return part & PT_RSS_PART_MASK;
}

/* What the entries below that index count of @member. */
static inline unsigned long pt_rss_part_get(unsigned long part, int member)
{
	return (part >> ((member + 1) * PT_RSS_PART_BITS)) & PT_RSS_PART_MASK;
}

/*
 * Count what the PTE table at @pmd maps of [@addr, @end) in @vma into
 * @count, as vma_rss_count_pmd_range() does, for a part of the table that
 * begins or ends at its edge: @vma shares the table with at most one
 * neighbour, which maps the rest of it.
 *
 * The entries of the part are counted under the table's lock, and what the
 * entries below the index where the parts meet count (the part's counts, or
 * the table's less the part's) is left in the table's pt_rss_part.  A
 * reader of either part after that takes its counts from there, under the
 * lock again, for as long as the table's counts do not change: any change
 * forgets it, under the same lock (pt_rss_store()).  An entry replaced by
 * one of the same kind (a COW of an anonymous page, a migration) changes no
 * count and stays in its part; entries that move within the table (mremap,
 * UFFDIO_MOVE) change its counts twice.  So the part's second read costs
 * one look, not one per entry, where the VMAs meet in a populated table.
 * A part between two neighbours (two indices) is counted entry by entry.
 * A table has one note: a reader replaces a note for another index only if
 * that index lies inside its own part, where no two VMAs meet any more (a
 * boundary that moved).  Otherwise it may be where two other VMAs of a
 * table that holds three or more meet, and the first and the last VMA of
 * such a table would replace each other's note at every read.
 * @budget, if not NULL, was charged for counting the part: a part known
 * gives that back.  The caller found a PTE table at @pmd without its lock
 * (vma_rss_table_counts()); pte_offset_map_lock() looks again.  Only where
 * PT_RSS_PART_FITS: the caller checks.
 *
 * Return: false if there was no PTE table to look at (anymore).
 */
static noinline bool vma_rss_count_part(struct vm_area_struct *vma,
					pmd_t *pmd, unsigned long addr,
					unsigned long end, bool anon,
					struct vma_rss_count *count,
					long *budget)
{
	unsigned int first = pte_index(addr), split = first ?: pte_index(end);
	struct vma_rss_count part = {};
	unsigned long pt_rss, have, lo;
	struct ptdesc *ptdesc;
	spinlock_t *ptl;	/* of the PTE table */
	unsigned int noted;
	bool keep;
	pte_t *pte;
	int i;

	/* A note fits; a part at neither edge lies between two indices. */
	VM_WARN_ON_ONCE(!PT_RSS_PART_FITS || (first && (end & ~PMD_MASK)));
	pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);
	if (!pte)
		return false;
	ptdesc = virt_to_ptdesc(pte);
	pt_rss = ptdesc->pt_rss;
	have = ptdesc->pt_rss_part;
	noted = pt_rss_part_index(have);
	if (noted == split) {
		for (i = 0; i < NR_MM_COUNTERS; i++) {
			lo = pt_rss_part_get(have, i);
			count->raw[i] += first ? pt_rss_get(pt_rss, i) - lo : lo;
		}
		pte_unmap_unlock(pte, ptl);
		if (budget)
			*budget += (end - addr) >> PAGE_SHIFT;
		vma_rss_count_part_known(true);
		return true;
	}
	vma_rss_count_ptes(vma, pte, ptl, addr, end, anon, &part);
	keep = !noted || (first ? noted > split : noted < split);
	have = split;
	for (i = 0; i < NR_MM_COUNTERS; i++) {
		count->raw[i] += part.raw[i];
		if (!keep)
			continue;
		lo = first ? pt_rss_get(pt_rss, i) - part.raw[i] : part.raw[i];
		/* Counts that disagree with the entries: the verifier's. */
		if (part.raw[i] > pt_rss_get(pt_rss, i) || lo > split)
			keep = false;
		have |= (lo & PT_RSS_PART_MASK) << ((i + 1) * PT_RSS_PART_BITS);
	}
	if (keep)
		ptdesc->pt_rss_part = have;
	pte_unmap_unlock(pte, ptl);
	vma_rss_count_part_known(false);
	return true;
}

#ifdef CONFIG_DEBUG_VM
/* The verifier's walk: every entry classified by its page. */
static int vma_rss_count_pmd(pmd_t *pmd, unsigned long addr,
			     unsigned long end, struct mm_walk *walk)
{
	if (!vma_rss_count_pmd_range(walk->vma, pmd, addr, end, false,
				     walk->private))
		walk->action = ACTION_AGAIN;
	/* A split of a huge VMA counts one side: not in one go. */
	cond_resched();
	return 0;
}

/*
 * Walk VM_PFNMAP VMAs too, which the page walker skips by default: a
 * private one holds COW copies (anonymous pages, vm_normal_page() finds
 * them), which wp_page_copy() counted and zap uncounts.
 */
static int vma_rss_test_walk(unsigned long start, unsigned long end,
			     struct mm_walk *walk)
{
	return 0;
}

static const struct mm_walk_ops vma_rss_count_ops = {
	.pmd_entry	= vma_rss_count_pmd,
	.test_walk	= vma_rss_test_walk,
	.walk_lock	= PGWALK_RDLOCK,
};

/*
 * Count what [@start, @end) of @vma maps into @count (zeroed first), with a
 * page walk that classifies every entry by its page: the reference the
 * verifier compares the counts with.
 */
static void vma_rss_walk_range(struct vm_area_struct *vma, unsigned long start,
			       unsigned long end, struct vma_rss_count *count)
{
	memset(count, 0, sizeof(*count));
	mmap_assert_locked(vma->vm_mm);
	if (is_vm_hugetlb_page(vma) || start >= end)
		return;
	walk_page_range_vma(vma, start, end, &vma_rss_count_ops, count);
}
#endif

/*
 * If @pmdval, read without a lock under the caller's rcu_read_lock(), holds
 * a PTE table, read its counts into *@pt_rss.  RCU keeps a table that
 * khugepaged retracts meanwhile (it maps nothing by then).
 * Return: false if it holds none (none, a huge PMD, a migration entry, or a
 * bad one).
 */
static __always_inline bool vma_rss_pmd_table_counts(pmd_t pmdval,
						     unsigned long *pt_rss)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "vma_rss: table read without RCU");
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval))
		return false;
	/* Pairs with the WRITE_ONCE() in pt_rss_store(). */
	*pt_rss = READ_ONCE(page_ptdesc(pmd_page(pmdval))->pt_rss);
	return true;
}

/* Add the packed counts of one table, or a batch's sum of them, to @count. */
static inline void vma_rss_count_add(struct vma_rss_count *count,
				     unsigned long pt_rss)
{
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++)
		count->raw[i] += pt_rss_get(pt_rss, i);
}

/*
 * Read the counts of the PTE table at @pmd into *@pt_rss, without its lock:
 * each change of its counts is one store, so this reads one state of the
 * table.  Not pte_offset_map(), which maps the table for a walk of its
 * entries: only its descriptor is read, under RCU
 * (vma_rss_pmd_table_counts()).
 * Return: false if @pmd holds no PTE table.
 */
static __always_inline bool vma_rss_table_counts(pmd_t *pmd,
						 unsigned long *pt_rss)
{
	bool found;

	rcu_read_lock();
	found = vma_rss_pmd_table_counts(pmdp_get_lockless(pmd), pt_rss);
	rcu_read_unlock();
	return found;
}

/*
 * Whether the PTE table at @pmd counts no entry at all: then the part of it
 * a VMA shares with its neighbours maps nothing either, and need not be
 * looked at entry by entry.  False if there is no table.
 */
static bool vma_rss_table_empty(pmd_t *pmd)
{
	unsigned long pt_rss;

	return vma_rss_table_counts(pmd, &pt_rss) && !pt_rss;
}

/*
 * Looks at a PMD that keeps changing before a pause (cond_resched()), or
 * before an atomic caller gives up.
 */
#define VMA_RSS_PMD_TRIES	4

#ifdef CONFIG_DEBUG_VM
/*
 * PMDs looked at by vma_rss_sum() and vma_rss_walk_tables(): tests check
 * the cost of a read.
 */
static atomic_long_t vma_rss_pmd_looks;

static void vma_rss_count_looks(unsigned long looks)
{
	atomic_long_add(looks, &vma_rss_pmd_looks);
}

/*
 * Walks that started at the last PMD of the walk before, and walks that
 * could not because a writer had been in since: tests check that both
 * happen.
 */
static atomic_long_t vma_rss_near_pmds, vma_rss_near_stale;

static inline void vma_rss_count_near(bool used)
{
	atomic_long_inc(used ? &vma_rss_near_pmds : &vma_rss_near_stale);
}
#else
static inline void vma_rss_count_looks(unsigned long looks)
{
}

static inline void vma_rss_count_near(bool used)
{
}
#endif

struct vma_rss_sum_state {
	struct vm_area_struct *vma;
	struct vma_rss_count *count;
	bool anon;		/* vma_rss_anon_only() */
	unsigned long looks;	/* PMDs looked at */
	long *budget;		/* NULL: the caller can sleep */
};

/*
 * Add what the PMD at @pmd maps of [@addr, @next) in the VMA of @st to its
 * count: all of a PTE table that lies wholly inside the VMA from the
 * table's counts, a part of one, which the VMA shares, from its entries or
 * its note (vma_rss_count_part()), and a huge PMD from its entry.  The
 * table is looked up once without its lock, for its counts: a part of a
 * table that counts nothing maps nothing either.
 * Return: false if the PMD changed under us (look again).
 */
static bool vma_rss_sum_pmd_once(struct vma_rss_sum_state *st, pmd_t *pmd,
				 unsigned long addr, unsigned long next)
{
	unsigned long pt_rss;

	if (!vma_rss_table_counts(pmd, &pt_rss)) {
		if (pmd_none(pmdp_get_lockless(pmd)))
			return true;	/* freed meanwhile: nothing there */
		/* A THP, its migration entry, or not ours to count. */
		return vma_rss_count_pmd_range(st->vma, pmd, addr, next,
					       st->anon, st->count);
	}
	if (next - addr == PMD_SIZE) {
		vma_rss_count_add(st->count, pt_rss);
		return true;
	}
	if (!pt_rss)
		return true;
	if (PT_RSS_PART_FITS && (!(addr & ~PMD_MASK) || !(next & ~PMD_MASK)))
		return vma_rss_count_part(st->vma, pmd, addr, next, st->anon,
					  st->count, st->budget);
	/* Between two neighbours. */
	return vma_rss_count_pmd_range(st->vma, pmd, addr, next, st->anon,
				       st->count);
}

/*
 * Sum what the PMD at @pmd maps of [@addr, @next).  Return: 0, or -EAGAIN
 * if the caller cannot sleep and the PMD kept changing.
 */
static int vma_rss_sum_pmd(struct vma_rss_sum_state *st, pmd_t *pmd,
			   unsigned long addr, unsigned long next)
{
	int tries = 0;
	bool done;

	for (;;) {
		if (pmd_none(pmdp_get_lockless(pmd)))
			return 0;
		done = vma_rss_sum_pmd_once(st, pmd, addr, next);
		if (done)
			return 0;
		/*
		 * The PMD changed as it was looked at (a table khugepaged
		 * retracts, which must be empty, one just faulted in, or one
		 * gone between the lookup of its counts and its lock): look
		 * again.  Only a caller that can sleep insists.
		 */
		if (++tries >= VMA_RSS_PMD_TRIES) {
			if (st->budget)
				return -EAGAIN;
			cond_resched();
		}
	}
}

/*
 * Start a walk of a VMA that the caller holds (read-locked) and that may
 * record its last PMD in @last: forget what @last held (the seqcount
 * sampled now does not vouch for it), and return @last if a PMD found now
 * may be recorded, else NULL.  A PMD found while a writer holds mmap_lock
 * is not recorded: that writer may free its table once the VMA is let go.
 */
static struct vma_rss_last_pmd *
vma_rss_last_pmd_begin(struct mm_struct *mm, struct vma_rss_last_pmd *last)
{
	if (!last)
		return NULL;
	last->addr = 1;
#ifdef CONFIG_PER_VMA_LOCK
	/* Orders the sample before the descent; see ..._covers(). */
	last->seq = raw_read_seqcount(&mm->mm_lock_seq);
	last->when = jiffies;
	if (!(last->seq & 1))
		return last;
#endif
	return NULL;
}

/*
 * A PMD found longer ago than this is not used: see vma_rss_last_pmd_covers().
 */
#define VMA_RSS_LAST_PMD_AGE	HZ

/*
 * Whether the PMD in @last may stand for a descent to [@start, @end), in a
 * VMA the caller holds (read-locked) and so keeps from going away: the
 * range lies in the 2 MiB @last maps, and no writer has held mmap_lock
 * since @last was found.
 *
 * @last was found under the lock of a VMA in that 2 MiB, so the PMD table
 * holding it was in place then.  A PMD table is freed or moved only under
 * mmap_lock held for write (free_pgtables() once no VMA is left in the
 * range it maps, also after munmap() downgrades to mmap_read_lock; mremap()
 * of whole PUDs), which makes mm_lock_seq odd before anything is changed,
 * and never while a VMA in its range is read-locked (the writer
 * write-locks what it unmaps or moves).  So if the sequence still reads as
 * it did when @last was found (even), the table was in place all along,
 * and the caller's VMA keeps it in place from now on.  The PMD entry
 * itself is read afresh by whoever looks at it: PTE tables come and go
 * without mmap_lock (faults, khugepaged).
 *
 * The sequence is 32 bits, and a wrap back to the same value would pass
 * for no writer.  Unlike vma_start_read()'s use of it, where a wrap only
 * makes a reader try again, a wrap here would walk a freed table.  It takes
 * 2^31 writer sections, each at least a lock and an unlock of mmap_lock:
 * minutes of them, which a reader can sleep through (a copy to a user
 * buffer that faults on a stalled FUSE mapping).  A PMD found longer ago
 * than VMA_RSS_LAST_PMD_AGE is therefore not used, whatever the sequence.
 */
static bool vma_rss_last_pmd_covers(struct mm_struct *mm,
				    const struct vma_rss_last_pmd *last,
				    unsigned long start, unsigned long end)
{
#ifdef CONFIG_PER_VMA_LOCK
	if (!last || (start & PMD_MASK) != last->addr ||
	    end - last->addr > PMD_SIZE)
		return false;
	/*
	 * The smp_rmb() in read_seqcount_retry() orders the caller's VMA
	 * lock (and the lookup that found it) before this re-read, pairing
	 * with the smp_wmb() in mm_lock_seqcount_begin().
	 */
	if (!read_seqcount_retry(&mm->mm_lock_seq, last->seq) &&
	    time_before(jiffies, last->when + VMA_RSS_LAST_PMD_AGE)) {
		vma_rss_count_near(true);
		return true;
	}
	vma_rss_count_near(false);
#endif
	return false;
}

/* What vma_rss_walk_pmds() calls, and how. */
struct vma_rss_walker {
	int (*fn)(void *arg, pmd_t *pmd, unsigned long addr,
		  unsigned long end);
	bool runs;	/* once per run of PMDs in one table, not per PMD */
};

/*
 * Descend from the PGD over [@start, @end), skipping what is not mapped at
 * each level and PUD leaves (DAX, PFN maps: never rss), and call @w->fn for
 * the PMDs that exist: for each (fn(@arg, pmd, addr, next)), or if
 * @w->runs, for each run of them in one PMD table (fn(@arg, pmd, addr, end)
 * looks at the PMDs of [addr, end), pmd and those after it).  So the cost
 * is one look per PMD, not per 2 MiB of address space.  The caller keeps
 * the VMA, and so its upper tables, from going away.  @last, if not NULL,
 * is the caller's (see struct vma_rss_last_pmd): a range in the 2 MiB of
 * its PMD starts there (vma_rss_last_pmd_covers(); fn is called for that
 * one PMD, a run of one if @w->runs), any other sets it to the last PMD
 * fn took (the last of its run, if @w->runs).
 * Return: the first nonzero value fn returned, or 0.
 */
static int vma_rss_walk_pmds(struct mm_struct *mm, unsigned long start,
			     unsigned long end,
			     const struct vma_rss_walker *w, void *arg,
			     struct vma_rss_last_pmd *last)
{
	int (*fn)(void *arg, pmd_t *pmd, unsigned long addr,
		  unsigned long end) = w->fn;
	unsigned long addr, next, pnext, p4next, pudnext;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudval;
	pmd_t *pmd;
	int ret;

	if (vma_rss_last_pmd_covers(mm, last, start, end))
		return fn(arg, last->pmd, start, end);
	last = vma_rss_last_pmd_begin(mm, last);
	for (addr = start; addr < end; addr = pnext) {
		pnext = pgd_addr_end(addr, end);
		pgd = pgd_offset(mm, addr);
		if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
			continue;
		for (; addr < pnext; addr = p4next) {
			p4next = p4d_addr_end(addr, pnext);
			p4d = p4d_offset(pgd, addr);
			if (p4d_none(READ_ONCE(*p4d)) ||
			    p4d_bad(READ_ONCE(*p4d)))
				continue;
			for (; addr < p4next; addr = pudnext) {
				pudnext = pud_addr_end(addr, p4next);
				pud = pud_offset(p4d, addr);
				pudval = READ_ONCE(*pud);
				if (pud_none(pudval) || !pud_present(pudval) ||
				    pud_leaf(pudval) || pud_bad(pudval))
					continue;
				pmd = pmd_offset(pud, addr);
				if (w->runs) {
					ret = fn(arg, pmd, addr, pudnext);
					if (ret)
						return ret;
					if (last) {
						last->pmd = pmd +
							pmd_index(pudnext - 1) -
							pmd_index(addr);
						last->addr = (pudnext - 1) &
							     PMD_MASK;
					}
					continue;
				}
				for (; addr < pudnext; addr = next, pmd++) {
					next = pmd_addr_end(addr, pudnext);
					ret = fn(arg, pmd, addr, next);
					if (ret)
						return ret;
					if (last) {
						last->pmd = pmd;
						last->addr = addr & PMD_MASK;
					}
				}
			}
		}
	}
	return 0;
}

static int vma_rss_sum_one(struct vma_rss_sum_state *st, pmd_t *pmd,
			   unsigned long addr, unsigned long next)
{
	st->looks++;
	if (!st->budget) {
		vma_rss_sum_pmd(st, pmd, addr, next);
		cond_resched();
		return 0;
	}
	/* A look costs 1, and a part of a table counted entry by entry more. */
	*st->budget -= 1;
	if (next - addr != PMD_SIZE)
		*st->budget -= (next - addr) >> PAGE_SHIFT;
	if (*st->budget < 0)
		return -EAGAIN;
	return vma_rss_sum_pmd(st, pmd, addr, next);
}

/*
 * The most PTE tables whose counts are added up as they are (one add per
 * table, PT_RSS_BITS per counter) before they are taken apart: each counter
 * of a table is at most PTRS_PER_PTE, and no field may carry into the next
 * (64 tables of 512 entries; 31 of 2048, 7 of 8192).  Also the most PMDs
 * looked at under one rcu_read_lock(), and between two cond_resched()s.
 */
#define VMA_RSS_SUM_BATCH	MIN(64UL, PT_RSS_MASK / PTRS_PER_PTE)
static_assert(VMA_RSS_SUM_BATCH >= 1 &&
	      VMA_RSS_SUM_BATCH * PTRS_PER_PTE <= PT_RSS_MASK);

#ifdef CONFIG_DEBUG_VM
/* PTE tables summed by vma_rss_sum_tables(): tests check that it is used. */
static atomic_long_t vma_rss_batched_tables;

static inline void vma_rss_count_batched(unsigned long tables)
{
	if (tables)
		atomic_long_add(tables, &vma_rss_batched_tables);
}

/*
 * Counts that went wrong (below zero, say) would carry into the next
 * counter in a batch's sum, and the verifier would blame that one: say
 * which table it was.
 */
static inline void vma_rss_check_batched(unsigned long pt_rss)
{
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++)
		VM_WARN_ON_ONCE(pt_rss_get(pt_rss, i) > PTRS_PER_PTE);
}
#else
static inline void vma_rss_count_batched(unsigned long tables)
{
}

static inline void vma_rss_check_batched(unsigned long pt_rss)
{
}
#endif

/*
 * Add the counts of the PTE tables at @pmd and after it, of [@addr, @end),
 * which the VMA of @st holds whole (@addr and @end PMD-aligned), to its
 * count: at most VMA_RSS_SUM_BATCH PMDs, and only as long as each is none or
 * a PTE table.  *@other is set if it stopped at a PMD that is neither (a
 * huge PMD, a migration entry, a bad one), which the caller looks at on its
 * own.  What vma_rss_sum_pmd_once() does for a whole table, without its
 * function calls and its RCU section per PMD, where a VMA maps GiBs: each
 * table is read as of one moment, as there.
 * Return: the number of PMDs looked at and added up (a none PMD adds
 * nothing); 0 also if an atomic caller's budget is spent, which the
 * caller's own look then finds.
 */
static unsigned long vma_rss_sum_tables(struct vma_rss_sum_state *st,
					pmd_t *pmd, unsigned long addr,
					unsigned long end, bool *other)
{
	unsigned long n, limit = min((end - addr) >> PMD_SHIFT,
				     VMA_RSS_SUM_BATCH);
	unsigned long sum = 0, tables = 0, pt_rss;
	pmd_t pmdval;

	if (st->budget) {
		limit = min_t(long, limit, max(*st->budget, 0L));
		if (!limit)
			return 0;
	}
	rcu_read_lock();
	for (n = 0; n < limit; n++) {
		pmdval = pmdp_get_lockless(pmd + n);
		if (pmd_none(pmdval))
			continue;
		if (!vma_rss_pmd_table_counts(pmdval, &pt_rss)) {
			*other = true;
			break;
		}
		vma_rss_check_batched(pt_rss);
		sum += pt_rss;
		tables++;
	}
	rcu_read_unlock();
	vma_rss_count_add(st->count, sum);
	st->looks += n;
	if (st->budget)
		*st->budget -= n;
	vma_rss_count_batched(tables);
	return n;
}

/*
 * Sum what the PMDs at @pmd map of [@addr, @end) into @st's count.  Not
 * inlined: vma_rss_sum_run() stays small for the one-PMD runs of small VMAs.
 */
static noinline int vma_rss_sum_pmds(struct vma_rss_sum_state *st,
				     pmd_t *pmd, unsigned long addr,
				     unsigned long end)
{
	bool other = false;
	unsigned long n, next;
	int ret;

	while (addr < end) {
		next = pmd_addr_end(addr, end);
		if (next - addr == PMD_SIZE && !other) {
			n = vma_rss_sum_tables(st, pmd, addr, end & PMD_MASK,
					       &other);
			if (n) {
				pmd += n;
				addr += n << PMD_SHIFT;
				if (!st->budget)
					cond_resched();
				continue;
			}
		}
		/* Not a whole table, or not a table: on its own. */
		other = false;
		ret = vma_rss_sum_one(st, pmd, addr, next);
		if (ret)
			return ret;
		pmd++;
		addr = next;
	}
	return 0;
}

/* Sum what the run of PMDs at @pmd maps of [@addr, @end) into @arg's count. */
static int vma_rss_sum_run(void *arg, pmd_t *pmd, unsigned long addr,
			   unsigned long end)
{
	/* Most VMAs are small: one PMD, and no loop to set up. */
	if (pmd_addr_end(addr, end) == end)
		return vma_rss_sum_one(arg, pmd, addr, end);
	return vma_rss_sum_pmds(arg, pmd, addr, end);
}

static const struct vma_rss_walker vma_rss_sum_walker = {
	.fn = vma_rss_sum_run, .runs = true,
};

#ifdef CONFIG_DEBUG_VM
/*
 * For tests (debugfs vma_rss/anon_unmapped): take every anonymous VMA for
 * one that never mapped a page, anon_vma or not (a bug).
 */
static bool vma_rss_anon_unmapped __read_mostly;

static inline bool vma_rss_anon_unmapped_all(void)
{
	return READ_ONCE(vma_rss_anon_unmapped);
}
#else
static inline bool vma_rss_anon_unmapped_all(void)
{
	return false;
}
#endif

/*
 * Whether @vma, held by the caller, maps nothing that the counts count, as
 * it has no page mapped since it last had none: an anonymous VMA (no
 * ->vm_ops; no PFN or mixed map, where drivers insert pages of their own)
 * without an anon_vma.  A new anonymous page cannot be mapped without one
 * (__folio_set_anon() BUGs on it): the faults prepare it first
 * (vmf_anon_prepare(), which the per-VMA lock fault falls back from), so
 * do UFFDIO_COPY and UFFDIO_MOVE (find_vma_and_prepare_anon()), migrate_vma
 * and uprobes, and what moves pages that exist (swap-in, migration, KSM,
 * swapoff, mremap(), fork()) starts from a VMA that has one.  Split and
 * merge pass it on.  It goes only with the VMA, or with its entries:
 * mremap(MREMAP_DONTUNMAP) unlinks it from the source after moving every
 * entry out, under the VMA's write lock.  A shared VMA without ->vm_ops
 * maps nothing either (do_anonymous_page() refuses it).  Without an
 * anon_vma a table holds at most zero-page entries and PTE markers, which
 * neither the counts nor smaps count.  fork() relies on the same and
 * copies no page table of such a VMA (vma_needs_copy()), unless uffd-wp
 * markers must go with it.
 *
 * Read without a lock: a fault may prepare the anon_vma as we look (under
 * mmap_lock, while we hold the VMA's read lock), and maps its page only
 * after, so the VMA reads as of before that fault, as a walk that passed
 * the entry before it was set would.
 */
static __always_inline bool vma_rss_never_mapped(struct vm_area_struct *vma)
{
	/* First what a VMA that maps anything has: one test, then. */
	if (READ_ONCE(vma->anon_vma) && !vma_rss_anon_unmapped_all())
		return false;
	return vma_is_anonymous(vma) &&
	       !(vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP));
}

/* vma_rss_sum() and vma_rss_sum_atomic_near() without the assertions. */
static int __vma_rss_sum(struct vm_area_struct *vma,
			 struct vma_rss_count *count, long *budget,
			 struct vma_rss_last_pmd *last)
{
	struct vma_rss_sum_state st = {
		.vma = vma, .count = count, .anon = vma_rss_anon_only(vma),
		.budget = budget,
	};
	int ret;

	memset(count, 0, sizeof(*count));
	if (is_vm_hugetlb_page(vma) || vma_rss_never_mapped(vma))
		return 0;
	ret = vma_rss_walk_pmds(vma->vm_mm, vma->vm_start, vma->vm_end,
				&vma_rss_sum_walker, &st, last);
	vma_rss_count_looks(st.looks);
	return ret;
}

/* The caller holds @vma: its read lock, or mmap_lock. */
static void vma_rss_assert_held(struct vm_area_struct *vma)
{
#ifdef CONFIG_DEBUG_VM
#ifdef CONFIG_PER_VMA_LOCK
	if (rwsem_is_locked(&vma->vm_lock->lock))
		return;
#endif
	mmap_assert_locked(vma->vm_mm);
#endif
}

/**
 * vma_rss_sum - what a VMA maps, from the counts of its page tables
 * @vma: the VMA, held by the caller (its read lock, or mmap_lock)
 * @count: set to the counts, in the format of struct vma_rss_count
 *
 * The tables that lie inside @vma give their counts; the parts of the at
 * most two tables it shares with its neighbours are counted entry by entry
 * (under their locks), as are huge PMDs.  The cost is one look per PMD of
 * the VMA that exists, plus at most two partial tables, whatever the VMA
 * maps; none for an anonymous VMA that never mapped a page
 * (vma_rss_never_mapped()).  Faults and reclaim go on meanwhile, as they
 * do under a page walk: each table is read as of one moment, and an entry
 * that changes kind (swap-out) is seen as one kind or the other, never
 * neither.
 */
void vma_rss_sum(struct vm_area_struct *vma, struct vma_rss_count *count)
{
	vma_rss_assert_held(vma);
	might_sleep();
	__vma_rss_sum(vma, count, NULL, NULL);
}

#ifdef CONFIG_DEBUG_VM
/*
 * Fault injection for the race tests (debugfs vma_rss/move_delay_us): spin
 * this long in pte_move_counter(), after the entry changed kind and before
 * its table's counts do, so that readers meet the change in flight.  The
 * caller holds a page table lock: capped at 10 ms.
 */
unsigned int vma_rss_move_delay_us;

void vma_rss_inject_delay(void)
{
	udelay(min(READ_ONCE(vma_rss_move_delay_us), 10000U));
}
#endif

static bool vma_rss_skip_walks = true;
/*
 * Walks of ranges that needed no table walked at all, and PTE tables passed
 * over, per CPU: readers of different processes share no line.
 */
static DEFINE_PER_CPU(unsigned long, vma_rss_skipped);
static DEFINE_PER_CPU(unsigned long, vma_rss_skipped_tables);

/*
 * Whether vma_rss_walk_tables() can walk @vma: not with the skip turned off
 * (debugfs vma_rss/skip_walks, to compare with a full walk), not hugetlb
 * (no PTE tables, not counted), not a PFN map (the page walker passes over
 * those, and the COW copies of a private one are counted).  And not where
 * a table may hold what smaps counts and the counts do not: a mapping with
 * special pages (->find_special_page(), Xen grant pages), and an mm that
 * ever had a hwpoison entry (pte_mark_hwpoison(), set before the entry is
 * written: a reader that saw the flag clear and passes over the table can
 * only miss a page poisoned during its read, as a page walk can).
 */
bool vma_rss_walk_usable(struct vm_area_struct *vma)
{
	return READ_ONCE(vma_rss_skip_walks) && !is_vm_hugetlb_page(vma) &&
	       !(vma->vm_flags & VM_PFNMAP) &&
	       !(vma->vm_ops && vma->vm_ops->find_special_page) &&
	       !test_bit(MMF_HWPOISON_PTE, &vma->vm_mm->flags);
}

#ifdef CONFIG_DEBUG_VM
/*
 * Fault injection for the tests (debugfs vma_rss/atomic_fail_every): every
 * Nth PMD that an atomic walk hands to pmd_entry, and every Nth call of
 * vma_rss_sum_atomic(), is reported as one that kept changing, so that the
 * callers' way out of that is taken.
 */
static u32 vma_rss_atomic_fail_every;
static atomic_t vma_rss_atomic_walked;
static atomic_long_t vma_rss_atomic_failed;

static bool vma_rss_inject_atomic_failure(void)
{
	u32 every = READ_ONCE(vma_rss_atomic_fail_every);

	if (!every || atomic_inc_return(&vma_rss_atomic_walked) % every)
		return false;
	atomic_long_inc(&vma_rss_atomic_failed);
	return true;
}
#else
static inline bool vma_rss_inject_atomic_failure(void)
{
	return false;
}
#endif

/**
 * vma_rss_sum_atomic - vma_rss_sum() for a caller that cannot sleep (RCU)
 * @vma: the VMA, held by the caller (its read lock, or mmap_lock)
 * @count: set to the counts, in the format of struct vma_rss_count
 * @budget: what the caller lets it cost: each PMD looked at costs 1, and
 *	each page of a part of a table counted entry by entry 1 more (a
 *	whole table that a THP split turns into entries while it is looked
 *	at is counted entry by entry for 1: bounded, if not charged)
 *
 * Return: 0 with @count set, the cost taken from *@budget; or -EAGAIN if
 * the cost would take *@budget below zero, or a PMD kept changing (four
 * looks in a row).  @count then holds part of @vma only: call vma_rss_sum()
 * where sleeping is allowed.
 */
int vma_rss_sum_atomic(struct vm_area_struct *vma, struct vma_rss_count *count,
		       long *budget)
{
	return vma_rss_sum_atomic_near(vma, count, budget, NULL);
}

/**
 * vma_rss_sum_atomic_near - vma_rss_sum_atomic() for a reader of VMA after VMA
 * @vma: the VMA, read-locked by the caller
 * @count: set to the counts, in the format of struct vma_rss_count
 * @budget: as for vma_rss_sum_atomic()
 * @last: the reader's, of @vma's mm (see struct vma_rss_last_pmd), or NULL
 *
 * A VMA that lies in the same 2 MiB as the last PMD a walk with @last
 * found is summed from that PMD, without a descent from the PGD, if no
 * writer has held mmap_lock since (see vma_rss_last_pmd_covers()).
 *
 * Return: as vma_rss_sum_atomic().
 */
int vma_rss_sum_atomic_near(struct vm_area_struct *vma,
			    struct vma_rss_count *count, long *budget,
			    struct vma_rss_last_pmd *last)
{
	vma_rss_assert_held(vma);
	if (vma_rss_inject_atomic_failure())
		return -EAGAIN;
	return __vma_rss_sum(vma, count, budget, last);
}

/* The least part of a PTE table for which its counts are read first. */
#define VMA_RSS_WALK_MIN	(16 * PAGE_SIZE)

struct vma_rss_walk_state {
	int (*pmd_entry)(pmd_t *pmd, unsigned long addr, unsigned long next,
			 struct mm_walk *walk);
	struct mm_walk *walk;
	long *budget;		/* NULL: the caller can sleep */
	unsigned long looks;	/* PMDs looked at */
	bool walked;		/* a PMD was handed to pmd_entry */
};

static int vma_rss_walk_one(void *arg, pmd_t *pmd, unsigned long addr,
			    unsigned long next)
{
	struct vma_rss_walk_state *st = arg;
	int ret, tries = 0;

	st->looks++;
	if (st->budget && --*st->budget < 0)
		return -EAGAIN;
	if (pmd_none(pmdp_get_lockless(pmd)))
		return 0;
	/*
	 * A table that counts no entry has none that the walk would find.
	 * Its counts are read without its lock, as of one moment, as the
	 * walk would see its entries as of another: one that faults
	 * meanwhile may be seen or not, either way.  A few entries are walked
	 * faster than the counts are read.
	 */
	if (next - addr >= VMA_RSS_WALK_MIN && vma_rss_table_empty(pmd)) {
		this_cpu_inc(vma_rss_skipped_tables);
		return 0;
	}
	if (st->budget) {
		*st->budget -= (next - addr) >> PAGE_SHIFT;
		if (*st->budget < 0 || vma_rss_inject_atomic_failure())
			return -EAGAIN;
	}
	st->walked = true;
	for (;;) {
		st->walk->action = ACTION_SUBTREE;
		ret = st->pmd_entry(pmd, addr, next, st->walk);
		if (ret)
			return ret;
		if (st->walk->action != ACTION_AGAIN)
			break;
		/*
		 * The table went away under pmd_entry (khugepaged retracted
		 * it, or it became a huge PMD): look again, as the page
		 * walker does; pmd_entry sees a none PMD as an empty table.
		 * Only a caller that can sleep insists.
		 */
		if (++tries >= VMA_RSS_PMD_TRIES) {
			if (st->budget)
				return -EAGAIN;
			cond_resched();
		}
	}
	if (!st->budget)
		cond_resched();
	return 0;
}

static const struct vma_rss_walker vma_rss_walk_walker = {
	.fn = vma_rss_walk_one,
};

static int vma_rss_first_pmd(void *arg, pmd_t *pmd, unsigned long addr,
			     unsigned long next)
{
	unsigned long *found = arg;

	if (pmd_none(pmdp_get_lockless(pmd)))
		return 0;
	*found = addr;
	return 1;
}

static const struct vma_rss_walker vma_rss_first_pmd_walker = {
	.fn = vma_rss_first_pmd,
};

/**
 * vma_rss_next_pmd - where the next PMD of a range that is not none begins
 * @vma: the VMA, held by the caller (its read lock, or mmap_lock)
 * @start: start of the range, inside @vma
 * @end: end of the range, inside @vma
 *
 * For walkers that work in chunks (and let writers in between): the address
 * space of a huge reservation with no page table costs one descent, not a
 * chunk per so many MiB.  A PMD can be populated meanwhile, as under a walk.
 *
 * Return: the start of the first PMD in [@start, @end) that is not none
 * (@start itself if its PMD is not), or @end.
 */
unsigned long vma_rss_next_pmd(struct vm_area_struct *vma, unsigned long start,
			       unsigned long end)
{
	unsigned long found = end;

	vma_rss_assert_held(vma);
	if (vma_rss_never_mapped(vma))
		return end;
	vma_rss_walk_pmds(vma->vm_mm, start, end, &vma_rss_first_pmd_walker,
			  &found, NULL);
	return found;
}

/**
 * vma_rss_walk_tables - walk the page tables of a range that map something
 * @vma: the VMA, held by the caller (its read lock, or mmap_lock), for which
 *	vma_rss_walk_usable() said yes
 * @start: start of the range, inside @vma
 * @end: end of the range, inside @vma
 * @pmd_entry: called as walk_page_range_vma() calls ops->pmd_entry
 * @walk: passed to @pmd_entry, with ->vma, ->mm and ->private set
 * @budget: NULL if the caller can sleep; otherwise the caller cannot (RCU),
 *	each PMD looked at costs 1 and each one walked its pages, and the walk
 *	gives up rather than take *@budget below zero
 *
 * What walk_page_range_vma() does for walks with a pmd_entry only, without
 * pte_hole, except that it passes over what a table's rss counts say holds
 * no entry: unmapped upper levels at once, and PTE tables that count
 * nothing, without taking their lock; and all of an anonymous VMA that
 * never mapped a page (vma_rss_never_mapped()).  So a walker that only
 * counts what the rss counts count (smaps: pages, swap, migration and
 * device entries) finds the same, at the cost of one look per PMD that
 * exists plus a walk of the tables that map something.  Hwpoison entries
 * and special pages (->find_special_page()), which smaps counts and the
 * counts do not, would be missed in a table that maps nothing else:
 * vma_rss_walk_usable() keeps such mappings to the page walker.
 *
 * Return: 0; -EAGAIN if an atomic caller ran out of budget or a PMD kept
 * changing (four looks in a row), after which @walk->private holds part of
 * the range only; or the first error @pmd_entry returned.
 */
int vma_rss_walk_tables(struct vm_area_struct *vma, unsigned long start,
			unsigned long end,
			int (*pmd_entry)(pmd_t *pmd, unsigned long addr,
					 unsigned long next,
					 struct mm_walk *walk),
			struct mm_walk *walk, long *budget)
{
	return vma_rss_walk_tables_near(vma, start, end, pmd_entry, walk,
					budget, NULL);
}

/**
 * vma_rss_walk_tables_near - vma_rss_walk_tables() for a reader of VMA after VMA
 * @vma: as for vma_rss_walk_tables()
 * @start: start of the range, inside @vma
 * @end: end of the range, inside @vma
 * @pmd_entry: as for vma_rss_walk_tables()
 * @walk: as for vma_rss_walk_tables()
 * @budget: as for vma_rss_walk_tables()
 * @last: the reader's, of @vma's mm (see struct vma_rss_last_pmd), or NULL
 *
 * A range that lies in the same 2 MiB as the last PMD a walk with @last
 * found is walked from that PMD, without a descent from the PGD, if no
 * writer has held mmap_lock since (see vma_rss_last_pmd_covers()).
 * Otherwise @last is set to the last PMD this walk finds, except for a VMA
 * that never mapped a page, which is not walked and leaves @last as it was
 * (still vouched for by its own sequence count and age).
 *
 * Return: as vma_rss_walk_tables().
 */
int vma_rss_walk_tables_near(struct vm_area_struct *vma, unsigned long start,
			     unsigned long end,
			     int (*pmd_entry)(pmd_t *pmd, unsigned long addr,
					      unsigned long next,
					      struct mm_walk *walk),
			     struct mm_walk *walk, long *budget,
			     struct vma_rss_last_pmd *last)
{
	struct vma_rss_walk_state st = {
		.pmd_entry = pmd_entry, .walk = walk, .budget = budget,
	};
	int ret;

	vma_rss_assert_held(vma);
	VM_WARN_ON_ONCE(is_vm_hugetlb_page(vma) || (vma->vm_flags & VM_PFNMAP) ||
			walk->vma != vma || start < vma->vm_start ||
			end > vma->vm_end);
	if (!budget)
		might_sleep();
	if (vma_rss_never_mapped(vma)) {
		this_cpu_inc(vma_rss_skipped);
		return 0;
	}
	ret = vma_rss_walk_pmds(vma->vm_mm, start, end, &vma_rss_walk_walker,
				&st, last);
	vma_rss_count_looks(st.looks);
	if (!st.walked && !ret)
		this_cpu_inc(vma_rss_skipped);
#ifdef CONFIG_DEBUG_VM
	if (st.walked)
		atomic_long_inc(&page_walks_started);
#endif
	return ret;
}

#ifdef CONFIG_DEBUG_VM
/* Unmapped entries were uncounted as they were zapped: nothing is left. */
void pt_rss_check_free(struct ptdesc *ptdesc)
{
	WARN_ONCE(ptdesc->pt_rss,
		  "vma_rss: freeing a PTE table with counts %lx\n",
		  ptdesc->pt_rss);
}

static atomic_long_t vma_rss_verified, vma_rss_mismatches;

/* The PMD entry for @addr, or NULL if an upper level is empty or a leaf. */
static pmd_t *vma_rss_find_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || !pud_present(*pud) || pud_leaf(*pud) ||
	    pud_bad(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/*
 * Check the counts of the PTE table at @pmd (covering @addr, PMD aligned)
 * against its entries, each counted in the VMA that covers it.
 */
static int vma_rss_verify_table(struct mm_struct *mm, pid_t pid, pmd_t *pmd,
				unsigned long addr)
{
	struct vm_area_struct *vma;
	struct vma_rss_count walked = {}, below = {};
	unsigned long pt_rss, part, a;
	spinlock_t *ptl;	/* of the table */
	pte_t *start, *pte, ptent;
	unsigned int split;
	int i, member, bad = 0;

	start = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!start)
		return 0;	/* a huge PMD, or none */
	part = virt_to_ptdesc(start)->pt_rss_part;
	split = pt_rss_part_index(part);
	for (pte = start, a = addr; a < addr + PMD_SIZE; pte++, a += PAGE_SIZE) {
		ptent = ptep_get(pte);
		if (pte_none(ptent))
			continue;
		vma = vma_lookup(mm, a);
		if (!vma) {
			pr_err("vma_rss: pid %d entry %llx at %lx outside any VMA\n",
			       pid, (u64)pte_val(ptent), a);
			bad++;
			continue;
		}
		member = vma_rss_pte_member(vma, a, ptent);
		if (member < 0)
			continue;
		walked.raw[member]++;
		if ((unsigned int)(pte - start) < split)
			below.raw[member]++;
	}
	pt_rss = virt_to_ptdesc(start)->pt_rss;
	pte_unmap_unlock(start, ptl);
	for (i = 0; i < NR_MM_COUNTERS; i++) {
		if (pt_rss_get(pt_rss, i) != walked.raw[i]) {
			pr_err("vma_rss: pid %d table at %lx counter %d: has %lu, its entries are %ld\n",
			       pid, addr, i, pt_rss_get(pt_rss, i),
			       walked.raw[i]);
			bad++;
		}
		if (split && pt_rss_part_get(part, i) != below.raw[i]) {
			pr_err("vma_rss: pid %d table at %lx counter %d below entry %u: has %lu, the entries are %ld\n",
			       pid, addr, i, split, pt_rss_part_get(part, i),
			       below.raw[i]);
			bad++;
		}
	}
	return bad;
}

/*
 * Check that every PTE table of @mm has the counts its entries make, that
 * every VMA sums to what a walk of it finds, and that the VMAs add up to
 * the mm's counters.  With mmap_lock held for writing and every i_mmap and
 * anon_vma lock of the mm taken (mm_take_all_locks()), nothing can change
 * an entry of @mm, so any difference is a bug.  An exec in progress is the
 * exception for the sums: acct_arg_size() charges the old mm for the new
 * stack's pages.
 */
static int vma_rss_verify_mm(struct mm_struct *mm, pid_t pid)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vma_rss_count walked, have, sum = {};
	unsigned long addr, last_table = -1UL;
	struct vm_area_struct *vma;
	pmd_t *pmd;
	s64 want;
	int i, bad = 0;
	int err;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	err = mm_take_all_locks(mm);
	if (err)
		goto out;

	for_each_vma(vmi, vma) {
		if (is_vm_hugetlb_page(vma))
			continue;
		for (addr = vma->vm_start & PMD_MASK; addr < vma->vm_end;
		     addr += PMD_SIZE) {
			if (addr == last_table)
				continue;
			last_table = addr;
			pmd = vma_rss_find_pmd(mm, addr);
			if (pmd)
				bad += vma_rss_verify_table(mm, pid, pmd, addr);
		}
		vma_rss_walk_range(vma, vma->vm_start, vma->vm_end, &walked);
		__vma_rss_sum(vma, &have, NULL, NULL);
		for (i = 0; i < NR_MM_COUNTERS; i++) {
			if (have.raw[i] != walked.raw[i]) {
				pr_err("vma_rss: pid %d VMA %lx-%lx flags %lx counter %d: sums to %lx, a walk finds %lx\n",
				       pid, vma->vm_start, vma->vm_end,
				       vma->vm_flags, i, have.raw[i],
				       walked.raw[i]);
				bad++;
			}
			sum.raw[i] += vma_rss_count_pages(&have, i);
		}
		atomic_long_inc(&vma_rss_verified);
	}
	for (i = 0; i < NR_MM_COUNTERS; i++) {
		want = percpu_counter_sum(&mm->rss_stat[i]);
		if (sum.raw[i] != want) {
			pr_err("vma_rss: pid %d counter %d: VMAs add up to %ld, mm has %lld\n",
			       pid, i, sum.raw[i], want);
			bad++;
		}
	}
	mm_drop_all_locks(mm);
	if (bad) {
		atomic_long_add(bad, &vma_rss_mismatches);
		WARN(1, "vma_rss: %d counts differ from a walk\n", bad);
		err = -EUCLEAN;
	}
out:
	mmap_write_unlock(mm);
	return err;
}

/* Writing a PID to vma_rss/verify checks that process's counters. */
static ssize_t vma_rss_verify_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	struct task_struct *task;
	struct mm_struct *mm;
	pid_t pid;
	int err;

	err = kstrtoint_from_user(buf, count, 10, &pid);
	if (err)
		return err;
	task = find_get_task_by_vpid(pid);
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -ESRCH;
	err = vma_rss_verify_mm(mm, pid);
	mmput(mm);
	return err ? err : count;
}

static const struct file_operations vma_rss_verify_fops = {
	.write	= vma_rss_verify_write,
	.llseek	= noop_llseek,
};
#endif /* CONFIG_DEBUG_VM */

static int vma_rss_stats_show(struct seq_file *m, void *v)
{
	unsigned long skipped = 0, tables = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		skipped += per_cpu(vma_rss_skipped, cpu);
		tables += per_cpu(vma_rss_skipped_tables, cpu);
	}
	seq_printf(m, "skipped_walks %lu\n", skipped);
	seq_printf(m, "skipped_tables %lu\n", tables);
#ifdef CONFIG_DEBUG_VM
	seq_printf(m, "page_walks %ld\n",
		   atomic_long_read(&page_walks_started));
	seq_printf(m, "pmd_looks %ld\n",
		   atomic_long_read(&vma_rss_pmd_looks));
	seq_printf(m, "verified_vmas %ld\n",
		   atomic_long_read(&vma_rss_verified));
	seq_printf(m, "mismatches %ld\n",
		   atomic_long_read(&vma_rss_mismatches));
	seq_printf(m, "atomic_failed %ld\n",
		   atomic_long_read(&vma_rss_atomic_failed));
	seq_printf(m, "near_pmds %ld\n", atomic_long_read(&vma_rss_near_pmds));
	seq_printf(m, "near_stale %ld\n",
		   atomic_long_read(&vma_rss_near_stale));
	seq_printf(m, "parts_counted %ld\n",
		   atomic_long_read(&vma_rss_part_counted));
	seq_printf(m, "parts_known %ld\n",
		   atomic_long_read(&vma_rss_part_known));
	seq_printf(m, "batched_tables %ld\n",
		   atomic_long_read(&vma_rss_batched_tables));
#endif
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vma_rss_stats);

static int __init vma_rss_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("vma_rss", NULL);

	debugfs_create_bool("skip_walks", 0600, dir, &vma_rss_skip_walks);
	debugfs_create_file("stats", 0400, dir, NULL, &vma_rss_stats_fops);
#ifdef CONFIG_DEBUG_VM
	debugfs_create_file("verify", 0200, dir, NULL, &vma_rss_verify_fops);
	debugfs_create_u32("move_delay_us", 0600, dir, &vma_rss_move_delay_us);
	debugfs_create_bool("part_keep", 0600, dir, &pt_rss_part_keep);
	debugfs_create_bool("anon_unmapped", 0600, dir,
			    &vma_rss_anon_unmapped);
	debugfs_create_u32("atomic_fail_every", 0600, dir,
			   &vma_rss_atomic_fail_every);
#endif
	return 0;
}
late_initcall(vma_rss_debugfs_init);
