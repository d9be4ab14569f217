/* SPDX-License-Identifier: MIT */
/* A command started held back: it waits, before its exec, until the probes are attached. */
#ifndef IOLENS_LAUNCH_H
#define IOLENS_LAUNCH_H

#include <sys/types.h>

struct iol_launch {
	pid_t pid;
	int go_fd;   /* write a byte to let the child exec */
	int fail_fd; /* the child writes its exec errno here; EOF means exec succeeded */
	/* Optional: run in the child after its stdio is set up, just before the exec; returns 0 or
	 * -errno (reported like a failed exec). Set before launch_prepare. */
	int (*child_setup)(void *ctx);
	void *child_ctx;
};

/* Fork the child; it keeps fds 0-2 (stdio_fds[i] >= 0 replaces fd i) and closes the rest. */
int launch_prepare(struct iol_launch *l, char *const argv[], const int stdio_fds[3]);
/* Let it run. Returns 0 once it has exec'd, or -errno of a failed exec (the child is then gone). */
int launch_release(struct iol_launch *l);
/* Let it run without waiting for its exec (a ptrace tracer must serve the child's stops meanwhile). */
int launch_go(struct iol_launch *l);
/* After launch_go, once the child has exec'd or exited: 0, or -errno of a failed exec. */
int launch_exec_error(struct iol_launch *l);
/* Abandon a prepared child that was never released (it exits without running the command). */
void launch_abandon(struct iol_launch *l);

#endif
