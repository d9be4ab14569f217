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
 *  - a socket (a Node.js parent's stdio), which cannot be reopened: set non-blocking itself, for the
 *    recording's time (see openSocket);
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
 * The socket on fd 1, set non-blocking (it cannot be reopened). The setting is the shared
 * description's: the launched program's own writes to it may then fail with EAGAIN until the
 * recording ends and it is put back in blocking mode. A relay process would avoid that, but loses
 * what it holds when it must end within the recording's second; a socket on fd 1 means a program
 * (not a terminal user) reads us, and keeping every line it can take matters more there.
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
