/* SPDX-License-Identifier: MIT */
/* Whether a target runs in other PID and mount namespaces than the tracer (a container): the
 * namespaces' inodes, its pid inside its own PID namespace (NSpid), and its cgroup paths, which
 * name the container. Read from /proc (text the kernel produced); the reader names the container. */
#ifndef IOLENS_NAMESPACES_H
#define IOLENS_NAMESPACES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define IOL_CGROUP_PATHS 4

struct iol_namespaces {
	uint64_t pid_ns, mnt_ns;     /* the target's namespace inodes */
	bool other_pid_ns;           /* not the tracer's PID namespace */
	bool other_mnt_ns;           /* not the tracer's mount namespace: read its files via /proc/PID/root */
	long ns_pid;                 /* its pid in its innermost PID namespace (NSpid's last field), 0 unknown */
	unsigned n_cgroups;
	char cgroups[IOL_CGROUP_PATHS][192]; /* distinct cgroup paths other than "/" (v2 first) */
};

/* Fill ns for pid; -errno when its namespaces cannot be read (gone, or not allowed). */
int ns_read(pid_t pid, struct iol_namespaces *ns);

#endif
