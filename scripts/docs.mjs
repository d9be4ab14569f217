#!/usr/bin/env node
// The docs point only inside the repository, at files that exist: every relative link and every
// `path/like.ts` a Markdown file names must be a file or folder of this checkout (git ls-files),
// and no doc may send a reader to a file outside it, or keep a merge conflict's markers. Node's standard library only.
//
//   node scripts/docs.mjs check     (the static test layer)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** File name endings that make a backticked word a path to check. */
const FILE_ENDINGS = /\.(ts|mts|mjs|js|c|h|cc|json|md|sh|gyp|map|svg|yaml|yml)$/;
/** Words that name files produced by a build or a run, or outside any checkout on purpose (examples):
 * placeholders in capitals (`OUT.json`, `FILE.iolens`) and bare extensions (`.json`) among them. */
const GENERATED = /^(dist|build|node_modules|\.tools|vsix|test\/artifacts|test\/fixtures\/build|bench\/results)\/|\.iolens$|^\/|^~|^\$|[*<>{}]|^\.[a-z0-9]+$|(^|\/)[A-Z][A-Z0-9_]*\.[a-z0-9]+$/;

/** Files of other programs that docs name by their plain name (VS Code's user settings, code-server's config, Inspektor Gadget's metadata). */
const OTHER_PROGRAMS = new Set(['settings.json', 'keybindings.json', 'config.yaml', 'gadget.yaml']);

/** The repository's files and folders, as paths relative to the root. */
function tracked() {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  const files = r.stdout.split('\n').filter(Boolean);
  const dirs = new Set();
  for (const f of files) for (let d = dirname(f); d !== '.'; d = dirname(d)) dirs.add(d);
  return { files, dirs };
}

/** A path through a symbolic link of the repository (demo/src -> ../test/fixtures/src) that leads to a tracked file or folder. */
function throughLink(p, repo) {
  try {
    const real = relative(root, realpathSync(join(root, p)));
    return !real.startsWith('..') && real !== p && (repo.files.includes(real) || repo.dirs.has(real));
  } catch {
    return false;
  }
}

/**
 * Problems in one Markdown file: relative links that lead nowhere or out of the repository,
 * backticked paths that no file of the repository ends with.
 * @param {string} doc path relative to the root
 * @param {string} text
 * @param {{ files: string[], dirs: Set<string> }} repo
 * @returns {string[]}
 */
export function docProblems(doc, text, repo) {
  const problems = [];
  const exists = (p) => repo.files.includes(p) || repo.dirs.has(p.replace(/\/$/, '')) || throughLink(p, repo);
  const lines = text.split('\n');
  let fenced = false;
  lines.forEach((line, i) => {
    const at = `${doc}:${i + 1}`;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (/^(<{7}|>{7})( |$)|^={7}$/.test(line)) problems.push(`${at}: a merge conflict's marker left in the text`);
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // a URL, or an in-page anchor
      const path = normalize(join(dirname(doc), target));
      if (path.startsWith('..')) problems.push(`${at}: links outside the repository: ${m[1]}`);
      else if (!exists(path)) problems.push(`${at}: links to ${m[1]}, which is not in the repository`);
    }
    if (fenced) return; // examples of terminal sessions name the user's files
    for (const m of line.matchAll(/`([^`\s]+)`/g)) {
      const word = m[1].replace(/[:,;]$/, '').replace(/:\d+$/, '');
      if (GENERATED.test(word) || OTHER_PROGRAMS.has(word) || !(FILE_ENDINGS.test(word) || (word.endsWith('/') && word.includes('/')))) continue;
      const bare = word.replace(/^\.\//, '').replace(/\/$/, '');
      const found = exists(bare) || exists(normalize(join(dirname(doc), bare))) || repo.files.some((f) => f.endsWith(`/${bare}`)) || [...repo.dirs].some((d) => d.endsWith(`/${bare}`));
      if (!found) problems.push(`${at}: names \`${m[1]}\`, which is not in the repository`);
    }
    if (/\b(DESIGN|TESTING)\.md\b/.test(line) && !repo.files.some((f) => /(^|\/)(DESIGN|TESTING)\.md$/.test(f))) {
      problems.push(`${at}: refers to a document outside the repository (${/\b(DESIGN|TESTING)\.md\b/.exec(line)?.[0]})`);
    }
  });
  return problems;
}

function check() {
  const repo = tracked();
  const docs = repo.files.filter((f) => f.endsWith('.md') && !f.includes('node_modules/') && existsSync(join(root, f)));
  const problems = docs.flatMap((d) => docProblems(d, readFileSync(join(root, d), 'utf8'), repo));
  if (problems.length) {
    process.stderr.write(`docs: ${problems.length} reference${problems.length === 1 ? '' : 's'} to nothing in the repository:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stderr.write(`docs: ${docs.length} Markdown files, every path they name is in the repository\n`);
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  if (process.argv[2] === 'check') check();
  else {
    process.stderr.write('usage: node scripts/docs.mjs check\n');
    process.exit(2);
  }
}
