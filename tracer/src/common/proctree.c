// SPDX-License-Identifier: MIT
/* The process tree from /proc: the descendants an attach follows along with the process named. */
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The parent of pid from /proc/PID/stat (the field after the command name, which may hold spaces
 * and parentheses), or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[32], buf[512];
	const char *p;
	ssize_t n;
	int fd;
	char state;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	return ppid;
}

int proc_descendants(pid_t pid, pid_t *pids, size_t max)
{
	struct { pid_t pid, ppid; } *all = NULL;
	size_t n = 0, cap = 0, found = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t p = (pid_t)atoi(de->d_name), pp;

		if (p <= 0 || p == pid || (pp = parent_of(p)) <= 0)
			continue;
		if (n == cap) {
			void *grown = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));

			if (!grown) {
				closedir(d);
				free(all);
				return -ENOMEM;
			}
			all = grown;
		}
		all[n].pid = p;
		all[n++].ppid = pp;
	}
	closedir(d);
	/* breadth first: the children of pid, then the children of each one found */
	for (size_t k = 0; k <= found; k++) {
		pid_t parent = k == 0 ? pid : pids[k - 1];

		for (size_t i = 0; i < n && found < max; i++)
			if (all[i].ppid == parent)
				pids[found++] = all[i].pid;
	}
	free(all);
	return (int)found;
}
