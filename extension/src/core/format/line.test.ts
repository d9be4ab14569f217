import { join } from 'node:path';
import type { TraceEvent } from '../model/events';
import { assertGolden } from '../testing/golden';
import { sampleTrace } from '../testing/sampleTrace';
import { TracePipeline } from '../trace/pipeline';
import { eventJsonLine } from './jsonl';
import { formatEventLine } from './line';

function replay(): { events: TraceEvent[]; pipeline: TracePipeline } {
  const events: TraceEvent[] = [];
  const pipeline = new TracePipeline((e) => events.push(e), { symbolizer: null });
  pipeline.push(sampleTrace());
  pipeline.end();
  return { events, pipeline };
}

describe('event lines', () => {
  it('read like the golden file', () => {
    const { events, pipeline } = replay();
    const ctx = {
      threadName: (pid: number, tid: number) => pipeline.trace.processes.threadName(pid, tid),
      stack: (id: bigint) => pipeline.resolver.resolve(id),
      cwd: '/work/app',
      color: false,
    };
    assertGolden(join(__dirname, '__golden__', 'lines.txt'), events.map((e) => formatEventLine(e, ctx)).join('\n') + '\n');
  });

  it('as JSON lines, match the golden file', () => {
    const { events, pipeline } = replay();
    assertGolden(join(__dirname, '__golden__', 'events.jsonl'), events.map((e) => eventJsonLine(e, pipeline.resolver.resolve(e.stackId))).join('\n') + '\n');
  });
});
