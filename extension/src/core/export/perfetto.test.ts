import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTrace } from '../commands/export';
import { assertGolden } from '../testing/golden';
import { checkPerfetto, type CheckedEvent } from '../testing/perfettoCheck';
import { sampleTrace } from '../testing/sampleTrace';

const GOLDEN = join(__dirname, '__golden__');

describe('export to Perfetto', () => {
  let dir: string;
  let input: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iolens-export-'));
    input = join(dir, 'sample.iolens');
    writeFileSync(input, sampleTrace());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function exported(internLimit?: number): Promise<ReturnType<typeof checkPerfetto>> {
    const out = join(dir, `sample-${internLimit ?? 0}.pftrace`);
    await exportTrace(input, out, { format: 'perfetto', symbolPath: [], internLimit });
    return checkPerfetto(readFileSync(out));
  }

  it('writes a trace that decodes with our schema and keeps every invariant', async () => {
    const t = await exported();
    assert.deepEqual(t.problems, []);
    const lines = t.packets.map((p) => JSON.stringify(p));
    assertGolden(join(GOLDEN, 'sample.perfetto.txt'), lines.join('\n') + '\n');
  });

  it('names processes and threads, and puts requests on lanes of their process', async () => {
    const t = await exported();
    const named = [...t.tracks.values()].map((d) => d.process?.process_name ?? d.thread?.thread_name ?? d.name);
    assert.ok(named.includes('server'));
    assert.ok(named.includes('worker-1'));
    const thread = [...t.tracks.values()].find((d) => d.thread?.tid === 101);
    assert.equal(thread?.thread?.pid, 100);
    const requests = t.events.filter((e) => e.name === 'aio pread');
    assert.equal(requests.length, 2);
    const lanes = new Set(requests.map((e) => e.track));
    assert.equal(lanes.size, 2, 'two overlapping requests on two lanes');
    for (const lane of lanes) assert.equal(t.tracks.get(lane)?.name, 'requests in flight');
  });

  it('carries arguments, results and stacks with file and line', async () => {
    const t = await exported();
    const read = t.events.find((e) => e.name === 'read' && e.args.ret === 64) as CheckedEvent;
    assert.equal(read.end! - read.ts, 20.2e6);
    assert.equal(read.args.fd, 4);
    assert.equal(read.args.path, 'pipe:[1001]');
    assert.deepEqual(read.frames, [
      { function: 'run_loop', file: '/work/app/src/server.c', line: 150 },
      { function: 'on_request', file: '/work/app/src/server.c', line: 88 },
      { function: 'read', file: 'sysdeps/unix/sysv/linux/read.c', line: 26 },
    ]);
    const failed = t.events.find((e) => e.name === 'read' && e.args.ret === -11) as CheckedEvent;
    assert.equal(failed.args.error, 'EAGAIN');
    const unfinished = t.events.find((e) => e.name === 'epoll_wait' && e.args.unfinished === true);
    assert.ok(unfinished, 'a call still in progress at the end is a slice that says so');
  });

  it('draws a flow for every arrow: submit → request → reap, generate → deliver, waker → woken', async () => {
    const t = await exported();
    const byPacket = new Map(t.events.map((e) => [e.packet, e]));
    const chains = [...t.flows.values()].map((list) => list.map((p) => byPacket.get(p)?.name ?? '?'));
    assert.deepEqual(chains.filter((c) => c[0] === 'io_submit'), [
      ['io_submit', 'aio pread', 'io_getevents'],
      ['io_submit', 'aio pread', 'io_getevents'],
    ]);
    assert.ok(chains.some((c) => c.join() === 'io_uring read submitted,io_uring read,io_uring read completed'), JSON.stringify(chains));
    assert.ok(chains.some((c) => c.join() === 'SIGIO generated,SIGIO delivered'), JSON.stringify(chains));
    // the sample's wake-up names a wait that is not in the trace: its end is an instant on the woken thread
    assert.ok(chains.some((c) => c.join() === 'write woke 100,woken by 101'), JSON.stringify(chains));
  });

  it('bounds its interned state: cleared and re-sent when it grows, invariants kept', async () => {
    const t = await exported(5);
    assert.deepEqual(t.problems, []);
    const clears = t.packets.filter((p) => (p.sequence_flags ?? 0) & 1).length;
    assert.ok(clears > 3, `${clears} clears`);
    const read = t.events.find((e) => e.name === 'read' && e.args.ret === 64) as CheckedEvent;
    assert.equal(read.frames.length, 3);
  });

  it('writes the Chrome trace format', async () => {
    const out = join(dir, 'sample.json');
    await exportTrace(input, out, { format: 'chrome', symbolPath: [] });
    const text = readFileSync(out, 'utf8');
    assertGolden(join(GOLDEN, 'sample.chrome.json'), text.replace(/"source":"[^"]*"/, '"source":"sample.iolens"'));
    const doc = JSON.parse(text) as { traceEvents: Record<string, unknown>[]; stackFrames: Record<string, { name: string; parent?: number }> };
    const x = doc.traceEvents.filter((e) => e.ph === 'X');
    assert.ok(x.every((e) => typeof e.ts === 'number' && typeof e.dur === 'number'));
    const read = x.find((e) => e.name === 'read' && (e.args as { ret: number }).ret === 64) as Record<string, unknown>;
    assert.equal(read.ts, 40000);
    assert.equal(read.dur, 20200);
    let frame = doc.stackFrames[String(read.sf)];
    assert.equal(frame.name, 'read (sysdeps/unix/sysv/linux/read.c:26)');
    frame = doc.stackFrames[String(frame.parent)];
    assert.equal(frame.name, 'on_request (/work/app/src/server.c:88)');
    const names = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => (e.args as { name: string }).name);
    assert.ok(names.includes('worker-1'));
    const finding = doc.traceEvents.find((e) => e.cat === 'finding') as Record<string, unknown>;
    assert.equal(finding.name, 'finding: lost-events', 'the sample lost records: the diagnosis says so');
    assert.equal((finding.args as { severity: string }).severity, 'high');
    const starts = doc.traceEvents.filter((e) => e.ph === 's').map((e) => e.id);
    const finishes = doc.traceEvents.filter((e) => e.ph === 'f').map((e) => e.id);
    assert.ok(starts.length >= 5);
    for (const id of starts) assert.ok(finishes.includes(id), `flow ${String(id)} has its end`);
    for (const id of finishes) assert.ok(starts.includes(id), `flow ${String(id)} has its start`);
  });
});
