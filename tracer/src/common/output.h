/* SPDX-License-Identifier: MIT */
/* The event stream writer: header, records, buffered writes, a broken pipe noticed at once. */
#ifndef IOLENS_OUTPUT_H
#define IOLENS_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

struct iol_output {
	int fd;
	int error;      /* errno of the first failed write; the stream is dead after it */
	uint64_t bytes; /* bytes handed to the kernel */
	/* Optional: when a write is interrupted (EINTR) and this is set, give up (ECANCELED) instead
	 * of retrying, so a stop request is not kept waiting by a reader that stopped reading. */
	volatile const int *abort_on_eintr;
	size_t len;
	char buf[1 << 16];
};

/* Start a stream on fd: writes the header. */
int out_open(struct iol_output *out, int fd);
/* Append one record; rec starts with its struct iol_rec_hdr, whose size must be right. */
int out_record(struct iol_output *out, const void *rec);
/* Append a record made of a fixed part and a tail (string or words), padding to 8 bytes. */
int out_record_tail(struct iol_output *out, void *rec, size_t fixed, const void *tail, size_t tail_len);
/* Write what is buffered. */
int out_flush(struct iol_output *out);

#endif
