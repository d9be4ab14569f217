// SPDX-License-Identifier: MIT
/*
 * The eBPF backend's recording: load and attach (loader.c), follow the target (and an attached
 * process's existing descendants), then loop — drain the ring buffer into the stream in bounded
 * batches (records.c), rescan changed memory maps and UIO devices, report losses and calls in
 * flight — until the recording ends (a stop request, the duration, or the last traced process
 * gone); then nothing is traced any more, the ring is drained (as long as the stop allows, the rest
 * counted as lost), the end record written, the stream closed, and the (slow) detach is left to a
 * process of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
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
		.kernel_path = kernel_path_name(t->opts->kernel_path),
	});
}

/* ---------------------------------------------------------------- main loop */

/* A stop was requested, or the stream is dead: stop reading the ring now. */
static bool must_stop(struct iol_tracer *t)
{
	return stop_signal || t->out->error;
}

/* The ring buffer's callback: a record, and a pause every IOL_CONSUME_BATCH records or at a stop
 * request, so the loop looks at the clock, the stop flags and the output between batches however
 * fast the records come (libbpf 1.1 has no ring_buffer__consume_n; a negative return ends the
 * consumption after this record). */
static int on_ring_record(void *ctx, void *data, size_t size)
{
	struct iol_tracer *t = ctx;

	ebpf_on_record(t, data, size);
	t->consumed++;
	if (++t->batch >= IOL_CONSUME_BATCH || (!t->stopping && must_stop(t)) || t->out->discarding)
		return IOL_RB_PAUSE;
	return 0;
}

/* Consume one batch, after waiting up to timeout_ms for a wake-up (which comes only past a fill
 * threshold, so the ring is read after the wait whether it came or not); 1 when more records wait,
 * 0 when the ring is empty, -errno on a failure. */
static int consume_batch(struct iol_tracer *t, int timeout_ms)
{
	int n = 0;

	t->batch = 0;
	if (timeout_ms)
		n = ring_buffer__poll(t->rb, timeout_ms);
	if (n >= 0 || n == -EINTR)
		n = ring_buffer__consume(t->rb);
	if (n == IOL_RB_PAUSE)
		return 1;
	if (n == -EINTR)
		return 0; /* a signal: the loop looks at it */
	return n < 0 ? n : 0;
}

/* Every traced process is gone (the kernel side forgets a process when its last thread exits). */
static bool tree_gone(struct iol_tracer *t)
{
	__u32 key;

	return bpf_map__get_next_key(t->skel->maps.traced, NULL, &key, sizeof(key)) == -ENOENT;
}

static int run(struct iol_tracer *t, int *end_reason)
{
	__u64 next_stats = now_ns(CLOCK_MONOTONIC);
	bool more = false;

	arm_duration(t->opts->duration_s);
	for (;;) {
		__u64 now;
		int err, status;

		/* wait for records only when the ring was emptied (wake-ups come only past a fill
		 * threshold, hence the short timeout) */
		err = consume_batch(t, more ? 0 : IOL_POLL_MS);
		if (err < 0) {
			logmsg("iolens-tracer: reading the ring buffer failed: %s", strerror(-err));
			*end_reason = IOL_END_REASON_ERROR;
			return 0;
		}
		more = err > 0;
		ebpf_scan_dirty_procs(t);
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= t->next_uio_scan)
			ebpf_uio_refresh(t, now);
		if (now >= next_stats) {
			ebpf_prune_gone(t);
			ebpf_report_losses(t, now);
			ebpf_report_summaries(t, now, false);
			ebpf_report_unfinished(t, now, false);
			next_stats = now + (__u64)t->opts->stats_interval_ms * 1000000ULL;
		}
		if (!more)
			out_flush(t->out);
		if (t->out->error) {
			*end_reason = IOL_END_REASON_OUTPUT_CLOSED;
			return 0;
		}
		if (stop_signal) {
			*end_reason = stop_request_reason();
			return stop_request_signal();
		}
		if (parent_died()) {
			*end_reason = IOL_END_REASON_PARENT_DIED;
			return 0;
		}
		/* reap a launched command (its descendants, a daemon's, live on: followed until the last) */
		if (t->launched && !t->target_reaped && waitpid(t->target, &status, WNOHANG) == t->target)
			t->target_reaped = true;
		if (tree_gone(t)) {
			*end_reason = IOL_END_REASON_TARGET_EXITED;
			return 0;
		}
	}
}

/* Nothing traced from now on: the kernel side stops at its first test (is this process traced?),
 * so the target runs untraced at once, long before the probes are detached. */
static void stop_tracing(struct iol_tracer *t)
{
	struct bpf_map *traced = t->skel->maps.traced;
	__u32 key;

	while (bpf_map__get_next_key(traced, NULL, &key, sizeof(key)) == 0) {
		int err = bpf_map__delete_elem(traced, &key, sizeof(key), 0);

		if (err == -ENOENT)
			continue; /* the kernel side saw its exit meanwhile */
		if (err) { /* still traced until the probes are detached */
			ebpf_map_update_failed(t, "traced", -err);
			break;
		}
	}
}

/* Records lost at the end (output_blocked): those the reader could not take within the drain,
 * discarded whole, and those still in the ring. */
static void report_left_behind(struct iol_tracer *t, __u64 discarded, bool drained, __u64 now)
{
	struct iol_rec_drop d = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(d) } };
	__u64 emitted = ebpf_counter_sum(t, IOL_CNT_EMITTED);

	t->left_in_ring = !drained && emitted > t->consumed ? emitted - t->consumed : 0;
	d.source = IOL_DROP_SOURCE_OUTPUT_BLOCKED;
	d.cpu = IOL_NO_CPU;
	d.ts = now;
	d.count = t->left_in_ring + discarded;
	d.total = d.count;
	if (d.count)
		out_record(t->out, &d);
}

/* The end of the recording: nothing is traced from now on; what the ring holds goes to the reader
 * while it takes it, within the drain (output.h), the rest is counted as lost, and the tail (losses,
 * calls in flight, the end record with exact totals) always reaches a reader that is there. */
static void finish(struct iol_tracer *t, int reason, int sig)
{
	struct iol_rec_end e = { .hdr = { .kind = IOL_RECORD_KIND_END, .size = sizeof(e) } };
	bool drained = false;
	__u64 discarded, now;

	t->stopping = true;
	stop_tracing(t);
	if (reason != IOL_END_REASON_TARGET_EXITED)
		out_stop(t->out); /* a stop request (the parent's death may come without the signal) */
	while (!out_drain_over(t->out)) {
		int n = consume_batch(t, 0);

		if (n < 0) /* what is left in the ring is counted as lost (report_left_behind) */
			logmsg("iolens-tracer: warning: reading the ring buffer failed at the end: %s", strerror(-n));
		if (n <= 0) {
			drained = n == 0;
			break;
		}
	}
	if (!out_drain_over(t->out))
		ebpf_scan_dirty_procs(t); /* maps of the last executable mmaps, for the stacks */
	discarded = out_end_drain(t->out);
	now = now_ns(CLOCK_MONOTONIC);
	ebpf_report_summaries(t, now, true);
	report_left_behind(t, discarded, drained, now);
	ebpf_report_losses(t, now);
	ebpf_report_unfinished(t, now, true);
	e.reason = reason;
	e.signal = sig;
	e.ts = now;
	e.emitted = ebpf_counter_sum(t, IOL_CNT_EMITTED);
	for (size_t i = 0; i < IOL_N_LOSS; i++)
		e.dropped += t->loss_total[i];
	e.dropped += t->left_in_ring + discarded;
	e.bytes = out_position(t->out);
	out_record(t->out, &e);
	out_finish(t->out);
}

/* Snapshot a process traced from the start (the target, or one of its existing descendants). */
static void snapshot_proc(struct iol_tracer *t, pid_t pid, bool target)
{
	__u64 ts = now_ns(CLOCK_MONOTONIC);

	proc_snapshot_tasks(t->out, pid, ts, target);
	proc_snapshot_fds(t->out, pid, ts, ebpf_set_fd_class, t);
	ebpf_proc_state(t, pid, true);
}

/* Follow an attached process's existing descendants (its children that started before the attach:
 * a server's workers); those it starts from now on the kernel side follows by itself. Looked for
 * again until no new one appears (one may fork while we add its parent). Returns how many. */
static __u32 follow_descendants(struct iol_tracer *t, __u32 *untraced)
{
	pid_t found[IOL_MAX_DESCENDANTS];
	__u32 followed = 0;
	bool added;

	*untraced = 0;
	do {
		int n = proc_descendants(t->target, found, IOL_MAX_DESCENDANTS);

		added = false;
		if (t->opts->no_children) {
			*untraced = n > 0 ? (__u32)n : 0;
			return 0;
		}
		for (int i = 0; i < n; i++) {
			__u32 key = (__u32)found[i];
			struct iol_traced_proc v = { 0 };

			if (bpf_map__lookup_elem(t->skel->maps.traced, &key, sizeof(key), &v, sizeof(v), 0) == 0)
				continue; /* followed already (here, or by the kernel side at its fork) */
			if (bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key), &v, sizeof(v), BPF_NOEXIST)) {
				if (errno != EEXIST)
					ebpf_map_update_failed(t, "traced", errno);
				continue;
			}
			snapshot_proc(t, found[i], false);
			followed++;
			added = true;
		}
	} while (added);
	return followed;
}

/* Follow the target: a launched command is released (it execs now), an attached process's tasks,
 * fds and maps are sent as they are, with those of its existing descendants. */
static int follow_target(struct iol_tracer *t)
{
	__u32 flags = IOL_TRACED_TARGET | (t->launched ? IOL_TRACED_QUIET_UNTIL_EXEC : 0) |
		      (t->opts->no_children ? IOL_TRACED_NO_CHILDREN : 0);
	__u32 processes = 1, untraced = 0;

	if (add_target(t, t->target, flags)) {
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
	} else {
		snapshot_proc(t, t->target, true);
		processes += follow_descendants(t, &untraced);
		ebpf_scan_dirty_procs(t);
	}
	announce_start(t->out, t->target, processes, untraced);
	return 0;
}

/* The probes come off in a process of its own: each detach from a syscall tracepoint waits for an
 * RCU grace period under a global mutex (seconds for all of them), and nothing is traced any more
 * (stop_tracing), so the tracer itself ends at once. The detaching process holds no pipe of the
 * caller's and is named iolens-detach.
 *
 * A link comes off when the last descriptor of it is closed, by whichever process closes it last:
 * so the detaching process starts only once the tracer is gone (the end of a pipe it waits on
 * closes as the tracer exits, after every descriptor of the tracer was let go), or the tracer's own
 * exit would do the slow part. */
static void detach_in_background(struct iol_tracer *t)
{
	int gate[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC)) {
		ebpf_unload(t); /* here, then */
		return;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		prctl(PR_SET_PDEATHSIG, 0);
		prctl(PR_SET_NAME, "iolens-detach");
		close(gate[1]);
		while (read(gate[0], &c, 1) < 0 && errno == EINTR)
			; /* end of file: the tracer exited */
		ebpf_unload(t);
		_exit(0);
	}
	close(gate[0]);
	if (pid < 0) {
		close(gate[1]);
		ebpf_unload(t); /* here, then */
	}
	/* gate[1] stays open until the tracer exits */
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
		if (err == -EACCES) /* the verifier's answer, not a lack of privilege: iolens' bug, said as one */
			logmsg("iolens-tracer: using the ptrace backend: this kernel's verifier rejected the eBPF programs; "
			       "this is a bug in iolens: please report it with the output of IOLENS_DEBUG=1 iolens-tracer --check");
		else
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
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_ring_record, t, NULL);
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
	/* stopped while the probes were attaching (the caller cancelled): a launched command is not
	 * released, so it never runs (untraced or not); its held-back child exits at cleanup */
	if (stop_signal && t->launched) {
		logmsg("iolens-tracer: stopped before %s was started", opts->command[0]);
		rc = 0; /* what was asked for: no error */
		goto cleanup;
	}
	if (follow_target(t))
		goto cleanup;

	sig = run(t, &reason);
	finish(t, reason, sig);
	logmsg("iolens-tracer: stopped (%s)", end_reason_text(reason));
	rc = stream_outcome(t->out);

cleanup:
	/* The reader has the whole stream now: hold none of the caller's pipes, or it would wait. */
	if (t->out->fd >= 0)
		close(t->out->fd);
	release_stdio(log_fd);
	if (t->launched && t->launch.go_fd >= 0)
		launch_abandon(&t->launch);
	if (t->rb)
		detach_in_background(t);
	else
		ebpf_unload(t);
	ebpf_forget_procs(t);
	summary_free(&t->summary);
	return rc;
}
