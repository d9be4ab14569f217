/**
 * Fuzzing the strace importer with malformed lines: logs strace records here from the fixtures
 * (with -k stacks and -y paths), mutated line by line — cut short, bytes flipped or inserted,
 * brackets and quotes removed, lines duplicated, swapped, dropped or spliced from another log,
 * garbage inserted — go through `iolens import`. It must never throw (unless no line at all is a
 * system call, which it says), account for every line (read, or reported with its number), and
 * write a trace that opens.
 *
 *   npx mocha --require tsx/cjs --timeout 600000 test/fuzz/strace.fuzz.ts     (IOLENS_FUZZ_LOGS=N to change)
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importStrace } from '../../extension/src/core/commands/import';
import { readTraceFile } from '../../extension/src/core/trace/file';
import { fixture, requireInstalled, run } from '../tracer/harness';
import { Rng } from './rng';
import { isUserError } from '../../extension/src/core/errors';

const JUNK = ['(', ')', '[', ']', '{', '}', '"', '<', '>', '=', ',', ' ', '\\', '...', '<unfinished ...>', '<... read resumed>', '+++', '---', ' > ', '0x', '-1', '\u00e9', '\0', '\t'];

function mutateLine(line: string, r: Rng, other: string[]): string {
  switch (r.int(8)) {
    case 0:
      return line.slice(0, r.int(line.length + 1));
    case 1: {
      const at = r.int(line.length + 1);
      return line.slice(0, at) + JUNK[r.int(JUNK.length)] + line.slice(at);
    }
    case 2: {
      const at = r.int(line.length);
      return line.slice(0, at) + line.slice(at + 1 + r.int(8));
    }
    case 3:
      return line.replace(/[()[\]{}"]/, '');
    case 4:
      return (other.length ? other[r.int(other.length)].slice(0, r.int(200)) : '') + line.slice(r.int(line.length));
    case 5:
      return String.fromCharCode(...Array.from({ length: r.int(60) }, () => 32 + r.int(95)));
    case 6:
      return line.replace(/\d/g, (d) => (r.int(4) ? d : String(r.int(10)) + String(r.int(10))));
    default:
      return line.replace(/<[0-9.]+>$/, '<' + 'x'.repeat(r.int(3)) + '>');
  }
}

function mutateLog(seed: string[], other: string[], r: Rng): string[] {
  const lines = seed.slice(r.int(seed.length / 2), seed.length - r.int(seed.length / 4));
  const n = 1 + r.int(12);
  for (let k = 0; k < n && lines.length; k++) {
    const i = r.int(lines.length);
    switch (r.int(5)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[r.int(lines.length)]);
        break;
      case 2: {
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      }
      default:
        lines[i] = mutateLine(lines[i], r, other);
    }
  }
  return lines;
}

describe('fuzz: strace logs with malformed lines through the importer', function () {
  let dir: string;
  let seeds: string[][] = [];
  before(async function () {
    this.timeout(120000);
    requireInstalled(this, 'strace', ['-V']);
    dir = mkdtempSync(join(tmpdir(), 'iolens-strace-fuzz-'));
    const logs: [string, string[], string[]][] = [
      ['sigio_pipe', ['-tt', '-k'], ['--iterations', '8', '--setsig']],
      ['aio_eventfd', ['-tt', '-y'], ['--iterations', '6']],
      ['fork_threads', ['-tt', '-k', '-y'], ['--iterations', '3']],
      ['epoll_stall', ['-ttt'], ['--iterations', '10']],
    ];
    for (const [name, opts, args] of logs) {
      const log = join(dir, `${name}.strace`);
      const r = await run('strace', ['-f', '-T', ...opts, '-o', log, fixture(name), ...args], 60000);
      assert.equal(r.code, 0, r.stderr);
      seeds.push(readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''));
    }
  });
  after(() => {
    seeds = [];
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('never throws, accounts for every line and writes a trace that opens', async function () {
    const rounds = Number(process.env.IOLENS_FUZZ_LOGS ?? 1500);
    this.timeout(Math.max(600000, rounds * 400));
    const r = new Rng(0x5eed);
    const all = seeds.flat();
    let problems = 0;
    for (let round = 0; round < rounds; round++) {
      const seed = seeds[round % seeds.length];
      const lines = mutateLog(seed, all, r);
      const log = join(dir, 'fuzz.strace');
      writeFileSync(log, lines.join('\n') + '\n');
      const out = join(dir, 'fuzz.iolens');
      let result;
      try {
        result = await importStrace(log, out, { symbolizer: null, maxMessages: 1e9, minDurationNs: round % 2 ? 0 : undefined });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        assert.match(message, /no system call in it|has no timestamps/, `round ${round}: ${message}`);
        assert.ok(isUserError(e), `round ${round}: a problem of the log, not a bug: ${message}`);
        continue;
      }
      assert.equal(result.lines, lines.length, `round ${round}: every line is read`);
      assert.equal(result.understood + result.errors + result.notUnderstood, result.lines, `round ${round}: every line is accounted for`);
      assert.equal(result.problems.length, result.errors + result.notUnderstood, `round ${round}: every skipped line is reported`);
      for (const p of result.problems) {
        assert.ok(p.line >= 1 && p.line <= lines.length && p.message.length > 0, `round ${round}: ${JSON.stringify(p)}`);
      }
      problems += result.problems.length;
      const loaded = await readTraceFile(out, () => undefined, { symbolizer: null });
      assert.ok(!loaded.pipeline.reader.error, `round ${round}: the trace opens (${String(loaded.pipeline.reader.error)})`);
    }
    assert.ok(problems > rounds, `the mutations broke lines (${problems} problems in ${rounds} logs)`);
  });

  it('reads a log of garbage without throwing, reporting every line', async () => {
    const r = new Rng(7);
    // "PID TIME call(" as strace -f -o writes it, or "[pid PID] TIME call(" as it writes to a terminal
    const good = seeds.flat().filter((l) => /^(\d+ +|\[pid +\d+\] )?\S+ \w+\(/.test(l)).slice(0, 5);
    assert.equal(good.length, 5, `five whole call lines to start the log with, from ${seeds.length} recorded logs, which begin: ${JSON.stringify(seeds.map((s) => s[0]))}`);
    const lines = [...good, ...Array.from({ length: 50000 }, () => mutateLine(seeds[1][r.int(seeds[1].length)], r, good))];
    const log = join(dir, 'garbage.strace');
    writeFileSync(log, lines.join('\n'));
    const result = await importStrace(log, join(dir, 'garbage.iolens'), { symbolizer: null });
    assert.equal(result.understood + result.errors + result.notUnderstood, lines.length);
    assert.ok(result.errors + result.notUnderstood > 1000);
    assert.ok(result.problems.length <= 20, 'the message list is bounded');
  });
});
