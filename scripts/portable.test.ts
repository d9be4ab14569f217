// The portability check (scripts/portable.mjs) on binaries this test compiles: it passes what
// would load on glibc 2.28 and fails what would not — a newer glibc symbol version, a library a
// bare system lacks, the system libstdc++ — and native/portable/glibc_compat.c fixes the first.
// Needs gcc (the static test layer runs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions, portabilityProblems, requirements } from './portable.mjs';

const compat = join(__dirname, '..', 'native', 'portable', 'glibc_compat.c');

/** A program that uses calls whose default glibc versions are 2.33 and 2.34. */
const USES_NEW_GLIBC = `
#include <pthread.h>
#include <sys/stat.h>
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init(void) {}
int probe(const char *path) {
  struct stat st;
  pthread_once(&once, init);
  return stat(path, &st);
}
int main(void) { return probe("/"); }
`;

describe('portable binaries: the glibc check', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iolens-portable-'));
    writeFileSync(join(dir, 'probe.c'), USES_NEW_GLIBC);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function cc(out: string, ...args: string[]): string {
    const r = spawnSync('gcc', ['-O2', '-o', join(dir, out), ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `gcc ${args.join(' ')}: ${r.stderr}`);
    return join(dir, out);
  }

  it('compares versions numerically', () => {
    assert.ok(compareVersions('2.28', '2.3') > 0);
    assert.ok(compareVersions('2.2.5', '2.28') < 0);
    assert.equal(compareVersions('2.28', '2.28.0'), 0);
  });

  it('fails a shared object that needs glibc 2.33 and 2.34, naming the symbols', () => {
    const so = cc('new.so', '-shared', '-fPIC', 'probe.c');
    const problems = portabilityProblems(so);
    assert.ok(problems.some((p) => /^GLIBC_2\.33 .*\bstat\b/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^GLIBC_2\.34 .*pthread_once/.test(p)), problems.join('\n'));
  });

  it('passes the same code linked with glibc_compat.c (references pinned to 2.2.5)', () => {
    const so = cc('pinned.so', '-shared', '-fPIC', 'probe.c', compat, '-Wl,--no-as-needed', '-lpthread', '-ldl');
    assert.deepEqual(portabilityProblems(so), []);
    const { symbols } = requirements(so);
    assert.equal(symbols.find((s) => s.name === 'pthread_once')?.version, 'GLIBC_2.2.5');
    assert.equal(symbols.find((s) => s.name === '__xstat64')?.version, 'GLIBC_2.2.5', 'stat() became the pre-2.33 __xstat64');
  });

  it('runs a program linked with glibc_compat.c correctly (the old entry points do the same)', () => {
    const exe = cc('pinned', 'probe.c', compat, '-Wl,--no-as-needed', '-lpthread', '-ldl');
    assert.equal(spawnSync(exe).status, 0);
  });

  it('fails a library a bare system lacks, and the system libstdc++', () => {
    writeFileSync(join(dir, 'cxx.cc'), '#include <string>\nstd::string f(const char *s) { return std::string(s) + "!"; }\n');
    const so = spawnSync('g++', ['-shared', '-fPIC', '-o', join(dir, 'cxx.so'), 'cxx.cc', '-Wl,--no-as-needed', '-lz'], { cwd: dir, encoding: 'utf8' });
    assert.equal(so.status, 0, so.stderr);
    const problems = portabilityProblems(join(dir, 'cxx.so'));
    assert.ok(problems.some((p) => /needs libstdc\+\+\.so\.6/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^GLIBCXX_/.test(p)), problems.join('\n'));
  });

  it('passes a static executable, which needs no shared library', () => {
    const exe = cc('static', '-static', 'probe.c');
    assert.equal(requirements(exe).dynamic, false);
    assert.deepEqual(portabilityProblems(exe), []);
  });
});
