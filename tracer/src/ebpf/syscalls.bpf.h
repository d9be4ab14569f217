/* SPDX-License-Identifier: MIT */
/*
 * Syscall enter/exit. One enter program per argument count (a program that reads an argument the
 * syscall does not have cannot be attached) and one exit program, each attached to the per-syscall
 * tracepoints of the syscalls it serves: other syscalls and other processes pay nothing.
 * The loader maps kernel syscall numbers to iolens ids (nr_to_sys); the schema says, per id, what
 * to do (class) and what to decode (data format).
 */
#ifndef IOLENS_SYSCALLS_BPF_H
#define IOLENS_SYSCALLS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"
#include "stack.bpf.h"
#include "fd.bpf.h"
#include "aio.bpf.h"
#include "vma.bpf.h"

/* Kernel syscall number -> iolens syscall id, 0 when not traced. Filled by the loader. */
const volatile __u16 nr_to_sys[IOL_NR_MAX] = {};

#define IOL_CLASS_OF(name, id, nargs, cls, model, fmt) [id] = cls,
#define IOL_FORMAT_OF(name, id, nargs, cls, model, fmt) [id] = fmt,
#define IOL_MODEL_OF(name, id, nargs, cls, model, fmt) [id] = model,
static const __u8 sys_class[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_CLASS_OF) };
static const __u8 sys_model[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_MODEL_OF) };
static const __u8 sys_format[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_FORMAT_OF) };

#define IOL_NO_TIMEOUT (~0ULL)
#define IOL_F_SETFL 4
#define IOL_F_SETOWN 8
#define IOL_F_SETSIG 10
#define IOL_F_SETOWN_EX 15

static __always_inline struct iol_inflight *inflight_of(__u32 tid)
{
	static const struct iol_inflight zero = {};
	struct iol_inflight *f = bpf_map_lookup_elem(&inflight, &tid);

	if (f)
		return f;
	bpf_map_update_elem(&inflight, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&inflight, &tid);
}

/* Timeout of a wait in ns, read at entry (the kernel rewrites select's and ppoll's on return). */
static __always_inline __u64 read_timeout(__u16 sys, const __u64 *args)
{
	__u64 ts[2];
	__u64 ptr;

	switch (sys) {
	case IOL_SYS_POLL:
		return (int)args[2] < 0 ? IOL_NO_TIMEOUT : (__u64)(int)args[2] * 1000000ULL;
	case IOL_SYS_EPOLL_WAIT:
	case IOL_SYS_EPOLL_PWAIT:
		return (int)args[3] < 0 ? IOL_NO_TIMEOUT : (__u64)(int)args[3] * 1000000ULL;
	case IOL_SYS_SELECT: /* struct timeval: microseconds */
		ptr = args[4];
		if (!ptr || bpf_probe_read_user(ts, sizeof(ts), (void *)ptr))
			return IOL_NO_TIMEOUT;
		return ts[0] * 1000000000ULL + ts[1] * 1000ULL;
	case IOL_SYS_PSELECT6:
	case IOL_SYS_IO_GETEVENTS:
	case IOL_SYS_IO_PGETEVENTS:
		ptr = args[4];
		break;
	case IOL_SYS_PPOLL:
	case IOL_SYS_RT_SIGTIMEDWAIT:
		ptr = args[2];
		break;
	case IOL_SYS_EPOLL_PWAIT2:
		ptr = args[3];
		break;
	default:
		return IOL_NO_TIMEOUT;
	}
	if (!ptr || bpf_probe_read_user(ts, sizeof(ts), (void *)ptr))
		return IOL_NO_TIMEOUT;
	return ts[0] * 1000000000ULL + ts[1];
}

__noinline int emit_syscall(const struct iol_inflight *f, __u32 tgid, __u32 tid, long ret, __u64 now);

static __always_inline int on_enter(struct trace_event_raw_sys_enter *ctx, const int nargs)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct iol_traced_proc *proc;
	struct iol_inflight *f;
	/* __syscall_nr is an int at offset 8: a 0-argument syscall's record ends right after it */
	long nr = *(volatile int *)((void *)ctx + 8);
	__u16 sys;
	__u8 cls;

	proc = bpf_map_lookup_elem(&traced, &tgid);
	if (!proc || (proc->flags & IOL_TRACED_QUIET_UNTIL_EXEC))
		return 0;
	if (nr < 0 || nr >= IOL_NR_MAX)
		return 0;
	sys = nr_to_sys[nr];
	if (!sys || sys >= IOL_SYS_MAX)
		return 0;
	{
		/* the compiler may fold the bounds check above into one the verifier cannot follow */
		__u64 idx = sys;

		IOL_CLAMP(idx, IOL_SYS_MAX - 1);
		cls = sys_class[idx];
	}
	f = inflight_of(tid);
	if (!f) {
		count(IOL_CNT_MAP_FULL);
		return 0;
	}
	/* one constant-offset context load per argument the syscall has (a modified ctx pointer is refused) */
	f->args[0] = nargs > 0 ? ctx->args[0] : 0;
	f->args[1] = nargs > 1 ? ctx->args[1] : 0;
	f->args[2] = nargs > 2 ? ctx->args[2] : 0;
	f->args[3] = nargs > 3 ? ctx->args[3] : 0;
	f->args[4] = nargs > 4 ? ctx->args[4] : 0;
	f->args[5] = nargs > 5 ? ctx->args[5] : 0;
	f->sys = sys;
	f->fmt = 0;
	f->rflags = 0;
	f->stack_id = 0;
	f->tgid = tgid;
	f->aux = cls == IOL_SYSCALL_CLASS_WAIT ? read_timeout(sys, f->args) : IOL_NO_TIMEOUT;
	f->ts = bpf_ktime_get_ns();
	if (cls == IOL_SYSCALL_CLASS_INSTANT) {
		/* never returns to its caller (rt_sigreturn ends a signal handler): sent now, no duration */
		emit_syscall(f, tgid, tid, 0, f->ts);
		f->ts = 0;
		return 0;
	}
	/* A wait may last until the end of the trace: take its stack now so it can be shown while in flight. */
	if (cls == IOL_SYSCALL_CLASS_WAIT)
		f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
	return 0;
}

/* The first min(n, 8) bytes of a user buffer (n > 0). */
static __always_inline void read_user_prefix(__u64 *dst, __u64 src, long n)
{
	__u64 len = n;

	IOL_CLAMP(len, 8);
	bpf_probe_read_user(dst, len, (void *)src);
}

/* Tail words of a syscall record; returns how many were written. */
static __always_inline __u32 fill_data(__u8 fmt, const struct iol_inflight *f, long ret, __u64 *data)
{
	__u32 n = 0, k;

	switch (fmt) {
	case IOL_DATA_FORMAT_EPOLL_EVENTS: {
		/* struct epoll_event is packed on x86-64: u32 events, u64 data */
		__u32 raw[3 * 8];

		__u64 len = ret > 8 ? 8 : (ret > 0 ? ret : 0);

		data[0] = f->aux;
		/* Older verifiers (6.1) lose the range of a clamped value the compiler has folded: clamp it
		 * again behind a barrier so the size passed to the helper is provably bounded. */
		IOL_CLAMP(len, 8);
		k = len;
		if (len && bpf_probe_read_user(raw, sizeof(raw[0]) * 3 * len, (void *)f->args[1]) == 0) {
			for (int i = 0; i < 8; i++) {
				if (i >= k)
					break;
				data[1 + 2 * i] = raw[3 * i];
				data[2 + 2 * i] = raw[3 * i + 1] | ((__u64)raw[3 * i + 2] << 32);
			}
			return 1 + 2 * k;
		}
		return 1;
	}
	case IOL_DATA_FORMAT_POLLFDS: {
		__u64 len = f->args[1];

		data[0] = f->sys == IOL_SYS_POLL ? read_timeout(IOL_SYS_POLL, f->args) : f->aux;
		IOL_CLAMP(len, 16);
		if (len && bpf_probe_read_user(&data[1], 8 * len, (void *)f->args[0]) == 0)
			return 1 + len;
		return 1;
	}
	case IOL_DATA_FORMAT_EPOLL_CTL_EVENT: {
		__u32 raw[3] = {};

		if (!f->args[3] || bpf_probe_read_user(raw, sizeof(raw), (void *)f->args[3]))
			return 0;
		data[0] = raw[0];
		data[1] = raw[1] | ((__u64)raw[2] << 32);
		return 2;
	}
	case IOL_DATA_FORMAT_SIGINFO: {
		/* si_signo, si_errno, si_code, pad, then for SIGPOLL: long si_band, int si_fd */
		__s32 head[4] = {};
		__s64 band = 0;
		__s32 fd = -1;

		data[0] = f->aux;
		if (ret <= 0 || !f->args[1])
			return 1;
		if (bpf_probe_read_user(head, sizeof(head), (void *)f->args[1]))
			return 1;
		bpf_probe_read_user(&band, sizeof(band), (void *)(f->args[1] + 16));
		bpf_probe_read_user(&fd, sizeof(fd), (void *)(f->args[1] + 24));
		data[1] = (__u32)head[0] | ((__u64)(__u32)head[2] << 32);
		data[2] = band;
		data[3] = (__u32)fd;
		return 4;
	}
	default:
		return n;
	}
}

/* Global: verified once per program however many paths lead here. */
__noinline int emit_syscall(const struct iol_inflight *f, __u32 tgid, __u32 tid, long ret, __u64 now)
{
	struct iol_rec_syscall *r;
	__u32 words;
	__u8 fmt;

	if (!f)
		return 0;
	fmt = f->fmt ? f->fmt : f->sys < IOL_SYS_MAX ? sys_format[f->sys] : IOL_DATA_FORMAT_NONE;

	/* Constant reservation sizes: the common short forms, then the largest. Each form fills only the
	 * record it reserved, so no verifier (6.1's included) has to correlate two branches on fmt/ret. */
	if (fmt == IOL_DATA_FORMAT_NONE) {
		r = reserve_record(sizeof(*r), IOL_RECORD_KIND_SYSCALL, IOL_CNT_RING_FULL);
		if (!r)
			return 0;
		words = 0;
	} else if (fmt == IOL_DATA_FORMAT_TIMEOUT_NS || fmt == IOL_DATA_FORMAT_AIO_CTX ||
		   fmt == IOL_DATA_FORMAT_UIO_COUNT || fmt == IOL_DATA_FORMAT_UIO_WRITE ||
		   ((fmt == IOL_DATA_FORMAT_EPOLL_EVENTS) && ret <= 0)) {
		r = reserve_record(sizeof(*r) + 8, IOL_RECORD_KIND_SYSCALL, IOL_CNT_RING_FULL);
		if (!r)
			return 0;
		r->data[0] = fmt == IOL_DATA_FORMAT_TIMEOUT_NS || fmt == IOL_DATA_FORMAT_EPOLL_EVENTS ? f->aux : 0;
		if (fmt == IOL_DATA_FORMAT_AIO_CTX && ret == 0 && f->args[1])
			bpf_probe_read_user(&r->data[0], 8, (void *)f->args[1]);
		else if (fmt == IOL_DATA_FORMAT_UIO_COUNT && ret >= 4)
			/* read() of /dev/uioN: the 32-bit interrupt count it returned */
			bpf_probe_read_user(&r->data[0], 4, (void *)f->args[1]);
		else if (fmt == IOL_DATA_FORMAT_UIO_WRITE && ret > 0)
			/* what was written (1 re-enables the interrupt): the first 8 bytes of the buffer */
			read_user_prefix(&r->data[0], f->args[1], ret);
		words = 1;
	} else {
		r = reserve_record(sizeof(*r) + 8 * IOL_MAX_DATA_WORDS, IOL_RECORD_KIND_SYSCALL, IOL_CNT_RING_FULL);
		if (!r)
			return 0;
		words = fill_data(fmt, f, ret, r->data);
		if (words > IOL_MAX_DATA_WORDS)
			words = IOL_MAX_DATA_WORDS;
	}
	r->hdr.size = sizeof(*r) + 8 * words;
	r->sys = f->sys;
	r->cpu = bpf_get_smp_processor_id();
	r->pid = tgid;
	r->tid = tid;
	r->data_format = fmt;
	r->data_count = words;
	r->flags = f->rflags;
	r->ts = f->ts;
	r->dur = now - f->ts;
	r->ret = ret;
	r->stack_id = f->stack_id;
#pragma unroll
	for (int i = 0; i < 6; i++)
		r->args[i] = f->args[i];
	submit_record(r);
	return 0;
}

/* Read of a UIO device: the wait for an interrupt, however short. Write to one (irqcontrol) or to a
 * UIO device's PCI config space (INTx re-enable): the driver re-enabling its interrupt. These are
 * sent whatever their duration, with what was read or written; returns that data format, or 0. */
static __always_inline __u8 uio_format(__u16 sys, __u32 tgid, __u64 fd)
{
	struct iol_fd_key key = { .tgid = tgid, .fd = fd };
	bool read = sys == IOL_SYS_READ || sys == IOL_SYS_PREAD64;
	bool write = sys == IOL_SYS_WRITE || sys == IOL_SYS_PWRITE64;
	__u8 *type;

	if (!read && !write)
		return 0;
	type = bpf_map_lookup_elem(&fd_class, &key);
	if (!type)
		return 0;
	if (*type == IOL_FD_TYPE_UIO)
		return read ? IOL_DATA_FORMAT_UIO_COUNT : IOL_DATA_FORMAT_UIO_WRITE;
	if (*type == IOL_FD_TYPE_UIO_CONFIG && write)
		return IOL_DATA_FORMAT_UIO_WRITE;
	return 0;
}

/* A blocking-class call whose first argument is an fd (not a sleep). */
static __always_inline bool has_fd(__u16 sys)
{
	return sys != IOL_SYS_NANOSLEEP && sys != IOL_SYS_CLOCK_NANOSLEEP;
}

/*
 * A blocking call shorter than min_duration_ns: counted, not sent, per thread, syscall, kind of fd
 * and call site (its stack, taken as for a sent call, so each site is resolved once). The loader
 * sends the counts as call_summary records. Global: verified once.
 */
__noinline int summarize(struct iol_inflight *f, __u32 tid, __u32 gen, long ret, __u64 now)
{
	static const struct iol_summary_val zero = {};
	struct iol_summary_key key = {};
	struct iol_summary_val *v;
	bool nonblock = false;
	__u32 tgid;

	if (!f)
		return 0;
	tgid = f->tgid;
	key.tid = tid;
	key.sys = f->sys;
	if (has_fd(f->sys))
		key.fd_type = fd_status(f->args[0], &nonblock);
	key.flags = (nonblock ? IOL_CALL_SUMMARY_FLAG_NONBLOCKING : 0) |
		    (f->thread_flags & IOL_THREAD_IN_LOOP ? IOL_CALL_SUMMARY_FLAG_IN_LOOP : 0);
	key.stack_id = capture_stack(tgid, gen, &f->stack_end);
	v = bpf_map_lookup_elem(&summaries, &key);
	if (!v) {
		bpf_map_update_elem(&summaries, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&summaries, &key);
		if (!v) {
			count(IOL_CNT_SUMMARY_FULL);
			return 0;
		}
		v->pid = tgid;
	}
	iol_summary_account(v, now - f->ts, ret);
	return 0;
}

static __always_inline bool fcntl_recorded(__u64 cmd)
{
	return cmd == IOL_F_SETOWN || cmd == IOL_F_SETOWN_EX || cmd == IOL_F_SETSIG || cmd == IOL_F_SETFL;
}

__noinline int memory_effect(const struct iol_inflight *f, long ret, __u32 tgid, __u32 tid, __u64 now)
{
	struct iol_rec_mmap *r;

	if (!f || f->sys != IOL_SYS_MMAP || ret < 0 || (unsigned long)ret > -4096UL || !(f->args[2] & 4 /* PROT_EXEC */))
		return 0;
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_MMAP, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	r->reserved = 0;
	r->pid = tgid;
	r->tid = tid;
	r->ts = now;
	r->addr = ret;
	r->len = f->args[1];
	r->pgoff = f->args[5];
	r->prot = f->args[2];
	r->flags = f->args[3];
	r->fd = f->args[4];
	r->reserved2 = 0;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP); /* the loader rescans /proc at once */
	count(IOL_CNT_EMITTED);
	exec_range_add(tgid, ret, ret + f->args[1]);
	emit_vma_map(tgid, ret, now);
	return 0;
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct iol_traced_proc *proc;
	struct iol_inflight *f;
	long nr = *(volatile int *)((void *)ctx + 8), ret = ctx->ret; /* __syscall_nr is an int */
	__u64 now;
	__u16 sys;
	__u8 cls;

	f = bpf_map_lookup_elem(&inflight, &tid);
	if (!f || !f->ts)
		return 0;
	if (nr < 0 || nr >= IOL_NR_MAX || nr_to_sys[nr] != f->sys) {
		f->ts = 0; /* an exit without its enter: the call began before the attach */
		return 0;
	}
	now = bpf_ktime_get_ns();
	sys = f->sys;
	if (sys >= IOL_SYS_MAX) {
		f->ts = 0;
		return 0;
	}
	cls = sys_class[sys];
	proc = bpf_map_lookup_elem(&traced, &tgid);
	if (!proc) {
		f->ts = 0;
		return 0;
	}
	switch (cls) {
	case IOL_SYSCALL_CLASS_WAIT:
		/* per-request records first: the reader attaches them to the syscall record that follows */
		if (sys == IOL_SYS_IO_GETEVENTS || sys == IOL_SYS_IO_PGETEVENTS)
			aio_reaped(f, ret, tgid, tid, now);
		emit_syscall(f, tgid, tid, ret, now);
		if (sys_model[sys] == IOL_IO_MODEL_MULTIPLEXING)
			f->thread_flags |= IOL_THREAD_IN_LOOP;
		break;
	case IOL_SYSCALL_CLASS_BLOCKING:
		f->fmt = uio_format(sys, tgid, f->args[0]);
		if (now - f->ts >= min_duration_ns || f->fmt) {
			bool nonblock = false;

			if (has_fd(sys))
				fd_status(f->args[0], &nonblock);
			f->rflags = nonblock ? IOL_SYSCALL_FLAG_NONBLOCKING : 0;
			f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
			emit_syscall(f, tgid, tid, ret, now);
		} else {
			summarize(f, tid, proc->gen, ret, now);
		}
		if (sys == IOL_SYS_ACCEPT || sys == IOL_SYS_ACCEPT4)
			fd_effect(tgid, sys, f, ret, now);
		break;
	case IOL_SYSCALL_CLASS_SETUP:
		if (sys == IOL_SYS_FCNTL && !fcntl_recorded(f->args[1])) {
			fd_effect(tgid, sys, f, ret, now);
			break;
		}
		f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
		if (sys == IOL_SYS_IO_SUBMIT)
			aio_submitted(f, ret, tgid, tid);
		else if (sys == IOL_SYS_IO_URING_SETUP)
			fd_effect(tgid, sys, f, ret, now);
		emit_syscall(f, tgid, tid, ret, now);
		break;
	case IOL_SYSCALL_CLASS_FD:
		fd_effect(tgid, sys, f, ret, now);
		break;
	case IOL_SYSCALL_CLASS_MEMORY:
		memory_effect(f, ret, tgid, tid, now);
		break;
	default:
		break;
	}
	f->ts = 0;
	return 0;
}

#endif /* IOLENS_SYSCALLS_BPF_H */
