/**
 * What ends a flight recording (`--until`, flight.ts): the first stall — a blocking call or a wait
 * that lasted longer than the given time (not a sleep: nanosleep passes time on purpose) — or the first finding of a diagnosis rule (the analysis
 * runs over the events as they come). Either gives the moment the saved window is anchored to.
 */
import { TraceAnalyzer, type AnalysisSource } from '../analysis/analyzer';
import { isSleep, syscallClass } from '../analysis/classify';
import { RULES } from '../analysis/catalogue';
import type { TraceEvent } from '../model/events';
import { formatDuration } from '../../../../shared/format';
import type { TraceFileWriter } from './file';
import type { UntilCondition } from './flight';
import type { TracePipeline } from './pipeline';

/** After the trigger the recording goes on this long (ns), so the window shows what followed. */
export const UNTIL_AFTER_NS = 1e9;
/** The analysis' findings are looked at this often at most (ms): its result costs more than an event. */
const FINDING_CHECK_MS = 250;

/** The moment a flight recording's condition was met (times in ns since the trace's origin, as events have them). */
export interface UntilTrigger {
  /** The kept time counts back from here a stall's start, so the whole stall is in the window. */
  readonly anchor: number;
  /** The window ends UNTIL_AFTER_NS after this: the stall's end, or the last event when the finding came. */
  readonly end: number;
  /** What happened, in words. */
  readonly what: string;
}

/** Watches the events of a recording for its `--until` condition; see the file comment. */
export class UntilWatcher {
  private readonly analyzer: TraceAnalyzer | undefined;
  private latest = 0;
  private events = 0;
  private checkedAt = 0;
  /** Set once the condition was met. */
  trigger: UntilTrigger | undefined;

  constructor(private readonly condition: UntilCondition, source: AnalysisSource, private readonly now: () => number = Date.now) {
    if (condition.kind === 'finding') this.analyzer = new TraceAnalyzer(source);
  }

  /** One event, in stream order. Returns the trigger when this event met the condition. */
  add(e: TraceEvent): UntilTrigger | undefined {
    if (this.trigger) return undefined;
    const c = this.condition;
    const dur = 'dur' in e && typeof e.dur === 'number' ? e.dur : 0;
    if (e.ts + dur > this.latest) this.latest = e.ts + dur;
    if (c.kind === 'stall') {
      if (e.kind !== 'syscall' || e.unfinished || e.dur <= c.ns) return undefined;
      const cls = syscallClass(e.sys);
      // a sleep is time the thread chose to pass, not I/O it waited for
      if ((cls !== 'blocking' && cls !== 'wait') || isSleep(e.name)) return undefined;
      return (this.trigger = { anchor: e.ts, end: e.ts + e.dur, what: `${e.name} of thread ${e.tid} lasted ${formatDuration(e.dur)}` });
    }
    this.analyzer!.add(e, this.events++);
    return this.check();
  }

  /** The analysis' findings, at most every FINDING_CHECK_MS; the trigger when the rule's first came. */
  check(): UntilTrigger | undefined {
    const c = this.condition;
    if (this.trigger || c.kind !== 'finding' || !this.events || this.now() - this.checkedAt < FINDING_CHECK_MS) return undefined;
    this.checkedAt = this.now();
    const found = this.analyzer!.result().findings.find((f) => f.rule === c.rule);
    if (!found) return undefined;
    return (this.trigger = { anchor: this.latest, end: this.latest, what: `${RULES[c.rule].name}: ${found.title}` });
  }

  /** Stop listening to the trace. */
  dispose(): void {
    this.analyzer?.dispose();
  }
}

/**
 * A recording's `--until`, wired: its events go to an UntilWatcher; at the trigger the trace
 * file's window is set (writer.endWindow), `report` is told what happened and `stop` is called
 * UNTIL_AFTER_NS later. The CLI and the editor both record through it.
 */
export class UntilStop {
  private readonly watcher: UntilWatcher;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    condition: UntilCondition,
    private readonly pipeline: TracePipeline,
    private readonly writer: TraceFileWriter | undefined,
    private readonly report: (text: string) => void,
    private readonly stop: () => void,
  ) {
    this.watcher = new UntilWatcher(condition, pipeline.trace);
  }

  /** One event of the recording, in stream order. */
  add(e: TraceEvent): void {
    this.fire(this.watcher.add(e));
  }

  /** Look at the analysis' findings (call it now and then: events may stop coming). */
  check(): void {
    this.fire(this.watcher.check());
  }

  private fire(t: UntilTrigger | undefined): void {
    if (!t) return;
    const origin = this.pipeline.trace.origin?.mono ?? 0;
    this.writer?.endWindow(origin + t.anchor, origin + t.end + UNTIL_AFTER_NS);
    this.report(`--until: ${t.what}; stopping in ${UNTIL_AFTER_NS / 1e9} s`);
    this.timer = setTimeout(this.stop, UNTIL_AFTER_NS / 1e6);
  }

  /** The recording ended. */
  dispose(): void {
    clearTimeout(this.timer);
    this.watcher.dispose();
  }
}
