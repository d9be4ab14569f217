/**
 * glibc's POSIX AIO (aio_read, aio_write, lio_listio): no kernel AIO at all. The first request on a
 * file starts a helper thread in the C library (rt/aio_misc.c, `handle_fildes_io`), which runs that
 * file's requests one after another as plain blocking calls. Its threads are recognised by that
 * frame on the stacks of their blocking calls; they are the process's pool workers ("pseudo-async"),
 * and the posix-aio rule says that the requests ran one at a time, as blocking calls.
 */
import type { ResolvedStack } from '../symbols/stacks';
import { formatDuration } from '../../../../shared/format';
import { POSIX_AIO_FIX } from './catalogue';
import { plural, type AnalysisContext } from './context';
import { severityOf } from './severity';
import type { ThreadState } from './threadState';
import type { RawFinding, ThreadVerdict } from './types';

/** The C library's function that runs a file's POSIX AIO requests on its helper thread. */
const HELPER_FUNCTION = 'handle_fildes_io';
/** Its source file in glibc (the function's name is gone where only the line tables are left). */
const HELPER_FILE = /(^|\/)rt\/aio_misc\.c$/;
/** The modules it lives in: libc.so.6 since glibc 2.34, librt.so.1 before. */
const HELPER_MODULE = /(^|\/)lib(c|rt)([.-][^/]*)?\.so[^/]*$/;

/** The stack is a call made by glibc's POSIX AIO helper thread for a request. */
export function isPosixAioStack(stack: ResolvedStack | undefined): boolean {
  if (!stack) return false;
  return stack.frames.some(
    (f) => (f.function === HELPER_FUNCTION || (f.file !== null && HELPER_FILE.test(f.file))) && f.module !== null && HELPER_MODULE.test(f.module),
  );
}

/**
 * A thread is glibc's POSIX AIO helper when most of the call sites of its blocking calls are the
 * helper's (`posixAio` tells a stack id's), and it has made a few.
 */
export function posixAioHelper(t: ThreadState, posixAio: (stackId: bigint) => boolean): boolean {
  if (t.blockedAll.count < MIN_REQUESTS || !t.blockingSites.size) return false;
  let helper = 0;
  for (const s of t.blockingSites) if (posixAio(s)) helper++;
  return helper * 2 > t.blockingSites.size;
}

/** Requests a helper thread must have run before the rule speaks. */
const MIN_REQUESTS = 8;

/** The posix-aio finding of each process whose POSIX AIO helpers ran requests. */
export function posixAioFindings(ctx: AnalysisContext, threads: readonly ThreadVerdict[], helpers: ReadonlySet<number>): RawFinding[] {
  const byPid = new Map<number, ThreadState[]>();
  for (const v of threads) {
    if (!helpers.has(v.tid)) continue;
    const t = ctx.threads.get(v.pid, v.tid);
    const list = byPid.get(v.pid);
    if (list) list.push(t);
    else byPid.set(v.pid, [t]);
  }
  const span = ctx.span.last - ctx.span.first;
  const out: RawFinding[] = [];
  for (const [pid, list] of byPid) {
    const requests = list.reduce((n, t) => n + t.blockedAll.count, 0);
    const ns = list.reduce((n, t) => n + t.blockedAll.ns, 0);
    const calls = new Map<string, number>();
    for (const t of list) for (const [call, c] of t.blockedCalls) calls.set(call, (calls.get(call) ?? 0) + c.count);
    const callText = [...calls].sort((a, b) => b[1] - a[1]).map(([call, n]) => `${call} ×${n.toLocaleString('en-US')}`).join(', ');
    const top = list.reduce((a, b) => (b.blockedAll.ns > a.blockedAll.ns ? b : a));
    const name = ctx.threadName(pid, pid) || 'process';
    out.push({
      rule: 'posix-aio', severity: severityOf(ns, span, 'medium'),
      title: `${name} ${pid}'s POSIX AIO ran as ${plural(requests, 'blocking call')} on ${plural(list.length, 'glibc helper thread')}, one request at a time per file (${formatDuration(ns)})`,
      detail: `glibc implements aio_read/aio_write in the C library: the first request on a file starts a helper thread (rt/aio_misc.c), which runs that file's requests one after another as blocking calls (${callText}; threads ${list.map((t) => `${t.pid}/${t.tid}`).join(', ')}). However many requests the program keeps queued, at most one per file is in the kernel at a time, and each costs a thread hand-off. The requests are queued in user space (no system call), so no line of the program is on these stacks.`,
      suggestion: POSIX_AIO_FIX, pid, tid: top.tid, thread: ctx.threadName(pid, top.tid), stackId: [...top.blockingSites][0] ?? 0n, impactNs: ns,
      events: top.blockedTop.list(), eventCount: requests, chain: [],
    });
  }
  return out;
}
