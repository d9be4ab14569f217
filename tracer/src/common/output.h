/* SPDX-License-Identifier: MIT */
/*
 * The event stream writer: header, whole records, buffered writes, a broken pipe noticed at once.
 *
 * A reader that stops reading never holds the tracer: a pipe or socket is written without
 * blocking (O_NONBLOCK, then poll for room), so a stop request (a signal, the duration, the
 * parent's death) interrupts any wait. From that moment the stream ends in three steps:
 *
 *   1. the drain: records still go to the reader while it takes them, for at most `drain_ns`
 *      (none when the parent, our reader, died). Past it, a record that would have to wait is
 *      discarded whole and counted (`discarded`), as are the whole records still buffered, so
 *      nothing after the first discarded record reaches the reader and what it got stays whole.
 *   2. the tail (out_end_drain): the records that close the stream (losses, calls in flight, the
 *      end record) are never discarded;
 *   3. out_finish writes them: the pipe or socket is grown to make room (a pipe is opened at half
 *      the size the kernel allows an ordinary process; a socket's send buffer may grow to twice its
 *      default), so the end record reaches a reader that is merely slow without waiting for it. Only when even that room does not suffice does the tail wait, for
 *      at most `grace_ns` from the stop request; a reader that has not taken it by then is gone
 *      (or stuck), and the stream is cut (ETIMEDOUT; `cut_in_record` says whether inside a record).
 *
 * The buffer only ever holds whole records (plus the rest of one the kernel has the beginning
 * of): a write cut short by a full pipe is finished before anything else is written.
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
	/* Optional: the reader is gone (our parent, who reads the stream, died): no wait at a stop. */
	bool (*reader_gone)(void);
	uint64_t drain_ns;  /* after a stop request, how long records may wait for the reader */
	uint64_t grace_ns;  /* after a stop request, how long the end of the stream may wait for it */
	uint64_t stop_at;   /* CLOCK_MONOTONIC ns when a wait first saw the stop request (0 before) */
	bool gone;          /* the reader was gone at the stop request */
	bool nonblock;      /* the fd is a pipe or socket set to O_NONBLOCK */
	bool discarding;    /* past the drain: records are discarded whole (counted), not waited for */
	bool tail;          /* out_end_drain was called: records are the stream's last, never discarded */
	bool cut_in_record; /* the stream was given up inside a record (the reader was gone) */
	bool grown;         /* the pipe or socket buffer was grown for the tail */
	bool socket;        /* the fd is a socket (a Node.js parent's stdio pipes are socket pairs) */
	int pipe_size;      /* bytes the pipe holds (F_GETPIPE_SZ), 0 when the fd is not a pipe */
	uint64_t discarded; /* records discarded whole at a stop (output_blocked) */
	size_t head_rest;   /* bytes at buf[0] that finish a record the kernel has the start of */
	size_t len;
	char buf[1 << 16];
};

/* Start a stream on fd: sizes a pipe (see the file comment), writes the header. */
int out_open(struct iol_output *out, int fd);
/* Append one record; rec starts with its struct iol_rec_hdr, whose size must be right. */
int out_record(struct iol_output *out, const void *rec);
/* Append a record made of a fixed part and a tail (string or words), padding to 8 bytes. */
int out_record_tail(struct iol_output *out, void *rec, size_t fixed, const void *tail, size_t tail_len);
/* Write what is buffered (waiting for a slow reader; only as the stop allows once one is requested). */
int out_flush(struct iol_output *out);
/* A stop was requested: start its clock (done by the first wait that sees it, or here). */
void out_stop(struct iol_output *out);
/* The drain is over (its time is up, or records are being discarded): stop reading more. */
bool out_drain_over(const struct iol_output *out);
/* End the drain: whole records the reader has not taken are discarded; what follows is the tail.
 * Returns how many records were discarded since the stop (count them as output_blocked). */
uint64_t out_end_drain(struct iol_output *out);
/* Bytes of the stream so far: written, and buffered to be. */
uint64_t out_position(const struct iol_output *out);
/* Write the tail: grows the pipe to fit it, waits only as the grace allows. 0 or -errno. */
int out_finish(struct iol_output *out);

#endif
