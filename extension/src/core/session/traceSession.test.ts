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
      }
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
