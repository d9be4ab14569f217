// SPDX-License-Identifier: MIT
/*
 * Syscall stops into records, as the kernel side does (syscalls.bpf.h): waits always (stack and
 * timeout at entry), blocking calls from --min-duration-ns (stack at exit), setup calls (epoll_ctl
 * with its event, io_setup's context, io_submit with its iocbs (aio.c), io_cancel, io_destroy,
 * io_uring_setup/register, fcntl F_SETOWN/F_SETOWN_EX/F_SETSIG/F_SETFL), the fd table (fdtab.c),
 * executable mmaps; and, for the tracer's own bookkeeping, rt_sigaction (signal handlers) and
 * prctl(PR_SET_NAME) (thread names). Entry and exit are told apart by the thread's state (checked
 * at each entry: the kernel sets the result register to -ENOSYS before the call), so an untraced
 * call costs one register read at its entry and nothing at its exit.
 */
#define _GNU_SOURCE
#include <asm/unistd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>

#include "pt.h"

#define F_SETFL_ 4
#define F_SETOWN_ 8
#define F_SETSIG_ 10
#define F_SETOWN_EX_ 15
#define PROT_EXEC_ 4

void pt_syscall_table(struct pt_tracer *t)
{
#define PT_ENTRY(name, id, n, c, mdl, f)                                   \
	if (__NR_##name < IOL_NR_MAX && c != IOL_SYSCALL_CLASS_NAMED)        \
		t->nr_to_sys[__NR_##name] = id;                              \
	t->cls[id] = c;                                                      \
	t->fmt[id] = f;                                                      \
	t->model[id] = mdl;                                                  \
	t->nargs[id] = n;
	IOL_SYSCALLS(PT_ENTRY)
#undef PT_ENTRY
	t->nr_to_sys[__NR_rt_sigaction] = PT_SYS_SIGACTION;
	t->cls[PT_SYS_SIGACTION] = PT_CLASS_INTERNAL;
	t->nargs[PT_SYS_SIGACTION] = 4;
	t->nr_to_sys[__NR_prctl] = PT_SYS_PRCTL;
	t->cls[PT_SYS_PRCTL] = PT_CLASS_INTERNAL;
	t->nargs[PT_SYS_PRCTL] = 5;
}

static uint64_t ts_ns(const int64_t ts[2])
{
	return (uint64_t)ts[0] * 1000000000ULL + (uint64_t)ts[1];
}

/* Timeout of a wait in ns, read at entry (the kernel rewrites select's and ppoll's on return). */
static uint64_t read_timeout(struct pt_thread *th, uint16_t sys, const uint64_t *a)
{
	int64_t ts[2];
	uint64_t ptr;

	switch (sys) {
	case IOL_SYS_POLL:
		return (int)a[2] < 0 ? PT_NO_TIMEOUT : (uint64_t)(int)a[2] * 1000000ULL;
	case IOL_SYS_EPOLL_WAIT:
	case IOL_SYS_EPOLL_PWAIT:
		return (int)a[3] < 0 ? PT_NO_TIMEOUT : (uint64_t)(int)a[3] * 1000000ULL;
	case IOL_SYS_SELECT: /* struct timeval: microseconds */
		if (!a[4] || pt_mem_read(th->proc, th->tid, a[4], ts, sizeof(ts)) != sizeof(ts))
			return PT_NO_TIMEOUT;
		return (uint64_t)ts[0] * 1000000000ULL + (uint64_t)ts[1] * 1000ULL;
	case IOL_SYS_PSELECT6:
	case IOL_SYS_IO_GETEVENTS:
	case IOL_SYS_IO_PGETEVENTS:
		ptr = a[4];
		break;
	case IOL_SYS_PPOLL:
	case IOL_SYS_RT_SIGTIMEDWAIT:
		ptr = a[2];
		break;
	case IOL_SYS_EPOLL_PWAIT2:
		ptr = a[3];
		break;
	default:
		return PT_NO_TIMEOUT;
	}
	if (!ptr || pt_mem_read(th->proc, th->tid, ptr, ts, sizeof(ts)) != sizeof(ts))
		return PT_NO_TIMEOUT;
	return ts_ns(ts);
}

/* The tail words of a syscall record (the DataFormat of the call); returns how many. */
static uint32_t fill_data(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret,
			  uint64_t *data)
{
	struct pt_proc *p = th->proc;
	uint32_t k;

	switch (c->fmt ? c->fmt : t->fmt[c->sys]) {
	case IOL_DATA_FORMAT_UIO_COUNT:
		/* read() of /dev/uioN: the 32-bit interrupt count it returned */
		data[0] = 0;
		if (ret >= 4)
			pt_mem_read(p, th->tid, c->args[1], &data[0], 4);
		return 1;
	case IOL_DATA_FORMAT_UIO_WRITE:
		/* what was written (1 re-enables the interrupt): its first 8 bytes */
		data[0] = 0;
		if (ret > 0)
			pt_mem_read(p, th->tid, c->args[1], &data[0], ret > 8 ? 8 : (size_t)ret);
		return 1;
	case IOL_DATA_FORMAT_EPOLL_EVENTS: {
		uint32_t raw[3 * 8]; /* struct epoll_event is packed on x86-64: u32 events, u64 data */

		data[0] = c->aux;
		k = ret > 8 ? 8 : (ret > 0 ? (uint32_t)ret : 0);
		if (!k || pt_mem_read(p, th->tid, c->args[1], raw, 12 * k) != (ssize_t)(12 * k))
			return 1;
		for (uint32_t i = 0; i < k; i++) {
			data[1 + 2 * i] = raw[3 * i];
			data[2 + 2 * i] = raw[3 * i + 1] | ((uint64_t)raw[3 * i + 2] << 32);
		}
		return 1 + 2 * k;
	}
	case IOL_DATA_FORMAT_POLLFDS:
		data[0] = c->sys == IOL_SYS_POLL ? read_timeout(th, IOL_SYS_POLL, c->args) : c->aux;
		k = c->args[1] > 16 ? 16 : (uint32_t)c->args[1];
		if (k && pt_mem_read(p, th->tid, c->args[0], &data[1], 8 * k) == (ssize_t)(8 * k))
			return 1 + k;
		return 1;
	case IOL_DATA_FORMAT_TIMEOUT_NS:
		data[0] = c->aux;
		return 1;
	case IOL_DATA_FORMAT_EPOLL_CTL_EVENT: {
		uint32_t raw[3] = { 0 };

		if (!c->args[3] || pt_mem_read(p, th->tid, c->args[3], raw, sizeof(raw)) != sizeof(raw))
			return 0;
		data[0] = raw[0];
		data[1] = raw[1] | ((uint64_t)raw[2] << 32);
		return 2;
	}
	case IOL_DATA_FORMAT_AIO_CTX:
		data[0] = 0;
		if (ret == 0 && c->args[1])
			pt_mem_read(p, th->tid, c->args[1], &data[0], 8);
		return 1;
	case IOL_DATA_FORMAT_SIGINFO: {
		/* si_signo, si_errno, si_code, pad, then for SIGPOLL: long si_band, int si_fd */
		int32_t head[8] = { 0 };

		data[0] = c->aux;
		if (ret <= 0 || !c->args[1] || pt_mem_read(p, th->tid, c->args[1], head, sizeof(head)) != sizeof(head))
			return 1;
		data[1] = (uint32_t)head[0] | ((uint64_t)(uint32_t)head[2] << 32);
		data[2] = (uint64_t)(uint32_t)head[4] | ((uint64_t)(uint32_t)head[5] << 32);
		data[3] = (uint32_t)head[6];
		return 4;
	}
	default:
		return 0;
	}
}

static void emit_syscall(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now,
			 uint32_t flags)
{
	struct {
		struct iol_rec_syscall r;
		uint64_t data[IOL_MAX_DATA_WORDS];
	} b;
	uint32_t words = flags & IOL_SYSCALL_FLAG_UNFINISHED ? 0 : fill_data(t, th, c, ret, b.data);

	memset(&b.r, 0, sizeof(b.r));
	b.r.hdr.kind = IOL_RECORD_KIND_SYSCALL;
	b.r.hdr.size = sizeof(b.r) + 8 * words;
	b.r.sys = c->sys;
	b.r.cpu = 0xffff; /* not known to a ptrace tracer */
	b.r.pid = th->proc->pid;
	b.r.tid = th->tid;
	b.r.data_format = words || !flags ? (c->fmt ? c->fmt : t->fmt[c->sys]) : IOL_DATA_FORMAT_NONE;
	b.r.data_count = words;
	b.r.flags = flags;
	b.r.ts = c->ts;
	b.r.dur = now - c->ts;
	b.r.ret = flags ? 0 : ret;
	b.r.stack_id = c->stack_id;
	memcpy(b.r.args, c->args, sizeof(b.r.args));
	if (flags & IOL_SYSCALL_FLAG_UNFINISHED) {
		/* written by the tracer itself, like the eBPF loader's: not an event record */
		if (t->recording)
			out_record(t->out, &b);
		return;
	}
	pt_emit(t, &b);
}

static void memory_effect(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now)
{
	struct iol_rec_mmap r = { .hdr = { .kind = IOL_RECORD_KIND_MMAP, .size = sizeof(r) } };

	if (c->sys != IOL_SYS_MMAP || ret < 0 || (unsigned long)ret > -4096UL || !(c->args[2] & PROT_EXEC_))
		return;
	r.pid = th->proc->pid;
	r.tid = th->tid;
	r.ts = now;
	r.addr = (uint64_t)ret;
	r.len = c->args[1];
	r.pgoff = c->args[5];
	r.prot = (uint32_t)c->args[2];
	r.flags = (uint32_t)c->args[3];
	r.fd = (int32_t)c->args[4];
	pt_emit(t, &r);
	pt_scan_maps(t, th->proc); /* at once: the mapping is there and the tracee is stopped */
}

static void renamed(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret)
{
	char comm[16] = { 0 };

	if (c->args[0] != PR_SET_NAME || ret != 0)
		return;
	if (pt_mem_read(th->proc, th->tid, c->args[1], comm, sizeof(comm) - 1) <= 0)
		proc_comm(th->proc->pid, th->tid, comm, sizeof(comm));
	comm[15] = 0;
	memcpy(th->comm, comm, sizeof(comm));
	pt_emit_task(t, IOL_TASK_EVENT_RENAME, th->proc->pid, th->tid, 0, 0, 0, 0, comm, NULL);
}

/* A blocking call shorter than --min-duration: counted, not sent, as the kernel side does
 * (syscalls.bpf.h summarize): per thread, syscall, kind of fd and call site. A ptrace tracer does
 * not know the fd's O_NONBLOCK flag at the call. */
static void summarize(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, const pt_regs_t *regs,
		      long ret, uint64_t now)
{
	struct iol_summary_key key = {
		.tid = (uint32_t)th->tid, .sys = c->sys,
		.flags = IOL_CALL_SUMMARY_FLAG_FLAGS_UNKNOWN | (th->in_loop ? IOL_CALL_SUMMARY_FLAG_IN_LOOP : 0),
	};
	struct iol_summary_val *v;

	if (c->sys != IOL_SYS_NANOSLEEP && c->sys != IOL_SYS_CLOCK_NANOSLEEP)
		key.fd_type = pt_fd_type(th->proc, c->args[0]);
	key.stack_id = pt_capture_stack(t, th, regs);
	v = summary_value(&t->summary, &key, (uint32_t)th->proc->pid);
	if (!v) {
		t->summary_lost++;
		return;
	}
	iol_summary_account(v, now - c->ts, ret);
}

static bool fcntl_recorded(uint64_t cmd)
{
	return cmd == F_SETOWN_ || cmd == F_SETOWN_EX_ || cmd == F_SETSIG_ || cmd == F_SETFL_;
}

static void on_entry(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, const pt_regs_t *regs, uint64_t now)
{
	struct pt_call *c = &th->call;

	c->sys = sys;
	c->fmt = 0;
	c->ts = now;
	for (int i = 0; i < 6; i++)
		c->args[i] = i < t->nargs[sys] ? pt_regs_arg(regs, i) : 0;
	c->stack_id = 0;
	c->aux = PT_NO_TIMEOUT;
	c->aux2 = 0;
	if (t->cls[sys] == IOL_SYSCALL_CLASS_INSTANT) {
		/* never returns to its caller (rt_sigreturn ends a signal handler): sent now, no duration */
		emit_syscall(t, th, c, 0, now, 0);
		c->sys = 0;
		c->ts = 0;
		return;
	}
	if (t->cls[sys] == IOL_SYSCALL_CLASS_WAIT) {
		/* a wait may last until the end of the trace: its stack now, so it shows while in flight */
		c->aux = read_timeout(th, sys, c->args);
		c->stack_id = pt_capture_stack(t, th, regs);
	} else if (sys == PT_SYS_SIGACTION) {
		uint64_t act[2];

		if (c->args[1] && pt_mem_read(th->proc, th->tid, c->args[1], act, sizeof(act)) == sizeof(act)) {
			c->aux = act[0];
			c->aux2 = act[1];
		} else {
			c->args[1] = 0;
		}
	}
}

static void on_exit(struct pt_tracer *t, struct pt_thread *th, const pt_regs_t *regs, uint64_t now)
{
	struct pt_call *c = &th->call;
	long ret = (long)pt_regs_ret(regs);
	uint16_t sys = c->sys;

	switch (t->cls[sys]) {
	case IOL_SYSCALL_CLASS_WAIT:
		if (sys == IOL_SYS_IO_GETEVENTS || sys == IOL_SYS_IO_PGETEVENTS)
			pt_aio_reaped(t, th, c, ret, now);
		emit_syscall(t, th, c, ret, now, 0);
		if (t->model[sys] == IOL_IO_MODEL_MULTIPLEXING)
			th->in_loop = true;
		break;
	case IOL_SYSCALL_CLASS_BLOCKING:
		c->fmt = pt_uio_format(th->proc, sys, c->args[0]);
		if (now - c->ts >= t->opts->min_duration_ns || c->fmt) {
			c->stack_id = pt_capture_stack(t, th, regs);
			emit_syscall(t, th, c, ret, now, 0);
		} else {
			summarize(t, th, c, regs, ret, now);
		}
		if (sys == IOL_SYS_ACCEPT || sys == IOL_SYS_ACCEPT4)
			pt_fd_effect(t, th, sys, c, ret, now);
		break;
	case IOL_SYSCALL_CLASS_SETUP:
		if (sys == IOL_SYS_FCNTL && !fcntl_recorded(c->args[1])) {
			pt_fd_effect(t, th, sys, c, ret, now);
			break;
		}
		c->stack_id = pt_capture_stack(t, th, regs);
		if (sys == IOL_SYS_IO_SUBMIT)
			pt_aio_submitted(t, th, c, ret);
		else if (sys == IOL_SYS_IO_URING_SETUP)
			pt_fd_effect(t, th, sys, c, ret, now);
		emit_syscall(t, th, c, ret, now, 0);
		break;
	case IOL_SYSCALL_CLASS_FD:
		pt_fd_effect(t, th, sys, c, ret, now);
		break;
	case IOL_SYSCALL_CLASS_MEMORY:
		memory_effect(t, th, c, ret, now);
		break;
	case PT_CLASS_INTERNAL:
		if (sys == PT_SYS_SIGACTION)
			pt_sigaction_done(t, th, ret);
		else if (sys == PT_SYS_PRCTL)
			renamed(t, th, c, ret);
		break;
	default:
		break;
	}
}

void pt_on_syscall_stop(struct pt_tracer *t, struct pt_thread *th, bool seccomp_stop)
{
	uint64_t now = pt_now();
	pt_regs_t regs;

	if (!t->recording) { /* serving a seccomp-filtered program after the recording: no work */
		th->in_syscall = seccomp_stop || !th->in_syscall;
		th->call.sys = 0;
		pt_resume(t, th, 0);
		return;
	}
	if (!th->in_syscall || seccomp_stop) {
		long nr;
		uint16_t sys;

		th->call.sys = 0;
		th->call.ts = 0;
		if (pt_getregs(th->tid, &regs)) {
			th->in_syscall = true;
			pt_resume(t, th, 0);
			return;
		}
		if (!seccomp_stop && !pt_regs_at_entry(&regs)) {
			/* an exit after all (the state was lost): the next stop is an entry */
			th->in_syscall = false;
			pt_resume(t, th, 0);
			return;
		}
		th->in_syscall = true;
		nr = pt_regs_nr(&regs);
		sys = nr >= 0 && nr < IOL_NR_MAX ? t->nr_to_sys[nr] : 0;
		if (sys && !th->proc->quiet && !t->detaching)
			on_entry(t, th, sys, &regs, now);
	} else {
		th->in_syscall = false;
		if (th->call.sys && pt_getregs(th->tid, &regs) == 0)
			on_exit(t, th, &regs, now);
		th->call.sys = 0;
		th->call.ts = 0;
	}
	pt_resume(t, th, 0);
}

void pt_report_unfinished(struct pt_tracer *t, uint64_t now, bool final)
{
	for (size_t i = 0; i < t->threads.cap; i++) {
		struct pt_thread *th = t->threads.vals[i];
		struct pt_call *c;
		uint8_t cls;
		size_t slot;

		if (!t->threads.keys[i] || !th->in_syscall || !th->call.sys || !th->call.ts || th->call.ts > now)
			continue;
		c = &th->call;
		cls = t->cls[c->sys];
		if (cls != IOL_SYSCALL_CLASS_WAIT && cls != IOL_SYSCALL_CLASS_BLOCKING)
			continue;
		if (cls == IOL_SYSCALL_CLASS_BLOCKING && now - c->ts < t->opts->min_duration_ns)
			continue;
		slot = (size_t)th->tid % PT_UNFINISHED_SLOTS;
		if (!final) {
			if (now - c->ts < PT_UNFINISHED_AFTER_NS)
				continue;
			if (t->unfinished[slot].tid == th->tid && t->unfinished[slot].ts == c->ts &&
			    now - t->unfinished[slot].reported < PT_UNFINISHED_EVERY_NS)
				continue;
			t->unfinished[slot].tid = th->tid;
			t->unfinished[slot].ts = c->ts;
			t->unfinished[slot].reported = now;
		}
		emit_syscall(t, th, c, 0, now, IOL_SYSCALL_FLAG_UNFINISHED);
	}
}

void pt_report_summaries(struct pt_tracer *t, uint64_t now, bool final)
{
	if (!t->recording)
		return;
	summary_emit(&t->summary, t->out, now, final);
	if (t->summary_lost > t->summary_lost_sent) {
		struct iol_rec_drop r = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(r) } };

		r.source = IOL_DROP_SOURCE_SUMMARY_FULL;
		r.cpu = 0xffff;
		r.ts = now;
		r.count = t->summary_lost - t->summary_lost_sent;
		r.total = t->summary_lost;
		t->summary_lost_sent = t->summary_lost;
		out_record(t->out, &r);
	}
}
