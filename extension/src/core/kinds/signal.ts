/**
 * A signal generated (an instant on its sender's thread), delivered (an instant on the receiver's,
 * with an arrow from its generation), or its handler's run (a slice). model/signals.ts pairs them.
 */
import { Style } from '../../../../protocol/messages';
import { formatDuration } from '../../../../shared/format';
import { NO_FLOWS, type FlowEnd } from '../export/model';
import type { Args, EventBase } from '../model/events';
import { generateThread, signalLabel } from '../model/labels';
import { signalResultName, siCodeName } from '../model/names';
import type { EventKindModule, ExportContext, KindExporter, Paint, StoreContext } from './kind';

/**
 * A signal sent to (generate) or delivered to (deliver) a traced thread, or its handler's run
 * (handler: from the delivery to the handler's return, rt_sigreturn; sent when it returns).
 */
export interface SignalEvent extends EventBase {
  readonly kind: 'signal';
  readonly phase: 'generate' | 'deliver' | 'handler';
  /** handler: how long it ran; null for the instants. */
  readonly dur: number | null;
  readonly sig: number;
  readonly code: number;
  /** deliver: when the signal was generated, if seen. */
  readonly generateTs: number | null;
  /** generate: the signal was merged into one already pending (standard signals are not queued). */
  readonly coalesced: boolean;
}

/** Most signal generations of one process and signal an export keeps waiting for their delivery. */
const MAX_PENDING_SIGNALS = 256;

function line(e: SignalEvent, paint: Paint): string {
  const code = siCodeName(e.sig, e.code);
  const fdNum = typeof e.args.si_fd === 'number' ? e.args.si_fd : typeof e.args.fd === 'number' ? e.args.fd : null;
  const fd = fdNum !== null ? `, fd ${fdNum}${typeof e.args.path === 'string' ? ` ${e.args.path}` : ''}` : '';
  if (e.phase === 'handler') return `${paint('bold', e.name)} handler ${e.args.handler} ran`;
  if (e.phase === 'generate') {
    const result = e.coalesced ? ', merged into the one already pending' : e.args.result !== 0 ? `, ${signalResultName(e.args.result as number)}` : '';
    const by = e.args.from_interrupt ? `an interrupt handler (on ${e.args.interrupted})` : `${e.args.sender}[${e.args.sender_tid}]`;
    return `${paint('bold', e.name)} generated (${code}${fd}) by ${by}${result}`;
  }
  const lat = e.generateTs !== null ? `, ${formatDuration(e.ts - e.generateTs)} after it was generated` : '';
  return `${paint('bold', e.name)} delivered (${code}${fd})${lat}`;
}

function storeAdder(ctx: StoreContext): (e: SignalEvent) => number {
  /** Where each generation was drawn, by "pid:sig:ts", for the arrow to its delivery. */
  const generated = new Map<string, { track: number; ts: number }>();
  return (e) => {
    const track = ctx.thread(e.pid, e.tid);
    const row = { kind: e.kind, name: signalLabel(e), style: Style.signal, flags: 0 };
    if (e.phase === 'handler') {
      return ctx.push({ ...row, track, start: e.ts, end: e.ts + (e.dur ?? 0), value: 0, stackId: e.stackId, args: { ...e.args, handler_ns: e.dur } });
    }
    if (e.phase === 'generate') {
      const sender = generateThread(e);
      const from = ctx.thread(sender.pid, sender.tid);
      generated.set(`${e.pid}:${e.sig}:${e.ts}`, { track: from, ts: e.ts });
      return ctx.push({ ...row, track: from, start: e.ts, end: null, value: e.code, stackId: 0n, args: e.args });
    }
    const args = { ...e.args, generated_ns_ago: e.generateTs !== null ? e.ts - e.generateTs : null };
    const id = ctx.push({ ...row, track, start: e.ts, end: null, value: e.code, stackId: e.stackId, args });
    const gen = e.generateTs !== null ? generated.get(`${e.pid}:${e.sig}:${e.generateTs}`) : undefined;
    if (gen) ctx.arrow({ fromTrack: gen.track, fromTime: gen.ts, toTrack: track, toTime: e.ts, style: Style.signal, id });
    return id;
  };
}

function exporter(ctx: ExportContext): KindExporter<SignalEvent> {
  /** Signal generations waiting for their delivery, by "pid:sig". */
  const pending = new Map<string, SignalEvent[]>();
  const generate = (e: SignalEvent, flowsOut: readonly FlowEnd[]): void => {
    const from = generateThread(e);
    const args: Args = { ...e.args, to_tid: e.tid };
    if (e.coalesced) args.coalesced = true;
    ctx.instant(ctx.tracks.thread(from.pid, from.tid), e.ts, signalLabel(e), 'signal', args, 0n, flowsOut, NO_FLOWS);
  };
  return {
    add(e) {
      ctx.seen(e.ts + (e.dur ?? 0));
      if (e.phase === 'handler') {
        ctx.slice(ctx.tracks.thread(e.pid, e.tid), e.ts, e.dur ?? 0, signalLabel(e), 'signal', { ...e.args, handler_ns: e.dur }, e.stackId, NO_FLOWS, NO_FLOWS, NO_FLOWS);
        return;
      }
      const key = `${e.pid}:${e.sig}`;
      if (e.phase === 'generate') {
        const list = pending.get(key) ?? [];
        pending.set(key, list);
        list.push(e);
        if (list.length > MAX_PENDING_SIGNALS) generate(list.shift() as SignalEvent, NO_FLOWS);
        return;
      }
      const flowsIn: FlowEnd[] = [];
      const list = pending.get(key) ?? [];
      const waiting = list.filter((g) => g.ts > e.ts);
      for (const g of list) {
        if (g.ts > e.ts) continue;
        if (g.ts === e.generateTs && !flowsIn.length) {
          const id = ctx.flows.fresh();
          ctx.counts.flows++;
          generate(g, [{ id, ts: g.ts }]);
          flowsIn.push({ id, ts: e.ts });
        } else {
          generate(g, NO_FLOWS);
        }
      }
      if (waiting.length) pending.set(key, waiting);
      else pending.delete(key);
      ctx.uioWoke(e, flowsIn);
      const args: Args = { ...e.args, generated_ns_ago: e.generateTs !== null ? e.ts - e.generateTs : null };
      ctx.instant(ctx.tracks.thread(e.pid, e.tid), e.ts, signalLabel(e), 'signal', args, e.stackId, NO_FLOWS, flowsIn);
    },
    finish() {
      for (const list of pending.values()) for (const g of list) generate(g, NO_FLOWS);
      pending.clear();
    },
  };
}

/** Signals. */
export const signalKind: EventKindModule<SignalEvent> = {
  kinds: { signal: { threadless: false, engine: null } },
  decode: {
    signal_generate: (r, ctx) => ctx.emit(ctx.signals.generate(r)),
    signal_deliver: (r, ctx) => ctx.emit(ctx.signals.deliver(r)),
  },
  line,
  json(e) {
    const o: { [key: string]: number | string | boolean | null } = { phase: e.phase, signo: e.sig };
    if (e.dur !== null) o.dur = e.dur;
    o.generate_ts = e.generateTs;
    o.coalesced = e.coalesced;
    return o;
  },
  details: { result: null },
  store: storeAdder,
  export: exporter,
  aggregate(e, ctx) {
    if (e.phase === 'deliver') {
      ctx.entry(e.pid, e.tid, signalLabel(e), 'signal').add(e.generateTs !== null ? e.ts - e.generateTs : 0);
    } else if (e.phase === 'handler' && e.dur !== null) {
      ctx.entry(e.pid, e.tid, signalLabel(e), 'signal').add(e.dur);
    }
  },
};
