// SPDX-License-Identifier: MIT
/*
 * User stacks at a stop, the same walk as the kernel side (stack.bpf.h), done with
 * process_vm_readv: the instruction pointer; the words of the 32-word window above sp that point
 * into the process's code (candidate return addresses of frameless wrappers, sp_slots); then the
 * frame-pointer chain (8-byte aligned, increasing, inside [sp, end of the stack mapping)), with
 * the rescue of a clobbered rbp from a saved frame pointer found in the window. One read covers
 * the window and usually the whole chain. Same stack ids (hash of the frames, the process and its
 * exec generation), each stack sent once per process.
 *
 * When the chain does not end at the outermost frame (a saved frame pointer of 0), the record is a
 * sparse stack snapshot instead, as on the eBPF side (take_snapshot, and stack.bpf.h); a chain
 * that ends on a saved frame pointer of 0 or stands on its own carries a tail snapshot of the
 * stack above its last frame (take_tail, StackFlag.tail), as there.
 */
#include <string.h>

#include "pt.h"

#define PT_STACK_FALLBACK_SPAN (8ULL << 20)

struct walk {
	struct pt_tracer *t;
	struct pt_proc *p;
	pid_t tid;
	uint64_t sp, got; /* the chunk holds [sp, sp + got) */
	uint64_t bp, lo, hi, hash;
	uint32_t n, sp_slots, flags;
	uint32_t chain;       /* return addresses the frame-pointer chain gave */
	bool chain_ended;     /* ...and it ended on a saved value below its frame (no frame pointer) */
	uint64_t tail_base;   /* the CFA of the chain's last frame (where its tail snapshot starts), 0 when none */
	uint64_t frames[IOL_MAX_SNAPSHOT_FRAMES];
};

static inline uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ULL;
	h ^= h >> 29;
	return h;
}

static bool in_exec(const struct iol_exec_ranges *r, uint64_t a)
{
	if (a < r->lo || a >= r->hi)
		return false;
	for (uint32_t i = 0; i < IOL_MAX_EXEC_RANGES && i < r->n; i++)
		if (a >= r->start[i] && a < r->end[i])
			return true;
	return false;
}

/* [a, a + len) lies inside [lo, hi), written so that no sum wraps around: a frame pointer that
 * holds a general register's value (-8, say, in the BEAM) is no address 16 bytes below 8. */
static bool inside(uint64_t a, uint64_t len, uint64_t lo, uint64_t hi)
{
	return a >= lo && a <= hi && hi - a >= len;
}

static bool push(struct walk *w, uint64_t addr)
{
	if (w->n >= IOL_MAX_FRAMES) {
		w->flags |= IOL_STACK_FLAG_TRUNCATED;
		return false;
	}
	w->frames[w->n++] = addr;
	w->hash = hash_mix(w->hash, addr);
	return true;
}

/* Two words at addr: from the chunk when it holds them, else one more read. */
static bool read_pair(struct walk *w, uint64_t addr, uint64_t fr[2])
{
	if (inside(addr, 16, w->sp, w->sp + w->got)) {
		memcpy(fr, (const char *)w->t->stack + (addr - w->sp), 16);
		return true;
	}
	return pt_mem_read(w->p, w->tid, addr, fr, 16) == 16;
}

static void scan_window(struct walk *w, bool have_ranges)
{
	const uint64_t *win = w->t->stack;

	for (uint32_t i = 0; i < IOL_SP_WINDOW && i * 8 < w->got; i++) {
		uint64_t word = win[i];

		if (!have_ranges) {
			/* code ranges not known yet: only the word at sp, the one-wrapper case */
			if (i == 0 && word && push(w, word))
				w->sp_slots |= 1;
			break;
		}
		if (!in_exec(&w->p->ranges, word))
			continue;
		if (!push(w, word))
			break;
		w->sp_slots |= 1U << i;
	}
}

static void walk_chain(struct walk *w)
{
	for (uint32_t i = 0; i < IOL_MAX_FRAMES; i++) {
		uint64_t fr[2], bp = w->bp;

		if (!bp)
			return;
		if ((bp & 7) || !inside(bp, 16, w->lo, w->hi)) {
			w->flags |= IOL_STACK_FLAG_BAD_FRAME_POINTER;
			return;
		}
		if (!read_pair(w, bp, fr) || !fr[1])
			return;
		if (w->p->ranges.n && (fr[1] < w->p->ranges.lo || fr[1] >= w->p->ranges.hi)) {
			/* no return address: rbp was a general register's value here, the chain ends */
			w->flags |= IOL_STACK_FLAG_BAD_FRAME_POINTER;
			return;
		}
		if (!push(w, fr[1]))
			return;
		w->chain++;
		w->tail_base = bp + 16;
		if (!fr[0]) {
			w->flags |= IOL_STACK_FLAG_COMPLETE;
			return;
		}
		if (fr[0] <= bp) {
			w->chain_ended = true;
			return;
		}
		w->lo = bp + 16;
		w->bp = fr[0];
	}
}

/* The frame-pointer register led nowhere (a library uses rbp as a general register): take the
 * first word above sp that points to a frame whose return address is code. */
static uint64_t rescue(struct walk *w)
{
	const uint64_t *win = w->t->stack;

	for (uint32_t i = 0; i < IOL_SP_WINDOW && i * 8 < w->got; i++) {
		uint64_t word = win[i], fr[2];

		if ((word & 7) || word <= w->lo + 8 * i || !inside(word, 16, w->lo, w->hi))
			continue;
		if (!read_pair(w, word, fr))
			continue;
		if (!in_exec(&w->p->ranges, fr[1]) || fr[0] <= word)
			continue;
		return word;
	}
	return 0;
}

/* Keep one word of a snapshot (slot << IOL_STACK_SLOT_SHIFT | word); false when the record is full. */
static bool snap_push(struct walk *w, uint64_t slot, uint64_t word)
{
	if (w->n >= IOL_MAX_SNAPSHOT_FRAMES) {
		w->flags |= IOL_STACK_FLAG_SNAPSHOT_FULL;
		return false;
	}
	word |= slot << IOL_STACK_SLOT_SHIFT;
	w->frames[w->n++] = word;
	w->hash = hash_mix(w->hash, word);
	return true;
}

/*
 * Replace the walk's frames with a sparse snapshot: ip, sp, the frame-pointer register, then the
 * words of [sp, sp + --stack-window) (less at the end of the stack) that point into the process's
 * code or into the stack, each as slot << IOL_STACK_SLOT_SHIFT | word.
 */
static void take_snapshot(struct walk *w, uint64_t ip, uint64_t bp)
{
	uint64_t len = w->hi - w->sp, *win = w->t->snapshot;
	ssize_t got;

	if (len > w->t->opts->stack_window)
		len = w->t->opts->stack_window;
	len &= ~7ULL;
	w->n = 0;
	w->flags = IOL_STACK_FLAG_SNAPSHOT;
	/* rbp matters to the unwind only as a frame pointer, an address in the stack; any other value
	 * is a general register's, which would only make one call site many stacks */
	if (bp < w->sp || bp >= w->hi)
		bp = 0;
	w->hash = hash_mix(((uint64_t)w->p->pid << 32) | w->p->gen, ip);
	push(w, ip);
	push(w, w->sp);
	push(w, bp);
	got = len ? pt_mem_read(w->p, w->tid, w->sp, win, len) : 0;
	if (got < (ssize_t)len)
		w->flags |= IOL_STACK_FLAG_SNAPSHOT_UNREADABLE;
	w->sp_slots = got > 0 ? (uint32_t)got & ~7U : 0; /* the bytes read */
	for (uint64_t i = 0; got > 0 && i < (uint64_t)got / 8; i++) {
		uint64_t word = win[i];

		if (!(word >= w->sp && word < w->hi) && !in_exec(&w->p->ranges, word))
			continue;
		if (!snap_push(w, i, word))
			break;
	}
}

/*
 * Append a tail snapshot to a frame-pointer stack, as stack.bpf.h's take_tail: the header (base,
 * bytes read), then the words of [base, base + IOL_STACK_TAIL_BYTES) that point into code. From
 * the chunk read at sp when it holds them, else one more read.
 */
static void take_tail(struct walk *w)
{
	uint64_t base = w->tail_base, len, got = 0, hash;
	const uint64_t *tail = w->t->snapshot;

	if (!base || base >= w->hi)
		return;
	len = (w->hi - base) & ~7ULL;
	if (len > IOL_STACK_TAIL_BYTES)
		len = IOL_STACK_TAIL_BYTES;
	if (inside(base, len, w->sp, w->sp + w->got)) {
		tail = (const uint64_t *)((const char *)w->t->stack + (base - w->sp));
		got = len;
	} else if (len) {
		ssize_t r = pt_mem_read(w->p, w->tid, base, w->t->snapshot, len);

		got = r > 0 ? (uint64_t)r & ~7ULL : 0;
		if (got < len)
			got = 0; /* as the kernel side: a tail is read whole or not at all */
	}
	hash = w->hash;
	if (!snap_push(w, IOL_STACK_TAIL_MARK, base) || !snap_push(w, IOL_STACK_TAIL_MARK, got))
		return;
	w->hash = hash; /* the header stays out of the stack id, as on the kernel side */
	w->flags |= IOL_STACK_FLAG_TAIL;
	for (uint64_t i = 0; i < got / 8; i++) {
		if (tail[i] >= w->sp && tail[i] < w->hi)
			continue; /* a stack address: never code (and it would make each thread's site a stack) */
		if (in_exec(&w->p->ranges, tail[i]) && !snap_push(w, i, tail[i]))
			break;
	}
}

/* The chain stands without a snapshot: the same rule as stack.bpf.h's fp_chain_stands. */
#define PT_FP_CHAIN_MIN 2
static bool fp_chain_stands(const struct walk *w)
{
	if (w->flags & IOL_STACK_FLAG_FRAME_POINTER_FROM_STACK)
		return false;
	return ((w->flags & IOL_STACK_FLAG_BAD_FRAME_POINTER) || w->chain_ended) && w->chain >= PT_FP_CHAIN_MIN;
}

uint64_t pt_capture_stack(struct pt_tracer *t, struct pt_thread *th, const pt_regs_t *regs)
{
	struct pt_proc *p = th->proc;
	uint64_t ip = pt_regs_ip(regs), sp = pt_regs_sp(regs), len, n0;
	struct walk w = { .t = t, .p = p, .tid = th->tid, .sp = sp };
	struct iol_rec_stack rec = { .hdr.kind = IOL_RECORD_KIND_STACK };
	bool have_ranges;
	ssize_t got;

	if (!t->opts->stacks || !ip || !sp || !p)
		return 0;
	if (p->maps_dirty)
		pt_scan_maps(t, p);
	have_ranges = p->ranges.n > 0;
	if (!th->stack_end || th->stack_end <= sp) {
		uint64_t end = proc_vma_end(p->pid, &p->maps_fd, sp);

		th->stack_end = end > sp ? end : sp + PT_STACK_FALLBACK_SPAN;
	}
	w.bp = pt_regs_bp(regs);
	w.lo = sp;
	w.hi = th->stack_end;
	w.hash = hash_mix(((uint64_t)p->pid << 32) | p->gen, ip);
	push(&w, ip);

	len = th->stack_end - sp;
	if (len > PT_STACK_CHUNK)
		len = PT_STACK_CHUNK;
	got = pt_mem_read(p, th->tid, sp, t->stack, len);
	w.got = got > 0 ? (uint64_t)got & ~7ULL : 0;
	if (w.got)
		scan_window(&w, have_ranges);
	n0 = w.n;
	walk_chain(&w);
	if (w.n == n0 && (w.flags & IOL_STACK_FLAG_BAD_FRAME_POINTER) && have_ranges && w.got) {
		uint64_t bp;

		w.lo = sp;
		bp = rescue(&w);
		if (bp) {
			w.bp = bp;
			w.lo = sp;
			w.flags = (w.flags & ~IOL_STACK_FLAG_BAD_FRAME_POINTER) | IOL_STACK_FLAG_FRAME_POINTER_FROM_STACK;
			walk_chain(&w);
		}
	}

	if (t->opts->stack_window && have_ranges && ((w.flags & IOL_STACK_FLAG_COMPLETE) || fp_chain_stands(&w)))
		take_tail(&w);
	else if (t->opts->stack_window && have_ranges)
		take_snapshot(&w, ip, pt_regs_bp(regs));

	rec.stack_id = w.hash ? w.hash : 1;
	if (pt_idset_add(&p->seen, rec.stack_id) == 0)
		return rec.stack_id;
	rec.nframes = w.n;
	rec.flags = w.flags;
	rec.pid = p->pid;
	rec.sp_slots = w.sp_slots;
	pt_emit_tail(t, &rec, sizeof(rec), w.frames, w.n * 8);
	return rec.stack_id;
}
