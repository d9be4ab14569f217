/* SPDX-License-Identifier: MIT */
/*
 * Executable mappings known from the kernel side, at the moment they appear (exec, mmap): the
 * loader's /proc scan comes later (and adds build-ids), but a process that lives a few
 * milliseconds is gone by then. Here: the code ranges used to recognise return addresses, and a
 * map record with the mapped file's full path, built by walking its dentries and mounts.
 */
#ifndef IOLENS_VMA_BPF_H
#define IOLENS_VMA_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"

#define IOL_PATH_DEPTH 32

/* Count one range added for tgid (exec_range_adds). */
static __always_inline void exec_range_counted(__u32 tgid)
{
	__u64 one = 1, *adds = bpf_map_lookup_elem(&exec_range_adds, &tgid);

	if (!adds && bpf_map_update_elem(&exec_range_adds, &tgid, &one, BPF_NOEXIST) == 0)
		return;
	if (!adds)
		adds = bpf_map_lookup_elem(&exec_range_adds, &tgid); /* another CPU made it meanwhile */
	if (adds)
		__sync_fetch_and_add(adds, 1);
}

/*
 * Add [start, end) to the process's code ranges. The new value is built in this CPU's scratch and
 * replaces the element whole, as the loader's /proc scan does: writing into the element found
 * would race that scan's replacement of it (a preallocated element is reused by the map's next
 * update at once, so this side's write of range n and of the count landed in the scan's new
 * value, cut its list to n + 1 ranges and lost libc's: a worker's stack ended not_code at
 * start_thread). A replacement that loses the other's range is caught by exec_range_adds.
 */
static __always_inline void exec_range_add(__u32 tgid, __u64 start, __u64 end)
{
	struct iol_scratch *s = get_scratch();
	struct iol_exec_ranges *r, *next;
	__u32 n;

	if (!s)
		return;
	next = &s->ranges_next;
	exec_range_counted(tgid);
	r = bpf_map_lookup_elem(&exec_ranges, &tgid);
	if (r)
		__builtin_memcpy(next, r, sizeof(*next));
	else
		__builtin_memset(next, 0, sizeof(*next));
	n = next->n;
	asm volatile("" : "+r"(n));
	if (n >= IOL_MAX_EXEC_RANGES) {
		/* full: widen the last range rather than miss code */
		n = IOL_MAX_EXEC_RANGES - 1;
		if (start < next->start[n])
			next->start[n] = start;
		if (end > next->end[n])
			next->end[n] = end;
	} else {
		next->start[n] = start;
		next->end[n] = end;
		next->n = n + 1;
	}
	if (!next->lo || start < next->lo)
		next->lo = start;
	if (end > next->hi)
		next->hi = end;
	/* without them the process's frameless callers are lost until the loader's scan: counted */
	if (bpf_map_update_elem(&exec_ranges, &tgid, next, BPF_ANY))
		count(IOL_CNT_MAP_FULL);
}

struct iol_path_walk {
	struct dentry *dentry;
	struct mount *mnt;
	__u32 pos; /* the path is scratch->vma.buf[pos .. IOL_PATH_MAX) */
	__u32 truncated;
};

/*
 * bpf_loop callback: prepend one path component, crossing mount points on the way up, until the
 * tracer's root (tracer_root_*) or the namespace's.
 */
static long path_step(__u32 i, void *data)
{
	struct iol_path_walk *w = data;
	struct iol_scratch *s = get_scratch();
	struct dentry *parent, *root, *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	const unsigned char *name;
	__u64 len, pos;

	if (!s)
		return 1;
	if ((__u64)dentry == tracer_root_dentry &&
	    (__u64)mnt + bpf_core_field_offset(struct mount, mnt) == tracer_root_mnt)
		return 1; /* the tracer's root (a chroot): paths are as the tracer opens them */
	root = BPF_CORE_READ(mnt, mnt.mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == root || dentry == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != root || up == mnt)
			return 1; /* the root of the namespace */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	len = BPF_CORE_READ(dentry, d_name.len);
	name = BPF_CORE_READ(dentry, d_name.name);
	pos = w->pos;
	asm volatile("" : "+r"(pos));
	if (len + 1 >= pos || pos > IOL_PATH_MAX) {
		w->truncated = 1;
		return 1;
	}
	pos -= len;
	asm volatile("" : "+r"(pos));
	pos &= IOL_PATH_MAX - 1;
	len &= IOL_PATH_MAX - 1;
	bpf_probe_read_kernel(&s->vma.buf[pos], len, name);
	pos -= 1;
	pos &= IOL_PATH_MAX - 1;
	s->vma.buf[pos] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

struct iol_vma_info {
	__u64 start, end, pgoff, ino;
	__u32 dev;
	__u32 prot;
	struct file *file;
};

static long vma_info_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct iol_vma_info *v = data;
	__u64 flags = BPF_CORE_READ(vma, vm_flags);

	v->start = BPF_CORE_READ(vma, vm_start);
	v->end = BPF_CORE_READ(vma, vm_end);
	v->pgoff = BPF_CORE_READ(vma, vm_pgoff) << 12;
	v->file = BPF_CORE_READ(vma, vm_file);
	v->prot = (flags & 1 ? 1 : 0) | (flags & 2 ? 2 : 0) | (flags & 4 ? 4 : 0) | (flags & 8 ? 0 : 8);
	return 0;
}

/* Send a map record for the executable mapping at addr of the current process. */
static __always_inline void emit_vma_map(__u32 tgid, __u64 addr, __u64 ts)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct iol_path_walk w = {};
	struct iol_vma_info v = {};
	struct iol_scratch *s;
	struct inode *inode;
	struct file *file;
	__u64 size, pos;
	long len;

	if (bpf_find_vma(task, addr, vma_info_cb, &v, 0) || !v.file)
		return;
	s = get_scratch();
	if (!s)
		return;
	file = v.file;
	inode = BPF_CORE_READ(file, f_inode);
	w.dentry = BPF_CORE_READ(file, f_path.dentry);
	w.mnt = (struct mount *)((void *)BPF_CORE_READ(file, f_path.mnt) - bpf_core_field_offset(struct mount, mnt));
	w.pos = IOL_PATH_MAX - 1;
	s->vma.buf[IOL_PATH_MAX - 1] = 0;
	bpf_loop(IOL_PATH_DEPTH, path_step, &w, 0);

	__builtin_memset(&s->vma.rec, 0, sizeof(s->vma.rec));
	s->vma.rec.prot = v.prot;
	s->vma.rec.pid = tgid;
	s->vma.rec.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	s->vma.rec.ts = ts;
	s->vma.rec.start = v.start;
	s->vma.rec.end = v.end;
	s->vma.rec.pgoff = v.pgoff;
	s->vma.rec.ino = BPF_CORE_READ(inode, i_ino);
	pos = w.pos;
	asm volatile("" : "+r"(pos));
	pos &= IOL_PATH_MAX - 1;
	len = bpf_probe_read_kernel_str(s->vma.path, sizeof(s->vma.path), &s->vma.buf[pos]);
	if (len <= 0 || w.truncated) {
		s->vma.path[0] = 0;
		len = 1;
	}
	size = IOL_ROUND8(sizeof(s->vma.rec) + (__u64)len);
	IOL_CLAMP(size, sizeof(s->vma.rec) + sizeof(s->vma.path));
	s->vma.rec.hdr.kind = IOL_RECORD_KIND_MAP;
	s->vma.rec.hdr.size = size;
	/* the loader scans /proc right away for build-ids: wake it */
	if (bpf_ringbuf_output(&events, &s->vma.rec, size, BPF_RB_FORCE_WAKEUP))
		count(IOL_CNT_RING_FULL);
	else
		count(IOL_CNT_EMITTED);
}

#endif /* IOLENS_VMA_BPF_H */
