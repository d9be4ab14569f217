/**
 * One readable line per event for `iolens record`: time, process/thread, the call with its decoded
 * arguments, the result, how long it took, and the source line that issued it.
 */
import type { Paint } from '../kinds/kind';
import { KINDS, kindModule } from '../kinds/registry';
import type { TraceEvent } from '../model/events';
import type { ResolvedStack } from '../symbols/stacks';
import { formatLocation, sourceFrame } from './source';
import { formatDuration, formatTimestamp } from '../../../../shared/format';

/** What a line needs besides the event. */
export interface LineContext {
  threadName(pid: number, tid: number): string;
  stack(id: bigint): ResolvedStack | undefined;
  /** Paths under this folder are shown relative to it. */
  readonly cwd: string;
  readonly color: boolean;
}

const STYLE = { dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', reset: '\x1b[0m' };
const colored: Paint = (style, s) => STYLE[style] + s + STYLE.reset;
const plain: Paint = (_style, s) => s;

/** Duration of an event, if it spans time. */
function durationOf(e: TraceEvent): number | null {
  return 'dur' in e ? e.dur : null;
}

/** The line for one event (no trailing newline). */
export function formatEventLine(e: TraceEvent, ctx: LineContext): string {
  const paint = ctx.color ? colored : plain;
  const time = paint('dim', formatTimestamp(e.ts));
  const who = KINDS[e.kind].threadless ? '-' : `${ctx.threadName(e.pid, e.tid) || '?'} ${e.pid}/${e.tid}`;
  const dur = durationOf(e);
  const durText = dur !== null ? `  ${paint(dur >= 10e6 ? 'yellow' : 'dim', formatDuration(dur))}` : '';
  const frame = sourceFrame(ctx.stack(e.stackId));
  const where = frame ? `  ${paint('cyan', formatLocation(frame, ctx.cwd))}${frame.function ? ` ${paint('dim', `(${frame.function})`)}` : ''}` : '';
  return `${time}  ${who}  ${kindModule(e.kind).line(e, paint)}${durText}${where}`;
}
