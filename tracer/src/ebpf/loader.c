// SPDX-License-Identifier: MIT
/*
 * The eBPF backend's setup, as libbpf-tools do it: open -> configure (rodata: threshold, the
 * syscall-number table, irq) -> load -> attach; and the way back (detach, free). --check runs the
 * same sequence up to the load.
 */
#define _GNU_SOURCE
#include <asm/unistd.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "kernel_compat.h"
#include "privs.h"
#include "tracer.h"

/* The traced syscalls: tracepoint name, iolens id, class, traits, kernel number. */
struct iol_sys_entry {
	const char *tracepoint;
	__u16 id;
	__u8 cls;
	__u8 traits;
	int nr;
};
#define IOL_SYS_ENTRY(name, id, nargs, cls, model, fmt, tp, traits) { tp, id, cls, traits, __NR_##name },
static const struct iol_sys_entry syscalls[] = { IOL_SYSCALLS(IOL_SYS_ENTRY) };
#define N_SYSCALLS (sizeof(syscalls) / sizeof(syscalls[0]))

static __u8 class_of_sys[IOL_SYS_MAX], traits_of_sys[IOL_SYS_MAX];

__u8 ebpf_syscall_class(__u16 sys)
{
	return sys < IOL_SYS_MAX ? class_of_sys[sys] : 0;
}

__u8 ebpf_syscall_traits(__u16 sys)
{
	return sys < IOL_SYS_MAX ? traits_of_sys[sys] : 0;
}

int ebpf_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("IOLENS_DEBUG"))
		return 0;
	return vdprintf(log_fd, fmt, ap);
}

/* ---------------------------------------------------------------- tracefs */

/* stat(), not access(): access() checks with the real uid and, for an ordinary user, ignores the
 * capabilities (CAP_DAC_READ_SEARCH) that let it into /sys/kernel/tracing (mode 0700). */
static bool tracefs_ready(void)
{
	struct stat st;

	return stat("/sys/kernel/tracing/events/syscalls", &st) == 0 ||
	       stat("/sys/kernel/debug/tracing/events/syscalls", &st) == 0;
}

int ebpf_ensure_tracefs(bool quiet)
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

/* ---------------------------------------------------------------- open, configure, load */

/* Only the syscall programs of the chosen kernel path (--kernel-path) are loaded. */
static void select_kernel_path(struct iolens_bpf *s, int path)
{
	bpf_program__set_autoload(s->progs.sys_enter, path == IOL_KERNEL_PATH_TRACEPOINTS);
	bpf_program__set_autoload(s->progs.sys_exit, path == IOL_KERNEL_PATH_TRACEPOINTS);
	bpf_program__set_autoload(s->progs.raw_sys_enter, path == IOL_KERNEL_PATH_RAW_TP);
	bpf_program__set_autoload(s->progs.raw_sys_exit, path == IOL_KERNEL_PATH_RAW_TP);
	bpf_program__set_autoload(s->progs.btf_sys_enter, path == IOL_KERNEL_PATH_TP_BTF);
	bpf_program__set_autoload(s->progs.btf_sys_exit, path == IOL_KERNEL_PATH_TP_BTF);
}

static int configure(struct iol_tracer *t)
{
	struct iolens_bpf *s = t->skel;

	s->rodata->min_duration_ns = t->opts->min_duration_ns;
	s->rodata->tracer_tgid = getpid();
	s->rodata->want_stacks = t->opts->stacks;
	s->rodata->stack_window = t->opts->stack_window;
	s->rodata->irq_all = t->opts->irq;
	s->rodata->wakeup_bytes = t->opts->ring_size / 16 < 262144 ? t->opts->ring_size / 16 : 262144;
	for (size_t i = 0; i < N_SYSCALLS; i++) {
		if (syscalls[i].nr >= 0 && syscalls[i].nr < IOL_NR_MAX)
			s->rodata->nr_to_sys[syscalls[i].nr] = syscalls[i].id;
		class_of_sys[syscalls[i].id] = syscalls[i].cls;
		traits_of_sys[syscalls[i].id] = syscalls[i].traits;
	}
	select_kernel_path(s, t->opts->kernel_path);
	/* loaded always (UIO devices may appear), attached only when needed (ebpf_attach_irq) */
	if (!compat_has_tracepoint(t->vmlinux, "irq_handler_entry") ||
	    !compat_has_tracepoint(t->vmlinux, "irq_handler_exit")) {
		bpf_program__set_autoload(s->progs.on_irq_entry, false);
		bpf_program__set_autoload(s->progs.on_irq_exit, false);
		meta_list_add(&t->cannot_see, "hard IRQs (this kernel lacks the irq_handler tracepoints)");
	}
	if (!compat_select_uring(s, t->vmlinux, &t->missing))
		meta_list_add(&t->cannot_see, "io_uring requests and completions (this kernel lacks the io_uring "
					      "tracepoints)");
	return bpf_map__set_max_entries(s->maps.events, t->opts->ring_size);
}

int ebpf_open_load(struct iol_tracer *t, bool quiet, bool *load_refused)
{
	/* IOLENS_VERIFIER_STATS=1: print the verifier's statistics per program (with IOLENS_DEBUG=1) */
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kernel_log_level = getenv("IOLENS_VERIFIER_STATS") ? 4 : 0);
	int err;

	*load_refused = false;
	t->ncpus = libbpf_num_possible_cpus();
	t->vmlinux = btf__load_vmlinux_btf();
	t->skel = iolens_bpf__open_opts(&open_opts);
	if (!t->skel || t->ncpus <= 0) {
		err = -errno;
		logmsg("iolens-tracer: cannot open the eBPF object: %s", strerror(errno));
		return err ? err : -EINVAL;
	}
	err = configure(t);
	if (err) {
		logmsg("iolens-tracer: cannot configure the eBPF object: %s", strerror(-err));
		return err;
	}
	if (quiet)
		libbpf_set_print(NULL); /* a refusal is not an error here: the caller decides */
	err = iolens_bpf__load(t->skel);
	libbpf_set_print(ebpf_libbpf_log);
	*load_refused = err != 0;
	return err;
}

void ebpf_explain_load_error(int err)
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
		       "    sudo setcap " IOL_TRACER_CAPABILITIES " %s",
		       strerror(-err), n > 0 ? self : "<path to iolens-tracer>");
	else
		logmsg("iolens-tracer: loading the eBPF programs failed: %s", strerror(-err));
}

int ebpf_check(const struct iol_options *opts)
{
	static struct iol_tracer tracer;
	struct iol_tracer *t = &tracer;
	bool refused;
	int err, rc = 1;

	t->opts = opts;
	libbpf_set_print(ebpf_libbpf_log);
	if (!caps_allow_ebpf()) {
		ebpf_explain_load_error(-EPERM);
		return 3;
	}
	err = ebpf_open_load(t, false, &refused); /* with the capabilities, a refusal is a bug: its log is shown */
	if (err) {
		if (refused)
			ebpf_explain_load_error(err);
		rc = err == -EPERM ? 3 : 1;
		goto cleanup;
	}
	printf("ok: this user may load the eBPF programs\n");
	rc = 0;
cleanup:
	ebpf_unload(t);
	return rc;
}

/* ---------------------------------------------------------------- attach */

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

int ebpf_attach_irq(struct iol_tracer *t)
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

/* The per-syscall tracepoints of every traced syscall (--kernel-path tracepoints). */
static int attach_tracepoints(struct iol_tracer *t)
{
	struct iolens_bpf *s = t->skel;
	char tp[96];

	for (size_t i = 0; i < N_SYSCALLS; i++) {
		struct bpf_link *l;

		if (syscalls[i].cls == IOL_SYSCALL_CLASS_NAMED)
			continue; /* known by name only (wake-ups read it from the registers) */
		snprintf(tp, sizeof(tp), "sys_enter_%s", syscalls[i].tracepoint);
		l = bpf_program__attach_tracepoint(s->progs.sys_enter, "syscalls", tp);
		if (!l) {
			meta_list_add(&t->missing, tp);
			continue;
		}
		if (keep_link(t, l))
			return -ENOMEM;
		if (syscalls[i].cls == IOL_SYSCALL_CLASS_INSTANT)
			continue; /* sent at entry: its exit never comes (rt_sigreturn) */
		snprintf(tp, sizeof(tp), "sys_exit_%s", syscalls[i].tracepoint);
		l = bpf_program__attach_tracepoint(s->progs.sys_exit, "syscalls", tp);
		if (!l) {
			meta_list_add(&t->missing, tp);
			continue;
		}
		if (keep_link(t, l))
			return -ENOMEM;
	}
	return 0;
}

/* The enter and exit programs of the chosen kernel path. */
static int attach_syscalls(struct iol_tracer *t)
{
	struct iolens_bpf *s = t->skel;
	struct bpf_program *progs[2];

	if (t->opts->kernel_path == IOL_KERNEL_PATH_TRACEPOINTS)
		return attach_tracepoints(t);
	progs[0] = t->opts->kernel_path == IOL_KERNEL_PATH_RAW_TP ? s->progs.raw_sys_enter : s->progs.btf_sys_enter;
	progs[1] = t->opts->kernel_path == IOL_KERNEL_PATH_RAW_TP ? s->progs.raw_sys_exit : s->progs.btf_sys_exit;
	for (size_t i = 0; i < 2; i++) {
		struct bpf_link *l = bpf_program__attach(progs[i]);

		if (!l) {
			int err = -errno;

			logmsg("iolens-tracer: cannot attach %s (--kernel-path %s): %s", bpf_program__name(progs[i]),
			       kernel_path_name(t->opts->kernel_path), strerror(-err));
			return err;
		}
		if (keep_link(t, l))
			return -ENOMEM;
	}
	return 0;
}

/*
 * The kernel side learns the tracer's root (a chroot: on_rename stores its fs->root) from the
 * loader renaming itself, to the name it has, once on_rename is attached: from then on a mapped
 * file's path is walked up to that root, as /proc/PID/maps shows it here, not to the mount
 * namespace's (in a chroot jail that was the host's path, which the reader there cannot open).
 */
static int learn_root(void)
{
	char name[16] = {};

	if (prctl(PR_GET_NAME, name) || prctl(PR_SET_NAME, name)) {
		logmsg("iolens-tracer: cannot tell the kernel side its root (prctl: %s): in a chroot, paths of "
		       "libraries mapped before the first /proc scan may not open", strerror(errno));
		return -errno;
	}
	return 0;
}

int ebpf_attach_all(struct iol_tracer *t)
{
	struct iolens_bpf *s = t->skel;
	struct bpf_program *btf_progs[] = {
		s->progs.on_fork, s->progs.on_exec, s->progs.on_exit_task, s->progs.on_rename,
		s->progs.on_signal_generate, s->progs.on_signal_deliver, s->progs.on_waking,
		s->progs.on_uring_create, s->progs.on_uring_submit, s->progs.on_uring_complete,
		s->progs.on_uring_complete_args,
	};
	int err = attach_syscalls(t);

	if (err)
		return err;
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
	/* a failure only degrades a chroot's early map paths (said in the log): the trace goes on */
	(void)learn_root();
	return t->opts->irq ? ebpf_attach_irq(t) : 0;
}

/* ---------------------------------------------------------------- detach */

/*
 * Each detach from a syscall tracepoint waits for an RCU-tasks-trace grace period under a global
 * mutex. One after the other the 126 links took 5.9-11 s here (about 45 ms each); detached from
 * one thread each, the grace periods partly overlap: 2.5-2.9 s (docs/architecture.md, "Detach").
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

void ebpf_unload(struct iol_tracer *t)
{
	ring_buffer__free(t->rb);
	t->rb = NULL;
	destroy_links(t->links, t->nlinks);
	free(t->links);
	t->links = NULL;
	t->nlinks = 0;
	iolens_bpf__destroy(t->skel);
	t->skel = NULL;
	btf__free(t->vmlinux);
	t->vmlinux = NULL;
	meta_list_free(&t->missing);
	meta_list_free(&t->cannot_see);
}
