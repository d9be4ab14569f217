/**
 * loop-blocked: an event-loop thread blocked inside a turn — a flush, a file read, a blocking pipe
 * or socket call, a sleep. One finding per thread, call site and call; impact: the time blocked
 * (counted calls under --min-duration included when they are of a kind that always blocks).
 */
import type { FilteredCounts } from '../../model/filtered';
import type { SyscallEvent } from '../../model/events';
import { formatDuration } from '../../../../../shared/format';
import { lazyImportFix, loopBlockedFix, preforkSocketFix, uringTurnWait, waitAllFix, type LoopFlavour } from '../catalogue';
import { O_DIRECT, O_DSYNC } from '../../model/names';
import { inherentlyBlocking, blockKind, isModuleFile, isSlowFdCallName, waitsForAll, type BlockingCall, type BlockKind } from '../classify';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { BY_STACK_ID, runtimeLoopRun, type SiteKeys } from '../resolve';
import { acceptLoop, acceptsBetweenConnections, oneConnection } from '../threadState';
import { severityOf } from '../severity';
import type { ChainHop, RawFinding } from '../types';

interface Acc {
  readonly pid: number;
  readonly tid: number;
  readonly call: string;
  readonly kind: BlockKind;
  readonly stackId: bigint;
  fd: number | null;
  path: string | null;
  count: number;
  ns: number;
  max: number;
  unfinished: boolean;
  readonly top: TopEvents;
  /** Calls under --min-duration, counted by the tracer. */
  filteredCount: number;
  filteredNs: number;
  /** A futex wait's: the thread that held the lock, and the call it held it across. */
  holder: LockHolder | null;
  /** A receive with MSG_WAITALL: it waits for the whole message, however ready the socket. */
  waitAll: boolean;
  /** Its fd was opened O_DSYNC/O_SYNC or O_DIRECT (as the fd table said at its first call): each write waits for the storage. */
  storageEach: boolean;
  /** Calls counted here whose stacks reached no frame of the program, and the frame one of them ended in (findings: folded). */
  unnamed?: { calls: number; why: string };
  /** Every blocked call's file was a module only an import reads (classify.isModuleFile); null: no path seen. */
  imports: boolean | null;
}

/** The thread a loop's futex wait waited for, and the blocking call it held the lock across (just before it let go). */
export interface LockHolder {
  readonly label: string;
  readonly call: string;
  readonly stackId: bigint;
  readonly path: string | null;
}

interface Pending {
  readonly acc: Acc;
  readonly id: number;
  /** When the call began (its in-progress reports and its end share it). */
  readonly ts: number;
  readonly dur: number;
  readonly unfinished: boolean;
  readonly chain: readonly ChainHop[];
}

/** The pending in-progress report of call `e` (same start, same call) in a thread's turn, or -1. */
function reportOf(list: readonly Pending[], e: SyscallEvent): number {
  return list.findIndex((p) => p.unfinished && p.ts === e.ts && p.acc.call === e.name);
}

/** What a call of each kind waits for, in words. */
const BLOCKS_ON: Record<BlockKind, string> = {
  sync: 'which waits until the data is on storage',
  file: 'a regular file, which waits for the storage (a regular file is always "ready" to epoll, so the wait cannot help)',
  sleep: 'which sleeps',
  pipe: 'a blocking pipe, which waits until another thread or process writes to it',
  socket: 'a blocking socket, which waits for the peer',
  device: 'a device, which waits for it',
  wait: 'a wait of its own inside the turn, as a blocking library call makes (a DNS lookup with getaddrinfo, a synchronous database or HTTP client)',
  child: 'which waits for a child process to end (system(), popen()/pclose(), waitpid, a synchronous spawn)',
  lock: 'a file lock, which waits while another process holds it',
  futex: 'a lock another thread held (pthread_mutex_lock, or a condition it waited on: a futex), which waits until that thread lets go',
  other: 'which waits',
};

/** What an open that blocked waited for, in words (its kind is a file's: what it opened is known only after it). */
const OPEN_WAITS = 'which waits for the file system to find the path (a slow disk, a network file system) or, for a FIFO, for a process to open its other end';

/** A finding needs this much time blocked in all (or this many calls of a kind that always blocks). */
const MIN_TOTAL_NS = 1e6;
const MIN_INHERENT_CALLS = 10;
/**
 * File reads and writes this fast on average are copies to or from the page cache, not waits for
 * the storage (redis' AOF write() per turn: ~15 µs): their sum is CPU time the loop spends, worth
 * a low finding at most, whatever it adds up to.
 */
const PAGE_CACHE_MEAN_NS = 50e3;
/**
 * The same under ptrace, whose stop at each call's exit lengthens it by microseconds on a quiet
 * machine and by milliseconds on a loaded one (a Node.js timer's 19 µs `fs.writeSync` averaged
 * 0.75–0.9 ms at load 17): copies that fast are told as copies (a low finding), not as the storage's waits.
 */
const PAGE_CACHE_MEAN_NS_PTRACE = 2e6;
/**
 * A file read or write that blocked once in the whole recording, for less than this, is a one-off
 * (a page it wrote to was under writeback, a journal commit it met: the `loop_fsync --offload`
 * fixture's loop, its fsyncs on another thread, once met a 1.41 ms write in 300), not the loop's habit.
 */
const ONE_OFF_FILE_NS = 10e6;
/** File reads and writes, none of them traced (all under --min-duration), are not worth a finding under this share of the thread's time. */
const NOISE_SHARE = 0.01;
/**
 * Lock waits a finding needs: a wait until a thread let go right after its I/O is a lock held
 * across it when it comes again and again; once or a few times it may be a completion the loop
 * waited for (qemu-img's main loop, 6 times beside its workers' preads).
 */
const MIN_LOCK_WAITS = 10;

/** The loop-blocked rule. */
export class LoopBlockedRule {
  private readonly accs = new Map<string, Acc>();

  /** `fdFlags`: an fd's open flags now, as the trace's fd table has them (0 when unknown). */
  constructor(private readonly fdFlags: (pid: number, fd: number) => number = () => 0) {}

  /** Per thread, the blocking calls of its open turn (committed when the turn ends). */
  private readonly open = new Map<number, Pending[]>();
  /** Calls reported in progress and pending in a turn (so most calls need not look for theirs). */
  private unfinishedPending = 0;

  private acc(pid: number, tid: number, call: string, kind: BlockKind, stackId: bigint): Acc {
    const k = `${tid}:${call}:${stackId}`;
    let a = this.accs.get(k);
    if (!a) {
      a = { pid, tid, call, kind, stackId, fd: null, path: null, count: 0, ns: 0, max: 0, unfinished: false, top: new TopEvents(), filteredCount: 0, filteredNs: 0, holder: null, waitAll: false, storageEach: false, imports: null };
      this.accs.set(k, a);
    }
    return a;
  }

  /** A blocking call that waited, inside a turn of a loop thread. */
  blocked(e: SyscallEvent, id: number, b: BlockingCall, chain: readonly ChainHop[]): void {
    const a = this.acc(e.pid, e.tid, e.name, b.kind, e.stackId);
    if (a.fd === null && b.fd !== null) {
      a.fd = b.fd;
      a.storageEach = (this.fdFlags(e.pid, b.fd) & (O_DSYNC | O_DIRECT)) !== 0;
    }
    a.path ??= b.path;
    if (b.path !== null) a.imports = a.imports !== false && isModuleFile(b.path);
    a.waitAll ||= waitsForAll(e);
    const list = this.open.get(e.tid) ?? [];
    const entry = { acc: a, id, ts: e.ts, dur: e.dur, unfinished: e.unfinished, chain };
    // a call reported in progress again replaces its earlier report (an ended call's went in `ended`)
    const same = e.unfinished ? reportOf(list, e) : -1;
    if (same >= 0) list[same] = entry;
    else if (list.length < 256) {
      if (e.unfinished) this.unfinishedPending++;
      list.push(entry);
    }
    this.open.set(e.tid, list);
  }

  /**
   * A call ended (told before `blocked`): its in-progress report still pending goes — the ended
   * call counts instead if it blocked (its stack is taken at its end: the report has none), and
   * one that did not (it never slept, or was too short) is no stall at all.
   */
  ended(e: SyscallEvent): void {
    if (this.unfinishedPending === 0) return;
    const list = this.open.get(e.tid);
    const at = list ? reportOf(list, e) : -1;
    if (at < 0) return;
    list?.splice(at, 1);
    this.unfinishedPending--;
  }

  /**
   * A loop thread waited `ns` for a lock (a futex: no traced call) inside a turn, until `holder` let
   * go right after a blocking call: counted at that call's line, the one to change.
   */
  lockWait(t: { readonly pid: number; readonly tid: number }, id: number, ns: number, holder: LockHolder): void {
    const a = this.acc(t.pid, t.tid, 'futex', 'futex', holder.stackId);
    a.holder ??= holder;
    const list = this.open.get(t.tid) ?? [];
    if (list.length < 256) list.push({ acc: a, id, ts: -1, dur: ns, unfinished: false, chain: [] });
    this.open.set(t.tid, list);
  }

  /** The thread's turn ended: its blocking calls count. Returns the time they blocked. */
  turnEnded(tid: number): number {
    if (!this.open.size) return 0; // no blocking call pending in any turn (most turns)
    const list = this.open.get(tid);
    if (!list) return 0;
    this.open.delete(tid);
    let ns = 0;
    for (const p of list) ns += this.commit(p);
    return ns;
  }

  private commit(p: Pending): number {
    const a = p.acc;
    if (p.unfinished) this.unfinishedPending--;
    a.count++;
    a.ns += p.dur;
    a.max = Math.max(a.max, p.dur);
    a.unfinished ||= p.unfinished;
    a.top.add(p.id, p.dur, p.chain);
    return p.dur;
  }

  /** Calls the tracer counted for a thread that waits in a loop: those that always block count. */
  filtered(d: FilteredCounts): void {
    const kind = blockKind(d.call, d.fdType);
    if (!inherentlyBlocking(kind)) return; // O_NONBLOCK does not apply to those (a regular file's reads)
    const failed = Object.entries(d.errnos).reduce((n, [name, c]) => n + (name === 'EAGAIN' ? c : 0), 0);
    const a = this.acc(d.pid, d.tid, d.call, kind, d.stackId);
    a.filteredCount += d.count - failed;
    a.filteredNs += d.totalNs;
  }

  /**
   * Findings, for the threads whose model is an event loop (`loops`: their tids; a thread that
   * waits in epoll only for its own AIO completions is not serving a loop). The open turns of
   * threads still alive count too (a loop blocked when the recording ended).
   */
  findings(ctx: AnalysisContext, loops: ReadonlySet<number>, sites: SiteKeys = BY_STACK_ID): RawFinding[] {
    const siteKey = sites.key;
    const out: RawFinding[] = [];
    // stacks that differ only above the line to change (different callers, a runtime's frames) are one call site
    const merged = new Map<string, Acc>();
    // a call still in progress when the recording ended has no stack yet (it is taken at the
    // return): it counts with the site that made the same call on the same fd, not as one of its own
    const stacked = new Map<string, Acc>();
    for (const a of this.accs.values()) {
      const k = `${a.tid}:${a.call}:${a.fd}`;
      const known = stacked.get(k);
      if (a.stackId !== 0n && (!known || a.ns > known.ns)) stacked.set(k, a);
    }
    // a stack that reached no frame of the program (a runtime's interpreted methods are not named,
    // a walk cut short) counts with the thread's one line that made the same call on the same fd
    // (the same method, JIT-compiled), when there is exactly one such line
    const reaches = (a: Acc): boolean => a.stackId !== 0n && sites.unreached(a.stackId) === null;
    // (calls the tracer only counted carry no fd: where the fd does not tell, the thread's one line
    // for the call, whatever its fd)
    const namedLines = new Map<string, Map<string, Acc>>();
    const addLine = (k: string, a: Acc): void => {
      const lines = namedLines.get(k) ?? new Map<string, Acc>();
      lines.set(siteKey(a.stackId), a);
      namedLines.set(k, lines);
    };
    for (const a of this.accs.values()) {
      if (!reaches(a)) continue;
      addLine(`${a.tid}:${a.call}`, a);
      if (a.fd !== null) addLine(`${a.tid}:${a.call}:${a.fd}`, a);
    }
    const foldedInto = (a: Acc): Acc | undefined => {
      if (a.stackId === 0n || reaches(a)) return undefined;
      const lines = (a.fd !== null ? namedLines.get(`${a.tid}:${a.call}:${a.fd}`) : undefined) ?? namedLines.get(`${a.tid}:${a.call}`);
      return lines?.size === 1 ? [...lines.values()][0] : undefined;
    };
    const keyOf = (a: Acc): string => {
      const site = a.stackId === 0n ? stacked.get(`${a.tid}:${a.call}:${a.fd}`) ?? a : foldedInto(a) ?? a;
      return `${a.tid}:${a.call}:${siteKey(site.stackId)}`;
    };
    const unnamedOf = (a: Acc): Acc['unnamed'] => {
      const why = foldedInto(a) ? sites.unreached(a.stackId) : null;
      return why === null ? undefined : { calls: a.count + a.filteredCount, why };
    };
    const plus = (x: Acc['unnamed'], y: Acc['unnamed']): Acc['unnamed'] => (!x ? y : !y ? x : { calls: x.calls + y.calls, why: x.why });
    for (const a of this.accs.values()) {
      const k = keyOf(a);
      const m = merged.get(k);
      if (!m) {
        merged.set(k, { ...a, top: a.top.clone(), unnamed: unnamedOf(a) });
        continue;
      }
      // the stack shown: one that names the program's line, else the one with the most time
      const pick = a.stackId === 0n ? m : m.stackId === 0n ? a : reaches(a) !== reaches(m) ? (reaches(a) ? a : m) : a.ns + a.filteredNs > m.ns + m.filteredNs ? a : m;
      const unnamed = unnamedOf(a);
      merged.set(k, {
        ...m, stackId: pick.stackId, fd: m.fd ?? a.fd, path: m.path ?? a.path, count: m.count + a.count, ns: m.ns + a.ns, max: Math.max(m.max, a.max),
        unfinished: m.unfinished || a.unfinished, filteredCount: m.filteredCount + a.filteredCount, filteredNs: m.filteredNs + a.filteredNs,
        top: mergeTop(m.top, a.top),
        unnamed: plus(m.unnamed, unnamed),
        imports: m.imports === null ? a.imports : a.imports === null ? m.imports : m.imports && a.imports,
      });
    }
    const byOriginal = new Map<Acc, Acc>();
    for (const a of this.accs.values()) byOriginal.set(a, merged.get(keyOf(a)) as Acc);
    const openNow = new Map<Acc, Pending[]>();
    for (const [tid, list] of this.open) {
      const exited = ctx.threads.find(tid)?.exited === true;
      for (const p of list) {
        // after a thread's last wait come its loop's last callback and its shutdown: a call site
        // that blocked inside earlier turns was the loop's, another may be the shutdown's
        const acc = byOriginal.get(p.acc) ?? p.acc;
        if (exited && acc.count === 0) continue;
        openNow.set(acc, [...(openNow.get(acc) ?? []), p]);
      }
    }
    for (const a0 of merged.values()) {
      const pend = openNow.get(a0) ?? [];
      const a = pend.length ? { ...a0, top: a0.top.clone() } : a0;
      if (pend.length) {
        for (const p of pend) {
          a.count++;
          a.ns += p.dur;
          a.max = Math.max(a.max, p.dur);
          a.unfinished ||= p.unfinished;
          a.top.add(p.id, p.dur, p.chain);
        }
      }
      const loop = ctx.loops.get(a.tid);
      if (!loop || !loops.has(a.tid) || (loop.lengths.count === 0 && !a.unfinished)) continue;
      const total = a.ns + a.filteredNs;
      const calls = a.count + a.filteredCount;
      // a flush or a sleep is a stall however short; reads of regular files are often of /proc or the page cache
      if (total < MIN_TOTAL_NS && !((a.kind === 'sync' || a.kind === 'sleep') && calls >= MIN_INHERENT_CALLS)) continue;
      if (!calls || (a.kind === 'futex' && calls < MIN_LOCK_WAITS)) continue;
      if (a.kind === 'file' && calls === 1 && total < ONE_OFF_FILE_NS) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const longest = a.count ? ` (longest ${formatDuration(a.max)}${a.unfinished ? ', still blocked when the recording ended' : ''})` : '';
      const under = a.filteredCount ? `; ${a.count ? `${a.filteredCount.toLocaleString('en-US')} of them` : 'all'} under ${formatDuration(ctx.minDurationNs ?? 0)}, counted by the tracer` : '';
      // "the event loop blocks in fsync … 40 % of the time": the share of the thread's traced time
      const span = t.last - t.first;
      const pct = span > 0 ? Math.min(100, Math.round((100 * total) / span)) : 0;
      const ofTime = pct >= 1 ? `, ${pct} % of its time` : '';
      const what = a.holder ? `A lock held by ${a.holder.label} across its ${a.holder.call}()` : `${a.call}()`;
      const title = `${what} blocked the event loop of ${threadLabel(ctx, t)} ${plural(calls, 'time')}, ${formatDuration(total)} in total${ofTime}${longest}${under}`;
      const stats = loop.stats();
      // a loop whose waits a notifier thread makes (Tcl's) waits on a condition variable for the readiness it is handed
      const waits = t.muxWaits === 0 && t.notifiedBy.size
        ? 'a futex for the readiness its notifier thread hands it'
        : [...t.mux].sort((x, y) => y[1].count - x[1].count).map(([n]) => n).join('/');
      const fd = a.fd !== null ? ` on fd ${a.fd}${a.path ? ` <${a.path}>` : ''}` : a.path !== null ? ` of ${a.path}` : '';
      const seen = [
        a.count ? `${plural(a.count, 'call')} blocked ${formatDuration(a.ns)}` : '',
        a.filteredCount ? `${plural(a.filteredCount, a.count ? 'shorter call' : 'call')} under the threshold took ${formatDuration(a.filteredNs)}` : '',
      ].filter(Boolean).join(', and ');
      // a file opened O_DSYNC/O_SYNC or O_DIRECT never copies to the page cache alone
      const cached = a.kind === 'file' && !a.storageEach && total / calls < (ctx.ptrace ? PAGE_CACHE_MEAN_NS_PTRACE : PAGE_CACHE_MEAN_NS);
      // a runtime's module files read inside a turn: an import the loop ran (a server's lazy import
      // at its first request: uvicorn's of h11), done once per module, not the loop's habit
      const imports = a.kind === 'file' && a.imports === true;
      // file reads and writes that never once waited past the threshold and add up to under 1 % of
      // the thread's time are noise, not a stall: page-cache copies, or a few slower reads (an
      // asyncio loop's lazy import at its first to_thread, whose counted reads carry no path to tell
      // them an import: 5 reads, 1.36 ms in a second)
      if (a.kind === 'file' && a.count === 0 && total < NOISE_SHARE * span) continue;
      // a loop that serves one connection in a process forked per client (a PostgreSQL backend)
      // delays only that client; a server of its own with one client connected is still a loop
      const forked = ctx.forkedWorker(a.pid);
      // a worker serving one connection at a time waits for the next in a blocking accept between them
      if ((a.call === 'accept' || a.call === 'accept4') && acceptsBetweenConnections(t, a.fd)) continue;
      const conn = forked ? oneConnection(t) : null;
      // a pre-forked worker of a pool, accepting its own connections and serving each to the end
      // (gunicorn's sync workers poll the listening socket; PHP-FPM's block in accept, then poll
      // the connection): the call holds up the client it serves and this worker, the other workers
      // accept meanwhile — and blocking on a socket is how such a worker serves (slow peers are
      // its known weakness), low at most
      const listener = forked && conn === null ? acceptLoop(t) : null;
      const poolWorker = listener !== null || (conn !== null && t.accepts > 0);
      const onSocket = poolWorker && a.kind === 'socket' && a.fd !== listener;
      const served =
        listener !== null
          ? ` Its waits only ever reported its listening socket ready (fd ${listener}), in a process its server forked: a pre-forked worker that accepts a connection and serves it to the end, as gunicorn's sync workers do. The call holds up the client it serves and this worker; the other workers accept meanwhile.`
          : conn !== null && poolWorker
            ? ` Its waits only ever reported the connection it serves ready (fd ${conn}), in a process its server forked that accepts its connections itself, one at a time, as PHP-FPM's and Apache's prefork workers do. The call holds up the client it serves and this worker; the other workers accept meanwhile.`
            : conn !== null
              ? ` Its waits only ever reported one connection ready (fd ${conn}), in a process its server forked, as a server with a process per client does: the call holds up that client's replies, not other clients'.`
              : ' Nothing else the loop serves ran meanwhile.';
      const detail =
        `The thread waits in ${waits || 'a select/poll/epoll wait'} (${plural(stats.turns, 'turn')} of its loop, lag p50 ${formatDuration(stats.p50)}, p99 ${formatDuration(stats.p99)}, max ${formatDuration(stats.max)}); ` +
        (a.holder
          ? `inside its turns it waited for ${BLOCKS_ON[a.kind]}: ${plural(a.count, 'time')}, ${formatDuration(a.ns)} in all, each time until ${a.holder.label} let go right after its ${a.holder.call}${a.holder.path ? ` of ${a.holder.path}` : ''} (the line shown): the lock is held across the I/O.${served}`
          : `inside its turns it called ${a.call}${fd}, ${isSlowFdCallName(a.call) ? OPEN_WAITS : uringTurnWait(a.call) ?? BLOCKS_ON[a.kind]}: ${seen}.${served}`) +
        callbackNote(sites.viaLoopRun(a.stackId)) +
        (a.unnamed ? ` ${plural(a.unnamed.calls, 'of these calls', 'of these calls')} had stacks that reach no frame of the program's own code (${a.unnamed.why}): they are counted at this line, the only one from which this thread made ${a.call}${fd}.` : '') +
        (imports ? ` The file is a compiled module, which only an import reads: the loop imported modules inside its turns, as a module imported inside a function does the first time it runs; a module is imported once, so this delays the first requests only.` : '') +
        (cached ? ` On average a call took ${formatDuration(total / calls)}${ctx.ptrace ? " (with the ptrace tracer's stop at its end, which lengthens every call: eBPF times them as they are)" : ''}: copies to or from the page cache rather than waits for the storage, so they matter by their number, not one by one.` : '');
      out.push({
        rule: 'loop-blocked', severity: severityOf(total, ctx.span.last - ctx.span.first, cached || onSocket || imports ? 'low' : conn !== null || listener !== null ? 'medium' : 'high'), title, detail,
        suggestion: a.waitAll ? waitAllFix(a.call) : imports ? lazyImportFix() : onSocket ? preforkSocketFix(a.call) : loopBlockedFix(a.holder?.call ?? a.call, a.kind, a.fd, conn !== null || listener !== null, flavourOf(ctx, a.pid, sites.gevent(a.stackId)), a.holder ? a.holder.path : a.path),
        // a callback's call with its frame gone: the loop's start is no line to change
        pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: sites.viaLoopRun(a.stackId) ? 0n : a.stackId, impactNs: total, events: a.top.list(),
        eventCount: a.count, chain: a.top.worstChain,
      });
    }
    return out;
  }
}

/** Whose loop a call of `pid` ran in, for its fix: gevent's hub for a Python process's call made in a greenlet, a runtime's, or a known server's. */
function flavourOf(ctx: AnalysisContext, pid: number, inGevent: boolean): LoopFlavour | null {
  const runtime = ctx.runtime(pid);
  return runtime === 'python' && inGevent ? 'gevent' : runtime ?? ctx.server(pid);
}

/** The detail's sentence for a call an event-loop library's callback made with its frame gone (SiteKeys.viaLoopRun), '' otherwise. */
function callbackNote(via: string | null): string {
  if (via && runtimeLoopRun(via)) {
    return ` Its stack reaches the program's code only through ${via}: the call was made by a callback the loop ran with no function of the program's in between (a library's, or a builtin handed to loop.call_soon), so the loop's start is not the line to change — look for what scheduled this call.`;
  }
  return via
    ? ` Its stack reaches the program's code only through ${via}: the call was made by a callback the loop ran that ended with it (a tail call, which the optimiser makes a jump, leaves no frame of the callback), so no line of the callback can be named, and the loop's start is not the line to change — look for the callback whose last statement makes this call.`
    : '';
}

/** The worst events of two sets. */
function mergeTop(x: TopEvents, y: TopEvents): TopEvents {
  const t = x.clone();
  for (const [id, v] of y.entries()) t.add(id, v, v > x.worst ? y.worstChain : undefined);
  t.count = x.count + y.count;
  return t;
}
