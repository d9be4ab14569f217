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
 *  - a socket (a Node.js parent's stdio), which cannot be reopened: a `cat` relays the lines; it
 *    may block, this process never does;
 *  - a terminal or a file (or when the above cannot be had): libuv's thread pool. Not for a socket:
 *    a pool thread blocked in a write to a reader that stopped reading keeps the process from
 *    exiting at all (process.exit joins the pool's threads); nor the socket itself set
 *    non-blocking: libuv makes fds 0-2 blocking in the tracer it spawns, and the main thread would
 *    then block in a write.
 * A slow reader's backlog is bounded by the live output itself (it leaves lines out, counted); what
 * it has not taken when the recording ends is dropped, not waited for.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, createWriteStream, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/** A live output's way to standard output. */
export interface LiveStdout {
  readonly out: Writable;
  /** The recording ended: let go (what the reader has not taken by a moment from now is dropped). */
  release(): Promise<void>;
}

/** How long a relay gets to hand over what it holds once the live output ended (ms). */
const RELAY_LINGER_MS = 50;

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

/** A `cat` writing to fd 1 what we write to it (its stdin is ours alone, non-blocking). */
function startRelay(): LiveStdout | undefined {
  let relay: ReturnType<typeof spawn>;
  try {
    // in a session of its own: a Ctrl-C in a terminal is for the recording, not for the relay
    relay = spawn('cat', [], { stdio: ['pipe', 'inherit', 'ignore'], detached: true });
  } catch {
    return undefined;
  }
  const exited = new Promise<void>((resolve) => {
    relay.once('exit', () => resolve());
    relay.once('error', () => resolve());
  });
  const stdin = relay.stdin!;
  stdin.on('error', () => undefined); // the reader went away: the live output sees it as a failed write too
  return {
    out: stdin,
    release: async () => {
      stdin.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, RELAY_LINGER_MS))]);
      if (relay.exitCode === null && relay.signalCode === null) relay.kill('SIGKILL');
    },
  };
}
