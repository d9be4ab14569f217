/* SPDX-License-Identifier: MIT */
/* Maps and load-time configuration of the iolens BPF programs. */
#ifndef IOLENS_MAPS_BPF_H
#define IOLENS_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "iolens.h"

/* Configuration, fixed at load time by the loader (libbpf-tools style rodata). */
const volatile __u64 min_duration_ns = 1000000; /* blocking calls shorter than this are not sent */
const volatile __u32 tracer_tgid = 0;           /* never trace ourselves */
const volatile __u32 wakeup_bytes = 262144;     /* wake the reader when this much data waits */
const volatile bool want_stacks = true;
const volatile __u32 stack_window = IOL_STACK_WINDOW_DEFAULT; /* --stack-window: snapshot bytes above sp */
const volatile bool irq_all = false;            /* --irq: every hard IRQ, else only those in irq_filter */

/*
 * The tracer's own root directory (its fs->root: dentry and vfsmount), learnt once after attach
 * (on_rename, when the loader renames its own thread: learn_root): a mapped file's path is walked up to it, as
 * /proc/PID/maps shows paths to the tracer (d_path), so a tracer in a chroot opens them from where
 * it is. Zero until learnt: the walk then goes to the mount namespace's root.
 */
__u64 tracer_root_dentry = 0;
__u64 tracer_root_mnt = 0;

/* Every record goes through this ring; the loader sizes it (--ring-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* Processes being traced, keyed by tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct iol_traced_proc);
} traced SEC(".maps");

/* The syscall each traced thread is in, keyed by tid. Entries live as long as the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct iol_inflight);
} inflight SEC(".maps");

/* Blocking calls shorter than min_duration_ns, counted per thread, syscall, kind of fd and call
 * site; the loader sends the counts as call_summary records at each stats interval. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOL_SUMMARY_ENTRIES);
	__type(key, struct iol_summary_key);
	__type(value, struct iol_summary_val);
} summaries SEC(".maps");

/* Stack ids already sent. Losing an entry only means sending a stack twice. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} stacks_seen SEC(".maps");

/* Executable ranges per traced process, kept by the loader from /proc/PID/maps. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct iol_exec_ranges);
} exec_ranges SEC(".maps");

/* Ranges this side added to each process's exec_ranges (exec, mmap), counted: the loader's /proc
 * scan replaces the whole value, and a range added while it read /proc would be lost with it (the
 * process's stacks then keep no word of that code until the next scan), so it scans again when the
 * count moved meanwhile (ebpf_scan_dirty_procs). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} exec_range_adds SEC(".maps");

/* fds whose reads always count as waits, however short (UIO devices). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct iol_fd_key);
	__type(value, __u8); /* IOL_FD_TYPE_* */
} fd_class SEC(".maps");

/* An io_uring ring of a traced process (uring.bpf.h). */
struct iol_ring {
	__u32 owner;       /* tgid */
	__u32 enter_tid;   /* the thread of the last io_uring_enter on it, 0 before any */
	__u64 enter_ts;    /* that call's enter time */
	__u64 enter_stack; /* its stack id (taken at entry) */
	__u32 waiter_tid;  /* the last thread to enter it asking for completions (IORING_ENTER_GETEVENTS) */
	__u32 reserved;
	__u64 waiter_ts;   /* that call's enter time: the waiter still waits while its inflight entry has it */
	__u64 setup_stack; /* the stack id of the io_uring_setup that created it, 0 when not seen */
};

/* io_uring rings of traced processes: ring ctx address -> struct iol_ring. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct iol_ring);
} rings SEC(".maps");

/* The AIO contexts of traced processes whose ring is watched: tgid -> struct iol_aio_rings (aio.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct iol_aio_rings);
} aio_rings SEC(".maps");

/* The major number of /dev/uioN (dynamic; 0 while the uio module is not loaded): the loader sets it
 * when it finds UIO devices, at attach and later. */
volatile __u32 uio_major = 0;

/* UIO devices by minor (N of /dev/uioN) -> their IRQ: opening one adds the IRQ to irq_filter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __s32);
} uio_irqs SEC(".maps");

/* The PCI config-space files of UIO devices, by (kernel dev_t of sysfs, inode): their fds are
 * IOL_FD_TYPE_UIO_CONFIG (writes there re-enable a uio_pci_generic interrupt). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct iol_file_key);
	__type(value, __u8);
} uio_files SEC(".maps");

/* IRQ numbers to record when irq_all is off (the IRQs of UIO devices a traced process opened). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} irq_filter SEC(".maps");

/* Start of the hard-IRQ handler running on each CPU. */
struct iol_irq_start {
	__u64 ts;      /* entry of the recorded handler running, 0 when none */
	__u32 irq;
	__u32 active;  /* a hard-IRQ handler (recorded or not) is running on this CPU */
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct iol_irq_start);
} irq_start SEC(".maps");

/* Counters (enum iol_counter), per CPU so that counting never contends. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Per-CPU scratch space for records too large for the BPF stack. */
struct iol_scratch {
	union {
		struct {
			struct iol_rec_stack rec;
			__u64 frames[IOL_MAX_SNAPSHOT_FRAMES];
		} stack;
		struct {
			struct iol_rec_fd rec;
			char path[IOL_PATH_MAX];
		} fd;
		struct {
			struct iol_rec_task rec;
			char filename[IOL_PATH_MAX];
		} task;
		struct {
			struct iol_rec_map rec;
			char path[IOL_PATH_MAX];
			char buf[2 * IOL_PATH_MAX]; /* the path is built backwards here */
		} vma;
	};
	/* a process's code ranges with one more, before they replace the map's (exec_range_add) */
	struct iol_exec_ranges ranges_next;
	/* the user stack from sp up, as copied at the start of a walk (its first IOL_SP_WINDOW words
	 * are the window); walk.copied bytes of it are valid */
	__u64 window[IOL_STACK_COPY_WORDS];
	/* one chunk of a stack snapshot's window (stack.bpf.h) */
	__u64 chunk[IOL_SNAPSHOT_CHUNK_WORDS];
	/* state of the stack walk in progress (stack.bpf.h) */
	struct iol_walk {
		__u64 bp, lo, hi, hash, n, sp, copied;
		__u64 code_lo, code_hi; /* the span of the process's code (exec_ranges) */
		__u32 sp_slots;
		__u32 flags;
		__u32 chain;       /* return addresses the frame-pointer chain gave */
		__u32 chain_ended; /* ...and it ended on a saved value below its frame (no frame pointer) */
		__u64 tail_base;   /* the CFA of the chain's last frame (where its tail snapshot starts), 0 when none */
		__u64 scan_sp, scan_len; /* what snap_step scans: a snapshot's sp and window, or a tail's base and bytes */
		/* snap_step's: the last page of the window found absent (its address), 0 when none: a page
		 * is present or absent as a whole, so its other words are skipped without a read (a failing
		 * read costs a fault's handling, and a 4 KiB page has 512 words) */
		__u64 absent_page;
	} walk;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct iol_scratch);
} scratch SEC(".maps");

#endif /* IOLENS_MAPS_BPF_H */
