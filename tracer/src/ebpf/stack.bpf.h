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
 * When the frame-pointer chain does not end at the outermost frame (a saved frame pointer of 0),
 * nothing here proves the stack complete: code built without frame pointers holds its callers'
 * return addresses anywhere in frames of any size. The record is then a sparse stack snapshot
 * (StackFlag.snapshot, take_snapshot): the words of --stack-window bytes above sp that point into
 * the process's code or into the stack itself, with their slots, for the reader to unwind with
 * each module's CFI (docs/architecture.md, "stacks").
 *
 * A chain that does end on a saved frame pointer of 0, or that stands on its own (fp_chain_stands),
 * may still end below the outermost frame: Debian's glibc keeps no frame pointer in
 * __libc_start_call_main (rbp is still _start's 0 there) nor in start_thread. Such a stack carries a
 * small tail snapshot (StackFlag.tail, take_tail): the code words of stack_tail_bytes above the last
 * frame the chain proved, from which the reader goes on with CFI to _start or clone3.
 *
 * A stack is identified by a hash of its frames, the process and its exec generation, and sent
 * once (stacks_seen).
 */
#ifndef IOLENS_STACK_BPF_H
#define IOLENS_STACK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "iolens.h"
#include "arch.bpf.h"
#include "maps.bpf.h"
#include "emit.bpf.h"

#define IOL_STACK_FALLBACK_SPAN (8ULL << 20) /* stack end when the mapping cannot be found */

/*
 * Where the stack ends when its mapping could not be looked up (bpf_find_vma only try-locks the
 * address space: busy while another thread maps or protects memory, as a pool's threads starting
 * do): IOL_STACK_FALLBACK_SPAN above sp, but below the first code above sp. Thread stacks are
 * mapped just below the libraries, and a span reaching into libc's text made its return addresses
 * "stack addresses", which a tail snapshot drops: a worker's stack ended not_code at start_thread.
 */
static __always_inline __u64 fallback_stack_end(const struct iol_exec_ranges *r, __u64 sp)
{
	__u64 end = sp + IOL_STACK_FALLBACK_SPAN;
	__u32 n;

	if (!r)
		return end;
	n = r->n;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < IOL_MAX_EXEC_RANGES && i < n; i++) {
		if (r->start[i] > sp && r->start[i] < end)
			end = r->start[i];
	}
	return end;
}

struct iol_vma_end_ctx {
	__u64 end;
};

static long vma_end_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct iol_vma_end_ctx *c = data;

	c->end = BPF_CORE_READ(vma, vm_end);
	return 0;
}

/* bpf_loop context of the window scan: where code is. The walk's own state lives in the per-CPU
 * scratch map (struct iol_walk), where the verifier tracks no exact values: kept on the BPF stack,
 * every distinct frame count would be a state of its own and verification would take seconds. */
struct iol_window_ctx {
	const struct iol_exec_ranges *ranges;
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
	__u32 n;

	if (a < r->lo || a >= r->hi)
		return false;
	n = r->n;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < IOL_MAX_EXEC_RANGES && i < n; i++) {
		if (a >= r->start[i] && a < r->end[i])
			return true;
	}
	return false;
}

/* in_exec as a global function: the verifier checks it once, not once per word of a snapshot step
 * (inlined there, its loop made loading the programs five times slower). */
__noinline bool snap_in_exec(const struct iol_exec_ranges *r, __u64 a)
{
	return r && in_exec(r, a);
}

/* Append a frame to the walk. */
static __always_inline bool walk_push(struct iol_scratch *s, __u64 addr)
{
	__u64 n = s->walk.n;

	asm volatile("" : "+r"(n));
	if (n >= IOL_MAX_FRAMES) {
		s->walk.flags |= IOL_STACK_FLAG_TRUNCATED;
		return false;
	}
	s->stack.frames[n] = addr;
	s->walk.n = n + 1;
	s->walk.hash = hash_mix(s->walk.hash, addr);
	return true;
}

/*
 * Keep the words above sp that point into code: candidate return addresses. A plain bounded loop
 * (no callback, no map lookup per word) with a quick rejection of everything outside [lo, hi):
 * this runs on every captured stack.
 */
static __always_inline void scan_window(struct iol_scratch *s, const struct iol_exec_ranges *ranges)
{
	__u64 lo = ranges ? ranges->lo : 0, hi = ranges ? ranges->hi : 0;

	for (__u32 i = 0; i < IOL_SP_WINDOW; i++) {
		__u64 word;

		if (i * 8 >= s->walk.copied)
			break;
		word = s->window[i];

		if (!ranges) {
			/* code ranges not known yet: only the word at sp, the one-wrapper case */
			if (i == 0 && word && walk_push(s, word))
				s->walk.sp_slots |= 1;
			break;
		}
		if (word < lo || word >= hi || !in_exec(ranges, word))
			continue;
		if (!walk_push(s, word))
			break;
		s->walk.sp_slots |= 1U << i;
	}
}

/* Follow the frame-pointer chain from s->walk.bp: a plain bounded loop, like the window scan.
 * A saved frame pointer of 0 is the outermost frame's (glibc's _start and clone3 clear rbp). */
static __always_inline void walk_chain(struct iol_scratch *s)
{
	for (__u32 i = 0; i < IOL_MAX_FRAMES; i++) {
		__u64 fr[2], bp = s->walk.bp;

		if (!bp)
			return;
		/* no sum with bp: a register near 2^64 (the BEAM's) would wrap past the bounds */
		if ((bp & 7) || bp < s->walk.lo || bp > s->walk.hi - 16) {
			s->walk.flags |= IOL_STACK_FLAG_BAD_FRAME_POINTER;
			return;
		}
		if (!(s->walk.sp & 7) && s->walk.copied >= 16 && bp - s->walk.sp <= s->walk.copied - 16) {
			/* inside the copy (bp >= lo >= sp): no read of user memory */
			__u64 idx = (bp - s->walk.sp) / 8;

			IOL_CLAMP(idx, IOL_STACK_COPY_WORDS - 2);
			fr[0] = s->window[idx];
			fr[1] = s->window[idx + 1];
		} else if (bpf_probe_read_user(fr, sizeof(fr), (void *)bp)) {
			return;
		}
		if (!fr[1])
			return;
		if (fr[1] < s->walk.code_lo || fr[1] >= s->walk.code_hi) {
			/* no return address: rbp was a general register's value here, the chain ends */
			s->walk.flags |= IOL_STACK_FLAG_BAD_FRAME_POINTER;
			return;
		}
		if (!walk_push(s, fr[1]))
			return;
		s->walk.chain++;
		s->walk.tail_base = bp + 16;
		if (!fr[0]) {
			s->walk.flags |= IOL_STACK_FLAG_COMPLETE;
			return;
		}
		if (fr[0] <= bp) {
			s->walk.chain_ended = 1; /* the saved value is no frame pointer above this one */
			return;
		}
		s->walk.lo = bp + 16;
		s->walk.bp = fr[0];
	}
}

/*
 * bpf_loop callback: the frame pointer register did not lead anywhere (a library that uses rbp as
 * a general register, like libaio's io_submit, sits between the syscall and the caller). The
 * caller's rbp was saved on the stack: take the first word above sp that points to a frame whose
 * return address is code.
 */
static long rescue_step(__u32 i, void *data)
{
	struct iol_window_ctx *c = data;
	struct iol_scratch *s = get_scratch();
	__u64 word, idx = i, fr[2];

	asm volatile("" : "+r"(idx));
	if (!s || !c->ranges || idx >= IOL_SP_WINDOW)
		return 1;
	if (idx * 8 >= s->walk.copied)
		return 1;
	word = s->window[idx];
	if ((word & 7) || word <= s->walk.lo + 8 * idx || word > s->walk.hi - 16)
		return 0;
	if (bpf_probe_read_user(fr, sizeof(fr), (void *)word))
		return 0;
	if (!in_exec(c->ranges, fr[1]) || fr[0] <= word)
		return 0;
	s->walk.bp = word;
	return 1;
}

/*
 * The frame-pointer chain stands on its own, without a snapshot: it gave at least IOL_FP_CHAIN_MIN
 * return addresses (each in the span of the process's code) and ended on a frame that is none (no
 * stack address, or no code above it) — the frame of main (or of a thread's function) called from
 * libc code built without frame pointers. A program built with frame pointers then costs no
 * snapshot, and its stack is what it was before snapshots. A chain started from a saved rbp found
 * above sp (a wrapper that uses rbp as a general register, libaio's io_submit, sits in between)
 * never stands: in a program without frame pointers such a word is as often a stale frame of
 * another call, and its chain of old return addresses looks whole (fio's io_submit came back as
 * syscall <- io_submit and nothing above).
 */
#define IOL_FP_CHAIN_MIN 2
static __always_inline bool fp_chain_stands(const struct iol_scratch *s)
{
	if (s->walk.flags & IOL_STACK_FLAG_FRAME_POINTER_FROM_STACK)
		return false;
	return ((s->walk.flags & IOL_STACK_FLAG_BAD_FRAME_POINTER) || s->walk.chain_ended) && s->walk.chain >= IOL_FP_CHAIN_MIN;
}

/* bpf_loop context of a snapshot: where code is, where the stack is, how far to read. The same
 * scan serves a tail snapshot (tail: sp is the tail's base, its words already in s->chunk, only
 * code words kept): one bpf_loop call site, as a second one made loading the programs ~50 %
 * slower (the verifier goes through each callback as a loop). */
struct iol_snap_ctx {
	const struct iol_exec_ranges *ranges;
	__u64 sp, stack_lo, stack_hi, len;
	__u64 tail;
	/* the current chunk could not be read whole: its words are read one by one */
	__u64 by_word;
	/* (the page of the window found absent is the scratch map's walk.absent_page: on this stack
	 * each address it took was a verifier state of its own, and loading the programs took twice
	 * as long) */
};

/* Keep one word of the snapshot (slot = its 8-byte index above sp); false when the record is full. */
static __always_inline bool snap_push(struct iol_scratch *s, __u64 slot, __u64 word)
{
	__u64 n = s->walk.n, v = (slot << IOL_STACK_SLOT_SHIFT) | word;

	asm volatile("" : "+r"(n));
	if (n >= IOL_MAX_SNAPSHOT_FRAMES) {
		s->walk.flags |= IOL_STACK_FLAG_SNAPSHOT_FULL;
		return false;
	}
	s->stack.frames[n] = v;
	s->walk.n = n + 1;
	s->walk.hash = hash_mix(s->walk.hash, v);
	return true;
}

/* Words a snapshot callback scans: its fixed cost (the call, the scratch lookup) spread over them. */
#define IOL_SNAP_STEP_WORDS 4

/* bpf_loop callback, once per IOL_SNAP_STEP_WORDS words of the window: read a chunk at the start of
 * each, keep the words that point into code or into the stack. */
static long snap_step(__u32 i, void *data)
{
	struct iol_snap_ctx *c = data;
	struct iol_scratch *s = get_scratch();
	__u64 off = (__u64)i * 8 * IOL_SNAP_STEP_WORDS, j0 = (off / 8) % IOL_SNAPSHOT_CHUNK_WORDS;
	__u64 lo, hi;

	if (!s || !c->ranges || off >= c->len)
		return 1;
	if (j0 == 0 && !c->tail) {
		__u64 size = c->len - off;

		IOL_CLAMP(size, sizeof(s->chunk));
		if (size < 8) {
			s->walk.flags |= IOL_STACK_FLAG_SNAPSHOT_UNREADABLE;
			s->walk.sp_slots = off;
			return 1;
		}
		/* a page of the stack that was never touched (a caller's local buffer that sp moved past
		 * unwritten) is not present, and this read cannot fault it in: the chunk's words are then
		 * read one by one, those of such a page skipped (it holds no return address) */
		if (((c->sp + off) & ~(IOL_USER_PAGE_SIZE - 1)) == s->walk.absent_page)
			c->by_word = 1; /* it starts in the page found absent: a whole read cannot succeed */
		else
			c->by_word = bpf_probe_read_user(s->chunk, size, (void *)(c->sp + off)) != 0;
	}
	lo = c->ranges->lo;
	hi = c->ranges->hi;
	for (__u32 k = 0; k < IOL_SNAP_STEP_WORDS; k++) {
		__u64 j = j0 + k, word;

		if (off + 8 * k >= c->len)
			return 1;
		IOL_CLAMP(j, IOL_SNAPSHOT_CHUNK_WORDS - 1);
		if (c->by_word && !c->tail) {
			__u64 addr = c->sp + off + 8 * k;

			if ((addr & ~(IOL_USER_PAGE_SIZE - 1)) == s->walk.absent_page)
				continue;
			if (bpf_probe_read_user(&word, sizeof(word), (void *)addr)) {
				s->walk.absent_page = addr & ~(IOL_USER_PAGE_SIZE - 1);
				continue;
			}
		} else {
			word = s->chunk[j];
		}
		if (word >= c->stack_lo && word < c->stack_hi) {
			/* a stack address: a saved frame pointer, or a signal frame's saved sp; a tail's
			 * rules need none, and they would make each thread's call site a stack of its own */
			if (c->tail)
				continue;
		} else if (word < lo || word >= hi || !snap_in_exec(c->ranges, word)) {
			continue;
		}
		if (!snap_push(s, off / 8 + k, word))
			return 1;
	}
	return 0;
}

/*
 * Replace the walk's frames with a sparse snapshot: ip, sp, the frame-pointer register, then (the
 * caller's snap_step scan) the words of [sp, sp + stack_window) that point into code or into the
 * stack, with their slots.
 */
static __always_inline void take_snapshot(struct iol_scratch *s, struct iol_snap_ctx *c, __u64 ip, __u64 bp, __u32 tgid, __u32 gen)
{
	/* rbp matters to the unwind only as a frame pointer, an address in the stack; any other value
	 * is a general register's, which would only make one call site many stacks */
	if (bp < c->sp || bp >= c->stack_hi)
		bp = 0;
	s->walk.n = 0;
	s->walk.flags = IOL_STACK_FLAG_SNAPSHOT;
	s->walk.sp_slots = c->len; /* the bytes read, less if a chunk cannot be */
	s->walk.hash = hash_mix(((__u64)tgid << 32) | gen, ip);
	s->stack.frames[0] = ip;
	s->stack.frames[1] = c->sp;
	s->stack.frames[2] = bp;
	s->walk.n = 3;
	s->walk.hash = hash_mix(hash_mix(s->walk.hash, c->sp), bp);
}

_Static_assert(IOL_STACK_TAIL_BYTES <= IOL_SNAPSHOT_CHUNK_WORDS * 8, "a tail snapshot is read in one chunk");

/*
 * Start a tail snapshot after a frame-pointer stack's frames: the header (base, bytes read), with
 * the words of [base, base + stack_tail_bytes) (less at the end of the stack) in s->chunk for the
 * caller's snap_step scan (walk.scan_sp and walk.scan_len). base is the CFA of the
 * chain's last frame. The words come from the copy at sp when it holds them (a shallow stack).
 */
static __always_inline void take_tail(struct iol_scratch *s)
{
	__u64 base = s->walk.tail_base, len, got = 0, hash;

	if (!base || base >= s->walk.hi)
		return;
	len = (s->walk.hi - base) & ~7ULL;
	IOL_CLAMP(len, IOL_STACK_TAIL_BYTES);
	if (!(s->walk.sp & 7) && base >= s->walk.sp && base + len <= s->walk.sp + s->walk.copied) {
		__u64 first = (base - s->walk.sp) / 8;

		IOL_CLAMP(first, IOL_STACK_COPY_WORDS - IOL_STACK_TAIL_BYTES / 8);
		if (len >= 8 && bpf_probe_read_kernel(s->chunk, len, &s->window[first]) == 0)
			got = len;
	} else if (len >= 8 && bpf_probe_read_user(s->chunk, len, (void *)base) == 0) {
		got = len;
	}
	hash = s->walk.hash;
	if (!snap_push(s, IOL_STACK_TAIL_MARK, base) || !snap_push(s, IOL_STACK_TAIL_MARK, got))
		return;
	/* the header stays out of the stack id: the unwind needs only offsets from base, and each
	 * thread's base would make its call site a stack of its own */
	s->walk.hash = hash;
	s->walk.flags |= IOL_STACK_FLAG_TAIL;
	s->walk.scan_sp = base;
	s->walk.scan_len = got;
}

/*
 * Walk the current thread's user stack, send it if new, and return its id (0 when stacks are off
 * or the registers cannot be read). `stack_end` caches the end of the thread's stack mapping.
 * Global (not static): the verifier checks it once per program, not once per call site.
 */
__noinline __u64 capture_stack(__u32 tgid, __u32 gen, __u64 *stack_end)
{
	struct iol_window_ctx ctx = {};
	struct iol_snap_ctx snap = {};
	struct task_struct *task;
	struct pt_regs *regs;
	struct iol_scratch *s;
	__u64 ip, sp, size, n, hash, copy, end;
	__u8 one = 1;

	if (!want_stacks || !stack_end)
		return 0;
	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return 0;
	/* a BTF pointer: plain loads (checked by the kernel's exception table), no helper calls */
	ip = IOL_REGS_IP(regs);
	sp = IOL_REGS_SP(regs);
	if (!ip || !sp)
		return 0;
	s = get_scratch();
	if (!s)
		return 0;

	ctx.ranges = bpf_map_lookup_elem(&exec_ranges, &tgid);
	end = *stack_end;
	if (!end || end <= sp) {
		struct iol_vma_end_ctx c = {};

		/* only a mapping found is kept: the thread's next call looks again */
		if (bpf_find_vma(task, sp, vma_end_cb, &c, 0) == 0 && c.end > sp)
			end = *stack_end = c.end;
		else
			end = fallback_stack_end(ctx.ranges, sp);
	}

	s->walk.bp = IOL_REGS_FP(regs);
	s->walk.lo = sp;
	s->walk.hi = end;
	s->walk.hash = hash_mix(((__u64)tgid << 32) | gen, ip);
	s->walk.n = 0;
	s->walk.flags = 0;
	s->walk.sp_slots = 0;
	s->walk.chain = 0;
	s->walk.chain_ended = 0;
	s->walk.tail_base = 0;
	walk_push(s, ip);

	s->walk.code_lo = ctx.ranges ? ctx.ranges->lo : 0;
	s->walk.code_hi = ctx.ranges ? ctx.ranges->hi : ~0ULL;
	/* one copy of the stack from sp up (to its end at most): the window and the nearest frames */
	s->walk.sp = sp;
	s->walk.copied = 0;
	copy = (end - sp) & ~7ULL;
	IOL_CLAMP(copy, sizeof(s->window));
	if (copy && bpf_probe_read_user(s->window, copy, (void *)sp) == 0)
		s->walk.copied = copy;
	else if (copy >= 8 * IOL_SP_WINDOW && bpf_probe_read_user(s->window, 8 * IOL_SP_WINDOW, (void *)sp) == 0)
		s->walk.copied = 8 * IOL_SP_WINDOW; /* a page of the copy could not be read */
	scan_window(s, ctx.ranges);
	n = s->walk.n;
	walk_chain(s);
	if (s->walk.n == n && (s->walk.flags & IOL_STACK_FLAG_BAD_FRAME_POINTER)) {
		s->walk.bp = 0;
		bpf_loop(IOL_SP_WINDOW, rescue_step, &ctx, 0);
		if (s->walk.bp) {
			s->walk.lo = sp;
			s->walk.flags = (s->walk.flags & ~IOL_STACK_FLAG_BAD_FRAME_POINTER) |
					IOL_STACK_FLAG_FRAME_POINTER_FROM_STACK;
			walk_chain(s);
		}
	}

	snap.ranges = ctx.ranges;
	snap.sp = sp;
	snap.stack_lo = sp;
	snap.stack_hi = end;
	s->walk.scan_len = 0;
	if (stack_window && ctx.ranges && ((s->walk.flags & IOL_STACK_FLAG_COMPLETE) || fp_chain_stands(s))) {
		take_tail(s);
	} else if (stack_window && ctx.ranges) {
		snap.len = (end - sp) & ~7ULL;
		if (snap.len > stack_window)
			snap.len = stack_window;
		take_snapshot(s, &snap, ip, IOL_REGS_FP(regs), tgid, gen);
		s->walk.scan_sp = sp;
		s->walk.scan_len = snap.len;
	}
	/* the scan's bounds from the scratch map, not from the path that set them: the verifier then
	 * sees one state at the call and goes through snap_step once, not once per path */
	snap.sp = s->walk.scan_sp;
	snap.len = s->walk.scan_len;
	snap.tail = (s->walk.flags & IOL_STACK_FLAG_TAIL) != 0;
	s->walk.absent_page = 0;
	if (snap.len)
		bpf_loop(IOL_STACK_WINDOW_MAX / (8 * IOL_SNAP_STEP_WORDS), snap_step, &snap, 0);

	hash = s->walk.hash ? s->walk.hash : 1;
	if (bpf_map_lookup_elem(&stacks_seen, &hash))
		return hash;

	n = s->walk.n;
	IOL_CLAMP(n, IOL_MAX_SNAPSHOT_FRAMES);
	size = sizeof(s->stack.rec) + n * 8;
	IOL_CLAMP(size, sizeof(s->stack));
	s->stack.rec.hdr.kind = IOL_RECORD_KIND_STACK;
	s->stack.rec.hdr.size = size;
	s->stack.rec.nframes = n;
	s->stack.rec.flags = s->walk.flags;
	s->stack.rec.pid = tgid;
	s->stack.rec.sp_slots = s->walk.sp_slots;
	s->stack.rec.stack_id = hash;
	if (output_record(&s->stack, size, IOL_CNT_STACK_RING_FULL) == 0)
		bpf_map_update_elem(&stacks_seen, &hash, &one, BPF_ANY);
	return hash;
}

#endif /* IOLENS_STACK_BPF_H */
