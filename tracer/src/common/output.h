/* SPDX-License-Identifier: MIT */
/*
 * The event stream writer: header, records, buffered writes, a broken pipe noticed at once.
 *
 * A reader that stops reading never holds the tracer: a pipe or socket is written without
 * blocking (O_NONBLOCK, then poll for room), so a stop request (a signal, the duration, the
 * parent's death) interrupts any wait; from that moment the reader gets `grace_ns` more to take
 * the rest of the stream, and then the stream is given up (ETIMEDOUT).
 */
#ifndef IOLENS_OUTPUT_H
#define IOLENS_OUTPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iol_output {
	int fd;
	int error;      /* errno of the first failed write; the stream is dead after it */
	uint64_t bytes; /* bytes handed to the kernel */
	/* Optional: non-zero once the recording must stop; waits for the reader are then bounded. */
	volatile const sig_atomic_t *stop;
	uint64_t grace_ns;   /* how long the reader may still take after a stop request */
	uint64_t give_up_at; /* CLOCK_MONOTONIC ns: set at the first wait after the stop request */
	bool nonblock;       /* the fd is a pipe or socket set to O_NONBLOCK */
	size_t len;
	char buf[1 << 16];
};

/* Start a stream on fd: writes the header. */
int out_open(struct iol_output *out, int fd);
/* Append one record; rec starts with its struct iol_rec_hdr, whose size must be right. */
int out_record(struct iol_output *out, const void *rec);
/* Append a record made of a fixed part and a tail (string or words), padding to 8 bytes. */
int out_record_tail(struct iol_output *out, void *rec, size_t fixed, const void *tail, size_t tail_len);
/* Write what is buffered (waiting for a slow reader, within the grace once a stop is requested). */
int out_flush(struct iol_output *out);

#endif
