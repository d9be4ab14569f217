/* SPDX-License-Identifier: MIT */
/*
 * User stacks by a frame-pointer walk done here, in the BPF program: several times cheaper on
 * these machines than bpf_get_stack(BPF_F_USER_STACK), whose unwinder faults on glibc's bogus
 * outermost frame (TESTING.md). Only 8-byte-aligned, increasing frame pointers inside
 * [sp, end of the stack mapping) are followed.
 *
 * glibc's syscall wrappers set up no frame, so the walk alone skips their caller: the very line
 * a user wants. The words just above sp hold that return address (at sp itself on the
 * single-threaded path, at sp+0x28 on the multi-threaded one), next to saved arguments and stale
 * data. Words that point into an executable mapping of the process are kept as candidates
 * (stack.sp_slots says which); the unprivileged reader picks the true one from the wrapper's
 * unwind table, so no guess is ever shown as a frame.
 *
 * A stack is identified by a hash of its frames, the process and its exec generation, and sent
 * once (stacks_seen).
 */
#ifndef IOLENS_STACK_BPF_H
#define IOLENS_STACK_BPF_H

#define IOL_STACK_FALLBACK_SPAN (8ULL << 20) /* stack end when the mapping cannot be found */

struct iol_vma_end_ctx {
	__u64 end;
};

static long vma_end_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct iol_vma_end_ctx *c = data;

	c->end = BPF_CORE_READ(vma, vm_end);
	return 0;
}

struct iol_walk {
	__u64 bp;
	__u64 lo;
	__u64 hi;
	__u64 hash;
	__u32 n;
	__u16 flags;
	__u16 reserved;
	const struct iol_exec_ranges *ranges;
	__u32 sp_slots;
	__u32 reserved2;
};

static __always_inline __u64 hash_mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0x100000001b3ULL;
	h ^= h >> 29;
	return h;
}

static __always_inline bool in_exec(const struct iol_exec_ranges *r, __u64 a)
{
	if (a < r->lo || a >= r->hi)
		return false;
#pragma unroll
	for (int i = 0; i < IOL_MAX_EXEC_RANGES; i++) {
		if (i >= r->n)
			break;
		if (a >= r->start[i] && a < r->end[i])
			return true;
	}
	return false;
}

/* bpf_loop callback: consider the word at sp + 8*i as a candidate return address. */
static long window_step(__u32 i, void *data)
{
	struct iol_walk *w = data;
	struct iol_scratch *s = get_scratch();
	__u64 word, idx, n;

	idx = i;
	asm volatile("" : "+r"(idx)); /* check and use one register, not two zero-extensions of i */
	if (!s || idx >= IOL_SP_WINDOW)
		return 1;
	word = s->window[idx];
	if (!word)
		return 0;
	if (w->ranges ? !in_exec(w->ranges, word) : i != 0)
		return 0;
	n = w->n;
	asm volatile("" : "+r"(n));
	if (n >= IOL_MAX_FRAMES)
		return 1;
	s->stack.frames[n] = word;
	w->n = n + 1;
	w->sp_slots |= 1U << i;
	w->hash = hash_mix(w->hash, word);
	return 0;
}

/* bpf_loop callback: one step up the frame-pointer chain. */
static long chain_step(__u32 i, void *data)
{
	struct iol_walk *w = data;
	struct iol_scratch *s;
	__u64 fr[2], n;

	if (w->n >= IOL_MAX_FRAMES) {
		w->flags |= IOL_STACK_FLAG_TRUNCATED;
		return 1;
	}
	if (!w->bp)
		return 1;
	if ((w->bp & 7) || w->bp < w->lo || w->bp + 16 > w->hi) {
		w->flags |= IOL_STACK_FLAG_BAD_FRAME_POINTER;
		return 1;
	}
	if (bpf_probe_read_user(fr, sizeof(fr), (void *)w->bp))
		return 1;
	if (!fr[1])
		return 1;
	s = get_scratch();
	if (!s)
		return 1;
	n = w->n;
	asm volatile("" : "+r"(n));
	if (n >= IOL_MAX_FRAMES)
		return 1;
	s->stack.frames[n] = fr[1];
	w->n = n + 1;
	w->hash = hash_mix(w->hash, fr[1]);
	if (fr[0] <= w->bp)
		return 1;
	w->lo = w->bp + 16;
	w->bp = fr[0];
	return 0;
}

/*
 * Walk the current thread's user stack, send it if new, and return its id (0 when stacks are off
 * or the registers cannot be read). `stack_end` caches the end of the thread's stack mapping.
 */
static __noinline __u64 capture_stack(__u32 tgid, __u32 gen, __u64 *stack_end)
{
	struct task_struct *task;
	struct pt_regs *regs;
	struct iol_scratch *s;
	struct iol_walk w = {};
	__u64 ip, sp, size, n;
	__u8 one = 1;

	if (!want_stacks || !stack_end)
		return 0;
	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return 0;
	ip = BPF_CORE_READ(regs, ip);
	sp = BPF_CORE_READ(regs, sp);
	w.bp = BPF_CORE_READ(regs, bp);
	if (!ip || !sp)
		return 0;
	s = get_scratch();
	if (!s)
		return 0;

	if (!*stack_end || *stack_end <= sp) {
		struct iol_vma_end_ctx c = {};

		if (bpf_find_vma(task, sp, vma_end_cb, &c, 0) == 0 && c.end > sp)
			*stack_end = c.end;
		else
			*stack_end = sp + IOL_STACK_FALLBACK_SPAN;
	}

	w.lo = sp;
	w.hi = *stack_end;
	w.hash = hash_mix(((__u64)tgid << 32) | gen, ip);
	s->stack.frames[0] = ip;
	w.n = 1;

	w.ranges = bpf_map_lookup_elem(&exec_ranges, &tgid);
	if (bpf_probe_read_user(s->window, sizeof(s->window), (void *)sp) == 0)
		bpf_loop(IOL_SP_WINDOW, window_step, &w, 0);
	w.ranges = NULL;
	bpf_loop(IOL_MAX_FRAMES, chain_step, &w, 0);

	if (!w.hash)
		w.hash = 1;
	if (bpf_map_lookup_elem(&stacks_seen, &w.hash))
		return w.hash;

	n = w.n;
	IOL_CLAMP(n, IOL_MAX_FRAMES);
	size = sizeof(s->stack.rec) + n * 8;
	IOL_CLAMP(size, sizeof(s->stack));
	s->stack.rec.hdr.kind = IOL_RECORD_KIND_STACK;
	s->stack.rec.hdr.size = size;
	s->stack.rec.nframes = n;
	s->stack.rec.flags = w.flags;
	s->stack.rec.pid = tgid;
	s->stack.rec.sp_slots = w.sp_slots;
	s->stack.rec.stack_id = w.hash;
	if (output_record(&s->stack, size, IOL_CNT_STACK_RING_FULL) == 0)
		bpf_map_update_elem(&stacks_seen, &w.hash, &one, BPF_ANY);
	return w.hash;
}

#endif /* IOLENS_STACK_BPF_H */
