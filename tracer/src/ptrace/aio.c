// SPDX-License-Identifier: MIT
/*
 * Linux native AIO at the exit of io_submit and io_getevents/io_pgetevents, as the kernel side
 * sends it (aio.bpf.h): one aio_submit record per accepted iocb, one aio_complete per reaped event,
 * both before their syscall's record, which the reader attaches them to; and one aio_complete
 * (flagged ring) per completion seen in a context's AIO ring that io_getevents did not reap (rules.h:
 * iol_aio_ring_look), at the same syscall boundaries as the kernel side. Unlike the kernel side there is no
 * batch limit: every iocb and event is read (two process_vm_readv per 128). Layouts: rules.h.
 */
#include <sys/uio.h>

#include "pt.h"
#include "rules.h"

#define AIO_BATCH 128

/* io_submit returned ret: the first ret iocbs were queued. Two reads per 128: the pointers, then
 * the iocbs they point to. Sent before the io_submit record, which the reader attaches them to. */
void pt_aio_submitted(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret)
{
	static uint64_t objs[AIO_BATCH];
	static struct iol_iocb cbs[AIO_BATCH];
	static struct iovec local[AIO_BATCH], remote[AIO_BATCH];

	for (long base = 0; base < ret; base += AIO_BATCH) {
		size_t k = ret - base > AIO_BATCH ? AIO_BATCH : (size_t)(ret - base), m = 0;

		if (pt_mem_read(th->proc, th->tid, c->args[2] + 8 * base, objs, 8 * k) != (ssize_t)(8 * k))
			return;
		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){ &cbs[i], sizeof(cbs[i]) };
			remote[i] = (struct iovec){ (void *)(uintptr_t)objs[i], sizeof(cbs[i]) };
		}
		if (pt_mem_readv(th->proc, th->tid, local, k, remote, k) != (ssize_t)(k * sizeof(cbs[0])))
			continue;
		for (m = 0; m < k; m++) {
			struct iol_rec_aio_submit r = { .hdr = { .kind = IOL_RECORD_KIND_AIO_SUBMIT, .size = sizeof(r) } };

			iol_aio_submit_fill(&r, &cbs[m], objs[m]);
			r.index = (uint16_t)(base + m);
			r.pid = th->proc->pid;
			r.tid = th->tid;
			r.ts = c->ts;
			r.ctx = c->args[0];
			r.stack_id = c->stack_id;
			pt_emit(t, &r);
		}
	}
}

/* io_getevents / io_pgetevents returned ret events at now. */
void pt_aio_reaped(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now)
{
	static struct iol_io_event ev[AIO_BATCH];

	for (long base = 0; base < ret; base += AIO_BATCH) {
		size_t k = ret - base > AIO_BATCH ? AIO_BATCH : (size_t)(ret - base);

		if (pt_mem_read(th->proc, th->tid, c->args[3] + sizeof(ev[0]) * base, ev, sizeof(ev[0]) * k) !=
		    (ssize_t)(sizeof(ev[0]) * k))
			return;
		for (size_t i = 0; i < k; i++) {
			struct iol_rec_aio_complete r = { .hdr = { .kind = IOL_RECORD_KIND_AIO_COMPLETE, .size = sizeof(r) } };

			iol_aio_complete_fill(&r, &ev[i], 0);
			r.index = (uint16_t)(base + i);
			r.pid = th->proc->pid;
			r.tid = th->tid;
			r.ts = now;
			r.ctx = c->args[0];
			pt_emit(t, &r);
		}
	}
}

/* Send `count` entries of ring ctx (nr entries) from index `first`, flagged ring, at ts. */
static void ring_send(struct pt_tracer *t, struct pt_thread *th, uint64_t ctx, uint32_t nr, uint32_t first, uint32_t count, uint64_t ts)
{
	static struct iol_io_event ev[AIO_BATCH];

	for (uint32_t base = 0; base < count; base += AIO_BATCH) {
		uint32_t k = count - base > AIO_BATCH ? AIO_BATCH : count - base;
		/* the entries wrap at most once: up to two pieces of the ring */
		uint32_t at = (first + base) % nr, run = nr - at < k ? nr - at : k;
		struct iovec local[2], remote[2];
		int pieces = k > run ? 2 : 1;

		local[0] = (struct iovec){ ev, run * sizeof(ev[0]) };
		remote[0] = (struct iovec){ (void *)(uintptr_t)iol_aio_ring_event_at(ctx, nr, at, 0), local[0].iov_len };
		local[1] = (struct iovec){ ev + run, (k - run) * sizeof(ev[0]) };
		remote[1] = (struct iovec){ (void *)(uintptr_t)iol_aio_ring_event_at(ctx, nr, 0, 0), local[1].iov_len };
		if (pt_mem_readv(th->proc, th->tid, local, pieces, remote, pieces) != (ssize_t)(k * sizeof(ev[0])))
			return;
		for (uint32_t j = 0; j < k; j++) {
			struct iol_rec_aio_complete r = { .hdr = { .kind = IOL_RECORD_KIND_AIO_COMPLETE, .size = sizeof(r) } };

			iol_aio_complete_fill(&r, &ev[j], IOL_AIO_COMPLETE_FLAG_RING);
			r.index = (uint16_t)(base + j);
			r.pid = th->proc->pid;
			r.tid = th->tid;
			r.ts = ts;
			r.ctx = ctx;
			pt_emit(t, &r);
		}
	}
}

/*
 * The ring of slot i of th's process: with `send`, one aio_complete record (flagged ring) per entry
 * rules.h's iol_aio_ring_look says, each at the time it gives.
 */
static void ring_look(struct pt_tracer *t, struct pt_thread *th, int i, uint64_t now, bool send)
{
	struct iol_aio_ring_seg seg[IOL_AIO_RING_SEGS];
	struct iol_aio_ring_watch *w;
	struct iol_aio_ring h;
	int n;

	if (i < 0)
		return;
	w = &th->proc->aio_rings.w[i];
	if (!w->ctx || pt_mem_read(th->proc, th->tid, w->ctx, &h, sizeof(h)) != sizeof(h))
		return;
	n = iol_aio_ring_look(w, &h, now, seg);
	for (int j = 0; send && j < n; j++)
		ring_send(t, th, w->ctx, h.nr, seg[j].first, seg[j].count, seg[j].ts);
}

/* A syscall boundary where th's process's AIO completions may show in a ring since the last one. */
void pt_aio_ring_observe(struct pt_tracer *t, struct pt_thread *th, uint64_t now)
{
	for (int i = 0; i < IOL_AIO_RINGS; i++)
		ring_look(t, th, i, now, true);
}

/* Watch the ring of context ctx: created by io_setup (all zero), or first seen in an io_submit (as it is now). */
void pt_aio_ring_watch(struct pt_tracer *t, struct pt_thread *th, uint64_t ctx, bool created, uint64_t now)
{
	struct iol_aio_rings *rs = &th->proc->aio_rings;
	struct iol_aio_ring h = { 0 };

	if (!ctx || iol_aio_rings_find(rs, ctx) >= 0)
		return;
	if (!created && (pt_mem_read(th->proc, th->tid, ctx, &h, sizeof(h)) != sizeof(h) || h.magic != IOL_AIO_RING_MAGIC))
		return;
	if (iol_aio_rings_add(rs, ctx, &h) < 0) {
		/* as the kernel side counts a context its per-process map has no slot for */
		struct iol_rec_drop d = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(d) } };

		d.source = IOL_DROP_SOURCE_MAP_FULL;
		d.cpu = IOL_NO_CPU;
		d.ts = now;
		d.count = 1;
		d.total = ++t->aio_rings_lost;
		pt_emit(t, &d);
	}
}

/* io_getevents is called on context ctx: from now on only what user space takes between calls is sent. */
void pt_aio_ring_called(struct pt_thread *th, uint64_t ctx)
{
	struct iol_aio_rings *rs = &th->proc->aio_rings;
	int i = iol_aio_rings_find(rs, ctx);
	struct iol_aio_ring h;

	if (i >= 0 && pt_mem_read(th->proc, th->tid, ctx, &h, sizeof(h)) == sizeof(h))
		iol_aio_rings_by_call(&rs->w[i], &h);
}

/* io_getevents reaped from context ctx's ring: its head is where the call left it. */
void pt_aio_ring_reaped(struct pt_thread *th, uint64_t ctx)
{
	ring_look(NULL, th, iol_aio_rings_find(&th->proc->aio_rings, ctx), 0, false);
}

/* io_destroy: the context is gone. */
void pt_aio_ring_destroyed(struct pt_thread *th, uint64_t ctx)
{
	iol_aio_rings_drop(&th->proc->aio_rings, ctx);
}
