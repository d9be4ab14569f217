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

/* How long a reader may still take the rest of the stream after a stop request (output.h), and how
 * long the ptrace backend waits for threads to reach a stop to be let go: together well within the
 * second in which a recording must end. */
#define IOL_STOP_GRACE_NS 600000000ULL
#define IOL_DETACH_GIVE_UP_NS 400000000ULL

/* Where diagnostics go (--log-fd). */
extern int log_fd;
/* The signal that asked the tracer to stop, 0 until then: SIGINT, SIGTERM (also the parent's
 * death), SIGHUP, or SIGALRM (--duration). Every wait of the tracer is interrupted by it. */
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
/* --duration: SIGALRM (a stop request) after this many seconds from now; nothing when <= 0. */
void arm_duration(double seconds);
/* The end reason of the stop request in stop_signal (parent death, duration or a signal). */
int stop_request_reason(void);
/* The signal for the end record: the one that asked the stop, 0 for the duration. */
int stop_request_signal(void);
/* Point fds 0-2 and the log fd at /dev/null: whoever waits for their EOF is not kept waiting. */
void release_stdio(int log);
/* The recording starts: the start record (flushed) and a line for the log. `processes`: the target
 * and the descendants traced with it; `untraced_children`: descendants left alone (--no-children). */
void announce_start(struct iol_output *out, pid_t pid, uint32_t processes, uint32_t untraced_children);
/* Why a recording ended, in words (protocol/schema.json's EndReason texts, the CLI's too). */
const char *end_reason_text(int reason);

#endif
