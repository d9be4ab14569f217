/**
 * The processes a user can attach to, read from /proc: pid, name, user, command line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { processContainer } from './containers';

/** A running process. */
export interface ProcessEntry {
  readonly pid: number;
  readonly name: string;
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
    out.push({
      pid,
      name,
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

/**
 * Processes in the order a picker shows them: the user's own first, newest first within each
 * group; kernel threads and the given pids (iolens itself) left out.
 */
export function pickerOrder(list: ProcessEntry[], uid: number, exclude: ReadonlySet<number> = new Set()): ProcessEntry[] {
  return list
    .filter((p) => !p.kernelThread && !exclude.has(p.pid))
    .sort((a, b) => Number(b.uid === uid) - Number(a.uid === uid) || b.startTicks - a.startTicks);
}
