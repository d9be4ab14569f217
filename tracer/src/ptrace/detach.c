// SPDX-License-Identifier: MIT
/*
 * Letting go of every traced thread so that the program runs on exactly as if it had never been
 * traced: no thread left in a tracing stop, TracerPid 0 everywhere, no signal lost or added.
 *
 * Every stop from now on ends in PTRACE_DETACH (with the signal of a signal-delivery-stop, so it
 * is delivered). A thread running user code reaches its next syscall stop within microseconds
 * and is let go there; one that does not (a computation) is stopped with PTRACE_INTERRUPT after
 * 100 ms. A thread held in a group-stop is interrupted and let go still stopped. A thread blocked
 * inside a syscall is not interrupted: PTRACE_INTERRUPT would end epoll_wait, io_getevents,
 * sigtimedwait or semop with EINTR. If its call ends while we wait, it is let go at its exit
 * stop; otherwise the kernel lets it go when iolens-tracer exits (exit_ptrace: its syscall
 * tracing is cleared and it is not woken), and its call continues undisturbed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "pt.h"

#define PT_DETACH_NUDGE_NS 100000000ULL /* then interrupt the threads still running user code */

/* Threads that must still stop before we may go; interrupt the stragglers after `nudge`. */
static size_t outstanding(struct pt_tracer *t, bool nudge)
{
	size_t n = 0;

	for (size_t i = 0; i < t->threads.cap; i++) {
		struct pt_thread *th = t->threads.vals[i];

		if (!t->threads.keys[i] || (th->in_syscall && th->state == PT_RUNNING))
			continue; /* blocked in a call: left to the kernel unless it stops meanwhile */
		n++;
		if (nudge && !th->interrupted && th->state == PT_RUNNING) {
			ptrace(PTRACE_INTERRUPT, th->tid, 0, 0);
			th->interrupted = true;
		}
	}
	return n;
}

void pt_detach_all(struct pt_tracer *t)
{
	uint64_t start = pt_now();
	struct timespec nap = { 0, 200000 };

	t->detaching = true;
	for (size_t i = 0; i < t->threads.cap; i++) {
		struct pt_thread *th = t->threads.vals[i];

		if (t->threads.keys[i] && th->state == PT_LISTENING) {
			ptrace(PTRACE_INTERRUPT, th->tid, 0, 0); /* it traps again, still in its group-stop */
			th->interrupted = true;
		}
	}
	for (;;) {
		uint64_t now = pt_now();
		int status;
		pid_t pid;

		/* the rest the kernel lets go as we exit (exit_ptrace), as when a tracer is killed */
		if (!outstanding(t, now - start > PT_DETACH_NUDGE_NS) || now - start > IOL_DETACH_GIVE_UP_NS)
			break;
		pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid > 0)
			pt_handle_status(t, pid, status); /* ends in PTRACE_DETACH */
		else if (pid < 0 && errno == ECHILD)
			break;
		else
			nanosleep(&nap, NULL);
	}
	/* a last look: calls that ended meanwhile */
	for (int i = 0; i < 64; i++) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);

		if (pid <= 0)
			break;
		pt_handle_status(t, pid, status);
	}
}
