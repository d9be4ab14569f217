/* SPDX-License-Identifier: MIT */
/* Command-line options of iolens-tracer. */
#ifndef IOLENS_OPTIONS_H
#define IOLENS_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Which backend records the events (--backend). */
enum iol_backend {
	IOL_BACKEND_AUTO = 0, /* eBPF when this user may load the programs, else ptrace */
	IOL_BACKEND_EBPF,
	IOL_BACKEND_PTRACE,
};

struct iol_options {
	pid_t pid;                /* --pid: attach to this process */
	char **command;           /* -- COMMAND ARGS...: launch this, held back until attached */
	double duration_s;        /* --duration, 0 = until stopped */
	uint64_t min_duration_ns; /* --min-duration-ns */
	bool irq;                 /* --irq: every hard IRQ */
	bool stacks;              /* --no-stacks turns off */
	uint32_t stack_window;    /* --stack-window BYTES: snapshot window above sp, 0 = no snapshots */
	const char *output_path;  /* --output FILE */
	int output_fd;            /* --output-fd N (default 1) */
	int log_fd;               /* --log-fd N (default 2) */
	uint32_t ring_size;       /* --ring-size BYTES, a power of two >= page size */
	uint32_t stats_interval_ms;
	bool force_tty;           /* --force: write the binary stream even to a terminal */
	bool check;               /* --check: can the eBPF programs be loaded here? */
	enum iol_backend backend; /* --backend ebpf|ptrace|auto */
	bool seccomp;             /* --seccomp: ptrace launch with a seccomp filter (see ptrace/seccomp.c) */
	bool no_children;         /* --no-children: the process alone, not the processes it starts */
	int kernel_path;          /* --kernel-path: IOL_KERNEL_PATH_* (eBPF: how the programs come into syscalls) */
};

/* --kernel-path's value when not given, by name (bench/README.md, "The kernel path": why). */
#define IOL_KERNEL_PATH_DEFAULT_NAME "tracepoints"

/* The name of a kernel path (IOL_KERNEL_PATH_*), as --kernel-path takes it. */
const char *kernel_path_name(int path);

/* Parse argv into opts. Returns 0, 1 when --help/--version was printed, or -1 after printing the error. */
int parse_options(int argc, char **argv, struct iol_options *opts);

#endif
