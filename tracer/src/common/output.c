// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iolens_wire.h"

/* A pipe is opened at this size (the kernel's default limit for an ordinary user, pipe-max-size, is
 * twice it), so that at a stop it can still grow to make room for the end of the stream. */
#define OUT_PIPE_SIZE (512 * 1024)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The size of the buffered record at p (every record starts with {u16 kind, u16 size}). */
static size_t rec_size(const char *p)
{
	struct iol_rec_hdr h;

	memcpy(&h, p, sizeof(h));
	return h.size >= 8 ? h.size : 8; /* sizes are ours and >= 8; never loop on a bad one */
}

void out_stop(struct iol_output *out)
{
	if (out->stop_at)
		return;
	out->stop_at = mono_ns();
	out->gone = out->reader_gone && out->reader_gone();
}

static bool stop_seen(struct iol_output *out)
{
	if (!out->stop_at && out->stop && *out->stop)
		out_stop(out);
	return out->stop_at != 0;
}

/* Until when a write may wait for the reader: no limit while recording; after a stop request, the
 * drain or (for the tail) the grace, or nothing at all when the reader of a pipe is gone. */
static uint64_t wait_deadline(struct iol_output *out)
{
	if (!stop_seen(out))
		return UINT64_MAX;
	if (out->gone && out->nonblock)
		return out->stop_at;
	return out->stop_at + (out->tail ? out->grace_ns : out->drain_ns);
}

bool out_drain_over(const struct iol_output *out)
{
	struct iol_output *o = (struct iol_output *)out; /* stop_seen only records when the stop was seen */

	return o->discarding || o->error || (stop_seen(o) && mono_ns() >= wait_deadline(o));
}

/* More room for the tail at a stop, once: a pipe doubled, a socket's send buffer raised to the
 * most an ordinary process may ask for (the kernel doubles the wmem_max asked, twice its default);
 * 0 when it grew. */
static int grow_room(struct iol_output *out)
{
	int before = 0, after = 0, want = INT_MAX;
	socklen_t len = sizeof(before);

	if (out->grown)
		return -1;
	out->grown = true;
	if (out->pipe_size) {
		after = fcntl(out->fd, F_SETPIPE_SZ, out->pipe_size * 2);
		if (after <= out->pipe_size)
			return -1;
		out->pipe_size = after;
		return 0;
	}
	if (!out->socket || getsockopt(out->fd, SOL_SOCKET, SO_SNDBUF, &before, &len) ||
	    setsockopt(out->fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) ||
	    getsockopt(out->fd, SOL_SOCKET, SO_SNDBUF, &after, &len))
		return -1;
	return after > before ? 0 : -1;
}

/* The reader has no room for more (EAGAIN) or a signal came (EINTR): wait for room as long as the
 * moment allows. 0: write again; -1: the deadline came (or poll failed: out->error). */
static int out_wait(struct iol_output *out)
{
	struct pollfd p = { .fd = out->fd, .events = POLLOUT };
	uint64_t until = wait_deadline(out);
	int timeout = -1;

	/* the tail first gets the room of a larger pipe, so a slow reader is not waited for */
	if (out->tail && !grow_room(out))
		return 0;
	if (until != UINT64_MAX) {
		uint64_t now = mono_ns();

		if (now >= until)
			return -1;
		timeout = (int)((until - now + 999999) / 1000000);
	}
	if (!out->nonblock)
		return 0; /* a blocking fd (a file): interrupted, write again */
	if (poll(&p, 1, timeout) < 0 && errno != EINTR) {
		out->error = errno;
		return -1;
	}
	return 0;
}

/* The kernel took the first `done` bytes of the buffer: keep the rest, and know where in it the
 * record the kernel has the beginning of ends. */
static void consume(struct iol_output *out, size_t done)
{
	size_t p = out->head_rest;

	if (done >= out->len) {
		out->len = 0;
		out->head_rest = 0;
		return;
	}
	while (p < done)
		p += rec_size(out->buf + p);
	out->head_rest = p - done;
	memmove(out->buf, out->buf + done, out->len - done);
	out->len -= done;
}

/* Write the buffer: 0 when all of it went, 1 when the stop's deadline came first (the rest stays
 * buffered), -errno when the stream failed. */
static int write_buffered(struct iol_output *out)
{
	size_t done = 0;
	int rc = 0;

	while (!out->error && done < out->len) {
		ssize_t n = write(out->fd, out->buf + done, out->len - done);

		if (n >= 0) {
			done += (size_t)n;
			out->bytes += (uint64_t)n;
		} else if (errno != EAGAIN && errno != EINTR) {
			out->error = errno;
		} else if (out_wait(out)) {
			rc = 1;
			break;
		}
	}
	if (out->error) {
		out->len = 0;
		return -out->error;
	}
	consume(out, done);
	return rc;
}

/* Drop the whole records buffered after the rest of the one the kernel has begun; counted. */
static void discard_buffered(struct iol_output *out)
{
	for (size_t p = out->head_rest; p < out->len; p += rec_size(out->buf + p))
		out->discarded++;
	out->len = out->head_rest;
}

/* The reader did not take the tail within the grace: it is gone, the stream ends here. */
static void give_up(struct iol_output *out)
{
	out->cut_in_record = out->head_rest > 0;
	out->error = ETIMEDOUT;
	out->len = 0;
	out->head_rest = 0;
}

/* Room in the buffer for a whole record of `size` bytes; false: the record is not written
 * (discarded and counted past the drain, or the stream is dead). */
static bool make_room(struct iol_output *out, size_t size)
{
	int rc;

	if (out->error)
		return false;
	if (out->discarding) {
		out->discarded++;
		return false;
	}
	if (out->len + size <= sizeof(out->buf))
		return true;
	rc = write_buffered(out);
	if (rc < 0)
		return false;
	if (rc > 0 && out->tail) {
		give_up(out);
		return false;
	}
	if (rc > 0) {
		/* the drain is over and the reader has no room: from now on until the tail, records
		 * are discarded whole, so what the reader gets stays a whole prefix of the stream */
		out->discarding = true;
		discard_buffered(out);
		out->discarded++;
		return false;
	}
	return true;
}

int out_flush(struct iol_output *out)
{
	int rc;

	if (out->error || out->discarding)
		return out->error ? -out->error : 0;
	rc = write_buffered(out);
	if (rc > 0 && out->tail)
		give_up(out);
	return out->error ? -out->error : 0;
}

static int out_append(struct iol_output *out, const void *data, size_t len)
{
	memcpy(out->buf + out->len, data, len);
	out->len += len;
	return 0;
}

int out_open(struct iol_output *out, int fd)
{
	struct iol_stream_header h = { .magic = IOL_MAGIC_INIT };
	struct stat st;
	int flags;

	out->fd = fd;
	out->error = 0;
	out->bytes = 0;
	out->len = 0;
	out->stop_at = 0;
	out->discarded = 0;
	out->discarding = out->tail = out->gone = out->cut_in_record = out->grown = false;
	out->pipe_size = 0;
	if (fstat(fd, &st))
		st.st_mode = 0;
	out->socket = S_ISSOCK(st.st_mode);
	/* a pipe or socket (our reader's): never block in write, so that a stop is never kept waiting */
	out->nonblock = (S_ISFIFO(st.st_mode) || out->socket) && (flags = fcntl(fd, F_GETFL)) >= 0 &&
			fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
	if (out->nonblock && S_ISFIFO(st.st_mode)) {
		int size = fcntl(fd, F_SETPIPE_SZ, OUT_PIPE_SIZE);

		out->pipe_size = size > 0 ? size : fcntl(fd, F_GETPIPE_SZ);
		if (out->pipe_size < 0)
			out->pipe_size = 0;
	}
	h.version = IOL_SCHEMA_VERSION;
	h.header_size = sizeof(h);
	out_append(out, &h, sizeof(h));
	out->head_rest = sizeof(h); /* not a record: written before any */
	return 0;
}

int out_record(struct iol_output *out, const void *rec)
{
	const struct iol_rec_hdr *hdr = rec;

	if (!make_room(out, hdr->size))
		return out->error ? -out->error : 0;
	return out_append(out, rec, hdr->size);
}

int out_record_tail(struct iol_output *out, void *rec, size_t fixed, const void *tail, size_t tail_len)
{
	static const char zeros[8];
	struct iol_rec_hdr *hdr = rec;
	size_t total = (fixed + tail_len + 7) & ~(size_t)7;

	if (total > 0xfff8) { /* keep the record within u16 size: cut the tail */
		tail_len = 0xfff8 - fixed;
		total = 0xfff8;
	}
	hdr->size = (uint16_t)total;
	if (!make_room(out, total))
		return out->error ? -out->error : 0;
	out_append(out, rec, fixed);
	if (tail_len)
		out_append(out, tail, tail_len);
	if (total > fixed + tail_len)
		out_append(out, zeros, total - fixed - tail_len);
	return 0;
}

uint64_t out_end_drain(struct iol_output *out)
{
	if (!out->error && !out->discarding && write_buffered(out) > 0)
		discard_buffered(out); /* what the reader did not take within the drain */
	out->discarding = false;
	out->tail = true;
	return out->discarded;
}

uint64_t out_position(const struct iol_output *out)
{
	return out->bytes + out->len;
}

int out_finish(struct iol_output *out)
{
	out->tail = true;
	return out_flush(out);
}
