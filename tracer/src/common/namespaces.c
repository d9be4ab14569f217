// SPDX-License-Identifier: MIT
#include "namespaces.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "procfs.h"

static int ns_inode(const char *proc, const char *name, uint64_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ns/%s", proc, name);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

/* NSpid: "NSpid:\t4807\t12": the last field is the pid inside the innermost namespace. */
static long ns_pid(pid_t pid)
{
	char value[128];
	long last = 0;

	if (proc_status_field(pid, "NSpid", value, sizeof(value)) < 0)
		return 0;
	for (char *p = value, *end; *p; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		last = v;
	}
	return last;
}

/* "hierarchy-id:controllers:path" lines; keep distinct paths other than "/", the v2 line first. */
static void cgroups(pid_t pid, struct iol_namespaces *ns)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && ns->n_cgroups < IOL_CGROUP_PATHS) {
		char *colon = strchr(line, ':');
		char *cg = colon ? strchr(colon + 1, ':') : NULL;
		bool seen = false;
		unsigned at;

		if (!cg)
			continue;
		cg++;
		cg[strcspn(cg, "\n")] = 0;
		if (!strcmp(cg, "/") || !*cg)
			continue;
		for (unsigned i = 0; i < ns->n_cgroups; i++)
			seen |= !strcmp(ns->cgroups[i], cg);
		if (seen)
			continue;
		at = ns->n_cgroups++;
		if (!strncmp(line, "0::", 3) && at) { /* cgroup v2 first */
			memcpy(ns->cgroups[at], ns->cgroups[0], sizeof(ns->cgroups[0]));
			at = 0;
		}
		snprintf(ns->cgroups[at], sizeof(ns->cgroups[at]), "%s", cg);
	}
	fclose(f);
}

int ns_read(pid_t pid, struct iol_namespaces *ns)
{
	char proc[32];
	uint64_t own_pid_ns = 0, own_mnt_ns = 0;
	int err;

	memset(ns, 0, sizeof(*ns));
	snprintf(proc, sizeof(proc), "/proc/%d", pid);
	err = ns_inode(proc, "pid", &ns->pid_ns);
	if (!err)
		err = ns_inode(proc, "mnt", &ns->mnt_ns);
	if (!err)
		err = ns_inode("/proc/self", "pid", &own_pid_ns);
	if (!err)
		err = ns_inode("/proc/self", "mnt", &own_mnt_ns);
	if (err)
		return err;
	ns->other_pid_ns = ns->pid_ns != own_pid_ns;
	ns->other_mnt_ns = ns->mnt_ns != own_mnt_ns;
	ns->ns_pid = ns_pid(pid);
	cgroups(pid, ns);
	return 0;
}
