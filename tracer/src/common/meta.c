// SPDX-License-Identifier: MIT
#include "meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "iolens_wire.h"
#include "namespaces.h"

#ifndef IOLENS_VERSION
#define IOLENS_VERSION "0.0.0"
#endif

void meta_list_add(struct iol_meta_list *l, const char *s)
{
	char **p = realloc(l->items, (l->n + 1) * sizeof(*p));
	char *copy = strdup(s);

	if (!p || !copy) {
		free(copy);
		if (p)
			l->items = p;
		return;
	}
	l->items = p;
	l->items[l->n++] = copy;
}

void meta_list_free(struct iol_meta_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

struct jbuf {
	char *p;
	size_t len, cap;
};

static void jput(struct jbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void jraw(struct jbuf *b, const char *s)
{
	jput(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control bytes escaped; other bytes passed as they are. */
static void jstr(struct jbuf *b, const char *s)
{
	char esc[8];

	jput(b, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jput(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			jput(b, esc, 6);
		} else {
			jput(b, (const char *)&c, 1);
		}
	}
	jput(b, "\"", 1);
}

static void jkey(struct jbuf *b, const char *k)
{
	if (b->len > 1)
		jraw(b, ",");
	jstr(b, k);
	jraw(b, ":");
}

static void jnum(struct jbuf *b, const char *k, unsigned long long v)
{
	char num[32];

	jkey(b, k);
	snprintf(num, sizeof(num), "%llu", v);
	jraw(b, num);
}

static void jbool(struct jbuf *b, const char *k, bool v)
{
	jkey(b, k);
	jraw(b, v ? "true" : "false");
}

/* "namespace": the target's PID and mount namespaces when they are not the tracer's (a
 * container): its pid there and its cgroup paths (which name the container); its files are read
 * through /proc/PID/root. Nothing when it shares the tracer's, or when they cannot be read. */
static void meta_namespace(struct jbuf *b, pid_t pid)
{
	struct iol_namespaces ns;
	struct jbuf o = { 0 };

	if (pid <= 0 || ns_read(pid, &ns) < 0 || (!ns.other_pid_ns && !ns.other_mnt_ns))
		return;
	jraw(&o, "{");
	jnum(&o, "pid_ns", ns.pid_ns);
	jnum(&o, "mnt_ns", ns.mnt_ns);
	jbool(&o, "other_pid_ns", ns.other_pid_ns);
	jbool(&o, "other_mnt_ns", ns.other_mnt_ns);
	if (ns.ns_pid > 0)
		jnum(&o, "ns_pid", (unsigned long long)ns.ns_pid);
	jkey(&o, "cgroups");
	jraw(&o, "[");
	for (unsigned i = 0; i < ns.n_cgroups; i++) {
		if (i)
			jraw(&o, ",");
		jstr(&o, ns.cgroups[i]);
	}
	jraw(&o, "]}");
	if (o.p) {
		jkey(b, "namespace");
		jraw(b, o.p);
	}
	free(o.p);
}

int meta_write(struct iol_output *out, const struct iol_meta_info *m)
{
	struct iol_rec_meta r = { .hdr.kind = IOL_RECORD_KIND_META };
	struct jbuf b = { 0 };
	struct utsname u;
	char host[256] = "";
	int err;

	jraw(&b, "{");
	jkey(&b, "tracer");
	jstr(&b, "iolens-tracer");
	jkey(&b, "version");
	jstr(&b, IOLENS_VERSION);
	jkey(&b, "backend");
	jstr(&b, m->backend);
	jnum(&b, "pid", (unsigned long long)m->pid);
	jbool(&b, "launched", m->launched);
	if (m->command) {
		jkey(&b, "command");
		jraw(&b, "[");
		for (char **a = m->command; *a; a++) {
			if (a != m->command)
				jraw(&b, ",");
			jstr(&b, *a);
		}
		jraw(&b, "]");
	}
	jnum(&b, "min_duration_ns", m->min_duration_ns);
	jbool(&b, "irq", m->irq);
	jbool(&b, "stacks", m->stacks);
	jnum(&b, "ring_size", m->ring_size);
	jnum(&b, "tracer_pid", (unsigned long long)getpid());
	if (uname(&u) == 0) {
		jkey(&b, "kernel");
		jstr(&b, u.release);
		jkey(&b, "machine");
		jstr(&b, u.machine);
	}
	gethostname(host, sizeof(host) - 1);
	jkey(&b, "hostname");
	jstr(&b, host);
	jkey(&b, "missing_tracepoints");
	jraw(&b, "[");
	for (size_t i = 0; m->missing && i < m->missing->n; i++) {
		if (i)
			jraw(&b, ",");
		jstr(&b, m->missing->items[i]);
	}
	jraw(&b, "]");
	jkey(&b, "cannot_see");
	jraw(&b, "[");
	for (size_t i = 0; m->cannot_see && i < m->cannot_see->n; i++) {
		if (i)
			jraw(&b, ",");
		jstr(&b, m->cannot_see->items[i]);
	}
	jraw(&b, "]");
	if (m->seccomp)
		jbool(&b, "seccomp", true);
	if (m->kernel_path) {
		jkey(&b, "kernel_path");
		jstr(&b, m->kernel_path);
	}
	meta_namespace(&b, m->pid);
	jraw(&b, "}");
	if (!b.p)
		return -1;
	err = out_record_tail(out, &r, sizeof(r), b.p, b.len + 1);
	free(b.p);
	return err;
}
