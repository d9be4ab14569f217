// The docs check (scripts/docs.mjs) on Markdown this test writes: links and backticked paths
// that lead nowhere or outside the repository, and a merge conflict's markers, are reported with
// their line; real ones pass.
import assert from 'node:assert/strict';
import { docProblems } from './docs.mjs';

const repo = {
  files: ['README.md', 'docs/architecture.md', 'docs/fleet.md', 'tracer/src/ebpf/loader.c', 'extension/src/core/store/window.ts'],
  dirs: new Set(['docs', 'tracer', 'tracer/src', 'tracer/src/ebpf', 'extension', 'extension/src', 'extension/src/core', 'extension/src/core/store']),
};

describe('docs point only inside the repository', () => {
  it('accepts links and paths that exist, by full path, relative to the doc, or by ending', () => {
    const text = [
      'See [the fleet](fleet.md) and [the readme](../README.md#install), or [VS Code](https://code.visualstudio.com).',
      'The loader is `tracer/src/ebpf/loader.c`; windows come from `core/store/window.ts` and `loader.c`.',
      'Build output such as `dist/cli.js` and traces like `demo.iolens` are not checked.',
      'Placeholders such as `OUT.json` or `FILE.pftrace`, and extensions such as `.json`, name no file of ours.',
      '```sh',
      'cat my/own/file.c   # `examples/in/fences.c` are the user\'s',
      '```',
    ].join('\n');
    assert.deepEqual(docProblems('docs/architecture.md', text, repo), []);
  });

  it('reports a missing file, a link out of the repository and a document that lives elsewhere', () => {
    const text = ['The cache is `webview/src/timeline/windowCache.ts`.', 'See [the brief](../../shared/DESIGN.md).', 'Facts: TESTING.md.'].join('\n');
    const problems = docProblems('docs/architecture.md', text, repo);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0], /^docs\/architecture\.md:1: names `webview\/src\/timeline\/windowCache\.ts`/);
    assert.match(problems[1], /:2: links outside the repository/);
    assert.match(problems[2], /:2: refers to a document outside the repository \(DESIGN\.md\)/);
    assert.match(problems[3], /:3: refers to a document outside the repository \(TESTING\.md\)/);
  });

  it('reports the markers a merge conflict left, and not a rule of equals signs inside a longer line', () => {
    const text = ['<<<<<<< HEAD', 'ours', '=======', 'theirs', '>>>>>>> wp-ingest', 'A = ======= sign row.'].join('\n');
    const problems = docProblems('bench/README.md', text, repo);
    assert.deepEqual(problems, [1, 3, 5].map((n) => `bench/README.md:${n}: a merge conflict's marker left in the text`));
  });
});
