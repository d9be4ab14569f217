/* SPDX-License-Identifier: MIT */
/*
 * One eBPF object for every supported kernel (CO-RE): where a tracepoint was renamed or changed
 * its arguments between kernels, the object carries a program for each form and this chooses, from
 * the running kernel's BTF, the one that matches — before the object is loaded.
 */
#ifndef IOLENS_KERNEL_COMPAT_H
#define IOLENS_KERNEL_COMPAT_H

#include <stdbool.h>

struct btf;
struct iolens_bpf;
struct iol_meta_list;

/* The kernel has the BTF tracepoint `name` (a btf_trace_<name> typedef). */
bool compat_has_tracepoint(const struct btf *vmlinux, const char *name);
/* Arguments of the BTF tracepoint `name`, without the hidden first one; -1 when absent. */
int compat_tracepoint_args(const struct btf *vmlinux, const char *name);
/*
 * io_uring: io_uring_submit_req (6.4+) or io_uring_submit_sqe (5.5 to 6.3), io_uring_complete
 * with a struct io_uring_cqe (3 arguments, 5.19+) or with its fields (5 or 7 arguments). Programs
 * whose tracepoint the kernel lacks are not loaded and their names are added to `missing`.
 * Returns false when io_uring cannot be traced at all.
 */
bool compat_select_uring(struct iolens_bpf *skel, const struct btf *vmlinux, struct iol_meta_list *missing);

#endif /* IOLENS_KERNEL_COMPAT_H */
