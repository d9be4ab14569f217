// SPDX-License-Identifier: MIT
/* Command-line options of iolens-tracer: strict validation, no shell, clear messages. */
#include "options.h"
#include "iolens_wire.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef IOLENS_VERSION
#define IOLENS_VERSION "0.0.0"
#endif

/* A number from the generated protocol header, as a string in the usage text. */
#define IOL_STR_(x) #x
#define IOL_STR(x) IOL_STR_(x)

static const char usage[] =
	"Usage: iolens-tracer [OPTIONS] (--pid PID | -- COMMAND [ARGS...])\n"
	"Writes the asynchronous I/O of a process as an iolens event stream (protocol/schema.json).\n"
	"Most users want `iolens record`, which runs this and shows the events.\n"
	"\n"
	"  -p, --pid PID             attach to a running process: all its threads, its existing descendants, and\n"
	"                            the processes they start; the recording lasts while any of them lives\n"
	"  -- COMMAND [ARGS...]      launch COMMAND, held back until the probes are attached (and follow what it\n"
	"                            starts: a daemon that forks and exits is followed until its last process ends)\n"
	"      --no-children         trace only the process itself: neither its existing children nor new ones\n"
	"  -d, --duration SECONDS    stop after this long (default: until the target exits or SIGINT)\n"
	"  -m, --min-duration-ns NS  blocking reads/writes/fsyncs shorter than this are not sent (default 1000000)\n"
	"      --irq                 record every hard IRQ (entry/exit per CPU)\n"
	"      --no-stacks           do not walk user stacks\n"
	"      --stack-window BYTES  bytes above the stack pointer scanned for a stack snapshot when the frame-pointer\n"
	"                            walk does not reach the outermost frame (default " IOL_STR(IOL_STACK_WINDOW_DEFAULT) ", at most "
	IOL_STR(IOL_STACK_WINDOW_MAX) "; 0: none)\n"
	"      --backend NAME        ebpf, ptrace or auto (default): eBPF when this user may load the programs,\n"
	"                            else ptrace (own processes only; fewer events; see the meta record's cannot_see)\n"
	"      --kernel-path NAME    eBPF: how the programs come into the traced syscalls: tracepoints (the per-syscall\n"
	"                            tracepoints), raw_tp or tp_btf (one program on every syscall, which leaves at\n"
	"                            once for other processes); default " IOL_KERNEL_PATH_DEFAULT_NAME "\n"
	"      --seccomp             ptrace, launch only: stop only at traced syscalls (faster); the program can\n"
	"                            then never be let go: after the recording it is served until it exits, and\n"
	"                            if iolens-tracer is killed (SIGKILL) its traced syscalls fail with ENOSYS\n"
	"  -o, --output FILE         write the stream to FILE (default: standard output)\n"
	"      --output-fd N         write the stream to file descriptor N\n"
	"      --log-fd N            write diagnostics to file descriptor N (default 2)\n"
	"      --ring-size BYTES     kernel ring buffer size, a power of two (default 16777216)\n"
	"      --stats-interval MS   how often losses are counted into the stream (default 200)\n"
	"      --force               write the binary stream even to a terminal\n"
	"      --check               only check that this user may load the eBPF programs (exit 0, or 3 with the reason)\n"
	"  -h, --help, -V, --version\n";

#define KERNEL_PATH_CASE(value, text) \
	case value: return text;
const char *kernel_path_name(int path)
{
	switch (path) {
		IOL_KERNEL_PATH_TEXTS(KERNEL_PATH_CASE)
	default: return "?";
	}
}

#define KERNEL_PATH_MATCH(value, text) \
	if (!strcmp(s, text))          \
		return value;
#define KERNEL_PATH_NAME(value, text) " " text
#define KERNEL_PATH_NAMES IOL_KERNEL_PATH_TEXTS(KERNEL_PATH_NAME)

/* The IOL_KERNEL_PATH_* named s, or -1. */
static int kernel_path_of(const char *s)
{
	IOL_KERNEL_PATH_TEXTS(KERNEL_PATH_MATCH)
	return -1;
}

static int parse_u64(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "iolens-tracer: %s must be a whole number from %llu to %llu, not '%s'\n", name,
		(unsigned long long)min, (unsigned long long)max, s ? s : "");
	return -1;
}

int parse_options(int argc, char **argv, struct iol_options *o)
{
	enum { OPT_IRQ = 256, OPT_NO_STACKS, OPT_OUTPUT_FD, OPT_LOG_FD, OPT_RING, OPT_STATS, OPT_FORCE, OPT_CHECK, OPT_BACKEND,
	       OPT_SECCOMP, OPT_NO_CHILDREN, OPT_STACK_WINDOW, OPT_KERNEL_PATH };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "min-duration-ns", required_argument, NULL, 'm' },
		{ "irq", no_argument, NULL, OPT_IRQ },
		{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
		{ "stack-window", required_argument, NULL, OPT_STACK_WINDOW },
		{ "output", required_argument, NULL, 'o' },
		{ "output-fd", required_argument, NULL, OPT_OUTPUT_FD },
		{ "log-fd", required_argument, NULL, OPT_LOG_FD },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "seccomp", no_argument, NULL, OPT_SECCOMP },
		{ "kernel-path", required_argument, NULL, OPT_KERNEL_PATH },
		{ "no-children", no_argument, NULL, OPT_NO_CHILDREN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	uint64_t v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->min_duration_ns = 1000000;
	o->stacks = true;
	o->stack_window = IOL_STACK_WINDOW_DEFAULT;
	o->output_fd = 1;
	o->log_fd = 2;
	o->ring_size = 16u << 20;
	o->stats_interval_ms = 200;
	o->kernel_path = kernel_path_of(IOL_KERNEL_PATH_DEFAULT_NAME);

	/* '+': stop at the first non-option, so the command's own options are left alone */
	while ((c = getopt_long(argc, argv, "+p:d:m:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64("--pid", optarg, 1, INT_MAX, &v))
				return -1;
			o->pid = (pid_t)v;
			break;
		case 'd':
			errno = 0;
			o->duration_s = strtod(optarg, &end);
			if (errno || *end || !(o->duration_s > 0) || o->duration_s > 1e9) {
				fprintf(stderr, "iolens-tracer: --duration must be a positive number of seconds, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'm':
			if (parse_u64("--min-duration-ns", optarg, 0, UINT64_MAX / 2, &o->min_duration_ns))
				return -1;
			break;
		case OPT_IRQ: o->irq = true; break;
		case OPT_NO_STACKS: o->stacks = false; break;
		case OPT_STACK_WINDOW:
			if (parse_u64("--stack-window", optarg, 0, IOL_STACK_WINDOW_MAX, &v))
				return -1;
			o->stack_window = (uint32_t)v & ~7U;
			break;
		case OPT_FORCE: o->force_tty = true; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_SECCOMP: o->seccomp = true; break;
		case OPT_NO_CHILDREN: o->no_children = true; break;
		case OPT_BACKEND:
			if (!strcmp(optarg, "ebpf"))
				o->backend = IOL_BACKEND_EBPF;
			else if (!strcmp(optarg, "ptrace"))
				o->backend = IOL_BACKEND_PTRACE;
			else if (!strcmp(optarg, "auto"))
				o->backend = IOL_BACKEND_AUTO;
			else {
				fprintf(stderr, "iolens-tracer: --backend must be ebpf, ptrace or auto, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_KERNEL_PATH:
			o->kernel_path = kernel_path_of(optarg);
			if (o->kernel_path < 0) {
				fprintf(stderr, "iolens-tracer: --kernel-path must be one of:" KERNEL_PATH_NAMES "; not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'o': o->output_path = optarg; break;
		case OPT_OUTPUT_FD:
			if (parse_u64("--output-fd", optarg, 1, 1023, &v))
				return -1;
			o->output_fd = (int)v;
			break;
		case OPT_LOG_FD:
			if (parse_u64("--log-fd", optarg, 1, 1023, &v))
				return -1;
			o->log_fd = (int)v;
			break;
		case OPT_RING:
			if (parse_u64("--ring-size", optarg, 4096, 1u << 30, &v))
				return -1;
			if (v & (v - 1)) {
				fprintf(stderr, "iolens-tracer: --ring-size must be a power of two, not %llu\n",
					(unsigned long long)v);
				return -1;
			}
			o->ring_size = (uint32_t)v;
			break;
		case OPT_STATS:
			if (parse_u64("--stats-interval", optarg, 10, 60000, &v))
				return -1;
			o->stats_interval_ms = (uint32_t)v;
			break;
		case 'h': fputs(usage, stdout); return 1;
		case 'V': printf("iolens-tracer %s\n", IOLENS_VERSION); return 1;
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind < argc)
		o->command = &argv[optind];
	if (o->check)
		return 0;
	if (!o->pid == !o->command) {
		fprintf(stderr, "iolens-tracer: give either --pid PID or -- COMMAND [ARGS...]\n%s", usage);
		return -1;
	}
	if (o->seccomp && (!o->command || o->backend == IOL_BACKEND_EBPF)) {
		fprintf(stderr, "iolens-tracer: --seccomp applies to a command launched with the ptrace backend only\n");
		return -1;
	}
	if (o->seccomp)
		o->backend = IOL_BACKEND_PTRACE;
	return 0;
}
