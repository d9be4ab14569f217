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
 *  - a socket (a Node.js parent's stdio), which cannot be reopened: a `dd` relays the lines; it
 *    may block, this process never does. It reads and writes 16 KiB at a time (cat would hold
 *    128 KiB), so what this process still holds at the end reaches it soon even when the reader
 *    is slow; it lives on after the recording ends until its reader has taken the rest (or gone);
 *  - a terminal or a file (or when the above cannot be had): libuv's thread pool. Not for a socket:
 *    a pool thread blocked in a write to a reader that stopped reading keeps the process from
 *    exiting at all (process.exit joins the pool's threads); nor the socket itself set
 *    non-blocking: libuv makes fds 0-2 blocking in the tracer it spawns, and the main thread would
 *    then block in a write.
 * A slow reader's backlog is bounded by the live output itself (it leaves lines out, counted, and
 * ends with the note of what it left out). At the end, this process waits a moment for what it
 * still holds to reach the pipe (the note is among it); what it could not hand over by then is
 * dropped, and the recording says so on stderr.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, createWriteStream, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/** A live output's way to standard output. */
export interface LiveStdout {
  readonly out: Writable;
  /** The recording ended: hand what this process holds to the pipe within `lingerMs`, then let go
   * (what could not be handed over is dropped). Resolves true when nothing was dropped. */
  release(lingerMs?: number): Promise<boolean>;
}

/** How long what this process still holds gets to reach the pipe once the live output ended (ms). */
const LINGER_MS = 300;

/** Resolves when `out` holds nothing more (true) or `lingerMs` has passed (false). */
function flushed(out: Writable, lingerMs: number): Promise<boolean> {
  const deadline = Date.now() + lingerMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (out.writableLength === 0 || out.destroyed) return resolve(out.writableLength === 0);
      if (Date.now() >= deadline) return resolve(false);
      setTimeout(check, 5);
    };
    check();
  });
}
/** Standard output (fd 1) for live lines; see the file comment. */
export function openLiveStdout(): LiveStdout {
  const st = fstatSync(1);
  if (st.isFIFO()) {
    const reopened = reopenPipe();
    if (reopened) return reopened;
  } else if (st.isSocket()) {
    const relay = startRelay();
    if (relay) return relay;
  }
  const out = createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 1 << 16 });
  return { out, release: (lingerMs = LINGER_MS) => flushed(out, lingerMs) };
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
    return {
      out: sock,
      release: async (lingerMs = LINGER_MS) => {
        const all = await flushed(sock, lingerMs);
        sock.destroy(); // the pipe keeps what it took for its reader
        return all;
      },
    };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/** A `dd` writing to fd 1 what we write to it (its stdin is ours alone, non-blocking). */
function startRelay(): LiveStdout | undefined {
  let relay: ReturnType<typeof spawn>;
  try {
    // in a session of its own: a Ctrl-C in a terminal is for the recording, not for the relay
    relay = spawn('dd', ['bs=16K', 'status=none'], { stdio: ['pipe', 'inherit', 'ignore'], detached: true });
  } catch {
    return undefined;
  }
  const stdin = relay.stdin!;
  stdin.on('error', () => undefined); // the reader went away: the live output sees it as a failed write too
  relay.on('error', () => undefined);
  return {
    out: stdin,
    release: async (lingerMs = LINGER_MS) => {
      const all = await flushed(stdin, lingerMs);
      // the relay takes the rest to the reader on its own, and ends when it has (or the reader left)
      if (all) stdin.end();
      else stdin.destroy();
      relay.unref();
      return all;
    },
  };
}
