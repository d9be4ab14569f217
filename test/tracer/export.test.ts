/**
 * `iolens export` on real recordings of the fixtures: the Perfetto trace decodes with our schema
 * and keeps Perfetto's invariants, every frame of a marked call's stack carries its file and line,
 * the arrows the timeline draws (AIO submit → completion, SIGIO generated → delivered, wake-ups)
 * are flows, and the findings are instants at their line; the Chrome JSON pairs its flow events.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPerfetto, type PerfettoCheck } from '../../extension/src/core/testing/perfettoCheck';
import { BACKENDS, CLI, cleanup, fixture, markLine, recordLaunch, requireBackend, run, sourcePath, type Backend, type Recording } from './harness';

async function exported(rec: Recording, format: 'perfetto' | 'chrome'): Promise<string> {
  const out = join(rec.dir, format === 'perfetto' ? 'trace.pftrace' : 'trace.json');
  const r = await run(process.execPath, [CLI, 'export', rec.traceFile, '--format', format, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /events as \d+ slices/);
  return out;
}

function chains(t: PerfettoCheck): string[] {
  const byPacket = new Map(t.events.map((e) => [e.packet, e]));
  return [...t.flows.values()].map((l) => l.map((p) => byPacket.get(p)?.name ?? '?').join(' > '));
}

describe('export of real recordings', function () {
  this.timeout(90000);
  let rec: Recording | undefined;
  afterEach(() => cleanup(rec));

  for (const backend of BACKENDS) {
    it(`every frame of the marked stall read carries its file and line in Perfetto (${backend})`, async function () {
      requireBackend(this, backend as Backend);
      rec = await recordLaunch([fixture('epoll_stall'), '--iterations', '10'], [], 30000, backend);
      const t = checkPerfetto(readFileSync(await exported(rec, 'perfetto')));
      assert.deepEqual(t.problems, []);
      const stalls = t.events.filter((e) => e.name === 'read' && (e.end ?? 0) - e.ts >= 20e6);
      assert.equal(stalls.length, 2);
      for (const s of stalls) {
        assert.ok(s.frames.length >= 4, JSON.stringify(s.frames));
        // the stack reaches the program's entry (frames go outermost first); _start comes from
        // crt1.o, which carries no line information, every other frame has its file and line
        assert.equal(s.frames[0].function, '_start', JSON.stringify(s.frames));
        for (const f of s.frames.slice(1)) assert.ok(f.file && f.line, `frame ${JSON.stringify(f)} has its file and line`);
        // frames go outermost first: the innermost one in the fixture is the marked call
        const marked = [...s.frames].reverse().find((f) => f.file === sourcePath('epoll_stall'));
        assert.deepEqual([marked?.function, marked?.line], ['stall', markLine('epoll_stall', 'stall-read')]);
      }
      const threads = [...t.tracks.values()].map((d) => d.thread?.thread_name).filter(Boolean);
      assert.ok(threads.includes('ticker') && threads.includes('stall-writer'), threads.join());
      // the diagnosis travels with the trace: the finding on the loop's thread, at its worst stall, with its line
      const finding = t.events.find((e) => e.name === 'finding: loop-blocked');
      assert.ok(finding, t.events.filter((e) => e.category === 'finding').map((e) => e.name).join());
      assert.equal(finding.track, stalls[0].track);
      assert.ok(stalls.some((s) => s.ts === finding.ts), 'at the start of one of the stalls');
      assert.equal(finding.args.line, markLine('epoll_stall', 'stall-read'));
      assert.equal(finding.args.file, sourcePath('epoll_stall'));
    });
  }

  it('turns the AIO, signal and wake-up arrows into flows (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    rec = await recordLaunch([fixture('aio_eventfd'), '--iterations', '10']);
    let t = checkPerfetto(readFileSync(await exported(rec, 'perfetto')));
    assert.deepEqual(t.problems, []);
    assert.equal(chains(t).filter((c) => c === 'io_submit > aio pread > io_getevents').length, 40, chains(t).join('\n'));
    cleanup(rec);
    rec = await recordLaunch([fixture('sigio_pipe'), '--iterations', '10']);
    t = checkPerfetto(readFileSync(await exported(rec, 'perfetto')));
    assert.deepEqual(t.problems, []);
    assert.equal(chains(t).filter((c) => c === 'SIGIO generated > SIGIO delivered').length, 10);
    // each write wakes the main thread out of sigsuspend: the flow ends on that wait
    assert.equal(chains(t).filter((c) => /^write woke \d+ > rt_sigsuspend$/.test(c)).length, 10, chains(t).join('\n'));
    const json = JSON.parse(readFileSync(await exported(rec, 'chrome'), 'utf8')) as { traceEvents: { ph: string; id?: number }[] };
    const starts = json.traceEvents.filter((e) => e.ph === 's').map((e) => e.id);
    const ends = json.traceEvents.filter((e) => e.ph === 'f').map((e) => e.id);
    assert.ok(starts.length >= 10);
    assert.deepEqual([...starts].sort(), [...ends].sort(), 'every flow started ends');
  });
});
