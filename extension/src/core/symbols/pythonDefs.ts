/**
 * The line of a Python function's `def`, from its qualified name and its source file: CPython's
 * perf trampolines name a frame's function and file (`py::main.<locals>.ticker:/srv/app.py`), not
 * its line, so a finding in Python code had no line to mark. The def's line is what V8's perf map
 * gives for a JavaScript function too: the editor opens the function that made the call. Better,
 * the line of the call itself when the function makes it in one place (callLine: what it called is
 * read from the next frames, symbols/pythonCallee.ts).
 *
 * The file is named by the traced program's perf map: read by sourceText.ts (a regular `.py` file of
 * bounded size, without blocking); its text is only searched for the names, never run.
 */
import { readSourceText, type CalledName } from './sourceText';

const DEF = /^([ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_]\w*)\b/;

/** Indentation width of a line's leading blanks (a tab counts as 8, as Python's tokenizer does). */
function indentOf(lead: string): number {
  let n = 0;
  for (const c of lead) n = c === '\t' ? n + 8 - (n % 8) : n + 1;
  return n;
}

/** A line that ends a block at `indent`: code (not blank, not a comment) indented no deeper. */
function endsBlock(line: string, indent: number): boolean {
  const m = /^([ \t]*)(\S)/.exec(line);
  return m !== null && m[2] !== '#' && indentOf(m[1]) <= indent;
}

/** Where a def's block lies in a source's lines: the def's 0-based index, the end of its body (exclusive), its indentation. */
interface DefBlock {
  readonly def: number;
  readonly end: number;
  readonly indent: number;
}

/** The 0-based index just past the block that the line at `from - 1` (indented `indent`) opens. */
function blockEnd(lines: readonly string[], from: number, indent: number): number {
  for (let i = from; i < lines.length; i++) if (endsBlock(lines[i], indent)) return i;
  return lines.length;
}

/** The block of the `def` (or `class`) a qualified name names in `lines`, or null (see defLine). */
function defBlock(lines: readonly string[], qualname: string): DefBlock | null {
  const names = qualname.split('.').filter((n) => n !== '<locals>');
  if (!names.length || names.some((n) => !/^[A-Za-z_]\w*$/.test(n))) return null;
  let from = 0;
  let to = lines.length;
  let block: DefBlock | null = null;
  for (const name of names) {
    const parentIndent = block?.indent ?? -1;
    block = null;
    for (let i = from; i < to; i++) {
      const m = DEF.exec(lines[i]);
      if (!m || m[2] !== name) continue;
      const indent = indentOf(m[1]);
      if (indent <= parentIndent) continue;
      block = { def: i, end: blockEnd(lines, i + 1, indent), indent };
      break;
    }
    if (block === null) return null;
    from = block.def + 1;
    to = block.end;
  }
  return block;
}

/**
 * The 1-based line of the `def` (or `class`) that a qualified name (`Handler.handle`,
 * `main.<locals>.ticker`) names in `source`, or null: a name the text does not hold, or one of
 * code without a def (`<module>`, `<lambda>`, a comprehension).
 */
export function defLine(source: string | readonly string[], qualname: string): number | null {
  const block = defBlock(typeof source === 'string' ? source.split('\n') : source, qualname);
  return block === null ? null : block.def + 1;
}

/** A line's code without its comment (a `#` outside a string literal) nor its string literals' text. */
function codeOf(line: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) {
        quote = null;
        out += c;
      }
      continue;
    }
    if (c === '#') break;
    if (c === '"' || c === "'") quote = c;
    out += c;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The 1-based line inside the function a qualified name names where it calls `callee`, when its
 * own body (nested defs left out, comments and strings ignored) has exactly one such line — or
 * exactly one calling it through its module (`os.read(` among several `read(`); null otherwise.
 * CPython's perf map names a frame's function, not the line that called: the call the frame made
 * (the next frame's function) tells the line when the function makes that call in one place only.
 */
export function callLine(source: string | readonly string[], qualname: string, callee: CalledName): number | null {
  const lines = typeof source === 'string' ? source.split('\n') : source;
  const block = defBlock(lines, qualname);
  if (block === null || !/^[A-Za-z_]\w*$/.test(callee.name)) return null;
  const bare = new RegExp(`(?:^|[^\\w])${escapeRegExp(callee.name)}\\s*\\(`);
  const qualified = callee.module ? new RegExp(`(?:^|[^\\w.])${escapeRegExp(callee.module)}\\s*\\.\\s*${escapeRegExp(callee.name)}\\s*\\(`) : null;
  const calls: number[] = [];
  const viaModule: number[] = [];
  for (let i = block.def + 1; i < block.end; i++) {
    const nested = DEF.exec(lines[i]);
    if (nested) {
      i = blockEnd(lines, i + 1, indentOf(nested[1])) - 1;
      continue;
    }
    const code = codeOf(lines[i]);
    if (!bare.test(code)) continue;
    calls.push(i + 1);
    if (qualified?.test(code)) viaModule.push(i + 1);
  }
  if (calls.length === 1) return calls[0];
  return viaModule.length === 1 ? viaModule[0] : null;
}

/** Reads Python source files once each and answers def lines and call lines from them. */
export class PythonDefs {
  /** Each file's lines (null: not read). */
  private readonly sources = new Map<string, readonly string[] | null>();
  /** Answers given: file, qualified name and callee -> line. */
  private readonly answers = new Map<string, number | null>();

  /** The line of `qualname`'s def in `file`, or null (the file cannot be read or has no such def). */
  lineOf(file: string, qualname: string): number | null {
    return this.answer(`${file}\0${qualname}`, file, (lines) => defLine(lines, qualname));
  }

  /** The one line where `qualname` in `file` calls `callee`, or null (see callLine). */
  callLineOf(file: string, qualname: string, callee: CalledName): number | null {
    return this.answer(`${file}\0${qualname}\0${callee.module ?? ''}.${callee.name}`, file, (lines) => callLine(lines, qualname, callee));
  }

  private answer(key: string, file: string, find: (lines: readonly string[]) => number | null): number | null {
    let line = this.answers.get(key);
    if (line === undefined) {
      let lines = this.sources.get(file);
      if (lines === undefined) {
        lines = readSourceText(file, /\.pyw?$/)?.split('\n') ?? null;
        this.sources.set(file, lines);
      }
      line = lines === null ? null : find(lines);
      this.answers.set(key, line);
    }
    return line;
  }
}
