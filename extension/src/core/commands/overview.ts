/**
 * The whole trace's overview (store/overview.ts) in the trace files the command line writes, and
 * `iolens overview FILE`, which adds it to a file written without it (by an older iolens): made by
 * reading the file as the editor reads it (TraceSession.overviewOf), written in place after the
 * file's index (trace/file.ts' putFileOverview), so the editor shows the whole trace at once when
 * it opens the file, while the events load behind it.
 */
import type { Writable } from 'node:stream';
import { formatCount } from '../../../../shared/format';
import { TraceSession } from '../session/traceSession';
import { indexedEvents, readFileOverview } from '../trace/fileReader';

/** A trace file of more events than this says that its overview is being made (it takes seconds). */
const NOTE_FROM_EVENTS = 100_000;

/**
 * Give the finished trace file at `path` its overview, after `iolens record`, `import` or
 * `symbolize` wrote it; `signal` leaves it out (the file opens as it is). What goes wrong is a
 * warning on `err`, never a failure of the command: the file is complete without it.
 */
export async function addOverviewAfterWriting(path: string, err: Writable, signal?: AbortSignal): Promise<void> {
  try {
    if (readFileOverview(path)) return;
    if ((indexedEvents(path) ?? 0) > NOTE_FROM_EVENTS) err.write('iolens: adding the whole trace\'s overview to the file, so that it opens at once (Ctrl-C leaves it out)\n');
    if (!(await TraceSession.addOverview(path, signal)) && signal?.aborted) {
      err.write(`iolens: the trace's overview was left out: ${path} opens as it is; \`iolens overview ${path}\` adds it\n`);
    }
  } catch (e) {
    err.write(`iolens: warning: the trace's overview could not be added to ${path}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** `iolens overview FILE`: add the whole trace's overview to a trace file that has none. */
export async function overviewCommand(path: string, out: Writable): Promise<number> {
  if (readFileOverview(path)) {
    out.write(`${path} already has the whole trace's overview\n`);
    return 0;
  }
  if (!(await TraceSession.addOverview(path))) {
    out.write(`${path} holds no events: it has no overview to add\n`);
    return 0;
  }
  const events = indexedEvents(path) ?? 0;
  out.write(`${path}: the whole trace's overview added (${formatCount(events)} events): it opens showing the whole trace at once\n`);
  return 0;
}
