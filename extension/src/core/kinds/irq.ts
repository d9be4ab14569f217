/**
 * A hard-IRQ handler's run: a slice on its CPU's row, or on its UIO device's row when a UIO device
 * raised it — then with an arrow to the thread it woke (model/uio.ts tells which).
 */
import { Style } from '../../../../protocol/messages';
import { NO_FLOWS, type FlowEnd } from '../export/model';
import type { EventBase } from '../model/events';
import { uioLabel } from '../model/labels';
import { Flag } from '../store/flags';
import type { EventKindModule, ExportContext, KindExporter } from './kind';

/** One hard-IRQ handler run. */
export interface IrqEvent extends EventBase {
  readonly kind: 'irq';
  readonly irq: number;
  readonly cpu: number;
  readonly dur: number;
  readonly ret: number;
}

/** Most interrupts of one UIO device an export keeps waiting for the wake-up they cause. */
const MAX_PENDING_IRQS = 4096;

function exporter(ctx: ExportContext): KindExporter<IrqEvent> {
  /** Interrupts of each UIO device waiting for the wake-up they cause. */
  const pending = new Map<number, { ref: number; e: IrqEvent }[]>();
  let refs = 0;
  const slice = (e: IrqEvent, flowsOut: readonly FlowEnd[]): void => {
    const dev = ctx.uio.deviceOfIrq(e.irq);
    const track = dev ? ctx.tracks.uio(dev) : ctx.tracks.irq(e.cpu);
    ctx.slice(track, e.ts, e.dur, e.name, dev ? 'uio' : 'irq', e.args, 0n, flowsOut, NO_FLOWS, NO_FLOWS);
  };
  return {
    add(e) {
      ctx.seen(e.ts + e.dur);
      const dev = ctx.uio.deviceOfIrq(e.irq);
      if (!dev) {
        slice(e, NO_FLOWS);
        return;
      }
      // a UIO device's interrupt: held until the wake-up it causes, which starts its flow
      const ref = ++refs;
      ctx.uio.add(e, ref);
      const list = pending.get(dev.index) ?? [];
      pending.set(dev.index, list);
      list.push({ ref, e });
      if (list.length > MAX_PENDING_IRQS) slice((list.shift() as { e: IrqEvent }).e, NO_FLOWS);
    },
    woke(w, flowsIn) {
      const list = pending.get(w.device.index) ?? [];
      while (list.length && list[0].ref < w.irqRef) slice((list.shift() as { e: IrqEvent }).e, NO_FLOWS);
      if (!list.length || list[0].ref !== w.irqRef) return;
      const { e } = list.shift() as { e: IrqEvent };
      const id = ctx.flows.fresh();
      ctx.counts.flows++;
      slice(e, [{ id, ts: e.ts }]);
      flowsIn.push({ id, ts: w.wakeTs });
    },
    finish() {
      for (const list of pending.values()) for (const p of list) slice(p.e, NO_FLOWS);
      pending.clear();
    },
  };
}

/** Hard interrupts. */
export const irqKind: EventKindModule<IrqEvent> = {
  kinds: { irq: { threadless: true, engine: null } },
  decode: {
    irq(r, ctx) {
      ctx.emit({
        kind: 'irq', name: r.name || `irq${r.irq}`, pid: 0, tid: 0, ts: ctx.rel(r.ts), dur: r.dur, irq: r.irq, cpu: r.cpu,
        ret: r.ret, stackId: 0n, args: { irq: r.irq, cpu: r.cpu, handled: r.ret },
      });
    },
  },
  line: (e, paint) => `IRQ ${e.irq} ${paint('bold', e.name)} on CPU ${e.cpu}${e.ret === 0 ? ' (not handled)' : ''}`,
  json: (e) => ({ dur: e.dur, ret: e.ret }),
  details: {
    // an interrupt belongs to a CPU or a device, not to a thread
    who: (e, ctx) => [ctx.track?.kind === 'uio' ? { label: 'Device', value: ctx.track.label } : { label: 'CPU', value: String(e.args.cpu ?? ctx.track?.label ?? '?') }],
    result: null,
    hides: (key) => key === 'cpu',
  },
  store: (ctx) => (e) => {
    const dev = ctx.uio.deviceOfIrq(e.irq);
    const track = dev ? ctx.tracks.uio(dev.index, uioLabel(dev)) : ctx.tracks.irq(e.cpu);
    return ctx.push({
      kind: 'irq', name: e.name, track, start: e.ts, end: e.ts + e.dur, style: dev ? Style.uio : Style.irq, flags: e.ret === 0 ? Flag.error : 0,
      value: e.ret, stackId: 0n, args: e.args,
    });
  },
  export: exporter,
  aggregate(e, ctx) {
    ctx.entry(0, e.cpu, `irq ${e.irq} ${e.name}`, 'irq').add(e.dur);
  },
};
