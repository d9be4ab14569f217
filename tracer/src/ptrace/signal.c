// SPDX-License-Identifier: MIT
/*
 * Signals under ptrace. A signal-delivery-stop is recorded (siginfo from PTRACE_GETSIGINFO,
 * si_fd/si_band for SIGPOLL-style codes, the stack where the thread was interrupted) and the
 * signal is always re-injected unchanged: never swallowed, never added. A group-stop (SIGSTOP,
 * SIGTSTP, SIGTTIN, SIGTTOU) is held with PTRACE_LISTEN, so the program stays stopped until
 * SIGCONT exactly as it would untraced. The handlers come from rt_sigaction calls seen at their
 * exit; those installed before an attach are known only as "caught" (/proc/PID/status SigCgt).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "pt.h"
#include "rules.h"

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

/* Signals the program ignores are dropped when they are sent to an untraced process, so the
 * kernel side never sees them delivered; under ptrace they stop the thread all the same. */
static bool ignored(const struct pt_proc *p, int sig)
{
	uint8_t d = p->sig[sig].disp;

	return d == PT_DISP_IGNORE || (d == PT_DISP_DEFAULT && default_ignored(sig));
}

void pt_on_signal_stop(struct pt_tracer *t, struct pt_thread *th, int sig)
{
	struct pt_proc *p = th->proc;
	siginfo_t si;
	pt_regs_t regs;

	if (t->recording && !p->quiet && !t->detaching && sig > 0 && sig < PT_NSIG && !ignored(p, sig) &&
	    ptrace(PTRACE_GETSIGINFO, th->tid, 0, &si) == 0) {
		struct iol_rec_signal_deliver r = { .hdr = { .kind = IOL_RECORD_KIND_SIGNAL_DELIVER, .size = sizeof(r) } };

		r.sig = (uint8_t)sig;
		r.pid = p->pid;
		r.tid = th->tid;
		r.ts = pt_now();
		r.code = si.si_code;
		r.sig_errno = si.si_errno;
		r.poll_fd = -1;
		if (iol_has_poll_fields(sig, si.si_code)) {
			r.poll_fd = si.si_fd;
			r.poll_band = si.si_band;
		}
		r.handler = p->sig[sig].handler;
		r.sa_flags = p->sig[sig].flags;
		if (pt_getregs(th->tid, &regs) == 0)
			r.stack_id = pt_capture_stack(t, th, &regs);
		pt_emit(t, &r);
	}
	pt_resume(t, th, sig); /* re-injected as it came */
}

void pt_on_group_stop(struct pt_tracer *t, struct pt_thread *th, int sig)
{
	(void)sig;
	if (t->detaching) {
		/* let go while stopped: the thread stays in its group-stop, as untraced */
		ptrace(PTRACE_DETACH, th->tid, 0, 0);
		pt_forget_thread(t, th);
		return;
	}
	if (ptrace(PTRACE_LISTEN, th->tid, 0, 0) == 0)
		th->state = PT_LISTENING;
}

void pt_sigaction_done(struct pt_tracer *t, struct pt_thread *th, long ret)
{
	const struct pt_call *c = &th->call;
	uint64_t sig = c->args[0];
	struct pt_sigaction *a;

	(void)t;
	if (ret != 0 || !c->args[1] || sig == 0 || sig >= PT_NSIG)
		return;
	a = &th->proc->sig[sig];
	a->handler = c->aux;
	a->flags = c->aux2;
	a->disp = c->aux == (uint64_t)(uintptr_t)SIG_IGN ? PT_DISP_IGNORE
		  : c->aux == (uint64_t)(uintptr_t)SIG_DFL ? PT_DISP_DEFAULT
							    : PT_DISP_HANDLER;
}

/* Dispositions at the attach, from /proc/PID/status: ignored, caught (handler unknown), default. */
void pt_signals_from_proc(struct pt_proc *p)
{
	unsigned long long ign = 0, cgt = 0;
	char v[64];

	if (proc_status_field(p->pid, "SigIgn", v, sizeof(v)) == 0)
		ign = strtoull(v, NULL, 16);
	if (proc_status_field(p->pid, "SigCgt", v, sizeof(v)) == 0)
		cgt = strtoull(v, NULL, 16);
	for (int s = 1; s < PT_NSIG; s++) {
		unsigned long long bit = 1ULL << (s - 1);

		p->sig[s].handler = 0;
		p->sig[s].flags = 0;
		p->sig[s].disp = (ign & bit) ? PT_DISP_IGNORE : (cgt & bit) ? PT_DISP_HANDLER : PT_DISP_DEFAULT;
	}
}
