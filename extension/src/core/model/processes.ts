/**
 * Processes and threads seen in a trace: names, executables, parentage, start and exit.
 */
import type { TableChanges } from './changes';

/** A traced thread. */
export interface ThreadInfo {
  readonly tid: number;
  readonly pid: number;
  /** Current name (comm), e.g. "worker-1". */
  name: string;
  /** ns since start, or null when present at attach. */
  start: number | null;
  end: number | null;
}

/** A traced process. */
export interface ProcessInfo {
  readonly pid: number;
  /** Parent process when it started during the trace. */
  parent: number | null;
  /** Executable path (from exec or /proc at attach), '' when unknown. */
  exe: string;
  /** Name of its main thread. */
  name: string;
  /** The process named on the command line. */
  target: boolean;
  start: number | null;
  end: number | null;
  /** Wait status when it exited. */
  exitCode: number | null;
  readonly threads: Map<number, ThreadInfo>;
}

/** All processes and threads of a trace. */
export class ProcessTable {
  private readonly procs = new Map<number, ProcessInfo>();
  private readonly byTid = new Map<number, ThreadInfo>();

  /**
   * `changes` is told before every change (a trace's assembler: model/changes.ts). `process` and
   * `thread` hand out the records to change (kinds/task.ts), so they tell it; the lookups do not.
   */
  constructor(private readonly changes?: TableChanges) {}

  /** The process, created on first mention, to be changed. */
  process(pid: number): ProcessInfo {
    this.changes?.before();
    let p = this.procs.get(pid);
    if (!p) {
      p = { pid, parent: null, exe: '', name: '', target: false, start: null, end: null, exitCode: null, threads: new Map() };
      this.procs.set(pid, p);
    }
    return p;
  }

  /** The thread, created on first mention, to be changed. */
  thread(pid: number, tid: number): ThreadInfo {
    this.changes?.before();
    let t = this.byTid.get(tid);
    if (!t || t.pid !== pid) {
      t = { tid, pid, name: '', start: null, end: null };
      this.byTid.set(tid, t);
      this.process(pid).threads.set(tid, t);
    }
    return t;
  }

  /** A thread's name, falling back to its process's. */
  threadName(pid: number, tid: number): string {
    const t = this.byTid.get(tid);
    return t?.name || this.procs.get(pid)?.name || '';
  }

  /** Known processes, in order of first mention. */
  all(): ProcessInfo[] {
    return [...this.procs.values()];
  }

  /** Look up without creating. */
  find(pid: number): ProcessInfo | undefined {
    return this.procs.get(pid);
  }
}
