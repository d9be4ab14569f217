/**
 * A thread's last syscall arguments, kept so that a call repeated with the same raw arguments (a
 * server's epoll_wait returning the same ready fds, turn after turn) shares the args object of
 * the call before instead of decoding a new one: the decoding (the fds' paths, the ready list's
 * names) is the same as long as the trace's tables are, and the store compares a shared object
 * with its thread's last stored list at a glance (kinds/syscall.ts).
 *
 * An args object handed out here is shared by several events: nothing may change it once made
 * (the decoder finishes it before it is kept; no consumer writes to an event's args).
 */
import type { SyscallRecord } from '../../../../protocol/generated/wire';
import type { Word } from '../../../../protocol/runtime';
import type { Args } from '../model/events';

/** What a thread's last kept call was decoded from, and its args. */
interface Kept {
  sys: number;
  pid: number;
  flags: number;
  dataFormat: number;
  ret: number;
  words: Word[];
  data: readonly bigint[];
  /** The tables' generation the args were decoded in. */
  generation: number;
  args: Args;
}

/** Per thread, the args of its last call, for as long as the trace's tables stay as they were. */
export class SyscallArgsMemo {
  private readonly byTid = new Map<number, Kept>();
  /** Bumped by every change of the tables the args are decoded from (`invalidate`). */
  private generation = 0;

  /** The fd tables or the epoll registrations are about to change: no kept args hold after. */
  invalidate(): void {
    this.generation++;
  }

  /** The args kept for a call decoded from the same raw record fields, if any. */
  lookup(r: SyscallRecord): Args | undefined {
    const k = this.byTid.get(r.tid);
    if (k === undefined || k.generation !== this.generation || k.sys !== r.sys || k.pid !== r.pid || k.flags !== r.flags || k.dataFormat !== r.dataFormat || k.ret !== r.ret) return undefined;
    return sameWords(k.words, r.args) && sameTail(k.data, r.data) ? k.args : undefined;
  }

  /** Keep `args`, decoded from `r` with the tables as they are now, for the thread's next call; returns them. */
  keep(r: SyscallRecord, args: Args): Args {
    const k = this.byTid.get(r.tid);
    if (k === undefined) {
      this.byTid.set(r.tid, { sys: r.sys, pid: r.pid, flags: r.flags, dataFormat: r.dataFormat, ret: r.ret, words: r.args, data: r.data, generation: this.generation, args });
      return args;
    }
    k.sys = r.sys;
    k.pid = r.pid;
    k.flags = r.flags;
    k.dataFormat = r.dataFormat;
    k.ret = r.ret;
    k.words = r.args;
    k.data = r.data;
    k.generation = this.generation;
    k.args = args;
    return args;
  }
}

/** The same words in the same order (a word is a number below 2^53, else a bigint: one form per value). */
function sameWords(a: readonly Word[], b: readonly Word[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same tail words (bigints) in the same order: a function of its own, so that each compares one kind of value. */
function sameTail(a: readonly bigint[], b: readonly bigint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
