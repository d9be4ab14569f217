/* SPDX-License-Identifier: MIT */
/* Writing records to the ring buffer: batched wake-ups and exact loss counters. */
#ifndef IOLENS_EMIT_BPF_H
#define IOLENS_EMIT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "iolens.h"
#include "maps.bpf.h"

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		*v += 1;
}

/* Wake the reader only when enough data waits: one wake-up per record costs more than the record
 * (TESTING.md). The reader also polls with a short timeout, so nothing stays behind. */
static __always_inline __u64 wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									       : BPF_RB_NO_WAKEUP;
}

/* Reserve a record of constant `size`; on failure count it as lost under `lost_slot`. */
static __always_inline void *reserve_record(__u32 size, __u16 kind, __u32 lost_slot)
{
	struct iol_rec_hdr *hdr = bpf_ringbuf_reserve(&events, size, 0);

	if (!hdr) {
		count(lost_slot);
		return NULL;
	}
	hdr->kind = kind;
	hdr->size = size;
	return hdr;
}

static __always_inline void submit_record(void *rec)
{
	bpf_ringbuf_submit(rec, wakeup_flag());
	count(IOL_CNT_EMITTED);
}

/* Copy a variable-size record (already holding its header) from scratch memory. */
static __always_inline int output_record(void *rec, __u64 size, __u32 lost_slot)
{
	if (bpf_ringbuf_output(&events, rec, size, wakeup_flag())) {
		count(lost_slot);
		return -1;
	}
	count(IOL_CNT_EMITTED);
	return 0;
}

static __always_inline struct iol_scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Keep the verifier's bounds on x: the compiler must not reload it after the check. */
#define IOL_CLAMP(x, max)                                \
	do {                                             \
		asm volatile("" : "+r"(x));              \
		if ((x) > (max))                         \
			(x) = (max);                     \
	} while (0)

/* Round a record size up to the 8-byte multiple the stream requires. */
#define IOL_ROUND8(x) (((x) + 7) & ~7ULL)

#endif /* IOLENS_EMIT_BPF_H */
