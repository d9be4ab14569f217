/**
 * The first reading of an strace log: who is who. strace prints thread ids only, and a new task's
 * first line often comes before the clone that made it returns in its parent, so the process of
 * every thread (CLONE_THREAD or not), and how long the log lasts, are learned before converting.
 */
import { StraceClock } from './clock';
import type { StraceLine } from './lines';

/** How a task came to be. */
export interface TaskOrigin {
  /** The thread that cloned it. */
  readonly parent: number;
  /** A thread of its parent's process (CLONE_THREAD), else a new process. */
  readonly thread: boolean;
  /** When the clone began (its parent's line time). */
  readonly time: string;
}

const CLONES = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** What the first reading learned. */
export class StraceScan {
  /** Tasks created by a traced clone, fork or vfork. */
  readonly origins = new Map<number, TaskOrigin>();
  /** Thread ids in order of their first line. */
  readonly tids: number[] = [];
  private readonly seen = new Set<number>();
  /** Tasks whose first line is their execve: launched under strace, not there before the log. */
  readonly launched = new Set<number>();
  /** The first of those execs: the command the log was recorded with (strace abbreviates long strings). */
  command: string[] | undefined;
  /** Whether any line lacks a thread id (one process traced without -f, or -f printing to a terminal). */
  untagged = false;
  /** Whether any call has a -k stack. */
  stacks = false;
  /** Whether calls carry -T durations. */
  durations = false;
  private first: string | null = null;
  private readonly clock = new StraceClock(0);
  private firstNs = 0;
  private lastNs = 0;

  /** One line of the log. */
  add(l: StraceLine): void {
    if (l.kind === 'stack') {
      this.stacks = true;
      return;
    }
    if (l.kind === 'blank' || l.kind === 'note') return;
    const tid = l.tid;
    if (tid === null) this.untagged = true;
    else if (!this.seen.has(tid)) {
      this.seen.add(tid);
      this.tids.push(tid);
      if (l.kind === 'call' && l.name === 'execve' && !this.origins.has(tid)) {
        this.launched.add(tid);
        // the file, then argv[1...] (argv[0] is often abbreviated: -s cuts strings at 32 bytes)
        const strings = [...l.args.matchAll(/"((?:[^"\\]|\\.)*)"(\.\.\.)?/g)].map((m) => m[1] + (m[2] ?? ''));
        this.command ??= [strings[0], ...strings.slice(2)];
      }
    }
    const t = this.clock.at(l.time);
    if (this.first === null) {
      this.first = l.time;
      this.firstNs = t;
    }
    this.lastNs = Math.max(this.lastNs, t);
    if (l.kind !== 'call') return;
    if (l.dur !== null) this.durations = true;
    if (CLONES.has(l.name) && l.ret !== null && l.ret > 0n && tid !== null) {
      const child = Number(l.ret);
      const thread = l.name !== 'fork' && l.name !== 'vfork' && /\bCLONE_THREAD\b/.test(l.args);
      this.origins.set(child, { parent: tid, thread, time: l.time });
    }
  }

  /** How long the log lasts, first line to last, in ns. */
  get span(): number {
    return this.lastNs - this.firstNs;
  }

  /** The process of a thread (its own id for a thread that no traced clone made). */
  pidOf(tid: number): number {
    let t = tid;
    for (let hops = 0; hops < 64; hops++) {
      const o = this.origins.get(t);
      if (!o?.thread) return t;
      t = o.parent;
    }
    return t;
  }
}
