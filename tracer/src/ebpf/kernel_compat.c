// SPDX-License-Identifier: MIT
/* Choosing, from the kernel's BTF, the program for each form of a tracepoint (kernel_compat.h). */
#include <stdio.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "iolens.skel.h"
#include "kernel_compat.h"
#include "meta.h"

static int tracepoint_typedef(const struct btf *vmlinux, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return vmlinux ? btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) : -1;
}

bool compat_has_tracepoint(const struct btf *vmlinux, const char *name)
{
	return tracepoint_typedef(vmlinux, name) >= 0;
}

int compat_tracepoint_args(const struct btf *vmlinux, const char *name)
{
	int id = tracepoint_typedef(vmlinux, name);
	const struct btf_type *t;

	if (id < 0)
		return -1;
	/* typedef → pointer → function prototype (void *__data, the tracepoint's arguments...) */
	t = btf__type_by_id(vmlinux, btf__resolve_type(vmlinux, id));
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(vmlinux, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -1;
	return btf_vlen(t) - 1;
}

bool compat_select_uring(struct iolens_bpf *s, const struct btf *vmlinux, struct iol_meta_list *missing)
{
	int complete_args = compat_tracepoint_args(vmlinux, "io_uring_complete");
	bool any = false;

	if (compat_has_tracepoint(vmlinux, "io_uring_create")) {
		any = true;
	} else {
		bpf_program__set_autoload(s->progs.on_uring_create, false);
		meta_list_add(missing, "io_uring_create");
	}

	if (compat_has_tracepoint(vmlinux, "io_uring_submit_req")) {
		any = true;
	} else if (compat_has_tracepoint(vmlinux, "io_uring_submit_sqe") &&
		   bpf_program__set_attach_target(s->progs.on_uring_submit, 0, "io_uring_submit_sqe") == 0) {
		any = true;
	} else {
		bpf_program__set_autoload(s->progs.on_uring_submit, false);
		meta_list_add(missing, "io_uring_submit_req");
	}

	/* (ring, req, cqe) since 5.19; (ring, req, user_data, res, cflags[, extra1, extra2]) before */
	bpf_program__set_autoload(s->progs.on_uring_complete, complete_args == 3);
	bpf_program__set_autoload(s->progs.on_uring_complete_args, complete_args >= 5);
	if (complete_args == 3 || complete_args >= 5)
		any = true;
	else
		meta_list_add(missing, "io_uring_complete");
	return any;
}
