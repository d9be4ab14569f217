// SPDX-License-Identifier: MIT
/* Reading a tracee's memory: process_vm_readv (one call for many pieces), or /proc/PID/mem on a
 * kernel built without it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pt.h"

static bool no_vm_readv;

static ssize_t via_proc_mem(struct pt_proc *p, pid_t tid, const struct iovec *local, size_t nlocal,
			    const struct iovec *remote, size_t nremote)
{
	ssize_t total = 0;

	if (p->mem_fd < 0) {
		char path[48];

		snprintf(path, sizeof(path), "/proc/%d/mem", tid);
		p->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->mem_fd < 0)
			return -1;
	}
	/* the pieces of a call are laid out the same way on both sides here */
	for (size_t i = 0; i < nremote && i < nlocal; i++) {
		ssize_t n = pread(p->mem_fd, local[i].iov_base, remote[i].iov_len, (off_t)(uintptr_t)remote[i].iov_base);

		if (n <= 0)
			return total ? total : -1;
		total += n;
		if ((size_t)n < remote[i].iov_len)
			break;
	}
	return total;
}

ssize_t pt_mem_readv(struct pt_proc *p, pid_t tid, const struct iovec *local, size_t nlocal,
		     const struct iovec *remote, size_t nremote)
{
	if (!no_vm_readv) {
		ssize_t n = process_vm_readv(tid, local, nlocal, remote, nremote, 0);

		if (n >= 0 || errno != ENOSYS)
			return n;
		no_vm_readv = true;
	}
	return p ? via_proc_mem(p, tid, local, nlocal, remote, nremote) : -1;
}

ssize_t pt_mem_read(struct pt_proc *p, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { .iov_base = buf, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	if (!addr)
		return -1;
	return pt_mem_readv(p, tid, &l, 1, &r, 1);
}
