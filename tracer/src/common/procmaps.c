// SPDX-License-Identifier: MIT
/* The executable mappings of a target, from /proc/PID/maps: map records for the ones not reported
 * yet (with the build-id from the kernel's PROCMAP_QUERY, Linux 6.11+; the text on older kernels),
 * the code ranges the kernel side's stack walk recognises return addresses by, and the end of the
 * mapping holding an address (a thread's stack). */
#include "procfs.h"
#include "rules.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef PROCMAP_QUERY
/* include/uapi/linux/fs.h, Linux 6.11 */
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_READABLE 0x01
#define PROCMAP_QUERY_VMA_WRITABLE 0x02
#define PROCMAP_QUERY_VMA_EXECUTABLE 0x04
#define PROCMAP_QUERY_VMA_SHARED 0x08
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#endif

void proc_maps_reset(struct iol_proc_maps *s)
{
	s->n = 0;
}

static bool known_map(struct iol_proc_maps *s, const struct iol_known_map *m)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->maps[i].start == m->start && s->maps[i].end == m->end && s->maps[i].ino == m->ino &&
		    s->maps[i].pgoff == m->pgoff)
			return true;
	return false;
}

static int remember_map(struct iol_proc_maps *s, const struct iol_known_map *m)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct iol_known_map *p = realloc(s->maps, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->maps = p;
		s->cap = cap;
	}
	s->maps[s->n++] = *m;
	return 0;
}

/* Executable ranges seen during one scan, merged into at most IOL_MAX_EXEC_RANGES for the kernel. */
struct range_set {
	size_t n;
	uint64_t start[256], end[256];
};

static void range_add(struct range_set *rs, uint64_t start, uint64_t end)
{
	if (rs->n && rs->end[rs->n - 1] == start) {
		rs->end[rs->n - 1] = end; /* maps come in address order: extend */
		return;
	}
	if (rs->n == 256) {
		rs->end[255] = end;
		return;
	}
	rs->start[rs->n] = start;
	rs->end[rs->n] = end;
	rs->n++;
}

static void range_fill(struct range_set *rs, struct iol_exec_ranges *out)
{
	/* merge the pair with the smallest gap until it fits */
	while (rs->n > IOL_MAX_EXEC_RANGES) {
		size_t best = 0;

		for (size_t i = 1; i + 1 < rs->n; i++)
			if (rs->start[i + 1] - rs->end[i] < rs->start[best + 1] - rs->end[best])
				best = i;
		rs->end[best] = rs->end[best + 1];
		memmove(&rs->start[best + 1], &rs->start[best + 2], (rs->n - best - 2) * sizeof(uint64_t));
		memmove(&rs->end[best + 1], &rs->end[best + 2], (rs->n - best - 2) * sizeof(uint64_t));
		rs->n--;
	}
	memset(out, 0, sizeof(*out));
	out->n = (uint32_t)rs->n;
	for (size_t i = 0; i < rs->n; i++) {
		out->start[i] = rs->start[i];
		out->end[i] = rs->end[i];
	}
	out->lo = rs->n ? rs->start[0] : 0;
	out->hi = rs->n ? rs->end[rs->n - 1] : 0;
}

/* Report one mapping if new. */
static int report_map(struct iol_proc_maps *s, struct iol_output *out, uint64_t ts, const struct iol_known_map *m,
		      uint8_t prot, uint32_t dev, char *name, const unsigned char *build_id, uint8_t build_id_len)
{
	static const char deleted[] = " (deleted)";
	struct iol_rec_map r = { .hdr.kind = IOL_RECORD_KIND_MAP };
	size_t len = strlen(name), dl = sizeof(deleted) - 1;

	if (known_map(s, m))
		return 0;
	if (remember_map(s, m))
		return -ENOMEM;
	r.prot = prot;
	r.flags = IOL_MAP_FLAG_FROM_PROC;
	r.pid = s->pid;
	r.dev = dev;
	r.ts = ts;
	r.start = m->start;
	r.end = m->end;
	r.pgoff = m->pgoff;
	r.ino = m->ino;
	if (len > dl && !strcmp(name + len - dl, deleted)) {
		r.flags |= IOL_MAP_FLAG_DELETED;
		name[len - dl] = 0;
		len -= dl;
	}
	if (!strcmp(name, "[vdso]"))
		r.flags |= IOL_MAP_FLAG_VDSO;
	if (!m->ino && name[0] != '/')
		r.flags |= IOL_MAP_FLAG_ANONYMOUS;
	if (build_id_len) {
		r.flags |= IOL_MAP_FLAG_HAS_BUILD_ID;
		r.build_id_len = build_id_len > 20 ? 20 : build_id_len;
		memcpy(r.build_id, build_id, r.build_id_len);
	}
	out_record_tail(out, &r, sizeof(r), name, len + 1);
	return 1;
}

static int scan_text(struct iol_proc_maps *s, struct iol_output *out, uint64_t ts, struct range_set *rs)
{
	char path[64], line[IOL_PATH_BUF + 128];
	int added = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", s->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct iol_known_map m = {};
		unsigned int maj, min;
		char perms[8], *name;
		int pos = 0;
		uint8_t prot;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n", &m.start, &m.end, perms,
			   &m.pgoff, &maj, &min, &m.ino, &pos) < 7 || perms[2] != 'x')
			continue;
		name = line + pos;
		name[strcspn(name, "\n")] = 0;
		prot = (perms[0] == 'r' ? 1 : 0) | (perms[1] == 'w' ? 2 : 0) | 4 | (perms[3] == 'p' ? 8 : 0);
		range_add(rs, m.start, m.end);
		added += report_map(s, out, ts, &m, prot, iol_encode_dev(maj, min), name, NULL, 0) > 0;
	}
	fclose(f);
	return added;
}

int proc_scan_maps(struct iol_proc_maps *s, struct iol_output *out, uint64_t ts, struct iol_exec_ranges *ranges)
{
	static struct range_set rs;
	char path[64], name[IOL_PATH_BUF];
	unsigned char build_id[64];
	uint64_t addr = 0;
	int fd, added = 0;

	rs.n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", s->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct procmap_query q = {
			.size = sizeof(q),
			.query_flags = PROCMAP_QUERY_VMA_EXECUTABLE | PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
			.query_addr = addr,
			.vma_name_addr = (uint64_t)(uintptr_t)name,
			.vma_name_size = sizeof(name),
			.build_id_addr = (uint64_t)(uintptr_t)build_id,
			.build_id_size = sizeof(build_id),
		};
		struct iol_known_map m;
		uint8_t prot;
		int r;

		if (ioctl(fd, PROCMAP_QUERY, &q) < 0) {
			if (errno == ENOENT)
				break; /* no more executable mappings */
			close(fd);
			if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP) {
				added = scan_text(s, out, ts, &rs); /* kernels before 6.11 */
				if (added >= 0)
					range_fill(&rs, ranges);
				return added;
			}
			return -errno;
		}
		if (!q.vma_name_size)
			name[0] = 0;
		m = (struct iol_known_map){ .start = q.vma_start, .end = q.vma_end, .pgoff = q.vma_offset, .ino = q.inode };
		prot = ((q.vma_flags & PROCMAP_QUERY_VMA_READABLE) ? 1 : 0) | ((q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE) ? 2 : 0) |
		       4 | ((q.vma_flags & PROCMAP_QUERY_VMA_SHARED) ? 0 : 8);
		range_add(&rs, q.vma_start, q.vma_end);
		r = report_map(s, out, ts, &m, prot, iol_encode_dev(q.dev_major, q.dev_minor), name, build_id,
			       (uint8_t)(q.build_id_size > 20 ? 20 : q.build_id_size));
		if (r < 0) {
			close(fd);
			return r;
		}
		added += r;
		addr = q.vma_end;
	}
	close(fd);
	range_fill(&rs, ranges);
	return added;
}

static uint64_t vma_end_text(pid_t pid, uint64_t addr)
{
	char path[64], line[IOL_PATH_BUF + 128];
	uint64_t start, end, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 && addr >= start && addr < end) {
			found = end;
			break;
		}
	}
	fclose(f);
	return found;
}

uint64_t proc_vma_end(pid_t pid, int *maps_fd, uint64_t addr)
{
	char path[64];
	struct procmap_query q = { .size = sizeof(q), .query_addr = addr };

	if (*maps_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
		*maps_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*maps_fd < 0)
			return 0;
	}
	if (ioctl(*maps_fd, PROCMAP_QUERY, &q) == 0)
		return q.vma_end > addr ? q.vma_end : 0;
	if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP)
		return vma_end_text(pid, addr);
	return 0;
}
