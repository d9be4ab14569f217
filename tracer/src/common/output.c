// SPDX-License-Identifier: MIT
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iolens_wire.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The reader has no room for more (EAGAIN) or a signal came (EINTR): wait for room — forever while
 * recording, within the grace once a stop is requested. Returns -1 with out->error set to give up. */
static int out_wait(struct iol_output *out)
{
	struct pollfd p = { .fd = out->fd, .events = POLLOUT };
	int timeout = -1;

	if (out->stop && *out->stop) {
		uint64_t now = mono_ns();

		if (!out->give_up_at)
			out->give_up_at = now + out->grace_ns;
		if (now >= out->give_up_at) {
			out->error = ETIMEDOUT;
			return -1;
		}
		timeout = (int)((out->give_up_at - now + 999999) / 1000000);
	}
	if (!out->nonblock)
		return 0; /* a blocking fd (a file): interrupted, write again */
	if (poll(&p, 1, timeout) < 0 && errno != EINTR) {
		out->error = errno;
		return -1;
	}
	return 0;
}

int out_flush(struct iol_output *out)
{
	size_t done = 0;

	while (!out->error && done < out->len) {
		ssize_t n = write(out->fd, out->buf + done, out->len - done);

		if (n >= 0) {
			done += (size_t)n;
			out->bytes += (uint64_t)n;
		} else if (errno == EAGAIN || errno == EINTR) {
			out_wait(out);
		} else {
			out->error = errno;
		}
	}
	out->len = 0;
	return out->error ? -out->error : 0;
}

static int out_append(struct iol_output *out, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		size_t room = sizeof(out->buf) - out->len;
		size_t n = len < room ? len : room;

		memcpy(out->buf + out->len, p, n);
		out->len += n;
		p += n;
		len -= n;
		if (out->len == sizeof(out->buf) && out_flush(out))
			return -out->error;
	}
	return out->error ? -out->error : 0;
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
	out->give_up_at = 0;
	/* a pipe or socket (our reader's): never block in write, so that a stop is never kept waiting */
	out->nonblock = !fstat(fd, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
			(flags = fcntl(fd, F_GETFL)) >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
	h.version = IOL_SCHEMA_VERSION;
	h.header_size = sizeof(h);
	return out_append(out, &h, sizeof(h));
}

int out_record(struct iol_output *out, const void *rec)
{
	const struct iol_rec_hdr *hdr = rec;

	return out_append(out, rec, hdr->size);
}

int out_record_tail(struct iol_output *out, void *rec, size_t fixed, const void *tail, size_t tail_len)
{
	static const char zeros[8];
	struct iol_rec_hdr *hdr = rec;
	size_t total = (fixed + tail_len + 7) & ~(size_t)7;
	int err;

	if (total > 0xfff8) { /* keep the record within u16 size: cut the tail */
		tail_len = 0xfff8 - fixed;
		total = 0xfff8;
	}
	hdr->size = (uint16_t)total;
	err = out_append(out, rec, fixed);
	if (!err && tail_len)
		err = out_append(out, tail, tail_len);
	if (!err && total > fixed + tail_len)
		err = out_append(out, zeros, total - fixed - tail_len);
	return err;
}
