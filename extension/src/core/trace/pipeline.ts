/**
 * Bytes to events: the stream reader feeds the assembler, which calls the event sink; the stack
 * resolver turns the trace's stack ids into source lines on demand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../model/events';
import { TraceAssembler } from '../model/assembler';
import { ownVdsoImage } from '../symbols/vdso';
import { createSymbolizer, type NativeSymbolizer } from '../symbols/native';
import { DebuginfodClient, type DebuginfodOptions } from '../symbols/debuginfod';
import { StackResolver } from '../symbols/stacks';
import { JvmPerfMaps, type AskJvm } from '../symbols/jvmPerfMap';
import { PerfMaps, type PerfMapLocation } from '../symbols/perfMap';
import type { TraceMeta } from '../model/assembler';
import { StreamReader } from '../stream/reader';
import { ContainerRoots } from '../system/containers';
import { RecordKind, TaskEvent, recordSlots } from '../../../../protocol/generated/wire';
import { perfMapPath } from '../symbols/perfMapFile';
import { isJava } from '../tracer/runtimes';

/** Options of a pipeline. */
export interface PipelineOptions {
  /** Resolve stacks with this symbolizer; by default the native one is loaded (null: never). */
  readonly symbolizer?: NativeSymbolizer | null;
  /**
   * false: only keep what a saved trace needs (processes, fds, maps, stacks, losses) and count the
   * events without building them, so a recording to a file keeps up with millions of events.
   */
  readonly events?: boolean;
  /** Directories holding the binaries of a trace recorded elsewhere (StackResolver). */
  readonly symbolPath?: readonly string[];
  /**
   * The trace is being recorded on this machine now: a target in another mount namespace (a
   * container) has its binaries and debug files read through /proc/PID/root, and frames in JIT
   * code are named from the processes' perf maps (symbols/perfMap.ts).
   */
  readonly liveRoots?: boolean;
  /**
   * Fetch the debug files of modules without lines from these debuginfod servers (opt-in; the
   * resolver's fetchDebugInfo), and read the client cache they go to.
   */
  readonly debuginfod?: DebuginfodOptions;
  /** How a live target's JVM is asked for its perf map (symbols/jvmPerfMap.ts; tests give their own). */
  readonly askJvm?: AskJvm;
  /**
   * false: syscalls' pointer arguments left out of their args (model/assembler.ts), for an
   * `onEvent` that drops them: a store, the analysis — never a writer of events' args (jsonl).
   */
  readonly pointers?: boolean;
}

/** Records that describe the trace rather than being events: always decoded. */
const CONTEXT_KINDS = new Set<number>(
  (['clock', 'meta', 'stack', 'task', 'fd', 'map', 'drop', 'end', 'start', 'sym_frame', 'uring_ring', 'call_summary'] as const).map((k) => RecordKind[k]),
);
/** Records that become one event each (for counting without decoding, and a file's block index). */
export const EVENT_RECORD_KINDS: ReadonlySet<number> = new Set<number>(
  (['syscall', 'aio_complete', 'uring_complete', 'signal_generate', 'signal_deliver', 'irq', 'wake'] as const).map((k) => RecordKind[k]),
);

/**
 * A process's perf map: `/tmp/perf-PID.map` with its pid as it knows it (the target's own in its
 * PID namespace), read in its own file system (a container's /tmp through /proc/PID/root).
 */
function perfMapLocation(pid: number, meta: TraceMeta | undefined, roots: ContainerRoots | null): PerfMapLocation {
  const ns = meta?.namespace;
  const own = meta?.pid === pid && ns?.other_pid_ns && ns.ns_pid ? ns.ns_pid : pid;
  const path = perfMapPath(own);
  const inRoot = roots?.fileOf(pid, '/') ?? null;
  if (inRoot && 'problem' in inRoot) return { path, readable: inRoot };
  return { path, readable: { file: inRoot ? join(inRoot.file, path) : path } };
}

/** Process pid runs (it is not gone, nor a zombie waiting for its parent). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** One trace being read. */
export class TracePipeline {
  readonly trace: TraceAssembler;
  readonly reader: StreamReader;
  readonly resolver: StackResolver;
  /** Why stacks cannot be resolved, when they cannot. */
  readonly symbolizerError: string | null;
  /** The perf maps of a live target's runtimes (liveRoots), else null. */
  private readonly perfMaps: PerfMaps | null;
  /** The JVMs of a live target, asked for their perf maps (liveRoots), else null. */
  private readonly jvms: JvmPerfMaps | null;
  /** A live target's container file system (liveRoots), else null. */
  readonly containerRoots: ContainerRoots | null;
  /**
   * Build events (else only count them, as with `events: false`). A live view that cannot keep up
   * turns it off for a while: the saved trace needs none of them decoded.
   */
  decodeEvents: boolean;
  /** Called for each event record counted without being decoded while decodeEvents is off. */
  onEventSkipped: (() => void) | undefined;

  constructor(onEvent: (e: TraceEvent) => void, options: PipelineOptions = {}) {
    this.trace = new TraceAssembler(onEvent, { pointers: options.pointers });
    this.decodeEvents = options.events !== false;
    this.reader = new StreamReader(
      {
        record: (r) => {
          this.trace.push(r);
          if (r.kind === 'meta') this.containerRoots?.onMeta(this.trace.meta?.pid, this.trace.meta?.namespace);
          else if (r.kind === 'stack') this.stackCame(r.pid, r.stackId);
          else if (r.kind === 'task' && r.event === TaskEvent.exit && r.pid === r.tid && this.askableJvm(r.pid)) this.perfMaps?.reread(r.pid); // a launched JVM's map written at its exit
        },
        skipped: (kind) => {
          if (!EVENT_RECORD_KINDS.has(kind)) return;
          this.trace.events++;
          this.onEventSkipped?.();
        },
      },
      (kind) => this.decodeEvents || CONTEXT_KINDS.has(kind),
      // the assembler keeps no syscall record past its push (the args memo copies what it keeps)
      recordSlots(),
    );
    let symbolizer = options.symbolizer;
    let error: string | null = null;
    const debuginfod = options.debuginfod?.urls.length ? new DebuginfodClient(options.debuginfod) : null;
    if (symbolizer === undefined) ({ symbolizer, error } = createSymbolizer(debuginfod ? { buildIdCaches: [debuginfod.options.cacheDir] } : {}));
    this.symbolizerError = error;
    this.containerRoots = options.liveRoots && symbolizer ? new ContainerRoots((dirs) => createSymbolizer({ debugDirs: dirs }).symbolizer) : null;
    this.perfMaps = options.liveRoots ? new PerfMaps((pid) => perfMapLocation(pid, this.trace.meta, this.containerRoots)) : null;
    this.jvms = options.liveRoots ? new JvmPerfMaps((pid) => this.perfMaps?.reread(pid), options.askJvm) : null;
    // a live recording is on the traced processes' kernel: this process's vdso is theirs
    this.resolver = new StackResolver(this.trace, symbolizer, error, options.symbolPath, this.containerRoots, this.perfMaps, options.liveRoots ? ownVdsoImage : null, debuginfod);
  }

  /** A live target's stack arrived: read its process's perf map, and a JVM's code not named yet asks the JVM for one. */
  private stackCame(pid: number, stackId: bigint): void {
    if (!this.perfMaps) return;
    const jit = this.resolver.holdsAnonymousCode(stackId);
    this.perfMaps.prefetch(pid, this.trace.maps.generation(pid), jit);
    if (jit && this.jvms && this.askableJvm(pid)) this.jvms.want(pid);
  }

  /** A JVM of the trace that jcmd can name by its pid here (not one in another PID namespace). */
  private askableJvm(pid: number): boolean {
    const p = this.trace.processes.find(pid);
    return !!p && isJava(p.exe) && !this.trace.meta?.namespace?.other_pid_ns;
  }

  /**
   * The recording ends: ask the trace's JVMs still running for their perf maps once more, so that
   * the stacks resolved for the trace file name the methods compiled until the end
   * (symbols/jvmPerfMap.ts). Resolves with a note per JVM whose map could not be had; never rejects.
   */
  async askJvmsForPerfMaps(): Promise<string[]> {
    if (!this.jvms) return [];
    const pids = this.trace.processes.all().filter((p) => this.askableJvm(p.pid)).map((p) => p.pid);
    return this.jvms.settle(pids, running);
  }

  /**
   * With debuginfod on: resolve every stack (which finds the modules without lines), fetch their
   * debug files, and resolve again from them. Resolves with whether any arrived; never rejects.
   */
  async fetchDebugInfo(): Promise<boolean> {
    for (const id of this.trace.stacks.keys()) this.resolver.resolve(id);
    return this.resolver.fetchDebugInfo();
  }

  /** Feed bytes. Returns false once the stream is broken (see reader.error). */
  push(chunk: Uint8Array): boolean {
    return this.reader.push(chunk);
  }

  /** The input ended: flush requests still in flight; returns warnings (e.g. a file cut short). */
  end(): string[] {
    const warnings: string[] = [];
    const w = this.reader.end();
    if (w) warnings.push(w);
    this.trace.finish();
    warnings.push(...this.trace.warnings);
    return warnings;
  }
}
