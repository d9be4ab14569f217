// SPDX-License-Identifier: MIT
/*
 * Processes and threads of the ptrace backend and their task records: thread start (the
 * creator's PTRACE_EVENT_CLONE), process start (FORK/VFORK, or a CLONE without CLONE_THREAD),
 * exec (PTRACE_EVENT_EXEC; the file from /proc/PID/exe), exit (the wait status), names from
 * /proc/PID/task/TID/comm. A process's executable mappings are scanned from /proc at the attach,
 * after exec and after every executable mmap.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"
#include "pt.h"

void pt_emit(struct pt_tracer *t, const void *rec)
{
	if (!t->recording)
		return;
	out_record(t->out, rec);
	t->emitted++;
}

void pt_emit_tail(struct pt_tracer *t, void *rec, size_t fixed, const void *tail, size_t len)
{
	if (!t->recording)
		return;
	out_record_tail(t->out, rec, fixed, tail, len);
	t->emitted++;
}

void pt_emit_task(struct pt_tracer *t, uint8_t event, pid_t pid, pid_t tid, uint32_t ppid, uint32_t ptid,
		  int32_t exit_code, uint32_t flags, const char *comm, const char *filename)
{
	struct iol_rec_task r = { .hdr.kind = IOL_RECORD_KIND_TASK };

	r.event = event;
	r.pid = (uint32_t)pid;
	r.tid = (uint32_t)tid;
	r.ts = pt_now();
	r.ppid = ppid;
	r.ptid = ptid;
	r.exit_code = exit_code;
	r.flags = flags;
	if (comm)
		strncpy(r.comm, comm, sizeof(r.comm) - 1);
	if (!filename)
		filename = "";
	pt_emit_tail(t, &r, sizeof(r), filename, strlen(filename) + 1);
}

struct pt_proc *pt_proc_new(struct pt_tracer *t, pid_t pid)
{
	struct pt_proc *p = pt_proc_alloc();

	if (!p)
		return NULL;
	p->pid = pid;
	p->maps.pid = pid;
	p->maps_dirty = true;
	if (pt_table_put(&t->procs, pid, p)) {
		pt_proc_release(p);
		return NULL;
	}
	return p;
}

struct pt_thread *pt_thread_new(struct pt_tracer *t, struct pt_proc *p, pid_t tid, const char *comm)
{
	struct pt_thread *th = pt_thread_alloc();

	if (!th)
		return NULL;
	th->tid = tid;
	th->proc = p;
	th->state = PT_RUNNING;
	if (comm)
		strncpy(th->comm, comm, sizeof(th->comm) - 1);
	if (pt_table_put(&t->threads, tid, th)) {
		pt_thread_release(th);
		return NULL;
	}
	p->nthreads++;
	return th;
}

static pid_t tgid_of(pid_t tid)
{
	char v[32];

	return proc_status_field(tid, "Tgid", v, sizeof(v)) ? 0 : (pid_t)strtol(v, NULL, 10);
}

/* A stop from a task not known yet: a new child whose creator's event has not been seen. */
struct pt_thread *pt_thread_adopt(struct pt_tracer *t, pid_t tid)
{
	pid_t tgid = tgid_of(tid);
	struct pt_proc *p;
	char comm[16];

	if (tgid <= 0)
		tgid = tid;
	p = pt_table_get(&t->procs, tgid);
	if (!p && !(p = pt_proc_new(t, tgid)))
		return NULL;
	proc_comm(tgid, tid, comm, sizeof(comm));
	return pt_thread_new(t, p, tid, comm);
}

void pt_scan_maps(struct pt_tracer *t, struct pt_proc *p)
{
	struct iol_exec_ranges r;

	p->maps_dirty = false;
	if (!t->recording)
		return;
	if (proc_scan_maps(&p->maps, t->out, pt_now(), &r) >= 0)
		p->ranges = r;
}

/* Does the clone that stopped `parent` make a thread? From its flags (clone: rdi; clone3: the
 * first word of struct clone_args). */
static bool clone_makes_thread(struct pt_thread *parent, pid_t child)
{
	pt_regs_t regs;
	uint64_t flags = 0;
	char path[64];

	if (pt_getregs(parent->tid, &regs) == 0) {
		long nr = pt_regs_nr(&regs);

		if (nr == SYS_clone)
			return pt_regs_arg(&regs, 0) & CLONE_THREAD;
#ifdef SYS_clone3
		if (nr == SYS_clone3 && pt_mem_read(parent->proc, parent->tid, pt_regs_arg(&regs, 0), &flags, 8) == 8)
			return flags & CLONE_THREAD;
#endif
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d", parent->proc->pid, child);
	return access(path, F_OK) == 0;
}

void pt_on_new_task(struct pt_tracer *t, struct pt_thread *parent, int event)
{
	unsigned long msg = 0;
	struct pt_proc *pp = parent->proc, *cp;
	struct pt_thread *th;
	pid_t child;
	bool thread;

	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) || !msg)
		return;
	child = (pid_t)msg;
	th = pt_table_get(&t->threads, child);
	thread = event == PTRACE_EVENT_CLONE && clone_makes_thread(parent, child);
	if (thread) {
		if (!th && (th = pt_thread_new(t, pp, child, parent->comm)))
			th->state = PT_STARTING;
		if (!pp->quiet)
			pt_emit_task(t, IOL_TASK_EVENT_THREAD_START, pp->pid, child, pp->pid, parent->tid, 0, 0,
				     parent->comm, NULL);
		return;
	}
	cp = th ? th->proc : pt_table_get(&t->procs, child);
	if (!cp && !(cp = pt_proc_new(t, child)))
		return;
	if (!th && (th = pt_thread_new(t, cp, child, parent->comm)))
		th->state = PT_STARTING;
	cp->quiet = pp->quiet;
	cp->announced = true;
	if (t->opts->no_children) {
		cp->leave = true; /* a clone that makes a process: let go at its first stop, unrecorded */
		return;
	}
	memcpy(cp->sig, pp->sig, sizeof(cp->sig)); /* fork copies the handlers */
	memcpy(cp->uio_fds, pp->uio_fds, sizeof(cp->uio_fds));
	memcpy(cp->uio_config_fds, pp->uio_config_fds, sizeof(cp->uio_config_fds));
	memcpy(cp->fd_types, pp->fd_types, sizeof(cp->fd_types));
	if (pp->quiet)
		return;
	pt_emit_task(t, IOL_TASK_EVENT_PROCESS_START, child, child, pp->pid, parent->tid, 0, 0, parent->comm, NULL);
	pt_scan_maps(t, cp); /* the child's copy of the address space */
}

static void forget_proc(struct pt_tracer *t, struct pt_proc *p)
{
	pt_table_del(&t->procs, p->pid);
	if (p->maps_fd >= 0)
		close(p->maps_fd);
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	pt_proc_release(p);
}

void pt_forget_thread(struct pt_tracer *t, struct pt_thread *th)
{
	struct pt_proc *p = th->proc;

	pt_table_del(&t->threads, th->tid);
	pt_thread_release(th);
	if (p && --p->nthreads <= 0)
		forget_proc(t, p);
}

void pt_on_exec(struct pt_tracer *t, struct pt_thread *th)
{
	unsigned long former = 0;
	struct pt_proc *p = th->proc;
	char path[64], exe[4096];
	ssize_t n;

	ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &former);
	if (former && (pid_t)former != th->tid) {
		/* a thread other than the leader exec'd: it took the leader's tid; the old leader is gone
		 * without a report of its own */
		struct pt_thread *old = pt_table_get(&t->threads, (pid_t)former);

		if (!p->quiet)
			pt_emit_task(t, IOL_TASK_EVENT_EXIT, p->pid, th->tid, 0, 0, SIGKILL, 0, th->comm, NULL);
		if (old && old != th) {
			th->in_syscall = old->in_syscall;
			th->call = old->call;
			pt_table_del(&t->threads, old->tid);
			pt_thread_release(old);
			p->nthreads--;
		}
	}
	p->gen++;
	p->quiet = false;
	memset(&p->aio_rings, 0, sizeof(p->aio_rings)); /* exec destroys the old image's AIO contexts */
	if (p->target && t->launched && !t->exec_seen)
		announce_start(t->out, p->pid, 1, 0); /* the command runs its own code: the recording starts */
	if (p->target)
		t->exec_seen = true;
	if (p->maps_fd >= 0)
		close(p->maps_fd);
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	p->maps_fd = p->mem_fd = -1;
	proc_maps_reset(&p->maps);
	memset(&p->ranges, 0, sizeof(p->ranges));
	memset(p->uio_fds, 0, sizeof(p->uio_fds));
	memset(p->uio_config_fds, 0, sizeof(p->uio_config_fds));
	memset(p->fd_types, 0, sizeof(p->fd_types));
	pt_idset_clear(&p->seen);
	pt_signals_from_proc(p); /* after exec: the ignored signals stay ignored, no handler */
	th->stack_end = 0;
	proc_comm(p->pid, th->tid, th->comm, sizeof(th->comm));
	snprintf(path, sizeof(path), "/proc/%d/exe", p->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	pt_emit_task(t, IOL_TASK_EVENT_EXEC, p->pid, th->tid, former ? (uint32_t)former : (uint32_t)th->tid, 0, 0, 0,
		     th->comm, exe);
	/* the fds that survived the exec, then the new image's code */
	if (t->recording)
		proc_snapshot_fds(t->out, p->pid, pt_now(), pt_set_fd_class, t);
	pt_scan_maps(t, p);
}

void pt_on_exit(struct pt_tracer *t, struct pt_thread *th, int status)
{
	struct pt_proc *p = th->proc;
	bool group_dead = p->nthreads <= 1;

	pt_emit_poll_run(t, th); /* the thread's last empty polls */
	if (!p->quiet || group_dead)
		pt_emit_task(t, IOL_TASK_EVENT_EXIT, p->pid, th->tid, 0, 0, status,
			     (group_dead ? IOL_TASK_FLAG_GROUP_DEAD : 0) | (p->target ? IOL_TASK_FLAG_IS_TARGET : 0),
			     th->comm, NULL);
	pt_forget_thread(t, th);
	if (group_dead && t->procs.n == 0)
		t->target_gone = true; /* the last process of the tree: a daemon's parent exiting is not the end */
}
