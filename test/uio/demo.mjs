#!/usr/bin/env node
// The demo traces of the demo workspace (test/fixtures, which `npm start` opens): a user-space UIO
// driver (test/fixtures/src/edu_uio.c) on a real device, for users without UIO hardware. Boots the
// QEMU guest of guest.mjs once (Debian's kernel, QEMU's `edu` device bound to uio_pci_generic),
// records edu_uio in epoll mode and in sigio mode with iolens-tracer there, makes each trace
// self-contained with `iolens symbolize` (the TypeScript function; binaries from test/uio/build)
// and writes
//
//   demo/traces/uio-edu-epoll.iolens   edu_uio --mode epoll --interrupts 200 --missed 5
//   demo/traces/uio-edu-sigio.iolens   edu_uio --mode sigio --interrupts 100 --missed 3
//   demo/traces/README.md              what they are and how they were recorded
//
//   node test/uio/demo.mjs        (rerunnable; about 10 s; IOLENS_TRACER picks another tracer)
//
// A trace is written only when the tracer recorded it with eBPF (the interrupts need it) and its
// symbol section resolves the driver's calls; test/uio/trace.test.ts checks the files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { tsImport } from 'tsx/esm/api';
import { buildWorkloads, ensureGuest, ROOT, runInGuest, UIO_DIR } from './guest.mjs';

const DEMO_DIR = join(ROOT, 'demo', 'traces');
const TRACER = process.env.IOLENS_TRACER || join(ROOT, 'tracer', 'build', 'iolens-tracer');
const SYMBOL_PATH = [join(UIO_DIR, 'build')];

const DEMOS = [
  {
    name: 'epoll',
    file: 'uio-edu-epoll.iolens',
    args: ['--mode', 'epoll', '--interrupts', '200', '--missed', '5'],
    what: 'epoll_wait() on /dev/uio0, then read() of the interrupt count, then the interrupt re-enabled by '
      + 'clearing the INTx-disable bit in the PCI config space (pwrite64); 5 times two interrupts arrive '
      + 'before one read (the count jumps by 2: missed interrupts)',
  },
  {
    name: 'sigio',
    file: 'uio-edu-sigio.iolens',
    args: ['--mode', 'sigio', '--interrupts', '100', '--missed', '3'],
    what: 'signal-driven: F_SETOWN + O_ASYNC on /dev/uio0, sigsuspend() until SIGIO, then read(); 3 times '
      + 'two interrupts arrive while SIGIO is blocked and their signals merge into one delivery',
  },
];

const log = (m) => process.stderr.write(`demo: ${m}\n`);
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** A Writable that keeps what is written. */
function collector() {
  const chunks = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** The "UIO devices" section of `iolens report`. */
function uioSection(report) {
  const lines = report.split('\n');
  const start = lines.findIndex((l) => l.startsWith('UIO devices'));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && !l.trim());
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

async function main() {
  const { symbolize } = await tsImport('../../extension/src/core/commands/symbolize.ts', import.meta.url);
  const { readTraceFile } = await tsImport('../../extension/src/core/trace/file.ts', import.meta.url);
  const { report } = await tsImport('../../extension/src/core/commands/report.ts', import.meta.url);
  if (!existsSync(TRACER)) throw new Error(`${TRACER} is missing: build the tracer first (npm run build)`);
  const kernel = ensureGuest({ log });
  const binaries = { ...buildWorkloads(), 'iolens-tracer': TRACER };
  const script = DEMOS.map((d) => `iolens-tracer -o /out/${d.name}.iolens -- edu_uio ${d.args.map(q).join(' ')} || exit 1`).join('\n');
  log(`booting the guest (${kernel.package} ${kernel.debVersion}) and recording ${DEMOS.length} traces`);
  const r = await runInGuest({ binaries, command: ['sh', '-c', script], timeoutS: 60, log });
  if (r.exitCode !== 0) throw new Error(`the guest script failed (exit ${r.exitCode}):\n${r.output}`);
  const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();

  const tmp = mkdtempSync(join(tmpdir(), 'iolens-demo-'));
  mkdirSync(DEMO_DIR, { recursive: true });
  const written = [];
  try {
    for (const d of DEMOS) {
      const data = r.files[`${d.name}.iolens`];
      if (!data) throw new Error(`the guest left no /out/${d.name}.iolens; its output:\n${r.output}`);
      const raw = join(tmp, `${d.name}.raw.iolens`);
      const out = join(tmp, d.file);
      writeFileSync(raw, data);
      const s = await symbolize(raw, out, SYMBOL_PATH);
      if (s.warnings.length) throw new Error(`${d.file}: ${s.warnings.join('; ')}`);
      if (!s.withSource) throw new Error(`${d.file}: none of its ${s.stacks} stacks resolved to a source line (notes: ${s.notes.join('; ')})`);
      // what a user will see: opened without the binaries
      const { pipeline } = await readTraceFile(out, () => undefined, { events: false });
      const meta = pipeline.trace.meta ?? {};
      if (meta.backend !== 'ebpf') throw new Error(`${d.file}: recorded with the ${meta.backend} backend, not eBPF (no interrupts); guest output:\n${r.output}`);
      if (pipeline.trace.drops.total) throw new Error(`${d.file}: ${pipeline.trace.drops.total} records lost`);
      const rep = collector();
      await report(out, rep.stream, process.stderr, []);
      const section = uioSection(rep.text());
      if (!section) throw new Error(`${d.file}: its report has no UIO devices section:\n${rep.text()}`);
      renameSync(out, join(DEMO_DIR, d.file));
      written.push({ ...d, meta, stacks: s.stacks, withSource: s.withSource, section, bytes: data.length });
      log(`${relative(ROOT, join(DEMO_DIR, d.file))}: ${s.stacks} stacks, ${s.withSource} with source lines\n${section}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeFileSync(join(DEMO_DIR, 'README.md'), readme({ kernel, r, qemu, written }));
  log(`wrote ${relative(ROOT, join(DEMO_DIR, 'README.md'))}`);
}

function readme({ kernel, r, qemu, written }) {
  const meta = written[0].meta;
  const date = new Date().toISOString().slice(0, 10);
  return `# Demo traces: a user-space UIO driver on a real device

<!-- generated by test/uio/demo.mjs: rerun \`node test/uio/demo.mjs\` instead of editing -->

Traces of [src/edu_uio.c](../src/edu_uio.c), a user-space driver for QEMU's \`edu\` PCI device
through Linux UIO, so that you can explore what I/O Lens shows for UIO without UIO hardware:
every interrupt (the hard-IRQ handler run), how the driver woke up for it and how long that
took, the re-enabling of the interrupt, and the interrupts the driver missed.

| file | what the driver does |
|---|---|
${written.map((d) => `| \`${d.file}\` | \`edu_uio ${d.args.join(' ')}\`: ${d.what} |`).join('\n')}

## Opening them

- In VS Code with I/O Lens: double-click a trace in the Explorer (the I/O Lens trace editor
  opens \`.iolens\` files), or run **I/O Lens: Open Trace…**. Click a wait to land on its line in
  \`src/edu_uio.c\`: the traces name it \`/usr/src/iolens/test/fixtures/src/edu_uio.c\` (the
  driver was built with \`-ffile-prefix-map\`), a path that is not on your machine, so I/O Lens
  opens the workspace file whose path ends the same way, as for any trace recorded elsewhere.
- In a terminal: \`iolens report demo/traces/${written[0].file}\` (from the repository:
  \`node dist/cli.js report …\`) prints the numbers below; \`iolens dump --jsonl …\` every event.

No binaries are needed: each trace carries its symbol section (\`iolens symbolize\`).

## How they were recorded (${date})

- Guest: Debian's kernel ${r.kernel.release} (package ${kernel.package} ${kernel.debVersion}, BTF ${r.kernel.btf ? 'yes' : 'no'}),
  booted by \`test/uio/guest.mjs\` under ${qemu}: software emulation (TCG, no KVM), 1 CPU.
- Device: QEMU's \`edu\` (PCI 1234:11e8) bound to \`${r.device?.name}\` (IRQ ${r.device?.irq}); the driver
  raises each interrupt itself through edu's registers.
- Tracer: iolens-tracer ${meta.version ?? ''} (${meta.backend} backend) in the guest, launching the driver:
${written.map((d) => `  \`iolens-tracer -o ${d.name}.iolens -- edu_uio ${d.args.join(' ')}\``).join('\n')}
- Then, on the host: \`iolens symbolize IN -o OUT --symbols test/uio/build\` (the guest's kernel
  gives no build-ids, so \`edu_uio\` was matched by name with the static binary built there).

Times are those of an emulated machine: slower than real hardware, but every interrupt is real.

${written.map((d) => `### ${d.file}\n\n\`\`\`\n${d.section}\n\`\`\``).join('\n\n')}
`;
}

main().catch((e) => {
  process.stderr.write(`demo: ${e.message}\n`);
  process.exit(1);
});
