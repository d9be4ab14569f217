import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { DropEvent } from '../model/events';
import { LiveOutput, type LiveFormat } from './liveOutput';

/** A reader that takes `takeBytes` every `everyMs` (0: nothing at all); what it took, as text. */
function slowReader(takeBytes: number, everyMs: number): { out: Writable; text: () => string; handed: () => string; stop: () => void } {
  let text = '';
  let handed = '';
  const waiting: { chunk: string; done: () => void }[] = [];
  let budget = 0;
  const out = new Writable({
    highWaterMark: 1 << 16,
    decodeStrings: false,
    write(chunk: string, _enc, done) {
      waiting.push({ chunk, done });
      serve();
    },
  });
  const serve = (): void => {
    while (waiting.length && budget >= waiting[0].chunk.length) {
      const w = waiting.shift()!;
      budget -= w.chunk.length;
      text += w.chunk;
      w.done();
    }
  };
  const write = out.write.bind(out) as (chunk: string, cb?: () => void) => boolean;
  out.write = ((chunk: string, cb?: () => void) => {
    handed += chunk;
    return write(chunk, cb);
  }) as typeof out.write;
  const timer = setInterval(() => {
    budget += takeBytes;
    serve();
  }, everyMs || 1000);
  return { out, text: () => text, handed: () => handed, stop: () => clearInterval(timer) };
}

function event(i: number): DropEvent {
  return { kind: 'drop', name: 'drop', pid: 1, tid: 1, ts: i, stackId: 0n, args: {}, count: 0, total: 0 };
}

const format: LiveFormat = {
  event: (e) => `event ${e.ts} ${'x'.repeat(200)}\n`,
  skipped: (n) => `skipped ${n}\n`,
};

/** Events each line shows, and the events the skipped notes count. */
function tally(text: string): { shown: number; noted: number } {
  let shown = 0;
  let noted = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('event ')) shown++;
    const m = /^skipped (\d+)$/.exec(line);
    if (m) noted += Number(m[1]);
  }
  return { shown, noted };
}

describe('the live output', () => {
  it('shows everything to a reader that keeps up, and says nothing was left out', async () => {
    const r = slowReader(1 << 20, 5);
    const live = new LiveOutput(r.out, format, { lagMs: 0 });
    for (let i = 0; i < 1000; i++) live.push(event(i));
    live.tick(false, Date.now(), 10_000); // a formatting budget no loaded machine runs out of: this test is about the reader
    assert.equal(await live.finish(Date.now() + 2000, 1000), true);
    await new Promise((res) => setTimeout(res, 50));
    r.stop();
    assert.deepEqual(tally(r.text()), { shown: 1000, noted: 0 });
    assert.equal(live.skippedTotal, 0);
  });

  it('leaves out what a slow reader cannot take, counts every event, and ends with the note', async () => {
    const r = slowReader(4096, 10);
    const live = new LiveOutput(r.out, format, { lagMs: 0, maxPendingBytes: 64 * 1024 });
    for (let i = 0; i < 20000; i++) live.push(event(i));
    live.tick(false, Date.now(), 1000);
    for (let i = 20000; i < 30000; i++) live.skipUndecoded();
    // what still waits after the last note is left out at the stop, so the rest is handed over at once
    assert.equal(await live.finish(Date.now() + 100, 1000), true);
    // once the reader takes what it was handed, the last line it gets is the note
    for (let i = 0; i < 300 && !/skipped \d+\n$/.test(r.text()); i++) {
      await new Promise((res) => setTimeout(res, 10));
    }
    r.stop();
    const { shown, noted } = tally(r.text());
    assert.match(r.text(), /skipped \d+\n$/, 'the output ends with the note of what it left out');
    assert.equal(shown + noted, 30000, `every event shown or counted (${shown} shown, ${noted} noted)`);
    assert.equal(live.skippedTotal, noted);
    assert.ok(shown < 20000, `a reader this slow was not shown everything (${shown})`);
  });

  it('hands a reader that takes nothing only a little, and still ends with the note', async () => {
    const r = slowReader(0, 0);
    const live = new LiveOutput(r.out, format, { lagMs: 0 });
    for (let i = 0; i < 5000; i++) live.push(event(i));
    live.tick(false, Date.now(), 1000);
    assert.equal(await live.finish(Date.now() + 50, 1000), false);
    r.stop();
    assert.ok(r.out.writableLength < 64 * 1024, `what cannot be taken back stays small (${r.out.writableLength} bytes)`);
    assert.match(r.handed(), /skipped \d+\n$/, 'the note is the last thing handed over');
    const { shown, noted } = tally(r.handed());
    assert.equal(shown + noted, 5000, 'every event handed over or counted');
  });

  it('ends with the note when its reader caught up after leaving events out (the rest queued at the stop is counted)', async () => {
    const r = slowReader(1 << 20, 5);
    const live = new LiveOutput(r.out, format, { lagMs: 0, recoverMs: 0 });
    for (let i = 0; i < 100; i++) live.skipUndecoded(); // the recording fell behind once
    for (let i = 0; i < 100; i++) live.push(event(i));
    live.tick(false, Date.now(), 1000); // the note in place, then what came after it
    await new Promise((res) => setTimeout(res, 50));
    for (let i = 100; i < 200; i++) live.push(event(i)); // still queued at the stop, the reader has room
    assert.equal(await live.finish(Date.now() + 2000, 1000), true);
    await new Promise((res) => setTimeout(res, 50));
    r.stop();
    assert.match(r.text(), /^skipped 100\n/, 'the note in place');
    assert.match(r.text(), /skipped \d+\n$/, 'the output ends with the note of what it left out');
    const { shown, noted } = tally(r.text());
    assert.equal(shown + noted, 300, `every event shown or counted (${shown} shown, ${noted} noted)`);
    assert.equal(live.skippedTotal, noted);
  });

  it('ends with the note when nothing was queued at the stop but text still waited after its last note', async () => {
    const r = slowReader(4096, 10);
    const live = new LiveOutput(r.out, format, { lagMs: 0, recoverMs: 0 });
    for (let i = 0; i < 50; i++) live.skipUndecoded(); // the recording fell behind once
    for (let i = 0; i < 1000; i++) live.push(event(i)); // 210 KB: all formatted, under maxPendingBytes
    live.tick(false, Date.now(), 1000); // the note, then 1000 lines: most wait for the reader
    assert.equal(await live.finish(Date.now() + 5000, 1000), true);
    for (let i = 0; i < 300 && !/skipped \d+\n$/.test(r.text()); i++) await new Promise((res) => setTimeout(res, 10));
    r.stop();
    assert.match(r.text(), /^skipped 50\n/, 'the note in place');
    assert.match(r.text(), /skipped \d+\n$/, 'the output ends with the note of what it left out');
    const { shown, noted } = tally(r.text());
    assert.equal(shown + noted, 1050, `every event shown or counted (${shown} shown, ${noted} noted)`);
    assert.ok(shown > 0 && shown < 1000, `what the reader had been handed was shown (${shown})`);
  });
});
