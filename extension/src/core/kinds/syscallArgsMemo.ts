/**
 * A thread's recent syscall arguments, kept so that a call repeated with the same raw arguments (a
 * server's epoll_wait returning the same ready fds, turn after turn; its recv, its send and its
 * recv that returned EAGAIN in between) shares the args object of the call it repeats instead of
 * decoding a new one: the decoding (the fds' paths, the ready list's names) is the same as long as
 * the trace's tables are. The store compares a shared object with its thread's last stored list at
 * a glance (kinds/syscall.ts), and the analysis keeps what it reads of an args object for the next
 * event that shares it (analysis/argFacts.ts).
 *
 * Each thread keeps its last KEPT_PER_THREAD different calls of each syscall on each fd (by the
 * call's first word), not only its last call: a loop alternates its calls (epoll_wait, recvfrom,
 * sendto, recvfrom again), and a memo of the last call alone never saw one repeated; a server's
 * worker makes them on each of dozens of connections in turn.
 *
 * A change of the trace's tables (an fd opened or closed, an epoll registration) voids what was
 * kept, but for a call whose args read the tables only through its own fd arguments (no ready
 * list, no poll set: `tailReadsNoTable`): that one still holds while each of those fds' entries
 * tells its args the same (`sameFdForArgs`: the same path and type). A server opens and closes a
 * file for every request (its pread of the file on a new entry of the same path), and every
 * connection's recv and send were decoded afresh after it.
 *
 * With the pointers left out of the args (`pointers` false: the editor's session), a call's
 * pointer words are not compared: a server's buffers differ from call to call, its args do not.
 *
 * An args object handed out here is shared by several events: nothing may change it once made
 * (the decoder finishes it before it is kept; no consumer writes to an event's args).
 */
import { SyscallRecordSlot, type SyscallInfo, type SyscallRecord } from '../../../../protocol/generated/wire';
import { wordI32, type Word } from '../../../../protocol/runtime';
import { planOf, sameFdForArgs, tailReadsNoTable } from '../model/args';
import type { Args } from '../model/events';
import type { FdInfo, FdTables } from '../model/fdtable';

/**
 * How many different calls of one syscall on one fd (a bucket: `bucketKey`) a thread's memo keeps:
 * a loop's turn makes a handful of calls, a server's worker the same few on each of its connections.
 */
export const KEPT_PER_THREAD = 8;

/** How many threads' calls the memo keeps before it starts again. */
const MAX_THREADS = 4096;

/** A kept call's tail: copied from a reader's slot (`slot`), or a record's own words. */
type KeptTail = { readonly slot: true; readonly u32s: readonly number[] } | { readonly slot: false; readonly words: readonly bigint[] };

/** What a kept call was decoded from, and its args. */
interface Kept {
  sys: number;
  pid: number;
  flags: number;
  dataFormat: number;
  ret: number;
  words: Word[];
  /** The tail: its bytes as 32-bit words when decoded into a reader's slot (no bigints made to compare), else its words. */
  tail: KeptTail;
  args: Args;
  /** The tables' generation it was decoded (or last found to hold) in. */
  generation: number;
  /** Whether it holds past a change of the tables while its fds' entries are the same (`fds`). */
  byFds: boolean;
  /** Its fd arguments' entries when decoded (ArgsPlan.fdArgs' order), when `byFds`. */
  fds: (FdInfo | undefined)[];
}

/** A thread's kept calls of one syscall on one first word (its fd, mostly). */
interface Bucket {
  /** Its calls, up to KEPT_PER_THREAD. */
  calls: Kept[];
  /** The slot the next call replaces once all are taken (round robin). */
  next: number;
}

/**
 * A call's bucket in its thread's: its syscall and the low 12 bits of its first word (a server's
 * worker makes the same calls on each of dozens of connections: a thread's calls were searched whole).
 * A small integer, as a Map finds fastest.
 */
function bucketKey(r: SyscallRecord): number {
  const w = r.args[0];
  return (r.sys & 1023) * 4096 + (typeof w === 'number' ? w & 4095 : 0);
}

/** Per thread, the args of its last few different calls, for as long as what they were decoded from holds. */
export class SyscallArgsMemo {
  /** Per thread, its buckets. */
  private readonly byTid = new Map<number, Map<number, Bucket>>();
  /** The last thread asked about and its buckets (a thread makes several calls in a row). */
  private lastTid = -1;
  private lastBuckets: Map<number, Bucket> | undefined;
  /** Bumped by every change of the tables the args are decoded from (`invalidate`). */
  private generation = 0;
  /** The kept call `lookup` last found with the record's fields but no longer holding (replaced by `keep`), -1: none. */
  private stale = -1;

  constructor(
    /** The fd tables the args are decoded with. */
    private readonly fds: FdTables,
    /** Whether the args hold the pointer arguments (else their words are not compared). */
    private readonly pointers = true,
  ) {}

  /** The fd tables or the epoll registrations are about to change: only calls that read nothing else of them may still hold. */
  invalidate(): void {
    this.generation++;
  }

  /** The args kept for a call of the thread decoded from the same raw record fields, if any (`info`: its syscall's). */
  lookup(r: SyscallRecord, info: SyscallInfo): Args | undefined {
    this.stale = -1;
    const b = this.bucketsOf(r.tid)?.get(bucketKey(r));
    if (b === undefined) return undefined;
    const calls = b.calls;
    const compared = this.pointers ? null : planOf(info).notPointers;
    for (let i = 0; i < calls.length; i++) {
      const k = calls[i];
      if (k.sys !== r.sys || k.ret !== r.ret || k.pid !== r.pid || k.flags !== r.flags || k.dataFormat !== r.dataFormat) continue;
      if (!(compared === null ? sameWords(k.words, r.args) : sameWordsAt(k.words, r.args, compared)) || !sameTailOf(r, k.tail)) continue;
      if (k.generation === this.generation) return k.args;
      if (k.byFds && this.sameFds(k.fds, r, info)) {
        k.generation = this.generation;
        return k.args;
      }
      this.stale = i;
      return undefined;
    }
    return undefined;
  }

  /** Thread `tid`'s buckets, if it has any. */
  private bucketsOf(tid: number): Map<number, Bucket> | undefined {
    if (tid !== this.lastTid) {
      this.lastTid = tid;
      this.lastBuckets = this.byTid.get(tid);
    }
    return this.lastBuckets;
  }

  /** Whether `r`'s fd arguments' entries give its args what the `kept` ones gave (`sameFdForArgs`). */
  private sameFds(kept: readonly (FdInfo | undefined)[], r: SyscallRecord, info: SyscallInfo): boolean {
    const fdArgs = planOf(info).fdArgs;
    for (let j = 0; j < fdArgs.length; j++) if (!sameFdForArgs(this.fds.get(r.pid, wordI32(r.args[fdArgs[j]])), kept[j])) return false;
    return true;
  }

  /**
   * Keep `args`, decoded from `r` (a call of `info`) with the tables as they are now, for the
   * thread's next calls (right after a `lookup` of `r` found none); returns them.
   */
  keep(r: SyscallRecord, info: SyscallInfo, args: Args): Args {
    const key = bucketKey(r);
    let buckets = this.bucketsOf(r.tid);
    if (buckets === undefined) {
      // a trace whose threads come and go: what the gone ones kept is not held for ever
      if (this.byTid.size >= MAX_THREADS) this.byTid.clear();
      buckets = new Map();
      this.byTid.set(r.tid, buckets);
      this.lastTid = r.tid;
      this.lastBuckets = buckets;
    }
    let b = buckets.get(key);
    if (b === undefined) {
      b = { calls: [], next: 0 };
      buckets.set(key, b);
    }
    const calls = b.calls;
    const byFds = tailReadsNoTable(r.dataFormat);
    let k: Kept;
    if (this.stale >= 0) {
      // the same fields, decoded with tables that changed since: replaced in place
      k = calls[this.stale];
      this.stale = -1;
    } else if (calls.length < KEPT_PER_THREAD) {
      // a copy of the words: a reader decodes each syscall record into the same object (wire.ts's slots)
      calls.push({
        sys: r.sys, pid: r.pid, flags: r.flags, dataFormat: r.dataFormat, ret: r.ret, words: r.args.slice(), tail: tailOf(r), args,
        generation: this.generation, byFds, fds: byFds ? this.fdsOf(r, info, []) : [],
      });
      return args;
    } else {
      k = calls[b.next];
      b.next = (b.next + 1) % KEPT_PER_THREAD;
    }
    k.sys = r.sys;
    k.pid = r.pid;
    k.flags = r.flags;
    k.dataFormat = r.dataFormat;
    k.ret = r.ret;
    copyWords(r.args, k.words);
    k.tail = tailOf(r);
    k.args = args;
    k.generation = this.generation;
    k.byFds = byFds;
    if (byFds) this.fdsOf(r, info, k.fds);
    return args;
  }

  /** `r`'s fd arguments' entries now, into `into` (reused); returns it. */
  private fdsOf(r: SyscallRecord, info: SyscallInfo, into: (FdInfo | undefined)[]): (FdInfo | undefined)[] {
    const fdArgs = planOf(info).fdArgs;
    into.length = fdArgs.length;
    for (let j = 0; j < fdArgs.length; j++) into[j] = this.fds.get(r.pid, wordI32(r.args[fdArgs[j]]));
    return into;
  }
}

/** `from`'s words into `to` (a kept call's own array, reused). */
function copyWords(from: readonly Word[], to: Word[]): void {
  to.length = from.length;
  for (let i = 0; i < from.length; i++) to[i] = from[i];
}

/** The same words in the same order (a word is a number below 2^53, else a bigint: one form per value). */
function sameWords(a: readonly Word[], b: readonly Word[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same words at the indexes `at` (the args' other words are not decoded). */
function sameWordsAt(a: readonly Word[], b: readonly Word[], at: readonly number[]): boolean {
  for (let j = 0; j < at.length; j++) if (a[at[j]] !== b[at[j]]) return false;
  return true;
}

/** A reader's slot's empty tail, kept: most calls have none (no object made for each). */
const NO_SLOT_TAIL: KeptTail = { slot: true, u32s: [] };

/** What a kept call keeps of `r`'s tail: a copy of its bytes from a reader's slot, else its words. */
function tailOf(r: SyscallRecord): KeptTail {
  if (!(r instanceof SyscallRecordSlot)) return { slot: false, words: r.data };
  return r.tailEnd > r.tailStart ? { slot: true, u32s: r.tailCopy() } : NO_SLOT_TAIL;
}

/** Whether `r`'s tail is a kept one (`tailOf`'s). */
function sameTailOf(r: SyscallRecord, tail: KeptTail): boolean {
  if (r instanceof SyscallRecordSlot) return tail.slot && r.tailEquals(tail.u32s);
  return !tail.slot && sameTail(tail.words, r.data);
}

/** The same tail words (bigints) in the same order: a function of its own, so that each compares one kind of value. */
function sameTail(a: readonly bigint[], b: readonly bigint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
