/* SPDX-License-Identifier: MIT */
/*
 * Linux native AIO: one aio_submit record per accepted iocb, one aio_complete per event io_getevents
 * reaped, and one per event the application took from the context's AIO ring in user space (QEMU,
 * fio --userspace_reap), seen in the ring at the syscall boundaries of aio_ring_observe's callers.
 * The layouts and the ring's rules are rules.h's.
 */
#ifndef IOLENS_AIO_BPF_H
#define IOLENS_AIO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iolens.h"
#include "rules.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"

struct iol_aio_batch {
	__u64 ts;
	__u64 ctx;
	__u64 array; /* iocb ** for submit, struct io_event * for completions, the context for its ring */
	__u64 stack_id;
	__u32 tgid;
	__u32 tid;
	__u32 nr;    /* completions from the ring: its size, and the first entry's index */
	__u32 first;
	__u16 flags; /* AioCompleteFlag bits of the completions */
};

static long aio_submit_step(__u32 i, void *data)
{
	struct iol_aio_batch *b = data;
	struct iol_rec_aio_submit *r;
	struct iol_iocb cb;
	__u64 obj = 0;

	if (bpf_probe_read_user(&obj, sizeof(obj), (void *)(b->array + (__u64)i * 8)) || !obj)
		return 0;
	if (bpf_probe_read_user(&cb, sizeof(cb), (void *)obj))
		return 0;
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_AIO_SUBMIT, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	iol_aio_submit_fill(r, &cb, obj);
	r->index = i;
	r->pid = b->tgid;
	r->tid = b->tid;
	r->ts = b->ts;
	r->ctx = b->ctx;
	r->stack_id = b->stack_id;
	submit_record(r);
	return 0;
}

static long aio_complete_step(__u32 i, void *data)
{
	struct iol_aio_batch *b = data;
	struct iol_rec_aio_complete *r;
	struct iol_io_event ev;

	__u64 at = b->nr ? iol_aio_ring_event_at(b->array, b->nr, b->first, i) : b->array + (__u64)i * sizeof(ev);

	if (bpf_probe_read_user(&ev, sizeof(ev), (void *)at))
		return 0;
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_AIO_COMPLETE, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	iol_aio_complete_fill(r, &ev, b->flags);
	r->index = i;
	r->pid = b->tgid;
	r->tid = b->tid;
	r->ts = b->ts;
	r->ctx = b->ctx;
	submit_record(r);
	return 0;
}

/* Count what does not fit in one batch, so that no loss is silent. */
static __always_inline __u32 aio_batch_size(long n)
{
	__u32 slot = IOL_CNT_AIO_LIMIT;
	__u64 *v;

	if (n <= 0)
		return 0;
	if (n > IOL_MAX_AIO_BATCH) {
		v = bpf_map_lookup_elem(&counters, &slot);
		if (v)
			*v += n - IOL_MAX_AIO_BATCH;
		return IOL_MAX_AIO_BATCH;
	}
	return n;
}

/* io_submit returned `ret`: the first ret iocbs were queued. */
__noinline int aio_submitted(const struct iol_inflight *f, long ret, __u32 tgid, __u32 tid)
{
	struct iol_aio_batch b = { .tgid = tgid, .tid = tid };

	if (!f)
		return 0;
	b.ts = f->ts;
	b.ctx = f->args[0];
	b.array = f->args[2];
	b.stack_id = f->stack_id;
	bpf_loop(aio_batch_size(ret), aio_submit_step, &b, 0);
	return 0;
}

/* io_getevents / io_pgetevents returned `ret` events at `now`. */
__noinline int aio_reaped(const struct iol_inflight *f, long ret, __u32 tgid, __u32 tid, __u64 now)
{
	struct iol_aio_batch b = { .ts = now, .tgid = tgid, .tid = tid };

	if (!f)
		return 0;
	b.ctx = f->args[0];
	b.array = f->args[3];
	bpf_loop(aio_batch_size(ret), aio_complete_step, &b, 0);
	return 0;
}

/*
 * The ring of context slot i of a process: with `send`, one aio_complete record (flagged ring) per
 * entry rules.h's iol_aio_ring_look says, each at the time it gives. An unreadable header changes
 * nothing.
 */
static __always_inline void aio_ring_look(struct iol_aio_rings *rs, int i, __u32 tgid, __u32 tid, __u64 now, bool send)
{
	struct iol_aio_batch b = { .tgid = tgid, .tid = tid, .flags = IOL_AIO_COMPLETE_FLAG_RING };
	struct iol_aio_ring_seg seg[IOL_AIO_RING_SEGS] = {};
	struct iol_aio_ring_watch *w;
	struct iol_aio_ring h;
	int n;

	if (i < 0 || i >= IOL_AIO_RINGS)
		return;
	w = &rs->w[i];
	if (!w->ctx || bpf_probe_read_user(&h, sizeof(h), (void *)w->ctx))
		return;
	n = iol_aio_ring_look(w, &h, now, seg);
	if (!send)
		return;
	b.ctx = b.array = w->ctx;
	b.nr = h.nr;
	for (int j = 0; j < IOL_AIO_RING_SEGS; j++) {
		if (j >= n)
			break;
		b.first = seg[j].first;
		b.ts = seg[j].ts;
		bpf_loop(aio_batch_size(seg[j].count), aio_complete_step, &b, 0);
	}
}

/*
 * A syscall boundary of a traced thread where its process's AIO completions may show in a ring
 * since the last one: every watched ring is looked at. The wait exits of every process call it only
 * for a process flagged IOL_TRACED_AIO, so one without AIO pays no lookup there.
 */
__noinline int aio_ring_observe(__u32 tgid, __u32 tid, __u64 now)
{
	struct iol_aio_rings *rs = bpf_map_lookup_elem(&aio_rings, &tgid);

	if (!rs)
		return 0;
	for (int i = 0; i < IOL_AIO_RINGS; i++)
		aio_ring_look(rs, i, tgid, tid, now, true);
	return 0;
}

/*
 * Watch the ring of context ctx (io_setup created it: all zero; or first seen in an io_submit: as
 * it is now). A process with more than IOL_AIO_RINGS contexts is counted as map_full.
 */
__noinline int aio_ring_watch(__u32 tgid, __u64 ctx, bool created)
{
	struct iol_aio_rings empty = {}, *rs; /* 288 bytes of this frame's 512 */
	struct iol_traced_proc *proc;
	struct iol_aio_ring h = {};

	if (!ctx)
		return 0;
	rs = bpf_map_lookup_elem(&aio_rings, &tgid);
	if (!rs) {
		bpf_map_update_elem(&aio_rings, &tgid, &empty, BPF_NOEXIST);
		rs = bpf_map_lookup_elem(&aio_rings, &tgid);
		if (!rs) {
			count(IOL_CNT_MAP_FULL);
			return 0;
		}
		proc = bpf_map_lookup_elem(&traced, &tgid);
		if (proc)
			proc->flags |= IOL_TRACED_AIO; /* its waits look at its rings from now on */
	}
	if (iol_aio_rings_find(rs, ctx) >= 0)
		return 0;
	if (!created && (bpf_probe_read_user(&h, sizeof(h), (void *)ctx) || h.magic != IOL_AIO_RING_MAGIC))
		return 0;
	if (iol_aio_rings_add(rs, ctx, &h) < 0)
		count(IOL_CNT_MAP_FULL);
	return 0;
}

/* io_getevents is called on context ctx: from now on only what user space takes between calls is sent. */
__noinline int aio_ring_called(__u32 tgid, __u64 ctx)
{
	struct iol_aio_rings *rs = bpf_map_lookup_elem(&aio_rings, &tgid);
	struct iol_aio_ring h;
	int i;

	if (!rs)
		return 0;
	i = iol_aio_rings_find(rs, ctx);
	if (i >= 0 && i < IOL_AIO_RINGS && !bpf_probe_read_user(&h, sizeof(h), (void *)ctx))
		iol_aio_rings_by_call(&rs->w[i], &h);
	return 0;
}

/* io_getevents reaped from context ctx's ring: its head is where the call left it (its events had their records). */
__noinline int aio_ring_reaped(__u32 tgid, __u64 ctx)
{
	struct iol_aio_rings *rs = bpf_map_lookup_elem(&aio_rings, &tgid);

	if (rs)
		aio_ring_look(rs, iol_aio_rings_find(rs, ctx), tgid, 0, 0, false);
	return 0;
}

/* io_destroy: the context is gone. */
__noinline int aio_ring_destroyed(__u32 tgid, __u64 ctx)
{
	struct iol_aio_rings *rs = bpf_map_lookup_elem(&aio_rings, &tgid);

	if (rs)
		iol_aio_rings_drop(rs, ctx);
	return 0;
}

#endif /* IOLENS_AIO_BPF_H */
