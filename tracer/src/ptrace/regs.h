/* SPDX-License-Identifier: MIT */
/* The tracee's registers at a stop (x86-64): syscall number, arguments, result, ip/sp/bp. */
#ifndef IOLENS_PT_REGS_H
#define IOLENS_PT_REGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <time.h>

#ifndef __x86_64__
#error "the ptrace backend reads x86-64 registers; other architectures need their regs.h"
#endif

typedef struct user_regs_struct pt_regs_t;

#define PT_X32_SYSCALL_BIT 0x40000000L
#define PT_USER_CS_64 0x33

static inline int pt_getregs(pid_t tid, pt_regs_t *r)
{
	return (int)ptrace(PTRACE_GETREGS, tid, 0, r);
}

/* The syscall number, or -1 for a call of another ABI (32-bit, x32) that is not decoded. */
static inline long pt_regs_nr(const pt_regs_t *r)
{
	long nr = (long)r->orig_rax;

	if (r->cs != PT_USER_CS_64 || nr < 0 || (nr & PT_X32_SYSCALL_BIT))
		return -1;
	return nr;
}

static inline uint64_t pt_regs_arg(const pt_regs_t *r, int i)
{
	switch (i) {
	case 0: return r->rdi;
	case 1: return r->rsi;
	case 2: return r->rdx;
	case 3: return r->r10;
	case 4: return r->r8;
	default: return r->r9;
	}
}

static inline int64_t pt_regs_ret(const pt_regs_t *r)
{
	return (int64_t)r->rax;
}

/* At a syscall-entry stop the kernel has set the result register to -ENOSYS. */
static inline bool pt_regs_at_entry(const pt_regs_t *r)
{
	return (int64_t)r->rax == -ENOSYS;
}

static inline uint64_t pt_regs_ip(const pt_regs_t *r) { return r->rip; }
static inline uint64_t pt_regs_sp(const pt_regs_t *r) { return r->rsp; }
static inline uint64_t pt_regs_bp(const pt_regs_t *r) { return r->rbp; }

#endif
