/**
 * A wake-up chain in words, one line per hop: "read fd 5 <pipe> (20.1 ms): woken by stall-writer
 * 100/102 (write to fd 6)", then "← stall-writer 100/102 clock_nanosleep (20.0 ms) at
 * fixture.h:230: its timeout ended it". Shared by the report and the editor.
 */
import { formatDuration } from '../../../../shared/format';
import type { ChainHop, Where } from './types';
import { isPerfMapFile } from '../symbols/perfMapFile';

/** How a hop ended, in words. */
export function hopCause(h: ChainHop): string {
  switch (h.cause) {
    case 'thread':
      return `woken by ${h.by}`;
    case 'timeout':
      return 'its timeout ended it';
    case 'signal':
      return `interrupted by ${h.by ?? 'a signal'}`;
    case 'interrupt':
      return `woken by ${h.by ?? 'an interrupt'}`;
    case 'aio':
    case 'io_uring':
      return `ended by ${h.by ?? 'completions'}`;
    case 'fd':
      return h.by ?? 'an fd became ready';
    default:
      return 'no traced cause';
  }
}

function call(h: ChainHop): string {
  // an epoll fd's path says nothing the call's name does not
  const path = h.path && h.path !== 'anon_inode:[eventpoll]' ? ` <${h.path}>` : '';
  const fd = h.fd !== null ? ` fd ${h.fd}${path}` : '';
  return `${h.call}${fd} (${formatDuration(h.dur)})`;
}

/** A thread as the chain, the report and the editor name it: "stall-writer 100/102". */
export function threadLabel(name: string, pid: number, tid: number): string {
  return `${name ? `${name} ` : ''}${pid}/${tid}`;
}

/** The chain's lines; `where` formats a hop's location ("src/a.c:12 (f)"), `thread` names a thread. */
export function chainLines(hops: readonly ChainHop[], where: (h: ChainHop) => string | null, thread: (pid: number, tid: number) => string): string[] {
  return hops.map((h, i) => {
    const at = where(h);
    const loc = at ? ` at ${at}` : '';
    return `${i ? `← ${thread(h.pid, h.tid)} ` : ''}${call(h)}${loc}: ${hopCause(h)}`;
  });
}

/** "src/a.c:12 (f)", relative to `base` when inside it; "/usr/bin/x (f)" or "/usr/bin/x+0x1a2b0" without a line. */
export function whereText(w: Where | null, relative: (file: string) => string): string | null {
  if (!w) return null;
  // a Java method named by its JVM's perf map: no file, and the map's path tells the user nothing
  if (!w.file && w.function && w.module && isPerfMapFile(w.module)) return w.function;
  const file = w.file ? `${relative(w.file)}${w.line ? `:${w.line}` : ''}` : w.function ? (w.module ?? '?') : moduleAddress(w, w.module ?? '?');
  // a name already in parentheses (V8's "(anonymous)") is not wrapped twice
  const fn = w.function ? (w.function.startsWith('(') && w.function.endsWith(')') ? w.function : `(${w.function})`) : '';
  return fn ? `${file} ${fn}` : file;
}

/**
 * A frame with no function and no line, as a module and the call's address in its image
 * ("memcached+0x1a2b0", which `addr2line -e` takes): tells apart the call sites of a stripped binary.
 */
export function moduleAddress(w: Where, module: string): string {
  return w.imageAddr !== null ? `${module}+0x${w.imageAddr.toString(16)}` : module;
}
