/**
 * A thread's recent syscall arguments, kept so that a call repeated with the same raw arguments (a
 * server's epoll_wait returning the same ready fds, turn after turn; its recv, its send and its
 * recv that returned EAGAIN in between) shares the args object of the call it repeats instead of
 * decoding a new one: the decoding (the fds' paths, the ready list's names) is the same as long as
 * the trace's tables are. The store compares a shared object with its thread's last stored list at
 * a glance (kinds/syscall.ts), and the analysis keeps what it reads of an args object for the next
 * event that shares it (analysis/argFacts.ts).
 *
 * Each thread keeps its last KEPT_PER_THREAD different calls, not only its last one: a loop
 * alternates its calls (epoll_wait, recvfrom, sendto, recvfrom again), and a memo of the last call
 * alone never saw one repeated.
 *
 * An args object handed out here is shared by several events: nothing may change it once made
 * (the decoder finishes it before it is kept; no consumer writes to an event's args).
 */
import { SyscallRecordSlot, type SyscallRecord } from '../../../../protocol/generated/wire';
import type { Word } from '../../../../protocol/runtime';
import type { Args } from '../model/events';

/** How many different calls a thread's memo keeps (a loop's turn makes a handful). */
export const KEPT_PER_THREAD = 8;

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
}

/** A thread's kept calls, all decoded in one generation of the tables. */
interface ThreadKept {
  /** The tables' generation its calls were decoded in. */
  generation: number;
  /**
   * Its calls: the first `used` of this generation; the rest, of a generation before, are kept to
   * be reused (never looked at): a thread whose tables change every few calls (a server opening
   * and closing a file per request) made a new Kept an event.
   */
  calls: Kept[];
  used: number;
  /** The slot the next call replaces once all are taken (round robin). */
  next: number;
}

/** Per thread, the args of its last few different calls, for as long as the trace's tables stay as they were. */
export class SyscallArgsMemo {
  private readonly byTid = new Map<number, ThreadKept>();
  /** Bumped by every change of the tables the args are decoded from (`invalidate`). */
  private generation = 0;

  /** The fd tables or the epoll registrations are about to change: no kept args hold after. */
  invalidate(): void {
    this.generation++;
  }

  /** The args kept for a call of the thread decoded from the same raw record fields, if any. */
  lookup(r: SyscallRecord): Args | undefined {
    const t = this.byTid.get(r.tid);
    if (t === undefined || t.generation !== this.generation) return undefined;
    const calls = t.calls;
    for (let i = 0; i < t.used; i++) {
      const k = calls[i];
      if (k.sys !== r.sys || k.ret !== r.ret || k.pid !== r.pid || k.flags !== r.flags || k.dataFormat !== r.dataFormat) continue;
      if (sameWords(k.words, r.args) && sameTailOf(r, k.tail)) return k.args;
    }
    return undefined;
  }

  /**
   * Keep `args`, decoded from `r` with the tables as they are now, for the thread's next calls
   * (after a `lookup` of `r` found none); returns them.
   */
  keep(r: SyscallRecord, args: Args): Args {
    let t = this.byTid.get(r.tid);
    if (t === undefined) {
      t = { generation: this.generation, calls: [], used: 0, next: 0 };
      this.byTid.set(r.tid, t);
    } else if (t.generation !== this.generation) {
      // decoded with the tables as they were: none holds now (their slots are reused)
      t.generation = this.generation;
      t.used = 0;
      t.next = 0;
    }
    const calls = t.calls;
    let k: Kept;
    if (t.used < KEPT_PER_THREAD) {
      if (t.used === calls.length) {
        // a copy of the words: a reader decodes each syscall record into the same object (wire.ts's slots)
        calls.push({ sys: r.sys, pid: r.pid, flags: r.flags, dataFormat: r.dataFormat, ret: r.ret, words: r.args.slice(), tail: tailOf(r), args });
        t.used++;
        return args;
      }
      k = calls[t.used++];
    } else {
      k = calls[t.next];
      t.next = (t.next + 1) % KEPT_PER_THREAD;
    }
    k.sys = r.sys;
    k.pid = r.pid;
    k.flags = r.flags;
    k.dataFormat = r.dataFormat;
    k.ret = r.ret;
    copyWords(r.args, k.words);
    k.tail = tailOf(r);
    k.args = args;
    return args;
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
