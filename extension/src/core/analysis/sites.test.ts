import { strict as assert } from 'node:assert';
import { LatencyHistogram, RunningTotal } from './histogram';
import { SiteCache, SiteTable } from './sites';

/** A fixed sequence of pseudo-random numbers in [0, 1) (xorshift), the same every run. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Call {
  pid: number;
  tid: number;
  call: string;
  stackId: bigint;
  dur: number;
  calls: number;
  failed: boolean;
}

/**
 * Calls of 2 processes, 12 threads, 3 names and 4 stacks (0n: none), some coalesced runs of
 * fractional ns; the first `alone` all thread 0's read at stack 1 (its site and its row one cell
 * long, past the exact values, until the others join).
 */
function calls(n: number, alone = 0): Call[] {
  const r = random(7);
  const out: Call[] = [];
  for (let i = 0; i < n; i++) {
    const coalesced = r() < 0.2;
    const calls = coalesced ? 1 + Math.floor(r() * 40) : 1;
    const first = i < alone;
    out.push({
      pid: first ? 100 : 100 + Math.floor(r() * 2),
      tid: first ? 0 : Math.floor(r() * 12),
      call: first ? 'read' : ['epoll_wait', 'read', 'pread64'][Math.floor(r() * 3)],
      stackId: first ? 1n : BigInt(Math.floor(r() * 4)),
      // a run's calls each get their share of the time inside them: a fraction
      dur: coalesced ? Math.floor(r() * 1e6) / calls : Math.floor(r() * 1e6 * (r() < 0.01 ? 1000 : 1)),
      calls,
      failed: r() < 0.1,
    });
  }
  return out;
}

describe('call sites', () => {
  it('keep a total equal to the histogram\'s to the last bit, one value at a time and past the exact values', () => {
    const r = random(3);
    const h = new LatencyHistogram();
    const t = new RunningTotal();
    for (let i = 0; i < 3000; i++) {
      const v = r() < 0.05 ? -1 : (r() * 1e7) / 7;
      const n = r() < 0.3 ? 1 + Math.floor(r() * 200) : 1;
      h.addMany(v, n);
      t.add(v, n);
      assert.equal(t.count, h.count, `count after ${i + 1} adds`);
      assert.equal(t.total, h.total, `total after ${i + 1} adds (count ${h.count})`);
    }
  });

  for (const [n, alone] of [[500, 0], [20_000, 0], [8_000, 3_000]]) {
    it(`give each site and each thread's call name the figures of one histogram fed its calls in order (${n} calls, the first ${alone} of one thread at one stack)`, () => {
      const table = new SiteTable();
      const caches = new Map<string, SiteCache>();
      const sites = new Map<string, { h: LatencyHistogram; tids: number[]; errors: number; longest: number; longestDur: number }>();
      const rows = new Map<string, { h: LatencyHistogram; errors: number; first: number }>();
      calls(n, alone).forEach((c, id) => {
        const ck = `${c.pid}:${c.tid}`;
        const cache = caches.get(ck) ?? new SiteCache();
        caches.set(ck, cache);
        table.add(c.pid, c.tid, c.call, c.stackId, c.dur, c.failed, id, 'blocking', cache, c.calls);
        const sk = `${c.pid}:${c.call}:${c.stackId}`;
        const s = sites.get(sk) ?? { h: new LatencyHistogram(), tids: [], errors: 0, longest: -1, longestDur: -1 };
        sites.set(sk, s);
        s.h.addMany(c.dur, c.calls);
        if (!s.tids.includes(c.tid) && s.tids.length < 8) s.tids.push(c.tid);
        if (c.failed) s.errors++;
        if (c.dur >= s.longestDur) {
          s.longestDur = c.dur;
          s.longest = id;
        }
        const rk = `${c.pid}:${c.tid}:${c.call}`;
        const row = rows.get(rk) ?? { h: new LatencyHistogram(), errors: 0, first: id };
        rows.set(rk, row);
        row.h.addMany(c.dur, c.calls);
        if (c.failed) row.errors++;
      });
      const got = table.all();
      assert.equal(got.length, sites.size);
      for (const g of got) {
        const want = sites.get(`${g.pid}:${g.call}:${g.stackId}`);
        assert.ok(want, `a site ${g.pid} ${g.call} ${g.stackId} no call made`);
        const [p50, p99] = want.h.percentiles([50, 99]);
        assert.deepEqual(
          { count: g.count, total: g.total, p50: g.p50, p99: g.p99, max: g.max, tids: g.tids, errors: g.errors, longest: g.longest, bins: g.bins },
          { count: want.h.count, total: want.h.total, p50, p99, max: want.h.max, tids: want.tids, errors: want.errors, longest: want.longest, bins: want.h.log2Bins() },
          `site ${g.pid} ${g.call} ${g.stackId}`,
        );
      }
      const threadCalls = table.threadCalls();
      assert.deepEqual(threadCalls.map((t) => `${t.pid}:${t.tid}:${t.name}`), [...rows.keys()], 'rows in the order each came first');
      for (const t of threadCalls) {
        const want = rows.get(`${t.pid}:${t.tid}:${t.name}`) as { h: LatencyHistogram; errors: number; first: number };
        const [p50, p99] = want.h.percentiles([50, 99]);
        assert.deepEqual(
          { count: t.count, total: t.total, p50: t.p50, p99: t.p99, max: t.max, errors: t.errors, first: t.first },
          { count: want.h.count, total: want.h.total, p50, p99, max: want.h.max, errors: want.errors, first: want.first },
          `row ${t.pid} ${t.tid} ${t.name}`,
        );
      }
    });
  }
});
