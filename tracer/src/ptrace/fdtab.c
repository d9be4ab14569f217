// SPDX-License-Identifier: MIT
/*
 * The fd table of traced processes, as the kernel side sends it (fd.bpf.h): opens, closes, dups.
 * At the exit stop the new fd is in place, so its /proc link gives the exact path (or the socket,
 * pipe or anonymous inode) and a stat of it the inode.
 */
#include <string.h>

#include "pt.h"
#include "rules.h"

#define F_DUPFD_ 0
#define F_DUPFD_CLOEXEC_ 1030

static bool has(const uint64_t *set, int fd)
{
	return fd >= 0 && fd < 1024 && (set[fd / 64] & (1ULL << (fd % 64)));
}

static void put(uint64_t *set, int fd, bool on)
{
	if (on)
		set[fd / 64] |= 1ULL << (fd % 64);
	else
		set[fd / 64] &= ~(1ULL << (fd % 64));
}

uint8_t pt_uio_format(const struct pt_proc *p, uint16_t sys, uint64_t fd)
{
	bool read = sys == IOL_SYS_READ || sys == IOL_SYS_PREAD64;
	bool write = sys == IOL_SYS_WRITE || sys == IOL_SYS_PWRITE64;

	if (fd >= 1024 || (!read && !write))
		return 0;
	if (has(p->uio_fds, (int)fd))
		return read ? IOL_DATA_FORMAT_UIO_COUNT : IOL_DATA_FORMAT_UIO_WRITE;
	if (write && has(p->uio_config_fds, (int)fd))
		return IOL_DATA_FORMAT_UIO_WRITE;
	return 0;
}

static void set_class(struct pt_proc *p, int fd, uint8_t type)
{
	if (!p || fd < 0 || fd >= 1024)
		return;
	put(p->uio_fds, fd, type == IOL_FD_TYPE_UIO);
	put(p->uio_config_fds, fd, type == IOL_FD_TYPE_UIO_CONFIG);
	p->fd_types[fd] = type;
}

uint8_t pt_fd_type(const struct pt_proc *p, uint64_t fd)
{
	return fd < 1024 ? p->fd_types[fd] : IOL_FD_TYPE_UNKNOWN;
}

static uint8_t class_of(const struct pt_proc *p, int fd)
{
	return fd >= 0 && fd < 1024 ? p->fd_types[fd] : IOL_FD_TYPE_UNKNOWN;
}

void pt_set_fd_class(void *ctx, pid_t pid, int fd, uint8_t type, uint32_t rdev)
{
	struct pt_tracer *t = ctx;

	(void)rdev; /* no IRQs under ptrace */
	set_class(pt_table_get(&t->procs, pid), fd, type);
}

static void emit_fd(struct pt_tracer *t, struct pt_thread *th, struct iol_rec_fd *r, uint16_t sys, uint64_t ts,
		    const char *path, size_t len)
{
	r->hdr.kind = IOL_RECORD_KIND_FD;
	r->sys = sys;
	r->pid = th->proc->pid;
	r->tid = th->tid;
	r->ts = ts;
	pt_emit_tail(t, r, sizeof(*r), path ? path : "", path ? len + 1 : 1);
}

/* An open-like call succeeded with fd: describe it from its inode. */
static void opened(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, int fd, int fd2, uint8_t type,
		   uint32_t flags, uint64_t aux, uint64_t ts)
{
	struct iol_rec_fd r = { .op = IOL_FD_OP_OPEN };
	char link[4096];
	ssize_t n = proc_describe_fd(th->proc->pid, fd, &r, link, sizeof(link));

	if (type != IOL_FD_TYPE_UNKNOWN || n < 0)
		r.type = type;
	set_class(th->proc, fd, r.type);
	if (fd2 >= 0)
		set_class(th->proc, fd2, r.type);
	r.fd = fd;
	r.fd2 = fd2;
	r.open_flags = flags;
	r.aux = aux;
	emit_fd(t, th, &r, sys, ts, n >= 0 ? link : NULL, n >= 0 ? (size_t)n : 0);
}

/* Both ends of pipe()/socketpair(): the kernel wrote them to the user's int[2]. */
static void pair_opened(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, uint64_t uptr, uint8_t type,
			uint32_t flags, uint64_t aux, uint64_t ts)
{
	int fds[2] = { -1, -1 };

	if (pt_mem_read(th->proc, th->tid, uptr, fds, sizeof(fds)) != sizeof(fds))
		return;
	opened(t, th, sys, fds[0], fds[1], type, flags, aux, ts);
}

static void dup_done(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, int newfd, int oldfd, uint64_t ts)
{
	struct iol_rec_fd r = { .op = IOL_FD_OP_DUP, .fd = newfd, .fd2 = oldfd };

	set_class(th->proc, newfd, class_of(th->proc, oldfd));
	emit_fd(t, th, &r, sys, ts, NULL, 0);
}

void pt_fd_effect(struct pt_tracer *t, struct pt_thread *th, uint16_t sys, const struct pt_call *c, long ret,
		  uint64_t ts)
{
	const uint64_t *a = c->args;
	uint64_t how_flags = 0;

	if (ret < 0)
		return;
	switch (sys) {
	case IOL_SYS_OPEN:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_UNKNOWN, (uint32_t)a[1], 0, ts);
		break;
	case IOL_SYS_OPENAT:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_UNKNOWN, (uint32_t)a[2], 0, ts);
		break;
	case IOL_SYS_OPENAT2:
		pt_mem_read(th->proc, th->tid, a[2], &how_flags, sizeof(how_flags));
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_UNKNOWN, (uint32_t)how_flags, 0, ts);
		break;
	case IOL_SYS_CLOSE: {
		struct iol_rec_fd r = { .op = IOL_FD_OP_CLOSE, .fd = (int32_t)a[0], .fd2 = -1 };

		set_class(th->proc, (int)a[0], IOL_FD_TYPE_UNKNOWN);
		emit_fd(t, th, &r, sys, ts, NULL, 0);
		break;
	}
	case IOL_SYS_CLOSE_RANGE: {
		struct iol_rec_fd r = { .op = IOL_FD_OP_CLOSE_RANGE, .fd = (int32_t)a[0], .fd2 = (int32_t)a[1],
					.open_flags = (uint32_t)a[2] };

		emit_fd(t, th, &r, sys, ts, NULL, 0);
		break;
	}
	case IOL_SYS_DUP:
	case IOL_SYS_DUP2:
	case IOL_SYS_DUP3:
		dup_done(t, th, sys, (int)ret, (int)a[0], ts);
		break;
	case IOL_SYS_FCNTL:
		if (a[1] == F_DUPFD_ || a[1] == F_DUPFD_CLOEXEC_)
			dup_done(t, th, sys, (int)ret, (int)a[0], ts);
		break;
	case IOL_SYS_SOCKET:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_SOCKET, iol_made_fd_flags(a[1]), iol_socket_aux(a[0], a[1]), ts);
		break;
	case IOL_SYS_ACCEPT:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_SOCKET, 0, 0, ts);
		break;
	case IOL_SYS_ACCEPT4:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_SOCKET, iol_made_fd_flags(a[3]), 0, ts);
		break;
	case IOL_SYS_SOCKETPAIR:
		pair_opened(t, th, sys, a[3], IOL_FD_TYPE_SOCKET, iol_made_fd_flags(a[1]), iol_socket_aux(a[0], a[1]), ts);
		break;
	case IOL_SYS_PIPE:
		pair_opened(t, th, sys, a[0], IOL_FD_TYPE_PIPE, 0, 0, ts);
		break;
	case IOL_SYS_PIPE2:
		pair_opened(t, th, sys, a[0], IOL_FD_TYPE_PIPE, iol_made_fd_flags(a[1]), 0, ts);
		break;
	case IOL_SYS_EVENTFD:
	case IOL_SYS_EVENTFD2:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_EVENTFD, (uint32_t)a[1], a[0], ts);
		break;
	case IOL_SYS_EPOLL_CREATE:
	case IOL_SYS_EPOLL_CREATE1:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_EPOLL, 0, 0, ts);
		break;
	case IOL_SYS_TIMERFD_CREATE:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_TIMERFD, (uint32_t)a[1], a[0], ts);
		break;
	case IOL_SYS_SIGNALFD:
	case IOL_SYS_SIGNALFD4:
		if ((int)a[0] < 0)
			opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_SIGNALFD, 0, 0, ts);
		break;
	case IOL_SYS_IO_URING_SETUP:
		opened(t, th, sys, (int)ret, -1, IOL_FD_TYPE_URING, 0, a[0], ts);
		break;
	default:
		break;
	}
}
