// SPDX-License-Identifier: GPL-2.0
/*
 * Access rules of /proc/PID/{maps,smaps,smaps_rollup} and PROCMAP_QUERY,
 * which must stay exactly those of stock (mm_access with PTRACE_MODE_READ
 * at open, the mm pinned at open time):
 *  - another user's process: EACCES;
 *  - a process of the same user that dropped dumpable: EACCES;
 *  - a file opened before the target execs a setuid binary keeps the old
 *    mm, which is gone: EOF (smaps_rollup and PROCMAP_QUERY: ESRCH), and
 *    nothing of the new image is shown; a new open fails.
 * Runs as root and drops privileges in forked children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../kselftest_harness.h"

#define TARGET_UID	65534
#define OTHER_UID	65533

static const char * const files[] = { "maps", "smaps", "smaps_rollup" };

/* A child running as @uid that optionally drops dumpable, then waits. */
static pid_t spawn_target(uid_t uid, int dumpable, int *cmd)
{
	int up[2], down[2];
	pid_t pid;
	char c;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (!pid) {
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(2);
		/* A credential change resets dumpable: set it as asked. */
		if (prctl(PR_SET_DUMPABLE, dumpable))
			_exit(2);
		if (write(up[1], "r", 1) != 1)
			_exit(2);
		/* 'x': exec the setuid copy of this program. */
		if (read(down[0], &c, 1) == 1 && c == 'x')
			execl("/tmp/suid-target", "suid-target", "--sleep", NULL);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1)
		return -1;
	close(up[0]);
	*cmd = down[1];
	return pid;
}

static void reap(pid_t pid, int cmd)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(cmd);
}

/* In a child running as @uid: errno of opening each file, 0 if it opened. */
static void open_as(struct __test_metadata *_metadata, uid_t uid, pid_t target, int *err)
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	ASSERT_NE(MAP_FAILED, shared);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(2);
		for (int i = 0; i < 3; i++) {
			char path[64];
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/%s", target, files[i]);
			fd = open(path, O_RDONLY);
			shared[i] = fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	memcpy(err, shared, 3 * sizeof(int));
	munmap(shared, 4096);
}

TEST(other_user_eacces)
{
	int cmd, err[3], i;
	pid_t pid = spawn_target(TARGET_UID, 1, &cmd);

	ASSERT_GT(pid, 0);
	open_as(_metadata, OTHER_UID, pid, err);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(EACCES, err[i]) TH_LOG("%s: %s", files[i], strerror(err[i]));
	}
	/* The same user may read it. */
	open_as(_metadata, TARGET_UID, pid, err);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, err[i]) TH_LOG("%s: %s", files[i], strerror(err[i]));
	}
	reap(pid, cmd);
}

TEST(not_dumpable_eacces)
{
	int cmd, err[3], i;
	pid_t pid = spawn_target(TARGET_UID, 0, &cmd);

	ASSERT_GT(pid, 0);
	open_as(_metadata, TARGET_UID, pid, err);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(EACCES, err[i]) TH_LOG("%s: %s", files[i], strerror(err[i]));
	}
	reap(pid, cmd);
}

/*
 * The reader (same user) opens the files of a dumpable target, which then
 * execs a setuid-root binary.  The files keep the pre-exec mm: they show
 * nothing of the new image.
 */
TEST(fd_across_setuid_exec)
{
	int cmd, status, *res;
	char self[256];
	ssize_t l;
	pid_t pid, reader;
	int opened[2], go[2];

	/* A setuid-root copy of this program, which just sleeps. */
	l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(l, 0);
	self[l] = '\0';
	{
		char cmdline[600];

		snprintf(cmdline, sizeof(cmdline), "cp %s /tmp/suid-target && chmod 4755 /tmp/suid-target", self);
		ASSERT_EQ(0, system(cmdline));
	}
	res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	pid = spawn_target(TARGET_UID, 1, &cmd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pipe(opened));
	ASSERT_EQ(0, pipe(go));
	reader = fork();
	ASSERT_GE(reader, 0);
	if (!reader) {
		int fds[3], fd;
		char path[64], buf[4096], c;

		if (setresgid(TARGET_UID, TARGET_UID, TARGET_UID) ||
		    setresuid(TARGET_UID, TARGET_UID, TARGET_UID))
			_exit(2);
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
			fds[i] = open(path, O_RDONLY);
			if (fds[i] < 0)
				_exit(3);
		}
		if (write(opened[1], "o", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		/* The target has exec'd the setuid binary now. */
		for (int i = 0; i < 3; i++) {
			ssize_t n = read(fds[i], buf, sizeof(buf));

			res[2 * i] = n;
			res[2 * i + 1] = n < 0 ? errno : 0;
		}
		{
			struct procmap_query q = { .size = sizeof(q), .query_addr = 0,
				.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA };

			res[6] = ioctl(fds[0], PROCMAP_QUERY, &q) ? errno : 0;
		}
		snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
		fd = open(path, O_RDONLY);
		res[7] = fd < 0 ? errno : 0;
		_exit(0);
	}
	{
		char c, exe[256] = "";
		char path[64];
		int i;

		close(opened[1]);
		ASSERT_EQ(1, read(opened[0], &c, 1)) TH_LOG("the reader could not open the files");
		ASSERT_EQ(1, write(cmd, "x", 1));
		/* Wait for the exec to complete. */
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		for (i = 0; i < 500; i++) {
			l = readlink(path, exe, sizeof(exe) - 1);
			if (l > 0) {
				exe[l] = '\0';
				if (strstr(exe, "suid-target"))
					break;
			}
			usleep(10000);
		}
		ASSERT_LT(i, 500);
		ASSERT_EQ(1, write(go[1], "g", 1));
	}
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, res[0]) TH_LOG("maps: %d (%s)", res[0], strerror(res[1]));
	EXPECT_EQ(0, res[2]) TH_LOG("smaps: %d (%s)", res[2], strerror(res[3]));
	EXPECT_EQ(-1, res[4]) TH_LOG("smaps_rollup: %d", res[4]);
	EXPECT_EQ(ESRCH, res[5]);
	EXPECT_EQ(ESRCH, res[6]) TH_LOG("PROCMAP_QUERY: %s", strerror(res[6]));
	EXPECT_EQ(EACCES, res[7]) TH_LOG("new open: %s", strerror(res[7]));
	reap(pid, cmd);
	unlink("/tmp/suid-target");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--sleep")) {
		for (;;)
			pause();
	}
	return test_harness_run(argc, argv);
}
