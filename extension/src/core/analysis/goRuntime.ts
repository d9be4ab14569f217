/**
 * A Go program as the analysis sees it: its threads are the Go scheduler's (Ms). They wait in the
 * runtime's netpoller (epoll_pwait) and sleep in its scheduler (sysmon, spinning Ms), and a
 * goroutine's blocking call parks only that goroutine while the others run on other threads. So
 * what would be an event loop blocked or spinning in a C program is the runtime at work there: no
 * line of the program's to change. The threads keep their models; the evidence and the process's
 * verdict say it is the Go runtime, and the rules about a loop of the program's own do not apply.
 */
import type { ProcessVerdict, RuleId, ThreadVerdict } from './types';

/**
 * Rules about an event loop of the program's own, which a Go program's runtime threads are not
 * (herd-wakeups: the netpoller hands a readiness to one goroutine, and its Accept tries accept4
 * first and parks on EAGAIN — an EAGAIN a connection, on whichever thread runs it).
 */
export const GO_RUNTIME_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['loop-blocked', 'busy-poll', 'herd-wakeups']);

/** What goroutines on a thread blocked in (models.ts blockingOf), null when nothing worth a model. */
export type GoroutineBlocking = (t: ThreadVerdict) => { calls: string; what: string } | null;

/**
 * The threads' verdicts, a Go program's waits in the netpoller said to be its runtime's, with what
 * its goroutines blocked in on that thread (etcd's WAL fdatasyncs run on the Ms that also poll).
 */
export function goRuntimeThreads(threads: readonly ThreadVerdict[], goPids: ReadonlySet<number>, blocked: GoroutineBlocking): ThreadVerdict[] {
  return threads.map((t) => {
    if (!goPids.has(t.pid) || t.model !== 'multiplexing') return t;
    const b = blocked(t);
    const also = b ? `; its goroutines blocked in ${b.calls}` : '';
    return { ...t, evidence: `the Go runtime's netpoller and scheduler (a goroutine's blocking call parks only that goroutine): ${t.evidence}${also}` };
  });
}

/**
 * ", goroutines blocking in fsyncs on 6 of them": what a Go program's goroutines blocked in on its
 * `of` loop threads (each thread's models.ts blockingOf, null where nothing worth a model), '' when
 * on none.
 */
export function goroutinesBlockingOn(blocked: readonly ({ readonly what: string } | null)[], of: number): string {
  const kinds = new Map<string, number>();
  for (const b of blocked) if (b) kinds.set(b.what, (kinds.get(b.what) ?? 0) + 1);
  const on = [...kinds.values()].reduce((a, b) => a + b, 0);
  if (!on) return '';
  const what = [...kinds].sort((a, b) => b[1] - a[1]).map(([w]) => w).join(' and ');
  const them = on >= of ? (of === 1 ? 'it' : 'all of them') : `${on.toLocaleString('en-US')} of them`;
  return `, goroutines blocking in ${what} on ${them}`;
}

/** The processes' verdicts, a Go program's said to be the Go runtime's. */
export function goRuntimeVerdicts(processes: readonly ProcessVerdict[], goPids: ReadonlySet<number>): ProcessVerdict[] {
  return processes.map((p) => (goPids.has(p.pid) ? { ...p, verdict: `Go runtime, goroutines over its netpoller: ${p.verdict}` } : p));
}
