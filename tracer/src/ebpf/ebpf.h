/* SPDX-License-Identifier: MIT */
/* The eBPF backend of iolens-tracer (libbpf CO-RE): open -> configure -> load -> attach -> stream,
 * as libbpf-tools do. main.c picks it or the ptrace backend (../ptrace/ptrace.h). */
#ifndef IOLENS_EBPF_H
#define IOLENS_EBPF_H

#include <stdbool.h>

#include "options.h"
#include "output.h"

/* --check: load the programs as a recording would, then unload them. 0: this user may trace with
 * eBPF; 3: not allowed; 1: another failure (a verifier refusal despite the capabilities is a bug in
 * iolens, and says so). */
int ebpf_check(const struct iol_options *opts);
/* libbpf needs tracefs: mounted when nobody has. 0 when it is there (quiet: say nothing when not). */
int ebpf_ensure_tracefs(bool quiet);
/* Trace opts->pid or opts->command into `out` (its header written) until the recording ends;
 * returns the process exit code. With `autoselect`, a kernel that refuses the programs sets
 * *use_ptrace instead of failing: the caller then runs the ptrace backend on the same output. */
int ebpf_backend_run(const struct iol_options *opts, struct iol_output *out, bool autoselect, bool *use_ptrace);

#endif /* IOLENS_EBPF_H */
