/**
 * Whose code a frame is, and the first frame of a stack in the user's own code: the call a user
 * would change. Not the C library or the dynamic loader (system libraries), not a language
 * runtime (the Node.js or Python binary, the Go runtime and standard library), not a header
 * inlined from the system (glibc's fortified `read` in <bits/unistd.h>).
 *
 * One rule for every place that names "the line": findings' `where`, the event lines, the
 * longest calls, jump to code. Runtimes' own frames (JavaScript, Python, Java) are user code when the
 * stack names them (perf maps, JIT dumps): they are not in a runtime's binary.
 */
import { basename } from 'node:path';
import { isJvmMethod, isPerfMapFile } from './perfMapFile';
import type { ResolvedStack, StackFrame } from './stacks';

/** Who wrote the code of a frame. */
export type FrameOwner = 'user' | 'system' | 'runtime';

/**
 * Shared libraries and the dynamic loader installed by the system. Only libraries: programs live
 * under /usr/lib too (Debian's PostgreSQL: /usr/lib/postgresql/15/bin/postgres), and are the user's.
 * A library under another root's /usr/lib (a container's or a chroot's files) is the system's too.
 */
const SYSTEM_MODULE = /(?:^|\/usr)\/(?:lib|lib32|lib64|libx32)\/(?:[^/]+\/)*[^/]+\.so(?:\.[\d.]+)?(?: \(deleted\))?$|^\[vdso\]$|^linux-vdso|\/ld-linux[^/]*$/;
/**
 * A program's own libraries in its private directory under /usr/lib (Debian's apache2 modules in
 * /usr/lib/apache2/modules/, nginx's, PostgreSQL's): its plug-ins are its code, not the system's.
 * Not the multiarch directories, nor a language's or a compiler's.
 */
const PROGRAM_LIBRARY = /(?:^|\/usr)\/lib\/(?![^/]*-linux-gnu[^/]*\/|python[\d.]*\/|gcc\/|llvm[^/]*\/|jvm\/|debug\/|go[^/]*\/|node_modules\/|systemd\/)[^/]+\/(?:[^/]+\/)*[^/]+\.so(?:\.[\d.]+)?(?: \(deleted\))?$/;
/** Source files of the system's headers and of libraries built elsewhere (relative paths of glibc's build tree). */
const SYSTEM_FILE = /^\/usr\/(?:include|lib\/gcc|lib\/llvm)|^(?:\.\/)?(?:sysdeps|misc|nptl|io|posix|libio|socket|signal|csu|elf|string|stdlib|malloc|rt|time)\//;
/** The binaries of language runtimes: their frames are the runtime's, not the program's. */
const RUNTIME_BINARY = /^(?:node|nodejs|python\d*(?:\.\d+)?d?|libpython[\d.]+d?\.so.*|libnode\.so.*|java|libjvm\.so|ruby[\d.]*|libruby.*\.so.*|perl[\d.]*|libperl\.so.*|php[\d.]*|php-fpm[\d.]*|luajit.*|lua[\d.]*|deno|bun)$/;
/** A runtime's own extension modules (CPython's lib-dynload, a Node.js binary add-on of the runtime). */
const RUNTIME_MODULE = /\/lib-dynload\/|\.cpython-\d+[^/]*\.so$/;
/** Sources of a runtime's own code: Node.js' built-in modules, CPython's standard library and frozen modules. */
const RUNTIME_SOURCE = /^(?:node:|internal\/)|^<frozen |\/lib\/python\d+\.\d+\/(?!(?:site|dist)-packages\/)/;
/**
 * Java methods that are the runtime's, not the program's: the JDK's packages, and the classes the
 * JVM generates for a lambda (`Main$$Lambda$14/0x…`), which only forward to its body (`lambda$main$0`).
 */
const JDK_METHOD = /^(?:java|javax|jdk|sun|com\.sun|org\.ietf|org\.w3c|org\.xml)\.|\$\$Lambda\$/;
/** Functions of the Go runtime and standard library (any binary built with Go), when the frame has no file. */
const GO_RUNTIME_FUNCTION = /^(?:runtime(?:\/[\w/]+)?|syscall|internal\/[\w/]+|os|net|io|bufio|sync|time|os\/exec|net\/http|crypto\/[\w/]+)\.(?:\(\*?\w+\)\.)?\w/;
/**
 * A source file of Go's standard library (from `.gopclntab` or DWARF): under a Go root's `src/`, in
 * a package whose path's first element has no dot (a module's has: github.com/…), runtime and
 * vendored packages included. A frame of package main is the program's wherever its file is.
 */
const GO_STD_FILE = /\/src\/[a-z0-9_]+(?:\/[\w.-]+)*\/[^/]+\.(?:go|s)$/;

/**
 * A source file of Rust's standard library (std, core, alloc), as rustc's own build remaps it
 * (`/rustc/<commit>/library/…`) or as the rust-src component installs it: inlined into every
 * Rust binary, the language's code, not the program's.
 */
const RUST_STD_FILE = /^\/rustc\/[0-9a-f]+\/library\/|\/lib\/rustlib\/src\/rust\/library\//;
/**
 * A function of Rust's standard library (or C++'s `std::`) by its demangled name, when the frame
 * has no file (a release build without debug info): `std::…`, `core::…`, `alloc::…`, and a trait
 * implemented for one of their types (`<std::net::tcp::TcpStream as std::io::Read>::read`).
 */
const STD_FUNCTION = /^<?&?(?:mut )?(?:std|core|alloc)::/;

/** Who wrote the code of `f`. */
export function frameOwner(f: Pick<StackFrame, 'module' | 'file' | 'function'>): FrameOwner {
  // JIT code: the program's when it is in one of its own source files (V8's builtins and stubs have
  // none), or a Java method of a class outside the JDK (a JVM's map names no file)
  if (f.module && isPerfMapFile(f.module)) {
    if (f.file) return RUNTIME_SOURCE.test(f.file) ? 'runtime' : 'user';
    return f.function && isJvmMethod(f.function) && !JDK_METHOD.test(f.function) ? 'user' : 'runtime';
  }
  if (f.module && SYSTEM_MODULE.test(f.module) && !PROGRAM_LIBRARY.test(f.module)) return 'system';
  if (f.file && SYSTEM_FILE.test(f.file)) return 'system';
  if (f.module && (RUNTIME_BINARY.test(basename(f.module)) || RUNTIME_MODULE.test(f.module))) return 'runtime';
  if (f.function && GO_RUNTIME_FUNCTION.test(f.function)) return 'runtime';
  if (f.file && GO_STD_FILE.test(f.file) && !f.function?.startsWith('main.')) return 'runtime';
  if (f.file && RUST_STD_FILE.test(f.file)) return 'runtime';
  if (!f.file && f.function && STD_FUNCTION.test(f.function)) return 'runtime';
  return 'user';
}

/**
 * The first frame (innermost first) in the user's own code that has a source line; else the first
 * of the user's frames that has a function name; else the first in a binary of the user's (a
 * stripped program: its module at least) — past the innermost frame when its caller is in the same
 * binary: the innermost frame holds the syscall instruction, which in a program of the user's is
 * its statically linked C library's wrapper (fsync's), and the caller is the call to change;
 * undefined when the stack has none of the user's frames (all in libc or a runtime) or is unknown.
 */
export function userFrame(stack: ResolvedStack | undefined): StackFrame | undefined {
  if (!stack) return undefined;
  let named: StackFrame | undefined;
  let inModule: StackFrame | undefined;
  for (const f of stack.frames) {
    if (frameOwner(f) !== 'user') continue;
    if (f.file && f.line) return f;
    if (!named && f.function) named = f;
    if (!inModule && f.module && !f.module.startsWith('[')) inModule = f;
  }
  if (named) return named;
  const [innermost, caller] = stack.frames;
  if (inModule === innermost && caller && caller.module === innermost.module && frameOwner(caller) === 'user') return caller;
  return inModule;
}

/**
 * Of the frames whose source can be opened here, the one "jump to code" opens: the first in the
 * workspace, else the first in the user's own code (frameOwner: not a system header such as
 * glibc's fortified `read` in <bits/unistd.h>, not a runtime's standard library), else the first.
 */
export function preferredSource<T extends Pick<StackFrame, 'module' | 'file' | 'function'>>(openable: readonly T[], inWorkspace: (file: string) => boolean): T | undefined {
  return openable.find((f) => f.file !== null && inWorkspace(f.file)) ?? openable.find((f) => frameOwner(f) === 'user') ?? openable[0];
}
