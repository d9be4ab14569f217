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
 *  - a socket (a Node.js parent's stdio), which cannot be reopened: written directly (see
 *    openSocket for what that costs);
 *  - a terminal or a file (or when the above cannot be had): libuv's thread pool.
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
  } else if (st.isSocket()) {
    const socket = openSocket();
    if (socket) return socket;
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

/**
 * The socket on fd 1, written from the main thread (it cannot be reopened). It is set non-blocking,
 * but the setting is the shared description's and does not last: libuv makes fds 0-2 blocking in
 * every child it starts with them (the tracer), so a reader that stops reading may then hold a
 * write. Known and left so: a relay process (or the thread pool) lost the last lines under load —
 * a relay must be killed within the recording's second, a pool thread may not run in time — and a
 * socket on fd 1 means a program reads us, for which the last lines (what was left out) matter.
 */
function openSocket(): LiveStdout | undefined {
  try {
    const sock = new Socket({ fd: 1, readable: false, writable: true });
    const handle = (sock as unknown as { _handle?: { setBlocking?(b: boolean): number } })._handle;
    return { out: sock, release: async () => void handle?.setBlocking?.(true) };
  } catch {
    return undefined;
  }
}
