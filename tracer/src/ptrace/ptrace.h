/* SPDX-License-Identifier: MIT */
/* The ptrace backend of iolens-tracer: the same event stream as the eBPF backend, from ptrace
 * stops, for a user who may not load eBPF programs. */
#ifndef IOLENS_PTRACE_H
#define IOLENS_PTRACE_H

#include "options.h"
#include "output.h"

/* Trace opts->pid or opts->command into `out` (its header written) until the recording ends;
 * returns the process exit code. */
int ptrace_backend_run(const struct iol_options *opts, struct iol_output *out);

#endif
