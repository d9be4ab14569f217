/**
 * Interop speeds: `iolens export` of a synthetic trace of a million events (every kind of row,
 * slice, instant, flow and stack) to Perfetto and to Chrome's JSON — events per second, bytes per
 * event, the process's peak resident memory — and `iolens import` of an strace log of a million
 * lines (waits, blocking reads, AIO batches, signals, -k stacks, -y paths) — lines and records
 * per second. The real code (commands/export.ts, commands/import.ts), median of the rounds.
 *
 *   npx tsx bench/interop.ts [--events N] [--rounds R] [--only export|import] [--format perfetto|chrome]
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTrace, type ExportFormat } from '../extension/src/core/commands/export';
import { importStrace } from '../extension/src/core/commands/import';
import { readTraceFile } from '../extension/src/core/trace/file';
import { writeSyntheticTrace } from './synthetic';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Peak RSS while `f` runs, sampled every 20 ms. */
async function withPeakRss<T>(f: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await f();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peak };
  } finally {
    clearInterval(timer);
  }
}

const two = (n: number): string => String(n).padStart(2, '0');
const clock = (us: number): string => {
  const s = Math.floor(us / 1e6);
  return `${two(Math.floor(s / 3600) % 24)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
};

/** An strace log (-f -tt -T -y -k) of about `lines` lines: 4 threads, a mix of what iolens imports. */
function writeStraceLog(path: string, lines: number): void {
  const fd = openSync(path, 'w');
  let buf = '';
  let n = 0;
  let us = 10 * 3600e6;
  const put = (s: string): void => {
    buf += s + '\n';
    n++;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  };
  const stack = (k: number): void => {
    put(' > /usr/lib/x86_64-linux-gnu/libc.so.6(read+0x4c) [0xf82ec]');
    put(` > /srv/app/server(handler_${k}+0x1c) [0x${(0x18c0 + k * 16).toString(16)}]`);
    put(' > /srv/app/server(run_loop+0x139) [0x1a5f]');
    put(' > /srv/app/server(main+0x27f) [0x1db8]');
  };
  put(`4000 ${clock(us)} execve("/srv/app/server", ["/srv/app/server"], 0x7ffc /* 9 vars */) = 0 <0.001000>`);
  for (let t = 1; t < 4; t++) put(`4000 ${clock((us += 10))} clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f00, stack_size=0x7fff80} => {parent_tid=[${4000 + t}]}, 88) = ${4000 + t} <0.000050>`);
  put(`4000 ${clock((us += 10))} rt_sigaction(SIGIO, {sa_handler=0x5500001359, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f00}, NULL, 8) = 0 <0.000010>`);
  put(`4000 ${clock((us += 10))} io_setup(32, [0x7fc340099000]) = 0 <0.000069>`);
  for (let i = 0; n < lines; i++) {
    us += 37;
    const tid = 4000 + (i % 4);
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        put(`${tid} ${clock(us)} epoll_wait(3<anon_inode:[eventpoll]>, [{events=EPOLLIN, data={u32=6, u64=6}}], 16, 100) = 1 <0.00${1000 + (i % 8000)}>`);
        if (i % 4 === 0) stack(i % 7);
        break;
      case 3:
      case 4:
        put(`${tid} ${clock(us)} read(6</var/data/db>, "\\1\\2\\3\\4\\5\\6\\7\\10\\11\\12\\13\\14\\15\\16\\17\\20"..., 4096) = 4096 <0.001${200 + (i % 700)}>`);
        stack(i % 7);
        break;
      case 5: {
        const iocbs = [0, 1, 2, 3].map((k) => `{aio_data=0x${(i * 4 + k).toString(16)}, aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=6, aio_buf=0x5557, aio_nbytes=4096, aio_offset=${k * 4096}}`);
        put(`${tid} ${clock(us)} io_submit(0x7fc340099000, 4, [${iocbs.join(', ')}]) = 4 <0.000070>`);
        const events = [0, 1, 2, 3].map((k) => `{data=0x${(i * 4 + k).toString(16)}, obj=0x7ffc8220${k}9a0, res=4096, res2=0}`);
        put(`${tid} ${clock((us += 300))} io_getevents(0x7fc340099000, 4, 4, [${events.join(', ')}], NULL) = 4 <0.000200>`);
        break;
      }
      case 6:
        put(`4000 ${clock(us)} --- SIGIO {si_signo=SIGIO, si_code=POLL_IN, si_band=POLLIN|POLLRDNORM, si_fd=6} ---`);
        put(`4000 ${clock((us += 20))} rt_sigreturn({mask=[]}) = 0 <0.000010>`);
        break;
      case 7:
        put(`${tid} ${clock(us)} futex(0x5557, FUTEX_WAKE_PRIVATE, 1) = 0 <0.000010>`);
        break;
      default:
        put(`${tid} ${clock(us)} write(7<pipe:[1234]>, "x", 1) = 1 <0.000020>`);
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

async function main(): Promise<void> {
  const events = Number(arg('events', '1000000'));
  const rounds = Number(arg('rounds', '3'));
  const only = arg('only', '');
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-interop-'));
  const out: string[] = [];
  const say = (s: string): void => {
    out.push(s);
    process.stdout.write(s + '\n');
  };
  say(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs (the machine is shared: compare with the reading row, measured in the same run)`);
  try {
    if (only !== 'import') {
      const input = join(dir, 'synthetic.iolens');
      await writeSyntheticTrace(input, events, true);
      say(`export: ${events.toLocaleString('en-US')} events (mixed: syscalls, AIO batches, signals, wake-ups, 7 symbolized stacks), ${(statSync(input).size / 2 ** 20).toFixed(0)} MiB .iolens`);
      say('format      events/s   median s   output MiB   bytes/event   peak RSS MiB   slices / instants / flows');
      {
        // for scale: reading the same trace (decode and assemble the events), what every command does
        const times: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const t0 = performance.now();
          await readTraceFile(input, () => undefined, { symbolizer: null });
          times.push((performance.now() - t0) / 1000);
        }
        say(`${'(reading)'.padEnd(9)} ${((events / median(times)) / 1e6).toFixed(2).padStart(8)} M ${median(times).toFixed(2).padStart(9)}`);
      }
      for (const format of (['perfetto', 'chrome'] as ExportFormat[]).filter((f) => !arg('format', '') || f === arg('format', ''))) {
        const times: number[] = [];
        let last: Awaited<ReturnType<typeof exportTrace>> | undefined;
        let peak = 0;
        for (let r = 0; r < rounds; r++) {
          const output = join(dir, `out.${format}`);
          const t0 = performance.now();
          const run = await withPeakRss(() => exportTrace(input, output, { format }));
          times.push((performance.now() - t0) / 1000);
          last = run.value;
          peak = Math.max(peak, run.peak);
        }
        const s = median(times);
        const r = last as NonNullable<typeof last>;
        say(`${format.padEnd(9)} ${((r.events / s) / 1e6).toFixed(2).padStart(8)} M ${s.toFixed(2).padStart(9)}   ${(r.bytes / 2 ** 20).toFixed(1).padStart(10)}   ${(r.bytes / r.events).toFixed(1).padStart(11)}   ${(peak / 2 ** 20).toFixed(0).padStart(12)}   ${r.slices} / ${r.instants} / ${r.flows}`);
      }
    }
    if (only !== 'export') {
      const log = join(dir, 'synthetic.strace');
      writeStraceLog(log, events);
      say('');
      say(`import: an strace log (-f -tt -T -y -k) of ${events.toLocaleString('en-US')} lines, ${(statSync(log).size / 2 ** 20).toFixed(0)} MiB (stacks of binaries that are not here: frames kept as strace named them)`);
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof importStrace>> | undefined;
      let peak = 0;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        const run = await withPeakRss(() => importStrace(log, join(dir, 'imported.iolens'), { symbolizer: null, minDurationNs: 0 }));
        times.push((performance.now() - t0) / 1000);
        last = run.value;
        peak = Math.max(peak, run.peak);
      }
      const s = median(times);
      const r = last as NonNullable<typeof last>;
      const records = [...r.recorded.values()].reduce((a, b) => a + b, 0);
      say(`lines/s ${((r.lines / s) / 1e6).toFixed(2)} M, records/s ${((records / s) / 1e6).toFixed(2)} M, median ${s.toFixed(2)} s, ${records.toLocaleString('en-US')} records, ${(statSync(join(dir, 'imported.iolens')).size / 2 ** 20).toFixed(0)} MiB .iolens, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB, ${r.errors + r.notUnderstood} lines skipped`);
    }
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', `interop${events === 1e6 ? '' : `-${events}`}.txt`), out.join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
