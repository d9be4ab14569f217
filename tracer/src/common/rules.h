/* SPDX-License-Identifier: MIT */
/*
 * Rules both backends apply the same way, compiled by clang for BPF (ebpf/) and by gcc (ptrace/,
 * common/): a wait's timeout, the user-memory layouts the tail words are read from, the SIGPOLL
 * rule, device numbers. The values come from protocol/schema.json (iolens_wire.h, which also has
 * the packers of the tail words); the reader (extension/src/core/model/args.ts) decodes with the
 * TypeScript generated from the same schema. Pure functions: each backend reads user memory its
 * own way (bpf_probe_read_user, process_vm_readv) and hands the bytes here.
 */
#ifndef IOLENS_RULES_H
#define IOLENS_RULES_H

#include "iolens.h"

#define IOL_INLINE static inline __attribute__((always_inline))

/*
 * fcntl: the commands that set up signal-driven I/O (the owner, the signal, O_ASYNC in the flags),
 * recorded always; the rest only feed the fd table (F_DUPFD*) — but for the waits of
 * iol_fcntl_lock_wait.
 */
IOL_INLINE int iol_fcntl_setup(__u64 cmd)
{
	return IOL_FCNTL_CMD_IS_SETUP(cmd);
}

/*
 * fcntl: a wait for a POSIX record lock (F_SETLKW, F_OFD_SETLKW) another process or description
 * holds — a blocking call like flock(), sent from --min-duration and counted under it.
 */
IOL_INLINE int iol_fcntl_lock_wait(__u64 cmd)
{
	return IOL_FCNTL_CMD_IS_LOCK_WAIT(cmd);
}

/*
 * select/pselect6: the bits of an fd_set word the call looks at — the first 64 fds (one word of
 * each set, as the select_fds data format keeps them), those below its nfds `n`.
 */
IOL_INLINE __u64 iol_fd_set_mask(__u64 n)
{
	return (__s64)n >= 64 ? ~0ULL : (__s64)n <= 0 ? 0 : (1ULL << n) - 1;
}

/*
 * The type of a regular file from its file system's magic number (struct super_block s_magic,
 * statfs f_type): a file system whose content the kernel computes when it is read (procfs, sysfs,
 * cgroup, debugfs, tracefs, securityfs, configfs, bpffs, pstore, efivarfs) holds virtual files,
 * whose reads never wait for storage; any other holds files.
 */
IOL_INLINE __u8 iol_regular_file_type(__u64 magic)
{
	switch (magic) {
	case 0x9fa0:		/* PROC_SUPER_MAGIC */
	case 0x62656572:	/* SYSFS_MAGIC */
	case 0x27e0eb:		/* CGROUP_SUPER_MAGIC */
	case 0x63677270:	/* CGROUP2_SUPER_MAGIC */
	case 0x64626720:	/* DEBUGFS_MAGIC */
	case 0x74726163:	/* TRACEFS_MAGIC */
	case 0x73636673:	/* SECURITYFS_MAGIC */
	case 0x62656570:	/* CONFIGFS_MAGIC */
	case 0xcafe4a11:	/* BPF_FS_MAGIC */
	case 0x6165676c:	/* PSTOREFS_MAGIC */
	case 0xde5e81e4:	/* EFIVARFS_MAGIC */
		return IOL_FD_TYPE_VIRTUAL;
	default:
		return IOL_FD_TYPE_FILE;
	}
}

/* The timeout argument points to a struct timeval/timespec the caller must read. */
IOL_INLINE int iol_timeout_is_pointer(__u8 kind)
{
	return kind == IOL_TIMEOUT_KIND_TIMEVAL || kind == IOL_TIMEOUT_KIND_TIMESPEC;
}

/*
 * A wait's timeout in ns, IOL_NO_TIMEOUT for none: `arg` is its timeout argument (iol_timeout_arg),
 * `ts` the two words it points to when iol_timeout_is_pointer (NULL: a NULL pointer, or unreadable).
 * Read at entry: select and ppoll rewrite theirs on return.
 */
IOL_INLINE __u64 iol_timeout_ns(__u8 kind, __u64 arg, const __s64 *ts)
{
	switch (kind) {
	case IOL_TIMEOUT_KIND_MS:
		return (int)arg < 0 ? IOL_NO_TIMEOUT : (__u64)(int)arg * 1000000ULL;
	case IOL_TIMEOUT_KIND_TIMEVAL: /* seconds, microseconds */
		return ts ? (__u64)ts[0] * 1000000000ULL + (__u64)ts[1] * 1000ULL : IOL_NO_TIMEOUT;
	case IOL_TIMEOUT_KIND_TIMESPEC: /* seconds, nanoseconds */
		return ts ? (__u64)ts[0] * 1000000000ULL + (__u64)ts[1] : IOL_NO_TIMEOUT;
	default:
		return IOL_NO_TIMEOUT;
	}
}

/* struct epoll_event is packed on x86-64: u32 events, then u64 data at byte 4 (12 bytes, read as 3 u32). */
#define IOL_EPOLL_EVENT_WORDS32 3
IOL_INLINE __u64 iol_epoll_event_data(const __u32 *raw)
{
	return raw[1] | ((__u64)raw[2] << 32);
}

/* struct pollfd (int fd; short events; short revents) in memory is the pollfds item word: copied as is. */
#define IOL_POLLFD_SIZE 8
_Static_assert(IOL_DATA_POLLFDS_EACH == 1 && IOL_DATA_POLLFDS_EVENTS_AT(0) == IOL_DATA_POLLFDS_FD_AT(0),
	       "a pollfds item is one word holding a struct pollfd");

/* siginfo_t: si_signo, si_errno, si_code (3 ints at 0, 4, 8), then for SIGPOLL long si_band at 16, int si_fd at 24. */
#define IOL_SIGINFO_CODE_INT 2
#define IOL_SIGINFO_BAND_OFFSET 16
#define IOL_SIGINFO_FD_OFFSET 24

/* struct mmsghdr: a struct msghdr (56 bytes), then unsigned int msg_len: the bytes of that message. */
#define IOL_MMSGHDR_SIZE 64
#define IOL_MMSGHDR_LEN_OFFSET 56

/* The offset a call started from, given what it left in its loff_t * (`after`) and its result. */
IOL_INLINE __s64 iol_start_offset(__s64 after, long ret)
{
	return ret > 0 ? after - ret : after;
}

/* si_fd / si_band are meaningful: a SIGPOLL-style si_code on SIGIO or an F_SETSIG signal (PollSignal). */
IOL_INLINE int iol_has_poll_fields(int sig, int code)
{
	return code >= IOL_POLL_SIGNAL_POLL_IN && code <= IOL_POLL_SIGNAL_POLL_HUP &&
	       (sig == IOL_POLL_SIGNAL_SIGIO || sig >= IOL_POLL_SIGNAL_SIGRTMIN);
}

/* Device numbers as records carry them: the kernel's internal dev_t encoding. */
IOL_INLINE __u32 iol_encode_dev(__u32 major, __u32 minor)
{
	return major << IOL_DEV_MINOR_BITS | (minor & ((1U << IOL_DEV_MINOR_BITS) - 1));
}

/* The aux word of a socket's fd record (schema: fd.aux): family << 16 | type, from socket(2)'s or
 * socketpair(2)'s first two arguments. */
IOL_INLINE __u64 iol_socket_aux(__u64 family, __u64 type)
{
	return (family << 16) | (type & 0xffff);
}

/* SOCK_NONBLOCK and SOCK_CLOEXEC: O_NONBLOCK and O_CLOEXEC (x86-64, arm64 and the generic ABI). */
#define IOL_SOCK_FLAGS (04000U | 02000000U)

/* The status flags an fd record carries (schema: fd.open_flags) for an fd made by accept4(2),
 * socket(2), socketpair(2) or pipe2(2): the flags argument (accept4's, pipe2's), or the bits of the
 * type argument (socket's, socketpair's) that set them. A reader that cannot see the fd's flags at
 * each call (the ptrace backend) learns from them that a server's accepted connections are
 * O_NONBLOCK. */
IOL_INLINE __u32 iol_made_fd_flags(__u64 flags_or_type)
{
	return (__u32)(flags_or_type & IOL_SOCK_FLAGS);
}

IOL_INLINE __u32 iol_dev_major(__u32 dev)
{
	return dev >> IOL_DEV_MINOR_BITS;
}

IOL_INLINE __u32 iol_dev_minor(__u32 dev)
{
	return dev & ((1U << IOL_DEV_MINOR_BITS) - 1);
}

/*
 * Coalescing empty polls. A wait of the multiplexing model (select, poll, epoll) with a timeout of
 * 0 that returned 0 is an empty poll: a thread that calls one back to back, from one call site
 * with the same arguments, busy-polls, and would fill the ring with identical records. Such a run
 * is kept per thread (struct iol_poll_run) and sent as one record with the count.
 */
IOL_INLINE int iol_poll_is_empty(__u8 model, __u64 timeout_ns, long ret)
{
	return model == IOL_IO_MODEL_MULTIPLEXING && timeout_ns == 0 && ret == 0;
}

/*
 * Whether a call entering with (sys, args) may continue the run (which is not empty): the same
 * syscall and arguments. Any other call ends the run at its entry, so the run is sent before
 * whatever that call does (a blocking call does not hold it back until it returns).
 */
IOL_INLINE int iol_poll_run_may_continue(const struct iol_poll_run *run, __u16 sys, const __u64 *args)
{
	int same = run->sys == sys;

	for (int i = 0; i < 6; i++)
		same = same && run->args[i] == args[i];
	return same;
}

/* Whether an empty poll (sys, stack, args) continues the run (which is not empty). */
IOL_INLINE int iol_poll_run_continues(const struct iol_poll_run *run, __u16 sys, __u64 stack_id, const __u64 *args)
{
	return run->stack_id == stack_id && iol_poll_run_may_continue(run, sys, args);
}

/* Add an empty poll (entry ts, exit now) to the run, starting it when it is empty. */
IOL_INLINE void iol_poll_run_add(struct iol_poll_run *run, __u16 sys, __u64 stack_id, const __u64 *args, __u64 ts,
				 __u64 now)
{
	if (!run->ts) {
		run->ts = ts;
		run->sys = sys;
		run->stack_id = stack_id;
		for (int i = 0; i < 6; i++)
			run->args[i] = args[i];
		run->count = 0;
		run->busy_ns = 0;
	}
	run->end = now;
	run->busy_ns += now - ts;
	run->count++;
}

/* The run is to be sent now: it holds as many calls or spans as long as a run may. */
IOL_INLINE int iol_poll_run_full(const struct iol_poll_run *run)
{
	return run->count >= IOL_POLL_RUN_MAX_CALLS || run->end - run->ts >= IOL_POLL_RUN_MAX_NS;
}

/* The syscall record of a run (its tail: IOL_DATA_POLL_RUN_WORDS words in data). */
IOL_INLINE void iol_poll_run_record(const struct iol_poll_run *run, __u32 tgid, __u32 tid, __u16 cpu,
				    struct iol_rec_syscall *r, __u64 *data)
{
	r->hdr.kind = IOL_RECORD_KIND_SYSCALL;
	r->hdr.size = sizeof(*r) + 8 * IOL_DATA_POLL_RUN_WORDS;
	r->sys = run->sys;
	r->cpu = cpu;
	r->pid = tgid;
	r->tid = tid;
	r->data_format = IOL_DATA_FORMAT_POLL_RUN;
	r->data_count = IOL_DATA_POLL_RUN_WORDS;
	r->flags = IOL_SYSCALL_FLAG_COALESCED;
	r->ts = run->ts;
	r->dur = run->end - run->ts;
	r->ret = 0;
	r->stack_id = run->stack_id;
	for (int i = 0; i < 6; i++)
		r->args[i] = run->args[i];
	data[IOL_DATA_POLL_RUN_TIMEOUT_NS] = 0;
	data[IOL_DATA_POLL_RUN_COUNT] = run->count;
	data[IOL_DATA_POLL_RUN_BUSY_NS] = run->busy_ns;
}

/* ---- Linux native AIO (include/uapi/linux/aio_abi.h, fs/aio.c; little-endian x86-64) ---- */

#define IOL_IOCB_FLAG_RESFD 1

/* The kernel's struct iocb, as io_submit reads it. */
struct iol_iocb {
	__u64 aio_data;
	__u32 aio_key;
	__s32 aio_rw_flags;
	__u16 aio_lio_opcode;
	__s16 aio_reqprio;
	__u32 aio_fildes;
	__u64 aio_buf;
	__u64 aio_nbytes;
	__s64 aio_offset;
	__u64 aio_reserved2;
	__u32 aio_flags;
	__u32 aio_resfd;
};
_Static_assert(sizeof(struct iol_iocb) == 64, "struct iocb is 64 bytes");

/* The kernel's struct io_event: what io_getevents copies out, and each entry of the AIO ring. */
struct iol_io_event {
	__u64 data;
	__u64 obj;
	__s64 res;
	__s64 res2;
};
_Static_assert(sizeof(struct iol_io_event) == 32, "struct io_event is 32 bytes");

/*
 * The header of struct aio_ring, which fs/aio.c maps into the process at the context id; its
 * io_events follow it. The kernel writes a completion at tail; whoever reaps — io_getevents, or the
 * application itself in user space (QEMU, fio --userspace_reap) — takes it at head and moves head
 * on. head and tail are indexes below nr.
 */
struct iol_aio_ring {
	__u32 id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};
_Static_assert(sizeof(struct iol_aio_ring) == 32, "struct aio_ring's header is 32 bytes");
#define IOL_AIO_RING_MAGIC 0xa10a10a1u

/* An aio_submit record's fields from the iocb at `obj` (the caller sets the header, ids, time and stack). */
IOL_INLINE void iol_aio_submit_fill(struct iol_rec_aio_submit *r, const struct iol_iocb *cb, __u64 obj)
{
	r->opcode = cb->aio_lio_opcode;
	r->obj = obj;
	r->data = cb->aio_data;
	r->offset = cb->aio_offset;
	r->nbytes = cb->aio_nbytes;
	r->fd = (__s32)cb->aio_fildes;
	r->resfd = (cb->aio_flags & IOL_IOCB_FLAG_RESFD) ? (__s32)cb->aio_resfd : -1;
	r->iocb_flags = cb->aio_flags;
	r->rw_flags = (__u32)cb->aio_rw_flags;
}

/* An aio_complete record's fields from an io_event (the caller sets the header, index, ids, time and context). */
IOL_INLINE void iol_aio_complete_fill(struct iol_rec_aio_complete *r, const struct iol_io_event *ev, __u16 flags)
{
	r->flags = flags;
	r->obj = ev->obj;
	r->data = ev->data;
	r->res = ev->res;
	r->res2 = ev->res2;
}

/*
 * Which completions of a ring are sent. A completion io_getevents reaps has its record from the
 * call; the ring adds those the application takes in user space. Until the context shows how it is
 * reaped, it is undecided: the tail is followed (when the kernel wrote each entry: an upper bound of
 * its completion) and nothing is sent. The first io_getevents on it (fio, even with
 * --userspace_reap) makes it BY_CALL: from then on only entries the head passed between calls are
 * sent (the application took them in user space). A head that moved with no io_getevents (QEMU)
 * makes it USER: the entries the tail passed are sent, each with the time the tail was first seen
 * past it (the first IOL_AIO_RING_PEND advances; later ones with the time of the decision), and
 * from then on at each look. The tail, not the head: QEMU moves the head only after its callbacks
 * have submitted the next requests, so its head would show a request of depth 1 still held when
 * the next one is submitted.
 */

/* A ring index's distance from `from` to `to`, modulo nr. */
IOL_INLINE __u32 iol_aio_ring_dist(__u32 from, __u32 to, __u32 nr)
{
	return to >= from ? to - from : nr - from + to;
}

/* Entries of a ring to send: count entries from index `first`, at ts. */
struct iol_aio_ring_seg {
	__u32 first, count;
	__u64 ts;
};
#define IOL_AIO_RING_SEGS (IOL_AIO_RING_PEND + 1)

/*
 * One look at the ring of w, whose header is h, at `now`: fills seg with the entries to send
 * (IOL_AIO_RING_SEGS at most) and returns how many segments; w is updated. A header that is not
 * an AIO ring's (the magic), or indexes out of range, change nothing.
 */
IOL_INLINE int iol_aio_ring_look(struct iol_aio_ring_watch *w, const struct iol_aio_ring *h, __u64 now, struct iol_aio_ring_seg *seg)
{
	__u32 from = w->last;
	int n = 0;

	if (h->magic != IOL_AIO_RING_MAGIC || !h->nr || h->head >= h->nr || h->tail >= h->nr || w->last >= h->nr)
		return 0;
	if (w->flags & IOL_AIO_RING_BY_CALL) {
		seg[0].first = from;
		seg[0].count = iol_aio_ring_dist(from, h->head, h->nr);
		seg[0].ts = now;
		w->last = h->head;
		return seg[0].count ? 1 : 0;
	}
	if (h->head != w->head)
		w->flags |= IOL_AIO_RING_USER;
	w->head = h->head;
	if (!(w->flags & IOL_AIO_RING_USER)) {
		for (int i = 0; i < IOL_AIO_RING_PEND; i++)
			if ((__u32)i < w->npend && w->pend_tail[i] < h->nr)
				from = w->pend_tail[i];
		if (h->tail == from)
			return 0;
		for (int i = 0; i < IOL_AIO_RING_PEND; i++) {
			if ((__u32)i != w->npend)
				continue;
			w->pend_tail[i] = h->tail;
			w->pend_ts[i] = now;
			w->npend = i + 1;
			break;
		}
		return 0;
	}
	for (int i = 0; i < IOL_AIO_RING_PEND; i++) {
		if ((__u32)i >= w->npend || w->pend_tail[i] >= h->nr)
			break;
		seg[n].first = from;
		seg[n].count = iol_aio_ring_dist(from, w->pend_tail[i], h->nr);
		seg[n].ts = w->pend_ts[i];
		from = w->pend_tail[i];
		n++;
	}
	w->npend = 0;
	if (h->tail != from) {
		seg[n].first = from;
		seg[n].count = iol_aio_ring_dist(from, h->tail, h->nr);
		seg[n].ts = now;
		n++;
	}
	w->last = h->tail;
	return n;
}

/* The user address of the ring entry `i` places after `first` (modulo nr > 0). */
IOL_INLINE __u64 iol_aio_ring_event_at(__u64 ctx, __u32 nr, __u32 first, __u32 i)
{
	return ctx + sizeof(struct iol_aio_ring) + (__u64)((first + i) % nr) * sizeof(struct iol_io_event);
}

/* The slot of context `ctx` among a process's watched rings, -1 when it is not watched. */
IOL_INLINE int iol_aio_rings_find(const struct iol_aio_rings *rs, __u64 ctx)
{
	for (int i = 0; i < IOL_AIO_RINGS; i++)
		if (rs->w[i].ctx == ctx)
			return i;
	return -1;
}

/* Watch context `ctx`, whose ring header is h (io_setup: all zero): its slot, -1 when all are taken. */
IOL_INLINE int iol_aio_rings_add(struct iol_aio_rings *rs, __u64 ctx, const struct iol_aio_ring *h)
{
	for (int i = 0; i < IOL_AIO_RINGS; i++) {
		struct iol_aio_ring_watch *w = &rs->w[i];

		if (w->ctx)
			continue;
		w->ctx = ctx;
		w->last = h->tail;
		w->head = h->head;
		w->flags = 0;
		w->npend = 0;
		return i;
	}
	return -1;
}

/* io_getevents is called on the context of w, whose ring header is h: from now on its head is followed. */
IOL_INLINE void iol_aio_rings_by_call(struct iol_aio_ring_watch *w, const struct iol_aio_ring *h)
{
	if ((w->flags & IOL_AIO_RING_BY_CALL) || h->magic != IOL_AIO_RING_MAGIC || h->head >= h->nr)
		return;
	w->flags |= IOL_AIO_RING_BY_CALL;
	w->last = h->head;
	w->npend = 0;
}

/* Context `ctx` was destroyed: its slot is free. */
IOL_INLINE void iol_aio_rings_drop(struct iol_aio_rings *rs, __u64 ctx)
{
	for (int i = 0; i < IOL_AIO_RINGS; i++)
		if (rs->w[i].ctx == ctx)
			rs->w[i].ctx = 0;
}

#endif /* IOLENS_RULES_H */
