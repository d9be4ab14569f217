/* SPDX-License-Identifier: MIT */
/*
 * The registers the programs read, per architecture. iolens supports x86-64 only (tracer/Makefile
 * says so for the whole build); another architecture needs its line here, its vmlinux.h
 * (tracer/vmlinux/) and the ptrace backend's regs.h.
 */
#ifndef IOLENS_ARCH_BPF_H
#define IOLENS_ARCH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_tracing.h>

#if defined(__TARGET_ARCH_x86)
/* Saved user registers (bpf_task_pt_regs, a BTF pointer: plain loads, no helper calls). */
#define IOL_REGS_IP(r) PT_REGS_IP(r)
#define IOL_REGS_SP(r) PT_REGS_SP(r)
#define IOL_REGS_FP(r) PT_REGS_FP(r)
/* The page size of user memory: a page is present or absent as a whole. */
#define IOL_USER_PAGE_SIZE 4096ULL
/* The syscall number the task is in (or -1), and its first argument. */
#define IOL_REGS_SYSCALL_NR(r) ((long)(r)->orig_ax)
#define IOL_REGS_SYSCALL_ARG1(r) PT_REGS_PARM1(r)
#define IOL_REGS_SYSCALL_NR_ADDR(r) (&(r)->orig_ax)
/* The task is in a 32-bit (ia32) syscall, whose number is of another table: TS_COMPAT in its
 * thread_info (the per-syscall tracepoints leave such calls out; the generic ones do not). */
#define IOL_TS_COMPAT 0x0002
#define IOL_IN_COMPAT_SYSCALL(task) (((task)->thread_info.status & IOL_TS_COMPAT) != 0)
/* The six syscall arguments (di, si, dx, r10, r8, r9) from a BTF pointer to the saved registers. */
#define IOL_REGS_SYSCALL_ARGS(a, r)                                                                \
	do {                                                                                       \
		(a)[0] = (r)->di;                                                                  \
		(a)[1] = (r)->si;                                                                  \
		(a)[2] = (r)->dx;                                                                  \
		(a)[3] = (r)->r10;                                                                 \
		(a)[4] = (r)->r8;                                                                  \
		(a)[5] = (r)->r9;                                                                  \
	} while (0)
/* They lie in the 8 words from r10 to di (r10 r9 r8 ax cx dx si di): one bpf_probe_read_kernel
 * of IOL_REGS_ARGS_WORDS words from IOL_REGS_ARGS_FROM(r) reads them all (raw_tp). */
#define IOL_REGS_ARGS_WORDS 8
#define IOL_REGS_ARGS_FROM(r) (&(r)->r10)
#define IOL_REGS_SYSCALL_ARGS_OF_WORDS(a, w)                                                       \
	do {                                                                                       \
		(a)[0] = (w)[7];                                                                   \
		(a)[1] = (w)[6];                                                                   \
		(a)[2] = (w)[5];                                                                   \
		(a)[3] = (w)[0];                                                                   \
		(a)[4] = (w)[2];                                                                   \
		(a)[5] = (w)[1];                                                                   \
	} while (0)
#else
#error "iolens' eBPF programs support x86-64 only"
#endif

#endif /* IOLENS_ARCH_BPF_H */
