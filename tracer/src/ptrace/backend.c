// SPDX-License-Identifier: MIT
/*
 * The ptrace backend: clock and meta first, then attach (or launch), the stop loop, a clean
 * detach, the calls still in flight as unfinished records, the end record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "privs.h"
#include "ptrace.h"
#include "pt.h"

static void list_cannot_see(struct pt_tracer *t)
{
	struct iol_meta_list *l = &t->cannot_see;

	meta_list_add(l, "hard IRQs");
	meta_list_add(l, "io_uring requests submitted without a syscall (SQPOLL) and io_uring completions; of the "
			 "other requests, only the io_uring_enter calls that carry them");
	meta_list_add(l, "wake-ups inside the kernel (eventfd/futex causality)");
	meta_list_add(l, "signal generation in the sender (only delivery is seen)");
	meta_list_add(l, "the CPU each call ran on");
	if (!t->launched)
		meta_list_add(l, "handlers of signals installed before the attach (shown as address 0)");
	meta_list_add(l, "thread renames written to /proc/PID/task/TID/comm (prctl(PR_SET_NAME) is seen)");
	meta_list_add(l, "exact durations of very short calls (each includes the tracer's stop latency, "
			 "microseconds)");
}

static void write_preamble(struct pt_tracer *t)
{
	struct iol_rec_clock clock;
	struct iol_meta_list none = { 0 };

	read_clock(&clock);
	out_record(t->out, &clock);
	meta_write(t->out, &(struct iol_meta_info){
		.backend = "ptrace",
		.pid = t->opts->pid,
		.command = t->opts->command,
		.launched = t->opts->command != NULL,
		.min_duration_ns = t->opts->min_duration_ns,
		.irq = false,
		.stacks = t->opts->stacks,
		.ring_size = 0,
		.missing = &none,
		.cannot_see = &t->cannot_see,
		.seccomp = t->seccomp,
	});
}

/* The tail of the stream (output.h): what the reader could not take within the drain of a stop
 * (counted: a ptrace tracer loses nothing else, the program waits for it), the calls in flight, the
 * end record. */
static void finish(struct pt_tracer *t, int reason, int sig)
{
	struct iol_rec_end e = { .hdr = { .kind = IOL_RECORD_KIND_END, .size = sizeof(e) } };
	uint64_t now = pt_now(), discarded = out_end_drain(t->out);

	if (discarded) {
		struct iol_rec_drop d = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(d) } };

		d.source = IOL_DROP_SOURCE_OUTPUT_BLOCKED;
		d.cpu = IOL_NO_CPU;
		d.ts = now;
		d.count = d.total = discarded;
		out_record(t->out, &d);
	}
	pt_report_summaries(t, now, true);
	pt_report_unfinished(t, now, true);
	e.reason = (uint8_t)reason;
	e.signal = sig;
	e.ts = now;
	e.emitted = t->emitted;
	/* a ptrace tracer loses no record (the program waits for it), only what the reader could not take
	 * at a stop, and counts when its summary table is full */
	e.dropped = discarded + t->summary_lost;
	e.bytes = out_position(t->out);
	out_record(t->out, &e);
	out_finish(t->out);
}

/* --seccomp: the filter stays; without a tracer its traced calls would fail with ENOSYS. Serve
 * the program, recording nothing, until it exits. */
static void serve_until_exit(struct pt_tracer *t)
{
	t->recording = false;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL);

		if (pid > 0)
			pt_handle_status(t, pid, status);
		else if (errno == ECHILD)
			break;
	}
}

void pt_drop_caps(void)
{
	/* an ordinary user's tracer uses none of the binary's capabilities: ptrace's own rules apply
	 * (same user, dumpable, Yama); root keeps only what reading other users' processes needs */
	caps_keep_only(caller_is_root() ? IOL_CAP_SYS_PTRACE | IOL_CAP_DAC_READ_SEARCH : 0);
}

int ptrace_backend_run(const struct iol_options *opts, struct iol_output *out)
{
	static struct pt_tracer tracer;
	struct pt_tracer *t = &tracer;
	int reason = IOL_END_REASON_ERROR, sig = 0, rc = 0;
	sigset_t chld;

	t->opts = opts;
	t->out = out;
	t->seccomp = opts->seccomp && opts->command;
	t->launched = opts->command != NULL;
	t->recording = true;
	pt_syscall_table(t);
	list_cannot_see(t);
	if (opts->irq)
		logmsg("iolens-tracer: warning: --irq is ignored: the ptrace backend cannot see hard IRQs");
	/* stops are announced by SIGCHLD; blocked, it wakes the loop's sigtimedwait */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	write_preamble(t);
	if (opts->command) {
		if (pt_launch(t, opts->command))
			return 1;
		if (pt_launch_go(t)) {
			logmsg("iolens-tracer: cannot run %s: %s", opts->command[0], strerror(errno));
			return 1;
		}
	} else {
		pt_drop_caps();
		if (pt_attach(t, opts->pid))
			return 1;
		announce_start(out, t->target, (uint32_t)t->procs.n, t->untraced_children);
	}
	out_flush(out);

	sig = pt_run(t, &reason);
	if (t->launched && !t->exec_seen) {
		int err = launch_exec_error(&t->launch);

		if (err) {
			logmsg("iolens-tracer: cannot run %s: %s", opts->command[0], strerror(-err));
			return 1;
		}
	}
	if (t->seccomp && t->threads.n > 0) {
		finish(t, reason, sig);
		logmsg("iolens-tracer: stopped (%s)", end_reason_text(reason));
		logmsg("iolens-tracer: the program runs under a seccomp filter and cannot be let go, so iolens-tracer "
		       "serves it (recording nothing) until it exits");
		close(out->fd);
		release_stdio(log_fd);
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		serve_until_exit(t);
		return 0;
	}
	if (reason != IOL_END_REASON_TARGET_EXITED)
		out_stop(out); /* a stop request: the records of the detach wait for the reader only so long */
	pt_detach_all(t);
	finish(t, reason, sig);
	logmsg("iolens-tracer: stopped (%s); detached", end_reason_text(reason));
	rc = stream_outcome(out);
	summary_free(&t->summary);
	/* the threads still inside a syscall are let go by the kernel as we exit, undisturbed */
	return rc;
}
