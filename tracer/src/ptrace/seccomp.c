// SPDX-License-Identifier: MIT
/*
 * --seccomp (launch only): a seccomp-bpf filter that returns SECCOMP_RET_TRACE for the syscalls
 * iolens follows and SECCOMP_RET_ALLOW for the rest, so untraced calls never stop the program
 * (what strace --seccomp-bpf does); with PTRACE_O_TRACESECCOMP, a traced call stops once at its
 * entry (seccomp stop) and once at its exit.
 *
 * Why it is not the default: a filter can never be removed, and SECCOMP_RET_TRACE without a
 * tracer attached fails the call with ENOSYS (kernel/seccomp.c). Classic BPF sees only the
 * syscall number, arch, instruction pointer and arguments, so "trace when a tracer is attached,
 * allow otherwise" cannot be written. Hence, with the filter, the program can never be let go:
 * when the recording ends iolens-tracer keeps serving it (PTRACE_CONT, nothing recorded) until it
 * exits, and if iolens-tracer is killed with SIGKILL, every traced syscall of the program then
 * fails with ENOSYS. Without the filter (the default) a killed tracer leaves the program running
 * correctly: the kernel detaches it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pt.h"

int pt_seccomp_install(const uint16_t *nr_to_sys, const uint8_t *cls)
{
	struct sock_filter f[IOL_NR_MAX + 8];
	struct sock_fprog prog;
	unsigned int n = 0, count = 0, done = 0;

	(void)cls;
	for (int nr = 0; nr < IOL_NR_MAX; nr++)
		count += nr_to_sys[nr] != 0;
	if (count > 250)
		return -E2BIG; /* jump offsets are 8 bits */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW); /* other ABIs: not decoded */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (int nr = 0; nr < IOL_NR_MAX; nr++) {
		if (!nr_to_sys[nr])
			continue;
		/* match: jump over the remaining tests and the ALLOW, to the TRACE */
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, (unsigned char)(count - done), 0);
		done++;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	return 0;
}
