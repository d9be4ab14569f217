// SPDX-License-Identifier: MIT
#include "output.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "iolens_wire.h"

int out_flush(struct iol_output *out)
{
	size_t done = 0;

	while (!out->error && done < out->len) {
		ssize_t n = write(out->fd, out->buf + done, out->len - done);

		if (n < 0) {
			if (errno == EINTR && !(out->abort_on_eintr && *out->abort_on_eintr))
				continue; /* the loop checks its stop flag between batches, not mid-record */
			if (errno == EINTR)
				errno = ECANCELED;
			out->error = errno;
			break;
		}
		done += (size_t)n;
		out->bytes += (uint64_t)n;
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

	out->fd = fd;
	out->error = 0;
	out->bytes = 0;
	out->len = 0;
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
