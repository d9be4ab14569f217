/* SPDX-License-Identifier: MIT */
/* What the tracer reads from /proc about its targets: threads, open fds (procfs.c), executable
 * mappings (procmaps.c), the process tree (proctree.c). All of it is text or data the kernel
 * produced; no file of the target is parsed here. */
#ifndef IOLENS_PROCFS_H
#define IOLENS_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "iolens.h"
#include "output.h"

/* Room for a path read from /proc. */
#define IOL_PATH_BUF 4096

/* One executable mapping already reported for a process. */
struct iol_known_map {
	uint64_t start, end, pgoff, ino;
};

/* Per-process state of the mapping scanner. */
struct iol_proc_maps {
	pid_t pid;
	bool dirty; /* a rescan is due (exec, new executable mmap) */
	size_t n, cap;
	struct iol_known_map *maps;
};

/* Called for each fd with its type (rdev in the kernel's encoding): the kernel side learns of the
 * fds on a UIO device or its config space (IOL_FD_TYPE_UIO, _UIO_CONFIG), the ptrace tracer of
 * every fd's type (it counts short calls per kind of fd: a regular file's writes met at an attach). */
typedef void (*iol_fd_class_cb)(void *ctx, pid_t pid, int fd, uint8_t type, uint32_t rdev);

struct iol_uio_set;
/* The UIO devices known (uio.h): fds on them are typed uio / uio_config. NULL for none. */
void proc_use_uio(const struct iol_uio_set *set);

/* task records (event "existing") for every thread of pid; `target` marks the named process. */
int proc_snapshot_tasks(struct iol_output *out, pid_t pid, uint64_t ts, bool target);
/* fd records (op "existing") for every open fd of pid. */
int proc_snapshot_fds(struct iol_output *out, pid_t pid, uint64_t ts, iol_fd_class_cb cb, void *ctx);
/* map records for executable mappings not reported yet; fills `ranges` for the kernel side.
 * Returns the number of new mappings, or -errno. */
int proc_scan_maps(struct iol_proc_maps *state, struct iol_output *out, uint64_t ts, struct iol_exec_ranges *ranges);
/* Forget what was reported (after exec the address space is new). */
void proc_maps_reset(struct iol_proc_maps *state);
/* The end of the mapping of process pid that holds addr, through an open /proc/PID/maps
 * (*maps_fd, opened when -1; PROCMAP_QUERY, or the text on kernels before 6.11). 0 when none. */
uint64_t proc_vma_end(pid_t pid, int *maps_fd, uint64_t addr);
/* Describe fd of pid into r (type, dev, rdev, ino) and its /proc link text into link; returns the
 * text's length, or -1 when the fd is gone. */
ssize_t proc_describe_fd(pid_t pid, int fd, struct iol_rec_fd *r, char *link, size_t len);
/* The value of field `name` of /proc/PID/status ("Uid", "TracerPid", "SigCgt"...) into value, without
 * the name and the blanks after it; 0, or -errno (-ENOENT: no such field). */
int proc_status_field(pid_t pid, const char *name, char *value, size_t len);
/* The processes descending from pid now (children, their children...), parents before children,
 * at most max of them into pids; returns how many, or -errno. */
int proc_descendants(pid_t pid, pid_t *pids, size_t max);
/* The real uid owning a process, or -errno. */
long proc_uid(pid_t pid);
/* The status flags of a process's fd now (/proc/PID/fdinfo/FD's flags: O_NONBLOCK...), 0 when unknown. */
uint32_t proc_fd_flags(pid_t pid, int fd);
/* The command name of a process into buf (NUL-terminated), or "" when it is gone. */
void proc_comm(pid_t pid, pid_t tid, char *buf, size_t len);

#endif
