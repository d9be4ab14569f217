import * as assert from 'node:assert/strict';
import { ns, Style, UNFINISHED_BIT } from '../../../../protocol/messages';
import type { Args, SyscallEvent } from '../model/events';
import { Sys } from '../../../../protocol/generated/wire';
import { sampleTrace } from '../testing/sampleTrace';
import { TracePipeline } from '../trace/pipeline';
import { CallSites, histogram, longestStall, rate, stalls } from './analysis';
import { eventDetails, NEVER_SLEPT_FIELD } from './details';
import { Flag, TraceStore } from './traceStore';
import { queryWindow } from './window';

function sampleStore(): { store: TraceStore; pipeline: TracePipeline } {
  const box: { store?: TraceStore } = {};
  const pipeline = new TracePipeline((e) => box.store?.add(e), { symbolizer: null });
  const store = new TraceStore((pid, tid) => pipeline.trace.processes.threadName(pid, tid));
  box.store = store;
  pipeline.push(sampleTrace());
  pipeline.end();
  return { store, pipeline };
}

function syscall(tid: number, ts: number, dur: number, extra: Partial<SyscallEvent> = {}): SyscallEvent {
  return {
    kind: 'syscall', name: 'read', sys: 24, model: 'blocking', pid: 1, tid, ts, dur, ret: 0, error: null, unfinished: false, cpu: 0,
    stackId: 0n, args: { fd: 3, buf: '0x7ffe0000', count: 8 }, ...extra,
  };
}

describe('TraceStore', () => {
  it('lays out tracks: threads by process (main first), requests, interrupts last', () => {
    const { store } = sampleStore();
    const tracks = store.tracks.all();
    assert.deepEqual(tracks.map((t) => `${t.kind}:${t.label}`), ['thread:server 100', 'thread:worker-1 101', 'requests:requests in flight', 'irq:CPU 1']);
    assert.equal(tracks[0].group, 'server 100');
    const req = tracks.find((t) => t.kind === 'requests');
    assert.equal(req?.lanes, 2, 'two AIO requests in flight at once need two lanes');
  });

  it('stores the same arguments once and drops pointers', () => {
    const store = new TraceStore(() => 't');
    for (let i = 0; i < 1000; i++) store.add(syscall(1, i * 10, 5, { args: { fd: 3, buf: `0x${(0x7ffe0000 + i).toString(16)}`, count: 8 } }));
    assert.equal(store.size, 1000);
    assert.equal(store.argTable.size, 1);
    assert.deepEqual(store.get(5)?.args, { fd: 3, count: 8 });
  });

  it('compares a list unlike the thread\'s last with it once, not again in the store', () => {
    // the reads of `count` while adding a new list: as many as on a fresh thread (no comparison) plus one comparison's
    const countReads = (before: Args | null): number => {
      const store = new TraceStore(() => 't');
      if (before) store.add(syscall(1, 0, 5, { args: before }));
      let reads = 0;
      const args = new Proxy({ fd: 3, buf: '0x7ffe0000', count: 9 } as Args, {
        get: (t, k) => {
          if (k === 'count') reads++;
          return Reflect.get(t, k);
        },
      });
      store.add(syscall(1, 10, 5, { args }));
      assert.deepEqual(store.get(store.size - 1)?.args, { fd: 3, count: 9 });
      return reads;
    };
    // the same keys and fd, another count: the comparison reads `count` once and fails there
    assert.equal(countReads({ fd: 3, buf: '0x7ffe0000', count: 8 }) - countReads(null), 1);
  });

  it('updates a call reported while in progress instead of adding it twice', () => {
    const store = new TraceStore(() => 't');
    store.add(syscall(1, 100, 1000, { unfinished: true, name: 'epoll_wait', model: 'multiplexing', sys: 5 }));
    store.add(syscall(1, 100, 5000, { unfinished: true, name: 'epoll_wait', model: 'multiplexing', sys: 5 }));
    assert.equal(store.size, 1);
    assert.ok((store.get(0)?.flags ?? 0) & Flag.unfinished);
    assert.equal(store.get(0)?.style, Style.multiplexing | UNFINISHED_BIT, 'unfinished, in its model\'s colour');
    store.add(syscall(1, 100, 9000, { name: 'epoll_wait', model: 'multiplexing', sys: 5, ret: 1 }));
    assert.equal(store.size, 1);
    assert.equal(store.get(0)?.end, 9100);
    assert.equal(store.get(0)?.style, Style.multiplexing);
    assert.equal((store.get(0)?.flags ?? 0) & Flag.unfinished, 0);
  });

  it('keeps calls in progress apart by thread and start', () => {
    const store = new TraceStore(() => 't');
    const wait = { name: 'epoll_wait', model: 'multiplexing', sys: 5 } as const;
    store.add(syscall(1, 100, 1000, { ...wait, unfinished: true }));
    store.add(syscall(2, 100, 1000, { ...wait, unfinished: true }));
    store.add(syscall(1, 200, 10, { ...wait, unfinished: true }));
    store.add(syscall(3, 100, 50)); // finished, at a start another thread's call in progress has
    assert.equal(store.size, 4);
    store.add(syscall(2, 100, 7000, { ...wait, ret: 1 }));
    store.add(syscall(1, 200, 30, { ...wait, ret: 1 }));
    store.add(syscall(1, 100, 8000, { ...wait, ret: 1 }));
    assert.equal(store.size, 4, `every finish updated its call, seen ${store.size} events`);
    assert.deepEqual([0, 1, 2, 3].map((id) => store.get(id)?.end), [8100, 7100, 230, 150]);
    assert.deepEqual([0, 1, 2].map((id) => (store.get(id)?.flags ?? 0) & Flag.unfinished), [0, 0, 0]);
    store.add(syscall(1, 100, 9000, { ...wait, ret: 1 }));
    assert.equal(store.size, 5, 'a call finished before is not updated again: it is another');
  });

  it('gives interleaved threads\' argument lists the ids the table gives them', () => {
    const store = new TraceStore(() => 't');
    const x = { fd: 3, count: 8, ready: [{ fd: 4, path: 'pipe:[1]' }] };
    const y = { fd: 3, count: 8, ready: [{ fd: 4, path: 'pipe:[2]' }] };
    const add = (tid: number, args: Args): number => store.add(syscall(tid, store.size * 10, 5, { args: structuredClone(args) }));
    const ids = [add(1, x), add(2, y), add(1, x), add(2, y), add(1, y), add(2, x), add(1, { count: 8, fd: 3, ready: x.ready })];
    assert.deepEqual(ids.map((id) => store.args.get(id)), [0, 1, 0, 1, 1, 0, 2], 'the same list the same id, keys in another order another');
    assert.equal(store.argTable.size, 3);
    assert.deepEqual(store.get(ids[4])?.args, y);
  });

  it('gives an args object shared by a thread\'s calls (the decoder\'s repeats) the ids a copy of it gets', () => {
    const x: Args = { epfd: 3, events: '0x7ffe0000', ready: [{ fd: 4, path: 'pipe:[1]' }] };
    const y: Args = { epfd: 3, events: '0x7ffe0000', ready: [{ fd: 4, path: 'pipe:[2]' }] };
    const wait = { name: 'epoll_wait', model: 'multiplexing', sys: Sys.epoll_wait } as const;
    // thread 1 repeats x, then y, then x again; thread 2 interleaves y
    const order: [number, Args][] = [[1, x], [1, x], [2, y], [1, x], [1, y], [1, y], [2, y], [1, x], [2, x], [2, x]];
    const idsOf = (copy: boolean): number[] => {
      const store = new TraceStore(() => 't');
      const ids = order.map(([tid, args]) => store.add(syscall(tid, store.size * 10, 5, { ...wait, args: copy ? structuredClone(args) : args })));
      return ids.map((id) => store.args.get(id));
    };
    assert.deepEqual(idsOf(false), idsOf(true));
    assert.deepEqual(idsOf(false), [0, 0, 1, 0, 1, 1, 1, 0, 0, 0]);
  });

  it('gives each event its own name and stack when threads interleave and change them', () => {
    const store = new TraceStore(() => 't');
    const calls: [number, 'read' | 'write', bigint][] = [[1, 'read', 0x10n], [1, 'read', 0x10n], [2, 'write', 0x20n], [1, 'write', 0x10n], [1, 'write', 0x30n], [2, 'write', 0x20n], [1, 'read', 0n], [2, 'read', 0x10n], [1, 'read', 0x30n]];
    for (const [tid, name, stackId] of calls) store.add(syscall(tid, store.size * 10, 5, { name, stackId }));
    assert.deepEqual(calls.map((_c, id) => [store.get(id)?.tid, store.get(id)?.name, store.get(id)?.stackId]), calls);
    assert.deepEqual(store.stackIds, [0n, 0x10n, 0x20n, 0x30n]);
    assert.equal(store.names.size, 2);
  });

  it('keeps arrows for requests, signals and wake-ups, and gaps for losses', () => {
    const { store } = sampleStore();
    const styles = store.arrows.map((a) => a.style).sort();
    assert.deepEqual(styles, [Style.aio, Style.aio, Style.uring, Style.signal, Style.wakeup].sort());
    // the first loss record: the 200 ms before it (clamped at the start)
    assert.deepEqual(store.gaps, [{ start: 0, end: 97e6, count: 12 }]);
  });
});

describe('queryWindow', () => {
  it('returns the spans of a window, exactly, when the resolution is fine', () => {
    const store = new TraceStore(() => 't');
    for (let i = 0; i < 100; i++) store.add(syscall(1, i * 100, 50));
    const w = queryWindow(store, ns(1000), ns(2000), ns(1));
    assert.equal(w.spans.length, 1);
    const s = w.spans[0];
    assert.equal(s.counts.length, 10);
    assert.deepEqual(Array.from(s.times.slice(0, 4)), [1000, 1050, 1100, 1150]);
    assert.ok(s.counts.every((c) => c === 1));
  });

  it('merges spans narrower than the resolution, keeping the count and the longest event', () => {
    const store = new TraceStore(() => 't');
    for (let i = 0; i < 1000; i++) store.add(syscall(1, i * 100, i === 500 ? 90 : 50));
    const w = queryWindow(store, ns(0), ns(100000), ns(1000));
    const s = w.spans[0];
    const total = s.counts.reduce((a, b) => a + b, 0);
    assert.equal(total, 1000, 'every event is in exactly one block');
    assert.ok(s.counts.length <= 100 + 1, `about one block per resolution unit (${s.counts.length})`);
    const block = Array.from(s.ids).findIndex((id) => id === 500);
    assert.ok(block >= 0, 'the longest event names its block');
  });

  it('includes a long span that starts before the window', () => {
    const store = new TraceStore(() => 't');
    store.add(syscall(1, 0, 1e9));
    for (let i = 0; i < 10; i++) store.add(syscall(2, 5e8 + i, 1));
    const w = queryWindow(store, ns(6e8), ns(7e8), ns(1000));
    assert.equal(w.spans.find((s) => store.tracks.info(s.track)?.tid === 1)?.counts.length, 1);
  });

  it('returns events that arrived out of start order in start order', () => {
    const store = new TraceStore(() => 't');
    store.add(syscall(1, 500, 10));
    store.add(syscall(1, 100, 10));
    store.add(syscall(1, 300, 10));
    const w = queryWindow(store, ns(0), ns(1000), ns(1));
    assert.deepEqual(Array.from(w.spans[0].times).filter((_, i) => i % 2 === 0), [100, 300, 500]);
  });
});

describe('sorted track ids', () => {
  it('merges the events added since the last call into those sorted before, as a stable sort of the whole track would order them', () => {
    for (let seed = 1; seed <= 20; seed++) {
      let x = seed;
      const rand = (n: number): number => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return (x >>> 8) % n;
      };
      const store = new TraceStore(() => 't');
      const starts: number[] = [];
      let t = 1000;
      for (let i = 0; i < 3000; i++) {
        // mostly in order; now and then one that began earlier (a call a wake-up inside it preceded), ties too
        t += rand(4) === 0 ? 0 : 1 + rand(50);
        const start = rand(6) === 0 ? Math.max(0, t - rand(400)) : t;
        store.add(syscall(1, start, 1));
        starts.push(start);
        if (rand(40) === 0) {
          const ids = store.sortedIds(0);
          const got = Array.from({ length: ids.length }, (_, k) => ids.get(k));
          const want = got.map((_, k) => k).sort((a, b) => starts[a] - starts[b]);
          assert.deepEqual(got, want, `seed ${seed}, after ${i + 1} events`);
        }
      }
      const ids = store.sortedIds(0);
      const got = Array.from({ length: ids.length }, (_, k) => ids.get(k));
      assert.deepEqual(got, got.map((_, k) => k).sort((a, b) => starts[a] - starts[b]), `seed ${seed}, at the end`);
    }
  });
});

describe('analysis', () => {
  it('lists the stalls longest first, waits and blocking calls only', () => {
    const { store } = sampleStore();
    const ids = stalls(store, 5e6);
    const names = ids.map((id) => store.get(id)?.name);
    assert.deepEqual(names, ['epoll_wait', 'read', 'epoll_wait', 'epoll_wait', 'epoll_wait', 'epoll_wait']);
    const d = ids.map((id) => (store.get(id)?.end ?? 0) - (store.get(id)?.start ?? 0));
    assert.deepEqual(d, [...d].sort((a, b) => b - a));
  });

  it('leaves sleeps out of the stalls: a thread that sleeps chose to', () => {
    const store = new TraceStore(() => '');
    store.add(syscall(1, 0, 50e6, { name: 'clock_nanosleep', sys: Sys.clock_nanosleep, args: {} }));
    store.add(syscall(1, 60e6, 10e6));
    assert.deepEqual(stalls(store, 1e6).map((id) => store.get(id)?.name), ['read']);
    assert.equal(store.get(longestStall(store) ?? -1)?.name, 'read');
  });

  it('makes latency histograms by call kind and by call site', () => {
    const { store, pipeline } = sampleStore();
    const sites = new CallSites(store, pipeline.resolver);
    const wait = stalls(store, 0).find((id) => store.get(id)?.name === 'epoll_wait' && !((store.get(id)?.flags ?? 0) & Flag.unfinished));
    assert.ok(wait !== undefined);
    const h = histogram(store, sites, wait, 'kind');
    assert.equal(h.total, 5);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 5);
    const site = histogram(store, sites, wait, 'site');
    assert.match(site.title, /epoll_wait at .*server\.c:142/);
    assert.equal(rate(store).counts.length > 0, true);
  });

  it('says in the details what a request\'s duration measures', () => {
    const { store, pipeline } = sampleStore();
    const sites = new CallSites(store, pipeline.resolver);
    const labels = (kind: string): string[] => {
      const ids = Array.from({ length: store.size }, (_, i) => i).filter((i) => store.get(i)?.kind === kind);
      assert.ok(ids.length, `a ${kind} request in the sample`);
      return eventDetails(store, pipeline.resolver, sites, ids[0], 't')?.fields.map((f) => f.label) ?? [];
    };
    assert.ok(labels('aio').includes('Duration (submit → reaped by io_getevents)'));
    assert.ok(labels('uring').includes('Duration (submit → CQE posted)'));
    assert.ok(!labels('uring').includes('ends'), 'said in the label, not as an argument');
  });

  it('describes an event for the details pane', () => {
    const { store, pipeline } = sampleStore();
    const read = stalls(store, 0).find((id) => store.get(id)?.name === 'read');
    assert.ok(read !== undefined);
    const d = eventDetails(store, pipeline.resolver, new CallSites(store, pipeline.resolver), read, 'server');
    assert.ok(d);
    assert.match(d.title, /^read — 20\.2 ms$/);
    assert.deepEqual(d.fields.find((f) => f.label === 'File descriptor'), { label: 'File descriptor', value: '4 → pipe:[1001]' });
    assert.equal(d.fields.some((f) => f.label === 'fd'), false, 'the fd once, with its path');
    assert.deepEqual(d.stack.map((f) => f.function), ['read', 'on_request', 'run_loop']);
    // a source line to open, though not at its path here: the editor looks for it in the workspace
    assert.equal(d.stack[1].openable, true);
    assert.match(String(d.stack[1].problem), /not on this machine/);
    assert.equal(d.stack[0].openable, !!(d.stack[0].file && d.stack[0].line));
  });

  it('says in words that a call never slept (the eBPF tracer\'s never_slept), not as a raw argument', () => {
    const { pipeline } = sampleStore();
    const store = new TraceStore(() => 'dd');
    store.add(syscall(1, 0, 263e6, { args: { fd: 0, buf: '0x7f0000000000', count: 32 << 20, never_slept: true } }));
    store.add(syscall(1, 300e6, 59e6));
    const sites = new CallSites(store, pipeline.resolver);
    const fields = (id: number): readonly { label: string; value: string }[] => eventDetails(store, pipeline.resolver, sites, id, 'dd')?.fields ?? [];
    assert.deepEqual(fields(0).find((f) => f.label === NEVER_SLEPT_FIELD.label), NEVER_SLEPT_FIELD);
    assert.equal(fields(0).some((f) => f.label === 'never_slept'), false);
    assert.equal(fields(1).some((f) => f.label === NEVER_SLEPT_FIELD.label), false, 'a call that slept says nothing of it');
  });

  it('says who an interrupt and a request belong to, and which fds were ready, without empty parts', () => {
    const { store, pipeline } = sampleStore();
    const sites = new CallSites(store, pipeline.resolver);
    const names = (pid: number, tid: number): string => pipeline.trace.processes.threadName(pid, tid);
    const find = (kind: string): number => {
      for (let id = 0; id < store.size; id++) if (store.get(id)?.kind === kind) return id;
      return -1;
    };
    const irq = eventDetails(store, pipeline.resolver, sites, find('irq'), names);
    assert.ok(irq);
    assert.equal(irq.fields.find((f) => f.label === 'CPU')?.value, '1');
    assert.equal(irq.fields.some((f) => f.label === 'Thread'), false, 'no "Thread (pid 0, tid 0)"');
    const aio = eventDetails(store, pipeline.resolver, sites, find('aio'), names);
    assert.ok(aio);
    assert.match(aio.fields.find((f) => f.label === 'Submitted by')?.value ?? '', /^worker-1 101$/);
    assert.equal(aio.fields.some((f) => /tid 0/.test(f.value)), false, 'no "tid 0"');
    // an epoll_wait that returned ready fds
    let wait = -1;
    for (let id = 0; id < store.size && wait < 0; id++) if (Array.isArray(store.get(id)?.args.ready) && (store.get(id)?.args.ready as unknown[]).length) wait = id;
    assert.ok(wait >= 0);
    const ready = eventDetails(store, pipeline.resolver, sites, wait, names)?.fields.find((f) => f.label === 'Ready');
    assert.match(ready?.value ?? '', /^(fd \d+( \([^)]+\))?|data 0x[0-9a-f]+): [A-Z|]+/);
    assert.doesNotMatch(ready?.value ?? '', /—/);
    // a wake-up says who woke whom, not its record's field names
    const wake = eventDetails(store, pipeline.resolver, sites, find('wake'), names);
    assert.ok(wake);
    assert.match(wake.fields.find((f) => f.label === 'Woken by')?.value ?? '', /^\S+ \(pid \d+, tid \d+\)/);
    assert.match(wake.fields.find((f) => f.label === 'Woke')?.value ?? '', /^\S+ \(pid \d+, tid \d+\)/);
    assert.equal(wake.fields.some((f) => /^(waker_call|wakee_pid|wakee_tid|wakee_call)$/.test(f.label) || f.label === 'Thread' || f.value === '—'), false, JSON.stringify(wake.fields));
  });
});
