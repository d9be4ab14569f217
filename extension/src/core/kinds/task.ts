/**
 * A process or thread starting, exec-ing, exiting or being renamed. A rename, or a thread already
 * there when the recording began, only names a track: it is no row of the store or the export.
 */
import { Style } from '../../../../protocol/messages';
import { NO_FLOWS } from '../export/model';
import type { EventBase } from '../model/events';
import { taskLabel } from '../model/labels';
import { waitStatus } from '../model/names';
import type { EventKindModule } from './kind';

/** Process or thread lifecycle. */
export interface TaskEvent extends EventBase {
  readonly kind: 'process' | 'thread';
  readonly name: 'start' | 'exec' | 'exit' | 'rename' | 'existing';
  readonly comm: string;
  /** Exit status (wait status) for exits. */
  readonly exitCode: number | null;
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
