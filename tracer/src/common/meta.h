/* SPDX-License-Identifier: MIT */
/* The meta record: what was traced, how, and what this backend could not see, as JSON. */
#ifndef IOLENS_META_H
#define IOLENS_META_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "output.h"

struct iol_meta_list {
	size_t n;
	char **items;
};

struct iol_meta_info {
	const char *backend;
	pid_t pid;
	char **command; /* NULL-terminated, or NULL when attaching */
	bool launched;
	uint64_t min_duration_ns;
	bool irq;
	bool stacks;
	uint32_t ring_size;
	const struct iol_meta_list *missing; /* tracepoints this kernel lacks */
	const struct iol_meta_list *cannot_see; /* what this backend cannot see, in words */
	bool seccomp;                        /* ptrace: launched under a seccomp filter */
	const char *kernel_path;             /* eBPF: --kernel-path's name, or NULL */
};

void meta_list_add(struct iol_meta_list *l, const char *s);
void meta_list_free(struct iol_meta_list *l);
/* Append a meta record to the stream. */
int meta_write(struct iol_output *out, const struct iol_meta_info *info);

#endif
