/* SPDX-License-Identifier: MIT */
/*
 * The eBPF backend's state, shared by the files of tracer/src/ebpf/ (internal to the backend):
 * loader.c (open -> configure -> load -> attach, and --check), records.c (what the ring buffer
 * brings, the per-process map state, losses and calls in flight) and backend.c (the loop).
 */
#ifndef IOLENS_EBPF_TRACER_H
#define IOLENS_EBPF_TRACER_H

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "iolens.h"
#include "iolens.skel.h"
#include "launch.h"
#include "meta.h"
#include "options.h"
#include "output.h"
#include "procfs.h"
#include "summary.h"
#include "uio.h"
#include "ebpf.h"

#define IOL_UNFINISHED_SLOTS 4096
#define IOL_UNFINISHED_AFTER_NS 250000000ULL /* a call in flight this long is shown while it lasts */
#define IOL_UNFINISHED_EVERY_NS 1000000000ULL
/* Loss counters reported as drop records (loss_counters in records.c). */
#define IOL_N_LOSS 5
/* Records consumed before the loop looks at the clock, the stop flags and the output again. */
#define IOL_CONSUME_BATCH 4096
/* The ring buffer callback's "pause here" (any negative value ends libbpf's consumption). */
#define IOL_RB_PAUSE (-EAGAIN)
/* How long the loop waits for records when the ring is empty (ms). */
#define IOL_POLL_MS 50
/* Descendants of an attached process followed at the attach. */
#define IOL_MAX_DESCENDANTS 4096

struct iol_tracer {
	const struct iol_options *opts;
	struct iolens_bpf *skel;
	struct btf *vmlinux;
	struct ring_buffer *rb;
	struct bpf_link **links;
	size_t nlinks;
	struct iol_output *out;
	pid_t target;
	bool launched;
	struct iol_launch launch;
	struct iol_proc_maps *procs;
	size_t nprocs;
	__u64 loss_total[IOL_N_LOSS];
	int ncpus;
	bool target_reaped;              /* a launched command's exit status was collected */
	bool stopping;                   /* the last drain: no pause at a stop request */
	unsigned int batch;              /* records of the current batch (on_ring_record) */
	__u64 consumed;                  /* records taken from the ring */
	__u64 left_in_ring;              /* records the reader could not take before the end (output_blocked) */
	__u64 map_update_failures;       /* user-space map updates and deletes that failed (counted as map_full) */
	bool map_failure_warned;
	bool bad_record_warned;
	struct {
		__u32 tid;
		__u64 ts;
		__u64 reported;
		__u64 run_count; /* the calls of the thread's run of empty polls last shown unfinished */
	} unfinished[IOL_UNFINISHED_SLOTS];
	struct iol_meta_list missing;    /* tracepoints this kernel lacks */
	struct iol_meta_list cannot_see; /* what this recording cannot show, in words */
	struct iol_rec_clock clock;
	struct iol_uio_set uio;          /* UIO devices seen (their IRQs are traced while a target has one open) */
	bool irq_attached;               /* the hard-IRQ programs are attached (--irq, or a UIO device exists) */
	struct iol_summary_table summary; /* the kernel's counts of short calls, as last sent */
	bool summary_no_batch;           /* the kernel has no batch lookup for hash maps: one key at a time */
	__u64 next_uio_scan;
};

/* loader.c */
/* libbpf's messages, to the log fd (debug ones with IOLENS_DEBUG). */
int ebpf_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap);
/* Open the object, configure it for this kernel and these options, load it. Returns 0 or -errno;
 * *load_refused: the kernel refused the load (libbpf's log shown unless `quiet`; the caller
 * explains it with ebpf_explain_load_error), else opening or configuring failed (said here). */
int ebpf_open_load(struct iol_tracer *t, bool quiet, bool *load_refused);
/* Attach every program the recording needs (the hard-IRQ ones only with --irq). */
int ebpf_attach_all(struct iol_tracer *t);
/* Attach the hard-IRQ programs (--irq, or a UIO device appeared); once. */
int ebpf_attach_irq(struct iol_tracer *t);
/* Why the load failed, in words. */
void ebpf_explain_load_error(int err);
/* Detach every probe (from threads: each waits for an RCU grace period, and they partly overlap) and free the object. */
void ebpf_unload(struct iol_tracer *t);
/* The class (IOL_SYSCALL_CLASS_*) of an iolens syscall id. */
__u8 ebpf_syscall_class(__u16 sys);
/* IOL_SYSCALL_TRAIT_* bits of an iolens syscall id. */
__u8 ebpf_syscall_traits(__u16 sys);

/* records.c */
/* A record from the ring buffer (ring_buffer__new's callback). */
int ebpf_on_record(void *ctx, void *data, size_t size);
/* The per-process state of pid (created when asked). */
struct iol_proc_maps *ebpf_proc_state(struct iol_tracer *t, pid_t pid, bool create);
/* An fd the process had before the attach is on a UIO device or its config space (procfs.h). */
void ebpf_set_fd_class(void *ctx, pid_t pid, int fd, uint8_t type, uint32_t rdev);
/* Look for new UIO devices (at attach, then every second). */
void ebpf_uio_refresh(struct iol_tracer *t, __u64 now);
/* Send the executable mappings of processes whose address space changed. */
void ebpf_scan_dirty_procs(struct iol_tracer *t);
/* A map update or delete failed (map full, or no memory): counted with the map_full losses, said once. */
void ebpf_map_update_failed(struct iol_tracer *t, const char *map, int err);
/* Forget traced processes that are gone without the kernel side seeing their exit (one that ended
 * while the attach added it). */
void ebpf_prune_gone(struct iol_tracer *t);
/* Drop records for the losses counted since the last call. */
void ebpf_report_losses(struct iol_tracer *t, __u64 ts);
/* The sum over CPUs of a counter slot. */
__u64 ebpf_counter_sum(struct iol_tracer *t, enum iol_counter slot);
/* call_summary records for the short calls counted since the last call (`final`: every key). */
void ebpf_report_summaries(struct iol_tracer *t, __u64 now, bool final);
/* Calls still in progress as unfinished records (`final`: every one, now). */
void ebpf_report_unfinished(struct iol_tracer *t, __u64 now, bool final);
/* Free the per-process state. */
void ebpf_forget_procs(struct iol_tracer *t);

#endif /* IOLENS_EBPF_TRACER_H */
