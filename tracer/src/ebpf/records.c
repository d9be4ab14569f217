// SPDX-License-Identifier: MIT
/*
 * What the ring buffer brings (records passed on to the stream, with the bookkeeping some need:
 * per-process memory maps, UIO fds), and what the loop sends on its own: losses as drop records,
 * calls still in progress as unfinished records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common.h"
#include "rules.h"
#include "tracer.h"

/* Losses reported as drop records: counter slot -> drop source. */
static const struct {
	enum iol_counter slot;
	__u8 source;
} loss_counters[IOL_N_LOSS] = {
	{ IOL_CNT_RING_FULL, IOL_DROP_SOURCE_RING_FULL },
	{ IOL_CNT_STACK_RING_FULL, IOL_DROP_SOURCE_STACK_RING_FULL },
	{ IOL_CNT_AIO_LIMIT, IOL_DROP_SOURCE_AIO_BATCH_LIMIT },
	{ IOL_CNT_MAP_FULL, IOL_DROP_SOURCE_MAP_FULL },
	{ IOL_CNT_SUMMARY_FULL, IOL_DROP_SOURCE_SUMMARY_FULL },
};

/* ---------------------------------------------------------------- per-process state */

struct iol_proc_maps *ebpf_proc_state(struct iol_tracer *t, pid_t pid, bool create)
{
	struct iol_proc_maps *p;

	for (size_t i = 0; i < t->nprocs; i++)
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	if (!create)
		return NULL;
	p = realloc(t->procs, (t->nprocs + 1) * sizeof(*p));
	if (!p)
		return NULL;
	t->procs = p;
	p = &t->procs[t->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->dirty = true;
	return p;
}

static void proc_forget(struct iol_tracer *t, pid_t pid)
{
	struct iol_proc_maps *p = ebpf_proc_state(t, pid, false);

	if (!p)
		return;
	free(p->maps);
	*p = t->procs[--t->nprocs];
}

void ebpf_set_fd_class(void *ctx, pid_t pid, int fd, uint8_t type, uint32_t rdev)
{
	struct iol_tracer *t = ctx;
	struct iol_fd_key key = { .tgid = (__u32)pid, .fd = fd };
	__u8 one = 1;

	/* the kernel side reads other fds' types from their files itself */
	if (type != IOL_FD_TYPE_UIO && type != IOL_FD_TYPE_UIO_CONFIG)
		return;
	if (bpf_map__update_elem(t->skel->maps.fd_class, &key, sizeof(key), &type, sizeof(type), BPF_ANY))
		ebpf_map_update_failed(t, "fd_class", errno);
	if (type != IOL_FD_TYPE_UIO)
		return;
	/* as uio_type() in fd.bpf.h does for an open: the device's interrupt is traced from now on */
	for (size_t i = 0; i < t->uio.n; i++) {
		const struct iol_uio_dev *d = &t->uio.dev[i];
		__u32 irq = (__u32)d->irq;

		if (iol_encode_dev(d->major, d->minor) == rdev && d->irq >= 0 &&
		    bpf_map__update_elem(t->skel->maps.irq_filter, &irq, sizeof(irq), &one, sizeof(one), BPF_ANY))
			ebpf_map_update_failed(t, "irq_filter", errno);
	}
}

/* ---------------------------------------------------------------- UIO devices */

/* A UIO device appeared (or was there at attach): tell the kernel side how to recognise it. */
static void uio_device_found(void *ctx, const struct iol_uio_dev *d)
{
	struct iol_tracer *t = ctx;
	struct iol_file_key file = { .ino = d->config_ino, .dev = d->config_dev };
	__u8 config = IOL_FD_TYPE_UIO_CONFIG;
	__u32 minor = d->minor;
	__s32 irq = d->irq;

	t->skel->bss->uio_major = d->major;
	if (bpf_map__update_elem(t->skel->maps.uio_irqs, &minor, sizeof(minor), &irq, sizeof(irq), BPF_ANY))
		ebpf_map_update_failed(t, "uio_irqs", errno);
	if (d->config_ino &&
	    bpf_map__update_elem(t->skel->maps.uio_files, &file, sizeof(file), &config, sizeof(config), BPF_ANY))
		ebpf_map_update_failed(t, "uio_files", errno);
}

void ebpf_uio_refresh(struct iol_tracer *t, __u64 now)
{
	if (uio_refresh(&t->uio, t->out, now, uio_device_found, t) > 0)
		if (ebpf_attach_irq(t))
			logmsg("iolens-tracer: warning: the interrupts of UIO devices will not be recorded");
	t->next_uio_scan = now + 1000000000ULL;
}

/* Scans of one process's maps in a row while the kernel side keeps adding code ranges. */
#define IOL_RANGE_SCAN_TRIES 4

/* The code ranges the kernel side has added for pid so far (exec_range_adds; 0 when none). */
static __u64 range_adds(struct iol_tracer *t, __u32 pid)
{
	__u64 adds = 0;

	if (bpf_map__lookup_elem(t->skel->maps.exec_range_adds, &pid, sizeof(pid), &adds, sizeof(adds), 0))
		return 0;
	return adds;
}

/* Send the executable mappings of processes whose address space changed, and tell the kernel side
 * where their code is. Both sides replace a process's ranges whole (exec_range_add): when the kernel
 * side added one while /proc was read (an mmap or an exec racing the scan), the value written may
 * lack it, or the kernel side's may lack the scan's, so the scan is made again until no range came
 * in meanwhile (a library's calls would otherwise lose their callers until the next scan). */
void ebpf_scan_dirty_procs(struct iol_tracer *t)
{
	for (size_t i = 0; i < t->nprocs; i++) {
		struct iol_proc_maps *p = &t->procs[i];
		struct iol_exec_ranges ranges;
		__u32 key = (__u32)p->pid;
		int tries;

		if (!p->dirty)
			continue;
		p->dirty = false;
		for (tries = 0; tries < IOL_RANGE_SCAN_TRIES; tries++) {
			__u64 adds = range_adds(t, key);

			if (proc_scan_maps(p, t->out, now_ns(CLOCK_MONOTONIC), &ranges) < 0)
				break; /* gone meanwhile */
			/* without its code ranges, the process's stacks would lose their frameless callers */
			if (bpf_map__update_elem(t->skel->maps.exec_ranges, &key, sizeof(key), &ranges, sizeof(ranges), BPF_ANY))
				ebpf_map_update_failed(t, "exec_ranges", errno);
			if (range_adds(t, key) == adds)
				break;
		}
		if (tries == IOL_RANGE_SCAN_TRIES)
			p->dirty = true; /* still changing: the next round scans again */
	}
}

/* ---------------------------------------------------------------- records from the kernel */

int ebpf_on_record(void *ctx, void *data, size_t size)
{
	struct iol_tracer *t = ctx;
	const struct iol_rec_hdr *h = data;

	if (size < sizeof(*h) || h->size < sizeof(*h) || h->size > size || (h->size & 7)) {
		if (!t->bad_record_warned)
			logmsg("iolens-tracer: warning: malformed record from the kernel side (kind %u, size %u of %zu)",
			       size >= sizeof(*h) ? h->kind : 0, size >= sizeof(*h) ? h->size : 0, size);
		t->bad_record_warned = true;
		return 0;
	}
	if (h->kind == IOL_RECORD_KIND_TASK && h->size >= sizeof(struct iol_rec_task)) {
		const struct iol_rec_task *r = data;
		struct iol_proc_maps *p;

		if (r->event == IOL_TASK_EVENT_EXEC || r->event == IOL_TASK_EVENT_PROCESS_START) {
			p = ebpf_proc_state(t, r->pid, true);
			if (p) {
				proc_maps_reset(p);
				p->dirty = true;
			}
		}
		if (r->event == IOL_TASK_EVENT_EXIT && (r->flags & IOL_TASK_FLAG_GROUP_DEAD))
			proc_forget(t, r->pid);
	} else if (h->kind == IOL_RECORD_KIND_MMAP && h->size >= sizeof(struct iol_rec_mmap)) {
		const struct iol_rec_mmap *r = data;
		struct iol_proc_maps *p = ebpf_proc_state(t, r->pid, true);

		if (p)
			p->dirty = true;
	}
	out_record(t->out, data);
	/* after an exec, the fds that survived it are sent again, after the exec record */
	if (h->kind == IOL_RECORD_KIND_TASK && ((const struct iol_rec_task *)data)->event == IOL_TASK_EVENT_EXEC)
		proc_snapshot_fds(t->out, ((const struct iol_rec_task *)data)->pid, now_ns(CLOCK_MONOTONIC),
				  ebpf_set_fd_class, t);
	return 0;
}

/* ---------------------------------------------------------------- losses and calls in flight */

void ebpf_map_update_failed(struct iol_tracer *t, const char *map, int err)
{
	t->map_update_failures++;
	if (t->map_failure_warned)
		return;
	t->map_failure_warned = true;
	logmsg("iolens-tracer: warning: updating the %s map failed (%s): counted with the map_full losses", map,
	       strerror(err));
}

/* A traced process that is gone or a zombie (its exit already happened). */
static bool proc_gone(pid_t pid)
{
	char path[32], buf[256];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

void ebpf_prune_gone(struct iol_tracer *t)
{
	struct bpf_map *traced = t->skel->maps.traced;
	__u32 key, next, gone[64];
	size_t n = 0;
	void *prev = NULL;

	while (n < 64 && bpf_map__get_next_key(traced, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (proc_gone((pid_t)key))
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		/* one left in the map would keep the recording going, and its pid's next owner traced */
		int err = bpf_map__delete_elem(traced, &gone[i], sizeof(gone[i]), 0);

		if (err && err != -ENOENT) /* ENOENT: the kernel side saw its exit meanwhile */
			ebpf_map_update_failed(t, "traced", -err);
		bpf_map__delete_elem(t->skel->maps.aio_rings, &gone[i], sizeof(gone[i]), 0); /* none, mostly */
	}
}

void ebpf_report_losses(struct iol_tracer *t, __u64 ts)
{
	__u64 values[t->ncpus];

	for (size_t i = 0; i < IOL_N_LOSS; i++) {
		__u32 key = loss_counters[i].slot;
		__u64 total = 0;
		struct iol_rec_drop r = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(r) } };

		if (bpf_map__lookup_elem(t->skel->maps.counters, &key, sizeof(key), values, sizeof(values), 0))
			continue;
		for (int c = 0; c < t->ncpus; c++)
			total += values[c];
		if (loss_counters[i].slot == IOL_CNT_MAP_FULL)
			total += t->map_update_failures;
		if (total <= t->loss_total[i])
			continue;
		r.source = loss_counters[i].source;
		r.cpu = IOL_NO_CPU;
		r.ts = ts;
		r.count = total - t->loss_total[i];
		r.total = total;
		t->loss_total[i] = total;
		out_record(t->out, &r);
	}
}

__u64 ebpf_counter_sum(struct iol_tracer *t, enum iol_counter slot)
{
	__u64 values[t->ncpus], total = 0;
	__u32 key = slot;

	if (bpf_map__lookup_elem(t->skel->maps.counters, &key, sizeof(key), values, sizeof(values), 0))
		return 0;
	for (int c = 0; c < t->ncpus; c++)
		total += values[c];
	return total;
}

/* ---------------------------------------------------------------- short calls, counted */

#define SUMMARY_BATCH 256

/* One key at a time, for kernels without batch lookups of hash maps. */
static void summaries_by_key(struct iol_tracer *t, struct bpf_map *map)
{
	struct iol_summary_key key, next;
	void *prev = NULL;

	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		struct iol_summary_val val, *v;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &val, sizeof(val), 0))
			continue;
		v = summary_value(&t->summary, &key, val.pid);
		if (v)
			*v = val;
	}
}

/*
 * The kernel side counts short blocking calls in the `summaries` map, cumulative per key: copy the
 * counts (in batches) and send those that changed as call_summary records.
 */
/* A gone thread's key, its final counts sent: deleted from the kernel's map too (summary_prune). */
static void drop_kernel_key(const struct iol_summary_key *key, void *ctx)
{
	struct iol_tracer *t = ctx;
	int err = bpf_map__delete_elem(t->skel->maps.summaries, key, sizeof(*key), 0);

	if (err && err != -ENOENT)
		logmsg("iolens-tracer: warning: removing a finished thread's counts failed: %s", strerror(-err));
}

void ebpf_report_summaries(struct iol_tracer *t, __u64 now, bool final)
{
	struct bpf_map *map = t->skel->maps.summaries;
	int fd = bpf_map__fd(map);
	static struct iol_summary_key keys[SUMMARY_BATCH];
	static struct iol_summary_val vals[SUMMARY_BATCH];
	struct iol_summary_key batch_in, batch_out;
	void *in = NULL;

	/* before the read: a thread gone now made its last call before it, so what is read is final */
	if (!final)
		summary_mark_gone(&t->summary);
	while (!t->summary_no_batch) {
		__u32 n = SUMMARY_BATCH;
		int err = bpf_map_lookup_batch(fd, in, &batch_out, keys, vals, &n, NULL);

		if (err && errno != ENOENT) {
			if (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP) {
				t->summary_no_batch = true;
				break;
			}
			logmsg("iolens-tracer: warning: reading the counts of short calls failed: %s", strerror(errno));
			return;
		}
		for (__u32 i = 0; i < n; i++) {
			struct iol_summary_val *v = summary_value(&t->summary, &keys[i], vals[i].pid);

			if (v)
				*v = vals[i];
		}
		if (err)
			break; /* ENOENT: that was the last batch */
		batch_in = batch_out;
		in = &batch_in;
	}
	if (t->summary_no_batch)
		summaries_by_key(t, map);
	summary_emit(&t->summary, t->out, now, final);
	if (!final)
		summary_prune(&t->summary, drop_kernel_key, t);
}

/*
 * A thread's run of empty polls not sent yet. At the end (the probes are off by now) it is sent as
 * it is. While recording, the kernel side sends a run when it spans IOL_POLL_RUN_MAX_NS or the
 * thread makes another call; a run whose thread has made no traced call since for that long (it
 * went quiet in untraced calls or computing) is shown flagged unfinished, as a call in flight is,
 * once per state (user space cannot take it from the kernel side without racing the thread's next
 * poll): the kernel side's record of the same run (thread, first call) replaces it later.
 */
static void report_poll_run(struct iol_tracer *t, const struct iol_inflight *f, __u32 tid, __u32 slot, __u64 now,
			    bool final)
{
	struct {
		struct iol_rec_syscall r;
		__u64 data[IOL_DATA_POLL_RUN_WORDS];
	} run;

	if (!final) {
		if (f->run.end > now || now - f->run.end < IOL_POLL_RUN_MAX_NS)
			return;
		if (t->unfinished[slot].tid == tid && t->unfinished[slot].ts == f->run.ts &&
		    t->unfinished[slot].run_count == f->run.count)
			return;
		t->unfinished[slot].tid = tid;
		t->unfinished[slot].ts = f->run.ts;
		t->unfinished[slot].run_count = f->run.count;
		t->unfinished[slot].reported = now;
	}
	iol_poll_run_record(&f->run, f->tgid, tid, IOL_NO_CPU, &run.r, run.data);
	if (!final)
		run.r.flags |= IOL_SYSCALL_FLAG_UNFINISHED;
	out_record(t->out, &run);
}

/*
 * Waits and blocking calls still in progress are sent as syscall records flagged unfinished, so a
 * thread stuck for minutes is visible while it is stuck (again every second), and the last ones
 * are in the trace when it ends. `final`: report every one, now.
 */
void ebpf_report_unfinished(struct iol_tracer *t, __u64 now, bool final)
{
	struct bpf_map *map = t->skel->maps.inflight;
	__u32 key, next;
	void *prev = NULL;

	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		struct iol_inflight f;
		struct iol_rec_syscall r = { .hdr = { .kind = IOL_RECORD_KIND_SYSCALL, .size = sizeof(r) } };
		__u32 slot = next % IOL_UNFINISHED_SLOTS;
		__u8 cls;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &f, sizeof(f), 0))
			continue;
		if (f.run.ts)
			report_poll_run(t, &f, key, slot, now, final);
		if (!f.ts || f.ts > now || f.sys >= IOL_SYS_MAX)
			continue;
		cls = ebpf_syscall_class(f.sys);
		if (cls != IOL_SYSCALL_CLASS_WAIT && cls != IOL_SYSCALL_CLASS_BLOCKING &&
		    !(ebpf_syscall_traits(f.sys) & IOL_SYSCALL_TRAIT_SLOW))
			continue;
		if (cls != IOL_SYSCALL_CLASS_WAIT && now - f.ts < t->opts->min_duration_ns)
			continue;
		if (!final) {
			if (now - f.ts < IOL_UNFINISHED_AFTER_NS)
				continue;
			if (t->unfinished[slot].tid == key && t->unfinished[slot].ts == f.ts &&
			    now - t->unfinished[slot].reported < IOL_UNFINISHED_EVERY_NS)
				continue;
			t->unfinished[slot].tid = key;
			t->unfinished[slot].ts = f.ts;
			t->unfinished[slot].reported = now;
		}
		r.sys = f.sys;
		r.cpu = IOL_NO_CPU;
		r.pid = f.tgid;
		r.tid = key;
		r.flags = IOL_SYSCALL_FLAG_UNFINISHED;
		r.ts = f.ts;
		r.dur = now - f.ts;
		r.stack_id = f.stack_id;
		memcpy(r.args, f.args, sizeof(r.args));
		out_record(t->out, &r);
	}
}

void ebpf_forget_procs(struct iol_tracer *t)
{
	for (size_t i = 0; i < t->nprocs; i++)
		free(t->procs[i].maps);
	free(t->procs);
	t->procs = NULL;
	t->nprocs = 0;
}
