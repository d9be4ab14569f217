// SPDX-License-Identifier: MIT
/*
 * The eBPF backend's recording: load and attach (loader.c), follow the target, then loop — drain
 * the ring buffer into the stream (records.c), rescan changed memory maps and UIO devices, report
 * losses and calls in flight — until the recording ends; then the end record, and the (slow)
 * detach after the stream is closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common.h"
#include "privs.h"
#include "tracer.h"

static int add_target(struct iol_tracer *t, pid_t pid, __u32 flags)
{
	struct iol_traced_proc v = { .flags = flags };
	__u32 key = (__u32)pid;

	return bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key), &v, sizeof(v), BPF_ANY);
}

static void write_preamble(struct iol_tracer *t)
{
	out_record(t->out, &t->clock);
	meta_write(t->out, &(struct iol_meta_info){
		.cannot_see = &t->cannot_see,
		.backend = "ebpf",
		.pid = t->target,
		.command = t->opts->command,
		.launched = t->launched,
		.min_duration_ns = t->opts->min_duration_ns,
		.irq = t->opts->irq,
		.stacks = t->opts->stacks,
		.ring_size = t->opts->ring_size,
		.missing = &t->missing,
	});
}

/* ---------------------------------------------------------------- main loop */

static int run(struct iol_tracer *t, int *end_reason)
{
	__u64 start = now_ns(CLOCK_MONOTONIC), next_stats = start;
	__u64 deadline = t->opts->duration_s > 0 ? start + (__u64)(t->opts->duration_s * 1e9) : 0;

	for (;;) {
		__u64 now;
		int status;

		ring_buffer__poll(t->rb, 50);
		ring_buffer__consume(t->rb);
		ebpf_scan_dirty_procs(t);
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= t->next_uio_scan)
			ebpf_uio_refresh(t, now);
		if (now >= next_stats) {
			ebpf_report_losses(t, now);
			ebpf_report_summaries(t, now, false);
			ebpf_report_unfinished(t, now, false);
			next_stats = now + (__u64)t->opts->stats_interval_ms * 1000000ULL;
		}
		out_flush(t->out);
		if (t->out->error) {
			*end_reason = IOL_END_REASON_OUTPUT_CLOSED;
			return 0;
		}
		if (stop_signal) {
			*end_reason = parent_died() ? IOL_END_REASON_PARENT_DIED : IOL_END_REASON_SIGNAL;
			return stop_signal;
		}
		if (parent_died()) {
			*end_reason = IOL_END_REASON_PARENT_DIED;
			return 0;
		}
		if (deadline && now >= deadline) {
			*end_reason = IOL_END_REASON_DURATION;
			return 0;
		}
		if (t->launched && waitpid(t->target, &status, WNOHANG) == t->target)
			t->target_gone = true;
		else if (!t->launched && kill(t->target, 0) && errno == ESRCH)
			t->target_gone = true;
		if (t->target_gone) {
			*end_reason = IOL_END_REASON_TARGET_EXITED;
			return 0;
		}
	}
}

static void finish(struct iol_tracer *t, int reason, int sig)
{
	struct iol_rec_end e = { .hdr = { .kind = IOL_RECORD_KIND_END, .size = sizeof(e) } };
	__u64 now;

	if (t->out->error)
		return;
	ring_buffer__consume(t->rb);
	ebpf_scan_dirty_procs(t);
	now = now_ns(CLOCK_MONOTONIC);
	ebpf_report_summaries(t, now, true);
	ebpf_report_losses(t, now);
	ebpf_report_unfinished(t, now, true);
	e.reason = reason;
	e.signal = sig;
	e.ts = now;
	e.emitted = ebpf_counter_sum(t, IOL_CNT_EMITTED);
	for (size_t i = 0; i < IOL_N_LOSS; i++)
		e.dropped += t->loss_total[i];
	out_flush(t->out);
	e.bytes = t->out->bytes;
	out_record(t->out, &e);
	out_flush(t->out);
}

/* Follow the target: a launched command is released (it execs now), an attached process's tasks,
 * fds and maps are sent as they are. */
static int follow_target(struct iol_tracer *t)
{
	if (add_target(t, t->target, IOL_TRACED_TARGET | (t->launched ? IOL_TRACED_QUIET_UNTIL_EXEC : 0))) {
		logmsg("iolens-tracer: cannot follow pid %d: %s", t->target, strerror(errno));
		return -1;
	}
	if (t->launched) {
		int err = launch_release(&t->launch);

		if (err) {
			logmsg("iolens-tracer: cannot run %s: %s", t->opts->command[0], strerror(-err));
			t->launched = false;
			return -1;
		}
		return 0;
	}
	__u64 ts = now_ns(CLOCK_MONOTONIC);

	proc_snapshot_tasks(t->out, t->target, ts, true);
	proc_snapshot_fds(t->out, t->target, ts, ebpf_set_fd_class, t);
	ebpf_proc_state(t, t->target, true);
	ebpf_scan_dirty_procs(t);
	return 0;
}

int ebpf_backend_run(const struct iol_options *opts, struct iol_output *out, bool autoselect, bool *use_ptrace)
{
	static struct iol_tracer tracer;
	struct iol_tracer *t = &tracer;
	int stdio_fds[3] = { -1, -1, -1 };
	int err, reason = IOL_END_REASON_ERROR, sig = 0, rc = 1;
	bool refused;

	t->opts = opts;
	t->out = out;
	*use_ptrace = false;
	libbpf_set_print(ebpf_libbpf_log);
	err = ebpf_open_load(t, autoselect, &refused);
	if (err && refused && autoselect && (err == -EPERM || err == -EACCES)) {
		logmsg("iolens-tracer: using the ptrace backend: the kernel refused the eBPF programs (%s)", strerror(-err));
		ebpf_unload(t);
		*use_ptrace = true;
		return 0;
	}
	if (err) {
		if (refused)
			ebpf_explain_load_error(err);
		goto cleanup;
	}

	/* the command is started (held back before its exec) once the programs are loaded */
	if (opts->command) {
		err = launch_prepare(&t->launch, opts->command, stdio_fds);
		if (err) {
			logmsg("iolens-tracer: cannot start %s: %s", opts->command[0], strerror(-err));
			goto cleanup;
		}
		t->launched = true;
		t->target = t->launch.pid;
	} else {
		t->target = opts->pid;
	}
	err = ebpf_attach_all(t);
	if (err)
		goto cleanup;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), ebpf_on_record, t, NULL);
	if (!t->rb) {
		logmsg("iolens-tracer: cannot read the ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	/* attached: from now on only the maps are read and updated (CAP_BPF; kernels before 6.5 check
	 * it on every map operation); root also keeps reading other users' /proc entries */
	caps_keep_only(IOL_CAP_BPF | (caller_is_root() ? IOL_CAP_SYS_PTRACE | IOL_CAP_DAC_READ_SEARCH : 0));

	/* the origin of time: after the (possibly slow) attach, before the target is followed, so no
	 * event precedes it */
	read_clock(&t->clock);
	write_preamble(t);
	proc_use_uio(&t->uio);
	ebpf_uio_refresh(t, now_ns(CLOCK_MONOTONIC));
	if (follow_target(t))
		goto cleanup;
	out_flush(t->out);
	logmsg("iolens-tracer: tracing pid %d", t->target);

	sig = run(t, &reason);
	finish(t, reason, sig);
	logmsg("iolens-tracer: stopped (%s); detaching", end_reason_text(reason));
	rc = t->out->error && t->out->error != EPIPE ? 1 : 0;
	if (t->out->error && t->out->error != EPIPE)
		logmsg("iolens-tracer: writing the stream failed: %s", strerror(t->out->error));

cleanup:
	/* The reader has the whole stream now: let it go on while the probes come off (seconds).
	 * Hold none of the caller's pipes meanwhile, or it would wait for us. */
	if (t->out->fd >= 0)
		close(t->out->fd);
	release_stdio(log_fd);
	if (t->launched && t->launch.go_fd >= 0)
		launch_abandon(&t->launch);
	ebpf_unload(t);
	ebpf_forget_procs(t);
	summary_free(&t->summary);
	return rc;
}
