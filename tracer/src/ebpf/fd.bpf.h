/* SPDX-License-Identifier: MIT */
/* The fd table of traced processes: opens, closes and dups, sent as fd records. */
#ifndef IOLENS_FD_BPF_H
#define IOLENS_FD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "rules.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"

#define IOL_S_IFMT 00170000
#define IOL_S_IFSOCK 0140000
#define IOL_S_IFREG 0100000
#define IOL_S_IFBLK 0060000
#define IOL_S_IFDIR 0040000
#define IOL_S_IFCHR 0020000
#define IOL_S_IFIFO 0010000

struct iol_inode_info {
	__u64 file; /* the struct file */
	__u64 ino;
	__u32 dev;
	__u32 rdev;
	__u8 type;
};

#define IOL_O_NONBLOCK 04000

/* The file behind `fd` in the current task, NULL when none. */
static __always_inline struct file *file_of_fd(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file *file = NULL;
	struct file **fds;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* IOL_FD_TYPE_* of an inode mode. */
static __always_inline __u8 mode_type(__u16 mode)
{
	switch (mode & IOL_S_IFMT) {
	case IOL_S_IFREG: return IOL_FD_TYPE_FILE;
	case IOL_S_IFDIR: return IOL_FD_TYPE_DIR;
	case IOL_S_IFCHR: return IOL_FD_TYPE_CHR;
	case IOL_S_IFBLK: return IOL_FD_TYPE_BLK;
	case IOL_S_IFIFO: return IOL_FD_TYPE_FIFO;
	case IOL_S_IFSOCK: return IOL_FD_TYPE_SOCKET;
	default: return IOL_FD_TYPE_ANON;
	}
}

/* IOL_FD_TYPE_* of an inode: its mode's, a regular file told apart by its file system (virtual or not). */
static __always_inline __u8 inode_type(struct inode *inode)
{
	__u8 type = mode_type(BPF_CORE_READ(inode, i_mode));

	return type == IOL_FD_TYPE_FILE ? iol_regular_file_type(BPF_CORE_READ(inode, i_sb, s_magic)) : type;
}

/* Look up the file behind `fd` in the current task and describe its inode. */
static __always_inline void inode_of_fd(int fd, struct iol_inode_info *out)
{
	struct file *file = file_of_fd(fd);
	struct inode *inode;

	out->type = IOL_FD_TYPE_UNKNOWN;
	if (!file)
		return;
	out->file = (__u64)file;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return;
	out->ino = BPF_CORE_READ(inode, i_ino);
	out->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	out->rdev = BPF_CORE_READ(inode, i_rdev);
	out->type = inode_type(inode);
}

/* The kind of file behind `fd` now, and whether it is non-blocking (O_NONBLOCK): for a blocking call's
 * record flag and its summary. */
static __always_inline __u8 fd_status(int fd, bool *nonblock)
{
	struct file *file = file_of_fd(fd);

	*nonblock = false;
	if (!file)
		return IOL_FD_TYPE_UNKNOWN;
	*nonblock = (BPF_CORE_READ(file, f_flags) & IOL_O_NONBLOCK) != 0;
	return inode_type(BPF_CORE_READ(file, f_inode));
}

static __always_inline void set_fd_class(__u32 tgid, int fd, __u8 type)
{
	struct iol_fd_key key = { .tgid = tgid, .fd = fd };

	/* a read of a UIO device is the wait for an interrupt, however short, and a write to it or to its
	 * config space re-enables it; an eventfd, timerfd or signalfd read that does not block is
	 * bookkeeping, shown like any read when it blocks */
	if (type == IOL_FD_TYPE_UIO || type == IOL_FD_TYPE_UIO_CONFIG)
		bpf_map_update_elem(&fd_class, &key, &type, BPF_ANY);
	else
		bpf_map_delete_elem(&fd_class, &key);
}

static __always_inline void copy_fd_class(__u32 tgid, int from, int to)
{
	struct iol_fd_key key = { .tgid = tgid, .fd = from };
	__u8 *type = bpf_map_lookup_elem(&fd_class, &key);

	set_fd_class(tgid, to, type ? *type : IOL_FD_TYPE_UNKNOWN);
}

/* Send an fd record; `path` is a user pointer to a NUL-terminated string, or 0. */
static __always_inline void emit_fd(__u8 op, __u8 type, __u16 sys, int fd, int fd2, __u32 open_flags,
				    const struct iol_inode_info *ino, __u64 aux, __u64 path, __u64 ts)
{
	struct iol_scratch *s = get_scratch();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	long len = 0;
	__u64 size;

	if (!s)
		return;
	s->fd.rec.op = op;
	s->fd.rec.type = type;
	s->fd.rec.sys = sys;
	s->fd.rec.pid = pid_tgid >> 32;
	s->fd.rec.tid = (__u32)pid_tgid;
	s->fd.rec.fd = fd;
	s->fd.rec.fd2 = fd2;
	s->fd.rec.ts = ts;
	s->fd.rec.open_flags = open_flags;
	s->fd.rec.rdev = ino ? ino->rdev : 0;
	s->fd.rec.dev = ino ? ino->dev : 0;
	s->fd.rec.ino = ino ? ino->ino : 0;
	s->fd.rec.aux = aux;
	s->fd.rec.reserved = 0;
	if (path)
		len = bpf_probe_read_user_str(s->fd.path, sizeof(s->fd.path), (void *)path);
	if (len <= 0) {
		s->fd.path[0] = 0;
		len = 1;
	}
	size = IOL_ROUND8(sizeof(s->fd.rec) + (__u64)len);
	IOL_CLAMP(size, sizeof(s->fd));
	/* zero the padding after the string so no stale bytes leave the kernel */
	if (len < IOL_PATH_MAX)
		s->fd.path[len & (IOL_PATH_MAX - 1)] = 0;
	s->fd.rec.hdr.kind = IOL_RECORD_KIND_FD;
	s->fd.rec.hdr.size = size;
	output_record(&s->fd, size, IOL_CNT_RING_FULL);
}

/* /dev/uioN (its IRQ is traced from now on) or a UIO device's config space; else `type`. */
static __always_inline __u8 uio_type(const struct iol_inode_info *ino, __u8 type)
{
	struct iol_file_key file = { .ino = ino->ino, .dev = ino->dev };
	__u32 major = uio_major, minor = iol_dev_minor(ino->rdev);
	__u8 one = 1, *t;
	__s32 *irq;

	if (type == IOL_FD_TYPE_CHR && major && iol_dev_major(ino->rdev) == major) {
		irq = bpf_map_lookup_elem(&uio_irqs, &minor);
		if (irq && *irq >= 0) {
			__u32 key = *irq;

			bpf_map_update_elem(&irq_filter, &key, &one, BPF_ANY);
		}
		return IOL_FD_TYPE_UIO;
	}
	if (type == IOL_FD_TYPE_FILE || type == IOL_FD_TYPE_VIRTUAL) { /* config is a sysfs file: virtual */
		t = bpf_map_lookup_elem(&uio_files, &file);
		if (t)
			return *t;
	}
	return type;
}

/*
 * An fd just opened on /dev/uioN: 1 << 32 | the interrupt count it starts from, so the first read
 * can tell a missed interrupt too. uio's open puts a struct uio_listener { struct uio_device *dev;
 * s32 event_count; } (unchanged since 2.6.23; uio is a module, outside vmlinux's BTF) in
 * private_data, event_count the device's count at the open.
 */
static __always_inline __u64 uio_open_count(const struct iol_inode_info *ino)
{
	void *listener = NULL;
	__s32 count = 0;

	if (bpf_probe_read_kernel(&listener, sizeof(listener), &((struct file *)ino->file)->private_data) || !listener ||
	    bpf_probe_read_kernel(&count, sizeof(count), listener + 8))
		return 0;
	return 1ULL << 32 | (__u32)count;
}

/* Open-like syscall succeeded with `fd`: describe it from its inode. */
static __always_inline void fd_opened(__u32 tgid, __u16 sys, int fd, __u8 type, __u32 flags, __u64 aux,
				      __u64 path, __u64 ts)
{
	struct iol_inode_info ino = {};

	inode_of_fd(fd, &ino);
	if (type == IOL_FD_TYPE_UNKNOWN)
		type = uio_type(&ino, ino.type);
	if (type == IOL_FD_TYPE_UIO)
		aux = uio_open_count(&ino);
	set_fd_class(tgid, fd, type);
	emit_fd(IOL_FD_OP_OPEN, type, sys, fd, -1, flags, &ino, aux, path, ts);
}

/* Both ends of pipe()/socketpair(): the kernel wrote them to the user's int[2]. */
static __always_inline void fd_pair_opened(__u32 tgid, __u16 sys, __u64 uptr, __u8 type, __u32 flags, __u64 aux,
					   __u64 ts)
{
	int fds[2] = { -1, -1 };
	struct iol_inode_info ino = {};

	if (bpf_probe_read_user(fds, sizeof(fds), (void *)uptr))
		return;
	inode_of_fd(fds[0], &ino);
	set_fd_class(tgid, fds[0], type);
	set_fd_class(tgid, fds[1], type);
	emit_fd(IOL_FD_OP_OPEN, type, sys, fds[0], fds[1], flags, &ino, aux, 0, ts);
}

#define IOL_F_DUPFD 0
#define IOL_F_DUPFD_CLOEXEC 1030

/* fd-table effect of a finished syscall (class fd, and the fd side of accept/io_uring_setup/fcntl).
 * Global: verified once, whatever calls it. */
__noinline int fd_effect(__u32 tgid, __u16 sys, const struct iol_inflight *f, long ret, __u64 ts)
{
	struct iol_fd_key key = { .tgid = tgid };
	__u64 how_flags = 0;

	if (ret < 0 || !f)
		return 0;
	switch (sys) {
	case IOL_SYS_OPEN:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_UNKNOWN, f->args[1], 0, f->args[0], ts);
		break;
	case IOL_SYS_OPENAT:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_UNKNOWN, f->args[2], 0, f->args[1], ts);
		break;
	case IOL_SYS_OPENAT2:
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)f->args[2]);
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_UNKNOWN, how_flags, 0, f->args[1], ts);
		break;
	case IOL_SYS_CLOSE:
		key.fd = f->args[0];
		bpf_map_delete_elem(&fd_class, &key);
		emit_fd(IOL_FD_OP_CLOSE, IOL_FD_TYPE_UNKNOWN, sys, f->args[0], -1, 0, NULL, 0, 0, ts);
		break;
	case IOL_SYS_CLOSE_RANGE:
		emit_fd(IOL_FD_OP_CLOSE_RANGE, IOL_FD_TYPE_UNKNOWN, sys, f->args[0], f->args[1], f->args[2], NULL, 0, 0,
			ts);
		break;
	case IOL_SYS_DUP:
	case IOL_SYS_DUP2:
	case IOL_SYS_DUP3:
		copy_fd_class(tgid, f->args[0], ret);
		emit_fd(IOL_FD_OP_DUP, IOL_FD_TYPE_UNKNOWN, sys, ret, f->args[0], 0, NULL, 0, 0, ts);
		break;
	case IOL_SYS_FCNTL:
		if (f->args[1] == IOL_F_DUPFD || f->args[1] == IOL_F_DUPFD_CLOEXEC) {
			copy_fd_class(tgid, f->args[0], ret);
			emit_fd(IOL_FD_OP_DUP, IOL_FD_TYPE_UNKNOWN, sys, ret, f->args[0], 0, NULL, 0, 0, ts);
		}
		break;
	case IOL_SYS_SOCKET:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_SOCKET, iol_made_fd_flags(f->args[1]),
			  iol_socket_aux(f->args[0], f->args[1]), 0, ts);
		break;
	case IOL_SYS_ACCEPT:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_SOCKET, 0, 0, 0, ts);
		break;
	case IOL_SYS_ACCEPT4:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_SOCKET, iol_made_fd_flags(f->args[3]), 0, 0, ts);
		break;
	case IOL_SYS_SOCKETPAIR:
		fd_pair_opened(tgid, sys, f->args[3], IOL_FD_TYPE_SOCKET, iol_made_fd_flags(f->args[1]),
			       iol_socket_aux(f->args[0], f->args[1]), ts);
		break;
	case IOL_SYS_PIPE:
		fd_pair_opened(tgid, sys, f->args[0], IOL_FD_TYPE_PIPE, 0, 0, ts);
		break;
	case IOL_SYS_PIPE2:
		fd_pair_opened(tgid, sys, f->args[0], IOL_FD_TYPE_PIPE, iol_made_fd_flags(f->args[1]), 0, ts);
		break;
	case IOL_SYS_EVENTFD:
	case IOL_SYS_EVENTFD2:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_EVENTFD, f->args[1], f->args[0], 0, ts);
		break;
	case IOL_SYS_EPOLL_CREATE:
	case IOL_SYS_EPOLL_CREATE1:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_EPOLL, 0, 0, 0, ts);
		break;
	case IOL_SYS_TIMERFD_CREATE:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_TIMERFD, f->args[1], f->args[0], 0, ts);
		break;
	case IOL_SYS_SIGNALFD:
	case IOL_SYS_SIGNALFD4:
		if ((int)f->args[0] < 0)
			fd_opened(tgid, sys, ret, IOL_FD_TYPE_SIGNALFD, 0, 0, 0, ts);
		break;
	case IOL_SYS_IO_URING_SETUP:
		fd_opened(tgid, sys, ret, IOL_FD_TYPE_URING, 0, f->args[0], 0, ts);
		break;
	default:
		break;
	}
	return 0;
}

#endif /* IOLENS_FD_BPF_H */
