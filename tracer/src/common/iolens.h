/* SPDX-License-Identifier: MIT */
/*
 * State shared by the BPF programs (ebpf/iolens.bpf.c) and user space (the eBPF loader, and the
 * ptrace backend for the stack constants): map keys and values.
 * The records themselves are defined by protocol/generated/iolens_wire.h.
 */
#ifndef IOLENS_H
#define IOLENS_H

#include "iolens_wire.h"

/* Frames kept per stack: the instruction pointer, the caller candidates read at the stack pointer,
 * and the frame-pointer chain. */
#define IOL_MAX_FRAMES 48
/* Words read at the stack pointer at syscall entry, to find the return addresses of frameless
 * wrappers: glibc's multi-threaded path moves rsp by 0x28 before the syscall; libaio's io_submit
 * saves five registers before calling syscall(); fcntl keeps its caller 17 words up. A power of 2. */
#define IOL_SP_WINDOW 32
/* Words copied from the stack pointer up in one read at each captured stack (1 KiB, less near the
 * end of the stack): the window above, and the frames of the chain that lie inside it, which the
 * walk then takes from the copy instead of one bpf_probe_read_user per frame. A power of 2. */
#define IOL_STACK_COPY_WORDS 128
/* Words a stack record holds when it is a snapshot (StackFlag.snapshot): ip, sp, the frame-pointer
 * register, then the words of the window that point into code or into the stack. 8 KiB at most:
 * Debian's fio keeps its callers 38 KiB above sp, with some 400 such words below them (256 words
 * cut its stacks snapshot_full under a 64 KiB window); a record is sent once per stack. */
#define IOL_MAX_SNAPSHOT_FRAMES 1024
/* A snapshot's window is read and scanned in chunks of this many words (one bpf_loop step each). */
#define IOL_SNAPSHOT_CHUNK_WORDS 64
/* Executable mappings known to the kernel side per process (merged when there are more). */
#define IOL_MAX_EXEC_RANGES 16
/* Largest tail a syscall record carries, in u64 words (the schema's data_formats decide). */
#define IOL_MAX_DATA_WORDS IOL_DATA_MAX_WORDS
/* iocbs / completions decoded per io_submit / io_getevents; the rest are counted as lost. */
#define IOL_MAX_AIO_BATCH 64
/* Kernel syscall numbers below this can be traced (nr_to_sys). */
#define IOL_NR_MAX 512
/* Bytes of a path kept from open()'s argument. */
#define IOL_PATH_MAX 256

/* Value of the `traced` map, keyed by tgid. */
struct iol_traced_proc {
	__u32 gen;   /* bumped at exec: stack ids of the old image are not reused */
	__u32 flags; /* IOL_TRACED_* */
};
#define IOL_TRACED_QUIET_UNTIL_EXEC 1 /* a launched command held back before its exec */
#define IOL_TRACED_TARGET 2           /* the process named on the command line */
#define IOL_TRACED_NO_CHILDREN 4      /* --no-children: the processes it starts are not followed */
#define IOL_TRACED_AIO 8              /* it has an entry in aio_rings (io_setup, io_submit): its waits look at its AIO rings */

/* Value of the `inflight` map, keyed by tid: the syscall a traced thread is in, if any. */
/*
 * A run of identical empty zero-timeout polls of one thread, not sent yet (rules.h: iol_poll_run_*):
 * sent as one syscall record flagged coalesced when the thread does anything else, when the run
 * is full (IOL_POLL_RUN_MAX_CALLS / _NS), at the thread's exit and at the end.
 */
struct iol_poll_run {
	__u64 ts;       /* the first call's entry; 0: no run */
	__u64 end;      /* the last call's exit */
	__u64 busy_ns;  /* time inside the calls */
	__u64 count;
	__u64 stack_id;
	__u64 args[6];
	__u16 sys;
	__u16 reserved16;
	__u32 reserved;
};

struct iol_inflight {
	__u64 ts;        /* enter time; 0 when the thread is not in a traced syscall */
	__u64 args[6];
	__u64 stack_id;  /* captured at entry for waits, at exit for blocking calls */
	__u64 aux;       /* timeout in ns read at entry (or ~0 for none) */
	__u64 stack_end; /* cached end of the thread's stack mapping, 0 = unknown */
	__u16 sys;
	__u8 fmt;        /* data format of the record when not the syscall's own (UIO reads/writes), else 0 */
	__u8 rflags;     /* IOL_SYSCALL_FLAG_* bits the record gets (nonblocking) */
	__u32 tgid;
	__u32 thread_flags; /* IOL_THREAD_* : what the thread has done, kept across its calls */
	__u32 nvcsw;     /* the thread's voluntary context switches at entry (low 32 bits): did the call sleep? */
	struct iol_poll_run run; /* empty polls not sent yet, kept across its calls */
	__u64 sets[3];   /* select/pselect6: the read, write and except sets it watches (the first 64 fds), read at entry */
};
#define IOL_THREAD_IN_LOOP 1 /* returned from a select/poll/epoll wait: its event loop has started */

/* Value of the `exec_ranges` map, keyed by tgid: where code lives, to recognise return addresses. */
struct iol_exec_ranges {
	__u32 n;
	__u32 reserved;
	__u64 lo; /* lowest start */
	__u64 hi; /* highest end */
	__u64 start[IOL_MAX_EXEC_RANGES];
	__u64 end[IOL_MAX_EXEC_RANGES];
};

/* Key of the `uio_files` map: a file by (kernel dev_t of its filesystem, inode). */
struct iol_file_key {
	__u64 ino;
	__u32 dev;
	__u32 reserved;
};

/* Key of the `fd_class` map: fds whose reads are waits whatever their duration. */
struct iol_fd_key {
	__u32 tgid;
	__s32 fd;
};

/* Entries of the `summaries` map (keys beyond it are counted as IOL_CNT_SUMMARY_FULL). */
#define IOL_SUMMARY_ENTRIES 16384

/* Key of the `summaries` map: blocking calls shorter than --min-duration, counted instead of sent,
 * per thread, syscall, kind of fd and call site (the call_summary record's key). */
struct iol_summary_key {
	__u32 tid;
	__u16 sys;
	__u8 fd_type; /* IOL_FD_TYPE_* of the call's fd when it was made */
	__u8 flags;   /* IOL_CALL_SUMMARY_FLAG_* */
	__u64 stack_id;
};

/* Value of the `summaries` map: cumulative since the start (the call_summary record's counts). */
struct iol_summary_val {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u64 errors;
	__u16 errno_values[4]; /* the first four error numbers seen */
	__u32 errno_counts[4];
	__u32 pid;
	__u32 reserved;
	__u64 last_ns; /* when the last call counted returned: the call_summary record's ts */
};

/* Count one call in a summary: the one rule both backends (BPF and ptrace) follow. Only the thread
 * of the key updates its value, so no atomic operation is needed. */
static inline void iol_summary_account(struct iol_summary_val *v, __u64 dur, long ret, __u64 now)
{
	__u16 err;

	v->count++;
	v->last_ns = now;
	v->total_ns += dur;
	if (dur > v->max_ns)
		v->max_ns = dur;
	if (ret >= 0 || ret < -4095)
		return;
	v->errors++;
	err = (__u16)-ret;
	for (int i = 0; i < 4; i++) {
		if (v->errno_values[i] == err) {
			v->errno_counts[i]++;
			return;
		}
		if (v->errno_values[i] == 0) {
			v->errno_values[i] = err;
			v->errno_counts[i] = 1;
			return;
		}
	}
}

/* AIO contexts per process whose ring is watched (the rest are counted as map_full). */
#define IOL_AIO_RINGS 4
/* Tail advances of an undecided AIO ring kept with their time (the rest get the time the context is decided). */
#define IOL_AIO_RING_PEND 4
/*
 * One AIO context whose ring is watched for completions the application takes in user space
 * (rules.h: iol_aio_ring_*). ctx 0: a free slot.
 */
struct iol_aio_ring_watch {
	__u64 ctx;
	__u32 last;  /* ring index sent up to: the tail (IOL_AIO_RING_USER), the head (IOL_AIO_RING_BY_CALL), or, undecided, the tail when watching began */
	__u32 head;  /* the head at the last look */
	__u32 flags; /* IOL_AIO_RING_* */
	__u32 npend; /* undecided: tail advances seen, with when */
	__u32 pend_tail[IOL_AIO_RING_PEND];
	__u64 pend_ts[IOL_AIO_RING_PEND];
};
#define IOL_AIO_RING_BY_CALL 1 /* io_getevents reaps this context: only what user space takes between calls is sent */
#define IOL_AIO_RING_USER 2    /* the head moved with no io_getevents: user space reaps, every completion is sent */
/* Value of the `aio_rings` map, keyed by tgid (the ptrace backend keeps one per process). */
struct iol_aio_rings {
	struct iol_aio_ring_watch w[IOL_AIO_RINGS];
};

/* Per-CPU counters, slots of the `counters` array map. */
enum iol_counter {
	IOL_CNT_EMITTED = 0,     /* records written to the ring */
	IOL_CNT_RING_FULL,       /* event records lost: ring full */
	IOL_CNT_STACK_RING_FULL, /* stack records lost: ring full (their events keep a stack id) */
	IOL_CNT_AIO_LIMIT,       /* iocbs / completions beyond IOL_MAX_AIO_BATCH */
	IOL_CNT_MAP_FULL,        /* a kernel-side map was full: a syscall, process or code ranges not followed */
	IOL_CNT_SUMMARY_FULL,    /* short blocking calls not counted: summaries map full */
	IOL_CNT_MAX,
};

/*
 * The layouts above are read by both compilers (clang for BPF, gcc for the loader): each is pinned
 * here, so a change that would make them disagree fails both builds.
 */
#define IOL_LAYOUT(type, size) _Static_assert(sizeof(type) == (size), #type " layout changed")
#define IOL_FIELD_AT(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " moved")
IOL_LAYOUT(struct iol_traced_proc, 8);
IOL_LAYOUT(struct iol_poll_run, 96);
IOL_LAYOUT(struct iol_inflight, 216);
IOL_FIELD_AT(struct iol_inflight, run, 96);
IOL_FIELD_AT(struct iol_inflight, args, 8);
IOL_FIELD_AT(struct iol_inflight, stack_id, 56);
IOL_FIELD_AT(struct iol_inflight, aux, 64);
IOL_FIELD_AT(struct iol_inflight, stack_end, 72);
IOL_FIELD_AT(struct iol_inflight, sys, 80);
IOL_FIELD_AT(struct iol_inflight, tgid, 84);
IOL_LAYOUT(struct iol_exec_ranges, 24 + 2 * 8 * IOL_MAX_EXEC_RANGES);
IOL_FIELD_AT(struct iol_exec_ranges, end, 24 + 8 * IOL_MAX_EXEC_RANGES);
IOL_LAYOUT(struct iol_file_key, 16);
IOL_LAYOUT(struct iol_fd_key, 8);
IOL_LAYOUT(struct iol_summary_key, 16);
IOL_LAYOUT(struct iol_summary_val, 72);
IOL_LAYOUT(struct iol_aio_ring_watch, 72);
IOL_LAYOUT(struct iol_aio_rings, 288);
IOL_FIELD_AT(struct iol_summary_val, errno_values, 32);
IOL_FIELD_AT(struct iol_summary_val, errno_counts, 40);
IOL_FIELD_AT(struct iol_summary_val, last_ns, 64);

#endif /* IOLENS_H */
