/**
 * Records lost, with the exact count: no row of its own in the store (a gap the timeline shades),
 * a slice on its source's row of an export, spanning the time since that source's previous loss.
 */
import { DropSourceNames } from '../../../../protocol/generated/wire';
import { NO_FLOWS } from '../export/model';
import type { EventBase } from '../model/events';
import { LossGaps, lossLabel } from '../model/labels';
import type { EventKindModule } from './kind';

/** Records lost, with the exact count. */
export interface DropEvent extends EventBase {
  readonly kind: 'drop';
  readonly count: number;
  readonly total: number;
}

/** Lost records. */
export const dropKind: EventKindModule<DropEvent> = {
  kinds: { drop: { threadless: true, engine: null } },
  decode: {
    drop(r, ctx) {
      const source = DropSourceNames.get(r.source) ?? `source${r.source}`;
      ctx.drops.total += r.count;
      ctx.drops.bySource.set(source, (ctx.drops.bySource.get(source) ?? 0) + r.count);
      ctx.emit({ kind: 'drop', name: source, pid: 0, tid: 0, ts: ctx.rel(r.ts), count: r.count, total: r.total, stackId: 0n, args: {} });
    },
  },
  line: (e, paint) => paint('red', `LOST ${e.count} records (${e.name}); ${e.total} in total`),
  json: (e) => ({ count: e.count, total: e.total }),
  details: { result: null },
  store: (ctx) => {
    const gaps = new LossGaps();
    return (e) => {
      ctx.gap({ start: gaps.start(e), end: e.ts, count: e.count });
      return -1;
    };
  },
  export: (ctx) => {
    const gaps = new LossGaps();
    return {
      add(e) {
        const start = gaps.start(e);
        ctx.slice(ctx.tracks.losses(e.name), start, e.ts - start, lossLabel(e.count, e.name), 'lost', { count: e.count, total: e.total }, 0n, NO_FLOWS, NO_FLOWS, NO_FLOWS);
      },
    };
  },
  aggregate: () => undefined,
};
