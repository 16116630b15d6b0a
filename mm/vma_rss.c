// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VMA rss counters.
 *
 * vma->vm_rss[] counts, like mm->rss_stat[], the file, anon and shmem pages
 * and the swap entries a VMA maps, plus (in the top bits of the first three)
 * its PMD mappings of THPs.  Every place that changes the mm's counters
 * charges the VMA it found the entries in, with vma_add_counter() and
 * friends, under the lock that protects those entries.  So the counters of
 * a VMA change only where its entries change, and only the operations that
 * move entries from one VMA to another need more:
 *
 *  - split and merge (mm/vma.c) move a boundary: the entries on one side of
 *    it are counted here, under the locks vma_prepare() takes, and moved;
 *  - a VMA removed by a merge is folded into the one that absorbs it;
 *  - mremap and UFFDIO_MOVE move entries one by one (or a page table at a
 *    time) and move their counts with them, under the page table locks;
 *    mremap of a whole VMA moves its counts at once when it is done;
 *  - vm_area_dup() zeroes the copy's counters (fork's copy_page_range()
 *    charges the child's VMAs as it copies).
 *
 * What is counted is what zap_pte_range() and zap_huge_pmd() uncount: a
 * present PTE with a normal page, a migration or device entry (as the
 * folio's type), a swap entry; a PMD that maps a THP or holds its migration
 * entry (as HPAGE_PMD_NR pages and one PMD).  Not the zero pages, PFN maps,
 * DAX, hugetlb, hwpoison entries or PTE markers.
 */
#include <linux/mm.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hugetlb.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
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

/* Which counter a huge @pmd of @vma counts in, or -1 for none. */
int vma_rss_pmd_member(struct vm_area_struct *vma, pmd_t pmd)
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
	pte_t *start, *pte, ptent;

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
	start = pte_offset_map_lock(vma->vm_mm, pmd, addr, &ptl);
	if (!start)
		return false;
	pte = start;
	for (; addr < end; pte++, addr += PAGE_SIZE) {
		ptent = ptep_get(pte);
		if (!pte_none(ptent))
			vma_rss_count_pte_fast(count, vma, addr, ptent, anon);
	}
	pte_unmap_unlock(start, ptl);
	return true;
}

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
 * verifier compares the counters with, and vma_rss_count_range()'s way for
 * VMAs that are not private anonymous.
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

/* Move @count from @from to @to; the sum over the mm stays the same. */
void vma_rss_move(struct vm_area_struct *from, struct vm_area_struct *to,
		  const struct vma_rss_count *count)
{
	int i;

	if (from == to)
		return;
	for (i = 0; i < NR_MM_COUNTERS; i++) {
		if (!count->raw[i])
			continue;
		vma_rss_add(from, i, -count->raw[i]);
		vma_rss_add(to, i, count->raw[i]);
	}
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* The huge @pmd moved from @from to @to (mremap, UFFDIO_MOVE). */
void vma_rss_move_pmd(struct vm_area_struct *from, struct vm_area_struct *to,
		      pmd_t pmd)
{
	struct vma_rss_count count = {};
	int member = vma_rss_pmd_member(from, pmd);

	if (member < 0)
		return;
	count.raw[member] = HPAGE_PMD_NR + VMA_RSS_PMD_ONE;
	vma_rss_move(from, to, &count);
}
#endif

/*
 * The counter that counts an entry in every page of @vma, if the others
 * are zero (and it counts no PMD): a populated heap or stack.  A page holds
 * at most one counted entry (a PMD-mapped THP counts HPAGE_PMD_NR pages for
 * as many), so a counter as large as the VMA leaves room for nothing else,
 * and any part of the VMA maps one entry of that kind per page.
 */
static int vma_rss_full_member(struct vm_area_struct *vma)
{
	long pages = vma_pages(vma);
	int i, member = -1;

	for (i = 0; i < NR_MM_COUNTERS; i++) {
		long raw = vma_rss_read(vma, i);

		if (!raw)
			continue;
		if (raw != pages || member >= 0)
			return -1;
		member = i;
	}
	return member;
}

/**
 * vma_rss_count_range - count what a range of a VMA maps
 * @vma: the VMA
 * @start: start of the range, in @vma
 * @end: end of the range, in @vma
 * @count: the counts (zeroed first), in the format of vma->vm_rss[]
 *
 * Exact only if the caller excludes every writer of those entries: mmap_lock
 * and the VMA locks exclude faults, the rmap locks exclude reclaim,
 * migration and truncation (split, merge, mremap's whole-table moves).  A
 * THP that straddles @start or @end is counted whole: the caller splits it
 * first.  Cheaper than the verifier's page walk (vma_rss_walk_range()): no
 * walk at all for a VMA whose counters say it has an entry in every page,
 * and for a private anonymous VMA a descent of its own that counts present
 * PTEs without looking at their pages (no PUD maps anonymous pages).
 */
void vma_rss_count_range(struct vm_area_struct *vma, unsigned long start,
			 unsigned long end, struct vma_rss_count *count)
{
	unsigned long addr, next;
	int member;
	pmd_t *pmd;

	mmap_assert_locked(vma->vm_mm);
	member = vma_rss_full_member(vma);
	if (member >= 0) {
		memset(count, 0, sizeof(*count));
		count->raw[member] = (end - start) >> PAGE_SHIFT;
		return;
	}
	if (!vma_rss_anon_only(vma)) {
		vma_rss_walk_range(vma, start, end, count);
		return;
	}
	memset(count, 0, sizeof(*count));
	for (addr = start; addr < end; addr = next) {
		next = pmd_addr_end(addr, end);
		pmd = mm_find_pmd(vma->vm_mm, addr);
		/*
		 * No table (or it went away, which the caller's locks
		 * exclude): nothing mapped there.
		 */
		if (pmd && !pmd_none(pmdp_get_lockless(pmd)))
			vma_rss_count_pmd_range(vma, pmd, addr, next, true,
						count);
		cond_resched();
	}
}

/*
 * [@start, @end), one end of @from, becomes part of @to (split, or a merge
 * that moves a boundary): move the counts of what it maps.  Only the
 * smaller side of the boundary is counted; the other side's counts are
 * what @from has left.
 *
 * The caller holds what vma_prepare() takes: mmap_lock and both VMA locks
 * for writing, which exclude faults, GUP, madvise, khugepaged, KSM and
 * swapoff; and the i_mmap and anon_vma (root) locks for writing, which
 * exclude reclaim, migration, THP split, memory failure and truncation.
 * Nothing else changes the entries of either VMA, so the walk and the
 * counters agree.
 */
void vma_rss_move_range(struct vm_area_struct *from,
			struct vm_area_struct *to,
			unsigned long start, unsigned long end)
{
	unsigned long size = from->vm_end - from->vm_start;
	struct vma_rss_count count;
	int i;

	mmap_assert_write_locked(from->vm_mm);
	vma_assert_write_locked(from);
	vma_assert_write_locked(to);
	if (WARN_ON_ONCE(start >= end || start < from->vm_start ||
			 end > from->vm_end ||
			 (start != from->vm_start && end != from->vm_end)))
		return;

	/* Nothing to move (guard pages, reservations, untouched memory). */
	if (vma_rss_none(from))
		return;

	if (end - start <= size / 2) {
		vma_rss_count_range(from, start, end, &count);
	} else {
		/* Count what stays in @from; the rest moves. */
		if (start == from->vm_start)
			vma_rss_count_range(from, end, from->vm_end, &count);
		else
			vma_rss_count_range(from, from->vm_start, start, &count);
		for (i = 0; i < NR_MM_COUNTERS; i++)
			count.raw[i] = vma_rss_read(from, i) - count.raw[i];
	}
	vma_rss_move(from, to, &count);
}

/*
 * The entries @src's counters count now all belong to @dst (@src is going
 * away, or mremap moved them all): take over its counts.  The exchange
 * leaves @src at zero, so a late charge to @src (anon rmap can reach a VMA
 * removed by a merge until anon_vma_merge()) shows as a leak at
 * vm_area_free() rather than vanishing.
 */
void vma_rss_fold(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	long raw;
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++) {
		raw = atomic_long_xchg(&src->vm_rss[i], 0);
		if (raw)
			vma_rss_add(dst, i, raw);
	}
}

/*
 * A copy of a VMA (vm_area_dup()) maps nothing yet, and nothing is taken
 * from it: the copy of vm_rss_seq may show a decrement of the original in
 * flight (reclaim runs during fork), which would never end here.
 */
void vma_rss_zero(struct vm_area_struct *vma)
{
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++)
		atomic_long_set(&vma->vm_rss[i], 0);
	atomic_long_set(&vma->vm_rss_seq, 0);
}

/* Quick attempts of vma_rss_snapshot() before it gives up. */
#define VMA_RSS_SNAPSHOT_TRIES	8

/**
 * vma_rss_snapshot - read all of a VMA's counters as of one moment
 * @vma: the VMA, which the caller keeps from being freed (VMA lock or RCU)
 * @count: the counters, in the format of vma->vm_rss[]
 *
 * The counters are separate atomics, and a change of kind (swap-out: anon
 * to swap) updates two of them: read one by one, a VMA that maps one page
 * can read as mapping nothing.  Every update that takes something away is
 * bracketed by vma_rss_take_begin() and vma_rss_take_end(), so if none was
 * in flight when vm_rss_seq was read first and none began or ended before
 * it was read again, no counter went down in between: each one read is at
 * least what it was at the first read, and a VMA that read as mapping
 * nothing mapped nothing then.  Increments (faults) are not bracketed: one
 * that is seen is one that happened.  Updates are short (under a page table
 * lock), so the reads are retried a few times before giving up.
 *
 * Return: true if @count is such a snapshot; false if the counters kept
 * changing (the caller must not conclude anything from them).
 */
bool vma_rss_snapshot(struct vm_area_struct *vma, struct vma_rss_count *count)
{
	long seq;
	int i, tries;

	for (tries = 0; tries < VMA_RSS_SNAPSHOT_TRIES; tries++) {
		/* Pairs with the full barrier in vma_rss_take_end(). */
		seq = atomic_long_read_acquire(&vma->vm_rss_seq);
		if (!(seq & VMA_RSS_SEQ_BUSY)) {
			for (i = 0; i < NR_MM_COUNTERS; i++)
				count->raw[i] = vma_rss_read(vma, i);
			/* Pairs with the full barrier in vma_rss_take_begin(). */
			smp_rmb();
			if (atomic_long_read(&vma->vm_rss_seq) == seq)
				return true;
		}
		cpu_relax();
	}
	return false;
}

/* Whether @vma mapped nothing at one moment (see vma_rss_snapshot()). */
bool vma_rss_none(struct vm_area_struct *vma)
{
	struct vma_rss_count count;

	return vma_rss_snapshot(vma, &count) &&
	       !memchr_inv(&count, 0, sizeof(count));
}

#ifdef CONFIG_DEBUG_VM
/*
 * Fault injection for the race tests (debugfs vma_rss/move_delay_us): spin
 * this long in the middle of vma_move_counter(), between the two counters,
 * so that readers can meet the change half done.  The caller holds a page
 * table lock: capped at 10 ms.
 */
unsigned int vma_rss_move_delay_us;

void vma_rss_inject_delay(void)
{
	udelay(min(READ_ONCE(vma_rss_move_delay_us), 10000U));
}
#endif

static bool vma_rss_skip_walks = true;
/* Walks skipped, per CPU: readers of different processes share no line. */
static DEFINE_PER_CPU(unsigned long, vma_rss_skipped);

/*
 * Whether a page walk of @vma (held by the caller) would find nothing that
 * smaps counts: no page, swap, migration or device entry, and not hugetlb
 * (not counted here).  Hwpoison entries, which smaps counts as resident but
 * rss does not, are the exception: a VMA that maps only those reads as
 * empty.
 */
bool vma_rss_maps_nothing(struct vm_area_struct *vma)
{
	if (!READ_ONCE(vma_rss_skip_walks) || is_vm_hugetlb_page(vma) ||
	    !vma_rss_none(vma))
		return false;
	this_cpu_inc(vma_rss_skipped);
	return true;
}

#ifdef CONFIG_PER_VMA_LOCK
/*
 * At most this many VMAs are passed over in one RCU read section (bounds
 * the section for processes with very many empty VMAs).
 */
#define VMA_RSS_PASS_BATCH	256

/**
 * vma_rss_pass_empty - pass over the VMAs that map nothing, without locks
 * @mm: the mm, which the caller keeps alive (mmget)
 * @addr: where to start: the first VMA ending above @addr
 * @first: set to the start of the first VMA passed over, if any
 *
 * A reader that only sums (smaps_rollup) need not lock a VMA that maps
 * nothing.  Under RCU, inside a read section of mm->mm_lock_seq, which every
 * mmap_lock writer enters and so every split, merge, move and unmap, an
 * anonymous VMA with zero rss counters adds nothing: its range and its
 * counts are those of one moment at which no writer changed them.  Faults
 * and reclaim may change the counters meanwhile, as they may under a page
 * walk.  File-backed VMAs (shmem swap is per file) and hugetlb are left to
 * the caller, as is everything if a writer comes or goes meanwhile.
 *
 * Return: where the caller goes on from (@addr if nothing was passed).
 */
unsigned long vma_rss_pass_empty(struct mm_struct *mm, unsigned long addr,
				 unsigned long *first)
{
	VMA_ITERATOR(vmi, mm, addr);
	unsigned long end = addr, start = 0;
	struct vm_area_struct *vma;
	unsigned int seq;
	long n = 0;

	if (!READ_ONCE(vma_rss_skip_walks))
		return addr;
	rcu_read_lock();
	seq = raw_read_seqcount(&mm->mm_lock_seq);
	if (seq & 1)		/* a writer holds mmap_lock */
		goto out;
	for_each_vma(vmi, vma) {
		if (n == VMA_RSS_PASS_BATCH || READ_ONCE(vma->vm_file) ||
		    READ_ONCE(vma->detached))
			break;
		if (!vma_rss_none(vma))
			break;
		if (!n++)
			start = READ_ONCE(vma->vm_start);
		end = READ_ONCE(vma->vm_end);
	}
	/* Orders the reads above before the re-check (smp_rmb()). */
	if (n && !read_seqcount_retry(&mm->mm_lock_seq, seq)) {
		*first = start;
		this_cpu_add(vma_rss_skipped, n);
	} else {
		end = addr;
	}
out:
	rcu_read_unlock();
	return end;
}
#endif /* CONFIG_PER_VMA_LOCK */

#ifdef CONFIG_DEBUG_VM
/* Unmapped entries were uncounted as they were zapped: nothing is left. */
void vma_rss_check_free(struct vm_area_struct *vma)
{
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++)
		WARN_ONCE(vma_rss_read(vma, i),
			  "vma_rss: freeing VMA %lx-%lx flags %lx with counter %d = %lx\n",
			  vma->vm_start, vma->vm_end, vma->vm_flags, i,
			  vma_rss_read(vma, i));
	WARN_ONCE(atomic_long_read(&vma->vm_rss_seq) & VMA_RSS_SEQ_BUSY,
		  "vma_rss: freeing VMA %lx-%lx with an update in flight\n",
		  vma->vm_start, vma->vm_end);
}

static atomic_long_t vma_rss_verified, vma_rss_mismatches;

static void vma_rss_report(pid_t pid, struct vm_area_struct *vma, int member,
			   long have, long walked)
{
	pr_err("vma_rss: pid %d VMA %lx-%lx flags %lx pgoff %lx file %pD counter %d: has %ld pages %ld PMDs, walk finds %ld pages %ld PMDs\n",
	       pid, vma->vm_start, vma->vm_end, vma->vm_flags,
	       vma->vm_pgoff, vma->vm_file, member,
	       have & VMA_RSS_PAGES_MASK, have >> VMA_RSS_PMD_SHIFT,
	       walked & VMA_RSS_PAGES_MASK, walked >> VMA_RSS_PMD_SHIFT);
}

/*
 * Check that every VMA of @mm has the counts a walk of it finds, and that
 * they add up to the mm's counters.  With mmap_lock held for writing and
 * every i_mmap and anon_vma lock of the mm taken (mm_take_all_locks()),
 * nothing can change an entry of @mm, so any difference is a bug.  An exec
 * in progress is the exception for the sums: acct_arg_size() charges the
 * old mm for the new stack's pages.
 */
static int vma_rss_verify_mm(struct mm_struct *mm, pid_t pid)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vma_rss_count walked, sum = {};
	struct vm_area_struct *vma;
	long have;
	s64 want;
	int i, bad = 0;
	int err;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	err = mm_take_all_locks(mm);
	if (err)
		goto out;

	for_each_vma(vmi, vma) {
		vma_rss_walk_range(vma, vma->vm_start, vma->vm_end, &walked);
		for (i = 0; i < NR_MM_COUNTERS; i++) {
			have = vma_rss_read(vma, i);
			if (have != walked.raw[i]) {
				vma_rss_report(pid, vma, i, have, walked.raw[i]);
				bad++;
			}
			sum.raw[i] += i == MM_SWAPENTS ? have :
				      have & VMA_RSS_PAGES_MASK;
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
		WARN(1, "vma_rss: %d counters differ from a walk\n", bad);
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
	unsigned long skipped = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		skipped += per_cpu(vma_rss_skipped, cpu);
	seq_printf(m, "skipped_walks %lu\n", skipped);
#ifdef CONFIG_DEBUG_VM
	seq_printf(m, "page_walks %ld\n",
		   atomic_long_read(&page_walks_started));
	seq_printf(m, "verified_vmas %ld\n",
		   atomic_long_read(&vma_rss_verified));
	seq_printf(m, "mismatches %ld\n",
		   atomic_long_read(&vma_rss_mismatches));
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
#endif
	return 0;
}
late_initcall(vma_rss_debugfs_init);
