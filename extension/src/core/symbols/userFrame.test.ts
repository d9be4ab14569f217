import * as assert from 'node:assert/strict';
import type { StackFrame } from './stacks';
import { frameOwner, preferredSource, userFrame } from './userFrame';

function frame(fn: string | null, file: string | null, line: number | null, module: string | null): StackFrame {
  return { addr: 0n, function: fn, file, line, column: null, module, inlined: false, problem: null };
}

describe('userFrame', () => {
  const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  it('skips the C library, the loader and system headers inlined into the program', () => {
    const stack = {
      truncated: false,
      frames: [
        frame('__GI___libc_read', 'sysdeps/unix/sysv/linux/read.c', 26, libc),
        frame('read', '/usr/include/x86_64-linux-gnu/bits/unistd.h', 38, '/srv/app/server'),
        frame('on_request', '/srv/app/src/server.c', 88, '/srv/app/server'),
        frame('main', '/srv/app/src/server.c', 200, '/srv/app/server'),
      ],
    };
    assert.equal(userFrame(stack)?.line, 88);
    assert.equal(frameOwner(stack.frames[0]), 'system');
    assert.equal(frameOwner(stack.frames[1]), 'system');
    assert.equal(frameOwner(frame('_dl_start', null, null, '/lib64/ld-linux-x86-64.so.2')), 'system');
    assert.equal(frameOwner(frame('event_base_loop', null, null, '/usr/lib/x86_64-linux-gnu/libevent-2.1.so.7.0.1')), 'system');
    assert.equal(frameOwner(frame('__libc_start_main', null, null, '/usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)')), 'system');
    assert.equal(frameOwner(frame(null, null, null, '/tmp/iolens-installed-x/root/usr/lib/x86_64-linux-gnu/libc.so.6')), 'system', "a chroot's or a container's libc");
    assert.equal(frameOwner(frame('helper', null, null, '/home/u/app/lib/libhelper.so')), 'user', "a program's own library");
  });

  it("takes a program's plug-ins in its own directory under /usr/lib for its code (apache2's MPM module), not the system's", () => {
    assert.equal(frameOwner(frame('listener_thread', null, null, '/usr/lib/apache2/modules/mod_mpm_event.so')), 'user');
    assert.equal(frameOwner(frame(null, null, null, '/usr/lib/nginx/modules/ngx_http_geoip_module.so')), 'user');
    assert.equal(frameOwner(frame(null, null, null, '/usr/lib/postgresql/15/lib/plpgsql.so')), 'user');
    assert.equal(frameOwner(frame('apr_pollset_poll', null, null, '/usr/lib/x86_64-linux-gnu/libapr-1.so.0.7.2')), 'system');
    assert.equal(frameOwner(frame(null, null, null, '/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so')), 'system');
    assert.equal(frameOwner(frame(null, null, null, '/usr/lib/python3/dist-packages/yaml/_yaml.cpython-311-x86_64-linux-gnu.so')), 'system');
    assert.equal(frameOwner(frame(null, null, null, '/usr/lib/libfoo.so.1')), 'system');
  });

  it("takes a program installed under /usr/lib for the user's (Debian's PostgreSQL), not for a system library", () => {
    const pg = '/usr/lib/postgresql/15/bin/postgres';
    const stack = {
      truncated: false,
      frames: [frame('fdatasync', null, null, libc), frame('issue_xlog_fsync', null, null, pg), frame('XLogFlush', null, null, pg)],
    };
    assert.equal(userFrame(stack)?.function, 'issue_xlog_fsync');
  });

  it('skips language runtimes: the Node.js and Python binaries, the Go runtime and standard library', () => {
    assert.equal(frameOwner(frame('uv__fs_read', '../deps/uv/src/unix/fs.c', 476, '/usr/bin/node')), 'runtime');
    assert.equal(frameOwner(frame('_PyEval_EvalFrameDefault', 'Python/ceval.c', 10, '/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0')), 'system');
    assert.equal(frameOwner(frame('_PyEval_EvalFrameDefault', 'Python/ceval.c', 10, '/root/.pyenv/versions/3.12.1/bin/python3.12')), 'runtime');
    assert.equal(frameOwner(frame('internal/poll.(*FD).Read', '/usr/lib/go/src/internal/poll/fd_unix.go', 160, '/srv/app/gosrv')), 'runtime');
    assert.equal(frameOwner(frame('syscall.Syscall', 'syscall.go', 1, '/srv/app/gosrv')), 'runtime');
    assert.equal(frameOwner(frame('main.handle', '/srv/app/main.go', 30, '/srv/app/gosrv')), 'user');
    // the runtime's own packages, and positions inlined from the standard library (file from .gopclntab)
    assert.equal(frameOwner(frame('runtime/internal/syscall.Syscall6', '/usr/lib/go-1.19/src/runtime/internal/syscall/asm_linux_amd64.s', 36, '/srv/app/gosrv')), 'runtime');
    assert.equal(frameOwner(frame('encoding/json.(*decodeState).object', '/usr/local/go/src/encoding/json/decode.go', 640, '/srv/app/gosrv')), 'runtime');
    assert.equal(frameOwner(frame('golang.org/x/net/http2.(*Framer).ReadFrame', '/usr/local/go/src/vendor/golang.org/x/net/http2/frame.go', 1, '/srv/app/gosrv')), 'runtime');
    // a module's packages are the program's, in a GOPATH too
    assert.equal(frameOwner(frame('github.com/acme/store.(*DB).Get', '/home/u/go/src/github.com/acme/store/db.go', 12, '/srv/app/gosrv')), 'user');
    assert.equal(frameOwner(frame('example.com/app/store.Get', '/home/u/app/store/db.go', 12, '/srv/app/gosrv')), 'user');
    assert.equal(frameOwner(frame('main.blockRead', '/home/u/src/app/main.go', 31, '/srv/app/gosrv')), 'user');
    assert.equal(frameOwner(frame('ngx_unix_recv', 'src/os/unix/ngx_recv.c', 20, '/usr/sbin/nginx')), 'user');
  });

  it('skips Rust\'s standard library inlined into a Rust binary, not the program\'s crates', () => {
    const rpool = '/srv/app/target/release/rpool';
    assert.equal(frameOwner(frame('recv_with_flags', '/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/sys/net/connection/socket/unix.rs', 289, rpool)), 'runtime');
    assert.equal(frameOwner(frame('read', '/home/u/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/std/src/net/tcp.rs', 700, rpool)), 'runtime');
    assert.equal(frameOwner(frame('fetch', '/srv/app/src/main.rs', 25, rpool)), 'user');
    // without debug info: by the demangled name alone
    assert.equal(frameOwner({ function: '<std::net::tcp::TcpStream as std::io::Read>::read', file: null, module: rpool }), 'runtime');
    assert.equal(frameOwner({ function: 'std::sys::net::connection::socket::Socket::recv_with_flags', file: null, module: rpool }), 'runtime');
    assert.equal(frameOwner({ function: '<rpool::Conn as std::io::Read>::read', file: null, module: rpool }), 'user', 'the program\'s impl of a std trait');
    assert.equal(frameOwner({ function: 'rpool::fetch', file: null, module: rpool }), 'user');
    assert.equal(frameOwner(frame('read_buf', '/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.40.0/src/io/read_buf.rs', 10, rpool)), 'user', 'a dependency is the program\'s');
    const stack = { frames: [
      frame('recv_with_flags', '/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/sys/net/connection/socket/unix.rs', 289, rpool),
      frame('fetch', '/srv/app/src/main.rs', 25, rpool),
    ], truncated: false, end: 'complete' as const, why: null };
    assert.equal(userFrame(stack)?.function, 'fetch');
  });

  it('falls back to a named frame of the user without a line, and to nothing', () => {
    const noLines = { truncated: false, frames: [frame('read', null, null, libc), frame('handler', null, null, '/opt/x/bin/x')] };
    assert.equal(userFrame(noLines)?.function, 'handler');
    assert.equal(userFrame({ truncated: false, frames: [frame('read', null, null, libc)] }), undefined);
    assert.equal(userFrame(undefined), undefined);
  });

  it("takes a stripped static program's caller of the syscall's wrapper, not the wrapper (its C library is in the binary)", () => {
    const bin = '/opt/x/bin/journal';
    const wrapper = { ...frame(null, null, null, bin), addr: 0x431c60n };
    const caller = { ...frame(null, null, null, bin), addr: 0x40163cn };
    assert.equal(userFrame({ truncated: false, frames: [wrapper, caller, frame(null, null, null, bin)] }), caller);
    // a dynamically linked program: the wrapper is libc's, the first frame of the binary is the call
    assert.equal(userFrame({ truncated: false, frames: [frame(null, null, null, libc), wrapper, caller] }), wrapper);
    // the syscall made in the program's own code, called from elsewhere: that frame
    assert.equal(userFrame({ truncated: false, frames: [wrapper, frame(null, null, null, '/opt/x/lib/libplug.so')] }), wrapper);
  });

  it("takes a JavaScript or Python frame named by a perf map for the program's, ahead of libuv and libpython", () => {
    const map = '/tmp/perf-4242.map';
    const js = {
      truncated: false,
      frames: [
        frame('__libc_open64', 'sysdeps/unix/sysv/linux/open64.c', 41, libc),
        frame('uv__fs_work', '/home/iojs/build/ws/deps/uv/src/unix/fs.c', 1684, '/usr/bin/node'),
        frame('Builtins_CallApiCallback', null, null, map),
        frame('openSync', 'node:fs', 570, map),
        frame('blockLoop', '/srv/app/block.js', 8, map),
        frame('listOnTimeout', 'node:internal/timers', 569, map),
      ],
    };
    assert.equal(userFrame(js)?.function, 'blockLoop');
    const py = {
      truncated: false,
      frames: [
        frame('os_open_impl', 'Modules/posixmodule.c', 10231, '/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0'),
        frame('_run_once', '/root/.pyenv/versions/3.12.1/lib/python3.12/asyncio/base_events.py', null, map),
        frame('read_blocking', '/srv/app/block.py', null, map),
        frame('<frozen runpy>', '<frozen runpy>', null, map),
      ],
    };
    assert.equal(frameOwner(py.frames[1]), 'runtime');
    assert.equal(frameOwner(frame('get', '/srv/venv/lib/python3.12/site-packages/requests/api.py', null, map)), 'user');
    assert.equal(userFrame(py)?.function, 'read_blocking');
  });

  it("takes a Java method named by the JVM's perf map for the program's, not the JDK's, a lambda's glue or the interpreter", () => {
    const map = '/tmp/perf-77.map';
    const jvm = '/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so';
    const stack = {
      truncated: false,
      frames: [
        frame('__GI_fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27, libc),
        frame('Java_sun_nio_ch_FileDispatcherImpl_force0', null, null, '/usr/lib/jvm/java-17-openjdk-amd64/lib/libnio.so'),
        frame('sun.nio.ch.FileChannelImpl.force(boolean)', null, null, map),
        frame('Main$$Lambda$14/0x0000000800c0b000.run()', null, null, map),
        frame('com.acme.Journal.append(FileChannel, int)', null, null, map),
        frame('Interpreter', null, null, map),
        frame('JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*, JavaThread*)', null, null, jvm),
      ],
    };
    assert.deepEqual(stack.frames.map((f) => frameOwner(f)), ['system', 'system', 'runtime', 'runtime', 'user', 'runtime', 'system']);
    assert.equal(userFrame(stack)?.function, 'com.acme.Journal.append(FileChannel, int)');
    assert.equal(userFrame({ truncated: false, frames: [stack.frames[2], stack.frames[5]] }), undefined, 'only the JDK and the interpreter: no frame of the program');
  });

  it('has "jump to code" open the workspace, then the program\'s own code, then any source', () => {
    const map = '/tmp/perf-42.map';
    const stdlib = frame('run', '/root/.pyenv/versions/3.12.1/lib/python3.12/subprocess.py', 505, map);
    const header = frame('read', '/usr/include/x86_64-linux-gnu/bits/unistd.h', 38, '/srv/app/server');
    const script = frame('build', '/srv/app/build.py', 12, map);
    const server = frame('on_request', '/srv/app/src/server.c', 88, '/srv/app/server');
    const nowhere = (): boolean => false;
    assert.equal(preferredSource([stdlib, script], nowhere), script);
    assert.equal(preferredSource([header, server], nowhere), server);
    assert.equal(preferredSource([stdlib, header], nowhere), stdlib, 'no frame of the program: the first source there is');
    assert.equal(preferredSource([script, header], (f) => f.startsWith('/usr/include/')), header, 'the workspace first');
    assert.equal(preferredSource([], nowhere), undefined);
  });
});
