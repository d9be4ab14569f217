import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ns, type EventDetails, type TrackInfo } from '../../../../protocol/messages';
import { Rng } from '../../../../test/fuzz/rng';
import { isUserError } from '../errors';
import { diagnosisTrace } from '../testing/diagnosisTrace';
import { denseStream, randomStream, writeWithOverview } from '../testing/traceFiles';
import { IN_MEMORY_BYTES_PER_EVENT, pagedReason } from './pagedTrace';
import { TraceSession } from './traceSession';

/** A track as both opens list it: the in-memory one adds each thread's I/O model (the analysis, not paged). */
function trackOf(t: TrackInfo): TrackInfo {
  const { model, modelEvidence, ...rest } = t;
  void model;
  void modelEvidence;
  return rest;
}

/** Details as both opens give them: the in-memory one adds the wake-up chain (the analysis, not paged). */
function detailsOf(d: EventDetails | null): EventDetails | null {
  return d && { ...d, chain: [] };
}

/** `f` throws the paged trace's error: what is unavailable, why, and what to do. */
function assertUnavailable(f: () => unknown, what: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isUserError(e), String(e));
    assert.equal(e.code, 'paged');
    assert.match(e.message, what);
    assert.match(e.message, /is unavailable: this trace \([\d.]+ k events\) is opened paged \(over iolens\.memoryBudgetMiB\)/);
    assert.match(e.fix ?? '', /iolens report .*\.iolens.*raise iolens\.memoryBudgetMiB to \d+ or more/);
    return true;
  });
}

/** Both sessions give the same windows at every power of two, the same tracks, and the same details. */
function compare(paged: TraceSession, whole: TraceSession, r: Rng): void {
  const a = paged.summary();
  const b = whole.summary();
  assert.equal(a.events, b.events);
  assert.equal(a.duration, b.duration);
  assert.deepEqual(a.tracks.map(trackOf), b.tracks.map(trackOf));
  const store = whole.store;
  for (let res = 2; res <= store.duration * 2; res *= 2) {
    for (let k = 0; k < 4; k++) {
      const from = k === 0 ? 0 : Math.max(0, store.start.get(r.int(store.size)) - res * r.int(2400));
      const to = k === 0 ? store.duration : from + res * (1 + r.int(4800));
      assert.deepEqual(paged.window(ns(from), ns(to), ns(res)), whole.window(ns(from), ns(to), ns(res)), `[${from}, ${to}) at ${res}`);
    }
  }
  for (let k = 0; k < 120; k++) {
    const id = k < 2 ? [0, store.size - 1][k] : r.int(store.size);
    assert.deepEqual(detailsOf(paged.details(id)), detailsOf(whole.details(id)), `event ${id}`);
    assert.deepEqual(paged.event(id), whole.event(id), `event ${id}`);
  }
  assert.equal(paged.details(store.size), null);
}

describe('a trace file past the memory budget opens paged in the editor\'s session', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-paged-session-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('decides from the file\'s index before reading: past the budget paged, within it in memory', () => {
    assert.equal(pagedReason(undefined, 1), undefined, 'no index (format 1): in memory');
    assert.equal(pagedReason(10 ** 9, undefined), undefined, 'no budget: in memory');
    const fits = (1 << 20) / IN_MEMORY_BYTES_PER_EVENT;
    assert.equal(pagedReason(fits, 1), undefined);
    assert.deepEqual(pagedReason(fits + 1, 1), { events: fits + 1, budgetMiB: 1 });
  });

  it('answers the windows, tracks and details as the session of the whole file, and the rest with the clear error', async () => {
    const path = join(dir, 'random.iolens');
    await writeWithOverview(path, randomStream(new Rng(3), 30_000), false);
    // 30,000 events at 32 bytes: 0.9 MiB in memory, over half a MiB
    const paged = await TraceSession.open(path, 'random', { memoryBudgetMiB: 0.5 });
    const whole = await TraceSession.open(path, 'random', { memoryBudgetMiB: 1024 });
    try {
      assert.ok(paged.pagedBy, 'opened paged');
      assert.equal(paged.store.size, 0, 'the session\'s own store holds no event');
      assert.equal(whole.pagedBy, undefined, 'within the budget: in memory');
      assert.ok(whole.store.size > 20_000);
      compare(paged, whole, new Rng(8));
      assertUnavailable(() => paged.window(ns(0), ns(paged.duration), ns(1024), 'read'), /^filtering/);
      assertUnavailable(() => paged.filterSummary('fd:3'), /^filtering/);
      assertUnavailable(() => paged.find(5, 1, 'kind'), /^finding the next event of the same kind/);
      assertUnavailable(() => paged.find(5, -1, 'site'), /^finding the next event of the same call site/);
      assertUnavailable(() => paged.histogram(5, 'site'), /^the latency histogram/);
      assertUnavailable(() => paged.rate(), /^the event rate/);
      // no filter: the whole trace
      assert.deepEqual(paged.filterSummary(' '), { tracks: paged.summary().tracks.map((t) => t.id), events: whole.store.size });
      // the timeline's notice, and the views' message, say the same
      const problem = paged.summary().problem;
      assert.equal(problem?.fatal, false);
      assert.match(problem?.message ?? '', /^This trace \(30 k events\) is larger than the memory budget \(iolens\.memoryBudgetMiB: 0\.5 MiB\) and is opened paged: the timeline and event details work; the findings and call sites .* computed in the background .*; filters, search .* are unavailable\.$/);
      assert.match(problem?.fix ?? '', /^Run `iolens report .*random\.iolens` for its stalls/);
      assert.equal(paged.unavailableWhy, `${problem?.message} ${problem?.fix}`);
      assert.equal(whole.unavailableWhy, null);
      assert.equal(whole.summary().problem, null);
    } finally {
      await paged.dispose();
      await whole.dispose();
    }
  });

  it('pages a dense trace\'s fine windows and details, told its progress', async () => {
    const path = join(dir, 'dense.iolens');
    await writeWithOverview(path, denseStream(new Rng(21), 20_000), false, undefined, 500);
    const paged = TraceSession.load(path, 'dense', { memoryBudgetMiB: 0.25 });
    // the progress as the editor's status bar reads it, between the pass's blocks
    const fractions: number[] = [];
    let done = false;
    const look = (): void => {
      fractions.push(paged.summary().loading ?? 1);
      if (!done) setImmediate(look);
    };
    look();
    await paged.whenFinished();
    done = true;
    const whole = await TraceSession.open(path, 'dense');
    try {
      assert.ok(paged.pagedBy);
      assert.ok(fractions.some((f) => f > 0 && f < 1), `progress told: ${fractions.join(' ')}`);
      assert.equal(paged.summary().loading, null);
      compare(paged, whole, new Rng(4));
    } finally {
      await paged.dispose();
      await whole.dispose();
    }
  });

  it('gives a paged event\'s stack and call site as in memory', async () => {
    const path = join(dir, 'diagnosis.iolens');
    await writeWithOverview(path, [diagnosisTrace()], false);
    const whole = await TraceSession.open(path, 'd');
    const paged = await TraceSession.open(path, 'd', { memoryBudgetMiB: 1 / 1024 });
    try {
      assert.ok(paged.pagedBy);
      let withStacks = 0;
      for (let id = 0; id < whole.store.size; id++) {
        const d = paged.details(id);
        assert.deepEqual(detailsOf(d), detailsOf(whole.details(id)), `event ${id}`);
        if (d?.stack.length && d.callSite) withStacks++;
      }
      assert.ok(withStacks > 0, 'events with a stack and call site compared');
    } finally {
      await paged.dispose();
      await whole.dispose();
    }
  });

  it('computes a paged trace\'s findings in the background: those of the open in memory, its events by the same ids', async () => {
    const path = join(dir, 'diagnosis.iolens');
    await writeWithOverview(path, [diagnosisTrace()], false);
    const whole = await TraceSession.open(path, 'd');
    const paged = TraceSession.load(path, 'd', { memoryBudgetMiB: 1 / 1024 });
    try {
      // while the worker analyses it: the notice and the view say so
      await paged.whenFinished();
      assert.ok(paged.pagedBy);
      const running = paged.summary().problem?.message ?? '';
      assert.match(running, /opened paged: the timeline and event details work; the findings and call sites \(Problems, Findings, CodeLens\) are being computed in the background \(one pass over the file: \d+ % read\); filters, search .* and the Stalls view are unavailable\.$/);
      assert.notEqual(paged.analysing, null);
      assert.match(paged.findingsWhy ?? '', /^Computing the findings in the background: \d+ % of the file read/);
      assert.deepEqual(paged.findings(), [], 'none before the pass ends');
      await paged.whenAnalysed();
      assert.equal(paged.analysing, null);
      assert.equal(paged.analysisFailure, null);
      assert.equal(paged.findingsWhy, null);
      assert.match(paged.summary().problem?.message ?? '', /the findings and call sites \(Problems, Findings, CodeLens\) come from one pass over the file in the background; filters/);
      const expected = whole.findings();
      assert.ok(expected.length > 1, 'the trace has findings in memory');
      // the same findings, rules, titles, impact, lines and chains, their events by the ids the timeline shows
      assert.deepEqual(paged.findings(), expected);
      for (const f of expected) {
        for (const id of f.events.slice(0, 5)) assert.deepEqual(paged.event(id), whole.event(id), `${f.rule}: event ${id}`);
      }
      // the call sites (CodeLens) and I/O models (the tracks' labels) too
      assert.deepEqual(paged.analysis().sites, whole.analysis().sites);
      assert.deepEqual(paged.summary().tracks, whole.summary().tracks);
      assert.deepEqual(paged.stalls(0), [], 'the Stalls view stays unavailable');
      assert.match(paged.unavailableWhy ?? '', /the Stalls view are unavailable/);
    } finally {
      await paged.dispose();
      await whole.dispose();
    }
  });

  it('gives a random trace\'s findings as in memory', async () => {
    const path = join(dir, 'random.iolens');
    await writeWithOverview(path, randomStream(new Rng(5), 30_000), false);
    const whole = await TraceSession.open(path, 'random');
    const paged = await TraceSession.open(path, 'random', { memoryBudgetMiB: 0.5 });
    try {
      await paged.whenAnalysed();
      assert.equal(paged.analysisFailure, null);
      const expected = whole.findings();
      assert.ok(expected.length > 0, 'the random trace has findings');
      assert.deepEqual(paged.findings(), expected);
    } finally {
      await paged.dispose();
      await whole.dispose();
    }
  });

  it('says why when the background analysis fails, and keeps the trace open', async () => {
    const path = join(dir, 'gone.iolens');
    await writeWithOverview(path, [diagnosisTrace()], false);
    const paged = await TraceSession.open(path, 'gone', { memoryBudgetMiB: 1 / 1024 });
    try {
      // the file gone before its pass in the background reads it
      rmSync(path);
      await paged.whenAnalysed();
      assert.equal(paged.failure, null, 'the trace stays open');
      const failed = paged.analysisFailure;
      assert.ok(failed, 'the failure is said');
      assert.equal(failed.code, 'paged');
      assert.match(failed.message, /^the background analysis of this paged trace failed: .*(ENOENT|no such file)/);
      assert.match(paged.findingsWhy ?? '', /^The findings could not be computed: the background analysis/);
      assert.match(paged.summary().problem?.message ?? '', /the findings and call sites .* could not be computed: /);
      assert.ok(paged.details(0), 'the timeline still answers (its blocks read through the file it opened)');
    } finally {
      await paged.dispose();
    }
  });
});
