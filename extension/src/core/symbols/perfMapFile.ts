/**
 * Where a runtime writes its perf map (`/tmp/perf-PID.map`: one line per piece of code it
 * compiled at run time, read by perfMap.ts), how to tell such a file by its path — the one
 * rule for the symbolizer, the launcher and the analysis (its writes are the runtime answering a
 * profiler's request, not the program's I/O) — and a Java method among the names it gives.
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

/** A Java method as perfMap.ts names a JVM's compiled method: `com.acme.Journal.append(FileChannel, int)`. */
const JVM_METHOD_NAME = /^[\w$]+(?:[./][\w$]+)*\.(?:[\w$]+|<init>|<clinit>)\([\w$[\], ]*\)$/;

/** A frame's function is a Java method named by a JVM's perf map. */
export function isJvmMethod(fn: string): boolean {
  return JVM_METHOD_NAME.test(fn);
}
