// SPDX-License-Identifier: MIT
/*
 * iolens-tracer: attaches to a process (or launches one held back until attached), and writes its
 * asynchronous I/O as an iolens event stream. The privileged part of iolens: it parses nothing it
 * did not produce, and never stops, slows or kills its target.
 *
 * main() picks the backend (--backend): eBPF (this file: open -> configure -> load -> attach ->
 * stream, as libbpf-tools do) when this user may load the programs, else ptrace (ptrace/).
 */
#define _GNU_SOURCE
#include <asm/unistd.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "iolens.h"
#include "iolens.skel.h"
#include "kernel_compat.h"
#include "launch.h"
#include "meta.h"
#include "options.h"
#include "output.h"
#include "privs.h"
#include "procfs.h"
#include "uio.h"
#include "ptrace/ptrace.h"

/* The traced syscalls: name, iolens id, argument count, class, kernel number. */
struct iol_sys_entry {
	const char *name;
	__u16 id;
	__u8 nargs;
	__u8 cls;
	int nr;
};
#define IOL_SYS_ENTRY(name, id, nargs, cls, model, fmt) { #name, id, nargs, cls, __NR_##name },
static const struct iol_sys_entry syscalls[] = { IOL_SYSCALLS(IOL_SYS_ENTRY) };
#define N_SYSCALLS (sizeof(syscalls) / sizeof(syscalls[0]))

static __u8 class_of_sys[IOL_SYS_MAX];

/* Losses reported as drop records: counter slot -> drop source. */
static const struct {
	enum iol_counter slot;
	__u8 source;
} loss_counters[] = {
	{ IOL_CNT_RING_FULL, IOL_DROP_SOURCE_RING_FULL },
	{ IOL_CNT_STACK_RING_FULL, IOL_DROP_SOURCE_STACK_RING_FULL },
	{ IOL_CNT_AIO_LIMIT, IOL_DROP_SOURCE_AIO_BATCH_LIMIT },
	{ IOL_CNT_MAP_FULL, IOL_DROP_SOURCE_MAP_FULL },
};
#define N_LOSS (sizeof(loss_counters) / sizeof(loss_counters[0]))

#define IOL_UNFINISHED_SLOTS 4096
#define IOL_UNFINISHED_AFTER_NS 250000000ULL /* a call in flight this long is shown while it lasts */
#define IOL_UNFINISHED_EVERY_NS 1000000000ULL

struct iol_tracer {
	struct iol_options opts;
	struct iolens_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **links;
	size_t nlinks;
	struct iol_output out;
	pid_t target;
	bool launched;
	struct iol_launch launch;
	struct iol_proc_maps *procs;
	size_t nprocs;
	__u64 loss_total[N_LOSS];
	int ncpus;
	bool target_gone;
	bool bad_record_warned;
	pid_t orig_ppid;
	struct {
		__u32 tid;
		__u64 ts;
		__u64 reported;
	} unfinished[IOL_UNFINISHED_SLOTS];
	struct iol_meta_list missing; /* tracepoints this kernel lacks */
	struct iol_meta_list cannot_see; /* what this recording cannot show, in words */
	struct iol_rec_clock clock;
	struct iol_uio_set uio;    /* UIO devices seen (their IRQs are traced while a target has one open) */
	bool irq_attached;         /* the hard-IRQ programs are attached (--irq, or a UIO device exists) */
	__u64 next_uio_scan;
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("IOLENS_DEBUG"))
		return 0;
	return vdprintf(log_fd, fmt, ap);
}

/* ---------------------------------------------------------------- per-process state */

static struct iol_proc_maps *proc_state(struct iol_tracer *t, pid_t pid, bool create)
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
	struct iol_proc_maps *p = proc_state(t, pid, false);

	if (!p)
		return;
	free(p->maps);
	*p = t->procs[--t->nprocs];
}

/* An fd the process had before the attach is on a UIO device or its config space (procfs.h). */
static void set_fd_class(void *ctx, pid_t pid, int fd, uint8_t type, uint32_t rdev)
{
	struct iol_tracer *t = ctx;
	struct iol_fd_key key = { .tgid = (__u32)pid, .fd = fd };
	__u8 one = 1;

	bpf_map__update_elem(t->skel->maps.fd_class, &key, sizeof(key), &type, sizeof(type), BPF_ANY);
	if (type != IOL_FD_TYPE_UIO)
		return;
	/* as uio_type() in fd.bpf.h does for an open: the device's interrupt is traced from now on */
	for (size_t i = 0; i < t->uio.n; i++) {
		const struct iol_uio_dev *d = &t->uio.dev[i];
		__u32 irq = (__u32)d->irq;

		if ((d->major << 20 | d->minor) == rdev && d->irq >= 0)
			bpf_map__update_elem(t->skel->maps.irq_filter, &irq, sizeof(irq), &one, sizeof(one), BPF_ANY);
	}
}

/* ---------------------------------------------------------------- UIO devices */

static int keep_link(struct iol_tracer *t, struct bpf_link *link);

/* A UIO device appeared (or was there at attach): tell the kernel side how to recognise it. */
static void uio_device_found(void *ctx, const struct iol_uio_dev *d)
{
	struct iol_tracer *t = ctx;
	struct iol_file_key file = { .ino = d->config_ino, .dev = d->config_dev };
	__u8 config = IOL_FD_TYPE_UIO_CONFIG;
	__u32 minor = d->minor;
	__s32 irq = d->irq;

	t->skel->bss->uio_major = d->major;
	bpf_map__update_elem(t->skel->maps.uio_irqs, &minor, sizeof(minor), &irq, sizeof(irq), BPF_ANY);
	if (d->config_ino)
		bpf_map__update_elem(t->skel->maps.uio_files, &file, sizeof(file), &config, sizeof(config), BPF_ANY);
}

/* The hard-IRQ programs: attached with --irq, else once a UIO device exists (only the IRQs of UIO
 * devices a traced process opens are then recorded: irq_filter). */
static int attach_irq(struct iol_tracer *t)
{
	struct bpf_program *progs[] = { t->skel->progs.on_irq_entry, t->skel->progs.on_irq_exit };

	if (t->irq_attached || !bpf_program__autoload(progs[0]) || !bpf_program__autoload(progs[1]))
		return 0;
	for (size_t i = 0; i < 2; i++) {
		struct bpf_link *l = bpf_program__attach(progs[i]);

		if (!l) {
			logmsg("iolens-tracer: cannot attach %s: %s", bpf_program__name(progs[i]), strerror(errno));
			return -errno;
		}
		if (keep_link(t, l))
			return -ENOMEM;
	}
	t->irq_attached = true;
	return 0;
}

/* Look for new UIO devices (at attach, then every second). */
static void uio_refresh_devices(struct iol_tracer *t, __u64 now)
{
	if (uio_refresh(&t->uio, &t->out, now, uio_device_found, t) > 0)
		attach_irq(t);
	t->next_uio_scan = now + 1000000000ULL;
}

/* Send the executable mappings of processes whose address space changed, and tell the kernel side
 * where their code is. */
static void scan_dirty_procs(struct iol_tracer *t)
{
	for (size_t i = 0; i < t->nprocs; i++) {
		struct iol_proc_maps *p = &t->procs[i];
		struct iol_exec_ranges ranges;
		__u32 key = (__u32)p->pid;

		if (!p->dirty)
			continue;
		p->dirty = false;
		if (proc_scan_maps(p, &t->out, now_ns(CLOCK_MONOTONIC), &ranges) < 0)
			continue; /* gone meanwhile */
		bpf_map__update_elem(t->skel->maps.exec_ranges, &key, sizeof(key), &ranges, sizeof(ranges), BPF_ANY);
	}
}

/* ---------------------------------------------------------------- records from the kernel */

static int on_record(void *ctx, void *data, size_t size)
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
			p = proc_state(t, r->pid, true);
			if (p) {
				proc_maps_reset(p);
				p->dirty = true;
			}
		}
		if (r->event == IOL_TASK_EVENT_EXIT && (r->flags & IOL_TASK_FLAG_GROUP_DEAD)) {
			if ((pid_t)r->pid == t->target)
				t->target_gone = true;
			proc_forget(t, r->pid);
		}
	} else if (h->kind == IOL_RECORD_KIND_MMAP && h->size >= sizeof(struct iol_rec_mmap)) {
		const struct iol_rec_mmap *r = data;
		struct iol_proc_maps *p = proc_state(t, r->pid, true);

		if (p)
			p->dirty = true;
	}
	out_record(&t->out, data);
	/* after an exec, the fds that survived it are sent again, after the exec record */
	if (h->kind == IOL_RECORD_KIND_TASK && ((const struct iol_rec_task *)data)->event == IOL_TASK_EVENT_EXEC)
		proc_snapshot_fds(&t->out, ((const struct iol_rec_task *)data)->pid, now_ns(CLOCK_MONOTONIC),
				  set_fd_class, t);
	return 0;
}

/* ---------------------------------------------------------------- losses and calls in flight */

static void report_losses(struct iol_tracer *t, __u64 ts)
{
	__u64 values[t->ncpus];

	for (size_t i = 0; i < N_LOSS; i++) {
		__u32 key = loss_counters[i].slot;
		__u64 total = 0;
		struct iol_rec_drop r = { .hdr = { .kind = IOL_RECORD_KIND_DROP, .size = sizeof(r) } };

		if (bpf_map__lookup_elem(t->skel->maps.counters, &key, sizeof(key), values, sizeof(values), 0))
			continue;
		for (int c = 0; c < t->ncpus; c++)
			total += values[c];
		if (total <= t->loss_total[i])
			continue;
		r.source = loss_counters[i].source;
		r.cpu = 0xffff;
		r.ts = ts;
		r.count = total - t->loss_total[i];
		r.total = total;
		t->loss_total[i] = total;
		out_record(&t->out, &r);
	}
}

static __u64 counter_sum(struct iol_tracer *t, enum iol_counter slot)
{
	__u64 values[t->ncpus], total = 0;
	__u32 key = slot;

	if (bpf_map__lookup_elem(t->skel->maps.counters, &key, sizeof(key), values, sizeof(values), 0))
		return 0;
	for (int c = 0; c < t->ncpus; c++)
		total += values[c];
	return total;
}

/*
 * Waits and blocking calls still in progress are sent as syscall records flagged unfinished, so a
 * thread stuck for minutes is visible while it is stuck (again every second), and the last ones
 * are in the trace when it ends. `final`: report every one, now.
 */
static void report_unfinished(struct iol_tracer *t, __u64 now, bool final)
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
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &f, sizeof(f), 0) || !f.ts || f.ts > now ||
		    f.sys >= IOL_SYS_MAX)
			continue;
		cls = class_of_sys[f.sys];
		if (cls != IOL_SYSCALL_CLASS_WAIT && cls != IOL_SYSCALL_CLASS_BLOCKING)
			continue;
		if (cls == IOL_SYSCALL_CLASS_BLOCKING && now - f.ts < t->opts.min_duration_ns)
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
		r.cpu = 0xffff;
		r.pid = f.tgid;
		r.tid = key;
		r.flags = IOL_SYSCALL_FLAG_UNFINISHED;
		r.ts = f.ts;
		r.dur = now - f.ts;
		r.stack_id = f.stack_id;
		memcpy(r.args, f.args, sizeof(r.args));
		out_record(&t->out, &r);
	}
}

/* ---------------------------------------------------------------- setup */

/* stat(), not access(): access() checks with the real uid and, for an ordinary user, ignores the
 * capabilities (CAP_DAC_READ_SEARCH) that let it into /sys/kernel/tracing (mode 0700). */
static bool tracefs_ready(void)
{
	struct stat st;

	return stat("/sys/kernel/tracing/events/syscalls", &st) == 0 ||
	       stat("/sys/kernel/debug/tracing/events/syscalls", &st) == 0;
}

/* libbpf finds tracepoints through tracefs; mount it when nobody has. */
static int ensure_tracefs(bool quiet)
{
	if (tracefs_ready())
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY) {
		if (quiet)
			return -1;
		logmsg("iolens-tracer: tracefs is not mounted and mounting it failed: %s.\n"
		       "  Mount it once with: mount -t tracefs tracefs /sys/kernel/tracing",
		       strerror(errno));
		return -1;
	}
	if (!tracefs_ready()) {
		logmsg("iolens-tracer: this kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS); iolens needs them.");
		return -1;
	}
	return 0;
}

static int keep_link(struct iol_tracer *t, struct bpf_link *link)
{
	struct bpf_link **p = realloc(t->links, (t->nlinks + 1) * sizeof(*p));

	if (!p) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	t->links = p;
	t->links[t->nlinks++] = link;
	return 0;
}

static struct bpf_program *enter_prog(struct iolens_bpf *skel, int nargs)
{
	struct bpf_program *progs[] = {
		skel->progs.sys_enter_0, skel->progs.sys_enter_1, skel->progs.sys_enter_2, skel->progs.sys_enter_3,
		skel->progs.sys_enter_4, skel->progs.sys_enter_5, skel->progs.sys_enter_6,
	};

	return nargs >= 0 && nargs <= 6 ? progs[nargs] : NULL;
}

static int attach_all(struct iol_tracer *t, struct btf *vmlinux)
{
	struct iolens_bpf *s = t->skel;
	struct bpf_program *btf_progs[] = {
		s->progs.on_fork, s->progs.on_exec, s->progs.on_exit_task, s->progs.on_rename,
		s->progs.on_signal_generate, s->progs.on_signal_deliver, s->progs.on_waking,
		s->progs.on_uring_create, s->progs.on_uring_submit, s->progs.on_uring_complete,
		s->progs.on_uring_complete_args,
	};
	char tp[96];

	for (size_t i = 0; i < N_SYSCALLS; i++) {
		struct bpf_link *l;

		if (syscalls[i].cls == IOL_SYSCALL_CLASS_NAMED)
			continue; /* known by name only (wake-ups read it from the registers) */
		snprintf(tp, sizeof(tp), "sys_enter_%s", syscalls[i].name);
		l = bpf_program__attach_tracepoint(enter_prog(s, syscalls[i].nargs), "syscalls", tp);
		if (!l) {
			meta_list_add(&t->missing, tp);
			continue;
		}
		if (keep_link(t, l))
			return -ENOMEM;
		if (syscalls[i].cls == IOL_SYSCALL_CLASS_INSTANT)
			continue; /* sent at entry: its exit never comes (rt_sigreturn) */
		snprintf(tp, sizeof(tp), "sys_exit_%s", syscalls[i].name);
		l = bpf_program__attach_tracepoint(s->progs.sys_exit, "syscalls", tp);
		if (!l) {
			meta_list_add(&t->missing, tp);
			continue;
		}
		if (keep_link(t, l))
			return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(btf_progs) / sizeof(btf_progs[0]); i++) {
		struct bpf_link *l;

		if (!bpf_program__autoload(btf_progs[i]))
			continue;
		l = bpf_program__attach(btf_progs[i]);
		if (!l) {
			logmsg("iolens-tracer: cannot attach %s: %s", bpf_program__name(btf_progs[i]), strerror(errno));
			return -errno;
		}
		if (keep_link(t, l))
			return -ENOMEM;
	}
	(void)vmlinux;
	return t->opts.irq ? attach_irq(t) : 0;
}

static int configure(struct iol_tracer *t, struct btf *vmlinux)
{
	struct iolens_bpf *s = t->skel;

	s->rodata->min_duration_ns = t->opts.min_duration_ns;
	s->rodata->tracer_tgid = getpid();
	s->rodata->want_stacks = t->opts.stacks;
	s->rodata->irq_all = t->opts.irq;
	s->rodata->wakeup_bytes = t->opts.ring_size / 16 < 262144 ? t->opts.ring_size / 16 : 262144;
	for (size_t i = 0; i < N_SYSCALLS; i++) {
		if (syscalls[i].nr >= 0 && syscalls[i].nr < IOL_NR_MAX)
			s->rodata->nr_to_sys[syscalls[i].nr] = syscalls[i].id;
		class_of_sys[syscalls[i].id] = syscalls[i].cls;
	}
	/* loaded always (UIO devices may appear), attached only when needed (attach_irq) */
	if (!compat_has_tracepoint(vmlinux, "irq_handler_entry") || !compat_has_tracepoint(vmlinux, "irq_handler_exit")) {
		bpf_program__set_autoload(s->progs.on_irq_entry, false);
		bpf_program__set_autoload(s->progs.on_irq_exit, false);
		meta_list_add(&t->cannot_see, "hard IRQs (this kernel lacks the irq_handler tracepoints)");
	}
	if (!compat_select_uring(s, vmlinux, &t->missing))
		meta_list_add(&t->cannot_see, "io_uring requests and completions (this kernel lacks the io_uring "
					      "tracepoints)");
	return bpf_map__set_max_entries(s->maps.events, t->opts.ring_size);
}

static void explain_load_error(int err)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;
	if (err == -EACCES)
		logmsg("iolens-tracer: this kernel's verifier rejected the eBPF programs (log above).\n"
		       "  This is a bug in iolens: please report it with the output of IOLENS_DEBUG=1 iolens-tracer ...");
	else if (err == -EPERM)
		logmsg("iolens-tracer: the kernel refused to load the eBPF programs (%s).\n"
		       "  The eBPF backend needs CAP_BPF and CAP_PERFMON: run as root, or grant them once with\n"
		       "    sudo setcap cap_bpf,cap_perfmon,cap_dac_read_search,cap_sys_ptrace+ep %s",
		       strerror(-err), n > 0 ? self : "<path to iolens-tracer>");
	else
		logmsg("iolens-tracer: loading the eBPF programs failed: %s", strerror(-err));
}

static int add_target(struct iol_tracer *t, pid_t pid, __u32 flags)
{
	struct iol_traced_proc v = { .flags = flags };
	__u32 key = (__u32)pid;

	return bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key), &v, sizeof(v), BPF_ANY);
}

static void write_preamble(struct iol_tracer *t)
{
	out_record(&t->out, &t->clock);
	meta_write(&t->out, &(struct iol_meta_info){
		.cannot_see = &t->cannot_see,
		.backend = "ebpf",
		.pid = t->target,
		.command = t->opts.command,
		.launched = t->launched,
		.min_duration_ns = t->opts.min_duration_ns,
		.irq = t->opts.irq,
		.stacks = t->opts.stacks,
		.ring_size = t->opts.ring_size,
		.missing = &t->missing,
	});
}

/*
 * Detach every probe. Each detach from a syscall tracepoint waits for an RCU-tasks-trace grace
 * period (about 70 ms here): one after the other, 126 of them took 9 s. Detached concurrently,
 * the waits overlap and the whole takes about one grace period.
 */
static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

static void destroy_links(struct bpf_link **links, size_t n)
{
	pthread_t *threads = calloc(n, sizeof(*threads));
	bool *started = calloc(n, sizeof(*started));

	for (size_t i = 0; i < n; i++)
		started[i] = threads && started && pthread_create(&threads[i], NULL, destroy_link, links[i]) == 0;
	for (size_t i = 0; i < n; i++) {
		if (started && started[i])
			pthread_join(threads[i], NULL);
		else
			bpf_link__destroy(links[i]);
	}
	free(threads);
	free(started);
}

/* --check: load the programs as a recording would (same configuration for this kernel), then unload
 * them, to learn whether this user may trace with eBPF. 0: yes; 3: not allowed; 1: another failure
 * (a verifier refusal despite the capabilities is a bug in iolens, and says so). */
static int check_privileges(struct iol_tracer *t)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int err, rc = 1;

	if (!caps_allow_ebpf()) {
		explain_load_error(-EPERM);
		rc = 3;
		goto out;
	}
	t->skel = iolens_bpf__open();
	if (!t->skel) {
		logmsg("iolens-tracer: cannot open the eBPF object: %s", strerror(errno));
		goto out;
	}
	err = configure(t, vmlinux);
	if (err) {
		logmsg("iolens-tracer: cannot configure the eBPF object: %s", strerror(-err));
		goto out;
	}
	err = iolens_bpf__load(t->skel); /* with the capabilities, a refusal is a bug: its log is shown */
	if (err) {
		explain_load_error(err);
		rc = err == -EPERM ? 3 : 1;
		goto out;
	}
	printf("ok: this user may load the eBPF programs\n");
	rc = 0;
out:
	iolens_bpf__destroy(t->skel);
	t->skel = NULL;
	btf__free(vmlinux);
	meta_list_free(&t->missing);
	meta_list_free(&t->cannot_see);
	return rc;
}

/* ---------------------------------------------------------------- main loop */

static int run(struct iol_tracer *t, int *end_reason)
{
	__u64 start = now_ns(CLOCK_MONOTONIC), next_stats = start;
	__u64 deadline = t->opts.duration_s > 0 ? start + (__u64)(t->opts.duration_s * 1e9) : 0;

	for (;;) {
		__u64 now;
		int status;

		ring_buffer__poll(t->rb, 50);
		ring_buffer__consume(t->rb);
		scan_dirty_procs(t);
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= t->next_uio_scan)
			uio_refresh_devices(t, now);
		if (now >= next_stats) {
			report_losses(t, now);
			report_unfinished(t, now, false);
			next_stats = now + (__u64)t->opts.stats_interval_ms * 1000000ULL;
		}
		out_flush(&t->out);
		if (t->out.error) {
			*end_reason = IOL_END_REASON_OUTPUT_CLOSED;
			return 0;
		}
		if (stop_signal) {
			*end_reason = getppid() != t->orig_ppid ? IOL_END_REASON_PARENT_DIED : IOL_END_REASON_SIGNAL;
			return stop_signal;
		}
		if (getppid() != t->orig_ppid) {
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

	if (t->out.error)
		return;
	ring_buffer__consume(t->rb);
	scan_dirty_procs(t);
	now = now_ns(CLOCK_MONOTONIC);
	report_losses(t, now);
	report_unfinished(t, now, true);
	e.reason = reason;
	e.signal = sig;
	e.ts = now;
	e.emitted = counter_sum(t, IOL_CNT_EMITTED);
	for (size_t i = 0; i < N_LOSS; i++)
		e.dropped += t->loss_total[i];
	out_flush(&t->out);
	e.bytes = t->out.bytes;
	out_record(&t->out, &e);
	out_flush(&t->out);
}

/* The ptrace backend, chosen or because eBPF is not allowed here; `started`: the output is open. */
static int run_ptrace(struct iol_tracer *t, bool started)
{
	int rc;

	if (!started && start_output(&t->opts, &t->out))
		return 1;
	rc = ptrace_backend_run(&t->opts, &t->out);
	if (t->out.fd >= 0)
		close(t->out.fd);
	release_stdio(log_fd);
	return rc;
}

int main(int argc, char **argv)
{
	static struct iol_tracer tracer = { .out.fd = -1 };
	struct iol_tracer *t = &tracer;
	int stdio_fds[3] = { -1, -1, -1 };
	struct btf *vmlinux = NULL;
	int err, reason = IOL_END_REASON_ERROR, sig = 0, rc = 1;
	bool autoselect;

	err = parse_options(argc, argv, &t->opts);
	if (err)
		return err > 0 ? 0 : 2;
	log_fd = t->opts.log_fd;
	t->orig_ppid = getppid();
	install_signals();
	libbpf_set_print(libbpf_log);
	if (t->opts.check)
		return check_privileges(t);
	if (t->opts.pid && check_target(t->opts.pid))
		return 1;
	autoselect = t->opts.backend == IOL_BACKEND_AUTO;
	if (t->opts.backend == IOL_BACKEND_PTRACE)
		return run_ptrace(t, false);
	if (autoselect && !caps_allow_ebpf()) {
		logmsg("iolens-tracer: using the ptrace backend: this user may not load eBPF programs");
		return run_ptrace(t, false);
	}
	if (ensure_tracefs(autoselect)) {
		if (!autoselect)
			return 1;
		logmsg("iolens-tracer: using the ptrace backend: tracefs is not available to this user");
		return run_ptrace(t, false);
	}
	if (start_output(&t->opts, &t->out))
		return 1;

	t->ncpus = libbpf_num_possible_cpus();
	vmlinux = btf__load_vmlinux_btf();
	{
		/* IOLENS_VERIFIER_STATS=1: print the verifier's statistics per program (with IOLENS_DEBUG=1) */
		LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kernel_log_level = getenv("IOLENS_VERIFIER_STATS") ? 4 : 0);

		t->skel = iolens_bpf__open_opts(&open_opts);
	}
	if (!t->skel || t->ncpus <= 0) {
		logmsg("iolens-tracer: cannot open the eBPF object: %s", strerror(errno));
		goto cleanup;
	}
	err = configure(t, vmlinux);
	if (err) {
		logmsg("iolens-tracer: cannot configure the eBPF object: %s", strerror(-err));
		goto cleanup;
	}
	if (autoselect)
		libbpf_set_print(NULL); /* a refusal is not an error here: ptrace takes over */
	err = iolens_bpf__load(t->skel);
	libbpf_set_print(libbpf_log);
	if (err && autoselect && (err == -EPERM || err == -EACCES)) {
		logmsg("iolens-tracer: using the ptrace backend: the kernel refused the eBPF programs (%s)", strerror(-err));
		iolens_bpf__destroy(t->skel);
		t->skel = NULL;
		btf__free(vmlinux);
		meta_list_free(&t->missing);
		meta_list_free(&t->cannot_see);
		return run_ptrace(t, true);
	}
	if (err) {
		explain_load_error(err);
		goto cleanup;
	}

	/* the command is started (held back before its exec) once the programs are loaded */
	if (t->opts.command) {
		err = launch_prepare(&t->launch, t->opts.command, stdio_fds);
		if (err) {
			logmsg("iolens-tracer: cannot start %s: %s", t->opts.command[0], strerror(-err));
			goto cleanup;
		}
		t->launched = true;
		t->target = t->launch.pid;
	} else {
		t->target = t->opts.pid;
	}
	err = attach_all(t, vmlinux);
	if (err)
		goto cleanup;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
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
	uio_refresh_devices(t, now_ns(CLOCK_MONOTONIC));
	if (add_target(t, t->target, IOL_TRACED_TARGET | (t->launched ? IOL_TRACED_QUIET_UNTIL_EXEC : 0))) {
		logmsg("iolens-tracer: cannot follow pid %d: %s", t->target, strerror(errno));
		goto cleanup;
	}
	if (!t->launched) {
		__u64 ts = now_ns(CLOCK_MONOTONIC);

		proc_snapshot_tasks(&t->out, t->target, ts, true);
		proc_snapshot_fds(&t->out, t->target, ts, set_fd_class, t);
		proc_state(t, t->target, true);
		scan_dirty_procs(t);
	} else {
		err = launch_release(&t->launch);
		if (err) {
			logmsg("iolens-tracer: cannot run %s: %s", t->opts.command[0], strerror(-err));
			t->launched = false;
			goto cleanup;
		}
	}
	out_flush(&t->out);
	logmsg("iolens-tracer: tracing pid %d", t->target);

	sig = run(t, &reason);
	finish(t, reason, sig);
	logmsg("iolens-tracer: stopped (%s); detaching", end_reason_text(reason));
	rc = t->out.error && t->out.error != EPIPE ? 1 : 0;
	if (t->out.error && t->out.error != EPIPE)
		logmsg("iolens-tracer: writing the stream failed: %s", strerror(t->out.error));

cleanup:
	/* The reader has the whole stream now: let it go on while the probes come off (seconds).
	 * Hold none of the caller's pipes meanwhile, or it would wait for us. */
	if (t->out.fd >= 0)
		close(t->out.fd);
	release_stdio(log_fd);
	if (t->launched && t->launch.go_fd >= 0)
		launch_abandon(&t->launch);
	ring_buffer__free(t->rb);
	destroy_links(t->links, t->nlinks);
	free(t->links);
	iolens_bpf__destroy(t->skel);
	btf__free(vmlinux);
	for (size_t i = 0; i < t->nprocs; i++)
		free(t->procs[i].maps);
	free(t->procs);
	meta_list_free(&t->missing);
	meta_list_free(&t->cannot_see);
	return rc;
}
