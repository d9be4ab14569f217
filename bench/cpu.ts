/**
 * CPU time for the benches: the whole process's (every thread) and the main thread's alone (the
 * extension host's thread, where a recording's events are decoded and stored; a worker's CPU is
 * spent beside it), so that work moved to a worker shows as what it is.
 */
import { readFileSync } from 'node:fs';

/** CPU time of this process's main thread (the extension host's thread), ms: /proc's utime + stime of the task. */
export function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of the whole process (every thread: workers, V8's helpers), ms. */
export function processCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}
