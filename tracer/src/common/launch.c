// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_from(int first)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, first, ~0U, 0) == 0)
		return;
#endif
	for (int fd = first; fd < 4096; fd++)
		close(fd);
}

int launch_prepare(struct iol_launch *l, char *const argv[], const int stdio_fds[3])
{
	int go[2], fail[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) || pipe2(fail, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char c;
		int err;

		/* the tracer's own signal dispositions must not leak into the command */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(go[1]);
		close(fail[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(126); /* the tracer went away before attaching: do not run untraced */
		for (int i = 0; i < 3; i++)
			if (stdio_fds[i] >= 0 && stdio_fds[i] != i)
				dup2(stdio_fds[i], i);
		/* keep only stdio and the close-on-exec pipe that reports a failed exec */
		close(go[0]);
		if (fail[1] != 3) {
			if (dup3(fail[1], 3, O_CLOEXEC) < 0)
				_exit(126);
		}
		close_from(4);
		fail[1] = 3;
		err = l->child_setup ? -l->child_setup(l->child_ctx) : 0;
		if (!err) {
			execvp(argv[0], argv);
			err = errno;
		}
		if (write(fail[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(fail[1]);
	l->pid = pid;
	l->go_fd = go[1];
	l->fail_fd = fail[0];
	return 0;
}

int launch_release(struct iol_launch *l)
{
	int err = 0;
	ssize_t n;

	if (write(l->go_fd, "g", 1) != 1)
		err = errno;
	close(l->go_fd);
	l->go_fd = -1;
	do
		n = read(l->fail_fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(l->fail_fd);
	l->fail_fd = -1;
	if (n == (ssize_t)sizeof(err)) {
		waitpid(l->pid, NULL, 0);
		return -err;
	}
	return 0;
}

int launch_go(struct iol_launch *l)
{
	int err = 0;

	if (write(l->go_fd, "g", 1) != 1)
		err = -errno;
	close(l->go_fd);
	l->go_fd = -1;
	return err;
}

int launch_exec_error(struct iol_launch *l)
{
	int err = 0;
	ssize_t n;

	if (l->fail_fd < 0)
		return 0;
	do
		n = read(l->fail_fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(l->fail_fd);
	l->fail_fd = -1;
	return n == (ssize_t)sizeof(err) ? -err : 0;
}

void launch_abandon(struct iol_launch *l)
{
	if (l->go_fd >= 0)
		close(l->go_fd);
	if (l->fail_fd >= 0)
		close(l->fail_fd);
	l->go_fd = l->fail_fd = -1;
	waitpid(l->pid, NULL, 0);
}
