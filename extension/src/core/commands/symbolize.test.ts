import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wire from '../../../../protocol/generated/wire';
import { describeError, isUserError } from '../errors';
import { StreamBuilder } from '../testing/synthetic';
import { readTraceFile } from '../trace/file';
import { symbolize } from './symbolize';

/** A tracer-alone trace: one read with a stack of two frames in a binary not on this machine. */
function tracerAlone(): StreamBuilder {
  const b = new StreamBuilder();
  b.add(wire.encodeStack({ nframes: 2, flags: 0, pid: 100, spSlots: 0, stackId: 7n, frames: [0x401000n, 0x402000n] }));
  b.call('read', { ts: 1000, dur: 5_000_000, fd: 3, stackId: 7n });
  return b;
}

describe('iolens symbolize', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iolens-symbolize-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a symbol section to a trace written by the tracer alone', async () => {
    const input = join(dir, 'in.iolens');
    const output = join(dir, 'out.iolens');
    writeFileSync(input, tracerAlone().bytes());
    const r = await symbolize(input, output, []);
    assert.equal(r.stacks, 1);
    assert.equal(r.withSource, 0, 'its binary is not here: no line');
    const { pipeline } = await readTraceFile(output, () => undefined, { events: false });
    assert.ok(pipeline.trace.symbols.size > 0, 'OUT carries the symbol section');
  });

  it('refuses a trace that has its symbols already, as a user error saying what to do, and writes nothing', async () => {
    const input = join(dir, 'in.iolens');
    const output = join(dir, 'out.iolens');
    writeFileSync(input, tracerAlone().symbols(7n, [['handle', '/work/app/server.c', 42], ['main', '/work/app/server.c', 90]]).bytes());
    const e = await symbolize(input, output, []).then(() => undefined, (x: unknown) => x);
    assert.ok(isUserError(e), String(e));
    assert.equal(e.code, 'usage');
    assert.match(e.message, /in\.iolens already has its symbol section: every stack was resolved when it was saved/);
    assert.match(e.fix ?? '', /as it is; symbolize is for a trace written by the tracer alone \(iolens-tracer -o\), or one whose recording left stacks out/);
    assert.equal(describeError(e).bug, false, 'not reported as a bug in iolens');
    assert.equal(existsSync(output), false);
  });

  it('completes the section of a recording stopped before every stack was resolved, keeping the stacks it has', async () => {
    const input = join(dir, 'in.iolens');
    const output = join(dir, 'out.iolens');
    // stack 7 made it into the section; stack 8 was left out
    const b = tracerAlone();
    b.add(wire.encodeStack({ nframes: 1, flags: 0, pid: 100, spSlots: 0, stackId: 8n, frames: [0x403000n] }));
    b.call('write', { ts: 9_000_000, dur: 2_000_000, fd: 4, stackId: 8n });
    writeFileSync(input, b.symbols(7n, [['handle', '/work/app/server.c', 42], ['main', '/work/app/server.c', 90]]).bytes());
    const r = await symbolize(input, output, []);
    assert.equal(r.stacks, 2);
    const { pipeline } = await readTraceFile(output, () => undefined, { events: false });
    const symbols = pipeline.trace.symbols;
    assert.deepEqual(symbols.get(7n)?.map((f) => f.strings[0]), ['handle', 'main'], 'the stack the section had, once (not written again)');
    assert.ok(symbols.has(8n), 'the stack it lacked is added');
    assert.equal(pipeline.resolver.resolve(7n)?.frames[0].line, 42);
  });
});
