// SPDX-License-Identifier: GPL-2.0
/*
 * iolens kernel side: follows the asynchronous I/O of the traced processes and writes records
 * (protocol/schema.json) to one ring buffer. CO-RE only; attach points are the per-syscall
 * tracepoints or the generic sys_enter/sys_exit (--kernel-path, syscalls.bpf.h) and BTF tracepoints for processes, signals, io_uring, IRQs and
 * wake-ups (this file).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "rules.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"
#include "stack.bpf.h"
#include "fd.bpf.h"
#include "aio.bpf.h"
#include "vma.bpf.h"
#include "uring.bpf.h"
#include "syscalls.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ---------------------------------------------------------------- syscalls */

/* --kernel-path tracepoints: syscalls:sys_enter_NAME and sys_exit_NAME of every traced syscall */
SEC("tracepoint")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx, IOL_KERNEL_PATH_TRACEPOINTS);
}

SEC("tracepoint")
int sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, IOL_KERNEL_PATH_TRACEPOINTS);
}

/* --kernel-path raw_tp: raw_syscalls' sys_enter(struct pt_regs *regs, long id) and sys_exit(regs, ret) */
SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return on_enter(ctx, IOL_KERNEL_PATH_RAW_TP);
}

SEC("raw_tp/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit(ctx, IOL_KERNEL_PATH_RAW_TP);
}

/* --kernel-path tp_btf: the same tracepoints with typed arguments (the registers read directly) */
SEC("tp_btf/sys_enter")
int btf_sys_enter(__u64 *ctx)
{
	return on_enter(ctx, IOL_KERNEL_PATH_TP_BTF);
}

SEC("tp_btf/sys_exit")
int btf_sys_exit(__u64 *ctx)
{
	return on_exit(ctx, IOL_KERNEL_PATH_TP_BTF);
}

/* ---------------------------------------------------------------- processes and threads */

static __always_inline void emit_task(__u8 event, struct task_struct *t, __u32 ppid, __u32 ptid, __s32 exit_code,
				      __u32 flags, const char *filename)
{
	struct iol_scratch *s = get_scratch();
	long len = 0;
	__u64 size;

	if (!s)
		return;
	__builtin_memset(&s->task.rec, 0, sizeof(s->task.rec));
	s->task.rec.event = event;
	s->task.rec.pid = BPF_CORE_READ(t, tgid);
	s->task.rec.tid = BPF_CORE_READ(t, pid);
	s->task.rec.ts = bpf_ktime_get_ns();
	s->task.rec.ppid = ppid;
	s->task.rec.ptid = ptid;
	s->task.rec.exit_code = exit_code;
	s->task.rec.flags = flags;
	BPF_CORE_READ_STR_INTO(&s->task.rec.comm, t, comm);
	if (filename)
		len = bpf_probe_read_kernel_str(s->task.filename, sizeof(s->task.filename), filename);
	if (len <= 0) {
		s->task.filename[0] = 0;
		len = 1;
	}
	if (len < IOL_PATH_MAX)
		s->task.filename[len & (IOL_PATH_MAX - 1)] = 0;
	size = IOL_ROUND8(sizeof(s->task.rec) + (__u64)len);
	IOL_CLAMP(size, sizeof(s->task));
	s->task.rec.hdr.kind = IOL_RECORD_KIND_TASK;
	s->task.rec.hdr.size = size;
	output_record(&s->task, size, IOL_CNT_RING_FULL);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct iol_traced_proc *proc = bpf_map_lookup_elem(&traced, &ptgid);
	struct iol_traced_proc fresh = {};
	struct iol_exec_ranges *r;

	if (!proc)
		return 0;
	if (ctgid != ptgid) {
		if (proc->flags & IOL_TRACED_NO_CHILDREN)
			return 0; /* --no-children */
		/* a new process: follow it, with the parent's code ranges until it execs */
		if (bpf_map_update_elem(&traced, &ctgid, &fresh, BPF_ANY)) {
			count(IOL_CNT_MAP_FULL); /* more processes than the map holds: this one is not traced */
			return 0;
		}
		r = bpf_map_lookup_elem(&exec_ranges, &ptgid);
		/* without them its frameless callers are lost until the tracer rescans its maps: counted */
		if (r && bpf_map_update_elem(&exec_ranges, &ctgid, r, BPF_ANY))
			count(IOL_CNT_MAP_FULL);
		emit_task(IOL_TASK_EVENT_PROCESS_START, child, ptgid, parent->pid, 0, 0, NULL);
	} else if (!(proc->flags & IOL_TRACED_QUIET_UNTIL_EXEC)) {
		emit_task(IOL_TASK_EVENT_THREAD_START, child, ptgid, parent->pid, 0, 0, NULL);
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct iol_traced_proc *proc = bpf_map_lookup_elem(&traced, &tgid);
	__u64 start_code, end_code, entry = 0;
	struct iol_vma_info interp = {};
	struct pt_regs *regs;

	if (!proc)
		return 0;
	proc->gen++;
	proc->flags &= ~(IOL_TRACED_QUIET_UNTIL_EXEC | IOL_TRACED_AIO);
	/* the program that runs: a script's interpreter (binfmt_script sets interp to its #! line's
	 * program; for an ELF it is the filename), as the ptrace side's /proc/PID/exe says — a Python
	 * server launched as its script (gunicorn, ./app.py) is Python to the analysis */
	emit_task(IOL_TASK_EVENT_EXEC, p, old_pid, 0, 0, 0, BPF_CORE_READ(bprm, interp));
	/* the old image's code is gone: the new executable's text is known right away, its libraries
	 * as they are mapped, and the loader completes the picture from /proc */
	bpf_map_delete_elem(&exec_ranges, &tgid);
	bpf_map_delete_elem(&aio_rings, &tgid); /* exec destroys the old image's AIO contexts */
	start_code = BPF_CORE_READ(p, mm, start_code);
	end_code = BPF_CORE_READ(p, mm, end_code);
	if (start_code && end_code > start_code) {
		exec_range_add(tgid, start_code, end_code);
		emit_vma_map(tgid, start_code, bpf_ktime_get_ns());
	}
	/* exec maps the dynamic loader too, and the new image starts at its entry: its calls (the
	 * libraries' openat, mmap, read) come before any mmap this side sees, and without its text in
	 * the ranges their snapshots kept no word of ld.so (the stacks ended not_code) */
	regs = (struct pt_regs *)bpf_task_pt_regs(p);
	if (regs)
		entry = IOL_REGS_IP(regs);
	if (entry && (entry < start_code || entry >= end_code) &&
	    bpf_find_vma(p, entry, vma_info_cb, &interp, 0) == 0 && interp.end > interp.start) {
		exec_range_add(tgid, interp.start, interp.end);
		emit_vma_map(tgid, entry, bpf_ktime_get_ns());
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit_task, struct task_struct *p)
{
	__u32 tgid = p->tgid, tid = p->pid;
	struct iol_traced_proc *proc = bpf_map_lookup_elem(&traced, &tgid);
	bool group_dead;

	if (!proc)
		return 0;
	group_dead = BPF_CORE_READ(p, signal, live.counter) == 0;
	if (!(proc->flags & IOL_TRACED_QUIET_UNTIL_EXEC) || group_dead)
		emit_task(IOL_TASK_EVENT_EXIT, p, 0, 0, BPF_CORE_READ(p, exit_code),
			  (group_dead ? IOL_TASK_FLAG_GROUP_DEAD : 0) |
				  ((proc->flags & IOL_TRACED_TARGET) ? IOL_TASK_FLAG_IS_TARGET : 0),
			  NULL);
	{
		struct iol_inflight *f = bpf_map_lookup_elem(&inflight, &tid);

		/* the thread's last empty polls */
		if (f)
			emit_poll_run(f, tgid, tid);
	}
	bpf_map_delete_elem(&inflight, &tid);
	if (group_dead) {
		bpf_map_delete_elem(&traced, &tgid);
		bpf_map_delete_elem(&exec_ranges, &tgid);
		bpf_map_delete_elem(&exec_range_adds, &tgid);
		bpf_map_delete_elem(&aio_rings, &tgid);
	}
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(on_rename, struct task_struct *task, const char *comm)
{
	__u32 tgid = task->tgid;
	struct iol_traced_proc *proc;
	struct iol_rec_task *r;

	if (tgid == tracer_tgid) {
		/* the loader renamed itself after attach (learn_root in loader.c): its root bounds path walks */
		tracer_root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
		tracer_root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
		return 0;
	}
	proc = bpf_map_lookup_elem(&traced, &tgid);
	if (!proc || (proc->flags & IOL_TRACED_QUIET_UNTIL_EXEC))
		return 0;
	r = reserve_record(sizeof(*r) + 8, IOL_RECORD_KIND_TASK, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	__builtin_memset((void *)r + sizeof(r->hdr), 0, sizeof(*r) + 8 - sizeof(r->hdr));
	r->event = IOL_TASK_EVENT_RENAME;
	r->pid = tgid;
	r->tid = task->pid;
	r->ts = bpf_ktime_get_ns();
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), comm);
	submit_record(r);
	return 0;
}

/* ---------------------------------------------------------------- signals */

/*
 * In process context: the tracepoint fired on the current task's kernel stack, not on an IRQ stack
 * (a wake-up from an interrupt handler was not caused by the task it interrupted). The tracepoint's
 * argument array (ctx) lives on the stack it fired on; the program's own frame may not (private BPF
 * stacks, 6.14+). Its address is read back as a number: older verifiers (6.1) refuse arithmetic on
 * pointers, and the per-CPU preempt count is not reachable without CONFIG_KALLSYMS_ALL.
 */
static __always_inline bool on_task_stack(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 here = 0;
	void *args = ctx;

	bpf_probe_read_kernel(&here, sizeof(here), &args);
	return here - (__u64)task->stack < 32768; /* THREAD_SIZE is 16 KiB, 32 KiB with KASAN */
}

/*
 * Not in an interrupt: on the task's stack (an interrupt from kernel mode switches to the IRQ
 * stack) and, while the IRQ programs are attached, no hard-IRQ handler running on this CPU (an
 * interrupt from user mode stays on the task stack).
 */
static __always_inline bool in_task_context(void *ctx)
{
	__u32 zero = 0;
	struct iol_irq_start *st = bpf_map_lookup_elem(&irq_start, &zero);

	return on_task_stack(ctx) && !(st && st->active);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	__u32 tgid = task->tgid;
	struct iol_rec_signal_generate *r;
	__u64 pid_tgid;
	int code;

	if (!bpf_map_lookup_elem(&traced, &tgid))
		return 0;
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_SIGNAL_GENERATE, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	/* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are not pointers */
	if ((unsigned long)info <= 1) {
		code = (unsigned long)info == 0 ? 0 /* SI_USER */ : 0x80 /* SI_KERNEL */;
		r->sig_errno = 0;
	} else {
		code = BPF_CORE_READ(info, si_code);
		r->sig_errno = BPF_CORE_READ(info, si_errno);
	}
	r->sig = sig;
	r->group = group;
	r->result = result;
	/* kill_fasync from an interrupt handler (SIGIO of a UIO device...): the "sender" is whatever
	 * task the interrupt came in on */
	r->flags = in_task_context(ctx) ? 0 : IOL_SIGNAL_FLAG_FROM_INTERRUPT;
	r->pid = tgid;
	r->tid = task->pid;
	r->ts = bpf_ktime_get_ns();
	r->sender_pid = pid_tgid >> 32;
	r->sender_tid = (__u32)pid_tgid;
	r->code = code;
	r->poll_fd = -1;
	r->poll_band = 0;
	r->reserved2 = 0;
	if ((unsigned long)info > 1 && iol_has_poll_fields(sig, code)) {
		r->poll_fd = BPF_CORE_READ(info, _sifields._sigpoll._fd);
		r->poll_band = BPF_CORE_READ(info, _sifields._sigpoll._band);
	}
	bpf_get_current_comm(r->sender_comm, sizeof(r->sender_comm));
	submit_record(r);
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(on_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct iol_traced_proc *proc = bpf_map_lookup_elem(&traced, &tgid);
	struct iol_rec_signal_deliver *r;
	struct iol_inflight *f;
	__u64 stack_id = 0;
	int code;

	if (!proc || (proc->flags & IOL_TRACED_QUIET_UNTIL_EXEC))
		return 0;
	f = inflight_of(tid);
	if (f)
		stack_id = capture_stack(tgid, proc->gen, &f->stack_end);
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_SIGNAL_DELIVER, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	code = BPF_CORE_READ(info, si_code);
	r->sig = sig;
	r->reserved = 0;
	r->reserved2 = 0;
	r->pid = tgid;
	r->tid = tid;
	r->ts = bpf_ktime_get_ns();
	r->code = code;
	r->sig_errno = BPF_CORE_READ(info, si_errno);
	r->poll_fd = -1;
	r->poll_band = 0;
	r->reserved3 = 0;
	if (iol_has_poll_fields(sig, code)) {
		r->poll_fd = BPF_CORE_READ(info, _sifields._sigpoll._fd);
		r->poll_band = BPF_CORE_READ(info, _sifields._sigpoll._band);
	}
	r->handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
	r->sa_flags = BPF_CORE_READ(ka, sa.sa_flags);
	r->stack_id = stack_id;
	submit_record(r);
	return 0;
}

/* ---------------------------------------------------------------- io_uring (uring.bpf.h) */

SEC("tp_btf/io_uring_create")
int BPF_PROG(on_uring_create, int fd, void *ring, __u32 sq_entries, __u32 cq_entries, __u32 flags)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!bpf_map_lookup_elem(&traced, &tgid))
		return 0;
	ring_add((__u64)ring, tgid);
	emit_ring((__u64)ring, fd, sq_entries, cq_entries, flags, 0);
	return 0;
}

/*
 * io_uring_submit_req; io_uring_submit_sqe before 6.4 (same first argument, kernel_compat.c). A
 * request submitted in io_uring_enter carries that call's stack (taken at its entry); one the SQPOLL
 * thread submitted carries the stack of the ring's last io_uring_enter, the nearest call of the
 * program there is, and says so; before the program's first io_uring_enter (the SQ thread is awake
 * right after the ring's creation) that of the io_uring_setup that created the ring.
 */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct io_ring_ctx *ring = BPF_CORE_READ(req, ctx);
	__u64 key = (__u64)ring;
	struct iol_rec_uring_submit *r;
	struct iol_ring *owner = bpf_map_lookup_elem(&rings, &key);
	struct iol_inflight *f;
	__u32 ring_flags;

	ring_flags = BPF_CORE_READ(ring, flags);
	if (!owner) {
		/* a ring created before the attach: adopt it when a traced task submits to it */
		if (!bpf_map_lookup_elem(&traced, &tgid))
			return 0;
		owner = ring_add(key, tgid);
		if (!owner)
			return 0;
		emit_ring(key, -1, 0, 0, ring_flags, 1);
	}
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_URING_SUBMIT, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	r->opcode = BPF_CORE_READ(req, opcode);
	r->sq_thread = (ring_flags & IOL_IORING_SETUP_SQPOLL) ? 1 : 0;
	r->stack_from = IOL_URING_STACK_FROM_NONE;
	r->stack_id = 0;
	f = bpf_map_lookup_elem(&inflight, &tid);
	if (f && f->ts && f->sys == IOL_SYS_IO_URING_ENTER) {
		r->stack_from = IOL_URING_STACK_FROM_ENTER;
		r->stack_id = f->stack_id;
	} else if (owner->enter_ts) {
		r->stack_from = IOL_URING_STACK_FROM_LAST_ENTER;
		r->stack_id = owner->enter_stack;
	} else if (owner->setup_stack) {
		r->stack_from = IOL_URING_STACK_FROM_SETUP;
		r->stack_id = owner->setup_stack;
	}
	r->flags = IOL_URING_FLAG_CQ_KNOWN;
	r->cq_head = ring_cq_head(ring);
	r->pid = owner->owner;
	r->tid = tid;
	r->ts = bpf_ktime_get_ns();
	r->ctx = key;
	r->req = (__u64)req;
	r->user_data = BPF_CORE_READ(req, cqe.user_data);
	r->req_flags = BPF_CORE_READ(req, flags);
	r->fd = BPF_CORE_READ(req, cqe.fd);
	submit_record(r);
	return 0;
}

/* Linux 5.19 and later: the completion as a struct io_uring_cqe. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete, void *ring, void *req, struct io_uring_cqe *cqe)
{
	emit_uring_complete((__u64)ring, (__u64)req, BPF_CORE_READ(cqe, user_data), BPF_CORE_READ(cqe, res),
			    BPF_CORE_READ(cqe, flags), true);
	return 0;
}

/* Before (6.1 LTS among them): the completion's fields as arguments. Chosen by the tracepoint's
 * prototype in the kernel's BTF (kernel_compat.c). */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete_args, void *ring, void *req, __u64 user_data, int res, unsigned int cflags)
{
	emit_uring_complete((__u64)ring, (__u64)req, user_data, res, cflags, false);
	return 0;
}

/* ---------------------------------------------------------------- hard IRQs (behind --irq) */

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(on_irq_entry, int irq, struct irqaction *action)
{
	__u32 zero = 0, key = irq;
	struct iol_irq_start *st = bpf_map_lookup_elem(&irq_start, &zero);

	if (!st)
		return 0;
	st->active = 1; /* what runs until the exit runs in this interrupt, not in the task it interrupted */
	if (!irq_all && !bpf_map_lookup_elem(&irq_filter, &key))
		return 0;
	st->ts = bpf_ktime_get_ns();
	st->irq = irq;
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(on_irq_exit, int irq, struct irqaction *action, int ret)
{
	__u32 zero = 0;
	struct iol_irq_start *st = bpf_map_lookup_elem(&irq_start, &zero);
	struct iol_rec_irq *r;
	__u64 now;

	if (st)
		st->active = 0;
	if (!st || !st->ts || st->irq != (__u32)irq)
		return 0;
	now = bpf_ktime_get_ns();
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_IRQ, IOL_CNT_RING_FULL);
	if (r) {
		r->cpu = bpf_get_smp_processor_id();
		r->reserved = 0;
		r->irq = irq;
		r->ret = ret;
		r->ts = st->ts;
		r->dur = now - st->ts;
		__builtin_memset(r->name, 0, sizeof(r->name));
		bpf_probe_read_kernel_str(r->name, sizeof(r->name), BPF_CORE_READ(action, name));
		submit_record(r);
	}
	st->ts = 0;
	return 0;
}

/* ---------------------------------------------------------------- wake-ups */

/*
 * sched_waking also fires in interrupts that happen to land in a traced thread; only a wake-up made
 * on the thread's own kernel stack (its syscall, or softirq work that syscall ran, as for loopback
 * sockets) is that syscall's doing. Hard IRQs and the softirqs they run use the per-CPU IRQ stacks.
 * (The preempt count would say it directly, but it is a per-CPU variable missing from kallsyms.)
 */
static __always_inline bool is_waker_call(__u16 sys)
{
	switch (sys) {
	case IOL_SYS_WRITE:
	case IOL_SYS_WRITEV:
	case IOL_SYS_PWRITE64:
	case IOL_SYS_SENDTO:
	case IOL_SYS_SENDMSG:
	case IOL_SYS_SENDMMSG:
	case IOL_SYS_SENDFILE:
	case IOL_SYS_SPLICE:
	case IOL_SYS_TEE:
	case IOL_SYS_FUTEX:
	case IOL_SYS_IO_URING_ENTER:
	case IOL_SYS_IO_SUBMIT:
	case IOL_SYS_CLOSE:
		return true;
	default:
		return false;
	}
}

SEC("tp_btf/sched_waking")
int BPF_PROG(on_waking, struct task_struct *p)
{
	__u32 wakee_tgid = p->tgid, wakee_tid = p->pid;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct iol_rec_wake *r;
	struct iol_inflight *e;
	struct pt_regs *regs;
	long waker_nr, wakee_nr;
	__u16 waker_sys, wakee_sys;

	if (!bpf_map_lookup_elem(&traced, &wakee_tgid) || wakee_tid == tid || !bpf_map_lookup_elem(&traced, &tgid))
		return 0;
	if (!in_task_context(ctx))
		return 0;
	/* The syscalls both are in, from their saved user registers: no probes on futex needed. */
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	waker_nr = IOL_REGS_SYSCALL_NR(regs); /* BTF pointers: plain loads, no helper calls */
	if (waker_nr < 0 || waker_nr >= IOL_NR_MAX)
		return 0;
	waker_sys = nr_to_sys[waker_nr];
	if (!is_waker_call(waker_sys))
		return 0;
	wakee_nr = IOL_REGS_SYSCALL_NR((struct pt_regs *)bpf_task_pt_regs(p));
	if (wakee_nr < 0 || wakee_nr >= IOL_NR_MAX)
		return 0;
	wakee_sys = nr_to_sys[wakee_nr];
	if (!wakee_sys)
		return 0; /* asleep in something that is not I/O (nanosleep...) */
	r = reserve_record(sizeof(*r), IOL_RECORD_KIND_WAKE, IOL_CNT_RING_FULL);
	if (!r)
		return 0;
	e = bpf_map_lookup_elem(&inflight, &wakee_tid);
	r->waker_sys = waker_sys;
	r->wakee_sys = wakee_sys;
	r->pid = tgid;
	r->tid = tid;
	r->ts = bpf_ktime_get_ns();
	r->wakee_pid = wakee_tgid;
	r->wakee_tid = wakee_tid;
	r->wakee_since = e && e->ts && e->sys == wakee_sys ? e->ts : 0;
	r->waker_fd = waker_sys == IOL_SYS_FUTEX ? -1 : (__s32)IOL_REGS_SYSCALL_ARG1(regs);
	r->reserved = 0;
	submit_record(r);
	return 0;
}
