#!/usr/bin/env node
/**
 * The `iolens` command line: the same core as the VS Code extension, from a terminal.
 *
 *   iolens record [--pid PID | -- COMMAND ARGS...] [options]
 *   iolens report FILE.iolens [--symbols DIR]
 *   iolens dump FILE.iolens [--jsonl] [--symbols DIR]
 *   iolens symbolize IN.iolens -o OUT.iolens [--symbols DIR]
 */
import { parseArgs } from 'node:util';
import { record } from './core/commands/record';
import { dump, report } from './core/commands/report';
import { symbolizeCommand } from './core/commands/symbolize';
import { describeError, isUserError, UserError } from './core/errors';

const VERSION = '0.1.0';

const USAGE = `Usage:
  iolens record [--pid PID | -- COMMAND [ARGS...]] [options]
      Trace the asynchronous I/O of a running process (and the threads and children it starts),
      or of a command launched under the tracer, showing each wait, request, signal and interrupt
      with its duration and the source line that issued it.
        -p, --pid PID          attach to a running process
        -b, --backend B        ebpf (needs CAP_BPF+CAP_PERFMON), ptrace (your own processes), or auto (default)
        -d, --duration S       stop after S seconds (default: when the target exits, or Ctrl-C)
        -m, --min-duration MS  show blocking reads/writes/fsyncs from this long (default 1; 0 shows all)
            --irq              record every hard interrupt
        -o, --output FILE      save the trace (FILE.iolens) for \`iolens report\` and VS Code
            --jsonl FILE|-     write one JSON object per event (- for standard output)
        -q, --quiet            no event lines, only the summary
            --no-stacks        do not take user stacks
            --color / --no-color
  iolens report FILE.iolens [--symbols DIR]...
      Per process and thread: calls by kind with count, total, p50/p99/max; the longest waits with
      their source lines; the I/O models the program really uses; UIO devices and interrupts.
  iolens dump FILE.iolens [--jsonl] [--symbols DIR]...
      Every event of a saved trace, as lines or JSON objects.
  iolens symbolize IN.iolens -o OUT.iolens [--symbols DIR]...
      Make a trace written by iolens-tracer alone (on a device, a guest, a container) self-contained:
      its stacks resolved to source lines, so it shows them on any machine.
      --symbols DIR: where the traced binaries are when they are not at the paths they ran from
      (as a sysroot, or by file name; used only when the build-id matches). Also IOLENS_SYMBOL_PATH
      (directories separated by ':').
  iolens --version`;

function num(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new UserError('usage', `${name} must be a number >= ${min}, not '${v}'`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd ? 0 : 2;
  }
  if (cmd === '-V' || cmd === '--version') {
    process.stdout.write(`iolens ${VERSION}\n`);
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
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        'ring-size': { type: 'string' },
      },
    });
    const pid = num('--pid', values.pid, 1);
    if ((pid === undefined) === (positionals.length === 0)) {
      throw new UserError('usage', 'give either --pid PID or -- COMMAND [ARGS...]');
    }
    if (pid !== undefined && !Number.isInteger(pid)) throw new UserError('usage', '--pid must be a whole number');
    const minMs = num('--min-duration', values['min-duration'], 0);
    const backend = values.backend ?? 'auto';
    if (backend !== 'ebpf' && backend !== 'ptrace' && backend !== 'auto') throw new UserError('usage', `--backend must be ebpf, ptrace or auto, not '${backend}'`);
    const abort = new AbortController();
    const stop = (): void => abort.abort();
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
        ringSize: num('--ring-size', values['ring-size'], 4096),
        tracerPath: process.env.IOLENS_TRACER || undefined,
        output: values.output,
        jsonl: values.jsonl,
        quiet: values.quiet,
        color: values['no-color'] ? false : values.color ? true : color,
        stdout: process.stdout,
        stderr: process.stderr,
        stopSignal: abort.signal,
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
  if (cmd === 'report' || cmd === 'dump' || cmd === 'symbolize') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        jsonl: { type: 'boolean' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        symbols: { type: 'string', multiple: true },
        ...(cmd === 'symbolize' && { output: { type: 'string', short: 'o' } }),
      },
    });
    if (positionals.length !== 1) throw new UserError('usage', `${cmd} takes one trace file`);
    const symbolPath = [...(values.symbols ?? []), ...(process.env.IOLENS_SYMBOL_PATH ?? '').split(':').filter(Boolean)];
    if (cmd === 'report') return report(positionals[0], process.stdout, process.stderr, symbolPath);
    if (cmd === 'symbolize') {
      const output = values.output;
      if (typeof output !== 'string') throw new UserError('usage', 'symbolize needs -o OUT.iolens');
      return symbolizeCommand(positionals[0], output, symbolPath, process.stdout, process.stderr);
    }
    return dump(positionals[0], {
      jsonl: values.jsonl === true,
      color: values['no-color'] ? false : values.color ? true : color,
      out: process.stdout,
      err: process.stderr,
      symbolPath,
    });
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
    process.exitCode = code;
  },
  (e: unknown) => {
    if ((isUserError(e) && e.code === 'usage') || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`iolens: ${e.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      const d = describeError(e);
      process.stderr.write(`iolens: ${d.message}\n${d.bug ? `${d.detail}\n` : ''}`);
      process.exitCode = 1;
    }
  },
);
