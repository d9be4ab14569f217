import * as assert from 'node:assert/strict';
import { Sys } from '../../../../protocol/generated/wire';
import type { SyscallEvent } from '../model/events';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';
import type { StackSource } from '../analysis/resolve';
import { stalls } from './analysis';
import { groupStalls, siteCalls, stackFigures, stallSitePlace, stallSiteSummary } from './stallSites';
import { TraceStore } from './traceStore';

function frame(f: Partial<StackFrame>): StackFrame {
  return { addr: 0x1000n, function: null, file: null, line: null, column: null, module: '/srv/app/server', inlined: false, problem: null, ...f };
}

const libcRead = frame({ function: 'read', module: '/usr/lib/x86_64-linux-gnu/libc.so.6' });
/** Stacks 1 and 2 reach read() from line 86 through different callers; 3 from line 120; 4 only libc; 5 a stripped function; 6 and 7 two calls of a binary without symbols. */
const STACKS = new Map<bigint, ResolvedStack>([
  [1n, { frames: [libcRead, frame({ function: 'handle', file: '/srv/app/src/server.c', line: 86 }), frame({ function: 'main', file: '/srv/app/src/server.c', line: 200 })], truncated: false }],
  [2n, { frames: [libcRead, frame({ function: 'handle', file: '/srv/app/src/server.c', line: 86 }), frame({ function: 'other', file: '/srv/app/src/server.c', line: 300 })], truncated: false }],
  [3n, { frames: [libcRead, frame({ function: 'load', file: '/srv/app/src/server.c', line: 120 })], truncated: false }],
  [4n, { frames: [libcRead], truncated: false }],
  [5n, { frames: [libcRead, frame({ function: 'worker' })], truncated: false }],
  [6n, { frames: [libcRead, frame({ imageAddr: 0x1a2b0 })], truncated: false }],
  [7n, { frames: [libcRead, frame({ imageAddr: 0x1a400 })], truncated: false }],
]);
const stacks: StackSource = { resolve: (id) => STACKS.get(id) };

let clock = 0;
function read(store: TraceStore, dur: number, stackId: bigint, name: 'read' | 'write' = 'read'): void {
  const e: SyscallEvent = {
    kind: 'syscall', name, sys: name === 'write' ? Sys.write : Sys.read, model: 'blocking', pid: 1, tid: 1, ts: clock, dur, ret: 0, error: null, unfinished: false, cpu: 0, stackId, args: { fd: 3 },
  };
  store.add(e);
  clock += dur + 1000;
}

describe('groupStalls', () => {
  it('groups the stalls by call and line, with count, total and longest, ranked by total', () => {
    const store = new TraceStore(() => 't');
    read(store, 20e6, 1n);
    read(store, 21e6, 2n);
    read(store, 19e6, 1n);
    read(store, 30e6, 3n);
    read(store, 25e6, 0n);
    read(store, 12e6, 4n);
    read(store, 15e6, 1n, 'write');
    read(store, 1e6, 1n); // under the threshold
    const groups = groupStalls(store, stalls(store, 10e6), stacks);
    const by = groups.map((g) => ({ call: g.call, line: g.where?.line ?? null, count: g.ids.length, total: g.total, longest: g.longest }));
    assert.deepEqual(by, [
      { call: 'read', line: 86, count: 3, total: 60e6, longest: 21e6 },
      { call: 'read', line: null, count: 2, total: 37e6, longest: 25e6 },
      { call: 'read', line: 120, count: 1, total: 30e6, longest: 30e6 },
      { call: 'write', line: 86, count: 1, total: 15e6, longest: 15e6 },
    ]);
    const durs = (ids: readonly number[]): number[] => ids.map((id) => (store.get(id)?.end ?? 0) - (store.get(id)?.start ?? 0));
    assert.deepEqual(durs(groups[0].ids), [21e6, 20e6, 19e6], 'the calls of a site, longest first');
    assert.deepEqual(durs(groups[1].ids), [25e6, 12e6], 'no stack and only libc frames: one "no source" group');
    assert.equal(groups[1].where, null);
    assert.equal(new Set(groups.map((g) => g.key)).size, groups.length, 'a key per group');
    assert.deepEqual(groupStalls(store, [], stacks), []);
  });

  it('names the place of a site, relative inside the workspace, and says when it has no source', () => {
    const store = new TraceStore(() => 't');
    read(store, 20e6, 1n);
    read(store, 20e6, 5n);
    read(store, 20e6, 4n);
    const [line, stripped, none] = groupStalls(store, stalls(store, 10e6), stacks).sort((a, b) => a.ids[0] - b.ids[0]);
    assert.equal(stallSitePlace(line.where, '/srv/app'), 'src/server.c:86');
    assert.equal(stallSitePlace(line.where, '/elsewhere'), 'server.c:86');
    assert.equal(stallSitePlace(stripped.where, '/srv/app'), 'worker · no source');
    assert.equal(stallSitePlace(none.where, '/srv/app'), 'no source');
  });

  it("tells apart the calls of a binary without symbols by their address in its image, and names them so", () => {
    const store = new TraceStore(() => 't');
    read(store, 20e6, 6n);
    read(store, 30e6, 7n);
    read(store, 25e6, 6n);
    const groups = groupStalls(store, stalls(store, 10e6), stacks);
    assert.deepEqual(groups.map((g) => [stallSitePlace(g.where, '/srv/app'), g.ids.length]), [['server+0x1a2b0 · no source', 2], ['server+0x1a400 · no source', 1]]);
  });

  it('summarizes a site: count, total and longest; a single call by its length', () => {
    const store = new TraceStore(() => 't');
    for (const d of [20.2e6, 20.2e6, 20.2e6, 20.2e6]) read(store, d, 1n);
    read(store, 30e6, 3n);
    const [four, one] = groupStalls(store, stalls(store, 10e6), stacks);
    assert.equal(stallSiteSummary(four), '80.8 ms in 4 calls · longest 20.2 ms');
    assert.equal(stallSiteSummary(one), '30.0 ms in 1 call');
  });

  it("counts all of a site's calls, the short ones and those the tracer only counted, not only its stalls", () => {
    const store = new TraceStore(() => 't');
    read(store, 20e6, 1n);
    read(store, 1e6, 1n); // under the threshold
    read(store, 2e6, 2n); // the same line from another caller, under the threshold
    read(store, 30e6, 3n);
    // the analysis' statistics of the calls sent, and of 100 calls counted at line 86 (0.2 ms each, 0.5 ms at most)
    const result = {
      sites: [
        { call: 'read', stackId: 1n, count: 2, total: 21e6, max: 20e6 },
        { call: 'read', stackId: 2n, count: 1, total: 2e6, max: 2e6 },
        { call: 'read', stackId: 3n, count: 1, total: 30e6, max: 30e6 },
        { call: 'write', stackId: 1n, count: 7, total: 7e6, max: 1e6 },
      ].map((x) => ({ ...x, pid: 1, tids: [1], errors: 0, p50: 0, p99: 0, longest: -1, bins: { bounds: [], counts: [] }, neverSlept: 0, neverSleptNs: 0 })),
      filtered: [{ pid: 1, tid: 1, call: 'read', fdType: 'file', nonblocking: false, stackId: 2n, count: 100, totalNs: 20e6, maxNs: 0.5e6, errors: 0, errnos: {} }],
    };
    const groups = groupStalls(store, stalls(store, 10e6), stacks, stackFigures(result));
    const by = groups.map((g) => ({ line: g.where?.line, stalls: g.ids.length, count: g.count, counted: g.counted, total: g.total, longest: g.longest }));
    assert.deepEqual(by, [
      { line: 86, stalls: 1, count: 103, counted: 100, total: 43e6, longest: 20e6 },
      { line: 120, stalls: 1, count: 1, counted: 0, total: 30e6, longest: 30e6 },
    ]);
    assert.equal(stallSiteSummary(groups[0]), '43.0 ms in 103 calls · longest 20.0 ms');
  });

  it("lists every call of a site in the store, short ones and other callers' included, in time order", () => {
    const store = new TraceStore(() => 't');
    read(store, 20e6, 1n);
    read(store, 1e6, 2n);
    read(store, 30e6, 3n);
    read(store, 1e6, 1n, 'write');
    read(store, 2e6, 1n);
    const [site] = groupStalls(store, stalls(store, 10e6), stacks).filter((g) => g.where?.line === 86);
    assert.deepEqual(siteCalls(store, site, stacks), [0, 1, 4]);
    assert.deepEqual(siteCalls(store, site, stacks, 2), [0, 1], 'at most the limit');
  });
});
