/**
 * Where a runtime writes its perf map (`/tmp/perf-PID.map`: one line per piece of code it
 * compiled at run time, read by perfMap.ts), and how to tell such a file by its path — the one
 * rule for the symbolizer, the launcher and the analysis (its writes are the runtime answering a
 * profiler's request, not the program's I/O).
 */

/** The perf map of the process whose pid (as it knows it, in its PID namespace) is `pid`. */
export function perfMapPath(pid: number): string {
  return `/tmp/perf-${pid}.map`;
}

const PERF_MAP_FILE = /\/perf-\d+\.map$/;

/** The path names a perf map (a frame's module, an fd's file). */
export function isPerfMapFile(path: string): boolean {
  return PERF_MAP_FILE.test(path);
}
