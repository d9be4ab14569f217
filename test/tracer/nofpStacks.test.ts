/**
 * Stacks of a program built without frame pointers (test/fixtures/src/nofp_stack.c: -O2
 * -fomit-frame-pointer, callers holding KiBs of locals, through libnofp_hop.so and a signal
 * handler): the tracer's stack snapshot unwound with CFI gives every caller at its call line, on
 * both backends, and a stack the snapshot cannot complete says why.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BACKENDS, backendArgs, CLI, cleanup, fixture, markLine, recordLaunch, requireBackend, run, sourcePath, traceEvents, type JsonEvent, type JsonFrame, type Recording,
} from './harness';

/** The frames of a stack in our own sources (the fixture and its library), as "file:line". */
function ownFrames(stack: readonly JsonFrame[]): string[] {
  const own = new Map([[sourcePath('nofp_stack'), 'nofp_stack'], [sourcePath('nofp_hop'), 'nofp_hop']]);
  return stack.flatMap((f) => (f.file && own.has(f.file) ? [`${own.get(f.file)}:${f.line}`] : []));
}

/** "source:line" of each mark, in order. */
function at(...marks: [string, string][]): string[] {
  return marks.map(([source, mark]) => `${source}:${markLine(source, mark)}`);
}

const POLL_CHAIN = at(
  ['nofp_stack', 'nofp-poll'], ['nofp_stack', 'nofp-c'], ['nofp_stack', 'nofp-b'], ['nofp_hop', 'hop-call'],
  ['nofp_stack', 'nofp-a'], ['nofp_stack', 'nofp-run'], ['nofp_stack', 'nofp-main'],
);
/** The deep poll's callers with --big: level_big (24 KiB of locals) between level_a and run. */
const BIG_POLL_CHAIN = [...POLL_CHAIN.slice(0, 5), ...at(['nofp_stack', 'nofp-big'], ['nofp_stack', 'nofp-run-big'], ['nofp_stack', 'nofp-main'])];
/** The deep poll's callers with --untouched: level_gap (32 KiB of locals never written) between level_a and run. */
const GAP_POLL_CHAIN = [...POLL_CHAIN.slice(0, 5), ...at(['nofp_stack', 'nofp-gap'], ['nofp_stack', 'nofp-run-gap'], ['nofp_stack', 'nofp-main'])];
const HANDLER_CHAIN = at(
  ['nofp_stack', 'nofp-handler-poll'], ['nofp_stack', 'nofp-handler'], ['nofp_stack', 'nofp-kill'], ['nofp_stack', 'nofp-signal'], ['nofp_stack', 'nofp-main'],
);

function polls(rec: Recording, mark: string): JsonEvent[] {
  const line = markLine('nofp_stack', mark);
  return rec.events.filter((e) => e.kind === 'syscall' && e.name === 'poll' && e.stack.some((f) => f.file === sourcePath('nofp_stack') && f.line === line));
}

/** The recording ended well, with one deep poll per iteration, each stack complete and its own frames `chain`. */
function assertDeepPolls(rec: Recording, iterations: number, chain: string[]): void {
  assert.equal(rec.code, 0, rec.stderr);
  const deep = polls(rec, 'nofp-poll');
  assert.equal(deep.length, iterations, 'one deep poll per iteration');
  for (const e of deep) {
    assert.equal(e.stack_end, 'complete', `${e.stack_end}: ${e.stack_end_detail} (${e.stack.map((f) => f.function).join(' ')})`);
    assert.deepEqual(ownFrames(e.stack), chain, JSON.stringify(e.stack.map((f) => `${f.function}:${f.line}`)));
  }
}

for (const backend of BACKENDS) describe(`stacks without frame pointers (${backend})`, function () {
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, backend);
  });
  afterEach(() => cleanup(rec));

  it('gives every caller at its call line, through a shared library and a signal handler', async () => {
    rec = await recordLaunch([fixture('nofp_stack'), '--iterations', '3'], [], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const deep = polls(rec, 'nofp-poll');
    assert.equal(deep.length, 3, 'one deep poll per iteration');
    for (const e of deep) {
      assert.deepEqual(ownFrames(e.stack), POLL_CHAIN, JSON.stringify(e.stack.map((f) => `${f.function}:${f.line}`)));
      assert.equal(e.stack_end, 'complete', `${e.stack_end}: ${e.stack_end_detail}`);
      assert.equal(e.stack[e.stack.length - 1].function, '_start', 'the stack reaches the program entry');
    }
    const inHandler = polls(rec, 'nofp-handler-poll');
    assert.equal(inHandler.length, 3, 'one poll in the signal handler per iteration');
    for (const e of inHandler) {
      assert.deepEqual(ownFrames(e.stack), HANDLER_CHAIN, JSON.stringify(e.stack.map((f) => `${f.function}:${f.line}`)));
      const names = e.stack.map((f) => f.function);
      const kill = names.findIndex((n) => n?.includes('kill'));
      assert.ok(kill > 0, `the interrupted kill() is a frame: ${names.join(' ')}`);
      // between the handler and the interrupted call, the signal trampoline (glibc's __restore_rt)
      const handler = names.indexOf('on_signal');
      assert.equal(kill - handler, 2, `one frame (__restore_rt) between on_signal and kill: ${names.join(' ')}`);
      assert.match(e.stack[handler + 1].module ?? '', /libc\.so/);
      assert.equal(e.stack_end, 'complete', `${e.stack_end}: ${e.stack_end_detail}`);
    }
  });

  it('gives whole stacks to call sites already busy when the recording attaches', async () => {
    // no --wait: the polls go on while the tracer attaches, so a stack can be taken before the
    // process's code ranges are loaded; that one must not stand for its call site afterwards
    const target = spawn(fixture('nofp_stack'), ['--iterations', '1000000', '--poll-ms', '1'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => target.once('exit', resolve));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const dir = mkdtempSync(join(tmpdir(), 'iolens-test-'));
      const traceFile = join(dir, 'trace.iolens');
      const r = await run(process.execPath, [CLI, 'record', '-q', ...backendArgs(backend), '-o', traceFile, '-d', '1.5', '--pid', String(target.pid)], 60000);
      rec = { ...r, events: await traceEvents(traceFile), traceFile, dir };
      assert.equal(r.code, 0, r.stderr);
      const all = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'poll');
      assert.ok(all.length >= 50, `polls recorded: ${all.length}`);
      // the polls taken while the tracer attached, before it had the process's code ranges, have
      // no snapshot: their frame-pointer walk is cut where the unwind tables contradict it, and
      // each says so; once one poll is whole (the ranges are there), every later one is whole
      const sorted = all.sort((a, b) => a.ts - b.ts);
      const first = sorted.findIndex((e) => e.stack_end === 'complete');
      assert.ok(first >= 0, `no poll with a whole stack: ${sorted.slice(0, 3).map((e) => `${e.stack_end}: ${e.stack_end_detail}`).join('; ')}`);
      const early = sorted.slice(0, first).filter((e) => !e.stack_end);
      assert.deepEqual(early.map((e) => e.stack.map((f) => f.function).join(' ')), [], 'a poll before the first whole one whose stack does not say why it is cut');
      const later = sorted.slice(first);
      assert.ok(later.length >= 50, `polls after the first whole stack: ${later.length} of ${sorted.length}`);
      const cut = later.filter((e) => e.stack_end !== 'complete');
      assert.deepEqual(cut.slice(0, 3).map((e) => `${e.stack_end}: ${e.stack_end_detail} (${e.stack.map((f) => f.function).join(' ')})`), [], `${cut.length} of ${later.length} polls with a cut stack`);
      assert.ok(polls(rec, 'nofp-poll').length > 0 && polls(rec, 'nofp-handler-poll').length > 0, 'both call sites at their lines');
    } finally {
      target.kill('SIGKILL');
      await exited;
    }
  });

  it("completes, with the default window, a stack whose callers lie beyond 16 KiB under hundreds of stack words (fio's)", async () => {
    rec = await recordLaunch([fixture('nofp_stack'), '--iterations', '2', '--big'], [], 30000, backend);
    assertDeepPolls(rec, 2, BIG_POLL_CHAIN);
  });

  it('completes a stack across stack pages never touched (a caller\'s unwritten buffer: absent pages)', async () => {
    rec = await recordLaunch([fixture('nofp_stack'), '--iterations', '3', '--untouched'], [], 30000, backend);
    assertDeepPolls(rec, 3, GAP_POLL_CHAIN);
  });

  it('says why when the snapshot window is too small to complete the stack', async () => {
    rec = await recordLaunch([fixture('nofp_stack'), '--iterations', '1'], ['--stack-window', '4096'], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const [e] = polls(rec, 'nofp-poll');
    assert.ok(e, 'the deep poll is found by its own line');
    const own = ownFrames(e.stack);
    assert.ok(own.length >= 2 && own.length < POLL_CHAIN.length, `a cut-short stack: ${own.join(' ')}`);
    assert.deepEqual(own, POLL_CHAIN.slice(0, own.length), 'the frames it has are the true ones');
    assert.equal(e.stack_end, 'window_too_small');
    assert.match(e.stack_end_detail ?? '', /4096-byte snapshot/);
  });
});
