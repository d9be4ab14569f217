/**
 * One line of an strace log (`strace -f -tt -T [-k] [-y] -o FILE`, or `-ttt`): whose it is, when,
 * and what — a system call (whole, or cut by another thread's line into `<unfinished ...>` and
 * `<... NAME resumed>`), a signal, an exit, a stack frame (`-k`), or strace's own notes. Calls
 * that were cut are joined back here, per thread.
 */
import { timeProblem } from './clock';
import { closingParen } from './values';

/** Thread ids are at most the kernel's PID_MAX_LIMIT (4,194,304); anything past 2^31 is a mangled line. */
const MAX_TID = 0x7fffffff;

/** A frame of a `-k` stack: ` > /lib/libc.so.6(read+0x4c) [0xf82ec]`, with `file:line` from `-kk`. */
export interface StraceFrame {
  readonly module: string | null;
  readonly symbol: string | null;
  /** The address strace printed: an address inside the module's ELF image. */
  readonly addr: bigint | null;
  readonly file: string | null;
  readonly line: number | null;
  /** What strace said instead of a frame (an unwinding error). */
  readonly error: string | null;
}

/** A whole system call. */
export interface StraceCall {
  readonly kind: 'call';
  readonly tid: number | null;
  /** The call's start: the time on its first line. */
  readonly time: string;
  readonly name: string;
  /** The argument list's text, between the parentheses. */
  readonly args: string;
  /** `= RET...` split: the value (null for `?`), the errno name, the parenthesized note, the fd path (-y). */
  readonly ret: bigint | null;
  readonly errno: string | null;
  readonly note: string | null;
  readonly retPath: string | null;
  /** `<0.000053>` in seconds, null without -T. */
  readonly dur: string | null;
  /** The log ended before the call did. */
  readonly unfinished: boolean;
}

/** Any line. */
export type StraceLine =
  | StraceCall
  | { readonly kind: 'unfinished'; readonly tid: number | null; readonly time: string }
  | { readonly kind: 'signal'; readonly tid: number | null; readonly time: string; readonly name: string; readonly info: string }
  | { readonly kind: 'exit'; readonly tid: number | null; readonly time: string; readonly status: number | null; readonly signal: string | null }
  | { readonly kind: 'stack'; readonly frame: StraceFrame }
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'blank' };

/** A line that looks like strace's but cannot be read. */
export class LineSyntaxError extends Error {}

const PREFIX = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(\d\d:\d\d:\d\d(?:\.\d+)?|\d{5,}\.\d+)\s+(.*)$/;
const NO_TIME = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?([A-Za-z_][A-Za-z0-9_]*\(|<\.\.\. |--- |\+\+\+ )/;
const RET = /^\s*=\s*(\?|-?\d+|0x[0-9a-fA-F]+)(?:<((?:[^>]|>(?![\s<]|$))*)>)?(?:\s+([A-Z][A-Z0-9_]*))?(?:\s+\((.*)\))?\s*(?:<(\d+(?:\.\d+)?|unavailable)>)?\s*$/;

/** Parse a ` > ...` stack line. */
export function parseFrame(text: string): StraceFrame {
  const body = text.replace(/^ > /, '');
  const addr = /^(.*)\s\[0x([0-9a-fA-F]+)\](?: (\S+):(\d+))?$/.exec(body);
  if (!addr) return { module: null, symbol: null, addr: null, file: null, line: null, error: body };
  const [, where, hex, file, line] = addr;
  const base = { addr: BigInt('0x' + hex), file: file ?? null, line: line ? Number(line) : null };
  const sym = /^(.*?)\((.*)\)$/.exec(where);
  if (!sym) return { ...base, module: null, symbol: null, error: where };
  const symbol = sym[2].replace(/\+0x[0-9a-fA-F]+$/, '');
  return { ...base, module: sym[1], symbol: symbol || null, error: null };
}

/** Split the text after a call's closing parenthesis. */
function parseRet(text: string): Pick<StraceCall, 'ret' | 'errno' | 'note' | 'retPath' | 'dur'> {
  const m = RET.exec(text);
  if (!m) throw new LineSyntaxError(`cannot read the result '${text.trim()}'`);
  const [, value, path, errno, note, dur] = m;
  // a call of 30 years is a mangled line (and a 400-digit one is Infinity)
  if (dur && dur !== 'unavailable' && !(Number(dur) < 1e9)) throw new LineSyntaxError(`cannot read the duration <${dur}>`);
  return {
    ret: value === '?' ? null : BigInt(value),
    retPath: path ?? null,
    errno: errno ?? null,
    note: note ?? null,
    dur: dur && dur !== 'unavailable' ? dur : null,
  };
}

/** Reads lines; joins each thread's `<unfinished ...>` with its `<... resumed>`. */
export class LineReader {
  /** Per thread, the call it left unfinished: its name, time, text so far and line number. */
  private readonly open = new Map<string, { name: string; time: string; args: string; line: number }>();

  /** Calls still unfinished when the log ended (their text so far), with the line each began on. */
  pending(): { call: StraceCall; line: number }[] {
    const out: { call: StraceCall; line: number }[] = [];
    for (const [tid, o] of this.open) {
      const call: StraceCall = { kind: 'call', tid: tid === '' ? null : Number(tid), time: o.time, name: o.name, args: o.args, ret: null, errno: null, note: null, retPath: null, dur: null, unfinished: true };
      out.push({ call, line: o.line });
    }
    this.open.clear();
    return out;
  }

  /** One line (without its newline; `line` its number). Throws LineSyntaxError when it cannot be read. */
  read(text: string, line = 0): StraceLine {
    if (!text.trim()) return { kind: 'blank' };
    if (text.startsWith(' > ')) return { kind: 'stack', frame: parseFrame(text) };
    const m = PREFIX.exec(text);
    if (!m) {
      if (/^(strace: |\[ Process PID=)/.test(text)) return { kind: 'note', text };
      if (NO_TIME.test(text)) throw new LineSyntaxError('no timestamp: record with strace -tt (or -ttt)');
      throw new LineSyntaxError('not an strace line');
    }
    const tid = m[1] ?? m[2];
    const time = m[3];
    const body = m[4];
    const tidNum = tid === undefined ? null : Number(tid);
    const badTime = timeProblem(time);
    if (badTime) throw new LineSyntaxError(badTime);
    if (tidNum !== null && !(tidNum > 0 && tidNum <= MAX_TID)) throw new LineSyntaxError(`cannot read the thread id '${tid}'`);
    if (body.startsWith('--- ')) {
      const sig = /^--- (SIG[A-Z0-9_]+|stopped by \S+) (.*)---$/.exec(body) ?? /^--- (SIG[A-Z0-9_]+)\s*---$/.exec(body);
      if (!sig) throw new LineSyntaxError('cannot read this signal line');
      if (sig[1].startsWith('stopped')) return { kind: 'note', text };
      return { kind: 'signal', tid: tidNum, time, name: sig[1], info: (sig[2] ?? '').trim() };
    }
    if (body.startsWith('+++ ')) {
      const exited = /^\+\+\+ exited with (\d+) \+\+\+$/.exec(body);
      if (exited) return { kind: 'exit', tid: tidNum, time, status: Number(exited[1]), signal: null };
      const killed = /^\+\+\+ killed by (SIG[A-Z0-9_]+)(?: \(core dumped\))? \+\+\+$/.exec(body);
      if (killed) return { kind: 'exit', tid: tidNum, time, status: null, signal: killed[1] };
      if (/^\+\+\+ superseded by execve/.test(body)) return { kind: 'note', text };
      throw new LineSyntaxError('cannot read this exit line');
    }
    const key = tid ?? '';
    const resumed = /^<\.\.\. ([A-Za-z0-9_]+) resumed>(.*)$/.exec(body);
    let name: string;
    let args: string;
    let start = time;
    if (resumed) {
      const o = this.open.get(key);
      this.open.delete(key);
      if (!o || o.name !== resumed[1]) throw new LineSyntaxError(`'${resumed[1]}' resumed, but this thread did not leave it unfinished`);
      name = o.name;
      args = o.args + resumed[2];
      start = o.time;
    } else {
      const call = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)$/.exec(body);
      if (!call) throw new LineSyntaxError('not a system call, signal or exit');
      name = call[1];
      args = call[2];
    }
    const cut = / ?<unfinished \.\.\.>$/.exec(args);
    if (cut) {
      if (this.open.has(key)) throw new LineSyntaxError(`a second call of this thread is unfinished (${this.open.get(key)?.name})`);
      this.open.set(key, { name, time: start, args: args.slice(0, cut.index), line });
      return { kind: 'unfinished', tid: tidNum, time };
    }
    const close = closingParen(args, 0);
    if (close < 0) throw new LineSyntaxError(`the arguments of ${name} do not close`);
    return { kind: 'call', tid: tidNum, time: start, name, args: args.slice(0, close), ...parseRet(args.slice(close + 1)), unfinished: false };
  }
}
