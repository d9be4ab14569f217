import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { Rng } from '../../../../test/fuzz/rng';
import { TraceSession } from '../session/traceSession';
import { assertOverviewIsTheStores } from '../testing/overviewCheck';
import { randomStream } from '../testing/traceFiles';
import { replaying } from '../testing/replay';
import { putFileOverview } from '../trace/file';
import { bytesSource, readFileOverview, readTraceOverview } from '../trace/fileReader';
import { importStrace } from './import';
import { addOverviewAfterWriting, overviewCommand } from './overview';
import { record } from './record';

/** A stream that keeps what is written to it. */
function sink(): Writable & { text: () => string } {
  const parts: string[] = [];
  const w = new Writable({ write: (c: Buffer, _e, done) => void (parts.push(c.toString()), done()) });
  return Object.assign(w, { text: () => parts.join('') });
}

/**
 * `iolens record -q -o path` of `chunks` played back as the tracer (with `--keep`: a flight
 * recording); `leaveOut`: a second Ctrl-C came.
 */
async function recordReplay(path: string, chunks: Uint8Array[], keepNs?: number, leaveOut?: AbortSignal): Promise<string> {
  const err = sink();
  const code = await record({
    start: replaying(chunks), command: ['replay'], runtimeFrames: false, output: path, quiet: true,
    keep: keepNs === undefined ? undefined : { ns: keepNs }, stdout: sink(), stderr: err, leaveOutOverview: leaveOut,
  });
  assert.equal(code, 0, err.text());
  return err.text();
}

/** An strace log of `lines` calls on three threads (strace -f -tt -T). */
function straceLog(r: Rng, lines: number): string {
  const out: string[] = [];
  let us = 0;
  for (let i = 0; i < lines; i++) {
    us += 1 + r.int(3000);
    const t = new Date(Date.UTC(2026, 0, 1, 12) + us / 1000);
    const time = `${t.toISOString().slice(11, 19)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
    const tid = 700 + r.int(3);
    const dur = (r.next() < 0.9 ? 0.001 + r.next() * 0.01 : r.next() * 0.2).toFixed(6);
    out.push(r.next() < 0.5 ? `${tid} ${time} read(3, "x", 1) = 1 <${dur}>` : `${tid} ${time} fsync(4) = 0 <${dur}>`);
  }
  return out.join('\n') + '\n';
}

describe('the whole trace\'s overview in every trace file iolens writes', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-overview-cmd-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('iolens record: the file\'s overview is the store\'s once every event is read', async () => {
    const path = join(dir, 'rec.iolens');
    await recordReplay(path, randomStream(new Rng(5), 40_000));
    assert.equal(await assertOverviewIsTheStores(path, new Rng(6)), 40_000);
  });

  it('iolens record: a second Ctrl-C leaves the overview out, and says how to add it', async () => {
    const path = join(dir, 'left.iolens');
    const said = await recordReplay(path, randomStream(new Rng(5), 2000), undefined, AbortSignal.abort());
    assert.equal(readFileOverview(path), undefined);
    assert.match(said, /overview was left out: .* `iolens overview .*left\.iolens` adds it/);
    const out = sink();
    await overviewCommand(path, out);
    assert.ok(readFileOverview(path));
  });

  it('a flight recording (--keep): the overview covers exactly the window the file keeps', async () => {
    const path = join(dir, 'flight.iolens');
    const said = await recordReplay(path, randomStream(new Rng(8), 40_000), 5e9);
    assert.match(said, /kept the last|window|kept/);
    const events = await assertOverviewIsTheStores(path, new Rng(9));
    assert.ok(events > 0 && events < 40_000, `a window: ${events} of 40000 events`);
  });

  it('iolens import: the imported file\'s overview is the store\'s', async () => {
    const log = join(dir, 'app.strace');
    writeFileSync(log, straceLog(new Rng(4), 6000));
    const path = join(dir, 'imported.iolens');
    await importStrace(log, path, { symbolizer: null, minDurationNs: 0 });
    assert.equal(readFileOverview(path), undefined, 'importStrace itself writes none (no store)');
    const err = sink();
    await addOverviewAfterWriting(path, err);
    assert.equal(err.text(), '');
    assert.ok(await assertOverviewIsTheStores(path, new Rng(5)) > 1000);
  });

  it('a Save during a recording: the snapshot\'s overview is of the events it holds', async () => {
    const chunks = randomStream(new Rng(12), 30_000);
    // a tracer whose stream this test feeds: half of it, a Save, then the rest
    const feed = new PassThrough();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => feed.once('end', () => res({ code: 0, signal: null })));
    const { session } = await TraceSession.record({ command: ['replay'] }, { title: 't', log: () => undefined }, {}, () => ({
      stream: feed, log: Readable.from([]), programOutput: { stdout: null, stderr: null }, notes: [], exited, stop: () => undefined, detach: () => undefined,
    }));
    for (const c of chunks.slice(0, 20_000)) feed.write(c);
    while (session.store.size < 19_000) await new Promise((r) => setTimeout(r, 20));
    const path = join(dir, 'snapshot.iolens');
    await session.save(path);
    feed.end(Buffer.concat(chunks.slice(20_000)));
    await session.whenFinished();
    const events = await assertOverviewIsTheStores(path, new Rng(13));
    assert.ok(events > 0 && events <= 20_000, `${events} events in the snapshot`);
    await session.dispose();
  });

  it('iolens overview adds it to an old file in place, once; a file cut short keeps opening without one', async () => {
    const path = join(dir, 'old.iolens');
    await recordReplay(path, randomStream(new Rng(2), 20_000));
    const withIt = readFileSync(path);
    const overview = readFileOverview(path);
    assert.ok(overview);
    // the same file as an older iolens wrote it: the footer without the overview
    writeFileSync(path, withIt);
    await putFileOverview(path, overview);
    assert.deepEqual(readFileSync(path), withIt, 'putting it again changes nothing');
    // the index block's end, from the footer's tail (the index's offset) and the index's header (its payload's length)
    const indexAt = Number(withIt.readBigUInt64LE(withIt.length - 16));
    const indexEnd = indexAt + 40 + withIt.readUInt32LE(indexAt + 8);
    const old = Buffer.concat([withIt.subarray(0, indexEnd), withIt.subarray(withIt.length - 16)]);
    writeFileSync(path, old);
    assert.equal(readFileOverview(path), undefined, 'an old file has none');
    const out = sink();
    assert.equal(await overviewCommand(path, out), 0);
    assert.match(out.text(), /overview added \(20,000 events\)/);
    assert.deepEqual(readFileSync(path), withIt, 'the file an iolens of today writes, byte for byte');
    assert.equal(await overviewCommand(path, out), 0);
    assert.match(out.text(), /already has/);
    // cut short in the overview, in the index, in the symbol section: no footer's tail, so no
    // overview is trusted; the records are read as far as they go (cut inside a block: said)
    for (const cut of [withIt.length - 1, withIt.length - 17, indexEnd - 3, indexAt - 10]) {
      const part = withIt.subarray(0, cut);
      writeFileSync(path, part);
      assert.equal(readTraceOverview(bytesSource(part), part.length), undefined, `cut at ${cut} of ${withIt.length}`);
      const s = await TraceSession.open(path);
      assert.equal(s.failure, null, `cut at ${cut}: it opens`);
      if (cut >= indexAt) assert.equal(s.store.size, 20_000, `cut at ${cut}: every event still read`);
      assert.equal(s.warnings.length > 0, cut < indexAt, `cut at ${cut}: ${s.warnings.join('; ')}`);
      await s.dispose();
      await assert.rejects(putFileOverview(path, overview), /no index to put the overview after/);
    }
  });
});
