/**
 * Processes in containers: which container a process is in (from its cgroup paths, as Docker,
 * Podman, containerd, CRI-O, Kubernetes, LXC and systemd-nspawn name them), its pid there (NSpid),
 * and its file system, read through /proc/PID/root while it runs — the binaries and debug files
 * its stacks resolve with are there, not at the same paths on the host.
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeSymbolizer } from '../symbols/native';

/** The target's namespaces when they are not the tracer's (the meta record's `namespace`). */
export interface NamespaceMeta {
  readonly pid_ns: number;
  readonly mnt_ns: number;
  readonly other_pid_ns: boolean;
  readonly other_mnt_ns: boolean;
  /** Its pid inside its own PID namespace. */
  readonly ns_pid?: number;
  readonly cgroups: readonly string[];
}

/** A container as far as the host can tell. */
export interface ContainerInfo {
  /** docker, podman, containerd, cri-o, lxc, nspawn, kubernetes (a pod's container), or null when only the namespace says so. */
  readonly runtime: string | null;
  /** The container id (64 hex digits for the OCI runtimes), or its name (LXC, nspawn). */
  readonly id: string | null;
  /** A name for people: the runtime's name when readable, else the short id, else the namespace. */
  readonly label: string;
}

const HEX64 = /([0-9a-f]{64})/;

/** Runtimes by the words their cgroup paths use (cgroup v1 and v2, systemd and cgroupfs drivers). */
const RUNTIMES: readonly [RegExp, string][] = [
  [/(?:^|\/)docker[-/]([0-9a-f]{64})(?:\.scope)?(?:\/|$)/, 'docker'],
  [/(?:^|\/)libpod-(?:conmon-)?([0-9a-f]{64})(?:\.scope)?(?:\/|$)/, 'podman'],
  [/(?:^|\/)cri-containerd-([0-9a-f]{64})\.scope/, 'containerd'],
  [/(?:^|\/)crio-(?:conmon-)?([0-9a-f]{64})\.scope/, 'cri-o'],
  [/\/kubepods[^\n]*\/(?:[a-z-]+-)?([0-9a-f]{64})(?:\.scope)?(?:\/|$)/, 'kubernetes'],
];

/**
 * The container a cgroup path names, or null. Also `<anything>-<64 hex>.scope` and a bare
 * 64-hex component (cgroupfs drivers): an OCI container whose runtime the path does not say.
 */
export function containerFromCgroups(paths: readonly string[]): { runtime: string | null; id: string } | null {
  for (const p of paths) {
    for (const [re, runtime] of RUNTIMES) {
      const m = re.exec(p);
      if (m) return { runtime, id: m[1] };
    }
  }
  for (const p of paths) {
    const lxc = /(?:^|\/)lxc\.payload[./]([^/]+)/.exec(p) ?? /(?:^|\/)lxc\/([^/]+)/.exec(p);
    if (lxc) return { runtime: 'lxc', id: lxc[1] };
    const nspawn = /(?:^|\/)machine-([^/]+)\.scope/.exec(p);
    if (nspawn) return { runtime: 'nspawn', id: nspawn[1].replace(/\\x2d/g, '-') };
  }
  for (const p of paths) {
    const m = p.split('/').map((c) => HEX64.exec(c)?.[1]).find(Boolean);
    if (m) return { runtime: null, id: m };
  }
  return null;
}

/** Docker's own name for a container (root can read its config), or null. */
function dockerName(id: string): string | null {
  try {
    const cfg = JSON.parse(readFileSync(join('/var/lib/docker/containers', id, 'config.v2.json'), 'utf8')) as { Name?: unknown };
    return typeof cfg.Name === 'string' && cfg.Name ? cfg.Name.replace(/^\//, '') : null;
  } catch {
    return null;
  }
}

/** The container's host name (Docker and Kubernetes write the container or pod name there), or null. */
function hostnameIn(root: string | null): string | null {
  if (!root) return null;
  try {
    const name = readFileSync(join(root, 'etc', 'hostname'), 'utf8').trim();
    return /^[\w.-]{1,64}$/.test(name) ? name : null;
  } catch {
    return null;
  }
}

/**
 * A container's name as this machine knows it now, or null: Docker's (root can read its config),
 * else the host name in its file system (Docker and Kubernetes write the container's or pod's).
 */
export function containerName(ns: Pick<NamespaceMeta, 'cgroups'>, root: string | null): string | null {
  const found = containerFromCgroups(ns.cgroups);
  return (found?.runtime === 'docker' ? dockerName(found.id) : null) ?? hostnameIn(root);
}

/** Describe the container of a traced target from its meta record (and its name, when known). */
export function describeContainer(ns: NamespaceMeta, name: string | null = null): ContainerInfo {
  const found = containerFromCgroups(ns.cgroups);
  if (found) {
    const short = HEX64.test(found.id) ? found.id.slice(0, 12) : found.id;
    const label = `${found.runtime ?? 'container'} ${name && name !== short && name !== found.id ? `${name} (${short})` : short}`;
    return { runtime: found.runtime, id: found.id, label };
  }
  const what = ns.other_pid_ns ? `PID namespace ${ns.pid_ns}` : `mount namespace ${ns.mnt_ns}`;
  return { runtime: null, id: null, label: name ? `${what} (${name})` : what };
}

/** One line for people: "in docker web (3f2a1b2c3d4e) as pid 1". */
export function containerLine(ns: NamespaceMeta, info: ContainerInfo): string {
  return `in ${info.label}${ns.other_pid_ns && ns.ns_pid ? ` as pid ${ns.ns_pid}` : ''}`;
}

/** What /proc/PID/status says about a process's namespaces (world-readable): its pids, outermost first. */
export function nsPids(pid: number): number[] {
  try {
    const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? m[1].trim().split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** The cgroup paths of a live process (world-readable), "/" left out. */
export function cgroupPaths(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .map((l) => l.split(':').slice(2).join(':'))
      .filter((p) => p && p !== '/');
  } catch {
    return [];
  }
}

/**
 * For a process picker: the container a running process is in, when it is not this process's own
 * ("docker 3f2a1b2c3d4e, pid 1"; "another PID namespace, pid 7"), else null. From world-readable
 * /proc files only.
 */
export function processContainer(pid: number, self = process.pid): string | null {
  const pids = nsPids(pid);
  const found = containerFromCgroups(cgroupPaths(pid));
  const mine = containerFromCgroups(cgroupPaths(self));
  const otherPidNs = pids.length > nsPids(self).length;
  if ((!found || found.id === mine?.id) && !otherPidNs) return null;
  const label = found && found.id !== mine?.id ? `${found.runtime ?? 'container'} ${HEX64.test(found.id) ? found.id.slice(0, 12) : found.id}` : 'another PID namespace';
  return otherPidNs ? `${label}, pid ${pids[pids.length - 1]}` : label;
}

/**
 * The file system of a traced process in another mount namespace, held open while the trace is
 * read: `/proc/self/fd/N` keeps leading to the container's root even after the process exits
 * (the open directory pins its mount), and a reused pid cannot redirect it.
 */
export class ProcessRoot {
  private fd: number | null;
  /** Why the root could not be opened (e.g. the process belongs to another user). */
  readonly error: string | null;

  constructor(readonly pid: number) {
    try {
      this.fd = openSync(`/proc/${pid}/root`, 'r');
      this.error = null;
    } catch (e) {
      this.fd = null;
      const code = (e as NodeJS.ErrnoException).code;
      this.error =
        code === 'EACCES' || code === 'EPERM'
          ? `its files are in another mount namespace, which this user may not read (record as root, or give the binaries with --symbols / iolens.symbolSearchPath)`
          : `its files are in another mount namespace, and /proc/${pid}/root could not be opened (${code ?? String(e)})`;
    }
  }

  /** The path through which the process's files are read, or null. */
  get path(): string | null {
    return this.fd === null ? null : `/proc/self/fd/${this.fd}`;
  }

  /** `file` (a path as the process sees it) inside its file system, when it is there. */
  resolve(file: string): string | null {
    const p = this.path;
    if (!p) return null;
    const inside = join(p, file);
    return existsSync(inside) ? inside : null;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * The file system of a recording's target when it runs in another mount namespace: held from its
 * meta record on, so stacks resolve with the container's binaries and debug files (StackResolver's
 * ProcessRoots). Every process of the trace is the target's or its descendants', in its namespace.
 */
export class ContainerRoots {
  private root: ProcessRoot | null = null;
  private symbolizer: NativeSymbolizer | null | undefined;

  constructor(private readonly makeSymbolizer: (debugDirs: string[]) => NativeSymbolizer | null) {}

  /** The meta record arrived: hold the target's root when its mount namespace is not ours. */
  onMeta(pid: number | undefined, ns: NamespaceMeta | undefined): void {
    if (this.root || !pid || !ns?.other_mnt_ns) return;
    this.root = new ProcessRoot(pid);
  }

  /** The target's root while held (for a container's name from its /etc/hostname). */
  get path(): string | null {
    return this.root?.path ?? null;
  }

  fileOf(_pid: number, path: string): { file: string } | { problem: string } | null {
    if (!this.root) return null;
    if (this.root.error) return { problem: this.root.error };
    const file = this.root.resolve(path);
    return file ? { file } : null;
  }

  symbolizerOf(): NativeSymbolizer | null {
    const base = this.root?.path;
    if (!base) return null;
    this.symbolizer ??= this.makeSymbolizer([join(base, 'usr', 'lib', 'debug'), '/usr/lib/debug']);
    return this.symbolizer;
  }

  close(): void {
    this.root?.close();
  }
}
