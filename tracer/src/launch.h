/* SPDX-License-Identifier: MIT */
/* A command started held back: it waits, before its exec, until the probes are attached. */
#ifndef IOLENS_LAUNCH_H
#define IOLENS_LAUNCH_H

#include <sys/types.h>

struct iol_launch {
	pid_t pid;
	int go_fd;   /* write a byte to let the child exec */
	int fail_fd; /* the child writes its exec errno here; EOF means exec succeeded */
};

/* Fork the child; it keeps fds 0-2 (stdio_fds[i] >= 0 replaces fd i) and closes the rest. */
int launch_prepare(struct iol_launch *l, char *const argv[], const int stdio_fds[3]);
/* Let it run. Returns 0 once it has exec'd, or -errno of a failed exec (the child is then gone). */
int launch_release(struct iol_launch *l);
/* Abandon a prepared child that was never released (it exits without running the command). */
void launch_abandon(struct iol_launch *l);

#endif
