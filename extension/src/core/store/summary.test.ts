import * as assert from 'node:assert/strict';
import { ns, type WindowData } from '../../../../protocol/messages';
import { lowerBound } from '../../../../shared/search';
import { Rng } from '../../../../test/fuzz/rng';
import type { AioEvent, SyscallEvent, WakeEvent } from '../model/events';
import { extendSummaries, summaryOf, summaryTrimSteps } from './summary';
import { Flag, TraceStore } from './traceStore';
import { queryWindow } from './window';

function syscall(tid: number, ts: number, dur: number, unfinished = false): SyscallEvent {
  return {
    kind: 'syscall', name: 'read', sys: 0, model: 'blocking', pid: 1, tid, ts, dur, ret: 0, error: null, unfinished, cpu: 0,
    stackId: 0n, args: { fd: 3 },
  };
}

function wake(tid: number, ts: number): WakeEvent {
  return { kind: 'wake', name: 'wake', pid: 1, tid, ts, stackId: 0n, args: {}, wakeePid: 1, wakeeTid: tid === 1 ? 2 : 1, wakeeSince: null };
}

function aio(ts: number, dur: number): AioEvent {
  return {
    kind: 'aio', name: 'pread', pid: 1, tid: 1, ts, stackId: 0n, args: {}, submitTs: ts, completeTs: ts + dur, ends: 'reaped', reapTs: ts + dur, fromRing: false,
    beforeRecording: false, dur, res: 4096, data: 0n, fd: 5, completeTid: 1, ctx: 1n, index: 0,
  };
}

/**
 * A random trace: two threads of calls of every length from 1 ns to most of the trace (some
 * reported again while unfinished, some arriving out of order), wake-ups, and overlapping AIO
 * requests in lanes; the times clustered so that some buckets are crowded and others empty.
 */
function randomStore(r: Rng, events: number, store = new TraceStore(() => 't'), appendOnly = false, each?: (i: number) => void): TraceStore {
  const clock = [0, 0];
  for (let i = 0; i < events; i++) {
    const t = r.int(2);
    const gap = r.next() < 0.9 ? r.int(50) : r.int(200_000);
    const ts = (clock[t] += gap);
    const what = r.int(20);
    const dur = r.next() < 0.95 ? 1 + r.int(100) : 1 + r.int(500_000);
    if (what < 2) store.add(wake(t + 1, ts));
    else if (what < 5) store.add(aio(ts, 1 + r.int(3000)));
    else if (appendOnly) store.add(syscall(t + 1, ts, dur));
    else if (what < 6) {
      store.add(syscall(t + 1, ts, dur, true));
      store.add(syscall(t + 1, ts, dur * 2));
    } else if (what < 7 && ts > 1000) store.add(syscall(t + 1, ts - 1000 + r.int(900), r.int(10)));
    else store.add(syscall(t + 1, ts, dur));
    clock[t] += r.next() < 0.5 ? dur : 0;
    each?.(i);
  }
  return store;
}

/** Every span of the store that is at least `res` long and overlaps [from, to), by track and lane. */
function wideSpans(store: TraceStore, from: number, to: number, res: number): { track: number; lane: number; s: number; e: number }[] {
  const out = [];
  for (let id = 0; id < store.size; id++) {
    if (store.traits.flags(id) & Flag.instant) continue;
    const s = store.start.get(id);
    const e = store.end.get(id);
    if (e - s >= res && e >= from && s < to) out.push({ track: store.track.get(id), lane: store.lane.get(id), s, e });
  }
  return out;
}

/** For a track, lane and time t: the latest end of the reply's blocks of that lane that start at t or before. */
function coverage(w: WindowData): (track: number, lane: number, t: number) => number {
  const lanes = new Map<string, { starts: number[]; ends: number[] }>();
  for (const s of w.spans) {
    const blocks = Array.from(s.counts, (_, k) => k).sort((a, b) => s.times[2 * a] - s.times[2 * b]);
    for (const k of blocks) {
      const key = `${s.track}:${s.lanes[k]}`;
      const l = lanes.get(key) ?? { starts: [], ends: [] };
      lanes.set(key, l);
      l.starts.push(s.times[2 * k]);
      l.ends.push(Math.max(s.times[2 * k + 1], l.ends.at(-1) ?? Number.NEGATIVE_INFINITY));
    }
  }
  return (track, lane, t) => {
    const l = lanes.get(`${track}:${lane}`);
    if (!l) return Number.NEGATIVE_INFINITY;
    const n = lowerBound(l.starts.length, (i) => l.starts[i], t + 1);
    return n ? l.ends[n - 1] : Number.NEGATIVE_INFINITY;
  };
}

function totalCount(w: WindowData): number {
  return w.spans.reduce((n, s) => n + s.counts.reduce((a, b) => a + b, 0), 0);
}

describe('window queries from the per-track summaries', () => {
  it('answer exactly as walking the events does, on random traces, windows and resolutions', () => {
    let compared = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = new Rng(seed * 7919);
      const store = randomStore(r, 2000 + r.int(6000));
      for (let q = 0; q < 40; q++) {
        const res = 2 ** r.int(20);
        const from = r.int(store.duration);
        const to = from + 1 + r.int(store.duration - from + res);
        const walked = queryWindow(store, ns(from), ns(to), ns(res), null, 'events');
        const summarized = queryWindow(store, ns(from), ns(to), ns(res), null, 'summary');
        assert.deepEqual(summarized, walked, `seed ${seed}, window [${from}, ${to}) at ${res} ns`);
        compared++;
        // every span wider than a resolution unit lies inside one block of its lane
        const covering = coverage(walked);
        for (const x of wideSpans(store, Math.floor(from / res) * res, Math.ceil(to / res) * res, res)) {
          assert.ok(covering(x.track, x.lane, x.s) >= x.e, `seed ${seed}: the span [${x.s}, ${x.e}] on track ${x.track} lane ${x.lane} is not drawn whole at ${res} ns`);
        }
      }
      // the whole trace at every resolution: every event counted once
      const spans = Array.from({ length: store.size }, (_, id) => id).filter((id) => !(store.traits.flags(id) & Flag.instant)).length;
      for (let log = 0; log < 24; log += 3) {
        const w = queryWindow(store, ns(0), ns(store.duration + 1), ns(2 ** log), null, 'summary');
        assert.equal(totalCount(w), spans, `seed ${seed}: counts of the whole trace at ${2 ** log} ns`);
      }
    }
    assert.equal(compared, 12 * 40);
  });

  it('stay right as events are appended, changed in place and arrive out of order', () => {
    const r = new Rng(4242);
    const store = randomStore(r, 3000);
    const check = (what: string): void => {
      const res = ns(1024);
      const end = ns(store.duration + 1);
      assert.deepEqual(queryWindow(store, ns(0), end, res, null, 'summary'), queryWindow(store, ns(0), end, res, null, 'events'), what);
    };
    check('as built');
    for (let i = 0; i < 500; i++) store.add(syscall(1, store.duration + i * 10, 5));
    check('after appending');
    store.add(syscall(2, store.duration + 10, 100, true));
    check('with an unfinished call');
    store.add(syscall(2, store.duration - 90, 50_000));
    check('after the call finished, in place');
    store.add(syscall(1, 5, 3));
    check('after an event out of start order');
  });

  it('extended chunk by chunk as a file is read, answer as summaries built whole do, at every zoom', () => {
    for (let seed = 1; seed <= 6; seed++) {
      for (const appendOnly of [true, false]) {
        const events = 3000 + new Rng(seed).int(5000);
        // the same events into two stores: one summarized every few hundred events (a chunk), one only when asked
        const chunked = new TraceStore(() => 't');
        const chunk = 50 + new Rng(seed + 1).int(400);
        randomStore(new Rng(seed * 31), events, chunked, appendOnly, (i) => {
          if (i % chunk === 0) extendSummaries(chunked);
        });
        extendSummaries(chunked);
        for (const step of chunked.trimSteps()) step();
        const whole = randomStore(new Rng(seed * 31), events, new TraceStore(() => 't'), appendOnly);
        whole.trim();
        const what = `seed ${seed}${appendOnly ? ', appended only' : ''}`;
        for (const t of chunked.tracks.all()) {
          const ids = chunked.sortedIds(t.id);
          const s = summaryOf(chunked, t.id, ids);
          if (!s) continue;
          // no more buckets than one built whole may have
          const finest = s.lanes.reduce((n, l) => n + l[0].length, s.instants[0].length);
          assert.ok(finest <= Math.max(1, ids.length / 8) || s.instants.length === 1, `${what}: track ${t.id}'s finest level has ${finest} buckets for ${ids.length} events`);
          assert.ok(2 ** (s.base + 2 * (s.instants.length - 1)) > chunked.start.get(ids.get(ids.length - 1)), `${what}: track ${t.id}'s coarsest level is one bucket`);
        }
        const r = new Rng(seed);
        for (let log = 0; log <= Math.ceil(Math.log2(whole.duration + 1)); log++) {
          const res = ns(2 ** log);
          // windows of up to 4096 resolution units (a screen or three), the whole trace once it fits
          const width = 4096 * 2 ** log;
          const windows: [number, number][] = width > whole.duration ? [[0, whole.duration + 1]] : [];
          for (let q = 0; q < 4; q++) {
            const from = r.int(whole.duration);
            windows.push([from, from + 1 + r.int(Math.min(width, whole.duration - from + 2 ** log))]);
          }
          for (const [from, to] of windows) {
            const expected = queryWindow(whole, ns(from), ns(to), res, null, 'summary');
            assert.deepEqual(queryWindow(chunked, ns(from), ns(to), res, null, 'summary'), expected, `${what}: [${from}, ${to}) at ${res} ns`);
            assert.deepEqual(queryWindow(chunked, ns(from), ns(to), res, null, 'events'), expected, `${what}: walked, [${from}, ${to}) at ${res} ns`);
          }
        }
      }
    }
  });
});

describe('summaries of spans grown in place', () => {
  /** Calls on two threads, 2 % reported unfinished (those are returned), summarized every 500 events. */
  function withUnfinished(r: Rng, store: TraceStore): { tid: number; ts: number; dur: number }[] {
    const open: { tid: number; ts: number; dur: number }[] = [];
    const clock = [0, 0];
    for (let i = 0; i < 4000; i++) {
      const t = r.int(2);
      const ts = (clock[t] += 1 + (r.next() < 0.9 ? r.int(50) : r.int(100_000)));
      const dur = 1 + (r.next() < 0.95 ? r.int(100) : r.int(300_000));
      const unfinished = r.next() < 0.02;
      store.add(syscall(t + 1, ts, dur, unfinished));
      if (unfinished) open.push({ tid: t + 1, ts, dur });
      if (i % 500 === 0) extendSummaries(store);
    }
    extendSummaries(store);
    return open;
  }

  /** Windows of the whole trace and random ones at every power of two, from the summaries and walked: the same. */
  function sameAsWalked(store: TraceStore, r: Rng, what: string): void {
    for (let log = 0; log <= Math.ceil(Math.log2(store.duration + 1)); log++) {
      const res = ns(2 ** log);
      const windows: [number, number][] = [[0, store.duration + 1]];
      for (let q = 0; q < 3; q++) {
        const from = r.int(store.duration);
        windows.push([from, from + 1 + r.int(store.duration - from + 2 ** log)]);
      }
      for (const [from, to] of windows) {
        assert.deepEqual(queryWindow(store, ns(from), ns(to), res, null, 'summary'), queryWindow(store, ns(from), ns(to), res, null, 'events'), `${what}: [${from}, ${to}) at ${res} ns`);
      }
    }
  }

  it('patch a call finished after its summaries were made, at every level, without building them again', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = new Rng(seed * 101);
      const store = new TraceStore(() => 't');
      const open = withUnfinished(r, store);
      assert.ok(open.length > 20, `seed ${seed}: ${open.length} unfinished calls`);
      const before = store.tracks.all().map((t) => summaryOf(store, t.id, store.sortedIds(t.id)));
      // each finishes as long as it was reported (its look changes) or longer (some the longest of their buckets by far), summarized between
      open.forEach((c, i) => {
        const grows = r.next();
        store.add(syscall(c.tid, c.ts, grows < 0.3 ? c.dur : c.dur + 1 + (grows < 0.6 ? r.int(50) : r.int(1_000_000))));
        if (i % 5 === 0) extendSummaries(store);
      });
      store.tracks.all().forEach((t, i) => assert.equal(summaryOf(store, t.id, store.sortedIds(t.id)), before[i], `seed ${seed}: track ${t.id}'s summaries built again`));
      sameAsWalked(store, r, `seed ${seed}`);
    }
  });

  it('build them again when a call ends earlier than it was reported', () => {
    const r = new Rng(77);
    const store = new TraceStore(() => 't');
    const open = withUnfinished(r, store);
    const before = store.tracks.all().map((t) => summaryOf(store, t.id, store.sortedIds(t.id)));
    for (const c of open) store.add(syscall(c.tid, c.ts, Math.max(1, c.dur >> 1)));
    assert.ok(store.tracks.all().some((t, i) => summaryOf(store, t.id, store.sortedIds(t.id)) !== before[i]), 'summaries patched with a span that shrank');
    sameAsWalked(store, r, 'shrunk');
  });
});

describe('the summaries trimmed in steps', () => {
  it('gives a step for every track, one with no event too (a thread only seen at the attach: a Go server)', () => {
    const store = new TraceStore(() => 't');
    store.add(syscall(1, 10, 5));
    store.tracks.thread(1, 9, 'idle');
    store.add(syscall(2, 20, 5));
    extendSummaries(store);
    const steps = summaryTrimSteps(store);
    assert.ok(steps.every((step) => typeof step === 'function'), 'a step for each track');
    for (const step of [...steps]) step();
  });
});
