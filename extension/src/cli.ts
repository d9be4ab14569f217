#!/usr/bin/env node
/**
 * The `iolens` command line: the same core as the VS Code extension, from a terminal.
 *
 *   iolens record [--pid PID | -- COMMAND ARGS...] [options]
 *   iolens report FILE.iolens [--symbols DIR] [--debuginfod URL[,URL]]
 *   iolens dump FILE.iolens [--jsonl] [--symbols DIR]
 *   iolens symbolize IN.iolens -o OUT.iolens [--symbols DIR]
 *   iolens export FILE.iolens --format perfetto|chrome -o OUT [--symbols DIR] [--no-findings]
 *   iolens import LOG -o OUT.iolens [--min-duration MS] [--symbols DIR]
 *   iolens overview FILE.iolens
 */
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { openLiveStdout } from './core/commands/liveStdout';
import { record } from './core/commands/record';
import { dump, report } from './core/commands/report';
import { symbolizeCommand } from './core/commands/symbolize';
import { describeError, isUserError, UserError } from './core/errors';
import { EXPORT_FORMATS, exportCommand, formatOfPath, type ExportFormat } from './core/commands/export';
import { importCommand } from './core/commands/import';
import { addOverviewAfterWriting, overviewCommand } from './core/commands/overview';
import { debuginfodCacheDir, parseDebuginfodUrls, type DebuginfodOptions } from './core/symbols/debuginfod';
import { packageVersion } from './core/util/packageRoot';
import { KernelPath, STACK_WINDOW_DEFAULT, STACK_WINDOW_MAX, type KernelPathName } from '../../protocol/generated/wire';
import { parseKeep, parseUntil } from './core/trace/flight';
import { UNTIL_AFTER_NS } from './core/trace/until';

const USAGE = `Usage:
  iolens record [--pid PID | -- COMMAND [ARGS...]] [options]
      Trace the asynchronous I/O of a running process (and the threads and children it starts),
      or of a command launched under the tracer, showing each wait, request, signal and interrupt
      with its duration and the source line that issued it.
        -p, --pid PID          attach to a running process and its existing children (and what they start);
                               the recording lasts while any of them lives (a launched daemon too)
            --no-children      trace only the process itself, not its children
        -b, --backend B        ebpf (needs CAP_BPF+CAP_PERFMON), ptrace (your own processes), or auto (default)
        -d, --duration S       stop after S seconds (default: when the target exits, or Ctrl-C)
        -m, --min-duration MS  show blocking reads/writes/fsyncs from this long (default 1; 0 shows all)
            --irq              record every hard interrupt
        -o, --output FILE      save the trace (FILE.iolens) for \`iolens report\` and VS Code
            --keep T|SIZE      flight recorder: save only the last T (30s, 500ms) or SIZE (200MiB) of
                               the trace, held in memory until the end (with -o)
            --no-overview      leave the whole trace's overview out of FILE: made at the end by reading
                               FILE back (about 3 s of CPU a million events), it lets VS Code show
                               the whole trace at once when it opens FILE (\`iolens overview\` adds it later)
            --until COND       stop at the first 'stall>100ms' (a blocking call or wait longer than that)
                               or 'finding:RULE' (the diagnosis' first finding of RULE, e.g.
                               finding:busy-poll), ${UNTIL_AFTER_NS / 1e9} s after it; with --keep the file
                               keeps that much before the stall's start and what followed it
            --jsonl FILE|-     write one JSON object per event (- for standard output); stacks are sent
                               once, as a stack table, and named by stack_id in the events
            --full-stacks      JSON lines carry each event's whole stack instead of its stack_id
        -q, --quiet            no event lines, only the summary
            --no-stacks        do not take user stacks
            --stack-window B   bytes above the stack pointer copied for an unwind without frame pointers
                               (default ${STACK_WINDOW_DEFAULT}, at most ${STACK_WINDOW_MAX}; 0: frame pointers only)
            --ring-size BYTES  eBPF: the kernel ring buffer the records pass through, a power of two
                               (default 16777216, 16 MiB); larger when a recording loses records
            --kernel-path P    eBPF: how the probes come into the traced syscalls: ${Object.keys(KernelPath).join(', ')}
                               (default: the tracer's; bench/README.md, "The kernel path", has their costs)
            --no-runtime-frames  launch node and python (3.12+) as they are: without the flags that make
                               them write /tmp/perf-PID.map, which names their JavaScript/Python functions
            --debuginfod URL[,URL]  fetch the debug files of modules without line information from these
                               debuginfod servers (by build-id, into $XDG_CACHE_HOME/debuginfod_client,
                               which gdb and eu-* tools share) before the trace file's symbols are written
            --color / --no-color
  iolens report FILE.iolens [--json] [--fail-on high|medium|low] [--symbols DIR]... [--debuginfod URL[,URL]]
      The diagnosis first: findings ranked by the time at stake, each with the line to change, the
      evidence, the wake-up chain and the usual fix; then each thread's I/O model and each process's
      verdict; then per process and thread the calls by kind (count, total, p50/p99/max), the
      longest calls by call site, the calls counted under the threshold, UIO devices, interrupts.
        --json            one JSON document (docs/report-json.md)
        --fail-on SEV     exit with status 3 when a finding of severity SEV or worse exists
        --debuginfod URL[,URL]  fetch the debug files of modules without line information from these
                          servers (as for record); the Stacks section says which modules they supplied
  iolens dump FILE.iolens [--jsonl [--full-stacks]] [--symbols DIR]...
      Every event of a saved trace, as lines or JSON objects.
  iolens symbolize IN.iolens -o OUT.iolens [--symbols DIR]...
      Make a trace written by iolens-tracer alone (on a device, a guest, a container) self-contained:
      its stacks resolved to source lines, so it shows them on any machine.
      --symbols DIR: where the traced binaries are when they are not at the paths they ran from
      (as a sysroot, or by file name; used only when the build-id matches). Also IOLENS_SYMBOL_PATH
      (directories separated by ':').
  iolens export FILE.iolens [--format perfetto|chrome] -o OUT [--symbols DIR]... [--no-findings]
      The trace for other tools: perfetto (OUT.pftrace: Perfetto's protobuf format for
      ui.perfetto.dev, with user stacks as callstacks with file and line, flows for every arrow)
      or chrome (OUT.json: the Trace Event Format of chrome://tracing, Speedscope and older
      tools). The format follows from OUT's extension when --format is not given. Each finding
      of the diagnosis is an instant on its thread named "finding: RULE", with its title,
      evidence, suggestion and line as arguments (--no-findings: leave them out, skip the analysis).
  iolens import LOG -o OUT.iolens [--min-duration MS] [--symbols DIR]...
      An strace log recorded anywhere (strace -f -tt -T -o LOG, with -k for stacks, -y for fd
      paths; -ttt too) as a trace: the calls iolens traces become the same events (waits, blocking
      calls from --min-duration, default 1 ms, AIO requests paired, signals), so \`report\`, \`dump\`,
      \`export\` and VS Code work on it. Lines it cannot read are reported with their number.
  iolens overview FILE.iolens
      Add the whole trace's overview to a trace file written without it (by an older iolens), in
      place, so that VS Code shows the whole trace at once when it opens the file while the events
      load. record, import and symbolize write it themselves.
  iolens --version`;


function num(name: string, v: string | undefined, min: number, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new UserError('usage', `${name} must be a number >= ${min}, not '${v}'`);
  if (n > max) throw new UserError('usage', `${name} must be at most ${max}, not '${v}'`);
  return n;
}

/** `--ring-size BYTES`: a power of two from a page (the kernel's ring buffer takes no other size). */
function ringSizeOption(v: string | undefined): number | undefined {
  const n = num('--ring-size', v, 4096);
  if (n !== undefined && (!Number.isInteger(n) || (n & (n - 1)) !== 0)) throw new UserError('usage', `--ring-size must be a power of two (16777216 is 16 MiB), not '${v}'`);
  return n;
}

/** `--debuginfod URL[,URL]` as the client's options (the standard client cache, from this process's environment). */
function debuginfodOption(value: string | undefined): DebuginfodOptions | undefined {
  if (value === undefined) return undefined;
  const urls = parseDebuginfodUrls(value);
  if (!urls.length) throw new UserError('usage', '--debuginfod needs a server URL');
  return { urls, cacheDir: debuginfodCacheDir(process.env.XDG_CACHE_HOME, homedir()) };
}

/** `--kernel-path NAME`, checked against the tracer's known paths. */
function kernelPath(v: string | undefined): KernelPathName | undefined {
  if (v === undefined) return undefined;
  if (!Object.hasOwn(KernelPath, v)) throw new UserError('usage', `--kernel-path must be one of ${Object.keys(KernelPath).join(', ')}, not '${v}'`);
  return v as KernelPathName;
}

/**
 * The usage of one command (its block of USAGE), or the whole usage for an unknown one: a mistake
 * in `iolens export` is shown with export's options, not every command's.
 */
function usageOf(cmd: string | undefined): string {
  const blocks = USAGE.split(/\n(?= {2}iolens )/);
  const mine = blocks.find((b) => b.startsWith(`  iolens ${cmd} `) || b.startsWith(`  iolens ${cmd}\n`));
  return mine ? `Usage:\n${mine}\n(\`iolens --help\` lists every command)` : USAGE;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd ? 0 : 2;
  }
  if (cmd === '-V' || cmd === '--version') {
    process.stdout.write(`iolens ${packageVersion()}\n`);
    return 0;
  }
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  if (cmd === 'record') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        pid: { type: 'string', short: 'p' },
        backend: { type: 'string', short: 'b' },
        duration: { type: 'string', short: 'd' },
        'min-duration': { type: 'string', short: 'm' },
        irq: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        jsonl: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        'no-stacks': { type: 'boolean' },
        'stack-window': { type: 'string' },
        'kernel-path': { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        'ring-size': { type: 'string' },
        'no-children': { type: 'boolean' },
        'no-overview': { type: 'boolean' },
        'no-runtime-frames': { type: 'boolean' },
        'full-stacks': { type: 'boolean' },
        keep: { type: 'string' },
        until: { type: 'string' },
        debuginfod: { type: 'string' },
      },
    });
    const pid = num('--pid', values.pid, 1);
    if (values.keep !== undefined && !values.output) throw new UserError('usage', '--keep goes with -o FILE (it says what the trace file keeps)');
    if ((pid === undefined) === (positionals.length === 0)) {
      throw new UserError('usage', 'give either --pid PID or -- COMMAND [ARGS...]');
    }
    if (pid !== undefined && !Number.isInteger(pid)) throw new UserError('usage', '--pid must be a whole number');
    const minMs = num('--min-duration', values['min-duration'], 0);
    const backend = values.backend ?? 'auto';
    if (backend !== 'ebpf' && backend !== 'ptrace' && backend !== 'auto') throw new UserError('usage', `--backend must be ebpf, ptrace or auto, not '${backend}'`);
    if (values['full-stacks'] && !values.jsonl) throw new UserError('usage', '--full-stacks goes with --jsonl');
    const abort = new AbortController();
    // a second Ctrl-C during the overview's pass at the end leaves the overview out
    const again = new AbortController();
    const stop = (): void => {
      if (abort.signal.aborted) again.abort();
      abort.abort();
    };
    // live lines or JSON lines on standard output (not with -q, unless --jsonl -)
    const stdout = !values.quiet || values.jsonl === '-' ? openLiveStdout() : undefined;
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      return await record({
        backend,
        pid,
        command: pid === undefined ? positionals : undefined,
        durationS: num('--duration', values.duration, 0.001),
        minDurationNs: minMs !== undefined ? Math.round(minMs * 1e6) : undefined,
        irq: values.irq,
        stacks: values['no-stacks'] ? false : undefined,
        stackWindow: num('--stack-window', values['stack-window'], 0, STACK_WINDOW_MAX),
        kernelPath: kernelPath(values['kernel-path']),
        noChildren: values['no-children'],
        runtimeFrames: values['no-runtime-frames'] ? false : undefined,
        jsonStacks: values['full-stacks'] ? 'inline' : 'table',
        ringSize: ringSizeOption(values['ring-size']),
        tracerPath: process.env.IOLENS_TRACER || undefined,
        output: values.output,
        keep: values.keep !== undefined ? parseKeep(values.keep) : undefined,
        until: values.until !== undefined ? parseUntil(values.until) : undefined,
        jsonl: values.jsonl,
        quiet: values.quiet,
        color: values['no-color'] ? false : values.color ? true : color,
        // the live output is written off the main thread: a slow reader never holds the recording
        stdout: stdout?.out ?? process.stdout,
        stderr: process.stderr,
        stopSignal: abort.signal,
        leaveOutOverview: again.signal,
        noOverview: values['no-overview'],
        overviewNice: 19,
        debuginfod: debuginfodOption(values.debuginfod),
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (stdout && !(await stdout.release())) {
        process.stderr.write('iolens: warning: the live output\'s last lines (and the note of what it left out) could not be handed to its reader in time\n');
      }
    }
  }
  if (cmd === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, 'min-duration': { type: 'string', short: 'm' }, symbols: { type: 'string', multiple: true } },
    });
    if (positionals.length !== 1) throw new UserError('usage', 'import takes one strace log');
    if (typeof values.output !== 'string') throw new UserError('usage', 'import needs -o OUT.iolens');
    const minMs = num('--min-duration', values['min-duration'], 0);
    const symbolPath = [...(values.symbols ?? []), ...(process.env.IOLENS_SYMBOL_PATH ?? '').split(':').filter(Boolean)];
    const code = await importCommand(positionals[0], values.output, { minDurationNs: minMs !== undefined ? Math.round(minMs * 1e6) : undefined, symbolPath }, process.stdout, process.stderr);
    if (code === 0) await addOverviewAfterWriting(values.output, process.stderr);
    return code;
  }
  if (cmd === 'export') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, symbols: { type: 'string', multiple: true }, 'no-findings': { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UserError('usage', 'export takes one trace file');
    if (typeof values.output !== 'string') throw new UserError('usage', 'export needs -o OUT');
    const format = values.format ?? formatOfPath(values.output);
    if (format === undefined) throw new UserError('usage', `say --format ${EXPORT_FORMATS.join('|')} (${values.output} does not end in .pftrace or .json)`);
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UserError('usage', `--format must be ${EXPORT_FORMATS.join(' or ')}, not '${format}'`);
    const symbolPath = [...(values.symbols ?? []), ...(process.env.IOLENS_SYMBOL_PATH ?? '').split(':').filter(Boolean)];
    return exportCommand(positionals[0], values.output, { format: format as ExportFormat, symbolPath, noFindings: values['no-findings'] }, process.stdout, process.stderr);
  }
  if (cmd === 'report' || cmd === 'dump' || cmd === 'symbolize') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        jsonl: { type: 'boolean' },
        'full-stacks': { type: 'boolean' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        symbols: { type: 'string', multiple: true },
        ...(cmd === 'symbolize' && { output: { type: 'string', short: 'o' } }),
        ...(cmd === 'report' && { json: { type: 'boolean' }, 'fail-on': { type: 'string' }, debuginfod: { type: 'string' } }),
      },
    });
    if (positionals.length !== 1) throw new UserError('usage', `${cmd} takes one trace file`);
    const symbolPath = [...(values.symbols ?? []), ...(process.env.IOLENS_SYMBOL_PATH ?? '').split(':').filter(Boolean)];
    if (cmd === 'report') {
      const failOn = values['fail-on'];
      if (failOn !== undefined && failOn !== 'high' && failOn !== 'medium' && failOn !== 'low') {
        throw new UserError('usage', `--fail-on must be high, medium or low, not '${String(failOn)}'`);
      }
      const debuginfod = debuginfodOption(typeof values.debuginfod === 'string' ? values.debuginfod : undefined);
      return report(positionals[0], process.stdout, process.stderr, { symbolPath, json: values.json === true, failOn, debuginfod });
    }
    if (cmd === 'symbolize') {
      const output = values.output;
      if (typeof output !== 'string') throw new UserError('usage', 'symbolize needs -o OUT.iolens');
      const code = await symbolizeCommand(positionals[0], output, symbolPath, process.stdout, process.stderr);
      // IN's overview was carried over; IN without one: OUT gets its own
      if (code === 0) await addOverviewAfterWriting(output, process.stderr);
      return code;
    }
    return dump(positionals[0], {
      jsonl: values.jsonl === true,
      jsonStacks: values['full-stacks'] ? 'inline' : 'table',
      color: values['no-color'] ? false : values.color ? true : color,
      out: process.stdout,
      err: process.stderr,
      symbolPath,
    });
  }
  if (cmd === 'overview') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
    if (positionals.length !== 1) throw new UserError('usage', 'overview takes one trace file');
    return overviewCommand(positionals[0], process.stdout);
  }
  throw new UserError('usage', `unknown command '${cmd}'`);
}

// `iolens dump trace | head`: a reader that stops early is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    // `record` may leave a write to a reader that stopped reading in flight: it is given up
    if (process.argv[2] === 'record') process.exit(code);
    process.exitCode = code;
  },
  (e: unknown) => {
    if ((isUserError(e) && e.code === 'usage') || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`iolens: ${e.message}\n\n${usageOf(process.argv[2])}\n`);
      process.exitCode = 2;
    } else {
      const d = describeError(e);
      process.stderr.write(`iolens: ${d.message}\n${d.bug ? `${d.detail}\n` : ''}`);
      process.exitCode = 1;
    }
  },
);
