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
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>

#include "pt.h"
#include "rules.h"

#define PROT_EXEC_ 4

void pt_syscall_table(struct pt_tracer *t)
{
#define PT_ENTRY(name, id, n, c, mdl, f, tp, tr)                             \
	if (__NR_##name < IOL_NR_MAX && c != IOL_SYSCALL_CLASS_NAMED)        \
		t->nr_to_sys[__NR_##name] = id;                              \
	t->cls[id] = c;                                                      \
	t->fmt[id] = f;                                                      \
	t->model[id] = mdl;                                                  \
	t->traits[id] = tr;                                                  \
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

/* Timeout of a wait in ns, read at entry (the kernel rewrites select's and ppoll's on return). */
static uint64_t read_timeout(struct pt_thread *th, uint16_t sys, const uint64_t *a)
{
	__s64 ts[2];
	uint8_t i, kind = iol_timeout_arg(sys, &i);

	if (!iol_timeout_is_pointer(kind))
		return iol_timeout_ns(kind, a[i], NULL);
	if (!a[i] || pt_mem_read(th->proc, th->tid, a[i], ts, sizeof(ts)) != sizeof(ts))
		return IOL_NO_TIMEOUT;
	return iol_timeout_ns(kind, a[i], ts);
}

/* select's three fd sets (the first 64 fds of each, those below its nfds): a set not given or not readable reads 0. */
static void read_fd_sets(struct pt_thread *th, const uint64_t *a, uint64_t *sets)
{
	uint64_t mask = iol_fd_set_mask(a[0]);

	for (int i = 0; i < 3; i++) {
		sets[i] = 0;
		if (a[1 + i] && pt_mem_read(th->proc, th->tid, a[1 + i], &sets[i], 8) != 8)
			sets[i] = 0;
		sets[i] &= mask;
	}
}

/* The file offsets a sendfile/splice/copy_file_range started from (file_offsets). */
static void fill_file_offsets(struct pt_thread *th, const struct pt_call *c, long ret, uint64_t *data)
{
	for (int n = 0; n < 2; n++) {
		int a = iol_loff_arg(c->sys, n);
		int64_t after = 0;

		if (a < 0 || !c->args[a] || pt_mem_read(th->proc, th->tid, c->args[a], &after, sizeof(after)) != sizeof(after))
			data[IOL_DATA_FILE_OFFSETS_OFF_IN + n] = (uint64_t)IOL_NO_OFFSET;
		else
			data[IOL_DATA_FILE_OFFSETS_OFF_IN + n] = (uint64_t)iol_start_offset(after, ret);
	}
}

/* sendmmsg/recvmmsg: the bytes of the first messages the call transferred (mmsg), in one read. */
static void fill_mmsg(struct pt_thread *th, const struct pt_call *c, long ret, uint64_t *data)
{
	static uint8_t hdrs[IOL_MMSG_MAX_READ * IOL_MMSGHDR_SIZE];
	uint32_t m = ret > IOL_MMSG_MAX_READ ? IOL_MMSG_MAX_READ : ret > 0 ? (uint32_t)ret : 0;
	uint64_t bytes = 0;
	ssize_t got = m ? pt_mem_read(th->proc, th->tid, c->args[1], hdrs, (size_t)m * IOL_MMSGHDR_SIZE) : 0;

	if (got < 0)
		got = 0;
	m = (uint32_t)(got / IOL_MMSGHDR_SIZE);
	for (uint32_t i = 0; i < m; i++) {
		uint32_t len;

		memcpy(&len, hdrs + (size_t)i * IOL_MMSGHDR_SIZE + IOL_MMSGHDR_LEN_OFFSET, sizeof(len));
		bytes += len;
	}
	data[IOL_DATA_MMSG_BYTES] = bytes;
	data[IOL_DATA_MMSG_MESSAGES] = iol_pack_mmsg_messages(m);
}

/* The path an open-like call named (path): returns the words written; a path cut to fit sets *flags. */
static uint32_t fill_path(struct pt_thread *th, const struct pt_call *c, uint64_t *data, uint32_t *flags)
{
	char buf[IOL_DATA_PATH_MAX_BYTES + 1];
	int a = iol_cstr_arg(c->sys);
	ssize_t got;
	size_t n;

	if (a < 0 || !c->args[a])
		return 0;
	/* one byte more than fits: a path of exactly the maximum is whole, a longer one is cut */
	got = pt_mem_read(th->proc, th->tid, c->args[a], buf, sizeof(buf));
	if (got <= 0)
		return 0;
	n = strnlen(buf, (size_t)got);
	if (n == (size_t)got && got < (ssize_t)sizeof(buf))
		return 0; /* no end of string before the read stopped: unreadable */
	if (n >= IOL_DATA_PATH_MAX_BYTES) {
		n = IOL_DATA_PATH_MAX_BYTES - 1;
		*flags |= IOL_SYSCALL_FLAG_DATA_TRUNCATED;
	}
	memset(data, 0, IOL_DATA_PATH_MAX_BYTES);
	memcpy(data, buf, n);
	return (uint32_t)(n + 1 + 7) / 8;
}

/* The tail words of a syscall record (schema data_formats, packed as iolens_wire.h says); returns how many. */
static uint32_t fill_data(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret,
			  uint64_t *data, uint32_t *flags)
{
	struct pt_proc *p = th->proc;
	uint32_t k;

	switch (c->fmt ? c->fmt : t->fmt[c->sys]) {
	case IOL_DATA_FORMAT_SELECT_FDS: {
		uint64_t ready[3] = { 0 };

		data[IOL_DATA_SELECT_FDS_TIMEOUT_NS] = c->aux;
		data[IOL_DATA_SELECT_FDS_READ] = c->sets[0];
		data[IOL_DATA_SELECT_FDS_WRITE] = c->sets[1];
		data[IOL_DATA_SELECT_FDS_EXCEPT] = c->sets[2];
		if (ret > 0)
			read_fd_sets(th, c->args, ready);
		data[IOL_DATA_SELECT_FDS_READY_READ] = ready[0];
		data[IOL_DATA_SELECT_FDS_READY_WRITE] = ready[1];
		data[IOL_DATA_SELECT_FDS_READY_EXCEPT] = ready[2];
		return IOL_DATA_SELECT_FDS_WORDS;
	}
	case IOL_DATA_FORMAT_FILE_OFFSETS:
		fill_file_offsets(th, c, ret, data);
		return IOL_DATA_FILE_OFFSETS_WORDS;
	case IOL_DATA_FORMAT_MMSG:
		fill_mmsg(th, c, ret, data);
		return IOL_DATA_MMSG_WORDS;
	case IOL_DATA_FORMAT_PATH:
		return fill_path(th, c, data, flags);
	case IOL_DATA_FORMAT_UIO_COUNT:
		/* read() of /dev/uioN: the 32-bit interrupt count it returned (the low half of the word) */
		data[IOL_DATA_UIO_COUNT_COUNT] = 0;
		if (ret >= 4)
			pt_mem_read(p, th->tid, c->args[1], &data[IOL_DATA_UIO_COUNT_COUNT], 4);
		return IOL_DATA_UIO_COUNT_WORDS;
	case IOL_DATA_FORMAT_UIO_WRITE:
		/* what was written (1 re-enables the interrupt): its first 8 bytes */
		data[IOL_DATA_UIO_WRITE_VALUE] = 0;
		if (ret > 0)
			pt_mem_read(p, th->tid, c->args[1], &data[IOL_DATA_UIO_WRITE_VALUE], ret > 8 ? 8 : (size_t)ret);
		return IOL_DATA_UIO_WRITE_WORDS;
	case IOL_DATA_FORMAT_EPOLL_EVENTS: {
		uint32_t raw[IOL_EPOLL_EVENT_WORDS32 * IOL_DATA_EPOLL_EVENTS_MAX];

		data[IOL_DATA_EPOLL_EVENTS_TIMEOUT_NS] = c->aux;
		k = ret > IOL_DATA_EPOLL_EVENTS_MAX ? IOL_DATA_EPOLL_EVENTS_MAX : (ret > 0 ? (uint32_t)ret : 0);
		if (!k || pt_mem_read(p, th->tid, c->args[1], raw, 4 * IOL_EPOLL_EVENT_WORDS32 * k) !=
				  (ssize_t)(4 * IOL_EPOLL_EVENT_WORDS32 * k))
			return IOL_DATA_EPOLL_EVENTS_WORDS;
		for (uint32_t i = 0; i < k; i++) {
			data[IOL_DATA_EPOLL_EVENTS_EVENTS_AT(i)] = iol_pack_epoll_events_events(raw[IOL_EPOLL_EVENT_WORDS32 * i]);
			data[IOL_DATA_EPOLL_EVENTS_DATA_AT(i)] = iol_epoll_event_data(&raw[IOL_EPOLL_EVENT_WORDS32 * i]);
		}
		return IOL_DATA_EPOLL_EVENTS_WORDS + IOL_DATA_EPOLL_EVENTS_EACH * k;
	}
	case IOL_DATA_FORMAT_POLLFDS:
		data[IOL_DATA_POLLFDS_TIMEOUT_NS] = c->aux;
		k = c->args[1] > IOL_DATA_POLLFDS_MAX ? IOL_DATA_POLLFDS_MAX : (uint32_t)c->args[1];
		/* each item is a struct pollfd as it lies in memory */
		if (k && pt_mem_read(p, th->tid, c->args[0], &data[IOL_DATA_POLLFDS_FD_AT(0)], IOL_POLLFD_SIZE * k) ==
				 (ssize_t)(IOL_POLLFD_SIZE * k))
			return IOL_DATA_POLLFDS_WORDS + k;
		return IOL_DATA_POLLFDS_WORDS;
	case IOL_DATA_FORMAT_TIMEOUT_NS:
		data[IOL_DATA_TIMEOUT_NS_TIMEOUT_NS] = c->aux;
		return IOL_DATA_TIMEOUT_NS_WORDS;
	case IOL_DATA_FORMAT_EPOLL_CTL_EVENT: {
		uint32_t raw[IOL_EPOLL_EVENT_WORDS32] = { 0 };

		if (!c->args[3] || pt_mem_read(p, th->tid, c->args[3], raw, sizeof(raw)) != sizeof(raw))
			return 0;
		data[IOL_DATA_EPOLL_CTL_EVENT_EVENTS] = iol_pack_epoll_ctl_event_events(raw[0]);
		data[IOL_DATA_EPOLL_CTL_EVENT_DATA] = iol_epoll_event_data(raw);
		return IOL_DATA_EPOLL_CTL_EVENT_WORDS;
	}
	case IOL_DATA_FORMAT_AIO_CTX:
		data[IOL_DATA_AIO_CTX_CTX] = 0;
		if (ret == 0 && c->args[1])
			pt_mem_read(p, th->tid, c->args[1], &data[IOL_DATA_AIO_CTX_CTX], 8);
		return IOL_DATA_AIO_CTX_WORDS;
	case IOL_DATA_FORMAT_SIGINFO: {
		int32_t head[IOL_SIGINFO_FD_OFFSET / 4 + 2] = { 0 };
		int64_t band;

		data[IOL_DATA_SIGINFO_TIMEOUT_NS] = c->aux;
		if (ret <= 0 || !c->args[1] || pt_mem_read(p, th->tid, c->args[1], head, sizeof(head)) != sizeof(head))
			return 1;
		memcpy(&band, (const char *)head + IOL_SIGINFO_BAND_OFFSET, sizeof(band));
		data[IOL_DATA_SIGINFO_SIGNO] = iol_pack_siginfo_signo_code((uint32_t)head[0], head[IOL_SIGINFO_CODE_INT]);
		data[IOL_DATA_SIGINFO_BAND] = (uint64_t)band;
		data[IOL_DATA_SIGINFO_FD] = iol_pack_siginfo_fd(head[IOL_SIGINFO_FD_OFFSET / 4]);
		return IOL_DATA_SIGINFO_WORDS;
	}
	default:
		return 0;
	}
}

/* IOL_SYSCALL_FLAG_NONBLOCKING when a sent blocking call's fd has O_NONBLOCK at its exit, as the
 * eBPF side reads it from the file: a flag set by ioctl(FIONBIO) (CPython's socket.setblocking, so
 * asyncio's sockets) changes no record the analysis' fd table learns from, and a send stretched
 * past 10 ms by the stops was a wait on a "blocking" socket inside the loop. Only for a call whose
 * first argument is an fd (SyscallTrait fd_first): a child wait's pid is none. */
static uint32_t nonblocking_flag(const struct pt_tracer *t, const struct pt_thread *th, uint16_t sys, uint64_t fd)
{
	if (!(t->traits[sys] & IOL_SYSCALL_TRAIT_FD_FIRST) || fd > INT32_MAX)
		return 0;
	return (proc_fd_flags(th->proc->pid, (int)fd) & O_NONBLOCK) ? IOL_SYSCALL_FLAG_NONBLOCKING : 0;
}

static void emit_syscall(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now,
			 uint32_t flags)
{
	struct {
		struct iol_rec_syscall r;
		uint64_t data[IOL_MAX_DATA_WORDS];
	} b;
	bool unfinished = flags & IOL_SYSCALL_FLAG_UNFINISHED;
	uint32_t words = unfinished ? 0 : fill_data(t, th, c, ret, b.data, &flags);

	memset(&b.r, 0, sizeof(b.r));
	b.r.hdr.kind = IOL_RECORD_KIND_SYSCALL;
	b.r.hdr.size = sizeof(b.r) + 8 * words;
	b.r.sys = c->sys;
	b.r.cpu = IOL_NO_CPU; /* not known to a ptrace tracer */
	b.r.pid = th->proc->pid;
	b.r.tid = th->tid;
	b.r.data_format = words || !unfinished ? (c->fmt ? c->fmt : t->fmt[c->sys]) : IOL_DATA_FORMAT_NONE;
	b.r.data_count = words;
	b.r.flags = flags;
	b.r.ts = c->ts;
	b.r.dur = now - c->ts;
	b.r.ret = unfinished ? 0 : ret;
	b.r.stack_id = c->stack_id;
	memcpy(b.r.args, c->args, sizeof(b.r.args));
	if (unfinished) {
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

	bool prot = c->sys == IOL_SYS_MPROTECT; /* made executable: code a runtime wrote (CPython's trampolines) */

	if ((c->sys != IOL_SYS_MMAP && !prot) || ret < 0 || (!prot && (unsigned long)ret > -4096UL) || !(c->args[2] & PROT_EXEC_))
		return;
	r.pid = th->proc->pid;
	r.tid = th->tid;
	r.ts = now;
	r.addr = prot ? c->args[0] : (uint64_t)ret;
	r.len = c->args[1];
	r.pgoff = prot ? 0 : c->args[5];
	r.prot = (uint32_t)c->args[2];
	r.flags = prot ? 0 : (uint32_t)c->args[3];
	r.fd = prot ? -1 : (int32_t)c->args[4];
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

	if (t->traits[c->sys] & IOL_SYSCALL_TRAIT_FD_FIRST)
		key.fd_type = pt_fd_type(th->proc, c->args[0]);
	key.stack_id = pt_capture_stack(t, th, regs);
	v = summary_value(&t->summary, &key, (uint32_t)th->proc->pid);
	if (!v) {
		t->summary_lost++;
		return;
	}
	iol_summary_account(v, now - c->ts, ret, now);
}

static void on_entry(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, const pt_regs_t *regs, uint64_t now)
{
	struct pt_call *c = &th->call;

	c->sys = sys;
	c->fmt = 0;
	c->ts = now;
	for (int i = 0; i < 6; i++)
		c->args[i] = i < t->nargs[sys] ? pt_regs_arg(regs, i) : 0;
	/* another call ends the thread's run of empty polls: sent before anything of this call */
	if (th->run.ts && !iol_poll_run_may_continue(&th->run, sys, (const __u64 *)c->args))
		pt_emit_poll_run(t, th);
	c->stack_id = 0;
	c->aux = IOL_NO_TIMEOUT;
	c->aux2 = 0;
	if (t->cls[sys] == IOL_SYSCALL_CLASS_INSTANT) {
		/* never returns to its caller (rt_sigreturn ends a signal handler): sent now, no duration */
		emit_syscall(t, th, c, 0, now, 0);
		c->sys = 0;
		c->ts = 0;
		return;
	}
	/* completions taken from the AIO ring before a submission, an io_getevents (which moves its
	 * head) or the context's end */
	if (sys == IOL_SYS_IO_SUBMIT)
		pt_aio_ring_watch(t, th, c->args[0], false, now);
	else if (sys == IOL_SYS_IO_GETEVENTS || sys == IOL_SYS_IO_PGETEVENTS)
		pt_aio_ring_called(th, c->args[0]);
	if (t->model[sys] == IOL_IO_MODEL_AIO && sys != IOL_SYS_IO_SETUP && sys != IOL_SYS_IO_CANCEL)
		pt_aio_ring_observe(t, th, now);
	/* a close is told at its entry: once it runs, another thread may get its fd number (a socket,
	 * an open) and that call's exit stop may be handled before this one's, so a close told at its
	 * exit came after the new fd's record and took it out of the table (tinyproxy's connection
	 * threads: 133 of 1,038 polled an fd of no known type, "event loops"). Linux releases the fd
	 * whatever close returns; one that was not open (EBADF) was not in the table either. */
	if (sys == IOL_SYS_CLOSE || sys == IOL_SYS_CLOSE_RANGE)
		pt_fd_effect(t, th, sys, c, 0, now);
	if (t->cls[sys] == IOL_SYSCALL_CLASS_WAIT) {
		/* a wait may last until the end of the trace: its stack now, so it shows while in flight */
		c->aux = read_timeout(th, sys, c->args);
		if (t->fmt[sys] == IOL_DATA_FORMAT_SELECT_FDS)
			read_fd_sets(th, c->args, c->sets); /* the kernel rewrites them with the ready ones on return */
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

void pt_emit_poll_run(struct pt_tracer *t, struct pt_thread *th)
{
	struct {
		struct iol_rec_syscall r;
		__u64 data[IOL_DATA_POLL_RUN_WORDS];
	} b;

	if (!th->run.ts)
		return;
	iol_poll_run_record(&th->run, th->proc->pid, th->tid, IOL_NO_CPU, &b.r, b.data);
	th->run.ts = 0;
	pt_emit(t, &b);
}

/*
 * An empty zero-timeout poll joins the thread's run (rules.h), sent when full; any other call of
 * the thread sends the run first. Returns true when the call was taken into the run.
 */
static bool poll_run_step(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now)
{
	bool empty = t->cls[c->sys] == IOL_SYSCALL_CLASS_WAIT && iol_poll_is_empty(t->model[c->sys], c->aux, ret);

	const __u64 *args = (const __u64 *)c->args; /* uint64_t and __u64: both 64-bit, typed apart */

	if (th->run.ts && (!empty || !iol_poll_run_continues(&th->run, c->sys, c->stack_id, args)))
		pt_emit_poll_run(t, th);
	if (!empty)
		return false;
	iol_poll_run_add(&th->run, c->sys, c->stack_id, args, c->ts, now);
	if (iol_poll_run_full(&th->run))
		pt_emit_poll_run(t, th);
	th->in_loop = true;
	return true;
}

static void on_exit(struct pt_tracer *t, struct pt_thread *th, const pt_regs_t *regs, uint64_t now)
{
	struct pt_call *c = &th->call;
	long ret = (long)pt_regs_ret(regs);
	uint16_t sys = c->sys;

	/* an event loop's wait returned: completions taken from an AIO ring since the last boundary */
	if (t->cls[sys] == IOL_SYSCALL_CLASS_WAIT && t->model[sys] == IOL_IO_MODEL_MULTIPLEXING)
		pt_aio_ring_observe(t, th, now);
	if (poll_run_step(t, th, c, ret, now))
		return;
	switch (t->cls[sys]) {
	case IOL_SYSCALL_CLASS_WAIT:
		if (sys == IOL_SYS_IO_GETEVENTS || sys == IOL_SYS_IO_PGETEVENTS) {
			pt_aio_reaped(t, th, c, ret, now);
			pt_aio_ring_reaped(th, c->args[0]);
		}
		emit_syscall(t, th, c, ret, now, 0);
		if (t->model[sys] == IOL_IO_MODEL_MULTIPLEXING)
			th->in_loop = true;
		break;
	case IOL_SYSCALL_CLASS_BLOCKING:
		c->fmt = pt_uio_format(th->proc, sys, c->args[0]);
		if (now - c->ts >= t->opts->min_duration_ns || c->fmt) {
			c->stack_id = pt_capture_stack(t, th, regs);
			emit_syscall(t, th, c, ret, now, nonblocking_flag(t, th, sys, c->args[0]));
		} else {
			summarize(t, th, c, regs, ret, now);
		}
		if (sys == IOL_SYS_ACCEPT || sys == IOL_SYS_ACCEPT4)
			pt_fd_effect(t, th, sys, c, ret, now);
		break;
	case IOL_SYSCALL_CLASS_SETUP:
		if (sys == IOL_SYS_FCNTL && iol_fcntl_lock_wait(c->args[1])) {
			/* a wait for a record lock: a blocking call */
			if (now - c->ts >= t->opts->min_duration_ns) {
				c->stack_id = pt_capture_stack(t, th, regs);
				emit_syscall(t, th, c, ret, now, 0);
			} else {
				summarize(t, th, c, regs, ret, now);
			}
			break;
		}
		if (sys == IOL_SYS_FCNTL && !iol_fcntl_setup(c->args[1])) {
			pt_fd_effect(t, th, sys, c, ret, now);
			break;
		}
		c->stack_id = pt_capture_stack(t, th, regs);
		if (sys == IOL_SYS_IO_SUBMIT) {
			pt_aio_submitted(t, th, c, ret);
		} else if (sys == IOL_SYS_IO_SETUP && ret == 0) {
			uint64_t aio_ctx = 0;

			if (pt_mem_read(th->proc, th->tid, c->args[1], &aio_ctx, sizeof(aio_ctx)) == sizeof(aio_ctx))
				pt_aio_ring_watch(t, th, aio_ctx, true, now);
		} else if (sys == IOL_SYS_IO_DESTROY && ret == 0)
			pt_aio_ring_destroyed(th, c->args[0]);
		else if (sys == IOL_SYS_IO_URING_SETUP)
			pt_fd_effect(t, th, sys, c, ret, now);
		emit_syscall(t, th, c, ret, now, 0);
		break;
	case IOL_SYSCALL_CLASS_FD:
		/* an open that blocked (a slow disk, NFS, a FIFO): a stall like any blocking call */
		if ((t->traits[sys] & IOL_SYSCALL_TRAIT_SLOW) && now - c->ts >= t->opts->min_duration_ns) {
			c->stack_id = pt_capture_stack(t, th, regs);
			emit_syscall(t, th, c, ret, now, 0);
		}
		if (sys != IOL_SYS_CLOSE && sys != IOL_SYS_CLOSE_RANGE) /* told at the entry */
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
		if (sys && !th->proc->quiet && !t->detaching) {
			on_entry(t, th, sys, &regs, now);
			/* the call runs from when the thread is let go: the stop's handling (its registers,
			 * a wait's stack) is the tracer's time, not the call's */
			if (th->call.ts)
				th->call.ts = pt_now();
		}
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

		/* a run of empty polls the thread has not ended: at the end, or once it is as old as a
		 * run may span (its thread went quiet: the live view is not kept waiting for its next call) */
		if (t->threads.keys[i] && th->run.ts && (final || now - th->run.ts >= IOL_POLL_RUN_MAX_NS))
			pt_emit_poll_run(t, th);
		if (!t->threads.keys[i] || !th->in_syscall || !th->call.sys || !th->call.ts || th->call.ts > now)
			continue;
		c = &th->call;
		cls = t->cls[c->sys];
		if (cls != IOL_SYSCALL_CLASS_WAIT && cls != IOL_SYSCALL_CLASS_BLOCKING &&
		    !(t->traits[c->sys] & IOL_SYSCALL_TRAIT_SLOW))
			continue;
		if (cls != IOL_SYSCALL_CLASS_WAIT && now - c->ts < t->opts->min_duration_ns)
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
	if (!final)
		summary_mark_gone(&t->summary);
	summary_emit(&t->summary, t->out, now, final);
	if (!final)
		summary_prune(&t->summary, NULL, NULL);
	if (t->summary_lost > t->summary_lost_sent) {
		struct iol_rec_drop r = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(r) } };

		r.source = IOL_DROP_SOURCE_SUMMARY_FULL;
		r.cpu = IOL_NO_CPU;
		r.ts = now;
		r.count = t->summary_lost - t->summary_lost_sent;
		r.total = t->summary_lost;
		t->summary_lost_sent = t->summary_lost;
		out_record(t->out, &r);
	}
}
