// SPDX-License-Identifier: MIT
/*
 * The stop loop. Every stop of every traced thread arrives through waitpid(-1, __WALL) and is
 * ended at once: a syscall stop (entry or exit), a seccomp stop (entry, --seccomp), an event
 * (clone, fork, vfork, exec), a group-stop (held with PTRACE_LISTEN), a trap (our interrupt, a new
 * task's first stop, the end of a group-stop), or a signal-delivery-stop (the signal re-injected).
 *
 * Waking a sleeping tracer and waking a stopped tracee both cost a cross-CPU wake-up, which on
 * some virtual machines costs tens of microseconds (an idle vCPU halts; waking it exits to the
 * hypervisor). So after a stop the tracer polls for the next one for a short while (50 us,
 * yielding the CPU to any thread of the program that wants it) before it sleeps: a program making
 * syscalls back to back then runs about twice as fast under it (bench/overhead.ts), and an idle
 * program costs nothing (the tracer sleeps in sigtimedwait on SIGCHLD).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "pt.h"

/* Poll this long after the last stop before sleeping. */
#ifndef PT_SPIN_NS
#define PT_SPIN_NS 50000ULL
#endif
/* Sleep at most this long (periodic work). */
#define PT_SLEEP_MAX_NS 50000000ULL

void pt_resume(struct pt_tracer *t, struct pt_thread *th, int sig)
{
	int req;

	if (t->detaching) {
		ptrace(PTRACE_DETACH, th->tid, 0, sig);
		pt_forget_thread(t, th);
		return;
	}
	/* with the seccomp filter, a thread outside a traced call runs until its next traced call;
	 * serving after the recording, it runs freely */
	if (t->seccomp && (!th->in_syscall || !t->recording))
		req = PTRACE_CONT;
	else
		req = PTRACE_SYSCALL;
	ptrace(req, th->tid, 0, sig); /* ESRCH: it died meanwhile; its exit is reported */
	th->state = PT_RUNNING;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void pt_handle_status(struct pt_tracer *t, pid_t tid, int status)
{
	struct pt_thread *th = pt_table_get(&t->threads, tid);
	int sig, event;

	if (!th) {
		if (!WIFSTOPPED(status))
			return;
		th = pt_thread_adopt(t, tid);
		if (!th) {
			ptrace(PTRACE_DETACH, tid, 0, 0); /* cannot follow it: never leave it stopped */
			return;
		}
	}
	if (th->proc->leave && WIFSTOPPED(status)) {
		/* --no-children: a process the program started, let go (with the signal it stopped for) */
		ptrace(PTRACE_DETACH, tid, 0, (status >> 16) == 0 && WSTOPSIG(status) != (SIGTRAP | 0x80) ? WSTOPSIG(status) : 0);
		pt_forget_thread(t, th);
		return;
	}
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		pt_on_exit(t, th, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	sig = WSTOPSIG(status);
	event = (unsigned)status >> 16;
	th->state = PT_HELD;
	if (sig == (SIGTRAP | 0x80)) {
		pt_on_syscall_stop(t, th, false);
		return;
	}
	switch (event) {
	case 0:
		pt_on_signal_stop(t, th, sig);
		return;
	case PTRACE_EVENT_SECCOMP:
		pt_on_syscall_stop(t, th, true);
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		pt_on_new_task(t, th, event);
		pt_resume(t, th, 0);
		return;
	case PTRACE_EVENT_EXEC:
		pt_on_exec(t, th);
		pt_resume(t, th, 0);
		return;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) {
			pt_on_group_stop(t, th, sig);
			return;
		}
		/* our interrupt, a new task's first stop, or SIGCONT ending a group-stop */
		pt_resume(t, th, 0);
		return;
	default:
		pt_resume(t, th, 0);
		return;
	}
}

/* Why to stop now, or 0. */
static int stop_reason(struct pt_tracer *t, bool check_parent)
{
	if (stop_signal)
		return stop_request_reason();
	if (t->out->error)
		return IOL_END_REASON_OUTPUT_CLOSED;
	if (check_parent && parent_died())
		return IOL_END_REASON_PARENT_DIED;
	if (t->target_gone)
		return IOL_END_REASON_TARGET_EXITED;
	return 0;
}

static void sleep_for_child(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigtimedwait(&set, NULL, &ts); /* SIGCHLD (blocked) is pending from the stop, or a stop signal interrupts */
}

int pt_run(struct pt_tracer *t, int *end_reason)
{
	uint64_t start = pt_now(), interval = (uint64_t)t->opts->stats_interval_ms * 1000000ULL;
	uint64_t next_periodic = start + interval, last_stop = start;

	arm_duration(t->opts->duration_s); /* SIGALRM: a stop request that interrupts any wait */
	for (;;) {
		int status, reason;
		pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
		uint64_t now;

		if (pid > 0)
			pt_handle_status(t, pid, status);
		else if (pid < 0 && errno == ECHILD)
			t->target_gone = true; /* nothing left to trace */
		now = pt_now();
		if (pid > 0)
			last_stop = now;
		if (now >= next_periodic) {
			pt_report_summaries(t, now, false);
			pt_report_unfinished(t, now, false);
			out_flush(t->out);
			next_periodic = now + interval;
			reason = stop_reason(t, true);
		} else {
			reason = stop_reason(t, false);
		}
		if (reason) {
			*end_reason = reason;
			return stop_request_signal();
		}
		if (pid > 0)
			continue;
		if (now - last_stop < PT_SPIN_NS) {
			sched_yield(); /* a thread of the program waiting for this CPU runs first */
			continue;      /* the next stop is likely microseconds away */
		}
		out_flush(t->out);
		{
			uint64_t until = next_periodic < now + PT_SLEEP_MAX_NS ? next_periodic : now + PT_SLEEP_MAX_NS;

			sleep_for_child(until > now ? until - now : 1000);
		}
	}
}
