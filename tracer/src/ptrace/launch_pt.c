// SPDX-License-Identifier: MIT
/*
 * Launching a command under ptrace: the child is forked and held back in a pipe read before its
 * exec (launch.c); the tracer seizes it there (so it has the same seized semantics as an attached
 * process: PTRACE_INTERRUPT and PTRACE_LISTEN work), stops it once, resumes it with syscall stops,
 * and only then lets it exec. Nothing of the command runs untraced: its first instruction comes
 * after the PTRACE_EVENT_EXEC stop. What the child does before its exec is our own code, not
 * recorded. With --seccomp the child installs the filter (seccomp.c) just before the exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common.h"
#include "pt.h"


static int child_seccomp(void *ctx)
{
	struct pt_tracer *t = ctx;
	int err = pt_seccomp_install(t->nr_to_sys, t->cls);

	if (err != -EACCES)
		return err;
	/* without CAP_SYS_ADMIN a filter needs no_new_privs (root keeps its exec semantics: it has
	 * the capability); a traced program gains no privileges through a setuid exec anyway */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return pt_seccomp_install(t->nr_to_sys, t->cls);
}

int pt_launch(struct pt_tracer *t, char **argv)
{
	const int stdio_fds[3] = { -1, -1, -1 };
	struct iol_launch *l = &t->launch;
	struct pt_thread *th;
	struct pt_proc *p;
	int err, status;
	pid_t w;

	if (t->seccomp) {
		l->child_setup = child_seccomp;
		l->child_ctx = t;
	}
	err = launch_prepare(l, argv, stdio_fds);
	if (err) {
		logmsg("iolens-tracer: cannot start %s: %s", argv[0], strerror(-err));
		return -1;
	}
	t->launched = true;
	t->target = l->pid;
	pt_drop_caps();
	if (ptrace(PTRACE_SEIZE, l->pid, 0, pt_options(t) | (t->seccomp ? PTRACE_O_TRACESECCOMP : 0))) {
		logmsg("iolens-tracer: cannot trace the command it started: %s", strerror(errno));
		launch_abandon(l);
		return -1;
	}
	p = pt_proc_new(t, l->pid);
	th = p ? pt_thread_new(t, p, l->pid, "") : NULL;
	if (!th) {
		launch_abandon(l);
		return -1;
	}
	p->target = true;
	p->quiet = true;
	p->announced = true;
	ptrace(PTRACE_INTERRUPT, l->pid, 0, 0);
	do
		w = waitpid(l->pid, &status, __WALL);
	while (w < 0 && errno == EINTR);
	if (w != l->pid || !WIFSTOPPED(status)) {
		logmsg("iolens-tracer: the command it started did not stop as expected");
		launch_abandon(l);
		return -1;
	}
	th->state = PT_HELD;
	pt_resume(t, th, 0);
	return 0;
}

int pt_launch_go(struct pt_tracer *t)
{
	return launch_go(&t->launch);
}
