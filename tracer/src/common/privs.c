// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "privs.h"
#include "procfs.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct __user_cap_data_struct saved[2];
static bool lowered;

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(SYS_capget, &h, d);
}

static int caps_set(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(SYS_capset, &h, d);
}

static uint64_t effective(void)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d))
		return 0;
	return d[0].effective | ((uint64_t)d[1].effective << 32);
}

bool caller_is_root(void)
{
	return getuid() == 0;
}

bool caps_allow_ebpf(void)
{
	uint64_t e = effective();

	return (e & IOL_CAP_SYS_ADMIN) || ((e & IOL_CAP_BPF) && (e & IOL_CAP_PERFMON));
}

void caps_lower(void)
{
	struct __user_cap_data_struct d[2];

	if (caller_is_root() || lowered || caps_get(saved))
		return;
	memcpy(d, saved, sizeof(d));
	d[0].effective = d[1].effective = 0;
	lowered = caps_set(d) == 0;
}

void caps_restore(void)
{
	if (lowered)
		caps_set(saved);
	lowered = false;
}

void caps_keep_only(uint64_t mask)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d))
		return;
	d[0].permitted &= (uint32_t)mask;
	d[1].permitted &= (uint32_t)(mask >> 32);
	d[0].effective &= d[0].permitted;
	d[1].effective &= d[1].permitted;
	d[0].inheritable = d[1].inheritable = 0;
	caps_set(d);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* The name of a user from /etc/passwd (no NSS: the binary is static). */
static void user_name(unsigned long uid, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/etc/passwd", "re");

	snprintf(buf, len, "uid %lu", uid);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, ":"), *pw = strtok(NULL, ":"), *id = strtok(NULL, ":");

		if (name && pw && id && strtoul(id, NULL, 10) == uid) {
			snprintf(buf, len, "%s (uid %lu)", name, uid);
			break;
		}
	}
	fclose(f);
}

bool target_is_callers(pid_t pid, char *why, size_t len)
{
	unsigned long uid[4] = { ~0UL, ~0UL, ~0UL, ~0UL }, gid[4] = { ~0UL, ~0UL, ~0UL, ~0UL };
	unsigned long me = getuid(), my_gid = getgid();
	char path[64], ids[128], owner[96], self[96];
	struct stat st;
	int err;

	if (caller_is_root())
		return true;
	err = proc_status_field(pid, "Uid", ids, sizeof(ids));
	if (err) {
		snprintf(why, len, "cannot read /proc/%d/status: %s", pid, strerror(-err));
		return false;
	}
	sscanf(ids, "%lu %lu %lu %lu", &uid[0], &uid[1], &uid[2], &uid[3]);
	if (proc_status_field(pid, "Gid", ids, sizeof(ids)) == 0)
		sscanf(ids, "%lu %lu %lu %lu", &gid[0], &gid[1], &gid[2], &gid[3]);
	user_name(me, self, sizeof(self));
	if (uid[0] != me) {
		user_name(uid[0], owner, sizeof(owner));
		snprintf(why, len,
			 "pid %d belongs to %s, not to you (%s): iolens-tracer traces only your own processes, as "
			 "ptrace allows. Trace it as that user, or as root.",
			 pid, owner, self);
		return false;
	}
	if (uid[1] != me || uid[2] != me || gid[0] != my_gid || gid[1] != my_gid || gid[2] != my_gid) {
		snprintf(why, len,
			 "pid %d runs with another user's or group's privileges (a setuid or setgid program): "
			 "iolens-tracer does not trace it for you (%s), as ptrace would not. Trace it as root.",
			 pid, self);
		return false;
	}
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st) == 0 && st.st_uid != me) {
		snprintf(why, len,
			 "pid %d has made itself untraceable (it is not dumpable: prctl(PR_SET_DUMPABLE, 0), or its "
			 "credentials changed): iolens-tracer does not trace it for you (%s), as ptrace would not. "
			 "Trace it as root.",
			 pid, self);
		return false;
	}
	return true;
}
