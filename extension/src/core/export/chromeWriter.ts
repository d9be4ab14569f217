/**
 * Writes an export in the Trace Event Format (the JSON of chrome://tracing, also read by Perfetto
 * and Speedscope): complete `X` events in microseconds, thread-scoped instants, flows as `s`
 * (start), `t` (step) and `f` (end, binding to the enclosing slice: `"bp":"e"`) events sharing an
 * id, process and thread names as `M` metadata, and stacks as `stackFrames` with an `sf` per
 * event. Rows that are not threads (request lanes, interrupts, UIO devices, losses) become
 * threads with ids above any real tid, under processes of their own for the global ones.
 */
import { basename } from 'node:path';
import type { ArgValue } from '../model/events';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';
import type { ExportItem, ExportSink, ExportTrack, FlowEnd } from './model';
import { TRUNCATED_FRAME } from './perfettoInterning';

/** Ids given to rows that are not threads: above Linux's largest pid (2^22). */
export const SYNTHETIC_ID_BASE = 1 << 23;
/** Characters buffered before a write. */
const CHUNK = 1 << 20;

/** Options of a ChromeJsonWriter. */
export interface ChromeWriterOptions {
  readonly stack: (id: bigint) => ResolvedStack | undefined;
  readonly write: (chunk: string) => void;
  /** Written as `otherData` (the source trace, the tool). */
  readonly otherData: Record<string, ArgValue>;
}

/** "12.345" µs for 12345 ns (exact: times are whole nanoseconds). */
export function micros(ns: number): string {
  if (!Number.isSafeInteger(ns) || ns < 0) return (ns / 1000).toFixed(3);
  const frac = ns % 1000;
  const whole = (ns - frac) / 1000;
  return frac ? `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : String(whole);
}

function frameName(f: StackFrame): string {
  const fn = f.function ?? (f.module ? `${basename(f.module)}+0x${f.addr.toString(16)}` : `0x${f.addr.toString(16)}`);
  return f.file ? `${fn} (${f.file}${f.line ? `:${f.line}` : ''})` : fn;
}

/** A Trace Event Format file being written. */
export class ChromeJsonWriter implements ExportSink {
  /** Events written. */
  events = 0;
  private readonly where = new Map<number, { pid: number; tid: number }>();
  private buf = '{"traceEvents":[\n';
  private first = true;
  /** Stack frames: "parent\0name" -> id, and their JSON. */
  private readonly frameIds = new Map<string, number>();
  private readonly frames: string[] = [];
  private readonly stackFrame = new Map<bigint, number>();

  constructor(private readonly o: ChromeWriterOptions) {}

  track(t: ExportTrack): void {
    const parent = t.parent !== null ? this.where.get(t.parent) : undefined;
    switch (t.kind) {
      case 'process':
        this.where.set(t.id, { pid: t.pid, tid: 0 });
        this.meta('process_name', t.pid, 0, t.name);
        return;
      case 'thread':
        this.where.set(t.id, { pid: t.pid, tid: t.tid });
        this.meta('thread_name', t.pid, t.tid, t.name);
        return;
      case 'group':
      case 'findings': {
        // a global row: a process of its own
        const pid = SYNTHETIC_ID_BASE + t.id;
        this.where.set(t.id, { pid, tid: 0 });
        this.meta('process_name', pid, 0, t.name);
        return;
      }
      default: {
        const pid = parent?.pid ?? t.pid;
        const tid = SYNTHETIC_ID_BASE + t.id;
        this.where.set(t.id, { pid, tid });
        this.meta('thread_name', pid, tid, t.kind === 'requests' ? `${t.name} (lane ${t.lane + 1})` : t.name);
        this.meta('thread_sort_index', pid, tid, SYNTHETIC_ID_BASE + t.id);
      }
    }
  }

  item(i: ExportItem): void {
    const at = this.where.get(i.track) ?? { pid: 0, tid: 0 };
    const flows = i.flowsOut.length + i.flowsStep.length + i.flowsIn.length;
    const e: Record<string, ArgValue> = { name: i.name, cat: i.category, pid: at.pid, tid: at.tid };
    // an instant that flows start or end on is a zero-length slice: flow events bind to slices
    let json: string;
    const sf = this.sf(i.stackId);
    const tail = `,"args":${JSON.stringify(i.args)}${sf ? `,"sf":${sf}` : ''}}`;
    if (i.dur === null && !flows) {
      e.ph = 'i';
      e.s = 't';
      json = `${JSON.stringify(e).slice(0, -1)},"ts":${micros(i.ts)}${tail}`;
    } else {
      e.ph = 'X';
      json = `${JSON.stringify(e).slice(0, -1)},"ts":${micros(i.ts)},"dur":${micros(i.dur ?? 0)}${tail}`;
    }
    this.emit(json);
    const end = i.ts + (i.dur ?? 0);
    const flow = (ph: string, f: FlowEnd, extra = ''): void =>
      this.emit(`{"ph":"${ph}","name":"flow","cat":"flow","id":${f.id},"pid":${at.pid},"tid":${at.tid},"ts":${micros(Math.min(end, Math.max(i.ts, f.ts)))}${extra}}`);
    for (const f of i.flowsOut) flow('s', f);
    for (const f of i.flowsStep) flow('t', f);
    for (const f of i.flowsIn) flow('f', f, ',"bp":"e"');
  }

  /** Close the document: the stack frames and otherData follow the events. */
  end(): void {
    this.buf += `\n],\n"displayTimeUnit":"ns",\n"stackFrames":{${this.frames.join(',')}},\n"otherData":${JSON.stringify(this.o.otherData)}}\n`;
    this.flush();
  }

  private meta(name: string, pid: number, tid: number, value: string | number): void {
    const args = name.endsWith('_sort_index') ? { sort_index: value } : { name: value };
    this.emit(JSON.stringify({ ph: 'M', name, pid, tid, args }));
  }

  private emit(json: string): void {
    this.buf += (this.first ? '' : ',\n') + json;
    this.first = false;
    this.events++;
    if (this.buf.length >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.buf) this.o.write(this.buf);
    this.buf = '';
  }

  /** The stackFrames id of a stack's innermost frame (0: none). */
  private sf(stackId: bigint): number {
    if (stackId === 0n) return 0;
    let id = this.stackFrame.get(stackId);
    if (id !== undefined) return id;
    const stack = this.o.stack(stackId);
    id = 0;
    if (stack?.frames.length) {
      const names = stack.frames.map(frameName).reverse();
      if (stack.truncated) names.unshift(TRUNCATED_FRAME);
      const modules = stack.frames.map((f) => (f.module ? basename(f.module) : '')).reverse();
      if (stack.truncated) modules.unshift('');
      let parent = 0;
      names.forEach((name, k) => {
        const key = `${parent}\0${name}`;
        let fid = this.frameIds.get(key);
        if (fid === undefined) {
          fid = this.frameIds.size + 1;
          this.frameIds.set(key, fid);
          const frame: Record<string, string | number> = { name, category: modules[k] || 'unknown' };
          if (parent) frame.parent = parent;
          this.frames.push(`"${fid}":${JSON.stringify(frame)}`);
        }
        parent = fid;
      });
      id = parent;
    }
    this.stackFrame.set(stackId, id);
    return id;
  }
}
