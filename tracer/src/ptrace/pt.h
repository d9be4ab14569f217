/* SPDX-License-Identifier: MIT */
/*
 * The ptrace backend (internal): tracer, process and thread state shared by the files of
 * tracer/src/ptrace/. It writes the same records as the eBPF backend wherever a ptrace stop sees
 * the thing (protocol/schema.json); what it cannot see is listed in the meta record (cannot_see).
 */
#ifndef IOLENS_PT_H
#define IOLENS_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "iolens.h"
#include "launch.h"
#include "meta.h"
#include "options.h"
#include "output.h"
#include "summary.h"
#include "procfs.h"
#include "regs.h"

#define PT_NSIG 65
/* Bytes of stack read in one process_vm_readv at sp: the 32-word window and, usually, the
 * whole frame-pointer chain. */
#define PT_STACK_CHUNK 4096
#define PT_UNFINISHED_SLOTS 4096
#define PT_UNFINISHED_AFTER_NS 250000000ULL /* a call in flight this long is shown while it lasts */
#define PT_UNFINISHED_EVERY_NS 1000000000ULL
/* Descendants of an attached process followed at the attach. */
#define PT_MAX_DESCENDANTS 4096

/* Calls followed only for bookkeeping, with ids beyond the wire's syscall ids. */
enum { PT_SYS_SIGACTION = IOL_SYS_MAX, PT_SYS_PRCTL, PT_SYS_LIMIT };
#define PT_CLASS_INTERNAL 0xff

/* Where a thread is, as far as the tracer knows. */
enum pt_state {
	PT_RUNNING,   /* resumed: its next stop will come */
	PT_STARTING,  /* a new task; its first stop has not come yet */
	PT_LISTENING, /* in a group-stop (SIGSTOP, SIGTSTP...), held with PTRACE_LISTEN */
	PT_HELD,      /* in a stop we have not ended yet */
};

/* The traced syscall a thread is in. */
struct pt_call {
	uint64_t ts;       /* entry time; 0 when no recorded call is in flight */
	uint64_t args[6];  /* the syscall's own arguments, the others 0 */
	uint64_t stack_id; /* at entry for waits, at exit for the others */
	uint64_t aux;      /* waits: timeout in ns (IOL_NO_TIMEOUT for none); rt_sigaction: handler */
	uint64_t aux2;     /* rt_sigaction: flags */
	uint64_t sets[3];  /* select/pselect6: the read, write and except sets it watches (the first 64 fds), read at entry */
	uint16_t sys;      /* iolens id (or PT_SYS_*), 0 for a call not recorded */
	uint8_t fmt;       /* data format when not the syscall's own (UIO reads and writes), else 0 */
};

/* A signal's disposition, as far as the tracer knows it. */
enum pt_disp { PT_DISP_UNKNOWN, PT_DISP_DEFAULT, PT_DISP_IGNORE, PT_DISP_HANDLER };
struct pt_sigaction {
	uint64_t handler; /* 0 when unknown (installed before the attach) */
	uint64_t flags;
	uint8_t disp;
};

/* Stack ids already sent for a process: open addressing on the 64-bit id (0 is empty). */
struct pt_idset {
	size_t cap, n;
	uint64_t *ids;
};

struct pt_proc {
	pid_t pid;
	uint32_t gen;      /* exec generation: stack ids of an old image are not reused */
	int nthreads;
	bool target;       /* the process named on the command line */
	bool quiet;        /* launched, before its exec: our own code, not recorded */
	bool announced;    /* its start was recorded (or it was there at the attach) */
	bool leave;        /* a new process under --no-children: let go at its first stop */
	bool maps_dirty;   /* rescan /proc/PID/maps before the next stack */
	int maps_fd;       /* /proc/PID/maps for PROCMAP_QUERY (stack ends), -1 */
	int mem_fd;        /* /proc/PID/mem when process_vm_readv is missing, -1 */
	struct iol_proc_maps maps;     /* mappings reported (procfs.c) */
	struct iol_exec_ranges ranges; /* where code is: the candidates of the stack window */
	struct pt_idset seen;
	struct pt_sigaction sig[PT_NSIG];
	uint64_t uio_fds[16];        /* fds < 1024 on a UIO device (/dev/uioN), as fd_class */
	uint64_t uio_config_fds[16]; /* fds < 1024 on a UIO device's PCI config space */
	uint8_t fd_types[1024];      /* IOL_FD_TYPE_* of fds < 1024 (for the short calls' counts) */
	struct iol_aio_rings aio_rings; /* AIO contexts whose ring is watched (aio.c) */
	struct pt_proc *next_free;
};

struct pt_thread {
	pid_t tid;
	uint8_t state;      /* enum pt_state */
	bool in_syscall;    /* between a syscall's entry stop and its exit stop */
	bool interrupted;   /* PTRACE_INTERRUPT sent (detach) */
	char comm[16];
	struct pt_proc *proc;
	uint64_t stack_end; /* end of the mapping holding sp, 0 = unknown */
	struct pt_call call;
	bool in_loop;       /* returned from a select/poll/epoll wait: its event loop has started */
	struct iol_poll_run run; /* empty polls not sent yet (rules.h) */
	struct pt_thread *next_free;
};

/* pid -> object, linear probing with backward-shift deletion. */
struct pt_table {
	size_t cap, n;
	pid_t *keys; /* 0 = empty */
	void **vals;
};

struct pt_tracer {
	const struct iol_options *opts;
	struct iol_output *out;
	pid_t target;
	bool launched;
	bool seccomp;       /* launched under the seccomp filter: PTRACE_CONT between traced calls */
	bool recording;     /* records are written (off once the recording ended) */
	bool detaching;     /* every stop ends in PTRACE_DETACH */
	bool target_gone;   /* every traced process is gone */
	bool exec_seen;     /* the launched command has exec'd */
	uint32_t untraced_children; /* existing descendants left alone (--no-children) */
	struct iol_launch launch;
	uint16_t nr_to_sys[IOL_NR_MAX];
	uint8_t cls[PT_SYS_LIMIT], fmt[PT_SYS_LIMIT], nargs[PT_SYS_LIMIT], traits[PT_SYS_LIMIT], model[PT_SYS_LIMIT];
	struct pt_table threads, procs;
	uint64_t emitted;   /* records of events (the end record's `emitted`) */
	struct {
		pid_t tid;
		uint64_t ts, reported;
	} unfinished[PT_UNFINISHED_SLOTS];
	struct iol_meta_list cannot_see;
	struct iol_summary_table summary; /* short blocking calls, counted (syscall.c) */
	uint64_t summary_lost;            /* short calls not counted: the table was full */
	uint64_t summary_lost_sent;       /* of them, already in drop records */
	uint64_t aio_rings_lost;          /* AIO contexts not watched: their process had IOL_AIO_RINGS */
	uint64_t stack[PT_STACK_CHUNK / 8]; /* scratch: the stack chunk read at sp */
	uint64_t snapshot[IOL_STACK_WINDOW_MAX / 8]; /* scratch: a stack snapshot's window (stack.c) */
};

/* table.c */
void *pt_table_get(const struct pt_table *t, pid_t key);
int pt_table_put(struct pt_table *t, pid_t key, void *val);
void pt_table_del(struct pt_table *t, pid_t key);
void pt_table_free(struct pt_table *t);
/* Iterate: for (size_t i = 0; i < t->cap; i++) if (t->keys[i]) ... (no insertion meanwhile). */
struct pt_thread *pt_thread_alloc(void);
void pt_thread_release(struct pt_thread *th);
struct pt_proc *pt_proc_alloc(void);
void pt_proc_release(struct pt_proc *p);
int pt_idset_add(struct pt_idset *s, uint64_t id); /* 1 added, 0 present, -1 no memory */
void pt_idset_clear(struct pt_idset *s);

/* tasks.c: processes and threads, their task records */
struct pt_proc *pt_proc_new(struct pt_tracer *t, pid_t pid);
struct pt_thread *pt_thread_new(struct pt_tracer *t, struct pt_proc *p, pid_t tid, const char *comm);
struct pt_thread *pt_thread_adopt(struct pt_tracer *t, pid_t tid);
void pt_on_new_task(struct pt_tracer *t, struct pt_thread *parent, int event);
void pt_on_exec(struct pt_tracer *t, struct pt_thread *th);
void pt_on_exit(struct pt_tracer *t, struct pt_thread *th, int status);
void pt_forget_thread(struct pt_tracer *t, struct pt_thread *th);
void pt_scan_maps(struct pt_tracer *t, struct pt_proc *p);
void pt_emit_task(struct pt_tracer *t, uint8_t event, pid_t pid, pid_t tid, uint32_t ppid, uint32_t ptid,
		  int32_t exit_code, uint32_t flags, const char *comm, const char *filename);
void pt_emit(struct pt_tracer *t, const void *rec);
/* Send the thread's run of empty polls, if it has one (syscall.c). */
void pt_emit_poll_run(struct pt_tracer *t, struct pt_thread *th);
void pt_emit_tail(struct pt_tracer *t, void *rec, size_t fixed, const void *tail, size_t len);

/* mem.c */
ssize_t pt_mem_read(struct pt_proc *p, pid_t tid, uint64_t addr, void *buf, size_t len);
ssize_t pt_mem_readv(struct pt_proc *p, pid_t tid, const struct iovec *local, size_t nlocal,
		     const struct iovec *remote, size_t nremote);

/* stack.c */
uint64_t pt_capture_stack(struct pt_tracer *t, struct pt_thread *th, const pt_regs_t *regs);

/* syscall.c */
void pt_on_syscall_stop(struct pt_tracer *t, struct pt_thread *th, bool seccomp_stop);
void pt_report_unfinished(struct pt_tracer *t, uint64_t now, bool final);
/* call_summary records for the short calls counted since the last call (`final`: every key), and a
 * drop record for those the full table could not count. */
void pt_report_summaries(struct pt_tracer *t, uint64_t now, bool final);
void pt_syscall_table(struct pt_tracer *t);

/* aio.c */
void pt_aio_submitted(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret);
void pt_aio_reaped(struct pt_tracer *t, struct pt_thread *th, const struct pt_call *c, long ret, uint64_t now);
void pt_aio_ring_observe(struct pt_tracer *t, struct pt_thread *th, uint64_t now);
void pt_aio_ring_watch(struct pt_tracer *t, struct pt_thread *th, uint64_t ctx, bool created, uint64_t now);
void pt_aio_ring_called(struct pt_thread *th, uint64_t ctx);
void pt_aio_ring_reaped(struct pt_thread *th, uint64_t ctx);
void pt_aio_ring_destroyed(struct pt_thread *th, uint64_t ctx);

/* fdtab.c */
void pt_fd_effect(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, const struct pt_call *c, long ret,
		  uint64_t now);
void pt_set_fd_class(void *ctx, pid_t pid, int fd, uint8_t type, uint32_t rdev);
/* A read of /dev/uioN (the wait for an interrupt), a write to it or to its config space (the
 * interrupt re-enabled): sent whatever its duration, in this data format; else 0 (as uio_format). */
uint8_t pt_uio_format(const struct pt_proc *p, uint16_t sys, uint64_t fd);
/* The type (IOL_FD_TYPE_*) of fd, as the fd records said; unknown beyond 1023. */
uint8_t pt_fd_type(const struct pt_proc *p, uint64_t fd);

/* signal.c */
void pt_on_signal_stop(struct pt_tracer *t, struct pt_thread *th, int sig);
void pt_on_group_stop(struct pt_tracer *t, struct pt_thread *th, int sig);
void pt_sigaction_done(struct pt_tracer *t, struct pt_thread *th, long ret);
void pt_signals_from_proc(struct pt_proc *p);

/* loop.c */
void pt_resume(struct pt_tracer *t, struct pt_thread *th, int sig);
void pt_handle_status(struct pt_tracer *t, pid_t tid, int status);
int pt_run(struct pt_tracer *t, int *end_reason);

/* backend.c: before the first seize (a launched child is forked before, with the caller's own
 * capabilities, which its exec recomputes) */
void pt_drop_caps(void);

/* The ptrace options of every seized task: syscall stops, threads, and (unless --no-children) the
 * processes it starts. */
static inline long pt_options(const struct pt_tracer *t)
{
	return PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
	       (t->opts->no_children ? 0 : PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK);
}

/* attach.c, launch_pt.c, detach.c, seccomp.c */
int pt_attach(struct pt_tracer *t, pid_t pid);
int pt_launch(struct pt_tracer *t, char **argv);
int pt_launch_go(struct pt_tracer *t);
void pt_detach_all(struct pt_tracer *t);
int pt_seccomp_install(const uint16_t *nr_to_sys, const uint8_t *cls);

static inline uint64_t pt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
