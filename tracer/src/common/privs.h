/* SPDX-License-Identifier: MIT */
/*
 * Privileges. iolens-tracer may hold file capabilities (cap_bpf,cap_perfmon,... +ep) and be run
 * by an ordinary user: it then traces only that user's own processes, opens its output with the
 * user's own rights, and keeps no capability longer than it needs it. capget/capset directly, no
 * libcap.
 */
#ifndef IOLENS_PRIVS_H
#define IOLENS_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IOL_CAP(n) (1ULL << (n))
#define IOL_CAP_DAC_READ_SEARCH IOL_CAP(2)
#define IOL_CAP_SYS_PTRACE IOL_CAP(19)
#define IOL_CAP_SYS_ADMIN IOL_CAP(21)
#define IOL_CAP_PERFMON IOL_CAP(38)
#define IOL_CAP_BPF IOL_CAP(39)

/* The caller is root (real uid 0): its own rights are root's. */
bool caller_is_root(void);
/* The effective capabilities allow loading the eBPF programs (CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN). */
bool caps_allow_ebpf(void);
/* For an ordinary caller: act with no effective capability until caps_restore(). */
void caps_lower(void);
void caps_restore(void);
/* Keep only the capabilities in `mask` (effective and permitted; inheritable and ambient cleared). */
void caps_keep_only(uint64_t mask);
/* The process belongs to the caller as ptrace requires (same real, effective and saved uid and
 * gid, and dumpable); always true for root. Else `why` says so in words. */
bool target_is_callers(pid_t pid, char *why, size_t len);

#endif
