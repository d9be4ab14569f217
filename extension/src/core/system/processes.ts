/**
 * The processes a user can attach to, read from /proc: pid, parent, name, user, executable,
 * command line.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { processContainer } from './containers';

/** A running process. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
  /** The executable's path ('' when it may not be read: another user's process). */
  readonly exe: string;
  readonly uid: number;
  readonly user: string;
  /** The full command line, or [name] for kernel threads. */
  readonly commandLine: string;
  readonly kernelThread: boolean;
  /** Start time in clock ticks since boot (newest first sorts by it). */
  readonly startTicks: number;
  /** The container it runs in, when not this process's own ("docker 3f2a1b2c3d4e, pid 1"), else null. */
  readonly container: string | null;
}

function userNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid !== undefined) names.set(Number(uid), name);
    }
  } catch {
    /* no passwd: numeric uids */
  }
  return names;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every process visible here. */
export function listProcesses(): ProcessEntry[] {
  const users = userNames();
  const out: ProcessEntry[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue; // gone meanwhile
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const cmd = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
    let uid = -1;
    try {
      uid = statSync(`/proc/${pid}`).uid;
    } catch {
      continue;
    }
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      /* another user's, or a kernel thread */
    }
    out.push({
      pid,
      ppid: Number(fields[1]) || 0,
      name,
      exe,
      uid,
      user: users.get(uid) ?? String(uid),
      commandLine: cmd || `[${name}]`,
      kernelThread: !cmd && (Number(fields[6]) & 0x00200000) !== 0 /* PF_KTHREAD in flags */ || (!cmd && fields[1] === '2'),
      startTicks: Number(fields[19]) || 0,
      container: cmd ? processContainer(pid) : null,
    });
  }
  return out;
}

/** How a process stands in the picker, first to last. */
export type ProcessRank = 'workspace' | 'own' | 'editor' | 'other';

/** Options of the picker's order. */
export interface PickerOptions {
  /** Pids left out (iolens itself). */
  readonly exclude?: ReadonlySet<number>;
  /** Folders whose programs come first (the workspace): the executable or a path on the command line inside them. */
  readonly folders?: readonly string[];
  /** A process of the editor itself (its server, extension hosts, helpers): after the user's others. */
  readonly editorPid?: number;
}

/** The pids of `root`'s process tree: its ancestors and their descendants (the editor's own processes). */
function treeOf(list: readonly ProcessEntry[], root: number): Set<number> {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  // up to the topmost ancestor that is not init, then every descendant of it
  let top = root;
  for (let p = byPid.get(root); p && p.ppid > 1 && byPid.has(p.ppid); p = byPid.get(p.ppid)) top = p.ppid;
  const tree = new Set([top]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of list) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Where `p` goes in the picker. */
export function processRank(p: ProcessEntry, uid: number, folders: readonly string[], editor: ReadonlySet<number>): ProcessRank {
  const inFolder = (path: string): boolean => folders.some((f) => path === f || path.startsWith(f.endsWith('/') ? f : `${f}/`));
  if (folders.length && (inFolder(p.exe) || p.commandLine.split(' ').some((a) => a.startsWith('/') && inFolder(a)))) return 'workspace';
  if (editor.has(p.pid)) return 'editor';
  return p.uid === uid ? 'own' : 'other';
}

const RANK_ORDER: Record<ProcessRank, number> = { workspace: 0, own: 1, editor: 2, other: 3 };

/**
 * Processes in the order a picker shows them, each with its rank: the workspace's programs first,
 * then the user's own, then the editor's own (its server and helpers, which used to come first),
 * then other users'; newest first within each; kernel threads and excluded pids left out.
 */
export function pickerOrder(list: ProcessEntry[], uid: number, options: PickerOptions | ReadonlySet<number> = {}): (ProcessEntry & { readonly rank: ProcessRank })[] {
  const o: PickerOptions = options instanceof Set ? { exclude: options } : (options as PickerOptions);
  const exclude = o.exclude ?? new Set<number>();
  const editor = o.editorPid ? treeOf(list, o.editorPid) : new Set<number>();
  return list
    .filter((p) => !p.kernelThread && !exclude.has(p.pid))
    .map((p) => ({ ...p, rank: processRank(p, uid, o.folders ?? [], editor) }))
    .sort((a, b) => RANK_ORDER[a.rank] - RANK_ORDER[b.rank] || b.startTicks - a.startTicks);
}
