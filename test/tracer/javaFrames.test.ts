/**
 * Java methods in the stacks (symbols/jvmPerfMap.ts, perfMap.ts, tracer/runtimes.ts): a Java
 * thread appends to a journal and forces it every 50th append from `Journal.append`, which the JVM
 * compiles within its first second. Launched (iolens keeps the JVM's frame pointers and has it write
 * its perf map at exit) and attached (iolens asks the running JVM with jcmd), the forces made once
 * it is compiled name `Journal.append(FileChannel, int)` from the JVM's perf map, that frame is their
 * location, and the saved trace names them without the process or its map.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userFrame } from '../../extension/src/core/symbols/userFrame';
import { BACKENDS, FIXTURES, cleanup, recordAttachCommand, recordLaunch, requireBackend, traceEvents, type JsonEvent, type Recording } from './harness';
import { removePerfMaps } from './runtimeFrames';

const SOURCE = join(FIXTURES, 'runtimes', 'Journal.java');
const APPEND = 'Journal.append(FileChannel, int)';
/** Journal.append kept out of its caller: C2 may inline it into main's loop, whose frame would then hold the force. */
const NO_INLINING = ['-XX:CompileCommand=quiet', '-XX:CompileCommand=dontinline,Journal::append'];

/**
 * Every force sent, not only those of 1 ms or more (the default threshold): how many of them a fast
 * disk makes that long varies by run (a CI run's ptrace recording sent 15 of some 800, another 63);
 * the page-cache writes between them stay counted, not sent.
 */
const SENT_FORCES = ['-m', '0.1'];

/** The forces of the journal (fdatasync) that ended, and those whose stack names Journal.append from a perf map. */
function forces(rec: Recording): { all: JsonEvent[]; named: JsonEvent[] } {
  const all = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'fdatasync' && !e.unfinished && String(e.args.path ?? '').endsWith('/journal.log'));
  const named = all.filter((e) => e.stack.some((f) => f.function === APPEND && /\/perf-\d+\.map$/.test(f.module ?? '')));
  return { all, named };
}

/** From the saved trace alone: most forces name Journal.append (all but those made before it was compiled), and it is their location. */
async function checkForces(rec: Recording): Promise<void> {
  removePerfMaps(rec);
  rec.events = await traceEvents(rec.traceFile);
  const { all, named } = forces(rec);
  process.stderr.write(`      ${APPEND}: ${named.length}/${all.length} forces name it\n`);
  assert.ok(all.length >= 20, `the journal was forced: ${all.length} forces sent\n${rec.stderr}`);
  const last = all[all.length - 1];
  const frames = last.stack.map((f) => `${f.function ?? '?'} ${f.module ?? ''}`).join('\n        ');
  assert.ok(named.includes(last), `the last force's stack names ${APPEND}:\n        ${frames}`);
  assert.ok(named.length >= all.length / 2, `${named.length} of ${all.length} forces name it`);
  const where = userFrame({ truncated: false, frames: last.stack.map((x) => ({ ...x, addr: BigInt(x.addr), problem: null })) });
  assert.equal(where?.function, APPEND, `the force's location:\n        ${frames}`);
}

describe('Java methods in the stacks', function () {
  this.timeout(120000);
  let classes: string;
  let rec: Recording | undefined;
  before(() => {
    classes = mkdtempSync(join(tmpdir(), 'iolens-java-classes-'));
    execFileSync('javac', ['-d', classes, SOURCE]);
  });
  after(() => rmSync(classes, { recursive: true, force: true }));
  afterEach(() => {
    if (rec) removePerfMaps(rec);
    cleanup(rec);
    rec = undefined;
  });

  for (const backend of BACKENDS) {
    it(`names the compiled Java method of a launched JVM (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordLaunch(['java', ...NO_INLINING, '-cp', classes, 'Journal', '3'], SENT_FORCES, 90000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stderr, /Java methods in the stacks: java runs with JAVA_TOOL_OPTIONS="-XX:\+PreserveFramePointer -XX:\+UnlockDiagnosticVMOptions -XX:\+DumpPerfMapAtExit"/);
      assert.doesNotMatch(rec.stderr, /are not named in the stacks/);
      await checkForces(rec);
    });
  }

  it('names the compiled Java method of an attached JVM, asking it for its perf map (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    // stopped while the JVM still runs: the map asked for at the end names what it compiled until then
    rec = await recordAttachCommand(['java', '-XX:+PreserveFramePointer', ...NO_INLINING, '-cp', classes, 'Journal', '--wait', '4'], ['-d', '2.5', ...SENT_FORCES], undefined, 90000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /runs Java: its compiled methods are named from the perf map iolens asks the JVM for/);
    assert.doesNotMatch(rec.stderr, /restart it with/);
    await checkForces(rec);
  });
});
