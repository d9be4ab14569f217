/* SPDX-License-Identifier: MIT */
/* Linux native AIO: one aio_submit record per accepted iocb, one aio_complete per reaped event. */
#ifndef IOLENS_AIO_BPF_H
#define IOLENS_AIO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iolens.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"

#define IOL_IOCB_FLAG_RESFD 1

/* The kernel's struct iocb (include/uapi/linux/aio_abi.h, little-endian layout). */
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

/* The kernel's struct io_event. */
struct iol_io_event {
	__u64 data;
	__u64 obj;
	__s64 res;
	__s64 res2;
};

struct iol_aio_batch {
	__u64 ts;
	__u64 ctx;
	__u64 array; /* iocb ** for submit, struct io_event * for completions */
	__u64 stack_id;
	__u32 tgid;
	__u32 tid;
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
	r->opcode = cb.aio_lio_opcode;
	r->index = i;
	r->pid = b->tgid;
	r->tid = b->tid;
	r->ts = b->ts;
	r->ctx = b->ctx;
	r->obj = obj;
	r->data = cb.aio_data;
	r->offset = cb.aio_offset;
	r->nbytes = cb.aio_nbytes;
	r->fd = cb.aio_fildes;
	r->resfd = (cb.aio_flags & IOL_IOCB_FLAG_RESFD) ? (__s32)cb.aio_resfd : -1;
	r->iocb_flags = cb.aio_flags;
	r->rw_flags = cb.aio_rw_flags;
	r->stack_id = b->stack_id;
	submit_record(r);
	return 0;
}

static long aio_complete_step(__u32 i, void *data)
{
	struct iol_aio_batch *b = data;
	struct iol_rec_aio_complete *r;
	struct iol_io_event ev;

	if (bpf_probe_read_user(&ev, sizeof(ev), (void *)(b->array + (__u64)i * sizeof(ev))))
		return 0;
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_AIO_COMPLETE, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	r->index = i;
	r->reserved = 0;
	r->pid = b->tgid;
	r->tid = b->tid;
	r->ts = b->ts;
	r->ctx = b->ctx;
	r->obj = ev.obj;
	r->data = ev.data;
	r->res = ev.res;
	r->res2 = ev.res2;
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

#endif /* IOLENS_AIO_BPF_H */
