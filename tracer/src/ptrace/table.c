// SPDX-License-Identifier: MIT
/* Tables of the ptrace backend: pid -> thread/process, pools that never move their objects (a
 * pointer stays valid while the table grows), sets of stack ids. No allocation per event. */
#include <stdlib.h>
#include <string.h>

#include "pt.h"

static size_t slot_of(pid_t key, size_t cap)
{
	return ((uint32_t)key * 2654435761u) & (cap - 1);
}

void *pt_table_get(const struct pt_table *t, pid_t key)
{
	if (!t->cap || key <= 0)
		return NULL;
	for (size_t i = slot_of(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->keys[i] == key)
			return t->vals[i];
		if (!t->keys[i])
			return NULL;
	}
}

static int grow(struct pt_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	pid_t *keys = calloc(cap, sizeof(*keys));
	void **vals = calloc(cap, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->keys[i])
			continue;
		for (j = slot_of(t->keys[i], cap); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = t->keys[i];
		vals[j] = t->vals[i];
	}
	free(t->keys);
	free(t->vals);
	t->keys = keys;
	t->vals = vals;
	t->cap = cap;
	return 0;
}

int pt_table_put(struct pt_table *t, pid_t key, void *val)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap && grow(t))
		return -1;
	for (i = slot_of(key, t->cap); t->keys[i] && t->keys[i] != key; i = (i + 1) & (t->cap - 1))
		;
	if (!t->keys[i])
		t->n++;
	t->keys[i] = key;
	t->vals[i] = val;
	return 0;
}

void pt_table_del(struct pt_table *t, pid_t key)
{
	size_t i, j;

	if (!t->cap)
		return;
	for (i = slot_of(key, t->cap); t->keys[i] != key; i = (i + 1) & (t->cap - 1))
		if (!t->keys[i])
			return;
	/* backward-shift deletion: no tombstones */
	for (j = (i + 1) & (t->cap - 1); t->keys[j]; j = (j + 1) & (t->cap - 1)) {
		size_t home = slot_of(t->keys[j], t->cap);

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->keys[i] = t->keys[j];
			t->vals[i] = t->vals[j];
			i = j;
		}
	}
	t->keys[i] = 0;
	t->vals[i] = NULL;
	t->n--;
}

void pt_table_free(struct pt_table *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

static struct pt_thread *free_threads;
static struct pt_proc *free_procs;

struct pt_thread *pt_thread_alloc(void)
{
	struct pt_thread *th = free_threads;

	if (th)
		free_threads = th->next_free;
	else if (!(th = malloc(sizeof(*th))))
		return NULL;
	memset(th, 0, sizeof(*th));
	return th;
}

void pt_thread_release(struct pt_thread *th)
{
	th->next_free = free_threads;
	free_threads = th;
}

struct pt_proc *pt_proc_alloc(void)
{
	struct pt_proc *p = free_procs;

	if (p)
		free_procs = p->next_free;
	else if (!(p = malloc(sizeof(*p))))
		return NULL;
	memset(p, 0, sizeof(*p));
	p->maps_fd = p->mem_fd = -1;
	return p;
}

void pt_proc_release(struct pt_proc *p)
{
	free(p->maps.maps);
	free(p->seen.ids);
	p->next_free = free_procs;
	free_procs = p;
}

int pt_idset_add(struct pt_idset *s, uint64_t id)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *ids = calloc(cap, sizeof(*ids));

		if (!ids)
			return -1;
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->ids[k])
				continue;
			for (i = (s->ids[k] * 0x9e3779b97f4a7c15ULL) >> 32 & (cap - 1); ids[i]; i = (i + 1) & (cap - 1))
				;
			ids[i] = s->ids[k];
		}
		free(s->ids);
		s->ids = ids;
		s->cap = cap;
	}
	for (i = (id * 0x9e3779b97f4a7c15ULL) >> 32 & (s->cap - 1); s->ids[i]; i = (i + 1) & (s->cap - 1))
		if (s->ids[i] == id)
			return 0;
	s->ids[i] = id;
	s->n++;
	return 1;
}

void pt_idset_clear(struct pt_idset *s)
{
	if (s->ids)
		memset(s->ids, 0, s->cap * sizeof(*s->ids));
	s->n = 0;
}
