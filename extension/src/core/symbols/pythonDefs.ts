/**
 * The line of a Python function's `def`, from its qualified name and its source file: CPython's
 * perf trampolines name a frame's function and file (`py::main.<locals>.ticker:/srv/app.py`), not
 * its line, so a finding in Python code had no line to mark. The def's line is what V8's perf map
 * gives for a JavaScript function too: the editor opens the function that made the call.
 *
 * The file is named by the traced program's perf map: read only if it is a regular `.py` file of
 * bounded size, without blocking; its text is only searched for the names, never run or kept.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Larger source files are not read. */
const MAX_SOURCE_BYTES = 8 << 20;
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

/**
 * The 1-based line of the `def` (or `class`) that a qualified name (`Handler.handle`,
 * `main.<locals>.ticker`) names in `source`, or null: a name the text does not hold, or one of
 * code without a def (`<module>`, `<lambda>`, a comprehension).
 */
export function defLine(source: string, qualname: string): number | null {
  const names = qualname.split('.').filter((n) => n !== '<locals>');
  if (!names.length || names.some((n) => !/^[A-Za-z_]\w*$/.test(n))) return null;
  const lines = source.split('\n');
  let from = 0;
  let to = lines.length;
  let parentIndent = -1;
  let found: number | null = null;
  for (const name of names) {
    found = null;
    for (let i = from; i < to; i++) {
      const m = DEF.exec(lines[i]);
      if (!m || m[2] !== name) continue;
      const indent = indentOf(m[1]);
      if (indent <= parentIndent) continue;
      found = i;
      parentIndent = indent;
      break;
    }
    if (found === null) return null;
    from = found + 1;
    to = lines.length;
    for (let i = from; i < lines.length; i++) {
      if (endsBlock(lines[i], parentIndent)) {
        to = i;
        break;
      }
    }
  }
  return found === null ? null : found + 1;
}

/** Reads Python source files once each and answers def lines from them. */
export class PythonDefs {
  private readonly sources = new Map<string, string | null>();

  /** The line of `qualname`'s def in `file`, or null (the file cannot be read or has no such def). */
  lineOf(file: string, qualname: string): number | null {
    const source = this.source(file);
    return source === null ? null : defLine(source, qualname);
  }

  private source(file: string): string | null {
    let text = this.sources.get(file);
    if (text === undefined) {
      text = readSource(file);
      this.sources.set(file, text);
    }
    return text;
  }
}

/** A `.py` file's text, or null when it is none, cannot be read or is too large. */
function readSource(file: string): string | null {
  if (!file.startsWith('/') || !/\.pyw?$/.test(file)) return null;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n <= 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
