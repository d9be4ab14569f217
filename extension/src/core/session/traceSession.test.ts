import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnosisTrace } from '../testing/diagnosisTrace';
import { TraceSession } from './traceSession';

describe('TraceSession diagnosis', () => {
  it('gives the findings with the store\'s event ids, and the chain of a selected event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-session-test-'));
    try {
      const file = join(dir, 'd.iolens');
      writeFileSync(file, diagnosisTrace());
      const s = await TraceSession.open(file);
      const findings = s.findings();
      const read = findings.find((f) => f.rule === 'loop-blocked' && f.where?.line === 88);
      assert.ok(read, JSON.stringify(findings.map((f) => f.rule)));
      assert.equal(read.events.length, 3);
      for (const id of read.events) {
        const e = s.store.get(id);
        assert.equal(e?.name, 'read', 'the ids are the store\'s');
        assert.deepEqual(s.chainOf(id).map((h) => [h.cause, h.call]), [['thread', 'read'], ['timeout', 'clock_nanosleep']]);
        // the details carry the chain as the timeline draws it: the read itself, woken from the
        // writer's track at the read's end; then the writer's sleep, which its own timeout ended
        const d = s.details(id);
        assert.ok(d);
        assert.equal(d.chain.length, 2);
        const [own, waker] = d.chain;
        assert.deepEqual([own.event, own.track, own.start, own.end], [id, e?.track, e?.start, e?.end]);
        const writer = s.store.get(waker.event);
        assert.equal(writer?.name, 'clock_nanosleep');
        assert.equal(own.fromTrack, writer?.track, 'the arrow starts on the waker\'s track');
        assert.ok(own.fromTime !== null && Math.abs(own.fromTime - (e?.end ?? 0)) < 1e6, `the wake-up at the read's end (${own.fromTime} vs ${e?.end})`);
        assert.match(own.text, /^read fd \d+ .*: woken by /);
        assert.match(waker.text, /^← .* clock_nanosleep .*timeout/);
        assert.equal(waker.fromTrack, null, 'a timeout has no waker');
      }
      const quiet = s.details(s.store.size - 1);
      assert.deepEqual(quiet?.chain.length ?? 0, s.chainOf(s.store.size - 1).length, 'no chain where the analysis kept none');
      assert.deepEqual(s.findings().map((f) => f.rule), findings.map((f) => f.rule), 'asking again changes nothing');
      // each thread's track says how it waits for I/O, with the evidence
      const tracks = s.summary().tracks;
      const loop = tracks.find((t) => t.kind === 'thread' && t.model === 'multiplexing');
      assert.ok(loop, JSON.stringify(tracks.map((t) => [t.label, t.model])));
      assert.ok((loop.modelEvidence ?? '').length > 10, loop.modelEvidence);
      const verdicts = new Map(s.analysis().threads.map((t) => [t.tid, t.model]));
      for (const t of tracks) if (t.kind === 'thread') assert.equal(t.model, verdicts.get(t.tid) === 'none' ? undefined : verdicts.get(t.tid), t.label);
      assert.equal(tracks.filter((t) => t.kind !== 'thread').some((t) => t.model), false, 'only threads have a model');
      await s.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
