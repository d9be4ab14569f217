/**
 * Where a bundled bench's main thread spends its CPU, by source module: the samples of a
 * `perf record -g -e task-clock` of the bundle (run with `node --perf-basic-prof`, so that perf names
 * the JIT's functions) taken from the thread with the most samples (the main thread), each given to
 * the innermost of the bundle's functions on its stack — native code it called (a copy, a Map
 * lookup, a page fault) included — and so to the source file esbuild's `// path` marker above that
 * function's line names. Samples with none of the bundle's functions on their stack are grouped by
 * what ran (V8's builtins, its runtime and collector, libc's copies, the kernel).
 *
 * task-clock samples CPU time: a thread that is not running is not sampled. `node --cpu-prof`
 * charges the wall-clock time between two samples to the second one, so on a loaded machine it
 * blames whatever runs when the thread is scheduled again (memory-heavy code, copies, page faults).
 *
 *   perf record -g -F 1999 -e task-clock -o P -- node --perf-basic-prof X/ingest.js --replay S --rounds 4
 *   npx tsx bench/perfModules.ts P X/ingest.js [--top 30]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The bundle's module markers (`// extension/src/…` lines), by line number, in order. */
function moduleMarks(bundle: string): { line: number; path: string }[] {
  const marks: { line: number; path: string }[] = [];
  readFileSync(bundle, 'utf8').split('\n').forEach((text, i) => {
    const m = /^\/\/ ((?:extension|protocol|shared|bench|node_modules)\/\S+)$/.exec(text);
    if (m) marks.push({ line: i + 1, path: m[1].replace(/^extension\/src\/core\//, '') });
  });
  return marks;
}

/** The module whose code holds `line` (the last marker at or above it). */
function moduleAt(marks: readonly { line: number; path: string }[], line: number): string {
  let lo = 0;
  let hi = marks.length - 1;
  let found = '(bundle prelude)';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid].line <= line) {
      found = marks[mid].path;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** A native sample's group, by its symbol. */
function nativeGroup(symbol: string): string {
  if (symbol.startsWith('JS:')) return 'JavaScript of Node itself';
  if (symbol.startsWith('Builtins_')) return "V8's builtins (inline caches, Map lookups, calls)";
  if (/v8::|Heap|Scavenge|Mark|Sweep/.test(symbol)) return "V8's runtime (collector, compiler)";
  if (/mem(move|set|cpy)/.test(symbol)) return "libc's memmove, memset";
  return 'the kernel and other native code';
}

function main(): void {
  const [data, bundle] = process.argv.slice(2);
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 30;
  if (!data || !bundle) throw new Error('usage: perfModules.ts PERF_DATA BUNDLE [--top N]');
  const marks = moduleMarks(bundle);
  const own = new RegExp(`${basename(bundle).replace(/\./g, '\\.')}:(\\d+)`);
  // a sample is a line "tid address symbol", or (with -g) a line "tid" and then its frames, innermost first
  const samples: { tid: string; frames: string[] }[] = [];
  const perfScript = execFileSync('perf', ['script', '-i', data, '-F', 'tid,ip,sym'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  for (const line of perfScript.toString().split('\n')) {
    const head = /^(\d+)(?:\s+[0-9a-f]+\s+(.*))?$/.exec(line.trim());
    if (head && !/^\s/.test(line)) samples.push({ tid: head[1], frames: head[2] ? [head[2]] : [] });
    else if (line.trim() && samples.length) samples[samples.length - 1].frames.push(line.trim().replace(/^\S+\s+/, ''));
  }
  const perThread = new Map<string, number>();
  for (const s of samples) perThread.set(s.tid, (perThread.get(s.tid) ?? 0) + 1);
  const [mainTid, total] = [...perThread].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const groups = new Map<string, number>();
  for (const s of samples) {
    if (s.tid !== mainTid || !s.frames.length) continue;
    const line = s.frames.map((f) => own.exec(f)).find((m) => m !== null);
    const group = line ? moduleAt(marks, Number(line[1])) : nativeGroup(s.frames[0]);
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  for (const [group, n] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${String(n).padStart(7)} ${((100 * n) / total).toFixed(1).padStart(5)} %  ${group}\n`);
  }
  process.stdout.write(`${total} samples of the main thread (tid ${mainTid}), of ${samples.length} in all\n`);
}

main();
