/**
 * The processes and threads of an strace log as task records: each task when first seen (started
 * by a traced clone, fork or vfork — as a thread of its parent's process or a process of its own —
 * or already there when the log began), exec, renames (prctl PR_SET_NAME) and exits, with the
 * name a thread inherits from the one that made it.
 */
import { basename } from 'node:path';
import * as wire from '../../../../../protocol/generated/wire';
import type { StraceClock } from './clock';
import { StraceFds } from './fds';
import type { StraceScan } from './scan';

/** The kernel's limit on a task's name (TASK_COMM_LEN - 1). */
const COMM_MAX = 15;

/** The tasks of a log. */
export class StraceTasks {
  readonly fds: StraceFds;
  private readonly seen = new Set<number>();
  private readonly names = new Map<number, string>();
  private readonly live = new Map<number, Set<number>>();
  private first = true;
  /** The process the log was recorded for: its first task. */
  private target = -1;

  constructor(
    private readonly scan: StraceScan,
    private readonly emit: (rec: Uint8Array) => void,
  ) {
    this.fds = new StraceFds(emit);
  }

  /** Whether a thread or process id is one of the log's tasks. */
  known(id: number): boolean {
    return this.seen.has(id) || this.scan.tids.includes(id);
  }

  /** A task's name. */
  name(tid: number): string {
    return this.names.get(tid) ?? '';
  }

  private task(event: number, pid: number, tid: number, ts: number, o: { ppid?: number; ptid?: number; exitCode?: number; flags?: number; filename?: string } = {}): void {
    this.emit(wire.encodeTask({
      event, pid, tid, ts, ppid: o.ppid ?? 0, ptid: o.ptid ?? 0, exitCode: o.exitCode ?? 0, flags: o.flags ?? 0, comm: this.name(tid), filename: o.filename ?? '',
    }));
  }

  /** A line of thread `tid` at `ts`: introduce it (and whoever made it) when new. */
  see(tid: number, ts: number, clock: StraceClock): void {
    if (this.seen.has(tid)) return;
    this.seen.add(tid);
    const pid = this.scan.pidOf(tid);
    let threads = this.live.get(pid);
    if (!threads) this.live.set(pid, (threads = new Set()));
    threads.add(tid);
    const origin = this.scan.origins.get(tid);
    if (!origin) {
      // launched under strace: its exec introduces it, as with iolens record -- COMMAND
      if (this.first) this.target = pid;
      if (!this.scan.launched.has(tid)) this.task(wire.TaskEvent.existing, pid, tid, ts, { flags: this.first ? wire.TaskFlag.is_target : 0 });
      this.first = false;
      return;
    }
    this.see(origin.parent, ts, clock);
    this.names.set(tid, this.name(origin.parent));
    const start = Math.min(ts, clock.at(origin.time));
    const parentPid = this.scan.pidOf(origin.parent);
    if (origin.thread) {
      this.task(wire.TaskEvent.thread_start, pid, tid, start, { ppid: parentPid, ptid: origin.parent });
    } else {
      this.fds.fork(parentPid, pid);
      this.task(wire.TaskEvent.process_start, pid, tid, start, { ppid: parentPid, ptid: origin.parent });
    }
  }

  /** execve succeeded: the process runs `path` (its thread is now the leader). */
  exec(pid: number, tid: number, ts: number, path: string): void {
    this.names.set(pid, basename(path).slice(0, COMM_MAX));
    if (tid !== pid) this.names.set(tid, this.name(pid));
    this.task(wire.TaskEvent.exec, pid, pid, ts, { ppid: tid, filename: path, flags: pid === this.target ? wire.TaskFlag.is_target : 0 });
  }

  /** prctl(PR_SET_NAME). */
  rename(pid: number, tid: number, ts: number, comm: string): void {
    this.names.set(tid, comm.slice(0, COMM_MAX));
    this.task(wire.TaskEvent.rename, pid, tid, ts);
  }

  /** `+++ exited with N +++` or `+++ killed by SIG +++`. */
  exit(pid: number, tid: number, ts: number, status: number | null, signal: number | null): void {
    const threads = this.live.get(pid);
    threads?.delete(tid);
    const groupDead = !threads?.size;
    this.task(wire.TaskEvent.exit, pid, tid, ts, { exitCode: status !== null ? status << 8 : signal ?? 0, flags: groupDead ? wire.TaskFlag.group_dead : 0 });
    if (groupDead) this.fds.exit(pid);
  }

  /** Whether every process of the log exited in it. */
  allExited(): boolean {
    return [...this.live.values()].every((s) => s.size === 0);
  }
}
