/**
 * Standard output for `iolens record`'s live lines, written without ever blocking the main thread
 * and without changing how the traced program's own writes behave.
 *
 * The open file description behind fd 1 is shared with the tracer and the program it launches
 * (they inherit it), and libuv puts it back in blocking mode whenever it starts a child with it,
 * so `O_NONBLOCK` on it neither lasts nor may be set: the program's writes would then fail with
 * EAGAIN. The live lines get a way out of their own instead:
 *  - a pipe (`| less`): reopened through /proc/self/fd/1, a new description of the same pipe (as
 *    libuv does for terminals), written without blocking;
 *  - anything else — a terminal, a file, a socket (a Node.js parent's stdio, which cannot be
 *    reopened), or a pipe that could not be — from libuv's thread pool: a write a slow reader keeps
 *    waiting holds one of its threads, never the main thread. (A socket set non-blocking would not
 *    stay so: libuv makes fds 0-2 blocking in every child it starts with them, the tracer
 *    included, and the main thread would then block in a write; a relay process must be killed
 *    within the recording's second, losing what it holds.)
 * A slow reader's backlog is bounded by the live output itself (it leaves lines out, counted); what
 * it has not taken when the recording ends is dropped, not waited for.
 */
import { closeSync, constants, createWriteStream, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/** A live output's way to standard output. */
export interface LiveStdout {
  readonly out: Writable;
  /** The recording ended: let go (what the reader has not taken by a moment from now is dropped). */
  release(): Promise<void>;
}

/** Standard output (fd 1) for live lines; see the file comment. */
export function openLiveStdout(): LiveStdout {
  const st = fstatSync(1);
  if (st.isFIFO()) {
    const reopened = reopenPipe();
    if (reopened) return reopened;
  }
  const out = createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 1 << 16 });
  return { out, release: async () => undefined };
}

/** The pipe on fd 1 through a description of our own, non-blocking. */
function reopenPipe(): LiveStdout | undefined {
  let fd: number;
  try {
    fd = openSync('/proc/self/fd/1', constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return undefined; // no /proc, or nobody reads the pipe any more
  }
  try {
    const sock = new Socket({ fd, readable: false, writable: true });
    return { out: sock, release: async () => void sock.destroy() };
  } catch {
    closeSync(fd);
    return undefined;
  }
}
