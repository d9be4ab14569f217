/**
 * What the analysis reads of a syscall's arguments, read once per args object. Reading a decoded
 * args dictionary by name is a megamorphic load (one dictionary shape per syscall), and a loop's
 * wait read a dozen of them, a non-blocking call four; but the decoder hands a thread's repeated
 * call the same args object as the call it repeats (kinds/syscallArgsMemo.ts: a loop's every
 * epoll_wait, recvfrom and sendto of the same fd and result), so each thread keeps the facts of its
 * last few args objects, found again by identity, in fixed-shape slots.
 *
 * Only what the args object alone tells is kept (never a table's answer nor the event's own
 * fields): facts stay true for as long as the object is unchanged, and no one changes an event's
 * args once decoded.
 */
import type { Args, ArgValue, SyscallEvent } from '../model/events';
import { callsOf } from '../model/args';
import { KEPT_PER_THREAD } from '../kinds/syscallArgsMemo';
import { dontWait, waitTimeoutNs, type BlockKind } from './classify';
import type { SiteCell } from './sites';

const NO_FDS: readonly ArgValue[] = [];

/** The facts of one args object (a slot of a thread's cache, rewritten when the slot is reused). */
export class ArgFacts {
  /** The args object and the syscall id the facts were read for (null: none yet). */
  args: Args | null = null;
  sys = -1;
  /** The calls the event stands for (model/args callsOf). */
  calls = 1;
  /** `fd`, `epfd`, `min_complete` when numbers, else null; `path` when a string, else null. */
  fd: number | null = null;
  epfd: number | null = null;
  minComplete: number | null = null;
  path: string | null = null;
  /** `fd_type` when a string. */
  fdType: string | undefined = undefined;
  /** O_NONBLOCK at the call (`nonblocking: true`), or a send or receive with MSG_DONTWAIT. */
  nonblocking = false;
  /** The thread did not sleep inside the call (`never_slept: true`, eBPF): its time was CPU and preemption, no wait. */
  neverSlept = false;
  /** The call's kind by its name and `fdType` (classify.ts argBlockKind), null: not asked yet. */
  kind: BlockKind | null = null;
  /** A wait's timeout in ns (classify.ts waitTimeoutNs), null: none. */
  timeoutNs: number | null = null;
  /** A select or poll of no fds (select's n, poll's nfds 0): it can only time out. */
  watchesNothing = false;
  /** A wait's reported fds: its `ready` list (epoll), else its `fds` (select, poll), else none. */
  fdList: readonly ArgValue[] = NO_FDS;
  /** The fds of `fdList` a wait reported ready (each entry an object with a numeric fd, not told `revents` '0' or ''), in order. */
  readonly readyFds: number[] = [];
  /** The first entry of `fdList` reported with events (an object not told `revents` '0' or ''): whether any, its fd and path. */
  firstReady = false;
  firstReadyFd: number | null = null;
  firstReadyPath: string | null = null;
  /**
   * The site cell the thread's call with these args counted in last (sites.ts cellOf; null: none
   * yet): the same syscall of the same thread, so the same cell again while its stack is the same.
   */
  cell: SiteCell | null = null;
}

/** No ready entries (a call that is no wait, or a wait that reported none). */
function noneReady(f: ArgFacts): void {
  // setting an array's length is a call into the runtime, even to what it is: asked for every new args object
  if (f.readyFds.length !== 0) f.readyFds.length = 0;
  f.firstReady = false;
  f.firstReadyFd = null;
  f.firstReadyPath = null;
}

/** `f.fdList`'s ready entries, read once for the args object (analyzer.ts noteReady, callFacts.ts). */
function readReady(f: ArgFacts): void {
  noneReady(f);
  const ready = f.readyFds;
  const list = f.fdList;
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (r === null || typeof r !== 'object' || Array.isArray(r)) continue;
    if ('revents' in r && (r.revents === '0' || r.revents === '')) continue;
    if (!f.firstReady) {
      f.firstReady = true;
      f.firstReadyFd = typeof r.fd === 'number' ? r.fd : null;
      f.firstReadyPath = typeof r.path === 'string' ? r.path : null;
    }
    if (typeof r.fd === 'number') ready.push(r.fd);
  }
}

/** Read the facts of `e`'s args into `f`; `wait`: a wait's (timeout, watched and ready fds) too. */
function read(e: SyscallEvent, wait: boolean, f: ArgFacts): void {
  const a = e.args;
  f.args = a;
  f.sys = e.sys;
  f.calls = callsOf(e);
  const fd = a.fd;
  const epfd = a.epfd;
  const minComplete = a.min_complete;
  const path = a.path;
  const fdType = a.fd_type;
  f.fd = typeof fd === 'number' ? fd : null;
  f.epfd = typeof epfd === 'number' ? epfd : null;
  f.minComplete = typeof minComplete === 'number' ? minComplete : null;
  f.path = typeof path === 'string' ? path : null;
  f.fdType = typeof fdType === 'string' ? fdType : undefined;
  f.nonblocking = a.nonblocking === true || dontWait(a.flags);
  f.neverSlept = a.never_slept === true;
  f.kind = null;
  f.cell = null;
  if (!wait) {
    f.timeoutNs = null;
    f.watchesNothing = false;
    f.fdList = NO_FDS;
    noneReady(f);
    return;
  }
  f.timeoutNs = waitTimeoutNs(e);
  f.watchesNothing = a.n === 0 || a.nfds === 0;
  const ready = a.ready;
  const fds = Array.isArray(ready) ? undefined : a.fds;
  f.fdList = Array.isArray(ready) ? ready : Array.isArray(fds) ? fds : NO_FDS;
  readReady(f);
}

/** A thread's facts of its last few args objects (as many as the decoder's memo keeps a thread's calls). */
export class ArgFactsCache {
  private readonly slots: ArgFacts[] = [];
  /** Which slot the facts of the next new args object go to once all are taken (round robin). */
  private next = 0;
  /** The slot looked at first: the one after the slot found last (a thread's calls come round in order). */
  private hint = 0;

  /**
   * The facts of `e`'s args (`wait`: the call is a wait, and its wait's facts are read too). The
   * answer is a slot the thread's next calls rewrite: read it before the thread's next call.
   */
  of(e: SyscallEvent, wait: boolean): ArgFacts {
    const args = e.args;
    const slots = this.slots;
    // a thread repeats its calls in the same order (a loop's wait, read, write): the slot after the last one found first
    const hint = this.hint;
    if (hint < slots.length) {
      const f = slots[hint];
      if (f.args === args && f.sys === e.sys) {
        this.hint = hint + 1 === slots.length ? 0 : hint + 1;
        return f;
      }
    }
    for (let i = 0; i < slots.length; i++) {
      const f = slots[i];
      if (f.args === args && f.sys === e.sys) {
        this.hint = i + 1 === slots.length ? 0 : i + 1;
        return f;
      }
    }
    let f: ArgFacts;
    if (slots.length < KEPT_PER_THREAD) {
      f = new ArgFacts();
      this.hint = slots.length + 1;
      slots.push(f);
    } else {
      this.hint = this.next + 1 === KEPT_PER_THREAD ? 0 : this.next + 1;
      f = slots[this.next];
      this.next = (this.next + 1) % KEPT_PER_THREAD;
    }
    read(e, wait, f);
    return f;
  }
}
