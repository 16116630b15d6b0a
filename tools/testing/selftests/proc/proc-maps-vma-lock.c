// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VMA-locked /proc/PID/{maps,smaps,smaps_rollup} readers:
 *  - an open file kept across the target's munmap, exit and exec;
 *  - every lookup path (RCU, wait for the writer, mmap_lock last resort)
 *    gives byte-identical output on a quiescent process;
 *  - a reader waits for a writer holding mmap_lock without ever taking it,
 *    so no writer ever queues behind it.
 * The path counters and the mode knob are in debugfs (vma_read/); tests
 * that need them are skipped on a kernel without them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../kselftest_harness.h"
#include "smaps-util.h"

#define VMA_READ_DIR "/sys/kernel/debug/vma_read/"
#define NR_VMAS 200

struct stats {
	unsigned long rcu, rcu_retry, wait, mmap_lock, writer_waited;
};

static bool have_knobs(void)
{
	return access(VMA_READ_DIR "stats", R_OK) == 0;
}

static void get_stats(struct stats *s)
{
	char *text = read_file(VMA_READ_DIR "stats", NULL), *p;

	memset(s, 0, sizeof(*s));
	if (!text)
		return;
	if ((p = strstr(text, "rcu ")))
		s->rcu = strtoul(p + 4, NULL, 10);
	if ((p = strstr(text, "rcu_retry ")))
		s->rcu_retry = strtoul(p + 10, NULL, 10);
	if ((p = strstr(text, "wait ")))
		s->wait = strtoul(p + 5, NULL, 10);
	if ((p = strstr(text, "mmap_lock ")))
		s->mmap_lock = strtoul(p + 10, NULL, 10);
	if ((p = strstr(text, "writer_waited ")))
		s->writer_waited = strtoul(p + 14, NULL, 10);
	free(text);
}

static int set_mode(int mode)
{
	char buf[16];
	int fd = open(VMA_READ_DIR "mode", O_WRONLY), n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d", mode);
	n = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return n;
}

/* A child with NR_VMAS small VMAs (alternating protections), touched. */
static pid_t spawn_layout(int *cmd_fd)
{
	int to_child[2], from_child[2];
	long page = sysconf(_SC_PAGESIZE);
	pid_t pid;
	char c;

	if (pipe(to_child) || pipe(from_child))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	char *base = mmap(NULL, 2 * NR_VMAS * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		_exit(2);
	memset(base, 1, 2 * NR_VMAS * page);
	for (int i = 0; i < NR_VMAS; i++)
		mprotect(base + 2 * i * page, page, PROT_READ);
	if (write(from_child[1], "r", 1) != 1)
		_exit(2);
	/* Commands: 'u' unmaps the upper half, 'e' execs sleep. */
	while (read(to_child[0], &c, 1) == 1) {
		if (c == 'u')
			munmap(base + NR_VMAS * page, NR_VMAS * page);
		if (c == 'e')
			execl("/bin/sleep", "sleep", "100", NULL);
		if (write(from_child[1], "d", 1) != 1)
			_exit(2);
	}
	_exit(0);
parent:
	close(to_child[0]);
	close(from_child[1]);
	if (read(from_child[0], &c, 1) != 1)
		return -1;
	cmd_fd[0] = from_child[0];
	cmd_fd[1] = to_child[1];
	return pid;
}

static void command(int *cmd_fd, char c)
{
	char d;

	if (write(cmd_fd[1], &c, 1) == 1 && c != 'e')
		(void)!read(cmd_fd[0], &d, 1);
}

static void reap(pid_t pid, int *cmd_fd)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(cmd_fd[0]);
	close(cmd_fd[1]);
}

/* Check that smaps text is whole records with increasing vm_end. */
static int check_smaps_text(char *text, int *nr)
{
	struct smaps_vma *v;
	unsigned long last_end = 0;
	int n = parse_smaps(text, &v);

	*nr = n;
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (v[i].nr_fields < NR_SMAPS_FIELDS || !v[i].vmflags[0] || v[i].end <= last_end) {
			free(v);
			return -1;
		}
		last_end = v[i].end;
	}
	free(v);
	return 0;
}

/* Half of the file read, the unread upper half of the VMAs unmapped. */
TEST(fd_across_munmap)
{
	int cmd[2], nr;
	pid_t pid = spawn_layout(cmd);
	char path[64], *buf = calloc(1, 1 << 20);
	ssize_t len = 0, n;
	int fd;

	ASSERT_GT(pid, 0);
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	/* Part of the way in: a few records. */
	n = read(fd, buf, 3000);
	ASSERT_GT(n, 0);
	len = n;
	command(cmd, 'u');
	while ((n = read(fd, buf + len, 777)) > 0)
		len += n;
	ASSERT_EQ(0, n);
	buf[len] = '\0';
	/* The first read may end inside a record: check from the next one. */
	char *rest = strchr(buf + 3000 - 1, '\n');

	ASSERT_NE(NULL, rest);
	while (rest && !is_vma_header(rest + 1))
		rest = strchr(rest + 1, '\n');
	ASSERT_NE(NULL, rest);
	ASSERT_EQ(0, check_smaps_text(rest + 1, &nr));
	/* Only about half of the VMAs are left to report. */
	ASSERT_LT(nr, NR_VMAS + 20);
	close(fd);
	reap(pid, cmd);
	free(buf);
}

/*
 * Read what seq_file still buffers from before (the rest of the record the
 * last read() ended in, at most a page), then return the next result.
 */
static ssize_t drain(int fd)
{
	char buf[512];
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		total += n;
		if (total > 4096)
			return total;
	}
	return n;
}

static const char * const files[] = { "maps", "smaps", "smaps_rollup" };

/* Open maps, smaps and smaps_rollup of @pid; read a little of the first two. */
static int open_part_read(pid_t pid, int *fds)
{
	char path[64], buf[512];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		fds[i] = open(path, O_RDONLY);
		if (fds[i] < 0)
			return -1;
		if (i < 2 && read(fds[i], buf, sizeof(buf)) != sizeof(buf))
			return -1;
	}
	return 0;
}

/* After the target is gone, reading on gives EOF or ESRCH, as in stock. */
TEST(fd_across_exit)
{
	int cmd[2], fds[3];
	pid_t pid = spawn_layout(cmd);
	int i;

	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, open_part_read(pid, fds));
	reap(pid, cmd);
	for (i = 0; i < 3; i++) {
		ssize_t n = drain(fds[i]);

		ASSERT_TRUE(n == 0 || (n < 0 && errno == ESRCH))
			TH_LOG("%s: read returned %zd (%s)", files[i], n, strerror(errno));
		close(fds[i]);
	}
}

/* Across exec the file keeps the old mm, which is gone: EOF. */
TEST(fd_across_exec)
{
	int cmd[2], fds[3];
	pid_t pid = spawn_layout(cmd);
	char path[64];
	int i;

	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, open_part_read(pid, fds));
	command(cmd, 'e');
	/* Wait until the exec happened: /proc/PID/exe is no longer ours. */
	char self_exe[256] = "", exe[256];
	ssize_t l;

	ASSERT_GT(readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1), 0);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	for (i = 0; i < 500; i++) {
		l = readlink(path, exe, sizeof(exe) - 1);
		if (l > 0) {
			exe[l] = '\0';
			if (strcmp(exe, self_exe))
				break;
		}
		usleep(10000);
	}
	ASSERT_LT(i, 500);
	/* maps and smaps end (EOF); smaps_rollup reports ESRCH, as in stock. */
	for (i = 0; i < 3; i++) {
		ssize_t n = drain(fds[i]);

		if (i < 2) {
			ASSERT_EQ(0, n) TH_LOG("%s: read returned %zd (%s)", files[i], n, strerror(errno));
		} else {
			ASSERT_TRUE(n < 0 && errno == ESRCH) TH_LOG("%s: read returned %zd", files[i], n);
		}
		close(fds[i]);
	}
	reap(pid, cmd);
}

/* Every lookup path prints the same bytes for a quiescent process. */
TEST(paths_identical)
{
	int cmd[2];
	pid_t pid;
	struct stats before, after;

	if (!have_knobs())
		SKIP(return, "no " VMA_READ_DIR " (not the patched kernel?)");
	pid = spawn_layout(cmd);
	ASSERT_GT(pid, 0);
	for (int f = 0; f < 3; f++) {
		char path[64], *ref, *text;
		size_t rlen, len;

		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[f]);
		ASSERT_EQ(0, set_mode(0));
		ref = read_file(path, &rlen);
		ASSERT_NE(NULL, ref);
		for (int mode = 1; mode <= 2; mode++) {
			get_stats(&before);
			ASSERT_EQ(0, set_mode(mode));
			text = read_file(path, &len);
			get_stats(&after);
			ASSERT_EQ(0, set_mode(0));
			ASSERT_NE(NULL, text);
			ASSERT_EQ(rlen, len) TH_LOG("%s mode %d", files[f], mode);
			ASSERT_EQ(0, memcmp(ref, text, len)) TH_LOG("%s mode %d", files[f], mode);
			if (mode == 2) {
				ASSERT_GE(after.mmap_lock - before.mmap_lock, NR_VMAS)
					TH_LOG("%s: the mmap_lock path was not taken", files[f]);
			}
			free(text);
		}
		free(ref);
	}
	reap(pid, cmd);
}

struct holder {
	char *p;
	size_t len;
	volatile int stop;
	unsigned long rounds;
};

/* Hold mmap_lock for write for long stretches: mprotect of populated memory. */
static void *hold_mmap_lock(void *arg)
{
	struct holder *h = arg;

	while (!h->stop) {
		mprotect(h->p, h->len, PROT_READ);
		mprotect(h->p, h->len, PROT_READ | PROT_WRITE);
		h->rounds++;
		usleep(20000);
	}
	return NULL;
}

/*
 * A target thread keeps mmap_lock write-held for long stretches.  The
 * reader must wait for it (the wait path is taken), finish every read with
 * whole records, and never take mmap_lock itself, so no writer ever
 * queues behind a reader (writer_waited stays 0).
 */
TEST(wait_for_writer)
{
	int to_child[2], from_child[2];
	struct stats before, after;
	char path[64], c;
	pid_t pid;
	int reads = 0;

	if (!have_knobs())
		SKIP(return, "no " VMA_READ_DIR " (not the patched kernel?)");
	ASSERT_EQ(0, set_mode(0));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		static struct holder h;
		pthread_t t;

		h.len = 64 << 20;
		h.p = mmap(NULL, h.len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (h.p == MAP_FAILED)
			_exit(2);
		madvise(h.p, h.len, MADV_NOHUGEPAGE);
		memset(h.p, 1, h.len);
		/* Many VMAs, so the reader crosses a held lock often. */
		for (int i = 0; i < NR_VMAS; i++)
			mmap(NULL, 4096, (i & 1) ? PROT_READ : PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_create(&t, NULL, hold_mmap_lock, &h);
		if (write(from_child[1], "r", 1) != 1)
			_exit(2);
		(void)!read(to_child[0], &c, 1);
		h.stop = 1;
		pthread_join(t, NULL);
		_exit(h.rounds > 0 ? 0 : 3);
	}
	ASSERT_EQ(1, read(from_child[0], &c, 1));
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	get_stats(&before);
	for (time_t end = time(NULL) + 4; time(NULL) < end; reads++) {
		char *text = read_file(path, NULL);
		int nr;

		ASSERT_NE(NULL, text);
		ASSERT_EQ(0, check_smaps_text(text, &nr));
		ASSERT_GT(nr, NR_VMAS);
		free(text);
	}
	get_stats(&after);
	ASSERT_EQ(1, write(to_child[1], "s", 1));
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%d reads: rcu %lu retry %lu wait %lu mmap_lock %lu writer_waited %lu",
	       reads, after.rcu - before.rcu, after.rcu_retry - before.rcu_retry,
	       after.wait - before.wait, after.mmap_lock - before.mmap_lock,
	       after.writer_waited - before.writer_waited);
	ASSERT_GT(after.wait - before.wait, 0) TH_LOG("the reader never waited for the writer");
	ASSERT_EQ(0, after.mmap_lock - before.mmap_lock);
	ASSERT_EQ(0, after.writer_waited - before.writer_waited);
}

TEST_HARNESS_MAIN
