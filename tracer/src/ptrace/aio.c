// SPDX-License-Identifier: MIT
/*
 * Linux native AIO at the exit of io_submit and io_getevents/io_pgetevents, as the kernel side
 * sends it (aio.bpf.h): one aio_submit record per accepted iocb, one aio_complete per reaped event,
 * both before their syscall's record, which the reader attaches them to. Unlike the kernel side
 * there is no batch limit: every iocb and event is read (two process_vm_readv per 128).
 */
#include <sys/uio.h>

#include "pt.h"

#define IOCB_FLAG_RESFD_ 1
#define AIO_BATCH 128

/* The kernel's struct iocb and struct io_event (include/uapi/linux/aio_abi.h). */
struct pt_iocb {
	uint64_t aio_data;
	uint32_t aio_key;
	int32_t aio_rw_flags;
	uint16_t aio_lio_opcode;
	int16_t aio_reqprio;
	uint32_t aio_fildes;
	uint64_t aio_buf;
	uint64_t aio_nbytes;
	int64_t aio_offset;
	uint64_t aio_reserved2;
	uint32_t aio_flags;
	uint32_t aio_resfd;
};

struct pt_io_event {
	uint64_t data, obj;
	int64_t res, res2;
};

/* io_submit returned ret: the first ret iocbs were queued. Two reads per 128: the pointers, then
 * the iocbs they point to. Sent before the io_submit record, which the reader attaches them to. */
void pt_aio_submitted(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret)
{
	static uint64_t objs[AIO_BATCH];
	static struct pt_iocb cbs[AIO_BATCH];
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
			const struct pt_iocb *cb = &cbs[m];
			struct iol_rec_aio_submit r = { .hdr = { .kind = IOL_RECORD_KIND_AIO_SUBMIT, .size = sizeof(r) } };

			r.opcode = cb->aio_lio_opcode;
			r.index = (uint16_t)(base + m);
			r.pid = th->proc->pid;
			r.tid = th->tid;
			r.ts = c->ts;
			r.ctx = c->args[0];
			r.obj = objs[m];
			r.data = cb->aio_data;
			r.offset = cb->aio_offset;
			r.nbytes = cb->aio_nbytes;
			r.fd = (int32_t)cb->aio_fildes;
			r.resfd = (cb->aio_flags & IOCB_FLAG_RESFD_) ? (int32_t)cb->aio_resfd : -1;
			r.iocb_flags = cb->aio_flags;
			r.rw_flags = (uint32_t)cb->aio_rw_flags;
			r.stack_id = c->stack_id;
			pt_emit(t, &r);
		}
	}
}

/* io_getevents / io_pgetevents returned ret events at now. */
void pt_aio_reaped(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now)
{
	static struct pt_io_event ev[AIO_BATCH];

	for (long base = 0; base < ret; base += AIO_BATCH) {
		size_t k = ret - base > AIO_BATCH ? AIO_BATCH : (size_t)(ret - base);

		if (pt_mem_read(th->proc, th->tid, c->args[3] + sizeof(ev[0]) * base, ev, sizeof(ev[0]) * k) !=
		    (ssize_t)(sizeof(ev[0]) * k))
			return;
		for (size_t i = 0; i < k; i++) {
			struct iol_rec_aio_complete r = { .hdr = { .kind = IOL_RECORD_KIND_AIO_COMPLETE, .size = sizeof(r) } };

			r.index = (uint16_t)(base + i);
			r.pid = th->proc->pid;
			r.tid = th->tid;
			r.ts = now;
			r.ctx = c->args[0];
			r.obj = ev[i].obj;
			r.data = ev[i].data;
			r.res = ev[i].res;
			r.res2 = ev[i].res2;
			pt_emit(t, &r);
		}
	}
}
