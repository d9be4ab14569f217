/**
 * What a Python frame's function called, read from the frames between it and the leaf: the next
 * Python function (`BufferedReader.read` → `read`), or the first C function past the interpreter's
 * own call machinery — a builtin module's function, which CPython names `module_function`
 * (`os_read`, `time_sleep`, `sock_recv`, `_io_FileIO_read_impl`). With it, pythonDefs.callLine
 * finds the line of the call in the function's source when the function makes it in one place.
 */
import type { CalledName } from './sourceText';

/** A frame as this module reads it (StackFrame's fields, leaf first). */
export interface CalleeFrame {
  readonly function: string | null;
  readonly file: string | null;
}

/**
 * The interpreter's call machinery between a Python function and what it called: the eval loop,
 * the vectorcall and tp_call paths, method and builtin-function wrappers, generators and the
 * perf trampoline (3.12–3.13 names).
 */
const MACHINERY = /^(?:_?Py|py_|cfunction_|method_vectorcall|vectorcall|slot_tp_|wrap_|wrapper|call_|object_vacall|builtin_call|gen_|context_run|_start$)/;
/** CPython's own call machinery lives in these folders of its source (extension modules are in Modules/). */
const MACHINERY_FILE = /\/(?:Objects|Python|Include)\/[^/]+$/;
/** A builtin function's C name (its `_impl` cut off): its module's words, then its own (`_io__Buffered_read`). */
const C_NAME = /^_*([A-Za-z0-9]+)_(?:\w*_)?([A-Za-z][A-Za-z0-9]*)$/;

/** The Python function a frame names (CPython's perf map: a file ending in .py), as its qualified name. */
function isPythonFrame(f: CalleeFrame): boolean {
  return f.function !== null && f.file !== null && /\.pyw?$/.test(f.file);
}

/**
 * What the Python frame at `index` of `frames` (leaf first) called, or null when nothing leafward
 * of it names a call a source line could show (the interpreter's machinery only, an unnamed frame).
 */
export function calleeOf(frames: readonly CalleeFrame[], index: number): CalledName | null {
  for (let i = index - 1; i >= 0; i--) {
    const f = frames[i];
    if (!f.function) return null;
    if (isPythonFrame(f)) {
      const name = f.function.split('.').pop() ?? '';
      return /^[A-Za-z_]\w*$/.test(name) ? { name, module: null } : null;
    }
    if (MACHINERY.test(f.function) || (f.file !== null && MACHINERY_FILE.test(f.file) && !f.file.endsWith('/bltinmodule.c'))) continue;
    const m = C_NAME.exec(f.function.replace(/_impl$/, ''));
    if (!m) return null;
    return { name: m[2], module: m[1] === 'builtin' ? null : m[1] };
  }
  return null;
}
