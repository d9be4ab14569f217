// SPDX-License-Identifier: MIT
/*
 * Attaching to a running process: PTRACE_SEIZE every thread listed in /proc/PID/task (again until
 * no new one appears; threads started by a seized thread are followed by the kernel), with
 * TRACESYSGOOD|TRACECLONE|TRACEFORK|TRACEVFORK|TRACEEXEC and never EXITKILL; PTRACE_INTERRUPT
 * each; resume each with PTRACE_SYSCALL at its first stop. Refusals are explained in words.
 *
 * Interrupting a thread blocked in epoll_wait, io_getevents, sigtimedwait or semop makes that call
 * return EINTR to the program (the same as SIGSTOP + SIGCONT, strace -p or gdb would); calls that
 * the kernel restarts (read, poll, futex, nanosleep, ...) are not disturbed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "privs.h"
#include "pt.h"

#define PT_ATTACH_WAIT_NS 2000000000ULL

static long status_field(pid_t pid, const char *name)
{
	char v[64];

	return proc_status_field(pid, name, v, sizeof(v)) ? -1 : strtol(v, NULL, 10);
}

static int yama_scope(void)
{
	char buf[8] = "";
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static bool already_traced(pid_t pid)
{
	long tracer = status_field(pid, "TracerPid");
	char comm[16];

	if (tracer <= 0 || tracer == getpid())
		return false;
	proc_comm((pid_t)tracer, (pid_t)tracer, comm, sizeof(comm));
	logmsg("iolens-tracer: pid %d is already traced by pid %ld (%s): a process has only one tracer.\n"
	       "  Stop that tracer (a debugger, strace...) first, or use the eBPF backend, which does not need ptrace.",
	       pid, tracer, comm[0] ? comm : "?");
	return true;
}

static void explain_refusal(pid_t pid, int err)
{
	int scope = yama_scope();
	char why[512];

	if (err == ESRCH) {
		logmsg("iolens-tracer: pid %d is gone: it exited before iolens could attach", pid);
		return;
	}
	if (already_traced(pid))
		return;
	if (!target_is_callers(pid, why, sizeof(why))) {
		logmsg("iolens-tracer: %s", why);
		return;
	}
	if (scope >= 1) {
		static const char *what[] = {
			"",
			"only a parent may trace its own descendants",
			"only a tracer with CAP_SYS_PTRACE may attach",
			"attaching is disabled until the next reboot",
		};

		logmsg("iolens-tracer: the kernel's Yama module forbids attaching to pid %d: "
		       "/proc/sys/kernel/yama/ptrace_scope is %d (%s).\n"
		       "  Either launch the program under iolens instead (iolens record -- PROGRAM ARGS...),\n"
		       "  %s"
		       "  or use the eBPF backend (as root, or after the one-time `sudo setcap "
		       IOL_TRACER_CAPABILITIES "` on iolens-tracer).",
		       pid, scope, what[scope > 3 ? 3 : scope],
		       scope == 1 ? "or allow attaching until the next reboot: sudo sysctl kernel.yama.ptrace_scope=0,\n" :
		       scope == 2 ? "or trace as root,\n" : "");
		return;
	}
	logmsg("iolens-tracer: the kernel refused to let iolens-tracer trace pid %d: %s", pid, strerror(err));
}

/* Seize the threads of pid not seized yet; returns how many were new, or -errno for the leader. */
static int seize_new_threads(struct pt_tracer *t, struct pt_proc *p)
{
	char path[48];
	struct dirent *de;
	int added = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", p->pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		struct pt_thread *th;
		char comm[16];

		if (tid <= 0 || pt_table_get(&t->threads, tid))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, 0, pt_options(t))) {
			int err = errno;

			if (tid == p->pid && !p->nthreads) {
				closedir(d);
				return -err;
			}
			continue; /* exited meanwhile, or already ours through its creator */
		}
		proc_comm(p->pid, tid, comm, sizeof(comm));
		th = pt_thread_new(t, p, tid, comm);
		if (!th) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			continue;
		}
		th->state = PT_STARTING;
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
		added++;
	}
	closedir(d);
	return added;
}

/* The target's existing descendants (a server's workers), unless --no-children: seized as the target
 * is (again until no new one appears); those they start later the kernel follows. A descendant that
 * cannot be traced (another user's) is said and left alone. */
static void seize_descendants(struct pt_tracer *t, pid_t pid)
{
	static pid_t found[PT_MAX_DESCENDANTS];
	bool added;

	do {
		int n = proc_descendants(pid, found, PT_MAX_DESCENDANTS);

		added = false;
		if (t->opts->no_children) {
			t->untraced_children = n > 0 ? (uint32_t)n : 0;
			return;
		}
		for (int i = 0; i < n; i++) {
			struct pt_proc *q;
			int seized;

			if (pt_table_get(&t->procs, found[i]) || pt_table_get(&t->threads, found[i]))
				continue;
			q = pt_proc_new(t, found[i]);
			if (!q)
				return;
			q->announced = true;
			do
				seized = seize_new_threads(t, q);
			while (seized > 0);
			if (seized < 0 || !q->nthreads) {
				if (seized < 0 && seized != -ESRCH)
					logmsg("iolens-tracer: warning: cannot trace pid %d, a child of the target: %s", found[i],
					       strerror(-seized));
				pt_table_del(&t->procs, q->pid);
				pt_proc_release(q);
				continue;
			}
			added = true;
		}
	} while (added);
}

static size_t starting(struct pt_tracer *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->threads.cap; i++)
		if (t->threads.keys[i] && ((struct pt_thread *)t->threads.vals[i])->state == PT_STARTING)
			n++;
	return n;
}

int pt_attach(struct pt_tracer *t, pid_t pid)
{
	struct pt_proc *p;
	uint64_t deadline, ts;
	int n;

	if (already_traced(pid))
		return -1;
	p = pt_proc_new(t, pid);
	if (!p)
		return -1;
	p->target = true;
	p->announced = true;
	t->target = pid;
	/* what happens while the threads are being seized is before the trace begins */
	t->recording = false;
	do {
		n = seize_new_threads(t, p);
		if (n < 0) {
			explain_refusal(pid, -n);
			return -1;
		}
	} while (n > 0);
	seize_descendants(t, pid);
	deadline = pt_now() + PT_ATTACH_WAIT_NS;
	while (starting(t) && pt_now() < deadline) {
		int status;
		pid_t w = waitpid(-1, &status, __WALL | WNOHANG);

		if (w > 0)
			pt_handle_status(t, w, status);
		else if (w < 0 && errno != EINTR)
			break;
		else
			usleep(200);
		if (stop_signal)
			break;
	}
	if (!pt_table_get(&t->procs, pid)) {
		logmsg("iolens-tracer: pid %d exited while iolens was attaching", pid);
		return -1;
	}
	/* threads that appeared meanwhile were followed by the kernel; the snapshot lists them all */
	t->recording = true;
	ts = pt_now();
	/* the target, and any child it started while its threads were being seized */
	for (size_t i = 0; i < t->procs.cap; i++) {
		struct pt_proc *q = t->procs.vals[i];

		if (!t->procs.keys[i])
			continue;
		proc_snapshot_tasks(t->out, q->pid, ts, q == p);
		proc_snapshot_fds(t->out, q->pid, ts, pt_set_fd_class, t);
		pt_signals_from_proc(q);
		q->announced = true;
		pt_scan_maps(t, q);
	}
	return 0;
}
