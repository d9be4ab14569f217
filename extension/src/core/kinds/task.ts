/**
 * A process or thread starting, exec-ing, exiting or being renamed. A rename, or a thread already
 * there when the recording began, only names a track: it is no row of the store or the export.
 */
import { Style } from '../../../../protocol/messages';
import { NO_FLOWS } from '../export/model';
import { TaskEventNames, type TaskRecord } from '../../../../protocol/generated/wire';
import type { Args, EventBase } from '../model/events';
import { taskLabel } from '../model/labels';
import { waitStatus } from '../model/names';
import type { DecodeContext, EventKindModule } from './kind';

/** Process or thread lifecycle. */
export interface TaskEvent extends EventBase {
  readonly kind: 'process' | 'thread';
  readonly name: 'start' | 'exec' | 'exit' | 'rename' | 'existing';
  readonly comm: string;
  /** Exit status (wait status) for exits. */
  readonly exitCode: number | null;
}

/** A task record: the process table brought up to date, then the event. */
function decodeTask(r: TaskRecord, ctx: DecodeContext): void {
  const ts = ctx.rel(r.ts);
  const ev = TaskEventNames.get(r.event);
  const p = ctx.processes.process(r.pid);
  const t = ctx.processes.thread(r.pid, r.tid);
  const groupDead = (r.flags & 1) !== 0;
  if ((r.flags & 2) !== 0) p.target = true;
  let kind: 'process' | 'thread' = r.tid === r.pid ? 'process' : 'thread';
  let name: 'start' | 'exec' | 'exit' | 'rename' | 'existing';
  switch (ev) {
    case 'existing':
      name = 'existing';
      if (r.comm) t.name = r.comm;
      if (r.tid === r.pid) {
        p.name = r.comm;
        if (r.filename) p.exe = r.filename;
        if (r.ppid) p.parent = r.ppid;
      }
      break;
    case 'process_start':
      name = 'start';
      kind = 'process';
      p.parent = r.ppid;
      p.start = ts;
      p.name = r.comm;
      t.start = ts;
      t.name = r.comm;
      p.exe = ctx.processes.find(r.ppid)?.exe ?? '';
      ctx.fds.fork(r.ppid, r.pid);
      ctx.maps.fork(r.ppid, r.pid);
      break;
    case 'thread_start':
      name = 'start';
      t.start = ts;
      t.name = r.comm;
      break;
    case 'exec':
      name = 'exec';
      kind = 'process';
      p.exe = r.filename;
      p.name = r.comm;
      t.name = r.comm;
      ctx.fds.exec(r.pid);
      ctx.maps.exec(r.pid);
      break;
    case 'exit':
      name = 'exit';
      t.end = ts;
      ctx.requests.threadExited(r.tid);
      if (groupDead) {
        kind = 'process';
        p.end = ts;
        p.exitCode = r.exitCode;
        ctx.fds.exit(r.pid);
      }
      break;
    case 'rename':
      name = 'rename';
      t.name = r.comm;
      if (r.tid === r.pid) p.name = r.comm;
      break;
    default:
      return;
  }
  const args: Args = { comm: r.comm };
  if (name === 'start' || (name === 'existing' && r.ppid)) args.parent_pid = r.ppid;
  if (name === 'start') args.parent_tid = r.ptid;
  if (r.filename) args.filename = r.filename;
  if (name === 'exit') args.status = r.exitCode;
  ctx.emit({ kind, name, pid: r.pid, tid: r.tid, ts, comm: r.comm, exitCode: name === 'exit' ? r.exitCode : null, stackId: 0n, args });
}

function line(e: TaskEvent): string {
  const what = e.kind === 'process' ? 'process' : 'thread';
  switch (e.name) {
    case 'start':
      return `${what} started (${e.comm}, parent ${e.args.parent_pid}/${e.args.parent_tid})`;
    case 'exec':
      return `exec ${e.args.filename ?? ''}`;
    case 'exit': {
      const w = e.exitCode !== null ? waitStatus(e.exitCode) : null;
      return `${what} exited${w ? ` (status ${w.code}${w.signal ? `, signal ${w.signal}` : ''})` : ''}`;
    }
    case 'rename':
      return `thread renamed to ${e.comm}`;
    default:
      return `${what} ${e.comm} present at attach`;
  }
}

/** Processes and threads. */
export const taskKind: EventKindModule<TaskEvent> = {
  kinds: { process: { threadless: false, engine: null }, thread: { threadless: false, engine: null } },
  decode: { task: decodeTask },
  line,
  json(e) {
    const o: { [key: string]: string | number } = { comm: e.comm };
    if (e.exitCode !== null) o.ret = e.exitCode;
    return o;
  },
  details: { result: null },
  store: (ctx) => (e) => {
    if (e.name === 'rename' || e.name === 'existing' || e.name === 'start' || e.name === 'exec') ctx.tracks.rename(e.pid, e.tid, e.comm);
    if (e.name === 'existing' || e.name === 'rename') {
      ctx.thread(e.pid, e.tid);
      return -1;
    }
    return ctx.push({
      kind: e.kind, name: taskLabel(e), track: ctx.thread(e.pid, e.tid), start: e.ts, end: null, style: Style.lifecycle, flags: 0,
      value: e.exitCode ?? 0, stackId: 0n, args: e.args,
    });
  },
  export: (ctx) => ({
    add(e) {
      if (e.name === 'existing' || e.name === 'rename') return;
      ctx.instant(ctx.tracks.thread(e.pid, e.tid), e.ts, taskLabel(e), 'lifecycle', e.args, 0n, NO_FLOWS, NO_FLOWS);
    },
  }),
  aggregate: () => undefined,
};
