// SPDX-License-Identifier: MIT
/* Short blocking calls counted in user space, sent as call_summary records (summary.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "summary.h"

static size_t hash_key(const struct iol_summary_key *k)
{
	__u64 h = ((__u64)k->tid << 32) ^ ((__u64)k->sys << 16) ^ ((__u64)k->fd_type << 8) ^ k->flags;

	h ^= k->stack_id * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h ^ (h >> 32));
}

static bool same(const struct iol_summary_key *a, const struct iol_summary_key *b)
{
	return a->tid == b->tid && a->sys == b->sys && a->fd_type == b->fd_type && a->flags == b->flags &&
	       a->stack_id == b->stack_id;
}

static struct iol_summary_slot *find(struct iol_summary_slot *slots, size_t cap, const struct iol_summary_key *k)
{
	for (size_t i = hash_key(k) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!slots[i].used || same(&slots[i].key, k))
			return &slots[i];
}

static int grow(struct iol_summary_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct iol_summary_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			*find(slots, cap, &t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

struct iol_summary_val *summary_value(struct iol_summary_table *t, const struct iol_summary_key *key, __u32 pid)
{
	struct iol_summary_slot *s;

	if (t->cap) {
		s = find(t->slots, t->cap, key);
		if (s->used)
			return &s->val;
	}
	if (t->n >= IOL_SUMMARY_ENTRIES)
		return NULL;
	if ((t->n + 1) * 2 > t->cap && grow(t))
		return NULL;
	s = find(t->slots, t->cap, key);
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->key = *key;
	s->val.pid = pid;
	t->n++;
	return &s->val;
}

size_t summary_emit(struct iol_summary_table *t, struct iol_output *out, __u64 ts, bool all)
{
	size_t written = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct iol_summary_slot *s = &t->slots[i];
		struct iol_rec_call_summary r = { .hdr = { .kind = IOL_RECORD_KIND_CALL_SUMMARY, .size = sizeof(r) } };

		if (!s->used || !s->val.count || (s->val.count == s->sent_count && !all))
			continue;
		r.sys = s->key.sys;
		r.fd_type = s->key.fd_type;
		r.flags = s->key.flags;
		r.pid = s->val.pid;
		r.tid = s->key.tid;
		/* the end of the last call counted, not the read: a key's calls lie before it, and a
		 * reader spreads them over the time since the key's previous record (a final read that
		 * comes late, as on a loaded machine, would otherwise stretch them past the thread's end) */
		r.ts = s->val.last_ns && s->val.last_ns < ts ? s->val.last_ns : ts;
		r.stack_id = s->key.stack_id;
		r.count = s->val.count;
		r.total_ns = s->val.total_ns;
		r.max_ns = s->val.max_ns;
		r.errors = s->val.errors;
		memcpy(r.errno_values, s->val.errno_values, sizeof(r.errno_values));
		memcpy(r.errno_counts, s->val.errno_counts, sizeof(r.errno_counts));
		if (out_record(out, &r))
			break;
		s->sent_count = s->val.count;
		written++;
	}
	return written;
}

void summary_mark_gone(struct iol_summary_table *t)
{
	__u32 last_tid = 0;
	bool last_gone = false;

	for (size_t i = 0; i < t->cap; i++) {
		struct iol_summary_slot *s = &t->slots[i];

		if (!s->used || s->gone)
			continue;
		/* a thread's keys lie scattered: remember the last answer for runs of one tid */
		if (s->key.tid != last_tid) {
			last_tid = s->key.tid;
			last_gone = syscall(SYS_tgkill, (pid_t)s->val.pid, (pid_t)s->key.tid, 0) != 0 && errno == ESRCH;
		}
		s->gone = last_gone;
	}
}

size_t summary_prune(struct iol_summary_table *t, void (*drop)(const struct iol_summary_key *key, void *ctx), void *ctx)
{
	struct iol_summary_slot *old = t->slots;
	size_t cap = t->cap, removed = 0;

	for (size_t i = 0; i < cap; i++)
		if (old[i].used && old[i].gone && old[i].sent_count == old[i].val.count)
			removed++;
	if (!removed)
		return 0;
	/* open addressing with linear probing: the kept keys are placed again in a fresh array */
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return 0;
	}
	t->n = 0;
	for (size_t i = 0; i < cap; i++) {
		if (!old[i].used)
			continue;
		if (old[i].gone && old[i].sent_count == old[i].val.count) {
			if (drop)
				drop(&old[i].key, ctx);
			continue;
		}
		*find(t->slots, cap, &old[i].key) = old[i];
		t->n++;
	}
	free(old);
	return removed;
}

void summary_free(struct iol_summary_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
