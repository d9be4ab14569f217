/**
 * A traced thread's syscall woke another traced thread's wait: an instant on the waker's thread
 * with an arrow to the woken call.
 */
import { SYSCALLS } from '../../../../protocol/generated/wire';
import { Style } from '../../../../protocol/messages';
import { NO_FLOWS } from '../export/model';
import type { EventBase } from '../model/events';
import { wakeLabel } from '../model/labels';
import type { EventKindModule } from './kind';
import { fdText } from './text';

/** A traced thread's syscall woke another traced thread's wait. */
export interface WakeEvent extends EventBase {
  readonly kind: 'wake';
  readonly wakeePid: number;
  readonly wakeeTid: number;
  /** When the woken wait began (ns since start), null when it is not a traced call (a futex wait). */
  readonly wakeeSince: number | null;
}

/** A wake-up's fields told as "Woken by" and "Woke". */
const WAKE_FIELDS = new Set(['waker_call', 'wakee_pid', 'wakee_tid', 'wakee_call']);

/** Wake-ups. */
export const wakeKind: EventKindModule<WakeEvent> = {
  kinds: { wake: { threadless: false, engine: null } },
  decode: {
    wake(r, ctx) {
      ctx.emit({
        kind: 'wake', name: SYSCALLS.get(r.wakerSys)?.name ?? 'wake', pid: r.pid, tid: r.tid, ts: ctx.rel(r.ts),
        wakeePid: r.wakeePid, wakeeTid: r.wakeeTid, wakeeSince: r.wakeeSince ? ctx.rel(r.wakeeSince) : null, stackId: 0n,
        args: {
          waker_call: SYSCALLS.get(r.wakerSys)?.name ?? null, fd: r.wakerFd >= 0 ? r.wakerFd : null,
          path: r.wakerFd >= 0 ? ctx.fds.get(r.pid, r.wakerFd)?.path ?? null : null,
          wakee_pid: r.wakeePid, wakee_tid: r.wakeeTid, wakee_call: SYSCALLS.get(r.wakeeSys)?.name ?? null,
        },
      });
    },
  },
  line: (e) => `${e.name}${e.args.fd !== null ? `(fd=${fdText(e.args.fd, e.args.path)})` : ''} woke ${e.wakeePid}/${e.wakeeTid} out of ${e.args.wakee_call}`,
  json: (e) => ({ wakee_pid: e.wakeePid, wakee_tid: e.wakeeTid, wakee_since: e.wakeeSince }),
  details: {
    // who woke whom, in words rather than the record's fields
    who(e, ctx) {
      const rows = [{ label: 'Woken by', value: `${ctx.nameOf(e.pid, e.tid)} (pid ${e.pid}, tid ${e.tid})${typeof e.args.waker_call === 'string' ? ` in ${e.args.waker_call}()` : ''}` }];
      const { wakee_pid: pid, wakee_tid: tid, wakee_call: call } = e.args;
      if (typeof pid === 'number' && typeof tid === 'number' && tid > 0) {
        rows.push({ label: 'Woke', value: `${ctx.nameOf(pid, tid) || '?'} (pid ${pid}, tid ${tid})${typeof call === 'string' ? ` waiting in ${call}()` : ''}` });
      }
      return rows;
    },
    result: null,
    hides: (key, value) => value === null || WAKE_FIELDS.has(key),
  },
  store: (ctx) => (e) => {
    const from = ctx.thread(e.pid, e.tid);
    const id = ctx.push({ kind: 'wake', name: wakeLabel(e), track: from, start: e.ts, end: null, style: Style.wakeup, flags: 0, value: 0, stackId: 0n, args: e.args });
    ctx.arrow({ fromTrack: from, fromTime: e.ts, toTrack: ctx.thread(e.wakeePid, e.wakeeTid), toTime: e.ts, style: Style.wakeup, id });
    return id;
  },
  export: (ctx) => ({
    add(e) {
      ctx.seen(e.ts);
      const id = ctx.flows.fresh();
      ctx.counts.flows++;
      ctx.instant(ctx.tracks.thread(e.pid, e.tid), e.ts, wakeLabel(e), 'wakeup', e.args, 0n, [{ id, ts: e.ts }], NO_FLOWS);
      const since = e.wakeeSince;
      ctx.wait(e.wakeeTid, {
        flow: { id, ts: e.ts },
        matches: (s) => since !== null && s.ts === since,
        fallback: { pid: e.wakeePid, tid: e.wakeeTid, ts: e.ts, name: `woken by ${e.tid}`, category: 'wakeup' },
      });
    },
  }),
  aggregate: () => undefined,
};
