// SPDX-License-Identifier: GPL-2.0
/*
 * peer-run: run one peer selftest with a time limit and, on a kernel with
 * the per-VMA rss verifier (debugfs vma_rss/verify), check every process
 * of the test at its exit.
 *
 *   peer-run -t SECONDS -r REPORT [-n | -V VERIFYFILE] -- PROGRAM ARGS...
 *
 * -n: no tracing at all (for tests that use ptrace themselves, such as
 * proc-empty-vm's PTRACE_TRACEME): the time limit only.
 *
 * The test runs traced (ptrace, following fork/vfork/clone) in a process
 * group of its own.  A process whose thread group leader stops at
 * PTRACE_EVENT_EXIT still has all of its mm (exit_mm() comes later), so
 * writing its PID to VERIFYFILE there checks the counters of every VMA
 * against a page walk of the state the test left it in, without the
 * verifier's locks ever meeting the test while it runs.  A process killed
 * by SIGKILL skips that stop (no exit event with a fatal signal pending)
 * and is not checked there; when the time limit is up, the processes still
 * alive are checked as they are, then killed.  The report counts the
 * checks.
 *
 * Signals are handed back to the tracee as they arrive; nothing else of the
 * test's behaviour changes (the same tracer runs on the stock kernel, which
 * has no verifier).  When the time is up the whole group gets SIGKILL.
 *
 * REPORT gets one line:
 *   exit=N|signal=N|timeout verified=N mismatch=N error=N [first error]
 * and the exit status of peer-run is the test's (124 on timeout, 128+SIG
 * when killed by a signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 65536

static volatile sig_atomic_t timed_out;
static unsigned char seen[MAX_SEEN];	/* pid has had its first stop */

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int tgid_of(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	int tgid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

static const char *verify;
static int verified, mismatch, errors;
static char first_err[160];

/* Write @pid to vma_rss/verify: its counters against a page walk. */
static void verify_pid(pid_t pid)
{
	int fd = open(verify, O_WRONLY);
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d", pid);

	if (fd >= 0 && write(fd, buf, len) == len) {
		verified++;
	} else if (errno == EUCLEAN) {
		verified++;
		mismatch++;
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err),
				 "pid %d: counters differ from a page walk (see console)", pid);
	} else if (errno != ESRCH) {
		errors++;
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err),
				 "pid %d: write: %s", pid, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	const char *report = NULL;
	unsigned int tmo = 300;
	int status, opt, notrace = 0, killed = 0;
	int result = -1;	/* wait status of the test's main process */
	pid_t child, pid;
	FILE *rf;

	while ((opt = getopt(argc, argv, "+t:r:V:n")) != -1) {
		switch (opt) {
		case 'n': notrace = 1; break;
		case 't': tmo = atoi(optarg); break;
		case 'r': report = optarg; break;
		case 'V': verify = optarg; break;
		default:
			fprintf(stderr, "usage: peer-run -t SECONDS -r REPORT [-n | -V VERIFYFILE] -- PROGRAM ARGS...\n");
			return 2;
		}
	}
	if (optind >= argc || !report) {
		fprintf(stderr, "peer-run: no program or no -r REPORT\n");
		return 2;
	}
	if (notrace || (verify && access(verify, W_OK)))
		verify = NULL;

	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (!child) {
		setpgid(0, 0);
		if (notrace) {
			execvp(argv[optind], argv + optind);
			perror(argv[optind]);
			_exit(127);
		}
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
			perror("PTRACE_TRACEME");
			_exit(2);
		}
		raise(SIGSTOP);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	setpgid(child, child);
	/* No SA_RESTART: the alarm interrupts waitpid(). */
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	if (notrace) {
		alarm(tmo);
		for (;;) {
			pid = waitpid(child, &status, 0);
			if (pid == child) {
				result = status;
				break;
			}
			if (errno != EINTR)
				break;
			if (timed_out) {
				kill(-child, SIGKILL);
				kill(child, SIGKILL);
			}
		}
		/* Whatever the test left running in its group goes too. */
		kill(-child, SIGKILL);
		goto report;
	}
	if (waitpid(child, &status, __WALL) != child || !WIFSTOPPED(status)) {
		fprintf(stderr, "peer-run: the child did not stop\n");
		return 2;
	}
	if (ptrace(PTRACE_SETOPTIONS, child, NULL,
		   (void *)(PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
			    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT |
			    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL))) {
		perror("PTRACE_SETOPTIONS");
		kill(child, SIGKILL);
		return 2;
	}
	seen[child % MAX_SEEN] = 1;
	alarm(tmo);
	ptrace(PTRACE_CONT, child, NULL, NULL);

	for (;;) {
		int sig = 0, event;

		pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR && timed_out && !killed) {
				/*
				 * Time is up: check the processes still there
				 * as they are (the verifier takes all their
				 * locks, so it sees a consistent state), then
				 * kill them all.
				 */
				if (verify)
					for (pid = 1; pid < MAX_SEEN; pid++)
						if (seen[pid] && tgid_of(pid) == pid)
							verify_pid(pid);
				kill(-child, SIGKILL);
				kill(child, SIGKILL);
				killed = 1;
				continue;
			}
			if (errno == EINTR)
				continue;
			break;	/* ECHILD: every traced process is gone */
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				result = status;
			/* The pid may come back as a new process or thread. */
			seen[pid % MAX_SEEN] = 0;
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		event = (unsigned int)status >> 16;
		sig = WSTOPSIG(status);
		if (!seen[pid % MAX_SEEN]) {
			/* The first stop of an auto-attached child: SIGSTOP. */
			seen[pid % MAX_SEEN] = 1;
			if (sig == SIGSTOP && !event)
				sig = 0;
		}
		if (event == PTRACE_EVENT_EXIT) {
			sig = 0;
			if (verify && !timed_out && tgid_of(pid) == pid)
				verify_pid(pid);
		} else if (event) {
			/* fork/vfork/clone/exec event stops: nothing to deliver. */
			sig = 0;
		} else {
			siginfo_t si;

			/* Group-stop (no siginfo): resume as if continued. */
			if (ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) && errno == EINVAL)
				sig = 0;
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
report:
	alarm(0);
	rf = fopen(report, "w");
	if (!rf) {
		perror(report);
		return 2;
	}
	if (timed_out)
		fprintf(rf, "timeout");
	else if (result == -1)
		fprintf(rf, "lost");
	else if (WIFEXITED(result))
		fprintf(rf, "exit=%d", WEXITSTATUS(result));
	else
		fprintf(rf, "signal=%d", WTERMSIG(result));
	if (verify)
		fprintf(rf, " verified=%d mismatch=%d error=%d%s%s\n", verified,
			mismatch, errors, first_err[0] ? " " : "", first_err);
	else
		fprintf(rf, " verifier=%s\n", notrace ? "not-traced" : "absent");
	fclose(rf);
	if (timed_out)
		return 124;
	if (result == -1)
		return 2;
	return WIFEXITED(result) ? WEXITSTATUS(result) : 128 + WTERMSIG(result);
}
