/**
 * A traced program's source file, read for the line of a runtime's frame (symbols/pythonDefs.ts,
 * symbols/jsCallLine.ts): its path comes from the program's perf map, so it is untrusted. Read only
 * if it is a regular file with one of the expected extensions and of bounded size, opened without
 * blocking (a FIFO at that path would otherwise hang the reader); its text is only searched, never run.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** What a runtime's frame called, as its source names it: `read`, or `os.read` (module `os`). */
export interface CalledName {
  readonly name: string;
  /** The module the callee belongs to, when known (`os`, `fs`): preferred among several calls of the name. */
  readonly module: string | null;
}

/** Larger source files are not read. */
export const MAX_SOURCE_BYTES = 8 << 20;

/** The text of `file`, or null when it is not an absolute path ending as `extension` says, not a regular file, too large or unreadable. */
export function readSourceText(file: string, extension: RegExp): string | null {
  if (!file.startsWith('/') || !extension.test(file)) return null;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n <= 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
