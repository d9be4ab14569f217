/* SPDX-License-Identifier: MIT */
/*
 * Short blocking calls counted instead of sent (under --min-duration), in user space: the ptrace
 * backend counts them here; the eBPF backend copies the kernel's counts here to send only what
 * changed. Either way the counts leave as call_summary records, cumulative per key.
 */
#ifndef IOLENS_SUMMARY_H
#define IOLENS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "iolens.h"
#include "output.h"

struct iol_summary_slot {
	struct iol_summary_key key;
	struct iol_summary_val val;
	__u64 sent_count; /* val.count when it was last sent */
	bool used;
	bool gone; /* its thread had exited when summary_mark_gone last looked: its counts are final */
};

/* An open-addressing table of at most IOL_SUMMARY_ENTRIES keys. */
struct iol_summary_table {
	struct iol_summary_slot *slots;
	size_t cap;
	size_t n;
};

/* The value of `key` (created for process `pid` when new); NULL when the table is full or memory
 * ran out (the caller counts the call as lost). */
struct iol_summary_val *summary_value(struct iol_summary_table *t, const struct iol_summary_key *key, __u32 pid);
/* Send a call_summary record for each key whose count changed since it was last sent (`all`:
 * every key with calls, as the end of a recording does). Returns the records written. */
size_t summary_emit(struct iol_summary_table *t, struct iol_output *out, __u64 ts, bool all);
/*
 * Mark the keys whose thread has exited (tgkill(pid, tid, 0) fails with ESRCH): no call counts
 * into them any more, so the values read after this are final. Call before reading the counts.
 */
void summary_mark_gone(struct iol_summary_table *t);
/*
 * Remove the keys marked gone whose final counts have been sent, calling `drop` for each (the
 * eBPF backend deletes the kernel map's key there), so that a server with a thread per request
 * never fills the table. Returns the keys removed.
 */
size_t summary_prune(struct iol_summary_table *t, void (*drop)(const struct iol_summary_key *key, void *ctx), void *ctx);
/* Free the table. */
void summary_free(struct iol_summary_table *t);

#endif
