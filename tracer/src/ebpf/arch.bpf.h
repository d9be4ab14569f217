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
/* The syscall number the task is in (or -1), and its first argument. */
#define IOL_REGS_SYSCALL_NR(r) ((long)(r)->orig_ax)
#define IOL_REGS_SYSCALL_ARG1(r) PT_REGS_PARM1(r)
#else
#error "iolens' eBPF programs support x86-64 only"
#endif

#endif /* IOLENS_ARCH_BPF_H */
