// SPDX-License-Identifier: GPL-2.0
/*
 * profile: one operation of make bench, between the two marker
 * instructions of the insnprof QEMU plugin (harness/insnprof/), so that
 * the plugin counts the guest instructions of exactly that operation and
 * harness/insnprof.sh can attribute them to kernel functions.  On real
 * hardware and in a guest without the plugin the markers are NOPs.
 *
 * Usage: profile OPERATION
 *   fault      16384 first-touch 4 KiB anonymous faults
 *   munmap     munmap of those 64 MiB
 *   split      200 x mprotect one page of a populated 1 MiB area and back
 *   mremap     20 x mremap-move a populated 1 MiB area
 *              (both next to a populated 1 MiB area they merge with, as in
 *              maintcost: half of a 2 MiB VMA)
 *   split:MIB:STRIDE  20 x mprotect one page in the middle of a MIB MiB
 *              anonymous VMA, every STRIDE-th page populated (THP off), and
 *              back: two splits and a three-way merge of a big VMA
 *   mremap_part  20 x mremap-move 1 MiB out of the middle of a populated
 *              8 MiB VMA and back into the hole (a split, a move, a merge)
 *   uffd_move  20 x UFFDIO_MOVE of 1 MiB of populated anonymous memory
 *              into an empty registered VMA and back (256 PTEs moved from
 *              table to table each time)
 *   FILE:LAYOUT  one read of /proc/PID/FILE (maps, smaps, smaps_rollup),
 *              or "query": PROCMAP_QUERY_VMA_RSS of every VMA, or "scan":
 *              PROCMAP_SCAN with PROCMAP_QUERY_VMA_RSS of every VMA, 256 per
 *              call, of a process with one of readcost's layouts (sparse,
 *              dense, rssN, vmasNd, ...: build_layout())
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>
#include "bench-util.h"

#define KiB 1024UL
#define MiB (1024 * KiB)
#define PAGE (4 * KiB)

static inline void count_on(void)
{
	asm volatile("nopl 0x5ca1ab1e(%%rax)" ::: "memory");
}

static inline void count_off(void)
{
	asm volatile("nopl 0x5ca1ab1f(%%rax)" ::: "memory");
}

/*
 * Before a counted read: let the RCU callbacks and deferred frees that the
 * set-up queued (the layout's child, the warm read) run now, not inside the
 * counted window, where they made the stock and patched counts of one read
 * differ by a few percent from run to run.  Under -icount with sleep=off an
 * idle second costs no host time.
 */
static void drain(void)
{
	sleep(1);
}

static int read_proc(const char *file, const char *layout)
{
	static char buf[1 << 16];
	char path[64];
	pid_t pid = spawn_paused(build_layout, (void *)layout);
	int fd;

	int query = !strcmp(file, "query"), scan = !strcmp(file, "scan");

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, query || scan ? "maps" : file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	if (query || scan) {
		long (*all)(int fd) = query ? query_all : scan_all;

		all(fd);	/* warm */
		drain();
		count_on();
		all(fd);
		count_off();
	} else {
		while (read(fd, buf, sizeof(buf)) > 0)	/* warm */
			;
		lseek(fd, 0, SEEK_SET);
		drain();
		count_on();
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		count_off();
	}
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

/*
 * 20 x mremap-move 1 MiB from @a to @b and back, counted: the mremap
 * operations.  Returns 1 (after perror) if a move fails.
 */
static int move_back_and_forth(char *a, char *b)
{
	count_on();
	for (int i = 0; i < 20; i++) {
		if (mremap(i & 1 ? b : a, MiB, MiB, MREMAP_MAYMOVE | MREMAP_FIXED,
			   i & 1 ? a : b) == MAP_FAILED) {
			perror("mremap");
			count_off();
			return 1;
		}
	}
	count_off();
	return 0;
}

/*
 * UFFDIO_MOVE 1 MiB between two anonymous VMAs registered with one
 * userfaultfd (the destination must be), 20 times, there and back.
 */
static int uffd_move_back_and_forth(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_move mv = { .len = MiB };
	char *a = map_rw(3 * MiB), *b = a + 2 * MiB;
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	/* A PROT_NONE MiB in between keeps the two VMAs apart. */
	if (fd < 0 || mprotect(a + MiB, MiB, PROT_NONE) ||
	    ioctl(fd, UFFDIO_API, &api)) {
		perror("userfaultfd");
		return 1;
	}
	madvise(a, 3 * MiB, MADV_NOHUGEPAGE);
	/* Before registering: a missing page would wait for a handler. */
	touch_pages(a, MiB);
	for (int i = 0; i < 2; i++) {
		reg.range.start = (unsigned long)(i ? b : a);
		reg.range.len = MiB;
		if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
			perror("UFFDIO_REGISTER");
			return 1;
		}
	}
	for (int i = 0; i < 22; i++) {
		if (i == 2)	/* after one round trip unmeasured */
			count_on();
		mv.src = (unsigned long)(i & 1 ? b : a);
		mv.dst = (unsigned long)(i & 1 ? a : b);
		mv.move = 0;
		if (ioctl(fd, UFFDIO_MOVE, &mv) || mv.move != (long)MiB) {
			count_off();
			perror("UFFDIO_MOVE");
			return 1;
		}
	}
	count_off();
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	char *p, *q, *colon = strchr(op, ':');

	/*
	 * The same addresses under both kernels: whether a 1 MiB area crosses
	 * a 2 MiB boundary decides how many page tables a move allocates and
	 * frees, and address space randomization decides that anew each boot
	 * (the mremap rows moved from 1.10 to 1.25 between two runs).
	 */
	if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE) &&
	    personality(ADDR_NO_RANDOMIZE) != -1)
		execv("/proc/self/exe", argv);

	if (!strncmp(op, "split:", 6)) {
		unsigned long mib = strtoul(op + 6, &q, 10), size = mib * MiB;
		unsigned long stride = *q == ':' ? strtoul(q + 1, NULL, 10) : 1;

		if (!mib || !stride)
			return 2;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		madvise(p, size, MADV_NOHUGEPAGE);
		for (unsigned long off = 0; off < size; off += stride * PAGE)
			p[off] = 1;
		q = p + size / 2 + PAGE;	/* not on a table boundary */
		mprotect(q, PAGE, PROT_READ);	/* warm */
		mprotect(q, PAGE, PROT_READ | PROT_WRITE);
		count_on();
		for (int i = 0; i < 20; i++) {
			mprotect(q, PAGE, PROT_READ);
			mprotect(q, PAGE, PROT_READ | PROT_WRITE);
		}
		count_off();
		return 0;
	}
	if (colon) {
		*colon = 0;
		return read_proc(op, colon + 1);
	}
	if (!strcmp(op, "fault") || !strcmp(op, "munmap")) {
		/* Once unmeasured: the page allocator's free lists warm up. */
		p = map_rw(64 * MiB);
		touch_pages(p, 64 * MiB);
		munmap(p, 64 * MiB);
		p = map_rw(64 * MiB);
		madvise(p, 64 * MiB, MADV_NOHUGEPAGE);
		if (!strcmp(op, "fault"))
			count_on();
		touch_pages(p, 64 * MiB);
		count_off();
		if (!strcmp(op, "munmap"))
			count_on();
		munmap(p, 64 * MiB);
		count_off();
	} else if (!strcmp(op, "split")) {
		/* As maintcost: it merges with a populated neighbour. */
		touch_pages(map_rw(MiB), MiB);
		p = map_rw(MiB);
		touch_pages(p, MiB);
		count_on();
		for (int i = 0; i < 200; i++) {
			q = p + ((i % 200) + 20) * PAGE;
			mprotect(q, PAGE, PROT_READ);
			mprotect(q, PAGE, PROT_READ | PROT_WRITE);
		}
		count_off();
	} else if (!strcmp(op, "mremap")) {
		/* As maintcost: a populated neighbour above the moved VMA. */
		touch_pages(map_rw(MiB), MiB);
		p = map_rw(MiB);
		touch_pages(p, MiB);
		q = mmap(NULL, MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (move_back_and_forth(p, q))
			return 1;
	} else if (!strcmp(op, "mremap_part")) {
		char *hole;

		p = map_rw(8 * MiB);
		madvise(p, 8 * MiB, MADV_NOHUGEPAGE);
		touch_pages(p, 8 * MiB);
		hole = p + 3 * MiB + PAGE;
		q = mmap(NULL, MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (move_back_and_forth(hole, q))
			return 1;
	} else if (!strcmp(op, "uffd_move")) {
		return uffd_move_back_and_forth();
	} else {
		fprintf(stderr, "usage: %s fault|munmap|split|split:MIB:STRIDE|mremap|mremap_part|uffd_move|FILE:LAYOUT\n",
			argv[0]);
		return 2;
	}
	return 0;
}
