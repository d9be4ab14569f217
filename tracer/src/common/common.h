/* SPDX-License-Identifier: MIT */
/*
 * What both backends share: diagnostics, clocks, the time origin, the output, the checks of the
 * target, the signals that stop a recording, and how a recording ends.
 */
#ifndef IOLENS_COMMON_H
#define IOLENS_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "iolens_wire.h"
#include "options.h"
#include "output.h"

/* Where diagnostics go (--log-fd). */
extern int log_fd;
/* The signal (SIGINT, SIGTERM, SIGHUP) that asked the tracer to stop, 0 until then. */
extern volatile sig_atomic_t stop_signal;

/* One diagnostic line (a newline is added). */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A clock in nanoseconds. */
uint64_t now_ns(clockid_t clk);
/* The time origin of the trace: the closest pair of monotonic and wall-clock readings. */
void read_clock(struct iol_rec_clock *c);
/* Open --output (with the caller's rights) or check --output-fd, and write the stream header. */
int start_output(const struct iol_options *opts, struct iol_output *out);
/* --pid: the process exists, is not us, and (for an ordinary caller) belongs to the caller. */
int check_target(pid_t pid);
/* SIGINT/SIGTERM/SIGHUP set stop_signal (no SA_RESTART: they interrupt waits); SIGPIPE is
 * ignored; the parent's death sends SIGTERM. Remembers the parent (parent_died). */
void install_signals(void);
/* The process that started the tracer is gone (we were reparented). */
bool parent_died(void);
/* Point fds 0-2 and the log fd at /dev/null: whoever waits for their EOF is not kept waiting. */
void release_stdio(int log);
/* Why a recording ended, in words (the text the CLI and the tests look for). */
const char *end_reason_text(int reason);

#endif
