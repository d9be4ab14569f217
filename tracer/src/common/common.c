// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "privs.h"

int log_fd = 2;
volatile sig_atomic_t stop_signal;
static pid_t parent_pid;

void logmsg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(log_fd, buf, n) < 0)
		return;
}

uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void read_clock(struct iol_rec_clock *c)
{
	uint64_t best = ~0ULL;

	memset(c, 0, sizeof(*c));
	c->hdr.kind = IOL_RECORD_KIND_CLOCK;
	c->hdr.size = sizeof(*c);
	for (int i = 0; i < 5; i++) {
		uint64_t a = now_ns(CLOCK_MONOTONIC), r = now_ns(CLOCK_REALTIME), b = now_ns(CLOCK_MONOTONIC);

		if (b - a < best) {
			best = b - a;
			c->mono_ns = a + (b - a) / 2;
			c->real_ns = r;
		}
	}
}

int start_output(const struct iol_options *o, struct iol_output *out)
{
	int fd = o->output_fd;

	if (o->output_path) {
		/* with the caller's own rights, not the capabilities the binary may hold */
		caps_lower();
		fd = open(o->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		caps_restore();
		if (fd < 0) {
			logmsg("iolens-tracer: cannot write %s: %s", o->output_path, strerror(errno));
			return -1;
		}
	} else if (fcntl(fd, F_GETFD) < 0) {
		logmsg("iolens-tracer: output fd %d is not open", fd);
		return -1;
	} else if (isatty(fd) && !o->force_tty) {
		logmsg("iolens-tracer: refusing to write the binary event stream to a terminal.\n"
		       "  Use `iolens record` to see the events, or -o FILE to save them.");
		return -1;
	}
	/* a stop is never kept waiting by a reader that stopped reading: it gets this long, then the
	 * stream is given up (see output.h) */
	out->stop = &stop_signal;
	out->grace_ns = IOL_STOP_GRACE_NS;
	return out_open(out, fd);
}

int check_target(pid_t pid)
{
	char path[32], why[512];

	if (pid == getpid()) {
		logmsg("iolens-tracer: refusing to trace itself");
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (access(path, F_OK)) {
		logmsg("iolens-tracer: no process with pid %d", pid);
		return -1;
	}
	if (!target_is_callers(pid, why, sizeof(why))) {
		logmsg("iolens-tracer: %s", why);
		return -1;
	}
	return 0;
}

static void on_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
}

void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: interrupt waits and writes */

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL); /* --duration (arm_duration) */
	signal(SIGPIPE, SIG_IGN);
	/* the extension host or CLI that started us dies: stop too (and leave the target alone) */
	parent_pid = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

bool parent_died(void)
{
	return getppid() != parent_pid;
}

void arm_duration(double seconds)
{
	struct itimerval it = { 0 };
	long us = (long)(seconds * 1e6);

	if (seconds <= 0)
		return;
	if (us < 1)
		us = 1;
	it.it_value.tv_sec = us / 1000000;
	it.it_value.tv_usec = us % 1000000;
	setitimer(ITIMER_REAL, &it, NULL);
}

int stop_request_reason(void)
{
	if (parent_died())
		return IOL_END_REASON_PARENT_DIED;
	return stop_signal == SIGALRM ? IOL_END_REASON_DURATION : IOL_END_REASON_SIGNAL;
}

int stop_request_signal(void)
{
	return stop_signal == SIGALRM ? 0 : stop_signal;
}

void release_stdio(int log)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	for (int fd = 0; fd <= 2; fd++)
		dup2(null, fd);
	if (log > 2)
		dup2(null, log);
	close(null);
}

void announce_start(struct iol_output *out, pid_t pid, uint32_t processes, uint32_t untraced_children)
{
	struct iol_rec_start r = { .hdr = { .kind = IOL_RECORD_KIND_START, .size = sizeof(r) } };

	r.pid = (uint32_t)pid;
	r.processes = processes;
	r.untraced_children = untraced_children;
	r.ts = now_ns(CLOCK_MONOTONIC);
	out_record(out, &r);
	out_flush(out);
	if (untraced_children)
		logmsg("iolens-tracer: warning: %u existing child process%s of pid %d %s not traced (--no-children)",
		       untraced_children, untraced_children == 1 ? "" : "es", pid, untraced_children == 1 ? "is" : "are");
	if (processes > 1)
		logmsg("iolens-tracer: tracing pid %d and %u processes descending from it", pid, processes - 1);
	else
		logmsg("iolens-tracer: tracing pid %d", pid);
}

const char *end_reason_text(int reason)
{
#define IOL_END_REASON_CASE(value, text) \
	case value: \
		return text;
	switch (reason) {
		IOL_END_REASON_TEXTS(IOL_END_REASON_CASE)
	default:
		return "an error";
	}
#undef IOL_END_REASON_CASE
}
