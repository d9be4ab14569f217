/**
 * The line of a JavaScript frame's call: V8's perf map gives a function's first line and column
 * (`(anonymous) app.js:4:34`), not the line that called. The next frame tells what it called
 * (`readFileSync` of node:fs); the function's source, parsed with acorn, tells where — when its
 * own body (nested functions left out) calls that name on one line only, or through its module on
 * one line only (`fs.readFileSync(` among several `readFileSync(`).
 *
 * The file is named by the traced program's perf map: read by sourceText.ts (a regular .js, .mjs
 * or .cjs file of bounded size, without blocking), parsed, never run.
 */
import { parse, type Node } from 'acorn';
import { readSourceText, type CalledName } from './sourceText';
import { isV8Builtin } from './cfiUnwind';

/** A node of acorn's tree as this module walks it: any field may hold child nodes. */
type AnyNode = Node & Record<string, unknown>;

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function isNode(x: unknown): x is AnyNode {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

/** Each child node of `node`. */
function* childrenOf(node: AnyNode): Generator<AnyNode> {
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) yield v;
    } else if (isNode(value)) yield value;
  }
}

/** The program's tree, as a module or else as a script (CommonJS: a `return` at the top is allowed); null when neither parses. */
function parseProgram(source: string): AnyNode | null {
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return parse(source, {
        ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: sourceType === 'script',
        allowAwaitOutsideFunction: true, locations: true,
      }) as unknown as AnyNode;
    } catch {
      // the other type, or no tree
    }
  }
  return null;
}

/** The innermost function whose source holds `offset`. */
function functionAt(root: AnyNode, offset: number): AnyNode | null {
  let found: AnyNode | null = null;
  const visit = (node: AnyNode): void => {
    if (offset < node.start || offset >= node.end) return;
    if (FUNCTION_TYPES.has(node.type)) found = node;
    for (const child of childrenOf(node)) visit(child);
  };
  visit(root);
  return found;
}

/** The name a call's callee ends in (`readFileSync` of `fs.readFileSync(...)`), and the identifier before it. */
function calleeNames(call: AnyNode): { name: string | null; object: string | null } {
  let callee = call.callee as AnyNode;
  if (callee.type === 'ChainExpression') callee = callee.expression as AnyNode;
  if (callee.type === 'Identifier') return { name: callee.name as string, object: null };
  if (callee.type !== 'MemberExpression') return { name: null, object: null };
  const prop = callee.property as AnyNode;
  const name = prop.type === 'Identifier' && !callee.computed ? (prop.name as string)
    : prop.type === 'Literal' && typeof prop.value === 'string' ? prop.value : null;
  const obj = callee.object as AnyNode;
  return { name, object: obj.type === 'Identifier' ? (obj.name as string) : null };
}

/** 0-based offset of 1-based `line` and `column` in `source`, or null past its end. */
function offsetOf(source: string, line: number, column: number): number | null {
  let at = 0;
  for (let l = 1; l < line; l++) {
    at = source.indexOf('\n', at) + 1;
    if (at === 0) return null;
  }
  const offset = at + column - 1;
  return offset < source.length ? offset : null;
}

/** Where a call is in a source: 1-based line and column of the name called (`readFileSync` in `fs.readFileSync(`). */
export interface CallPosition {
  readonly line: number;
  readonly column: number;
}

/** The position of the name a call's callee ends in. */
function namePosition(call: AnyNode): CallPosition | null {
  let callee = call.callee as AnyNode;
  if (callee.type === 'ChainExpression') callee = callee.expression as AnyNode;
  const at = (callee.type === 'MemberExpression' ? (callee.property as AnyNode) : callee).loc?.start;
  return at ? { line: at.line, column: at.column + 1 } : null;
}

/** See jsCallLine: in a parsed program. */
function callIn(root: AnyNode | null, source: string, line: number, column: number, callee: CalledName): CallPosition | null {
  const offset = offsetOf(source, line, column);
  if (!root || offset === null) return null;
  // a CommonJS module's code runs in the function Node.js wraps it in, which V8 places at 1:1
  const fn = functionAt(root, offset) ?? (offset === 0 ? root : null);
  if (!fn) return null;
  const calls = new Map<number, CallPosition>();
  const viaModule = new Map<number, CallPosition>();
  const visit = (node: AnyNode): void => {
    if (node !== fn && FUNCTION_TYPES.has(node.type)) return;
    if (node.type === 'CallExpression' || node.type === 'NewExpression') {
      const { name, object } = calleeNames(node);
      const at = name === callee.name ? namePosition(node) : null;
      if (at) {
        if (!calls.has(at.line)) calls.set(at.line, at);
        if (callee.module !== null && object === callee.module && !viaModule.has(at.line)) viaModule.set(at.line, at);
      }
    }
    for (const child of childrenOf(node)) visit(child);
  };
  visit(fn);
  if (calls.size === 1) return [...calls.values()][0];
  return viaModule.size === 1 ? [...viaModule.values()][0] : null;
}

/**
 * Where the function that starts at `line`:`column` (1-based, as V8 names it) calls `callee`,
 * when its own body calls it on exactly one line, or on exactly one through an identifier named
 * as its module; null otherwise (or when the source does not parse).
 */
export function jsCallLine(source: string, line: number, column: number, callee: CalledName): CallPosition | null {
  return callIn(parseProgram(source), source, line, column, callee);
}

/** Reads and parses JavaScript source files once each and answers call positions from them. */
export class JsSources {
  private readonly sources = new Map<string, { readonly text: string; readonly root: AnyNode | null } | null>();
  /** Answers given: file, function position and callee -> the call's position. */
  private readonly answers = new Map<string, CallPosition | null>();

  /** Where the function at `line`:`column` of `file` calls `callee`, or null (see jsCallLine). */
  callOf(file: string, line: number, column: number, callee: CalledName): CallPosition | null {
    const key = `${file}\0${line}:${column}\0${callee.module ?? ''}.${callee.name}`;
    let at = this.answers.get(key);
    if (at === undefined) {
      let parsed = this.sources.get(file);
      if (parsed === undefined) {
        const text = readSourceText(file, /\.[cm]?js$/);
        parsed = text === null ? null : { text, root: parseProgram(text) };
        this.sources.set(file, parsed);
      }
      at = parsed === null ? null : callIn(parsed.root, parsed.text, line, column, callee);
      this.answers.set(key, at);
    }
    return at;
  }
}

/** A frame as jsCalleeOf reads it (StackFrame's fields, leaf first). */
export interface JsCalleeFrame {
  readonly function: string | null;
  readonly file: string | null;
}

/** A frame of JavaScript code: Node.js' own (`node:fs`) or a script's file. */
function isJsFrame(f: JsCalleeFrame): boolean {
  return f.function !== null && f.file !== null && (f.file.startsWith('node:') || /\.[cm]?js$/.test(f.file));
}

/**
 * What the JavaScript frame at `index` of `frames` (leaf first) called: the next JavaScript
 * function leafward, past V8's builtins (`Builtins_*`), with its module when it is one of
 * Node.js' (`node:fs` → `fs`); null when a native frame or an unnamed function comes first —
 * except Node.js' fs binding (`node::fs::Fdatasync`), which a function calls directly once V8 has
 * inlined node:fs' wrapper into it: a system call on the calling thread's own stack is the
 * synchronous form, named as the API names it (`fdatasyncSync`; a binding named otherwise than its
 * API, as `WriteString`, names a call the source does not make, and the line stays the function's).
 */
export function jsCalleeOf(frames: readonly JsCalleeFrame[], index: number): CalledName | null {
  for (let i = index - 1; i >= 0; i--) {
    const f = frames[i];
    if (isV8Builtin(f.function)) continue;
    const binding = /^node::fs::([A-Z][A-Za-z]*)\(/.exec(f.function ?? '');
    if (binding) return { name: `${binding[1][0].toLowerCase()}${binding[1].slice(1)}Sync`, module: 'fs' };
    if (!isJsFrame(f)) return null;
    const name = (f.function as string).split('.').pop() ?? '';
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) return null;
    const node = /^node:([a-z_]+)$/.exec(f.file as string);
    return { name, module: node ? node[1] : null };
  }
  return null;
}
