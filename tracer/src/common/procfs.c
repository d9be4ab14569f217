// SPDX-License-Identifier: MIT
/* Snapshots of a target from /proc: its threads and open fds (the executable mappings: procmaps.c;
 * the process tree: proctree.c). */
#include "procfs.h"
#include "rules.h"
#include "uio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>



void proc_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		buf[0] = 0;
		return;
	}
	buf[n] = 0;
	if (buf[n - 1] == '\n')
		buf[n - 1] = 0;
}

int proc_status_field(pid_t pid, const char *name, char *value, size_t len)
{
	size_t n = strlen(name);
	char path[64], line[256];
	int found = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *v = line + n + 1;

		if (strncmp(line, name, n) || line[n] != ':')
			continue;
		v += strspn(v, " \t");
		snprintf(value, len, "%.*s", (int)strcspn(v, "\n"), v);
		found = 0;
		break;
	}
	fclose(f);
	return found;
}

long proc_uid(pid_t pid)
{
	char v[128];
	int err = proc_status_field(pid, "Uid", v, sizeof(v));

	return err ? err : (long)strtoul(v, NULL, 10);
}

int proc_snapshot_tasks(struct iol_output *out, pid_t pid, uint64_t ts, bool target)
{
	char path[64], exe[IOL_PATH_BUF], ppid_text[32];
	uint32_t ppid = 0;
	struct dirent *de;
	ssize_t exe_len;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	exe_len = readlink(path, exe, sizeof(exe) - 1);
	exe[exe_len > 0 ? exe_len : 0] = 0;
	/* its parent (0 when /proc does not say): a forked worker runs its parent's executable */
	if (proc_status_field(pid, "PPid", ppid_text, sizeof(ppid_text)) == 0)
		ppid = (uint32_t)strtoul(ppid_text, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct iol_rec_task r = { .hdr.kind = IOL_RECORD_KIND_TASK };
		pid_t tid = (pid_t)atoi(de->d_name);
		bool leader = tid == pid;

		if (tid <= 0)
			continue;
		r.event = IOL_TASK_EVENT_EXISTING;
		r.pid = pid;
		r.tid = tid;
		r.ppid = ppid;
		r.ts = ts;
		r.flags = target && leader ? IOL_TASK_FLAG_IS_TARGET : 0;
		proc_comm(pid, tid, r.comm, sizeof(r.comm));
		out_record_tail(out, &r, sizeof(r), leader ? exe : "", leader ? strlen(exe) + 1 : 1);
	}
	closedir(d);
	return 0;
}

/* fd type from the /proc/PID/fd link text, else from the inode mode. */
static uint8_t fd_type(const char *link, mode_t mode)
{
	static const struct { const char *prefix; uint8_t type; } anon[] = {
		{ "socket:", IOL_FD_TYPE_SOCKET },
		{ "pipe:", IOL_FD_TYPE_PIPE },
		{ "anon_inode:[eventfd]", IOL_FD_TYPE_EVENTFD },
		{ "anon_inode:[eventpoll]", IOL_FD_TYPE_EPOLL },
		{ "anon_inode:[io_uring]", IOL_FD_TYPE_URING },
		{ "anon_inode:[signalfd]", IOL_FD_TYPE_SIGNALFD },
		{ "anon_inode:[timerfd]", IOL_FD_TYPE_TIMERFD },
		{ "anon_inode:[aio]", IOL_FD_TYPE_AIO },
		{ "anon_inode:", IOL_FD_TYPE_ANON },
	};

	for (size_t i = 0; i < sizeof(anon) / sizeof(anon[0]); i++)
		if (!strncmp(link, anon[i].prefix, strlen(anon[i].prefix)))
			return anon[i].type;
	switch (mode & S_IFMT) {
	case S_IFREG: return IOL_FD_TYPE_FILE;
	case S_IFDIR: return IOL_FD_TYPE_DIR;
	case S_IFCHR: return IOL_FD_TYPE_CHR;
	case S_IFBLK: return IOL_FD_TYPE_BLK;
	case S_IFIFO: return IOL_FD_TYPE_FIFO;
	case S_IFSOCK: return IOL_FD_TYPE_SOCKET;
	default: return IOL_FD_TYPE_UNKNOWN;
	}
}

uint32_t proc_fd_flags(pid_t pid, int fd)
{
	char path[64], line[128];
	unsigned int flags = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags:\t%o", &flags) == 1)
			break;
	fclose(f);
	return flags;
}

static const struct iol_uio_set *uio_devices;

void proc_use_uio(const struct iol_uio_set *set)
{
	uio_devices = set;
}

ssize_t proc_describe_fd(pid_t pid, int fd, struct iol_rec_fd *r, char *link, size_t len)
{
	char path[64];
	struct stat st = {};
	struct statfs fs;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, link, len - 1);
	if (n < 0)
		return -1; /* closed meanwhile */
	link[n] = 0;
	stat(path, &st);
	r->type = fd_type(link, st.st_mode);
	if (r->type == IOL_FD_TYPE_FILE && statfs(path, &fs) == 0)
		r->type = iol_regular_file_type((__u64)fs.f_type);
	if (uio_devices && uio_classify(uio_devices, &st))
		r->type = uio_classify(uio_devices, &st);
	r->rdev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? iol_encode_dev(major(st.st_rdev), minor(st.st_rdev)) : 0;
	r->dev = iol_encode_dev(major(st.st_dev), minor(st.st_dev));
	r->ino = st.st_ino;
	return n;
}

/* fd records (op "watched") for what the epoll instance epfd watches: its fdinfo's "tfd:" lines,
 * each with the epoll_data it was registered with (aux). Each target is typed as its own fd is;
 * one that is gone meanwhile is unknown. */
static int snapshot_epoll_watch(struct iol_output *out, pid_t pid, int epfd, uint64_t ts)
{
	char path[64], line[256], link[IOL_PATH_BUF];
	unsigned int events;
	uint64_t data;
	int tfd, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, epfd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct iol_rec_fd r = { .hdr.kind = IOL_RECORD_KIND_FD };

		if (sscanf(line, "tfd: %d events: %x data: %" SCNx64, &tfd, &events, &data) != 3)
			continue;
		if (proc_describe_fd(pid, tfd, &r, link, sizeof(link)) < 0)
			r.type = IOL_FD_TYPE_UNKNOWN;
		r.op = IOL_FD_OP_WATCHED;
		r.pid = pid;
		r.tid = pid;
		r.fd = epfd;
		r.fd2 = tfd;
		r.aux = data;
		r.ts = ts;
		if (out_record_tail(out, &r, sizeof(r), "", 1) < 0)
			err = -EIO;
	}
	fclose(f);
	return err;
}

int proc_snapshot_fds(struct iol_output *out, pid_t pid, uint64_t ts, iol_fd_class_cb cb, void *ctx)
{
	char dir[64], link[IOL_PATH_BUF];
	struct dirent *de;
	int epoll_err = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct iol_rec_fd r = { .hdr.kind = IOL_RECORD_KIND_FD };
		ssize_t n;
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || fd < 0 || de->d_name[0] == '.')
			continue;
		n = proc_describe_fd(pid, (int)fd, &r, link, sizeof(link));
		if (n < 0)
			continue;
		r.op = IOL_FD_OP_EXISTING;
		r.pid = pid;
		r.tid = pid;
		r.fd = (int)fd;
		r.fd2 = -1;
		r.ts = ts;
		r.open_flags = proc_fd_flags(pid, (int)fd);
		if (cb)
			cb(ctx, pid, (int)fd, r.type, r.rdev);
		out_record_tail(out, &r, sizeof(r), link, (size_t)n + 1);
		if (r.type == IOL_FD_TYPE_EPOLL)
			epoll_err = snapshot_epoll_watch(out, pid, (int)fd, ts) ?: epoll_err;
	}
	closedir(d);
	return epoll_err;
}
