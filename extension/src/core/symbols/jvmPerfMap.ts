/**
 * Java methods in the stacks: a HotSpot JVM (Java 17 and later) names the code it compiled in a
 * perf map (`/tmp/perf-PID.map`, read by perfMap.ts) when asked through its attach mechanism —
 * `jcmd PID Compiler.perfmap` — which needs no restart and no flag. The map is a snapshot of the
 * code cache at the moment it is asked for, so a recording asks while stacks with code in no file
 * keep coming (one request at a time per JVM, the first at once, then after 1, 2, 4 … s, at most
 * every ASK_INTERVAL_MAX_MS: a JVM compiles most of its hot code in its first seconds), and once
 * more at its end, before the stacks are resolved for the trace file. A JVM launched traced also
 * writes its map as it exits (runtimes.ts: -XX:+DumpPerfMapAtExit), read again then (pipeline.ts).
 *
 * Only the JVMs of the trace are asked (a process whose executable is `java`), only those in this
 * PID namespace (jcmd names a process by its pid here), and the request runs in the background: a
 * JVM that does not answer in ASK_TIMEOUT_MS is left, its frames unnamed, and the note says why.
 * The JVM's attach listener thread answers, walking its code cache under a lock (no safepoint); jcmd,
 * a JVM itself, costs about 0.4 s of CPU a request.
 */
import { execFile } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The first wait before a JVM is asked again; each next one is twice as long. */
export const ASK_INTERVAL_MS = 1000;
/** A JVM is asked again at most this often while its stacks keep coming. */
export const ASK_INTERVAL_MAX_MS = 30_000;
/** A request to a JVM is given up after this long. */
export const ASK_TIMEOUT_MS = 10_000;

/** Asks one JVM to write its perf map: resolves with null when it did, else why it did not. Never rejects. */
export type AskJvm = (pid: number) => Promise<string | null>;

/** The jcmd beside the JVM's own `java` (its JDK's), else the one on PATH. */
function jcmdFor(pid: number): string {
  try {
    const own = join(dirname(readlinkSync(`/proc/${pid}/exe`)), 'jcmd');
    if (existsSync(own)) return own;
  } catch {
    // the process is gone or not ours to read: PATH's jcmd says so
  }
  return 'jcmd';
}

/** The real request: `jcmd PID Compiler.perfmap`. */
export const askWithJcmd: AskJvm = (pid) =>
  new Promise((resolve) => {
    const jcmd = jcmdFor(pid);
    execFile(jcmd, [String(pid), 'Compiler.perfmap'], { timeout: ASK_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error && !/Exception|not supported|Unknown diagnostic command/i.test(stdout)) return resolve(null);
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') return resolve(`no jcmd to ask it with (${jcmd}: install the JDK, e.g. openjdk-17-jdk-headless)`);
      const said = `${stdout}\n${stderr}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^\d+:$/.test(l));
      resolve(`${jcmd} ${pid} Compiler.perfmap failed: ${said.slice(0, 2).join(' ') || error?.message || 'no answer'}`);
    });
  });

/** The JVMs of one live recording, asked for their perf maps. */
export class JvmPerfMaps {
  private readonly asked = new Map<number, { at: number; times: number; pending: Promise<void> | null; problem: string | null }>();

  constructor(
    /** Called when a JVM wrote its map (again, from its start): it is read whole again. */
    private readonly written: (pid: number) => void,
    private readonly ask: AskJvm = askWithJcmd,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = ASK_INTERVAL_MS,
  ) {}

  /** A stack of JVM `pid` holds code its perf map may not name yet: ask it, unless asked lately or still answering. */
  want(pid: number): void {
    const a = this.asked.get(pid);
    if (a && (a.pending || this.now() - a.at < Math.min(this.intervalMs * 2 ** (a.times - 1), ASK_INTERVAL_MAX_MS))) return;
    this.request(pid).catch(() => undefined); // never rejects: its failures are kept as the problem
  }

  private request(pid: number): Promise<void> {
    const entry = { at: this.now(), times: (this.asked.get(pid)?.times ?? 0) + 1, pending: null as Promise<void> | null, problem: null as string | null };
    this.asked.set(pid, entry);
    entry.pending = this.ask(pid)
      .then((problem) => {
        entry.problem = problem;
        if (problem === null) this.written(pid);
      })
      .catch((e: unknown) => {
        entry.problem = `its perf map could not be read: ${e instanceof Error ? e.message : String(e)}`;
      })
      .finally(() => {
        entry.pending = null;
      });
    return entry.pending;
  }

  /**
   * The recording ends: ask each of `pids` still running (and wait for what is asked already), so
   * that the stacks resolved next are named from maps of the whole run. Returns a note per JVM still
   * running whose map could not be had, to show the user.
   */
  async settle(pids: readonly number[], running: (pid: number) => boolean): Promise<string[]> {
    await Promise.all(pids.map((pid) => (running(pid) ? this.asked.get(pid)?.pending ?? this.request(pid) : this.asked.get(pid)?.pending)));
    const notes: string[] = [];
    for (const pid of pids) {
      const problem = this.asked.get(pid)?.problem;
      // a JVM that exited while asked has the map it was last asked for (and a launched one its map written at exit)
      if (problem && running(pid)) notes.push(`pid ${pid} (java): its compiled Java methods are not named in the stacks: ${problem}`);
    }
    return notes;
  }
}
