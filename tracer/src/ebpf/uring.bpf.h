/* SPDX-License-Identifier: MIT */
/*
 * io_uring rings of traced processes: which process owns each ring, which io_uring_enter last
 * entered it (its stack is the stack of the requests it submits, and with SQPOLL the best one a
 * request submitted by the kernel thread can have), and which thread waits in it for completions
 * (a CQE posted while it waits is reaped when that call returns). The ring records sent.
 */
#ifndef IOLENS_URING_BPF_H
#define IOLENS_URING_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "maps.bpf.h"
#include "emit.bpf.h"
#include "fd.bpf.h"

#define IOL_IORING_SETUP_SQPOLL 2
#define IOL_IORING_ENTER_GETEVENTS 1
#define IOL_IORING_ENTER_REGISTERED_RING 16
#define IOL_IORING_RINGFD_REG_MAX 16

static __always_inline void emit_ring(__u64 ctx, int fd, __u32 sq, __u32 cq, __u32 flags, __u16 late)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct iol_rec_uring_ring *r = reserve_record(sizeof(*r), IOL_RECORD_KIND_URING_RING, IOL_CNT_RING_FULL);

	if (!r)
		return;
	r->reserved = 0;
	r->seen_late = late;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->ts = bpf_ktime_get_ns();
	r->ctx = ctx;
	r->fd = fd;
	r->sq_entries = sq;
	r->cq_entries = cq;
	r->setup_flags = flags;
	submit_record(r);
}

/* A ring of process tgid from now on (created now, or first seen in use). */
static __always_inline struct iol_ring *ring_add(__u64 ring, __u32 tgid)
{
	struct iol_ring fresh = { .owner = tgid };

	bpf_map_update_elem(&rings, &ring, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&rings, &ring);
}

/* The ring an io_uring_enter names: its fd, or with IORING_ENTER_REGISTERED_RING an index in the
 * task's registered rings. Only rings the map knows are returned (the fd may be anything). */
static __always_inline __u64 ring_of_enter(__u64 fd, __u64 flags)
{
	struct file *file = NULL;
	void *ctx = NULL;

	if (flags & IOL_IORING_ENTER_REGISTERED_RING) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct io_uring_task *tctx;

		/* a kernel built without io_uring, or before registered rings (5.18), has none */
		if (!bpf_core_field_exists(task->io_uring) ||
		    !bpf_core_field_exists(((struct io_uring_task *)0)->registered_rings))
			return 0;
		tctx = BPF_CORE_READ(task, io_uring);

		if (!tctx || fd >= IOL_IORING_RINGFD_REG_MAX)
			return 0;
		bpf_probe_read_kernel(&file, sizeof(file), &tctx->registered_rings[fd & (IOL_IORING_RINGFD_REG_MAX - 1)]);
	} else {
		file = file_of_fd(fd);
	}
	if (!file || bpf_probe_read_kernel(&ctx, sizeof(ctx), &file->private_data) || !ctx)
		return 0;
	return bpf_map_lookup_elem(&rings, &ctx) ? (__u64)ctx : 0;
}

/* A traced thread entered io_uring_enter (its stack taken): the ring's last entry, and its waiter
 * when it waits for completions (IORING_ENTER_GETEVENTS with min_complete > 0; with 0 the call
 * only posts what is ready and returns). */
static __always_inline void uring_entered(const struct iol_inflight *f, __u32 tid)
{
	__u64 ring = ring_of_enter(f->args[0], f->args[3]);
	struct iol_ring *r;

	if (!ring || !(r = bpf_map_lookup_elem(&rings, &ring)))
		return;
	r->enter_tid = tid;
	r->enter_ts = f->ts;
	r->enter_stack = f->stack_id;
	if ((f->args[3] & IOL_IORING_ENTER_GETEVENTS) && (__u32)f->args[2] > 0) {
		r->waiter_tid = tid;
		r->waiter_ts = f->ts;
	}
}

/* A traced io_uring_setup returned the ring's fd (its stack taken at exit): the stack a request the
 * SQPOLL thread takes up before any io_uring_enter carries. The program cannot fill the ring before
 * the call returns, so this runs before any such request. */
static __always_inline void uring_created(long fd, __u64 stack_id)
{
	__u64 ring = fd >= 0 ? ring_of_enter((__u64)fd, 0) : 0;
	struct iol_ring *r;

	if (ring && (r = bpf_map_lookup_elem(&rings, &ring)))
		r->setup_stack = stack_id;
}

/* The thread waiting in io_uring_enter(GETEVENTS) on this ring right now, 0 when none: the entry
 * noted at its enter, still the call that thread is in. */
static __always_inline __u32 ring_waiter(const struct iol_ring *r)
{
	__u32 tid = r->waiter_tid;
	struct iol_inflight *f;

	if (!tid)
		return 0;
	f = bpf_map_lookup_elem(&inflight, &tid);
	return f && f->ts && f->ts == r->waiter_ts && f->sys == IOL_SYS_IO_URING_ENTER ? tid : 0;
}

/* How many CQEs the application has consumed from the ring: its CQ head, in the shared rings. */
static __always_inline __u32 ring_cq_head(struct io_ring_ctx *ring)
{
	return BPF_CORE_READ(ring, rings, cq.head);
}

/*
 * A CQE posted: `slot_taken` says whether the tracepoint fires after the kernel took the CQE's slot
 * (the variant with a struct io_uring_cqe) or before (the older one with the fields as arguments),
 * so that its number in the completion queue is the slot counter less one, or the counter itself.
 */
static __always_inline void emit_uring_complete(__u64 ring, __u64 req, __u64 user_data, __s32 res, __u32 cflags,
						bool slot_taken)
{
	struct io_ring_ctx *ctx = (struct io_ring_ctx *)ring;
	struct iol_ring *owner = bpf_map_lookup_elem(&rings, &ring);
	struct iol_rec_uring_complete *r;

	if (!owner)
		return;
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_URING_COMPLETE, IOL_CNT_RING_FULL);
	if (!r)
		return;
	r->cq_seq = BPF_CORE_READ(ctx, cached_cq_tail) - (slot_taken ? 1 : 0);
	r->cq_head = ring_cq_head(ctx);
	r->flags = IOL_URING_FLAG_CQ_KNOWN;
	r->reserved2 = 0;
	r->waiter_tid = ring_waiter(owner);
	r->pid = owner->owner;
	r->tid = (__u32)bpf_get_current_pid_tgid();
	r->ts = bpf_ktime_get_ns();
	r->ctx = ring;
	r->req = req;
	r->user_data = user_data;
	r->res = res;
	r->cflags = cflags;
	submit_record(r);
}

#endif /* IOLENS_URING_BPF_H */
