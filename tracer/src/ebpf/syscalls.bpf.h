/* SPDX-License-Identifier: MIT */
/*
 * Syscall enter/exit, shared by the kernel paths (--kernel-path). tracepoints: one enter program per
 * argument count (a program that reads an argument the syscall does not have cannot be attached)
 * and one exit program, each attached to the per-syscall tracepoints of the syscalls it serves:
 * other syscalls pay nothing. raw_tp and tp_btf: one program on the generic sys_enter and one on
 * sys_exit, run for every syscall of every process, which leave at once when the thread is not
 * traced or the syscall is not one iolens traces (bench/README.md, "The kernel path": their costs).
 * The loader maps kernel syscall numbers to iolens ids (nr_to_sys); the schema says, per id, what
 * to do (class) and what to decode (data format).
 */
#ifndef IOLENS_SYSCALLS_BPF_H
#define IOLENS_SYSCALLS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "rules.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"
#include "stack.bpf.h"
#include "fd.bpf.h"
#include "aio.bpf.h"
#include "vma.bpf.h"
#include "uring.bpf.h"

/* Kernel syscall number -> iolens syscall id, 0 when not traced. Filled by the loader. */
const volatile __u16 nr_to_sys[IOL_NR_MAX] = {};

#define IOL_CLASS_OF(name, id, nargs, cls, model, fmt, tp, traits) [id] = cls,
#define IOL_FORMAT_OF(name, id, nargs, cls, model, fmt, tp, traits) [id] = fmt,
#define IOL_TRAITS_OF(name, id, nargs, cls, model, fmt, tp, traits) [id] = traits,
#define IOL_MODEL_OF(name, id, nargs, cls, model, fmt, tp, traits) [id] = model,
static const __u8 sys_class[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_CLASS_OF) };
static const __u8 sys_model[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_MODEL_OF) };
static const __u8 sys_format[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_FORMAT_OF) };
static const __u8 sys_traits[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_TRAITS_OF) };
#define IOL_NARGS_OF(name, id, nargs, cls, model, fmt, tp, traits) [id] = nargs,
static const __u8 sys_nargs[IOL_SYS_MAX] = { IOL_SYSCALLS(IOL_NARGS_OF) };

static __always_inline struct iol_inflight *inflight_of(__u32 tid)
{
	static const struct iol_inflight zero = {};
	struct iol_inflight *f = bpf_map_lookup_elem(&inflight, &tid);

	if (f)
		return f;
	bpf_map_update_elem(&inflight, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&inflight, &tid);
}

/* select's three fd sets (the first 64 fds of each, those below its nfds): a set not given reads 0. */
static __always_inline void read_fd_sets(const __u64 *args, __u64 *sets)
{
	__u64 mask = iol_fd_set_mask(args[0]);

#pragma unroll
	for (int i = 0; i < 3; i++) {
		sets[i] = 0;
		if (args[1 + i] && bpf_probe_read_user(&sets[i], 8, (void *)args[1 + i]))
			sets[i] = 0;
		sets[i] &= mask;
	}
}

/* Timeout of a wait in ns, read at entry (the kernel rewrites select's and ppoll's on return). */
static __always_inline __u64 read_timeout(__u16 sys, const __u64 *args)
{
	__s64 ts[2];
	__u8 i, kind = iol_timeout_arg(sys, &i);

	if (i > 5)
		return IOL_NO_TIMEOUT;
	if (!iol_timeout_is_pointer(kind))
		return iol_timeout_ns(kind, args[i], NULL);
	if (!args[i] || bpf_probe_read_user(ts, sizeof(ts), (void *)args[i]))
		return IOL_NO_TIMEOUT;
	return iol_timeout_ns(kind, args[i], ts);
}

__noinline int emit_syscall(const struct iol_inflight *f, __u32 tgid, __u32 tid, long ret, __u64 now);

/* Send the thread's run of empty polls (struct iol_poll_run), if it has one; the caller clears it. */
__noinline int emit_poll_run(const struct iol_inflight *f, __u32 tgid, __u32 tid)
{
	struct iol_rec_poll_run {
		struct iol_rec_syscall r;
		__u64 data[IOL_DATA_POLL_RUN_WORDS];
	} *b;

	if (!f || !f->run.ts)
		return 0;
	b = reserve_record(sizeof(*b), IOL_RECORD_KIND_SYSCALL, IOL_CNT_RING_FULL);
	if (!b)
		return 0;
	iol_poll_run_record(&f->run, tgid, tid, bpf_get_smp_processor_id(), &b->r, b->data);
	submit_record(b);
	return 0;
}

/*
 * The kernel path (--kernel-path, KernelPath in the schema) decides where an entry program finds
 * the syscall's number and arguments: in the per-syscall tracepoint's record (tracepoints), or in
 * the task's saved registers, which the generic sys_enter/sys_exit tracepoints pass as
 * (struct pt_regs *, long) (raw_tp: read with bpf_probe_read_kernel; tp_btf: a BTF pointer, plain
 * loads). Everything after that is shared (on_enter, on_exit).
 */
static __always_inline long entry_nr(void *ctx, const int path)
{
	if (path == IOL_KERNEL_PATH_TRACEPOINTS)
		return *(volatile int *)(ctx + 8); /* __syscall_nr is an int at offset 8 */
	return (long)((__u64 *)ctx)[1];
}

/*
 * The arguments of the traced call into f->args, 0 past its argument count n (the schema's, by
 * syscall). One enter program serves every per-syscall tracepoint: a tracepoint's record holds only
 * the arguments its syscall has, and a program whose direct context loads reach past a record is
 * refused at attach, so the arguments are copied by the helper, as many as the syscall has. It
 * reads the record the kernel has just written for this program: it cannot fault.
 */
static __always_inline void entry_args(struct iol_inflight *f, void *ctx, __u32 n, const int path)
{
	__u64 a[6] = {};

	if (path == IOL_KERNEL_PATH_TRACEPOINTS) {
		__u64 size = n * sizeof(a[0]);

		IOL_CLAMP(size, sizeof(a));
		bpf_probe_read_kernel(a, size, ctx + offsetof(struct trace_event_raw_sys_enter, args));
	} else {
		struct pt_regs *regs = (struct pt_regs *)((__u64 *)ctx)[0];

		if (path == IOL_KERNEL_PATH_TP_BTF) {
			IOL_REGS_SYSCALL_ARGS(a, regs);
		} else {
			__u64 w[IOL_REGS_ARGS_WORDS] = {};

			bpf_probe_read_kernel(w, sizeof(w), IOL_REGS_ARGS_FROM(regs));
			IOL_REGS_SYSCALL_ARGS_OF_WORDS(a, w);
		}
	}
#pragma unroll
	for (int i = 0; i < 6; i++)
		f->args[i] = i < n ? a[i] : 0;
}

/* The syscall number the exit program's task is in, for the kernel path. */
static __always_inline long exit_nr(void *ctx, const int path)
{
	struct pt_regs *regs = (struct pt_regs *)((__u64 *)ctx)[0];
	__u64 nr = -1;

	if (path == IOL_KERNEL_PATH_TRACEPOINTS)
		return *(volatile int *)(ctx + 8);
	if (path == IOL_KERNEL_PATH_TP_BTF)
		return IOL_REGS_SYSCALL_NR(regs);
	bpf_probe_read_kernel(&nr, sizeof(nr), IOL_REGS_SYSCALL_NR_ADDR(regs));
	return (long)nr;
}

/* The value the call returns. */
static __always_inline long exit_ret(void *ctx, const int path)
{
	if (path == IOL_KERNEL_PATH_TRACEPOINTS)
		return ((struct trace_event_raw_sys_exit *)ctx)->ret;
	return (long)((__u64 *)ctx)[1];
}

/* The current thread's voluntary context switches (low 32 bits): each time it went to sleep. A BTF pointer: a plain load. */
static __always_inline __u32 voluntary_switches(void)
{
	return (__u32)bpf_get_current_task_btf()->nvcsw;
}

/*
 * IOL_SYSCALL_FLAG_NEVER_SLEPT when the thread did not go to sleep since the call's entry: a
 * preempted call (schedule() from preemption counts in nivcsw) lasted long only because the CPU
 * was busy, not because it waited for anything.
 */
static __always_inline __u8 slept_flag(const struct iol_inflight *f)
{
	return voluntary_switches() == f->nvcsw ? IOL_SYSCALL_FLAG_NEVER_SLEPT : 0;
}

/*
 * A syscall's entry. The early exits come first, the
 * cheapest first: a syscall iolens does not trace (two loads: what most calls of the system take
 * on the generic paths), then a thread of an untraced process (a hash lookup).
 */
static __always_inline int on_enter(void *ctx, const int path)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct iol_traced_proc *proc;
	struct iol_inflight *f;
	long nr;
	__u16 sys;
	__u8 cls, fmt, nargs;

	nr = entry_nr(ctx, path);
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
		fmt = sys_format[idx];
		/* here, under this one bounds check: a second one in entry_args made the 6.1 verifier
		 * follow a path with impossible bounds (umin 80, umax 79) and refuse the program */
		nargs = sys_nargs[idx];
	}
	if (cls == IOL_SYSCALL_CLASS_NAMED)
		return 0; /* known by name only: the generic paths see it, the tracepoints are not attached */
	proc = bpf_map_lookup_elem(&traced, &tgid);
	if (!proc || (proc->flags & IOL_TRACED_QUIET_UNTIL_EXEC))
		return 0;
	if (path != IOL_KERNEL_PATH_TRACEPOINTS && IOL_IN_COMPAT_SYSCALL(bpf_get_current_task_btf()))
		return 0; /* a 32-bit call: nr_to_sys is the 64-bit table */
	f = inflight_of(tid);
	if (!f) {
		count(IOL_CNT_MAP_FULL);
		return 0;
	}
	entry_args(f, ctx, nargs, path);
	if (f->run.ts && !iol_poll_run_may_continue(&f->run, sys, f->args)) {
		/* another call ends the thread's run of empty polls: sent before anything of this call */
		emit_poll_run(f, tgid, tid);
		f->run.ts = 0;
	}
	f->sys = sys;
	f->fmt = 0;
	f->rflags = 0;
	f->stack_id = 0;
	f->tgid = tgid;
	f->aux = cls == IOL_SYSCALL_CLASS_WAIT ? read_timeout(sys, f->args) : IOL_NO_TIMEOUT;
	if (fmt == IOL_DATA_FORMAT_SELECT_FDS)
		read_fd_sets(f->args, f->sets); /* the kernel rewrites them with the ready ones on return */
	f->nvcsw = voluntary_switches();
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
	if (sys == IOL_SYS_IO_URING_ENTER)
		uring_entered(f, tid);
	/* completions taken from the AIO ring before a submission, an io_getevents (which moves its
	 * head) or the context's end */
	if (sys == IOL_SYS_IO_SUBMIT)
		aio_ring_watch(tgid, f->args[0], false);
	else if (sys == IOL_SYS_IO_GETEVENTS || sys == IOL_SYS_IO_PGETEVENTS)
		aio_ring_called(tgid, f->args[0]);
	if (sys_model[sys] == IOL_IO_MODEL_AIO && sys != IOL_SYS_IO_SETUP && sys != IOL_SYS_IO_CANCEL)
		aio_ring_observe(tgid, tid, f->ts);
	return 0;
}

/* The first min(n, 8) bytes of a user buffer (n > 0). */
static __always_inline void read_user_prefix(__u64 *dst, __u64 src, long n)
{
	__u64 len = n;

	IOL_CLAMP(len, 8);
	bpf_probe_read_user(dst, len, (void *)src);
}

/* The file offsets a sendfile/splice/copy_file_range started from (file_offsets). */
static __always_inline void fill_file_offsets(const struct iol_inflight *f, long ret, __u64 *data)
{
	for (int n = 0; n < 2; n++) {
		int a = iol_loff_arg(f->sys, n);
		__s64 after = 0;

		if (a < 0 || a > 5 || !f->args[a] || bpf_probe_read_user(&after, sizeof(after), (void *)f->args[a]))
			data[IOL_DATA_FILE_OFFSETS_OFF_IN + n] = (__u64)IOL_NO_OFFSET;
		else
			data[IOL_DATA_FILE_OFFSETS_OFF_IN + n] = iol_start_offset(after, ret);
	}
}

/* sendmmsg/recvmmsg: the bytes of the first messages the call transferred (mmsg). */
static __always_inline void fill_mmsg(const struct iol_inflight *f, long ret, __u64 *data)
{
	__u64 bytes = 0;
	__u32 m = 0;

	for (int i = 0; i < IOL_MMSG_MAX_READ; i++) {
		__u32 len = 0;

		if (i >= ret ||
		    bpf_probe_read_user(&len, sizeof(len), (void *)(f->args[1] + (__u64)i * IOL_MMSGHDR_SIZE + IOL_MMSGHDR_LEN_OFFSET)))
			break;
		bytes += len;
		m++;
	}
	data[IOL_DATA_MMSG_BYTES] = bytes;
	data[IOL_DATA_MMSG_MESSAGES] = iol_pack_mmsg_messages(m);
}

/* The path an open-like call named (path): returns the words written; a path cut to fit sets *flags. */
static __always_inline __u32 fill_path(const struct iol_inflight *f, __u64 *data, __u32 *flags)
{
	int a = iol_cstr_arg(f->sys);
	char last = 0;
	long n;

	for (int i = 0; i < IOL_DATA_PATH_MAX_BYTES / 8; i++)
		data[i] = 0; /* no stale ring bytes after the string */
	if (a < 0 || a > 5 || !f->args[a])
		return 0;
	n = bpf_probe_read_user_str(data, IOL_DATA_PATH_MAX_BYTES, (void *)f->args[a]);
	if (n <= 0)
		return 0;
	/* a full buffer is a path of exactly that length, or a longer one cut */
	if (n == IOL_DATA_PATH_MAX_BYTES &&
	    (bpf_probe_read_user(&last, 1, (void *)(f->args[a] + IOL_DATA_PATH_MAX_BYTES - 1)) || last))
		*flags |= IOL_SYSCALL_FLAG_DATA_TRUNCATED;
	return (n + 7) / 8;
}

/* Tail words of a syscall record (schema data_formats, packed as iolens_wire.h says); returns how many were written. */
static __always_inline __u32 fill_data(__u8 fmt, const struct iol_inflight *f, long ret, __u64 *data, __u32 *flags)
{
	__u32 k;

	switch (fmt) {
	case IOL_DATA_FORMAT_SELECT_FDS: {
		__u64 ready[3] = {};

		data[IOL_DATA_SELECT_FDS_TIMEOUT_NS] = f->aux;
		data[IOL_DATA_SELECT_FDS_READ] = f->sets[0];
		data[IOL_DATA_SELECT_FDS_WRITE] = f->sets[1];
		data[IOL_DATA_SELECT_FDS_EXCEPT] = f->sets[2];
		if (ret > 0)
			read_fd_sets(f->args, ready);
		data[IOL_DATA_SELECT_FDS_READY_READ] = ready[0];
		data[IOL_DATA_SELECT_FDS_READY_WRITE] = ready[1];
		data[IOL_DATA_SELECT_FDS_READY_EXCEPT] = ready[2];
		return IOL_DATA_SELECT_FDS_WORDS;
	}
	case IOL_DATA_FORMAT_FILE_OFFSETS:
		fill_file_offsets(f, ret, data);
		return IOL_DATA_FILE_OFFSETS_WORDS;
	case IOL_DATA_FORMAT_MMSG:
		fill_mmsg(f, ret, data);
		return IOL_DATA_MMSG_WORDS;
	case IOL_DATA_FORMAT_PATH:
		return fill_path(f, data, flags);
	case IOL_DATA_FORMAT_EPOLL_EVENTS: {
		__u32 raw[IOL_EPOLL_EVENT_WORDS32 * IOL_DATA_EPOLL_EVENTS_MAX];
		__u64 len = ret > IOL_DATA_EPOLL_EVENTS_MAX ? IOL_DATA_EPOLL_EVENTS_MAX : (ret > 0 ? ret : 0);

		data[IOL_DATA_EPOLL_EVENTS_TIMEOUT_NS] = f->aux;
		/* Older verifiers (6.1) lose the range of a clamped value the compiler has folded: clamp it
		 * again behind a barrier so the size passed to the helper is provably bounded. */
		IOL_CLAMP(len, IOL_DATA_EPOLL_EVENTS_MAX);
		k = len;
		if (len && bpf_probe_read_user(raw, sizeof(raw[0]) * IOL_EPOLL_EVENT_WORDS32 * len, (void *)f->args[1]) == 0) {
			for (int i = 0; i < IOL_DATA_EPOLL_EVENTS_MAX; i++) {
				if (i >= k)
					break;
				data[IOL_DATA_EPOLL_EVENTS_EVENTS_AT(i)] =
					iol_pack_epoll_events_events(raw[IOL_EPOLL_EVENT_WORDS32 * i]);
				data[IOL_DATA_EPOLL_EVENTS_DATA_AT(i)] = iol_epoll_event_data(&raw[IOL_EPOLL_EVENT_WORDS32 * i]);
			}
			return IOL_DATA_EPOLL_EVENTS_WORDS + IOL_DATA_EPOLL_EVENTS_EACH * k;
		}
		return IOL_DATA_EPOLL_EVENTS_WORDS;
	}
	case IOL_DATA_FORMAT_POLLFDS: {
		__u64 len = f->args[1];

		data[IOL_DATA_POLLFDS_TIMEOUT_NS] = f->aux;
		IOL_CLAMP(len, IOL_DATA_POLLFDS_MAX);
		/* each item is a struct pollfd as it lies in memory */
		if (len && bpf_probe_read_user(&data[IOL_DATA_POLLFDS_FD_AT(0)], IOL_POLLFD_SIZE * len, (void *)f->args[0]) == 0)
			return IOL_DATA_POLLFDS_WORDS + len;
		return IOL_DATA_POLLFDS_WORDS;
	}
	case IOL_DATA_FORMAT_EPOLL_CTL_EVENT: {
		__u32 raw[IOL_EPOLL_EVENT_WORDS32] = {};

		if (!f->args[3] || bpf_probe_read_user(raw, sizeof(raw), (void *)f->args[3]))
			return 0;
		data[IOL_DATA_EPOLL_CTL_EVENT_EVENTS] = iol_pack_epoll_ctl_event_events(raw[0]);
		data[IOL_DATA_EPOLL_CTL_EVENT_DATA] = iol_epoll_event_data(raw);
		return IOL_DATA_EPOLL_CTL_EVENT_WORDS;
	}
	case IOL_DATA_FORMAT_SIGINFO: {
		__s32 head[4] = {};
		__s64 band = 0;
		__s32 fd = -1;

		data[IOL_DATA_SIGINFO_TIMEOUT_NS] = f->aux;
		if (ret <= 0 || !f->args[1])
			return 1;
		if (bpf_probe_read_user(head, sizeof(head), (void *)f->args[1]))
			return 1;
		bpf_probe_read_user(&band, sizeof(band), (void *)(f->args[1] + IOL_SIGINFO_BAND_OFFSET));
		bpf_probe_read_user(&fd, sizeof(fd), (void *)(f->args[1] + IOL_SIGINFO_FD_OFFSET));
		data[IOL_DATA_SIGINFO_SIGNO] = iol_pack_siginfo_signo_code(head[0], head[IOL_SIGINFO_CODE_INT]);
		data[IOL_DATA_SIGINFO_BAND] = band;
		data[IOL_DATA_SIGINFO_FD] = iol_pack_siginfo_fd(fd);
		return IOL_DATA_SIGINFO_WORDS;
	}
	default:
		return 0;
	}
}

/* Global: verified once per program however many paths lead here. */
__noinline int emit_syscall(const struct iol_inflight *f, __u32 tgid, __u32 tid, long ret, __u64 now)
{
	struct iol_rec_syscall *r;
	__u32 words, flags = 0;
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
		/* one word: the timeout (also epoll_events with nothing ready), the AIO context, the UIO count or value */
		r->data[0] = fmt == IOL_DATA_FORMAT_TIMEOUT_NS || fmt == IOL_DATA_FORMAT_EPOLL_EVENTS ? f->aux : 0;
		if (fmt == IOL_DATA_FORMAT_AIO_CTX && ret == 0 && f->args[1])
			bpf_probe_read_user(&r->data[IOL_DATA_AIO_CTX_CTX], 8, (void *)f->args[1]);
		else if (fmt == IOL_DATA_FORMAT_UIO_COUNT && ret >= 4)
			/* read() of /dev/uioN: the 32-bit interrupt count it returned (the low half of the word) */
			bpf_probe_read_user(&r->data[IOL_DATA_UIO_COUNT_COUNT], 4, (void *)f->args[1]);
		else if (fmt == IOL_DATA_FORMAT_UIO_WRITE && ret > 0)
			/* what was written (1 re-enables the interrupt): the first 8 bytes of the buffer */
			read_user_prefix(&r->data[IOL_DATA_UIO_WRITE_VALUE], f->args[1], ret);
		words = 1;
	} else {
		r = reserve_record(sizeof(*r) + 8 * IOL_MAX_DATA_WORDS, IOL_RECORD_KIND_SYSCALL, IOL_CNT_RING_FULL);
		if (!r)
			return 0;
		words = fill_data(fmt, f, ret, r->data, &flags);
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
	r->flags = flags | f->rflags;
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

/* A blocking-class call whose first argument is an fd (SyscallTrait fd_first): not a sleep, a child
 * wait nor an msync, whose first argument read as an fd would lend them another fd's kind and flags. */
static __always_inline bool has_fd(__u16 sys)
{
	return sys < IOL_SYS_MAX && (sys_traits[sys] & IOL_SYSCALL_TRAIT_FD_FIRST);
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
	iol_summary_account(v, now - f->ts, ret, now);
	return 0;
}

__noinline int memory_effect(const struct iol_inflight *f, long ret, __u32 tgid, __u32 tid, __u64 now)
{
	struct iol_rec_mmap *r;

	bool prot = f && f->sys == IOL_SYS_MPROTECT;
	__u64 addr = prot ? f->args[0] : (__u64)ret;

	/* mprotect(PROT_EXEC): code a runtime wrote into an anonymous mapping (CPython's perf
	 * trampolines are mapped RW, then made RX): its return addresses must be kept in snapshots now,
	 * not at the loader's next /proc scan */
	if (!f || (f->sys != IOL_SYS_MMAP && !prot) || ret < 0 || (!prot && (unsigned long)ret > -4096UL) ||
	    !(f->args[2] & 4 /* PROT_EXEC */))
		return 0;
	/* the range first: the record wakes the loader, whose scan then counts this add */
	exec_range_add(tgid, addr, addr + f->args[1]);
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_MMAP, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	r->reserved = 0;
	r->pid = tgid;
	r->tid = tid;
	r->ts = now;
	r->addr = addr;
	r->len = f->args[1];
	r->pgoff = prot ? 0 : f->args[5];
	r->prot = f->args[2];
	r->flags = prot ? 0 : f->args[3];
	r->fd = prot ? -1 : f->args[4];
	r->reserved2 = 0;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP); /* the loader rescans /proc at once */
	count(IOL_CNT_EMITTED);
	emit_vma_map(tgid, addr, now);
	return 0;
}

/*
 * An empty zero-timeout poll joins the thread's run (rules.h), sent when full; any other call of
 * the thread sends the run first. Returns true when the call was taken into the run.
 */
static __always_inline bool poll_run_step(struct iol_inflight *f, __u8 cls, __u16 sys, long ret, __u32 tgid,
					  __u32 tid, __u64 now)
{
	bool empty = cls == IOL_SYSCALL_CLASS_WAIT && iol_poll_is_empty(sys_model[sys], f->aux, ret);

	if (f->run.ts && (!empty || !iol_poll_run_continues(&f->run, sys, f->stack_id, f->args))) {
		emit_poll_run(f, tgid, tid);
		f->run.ts = 0;
	}
	if (!empty)
		return false;
	iol_poll_run_add(&f->run, sys, f->stack_id, f->args, f->ts, now);
	if (iol_poll_run_full(&f->run)) {
		emit_poll_run(f, tgid, tid);
		f->run.ts = 0;
	}
	f->thread_flags |= IOL_THREAD_IN_LOOP;
	return true;
}

static __always_inline int on_exit(void *ctx, const int path)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct iol_traced_proc *proc;
	struct iol_inflight *f;
	long nr, ret;
	__u64 now;
	__u16 sys;
	__u8 cls;

	nr = exit_nr(ctx, path);
	/* the generic paths: most calls of the system leave here, before the hash lookup */
	if (path != IOL_KERNEL_PATH_TRACEPOINTS && (nr < 0 || nr >= IOL_NR_MAX || !nr_to_sys[nr]))
		return 0;
	f = bpf_map_lookup_elem(&inflight, &tid);
	if (!f || !f->ts)
		return 0;
	ret = exit_ret(ctx, path);
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
	/* an event loop's wait returned: completions taken from an AIO ring since the last boundary */
	if (cls == IOL_SYSCALL_CLASS_WAIT && sys_model[sys] == IOL_IO_MODEL_MULTIPLEXING && (proc->flags & IOL_TRACED_AIO))
		aio_ring_observe(tgid, tid, now);
	if (poll_run_step(f, cls, sys, ret, tgid, tid, now)) {
		f->ts = 0;
		return 0;
	}
	switch (cls) {
	case IOL_SYSCALL_CLASS_WAIT:
		/* per-request records first: the reader attaches them to the syscall record that follows */
		if (sys == IOL_SYS_IO_GETEVENTS || sys == IOL_SYS_IO_PGETEVENTS) {
			aio_reaped(f, ret, tgid, tid, now);
			aio_ring_reaped(tgid, f->args[0]);
		}
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
			f->rflags = (nonblock ? IOL_SYSCALL_FLAG_NONBLOCKING : 0) | slept_flag(f);
			f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
			emit_syscall(f, tgid, tid, ret, now);
		} else {
			summarize(f, tid, proc->gen, ret, now);
		}
		if (sys == IOL_SYS_ACCEPT || sys == IOL_SYS_ACCEPT4)
			fd_effect(tgid, sys, f, ret, now);
		break;
	case IOL_SYSCALL_CLASS_SETUP:
		if (sys == IOL_SYS_FCNTL && iol_fcntl_lock_wait(f->args[1])) {
			/* a wait for a record lock: a blocking call */
			if (now - f->ts >= min_duration_ns) {
				f->rflags = slept_flag(f);
				f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
				emit_syscall(f, tgid, tid, ret, now);
			} else {
				summarize(f, tid, proc->gen, ret, now);
			}
			break;
		}
		if (sys == IOL_SYS_FCNTL && !iol_fcntl_setup(f->args[1])) {
			fd_effect(tgid, sys, f, ret, now);
			break;
		}
		f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
		if (sys == IOL_SYS_IO_SUBMIT) {
			aio_submitted(f, ret, tgid, tid);
		} else if (sys == IOL_SYS_IO_SETUP && ret == 0) {
			__u64 aio_ctx = 0;

			bpf_probe_read_user(&aio_ctx, sizeof(aio_ctx), (void *)f->args[1]);
			aio_ring_watch(tgid, aio_ctx, true);
		} else if (sys == IOL_SYS_IO_DESTROY && ret == 0)
			aio_ring_destroyed(tgid, f->args[0]);
		else if (sys == IOL_SYS_IO_URING_SETUP) {
			fd_effect(tgid, sys, f, ret, now);
			uring_created(ret, f->stack_id);
		}
		emit_syscall(f, tgid, tid, ret, now);
		break;
	case IOL_SYSCALL_CLASS_FD:
		/* an open that blocked (a slow disk, NFS, a FIFO): a stall like any blocking call */
		if ((sys_traits[sys] & IOL_SYSCALL_TRAIT_SLOW) && now - f->ts >= min_duration_ns) {
			f->rflags = slept_flag(f);
			f->stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
			emit_syscall(f, tgid, tid, ret, now);
		}
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
