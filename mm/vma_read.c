// SPDX-License-Identifier: GPL-2.0
/*
 * Read-locking one VMA at a time for readers of another process's address
 * space: /proc/PID/maps, smaps, smaps_rollup and PROCMAP_QUERY.
 *
 * Such a reader used to hold the target's mmap_lock for its whole pass.  A
 * writer (mmap, munmap, mprotect) then queued behind it, and every page
 * fault that needs mmap_lock queued behind the writer: a monitoring agent
 * reading smaps stalled the process it monitored.
 *
 * vma_read_lock_next() instead finds the first VMA ending above an address
 * under RCU and takes only that VMA's read lock, the lock page faults take.
 * When the VMA is write-locked, the reader waits for the mmap_lock writer to
 * finish without acquiring anything, so it can never delay a writer, and
 * looks again.  Only a reader that keeps losing to a stream of writers falls
 * back, after a bounded number of waits, to mmap_read_lock for one lookup.
 *
 * The caller holds no VMA lock when it calls vma_read_lock_next(): taking
 * mmap_lock, or waiting for its writer, while holding a VMA read lock would
 * deadlock against a writer that holds mmap_lock and waits for that VMA
 * (vma_start_write()).  Readers resume by address (the vm_end of the last
 * VMA they reported), never by index, so across concurrent changes a VMA
 * may be reported twice but is never skipped.
 *
 * Copyright (c) 2026 The smaps-sideband authors
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/vma_read.h>

/*
 * Lookups under RCU that found a VMA which had just been replaced (detached
 * after we found it, or shrunk below the address): the writer is already
 * gone, so looking again right away succeeds unless another writer replaced
 * it again in the meantime.
 */
#define VMA_READ_RCU_TRIES	4

/*
 * Waits for an mmap_lock writer before the last resort.  Each wait ends
 * when the writer that held mmap_lock when we looked has released it, so a
 * reader takes mmap_lock only after losing to this many distinct writer
 * sections in a row on the same lookup.
 */
#define VMA_READ_WAITS		16

/* Polling interval of a wait, doubled up to the maximum (microseconds). */
#define VMA_READ_WAIT_MIN_US	20
#define VMA_READ_WAIT_MAX_US	1000

static DEFINE_PER_CPU(unsigned long, vma_read_stats[NR_VMA_READ_PATHS]);

/* Test and benchmark knob, see debugfs vma_read/mode. */
enum vma_read_mode {
	VMA_READ_MODE_WAIT,		/* default: wait for writers */
	VMA_READ_MODE_NO_WAIT,		/* fall back to mmap_lock without waiting */
	VMA_READ_MODE_MMAP_LOCK,	/* always take the last resort */
};

void vma_read_count(enum vma_read_path path)
{
	this_cpu_inc(vma_read_stats[path]);
}

#ifdef CONFIG_PER_VMA_LOCK
static unsigned int vma_read_mode __read_mostly;

#ifdef CONFIG_DEBUG_VM
/*
 * Fault injection for the race tests (debugfs vma_read/lookup_delay_us):
 * busy-wait between finding a VMA under RCU and read-locking it, and before
 * each step of the maps iterator, so that a whole writer section (a split,
 * a merge, an unmap) fits in between.  RCU is held, so this spins; it is
 * capped at 10 ms.
 */
static unsigned int vma_read_lookup_delay_us;

static void vma_read_inject_delay(void)
{
	unsigned int us = READ_ONCE(vma_read_lookup_delay_us);

	if (unlikely(us))
		udelay(min(us, 10000U));
}

/*
 * The writer's side: keep a hole (vma_read_hole_begin()) open four times
 * as long as a reader's window (at most 10 ms), so that a reader can look
 * up the range twice while it is open.  The writer may sleep here.
 */
void vma_read_hole_inject_delay(void)
{
	unsigned int us = READ_ONCE(vma_read_lookup_delay_us);

	if (unlikely(us))
		fsleep(4 * min(us, 2500U));
}
#else
static inline void vma_read_inject_delay(void)
{
}
#endif

/*
 * Wait until the mmap_lock writer that is active now, if any, has finished,
 * without taking mmap_lock and without making anybody wait for us.
 *
 * mm->mm_lock_seq is odd while mmap_lock is held for write (it is bumped by
 * mmap_write_lock() and again by vma_end_write_all() on unlock or
 * downgrade), and a VMA is write-locked exactly when its vm_lock_seq equals
 * the odd value of the current section.  So once the sequence has moved on
 * from the odd value seen here, every VMA that writer locked is unlocked.
 *
 * Nothing is acquired, so no writer can be delayed by this wait: it only
 * reads the sequence, sleeping in between.  The writer pays nothing either:
 * there is no wake-up for it to issue, which is why this polls with a short
 * exponential backoff instead of sleeping on a wait queue.
 *
 * For lockdep the wait is what it is for deadlock purposes: a read
 * acquisition of mmap_lock that is released at once.  That makes lockdep
 * report a reader that would wait while holding a VMA lock (a writer holding
 * mmap_lock may be waiting for that VMA), the deadlock this must never have.
 */
static int vma_read_wait_writer(struct mm_struct *mm)
{
	unsigned int seq = raw_read_seqcount(&mm->mm_lock_seq);
	unsigned long delay = VMA_READ_WAIT_MIN_US;

	might_sleep();
	rwsem_acquire_read(&mm->mmap_lock.dep_map, 0, 0, _RET_IP_);
	rwsem_release(&mm->mmap_lock.dep_map, _RET_IP_);

	/* Even: no writer now, the one we lost to is gone already. */
	if (!(seq & 1))
		return 0;

	/*
	 * The smp_rmb() in raw_read_seqcount() pairs with the smp_wmb() in
	 * mm_lock_seqcount_end() (from vma_end_write_all()): once we see the
	 * new value, the next lookup sees the writer's changes to the tree and
	 * to the VMAs.
	 */
	while (raw_read_seqcount(&mm->mm_lock_seq) == seq) {
		if (fatal_signal_pending(current))
			return -EINTR;
		usleep_range_state(delay, 2 * delay, TASK_KILLABLE);
		delay = min(2 * delay, (unsigned long)VMA_READ_WAIT_MAX_US);
	}
	return 0;
}

/*
 * vma_assert_locked() reads the lock word even without CONFIG_DEBUG_VM; a
 * reader asserts this for every VMA it steps to, so production builds leave
 * the check to lockdep.  Narrower than vma_assert_locked(), which also
 * accepts a VMA write-locked under mmap_lock: every VMA handed out here is
 * read-locked through its vm_lock, even under mmap_lock (see
 * vma_read_lock_mmap()).
 */
static __always_inline void vma_read_assert_locked(struct vm_area_struct *vma)
{
	lockdep_assert_held(&vma->vm_lock->lock);
	if (IS_ENABLED(CONFIG_DEBUG_VM))
		vma_assert_locked(vma);
}

/*
 * Sample mm->mm_lock_seq before a lookup under RCU, for vma_read_gap_end():
 * every writer that changes the VMA tree holds mmap_lock for write, and
 * mmap_write_lock() makes the sequence odd until mmap_write_unlock().  The
 * smp_rmb() in raw_read_seqcount() orders this read before the tree walk
 * that follows (it pairs with the smp_wmb() in mm_lock_seqcount_end()).
 */
static unsigned int vma_read_gap_begin(struct mm_struct *mm)
{
	return raw_read_seqcount(&mm->mm_lock_seq);
}

/*
 * Whether no writer held the tree when a lookup began with @seq (even) and
 * none has entered it since: then what the lookup found stands.  The
 * smp_rmb() in read_seqcount_retry() orders the lookup's reads before the
 * re-read, pairing with the smp_wmb() in mm_lock_seqcount_begin().
 */
static bool vma_read_gap_end(struct mm_struct *mm, unsigned int seq)
{
	return !(seq & 1) && !read_seqcount_retry(&mm->mm_lock_seq, seq);
}

/*
 * A writer that unmaps a range and maps it again before it unlocks brackets
 * that with vma_read_hole_begin() and vma_read_hole_end() (mremap() to a
 * fixed address over an older mapping): a walk that finds no VMA there then
 * must not be believed.  Sample mm->mm_hole_seq before such a walk, and
 * check it after: -EBUSY (wait for the writer) if a hole was open, or was
 * opened meanwhile; 0 if not.  The ordering of the seqcount reads (the
 * sample before the walk, smp_rmb() before the re-read) pairs with the
 * smp_wmb()s of the writer's begin and end: a walk that saw the range
 * cleared sees the sequence moved.
 */
static unsigned int vma_read_hole_sample(struct mm_struct *mm)
{
	return raw_read_seqcount(&mm->mm_hole_seq);
}

static int vma_read_hole_check(struct mm_struct *mm, unsigned int hole)
{
	if ((hole & 1) || read_seqcount_retry(&mm->mm_hole_seq, hole))
		return -EBUSY;
	return 0;
}

/* vma_read_found() when @vma starts above @addr and a writer came */
static noinline int vma_read_found_gap(struct vm_area_struct *vma,
				       unsigned long addr, struct mm_struct *mm)
{
	MA_STATE(mas, &mm->mm_mt, addr, addr);
	struct vm_area_struct *found;
	unsigned int hole;
	int err;

	vma_read_count(VMA_READ_GAP_LOOKUP);
	hole = vma_read_hole_sample(mm);
	found = mas_find(&mas, ULONG_MAX);
	err = vma_read_hole_check(mm, hole);
	if (err)
		return err;
	return found == vma ? 0 : -EAGAIN;
}

/*
 * Whether @vma, found under RCU as the first VMA ending above @addr and
 * read-locked since, is the right answer for @addr.  Read-locked, its
 * vm_start, vm_end and detached flag are stable.  Called under RCU.
 *
 * It was removed, or shrunk to end at or below @addr, between the lookup and
 * vma_start_read(): no.  It starts at or below @addr: yes, even if it grew
 * or merged below @addr since (reporting a range twice is allowed).
 *
 * It starts above @addr: [@addr, vm_start) is a gap only if nothing was
 * mapped there once we held @vma.  A writer may have split the VMA after
 * the lookup and left the old vm_area_struct with the upper part
 * (__split_vma() with new_below, as mprotect() of a page above its start
 * does): its lower part, mapped all along, would be skipped.
 *
 * If no writer entered the tree since the lookup (vma_read_gap_end()), the
 * lookup stands.  Otherwise look again from @addr, without waiting for the
 * writer: @vma is read-locked, so nobody can split, shrink or remove it
 * until we let go; and vma_start_read() succeeded only after the writer
 * that last write-locked @vma had ended its section (it reads mm_lock_seq
 * with ACQUIRE, pairing with the RELEASE in vma_end_write_all()), so that
 * writer's stores to the tree, a lower part split off included, are seen
 * by this second walk.  If it finds @vma again, [@addr, vm_start) held no
 * VMA at that moment, and is a gap unless a writer had it unmapped only to
 * map it again (vma_read_hole_check()).  If it finds another VMA, that one
 * is the answer to look up afresh.
 *
 * Return: 0 if @vma is the answer, else -EAGAIN (look again) or -EBUSY
 * (wait for the writer, then look again).
 */
static __always_inline int vma_read_found(struct vm_area_struct *vma,
					  unsigned long addr,
					  struct mm_struct *mm,
					  unsigned int seq)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "VMA lookup outside RCU");
	vma_read_assert_locked(vma);
	if (vma->detached || vma->vm_end <= addr)
		return -EAGAIN;
	if (likely(vma->vm_start <= addr || vma_read_gap_end(mm, seq)))
		return 0;
	return vma_read_found_gap(vma, addr, mm);
}

/*
 * One lookup under RCU: the first VMA with vm_end > @addr, read-locked.
 * Returns NULL if there is none, ERR_PTR(-EBUSY) if it is write-locked or
 * a writer's hole (vma_read_hole_begin()) was in the way, and
 * ERR_PTR(-EAGAIN) if it was replaced before we locked it.
 */
static struct vm_area_struct *vma_read_lock_rcu(struct mm_struct *mm,
						unsigned long addr)
{
	MA_STATE(mas, &mm->mm_mt, addr, addr);
	struct vm_area_struct *vma;
	unsigned int seq, hole;
	int err;

	rcu_read_lock();
	seq = vma_read_gap_begin(mm);
	hole = vma_read_hole_sample(mm);
	/*
	 * Nothing ends above @addr: believed unless a writer had the range
	 * unmapped only to map it again.  A walk from the root sees each
	 * store to the tree whole, and writers store a VMA over the one it
	 * replaces (a split, a merge, mmap_region() over an old mapping)
	 * rather than clear the range first; mremap() to a fixed address is
	 * the one that clears a range and maps it again.
	 */
	vma = mas_find(&mas, ULONG_MAX);
	if (!vma) {
		if (!vma_read_gap_end(mm, seq)) {
			err = vma_read_hole_check(mm, hole);
			if (err)
				vma = ERR_PTR(err);
		}
		goto out;
	}
	vma_read_inject_delay();

	/*
	 * VMAs are freed by RCU, so @vma is valid memory here even if it was
	 * removed after mas_find() saw it; vma_start_read() fails for one
	 * that is write-locked, which every writer does before changing or
	 * removing a VMA.
	 */
	if (!vma_start_read(vma)) {
		vma = ERR_PTR(-EBUSY);
		goto out;
	}

	err = vma_read_found(vma, addr, mm, seq);
	if (err) {
		vma_end_read(vma);
		vma = ERR_PTR(err);
	}
out:
	rcu_read_unlock();
	return vma;
}

/*
 * The last resort, for one lookup: under mmap_read_lock no VMA can be
 * write-locked (that needs mmap_lock for write), so the VMA's read lock is
 * taken with down_read() and cannot fail; the lock order mmap_lock ->
 * vm_lock is the one writers use.  mmap_lock is dropped before returning.
 */
static struct vm_area_struct *vma_read_lock_mmap(struct mm_struct *mm,
						 unsigned long addr)
{
	struct vm_area_struct *vma;

	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	vma = find_vma(mm, addr);
	if (vma)
		down_read(&vma->vm_lock->lock);
	vma_read_count(VMA_READ_MMAP_LOCK);
	if (rwsem_is_contended(&mm->mmap_lock))
		vma_read_count(VMA_READ_WRITER_WAITED);
	mmap_read_unlock(mm);
	return vma;
}

/**
 * vma_read_lock_next - read-lock the first VMA that ends above an address
 * @mm: the address space, pinned by the caller (mmget)
 * @addr: the address to resume at
 *
 * The caller must hold no VMA lock and not hold @mm's mmap_lock.
 *
 * Return: the VMA containing @addr or else the next one, read-locked
 * (release it with vma_read_unlock()); NULL if no VMA ends above @addr;
 * ERR_PTR(-EINTR) if a fatal signal arrived while waiting.
 */
struct vm_area_struct *vma_read_lock_next(struct mm_struct *mm,
					  unsigned long addr)
{
	enum vma_read_path path = VMA_READ_RCU;
	int tries = 0, waits = 0, err;
	struct vm_area_struct *vma;

	/*
	 * The caller holds neither mmap_lock (asserted here) nor a VMA lock:
	 * waiting for a writer, or taking mmap_lock, with a VMA lock held can
	 * deadlock, and lockdep reports it through the wait's annotation.
	 */
	lockdep_assert_not_held(&mm->mmap_lock);

	if (READ_ONCE(vma_read_mode) == VMA_READ_MODE_MMAP_LOCK)
		return vma_read_lock_mmap(mm, addr);

	for (;;) {
		vma = vma_read_lock_rcu(mm, addr);
		if (!IS_ERR(vma)) {
			vma_read_count(path);
			return vma;
		}
		/* Replaced, or a writer came and went: look again at once. */
		if (PTR_ERR(vma) == -EAGAIN && ++tries < VMA_READ_RCU_TRIES) {
			if (path == VMA_READ_RCU)
				path = VMA_READ_RETRY;
			continue;
		}
		if (READ_ONCE(vma_read_mode) == VMA_READ_MODE_NO_WAIT ||
		    waits++ == VMA_READ_WAITS)
			return vma_read_lock_mmap(mm, addr);
		err = vma_read_wait_writer(mm);
		if (err)
			return ERR_PTR(err);
		path = VMA_READ_WAIT;
		tries = 0;
	}
}

/**
 * vma_read_iter_start - begin stepping through @mm's VMAs under RCU
 * @it: the iterator, on the caller's stack or in its per-read state
 * @mm: the address space, pinned by the caller (mmget)
 *
 * Enters an RCU read section that lasts until vma_read_iter_end(), except
 * while vma_read_iter_next() waits for a writer.  The caller must not sleep
 * in between, other than through vma_read_iter_next().
 */
void vma_read_iter_start(struct vma_read_iter *it, struct mm_struct *mm)
	__acquires(RCU)
{
	it->mm = mm;
	it->next_addr = -1UL;
	vma_iter_init(&it->vmi, mm, 0);
	rcu_read_lock();
}

/**
 * vma_read_iter_next - read-lock the first VMA that ends above an address
 * @it: an iterator started with vma_read_iter_start()
 * @addr: the address to resume at
 *
 * Like vma_read_lock_next(), but when @addr is the end of the VMA returned
 * last and no writer has entered the tree since that VMA was found, the
 * maple iterator steps on from there within the RCU section the caller is
 * in, instead of walking down from the root.  The maple state remembers
 * where the last VMA was found, as it was then: after a writer merged that
 * VMA with part of the next one (mprotect() of the next one's first pages
 * to the same protections), a step would land behind the merged part and
 * skip it.  So the sequence sampled before each step is kept, and the
 * iterator is set afresh at @addr unless it is still the same, even value.
 * A VMA that cannot be locked at once (write-locked, or replaced) goes the
 * way of vma_read_lock_next(), outside RCU, and the iterator is set afresh.
 *
 * Return: as vma_read_lock_next().  The caller must hold no VMA lock.
 */
struct vm_area_struct *vma_read_iter_next(struct vma_read_iter *it,
					  unsigned long addr)
{
	struct vm_area_struct *vma;
	unsigned int seq;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "VMA read iterator used outside RCU");
	if (READ_ONCE(vma_read_mode) == VMA_READ_MODE_MMAP_LOCK)
		goto slow;
	/* For tests: a writer may come between the last step and this one. */
	vma_read_inject_delay();
	seq = vma_read_gap_begin(it->mm);
	if (addr != it->next_addr || seq != it->seq || (seq & 1))
		vma_iter_set(&it->vmi, addr);
	vma = vma_next(&it->vmi);
	if (!vma) {
		/* A step from a stale state proves nothing: walk from the root. */
		if (!vma_read_gap_end(it->mm, seq))
			goto slow;
		it->next_addr = -1UL;
		return NULL;
	}
	vma_read_inject_delay();
	if (vma_start_read(vma)) {
		if (!vma_read_found(vma, addr, it->mm, seq)) {
			vma_read_count(VMA_READ_RCU);
			it->next_addr = vma->vm_end;
			it->seq = seq;
			return vma;
		}
		vma_end_read(vma);
	}

slow:
	/* The slow path may sleep: leave RCU, and the iterator with it. */
	rcu_read_unlock();
	vma = vma_read_lock_next(it->mm, addr);
	rcu_read_lock();
	it->next_addr = -1UL;
	return vma;
}

/**
 * vma_read_iter_end - leave the RCU section of vma_read_iter_start()
 * @it: the iterator
 */
void vma_read_iter_end(struct vma_read_iter *it)
	__releases(RCU)
{
	rcu_read_unlock();
}

/**
 * vma_read_unlock - release a VMA returned by vma_read_lock_next()
 * @vma: the VMA
 */
void vma_read_unlock(struct vm_area_struct *vma)
{
	vma_read_assert_locked(vma);
	vma_end_read(vma);
}

/**
 * vma_read_yield - drop a VMA's read lock for a moment, then retake it
 * @vma: a VMA read-locked by vma_read_lock_next()
 * @addr: an address inside @vma by which to find it again
 *
 * For long walks of one VMA: a writer that wants this VMA gets it between
 * two chunks of the walk instead of waiting for the whole walk.
 *
 * A writer write-locks a VMA before it changes or removes it, which stores
 * the current mm_lock_seq in vm_lock_seq; so the same VMA with the same
 * vm_lock_seq was not changed meanwhile.  The range, flags, file and offset
 * are compared as well, so that a VMA freed and another one allocated at
 * the same address (possible once we leave RCU) cannot pass for it.
 *
 * Return: true if @vma is read-locked again, unchanged; false if it
 * changed, went away or a fatal signal arrived, with nothing locked.
 */
bool vma_read_yield(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long start = vma->vm_start, end = vma->vm_end;
	unsigned long pgoff = vma->vm_pgoff;
	unsigned int seq = vma->vm_lock_seq;
	vm_flags_t flags = vma->vm_flags;
	struct file *file = vma->vm_file;
	struct mm_struct *mm = vma->vm_mm;
	struct vm_area_struct *again;

	vma_read_unlock(vma);
	cond_resched();
	again = vma_read_lock_next(mm, addr);
	if (again == vma && vma->vm_lock_seq == seq &&
	    vma->vm_start == start && vma->vm_end == end &&
	    vma->vm_pgoff == pgoff && vma->vm_file == file &&
	    vma->vm_flags == flags)
		return true;
	if (!IS_ERR_OR_NULL(again))
		vma_read_unlock(again);
	return false;
}

#else /* !CONFIG_PER_VMA_LOCK */

/* Without per-VMA locks, the VMA is held stable by mmap_lock itself. */
struct vm_area_struct *vma_read_lock_next(struct mm_struct *mm,
					  unsigned long addr)
{
	struct vm_area_struct *vma;

	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	vma = find_vma(mm, addr);
	vma_read_count(VMA_READ_MMAP_LOCK);
	if (!vma)
		mmap_read_unlock(mm);
	return vma;
}

void vma_read_unlock(struct vm_area_struct *vma)
{
	mmap_read_unlock(vma->vm_mm);
}

/* Nothing can change while mmap_lock is held: keep holding it. */
bool vma_read_yield(struct vm_area_struct *vma, unsigned long addr)
{
	return true;
}

/* Without per-VMA locks each step takes mmap_lock: no RCU section. */
void vma_read_iter_start(struct vma_read_iter *it, struct mm_struct *mm)
{
	it->mm = mm;
}

struct vm_area_struct *vma_read_iter_next(struct vma_read_iter *it,
					  unsigned long addr)
{
	return vma_read_lock_next(it->mm, addr);
}

void vma_read_iter_end(struct vma_read_iter *it)
{
}

#endif /* CONFIG_PER_VMA_LOCK */

#ifdef CONFIG_DEBUG_FS
static const char * const vma_read_path_names[NR_VMA_READ_PATHS] = {
	[VMA_READ_RCU]		 = "rcu",
	[VMA_READ_RETRY]	 = "rcu_retry",
	[VMA_READ_WAIT]		 = "wait",
	[VMA_READ_MMAP_LOCK]	 = "mmap_lock",
	[VMA_READ_WRITER_WAITED] = "writer_waited",
	[VMA_READ_GAP_LOOKUP]	 = "gap_lookup",
};

static int vma_read_stats_show(struct seq_file *m, void *v)
{
	int i, cpu;

	for (i = 0; i < NR_VMA_READ_PATHS; i++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu(vma_read_stats[i], cpu);
		seq_printf(m, "%s %lu\n", vma_read_path_names[i], sum);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vma_read_stats);

static int __init vma_read_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("vma_read", NULL);

	debugfs_create_file("stats", 0444, dir, NULL, &vma_read_stats_fops);
#ifdef CONFIG_PER_VMA_LOCK
	debugfs_create_u32("mode", 0644, dir, &vma_read_mode);
#ifdef CONFIG_DEBUG_VM
	debugfs_create_u32("lookup_delay_us", 0600, dir,
			   &vma_read_lookup_delay_us);
#endif
#endif
	return 0;
}
late_initcall(vma_read_debugfs_init);
#endif /* CONFIG_DEBUG_FS */
