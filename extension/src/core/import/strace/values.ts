/**
 * strace's way of printing values, read back: numbers (an fd with `-y` carries its path as
 * `3</path>`), C strings (possibly cut short with `...`), arrays and sets (`[1, 2]`, `[IO RTMIN]`,
 * `~[]`), structs (`{events=EPOLLIN, data={u32=3, u64=3}}`), flag sets (`O_RDWR|O_NONBLOCK|0x8`),
 * macro-like calls (`makedev(0x1, 0x3)`), a wait status's tests (`WIFEXITED(s) && WEXITSTATUS(s) == 0`,
 * each operator a call of its two sides), comments (`/* 39 vars *\/`) and in/out pairs
 * (`{...} => {...}`: the value after the call).
 */

/** A value as strace printed it. */
export type SValue =
  | { readonly k: 'num'; readonly v: bigint; readonly path?: string }
  | { readonly k: 'str'; readonly v: string; readonly truncated: boolean }
  | { readonly k: 'list'; readonly v: readonly SValue[]; readonly negated: boolean }
  | { readonly k: 'struct'; readonly v: Readonly<Record<string, SValue>>; readonly positional: readonly SValue[] }
  | { readonly k: 'flags'; readonly v: readonly string[] }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly SValue[] }
  | { readonly k: 'more' };

/** A value strace printed in a way this parser cannot read. */
export class ValueSyntaxError extends Error {}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
/** The operators strace writes inside a value (a wait status), each read as a call of two arguments. */
const LOGIC = ['&&', '||', '==', '!='];
const NUMBER = /-?(?:0x[0-9a-fA-F]+|\d+)/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', v: '\v', f: '\f', a: '\x07', b: '\b', '\\': '\\', '"': '"', "'": "'", '?': '?' };

/** Reads values from one line's argument text. */
export class ValueReader {
  pos = 0;

  constructor(readonly text: string) {}

  private ws(): void {
    for (;;) {
      while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
      if (this.text.startsWith('/*', this.pos)) {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) throw new ValueSyntaxError(`unterminated comment at column ${this.pos + 1}`);
        this.pos = end + 2;
        continue;
      }
      return;
    }
  }

  private peek(): string {
    this.ws();
    return this.text[this.pos] ?? '';
  }

  /** The rest, from here. */
  rest(): string {
    return this.text.slice(this.pos);
  }

  /** Comma-separated values up to `close` (consumed) or the end of the text. */
  list(close: string | null): SValue[] {
    const out: SValue[] = [];
    for (;;) {
      const c = this.peek();
      if (close !== null && c === close) {
        this.pos++;
        return out;
      }
      if (c === '') {
        if (close !== null) throw new ValueSyntaxError(`'${close}' expected before the end`);
        return out;
      }
      out.push(this.value());
      const next = this.peek();
      if (next === ',') this.pos++;
      else if (close !== null && next !== close && close === ']') continue; // sets: [IO RTMIN]
      else if (next !== close && next !== '') throw new ValueSyntaxError(`unexpected '${next}' at column ${this.pos + 1}`);
    }
  }

  /** One value (`a => b` gives b: what the call wrote). */
  value(): SValue {
    let v = this.primary();
    for (;;) {
      this.ws();
      if (this.text.startsWith('=>', this.pos)) {
        this.pos += 2;
        v = this.primary();
      } else if (LOGIC.some((op) => this.text.startsWith(op, this.pos))) {
        // a wait status as strace spells it: {WIFEXITED(s) && WEXITSTATUS(s) == 0}
        const op = this.text.slice(this.pos, this.pos + 2);
        this.pos += 2;
        v = { k: 'call', name: op, args: [v, this.primary()] };
      } else if (this.text[this.pos] === '|') {
        // a flag set: keep its words
        this.pos++;
        const rhs = this.primary();
        v = { k: 'flags', v: [...words(v), ...words(rhs)] };
      } else {
        return v;
      }
    }
  }

  private primary(): SValue {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === '[') {
      this.pos++;
      return { k: 'list', v: this.list(']'), negated: false };
    }
    if (c === '~' && this.text[this.pos + 1] === '[') {
      this.pos += 2;
      return { k: 'list', v: this.list(']'), negated: true };
    }
    if (c === '{') {
      this.pos++;
      return this.struct();
    }
    if (this.text.startsWith('...', this.pos)) {
      this.pos += 3;
      return { k: 'more' };
    }
    NUMBER.lastIndex = this.pos;
    const num = NUMBER.exec(this.text);
    if (num) {
      this.pos += num[0].length;
      const v = BigInt(num[0].startsWith('-0x') ? '-' + BigInt(num[0].slice(1)).toString() : num[0]);
      if (this.text[this.pos] === '<') {
        // an fd and what it is (-y): 3</path>, 4<pipe:[1234]>
        const end = this.pathEnd(this.pos + 1);
        const path = this.text.slice(this.pos + 1, end);
        this.pos = end + 1;
        return { k: 'num', v, path };
      }
      return { k: 'num', v };
    }
    IDENT.lastIndex = this.pos;
    const id = IDENT.exec(this.text);
    if (id) {
      this.pos += id[0].length;
      if (this.text[this.pos] === '(') {
        this.pos++;
        return { k: 'call', name: id[0], args: this.list(')') };
      }
      // AT_FDCWD</home/me>: -y describes the directory too
      if (this.text[this.pos] === '<') this.pos = this.pathEnd(this.pos + 1) + 1;
      return { k: 'flags', v: [id[0]] };
    }
    throw new ValueSyntaxError(c ? `unexpected '${c}' at column ${this.pos + 1}` : 'a value expected before the end');
  }

  /** Where an fd's `<...>` description ends: the '>' followed by the end of the value. */
  private pathEnd(from: number): number {
    let i = from;
    for (;;) {
      const end = this.text.indexOf('>', i);
      if (end < 0) throw new ValueSyntaxError(`unterminated fd description at column ${from}`);
      const after = this.text[end + 1] ?? '';
      if (after === '' || ',)]} '.includes(after)) return end;
      i = end + 1;
    }
  }

  private struct(): SValue {
    const fields: Record<string, SValue> = {};
    const positional: SValue[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '}') {
        this.pos++;
        return { k: 'struct', v: fields, positional };
      }
      if (c === '') throw new ValueSyntaxError("'}' expected before the end");
      IDENT.lastIndex = this.pos;
      const id = IDENT.exec(this.text);
      const eq = id ? this.text.indexOf('=', this.pos) : -1;
      if (id && eq === this.pos + id[0].length && this.text[eq + 1] !== '>') {
        this.pos = eq + 1;
        fields[id[0]] = this.value();
      } else {
        positional.push(this.value());
      }
      const next = this.peek();
      if (next === ',') this.pos++;
      else if (next !== '}') throw new ValueSyntaxError(`unexpected '${next || 'end'}' in a struct at column ${this.pos + 1}`);
    }
  }

  private string(): SValue {
    let out = '';
    let i = this.pos + 1;
    for (;;) {
      const ch = this.text[i];
      if (ch === undefined) throw new ValueSyntaxError(`unterminated string at column ${this.pos + 1}`);
      if (ch === '"') break;
      if (ch !== '\\') {
        out += ch;
        i++;
        continue;
      }
      const e = this.text[i + 1] ?? '';
      if (e === 'x') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(this.text.slice(i + 2));
        out += String.fromCharCode(parseInt(m?.[0] ?? '0', 16));
        i += 2 + (m?.[0].length ?? 0);
      } else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(this.text.slice(i + 1)) as RegExpExecArray;
        out += String.fromCharCode(parseInt(m[0], 8));
        i += 1 + m[0].length;
      } else {
        out += ESCAPES[e] ?? e;
        i += 2;
      }
    }
    this.pos = i + 1;
    const truncated = this.text.startsWith('...', this.pos);
    if (truncated) this.pos += 3;
    return { k: 'str', v: out, truncated };
  }
}

function words(v: SValue): string[] {
  if (v.k === 'flags') return [...v.v];
  if (v.k === 'num') return ['0x' + v.v.toString(16)];
  return [];
}

/**
 * Where the call's argument list closes: the `)` at depth 0 from `from` (just after the call's
 * `(`), skipping strings, brackets and fd descriptions; -1 when it does not close on this text.
 */
export function closingParen(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return ch === ')' ? i : -1;
      depth--;
    } else if (ch === '<' && /\d/.test(text[i - 1] ?? '')) {
      // an fd description may hold brackets: 4<pipe:[1234]>
      const end = text.indexOf('>', i);
      if (end > 0) i = end;
    }
  }
  return -1;
}
