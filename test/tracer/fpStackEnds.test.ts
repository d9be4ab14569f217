/**
 * Where frame-pointer stacks end. Programs built with frame pointers still run through libc code
 * built without them: Debian's __libc_start_call_main keeps _start's rbp of 0 (so the walk from
 * main stops there), and start_thread uses rbp as a general register. The tracer keeps a tail
 * snapshot above the chain's last frame (StackFlag.tail) and the reader goes on with CFI: the
 * stack reaches _start (or a thread's clone3) and says so, with the same frames as eu-stack.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { BACKENDS, cleanup, fixture, readyPid, recordLaunch, requireBackend, requireInstalled, type JsonFrame, type Recording } from './harness';

/** A frame as both sides can name it: its module's file name and its source line (or function when it has no line). */
const key = (module: string | null, file: string | null, line: number | null, fn: string | null): string =>
  `${basename(module ?? '?')} ${file && line ? `${basename(file)}:${line}` : fn ?? '?'}`;

/** The frames outside `main` (its callers), as keys, from a stack of ours. */
function callersOfMain(stack: readonly JsonFrame[]): string[] {
  const main = stack.findIndex((f) => f.function === 'main');
  return main < 0 ? [] : stack.slice(main + 1).map((f) => key(f.module, f.file, f.line, f.function));
}

/**
 * eu-stack's frames above `main` in the waiting fixture (blocked in its --wait read): the same
 * binary and libc, so the same callers of main.
 */
async function euStackCallersOfMain(name: string): Promise<string[]> {
  const child = spawn(fixture(name), ['--wait'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const pid = await readyPid(child, name).pid;
    const r = spawnSync('eu-stack', ['-m', '-s', '-p', String(pid)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `eu-stack: ${r.stderr}`);
    // "#2  0x00007f... __libc_start_call_main - /usr/lib/.../libc.so.6" then "    ../sysdeps/.../x.h:58:16"
    const frames: { fn: string; module: string; file: string | null; line: number | null }[] = [];
    for (const l of r.stdout.split('\n')) {
      const head = /^#\d+\s+0x[0-9a-f]+\s+(\S+)\s+-\s+(\S+)/.exec(l);
      if (head) frames.push({ fn: head[1], module: head[2], file: null, line: null });
      const src = /^\s+([^\s:]+):(\d+)(?::\d+)?$/.exec(l);
      if (src && frames.length) Object.assign(frames[frames.length - 1], { file: src[1], line: Number(src[2]) });
    }
    const main = frames.findIndex((f) => f.fn === 'main');
    assert.ok(main >= 0, `eu-stack shows main: ${r.stdout}`);
    return frames.slice(main + 1).map((f) => key(f.module, f.file, f.line, f.fn));
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

for (const backend of BACKENDS) describe(`where frame-pointer stacks end (${backend})`, function () {
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, backend);
  });
  afterEach(() => cleanup(rec));

  it("reaches _start through glibc's start-up code, with eu-stack's frames", async function () {
    requireInstalled(this, 'eu-stack', ['--version']);
    const expected = await euStackCallersOfMain('nofp_stack_fp');
    assert.ok(expected.length >= 2 && expected[expected.length - 1].endsWith(' _start'), `eu-stack's callers of main: ${expected.join(' | ')}`);
    rec = await recordLaunch([fixture('nofp_stack_fp'), '--iterations', '1'], [], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const polls = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'poll' && e.stack.some((f) => f.function === 'level_d'));
    assert.equal(polls.length, 1, 'the deep poll');
    const [e] = polls;
    const names = e.stack.map((f) => f.function).join(' ');
    assert.equal(e.stack_end, 'complete', `${e.stack_end}: ${e.stack_end_detail} (${names})`);
    assert.deepEqual(callersOfMain(e.stack), expected, names);
  });

  // the kernel maps ld.so during exec, before any mmap: the eBPF side takes its text from the exec
  it("ends the dynamic loader's start-up calls at its entry point, the process's first frame", async () => {
    // -m 0: ld.so's reads of the libraries at exec are events with their stacks
    rec = await recordLaunch([fixture('nofp_stack_fp'), '--iterations', '1'], ['-m', '0'], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const startup = rec.events.filter((e) => e.kind === 'syscall' && e.stack.some((f) => f.function === '_dl_start'));
    assert.ok(startup.length > 0, `calls under _dl_start: ${rec.events.filter((e) => e.kind === 'syscall').slice(0, 5).map((e) => e.name).join(', ')}…`);
    for (const e of startup) {
      const names = e.stack.map((f) => f.function ?? f.addr).join(' <- ');
      assert.equal(e.stack_end, 'complete', `${e.name}: ${e.stack_end}: ${e.stack_end_detail} (${names})`);
      assert.match(e.stack[e.stack.length - 1].module ?? '', /ld-linux/, `the outermost frame is the loader's entry: ${names}`);
    }
  });

  it("reaches clone3 from a thread's function (start_thread keeps no frame pointer)", async () => {
    // -m 0: the workers' short preads are events of their own (not only counted per call site)
    rec = await recordLaunch([fixture('threadpool_pread'), '--iterations', '40'], ['-m', '0'], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const inWorkers = rec.events.filter((e) => e.kind === 'syscall' && e.stack.some((f) => f.function === 'worker_main'));
    assert.ok(inWorkers.length >= 40, `calls in the workers: ${inWorkers.length}`);
    for (const e of inWorkers) {
      const names = e.stack.map((f) => f.function);
      assert.equal(e.stack_end, 'complete', `${e.stack_end}: ${e.stack_end_detail} (${names.join(' ')})`);
      assert.deepEqual(names.slice(names.indexOf('worker_main') + 1).map((n) => n?.replace(/^__/, '')), ['start_thread', 'clone3'], names.join(' '));
    }
  });
});
