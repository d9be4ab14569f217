import * as assert from 'node:assert/strict';
import { LineReader, LineSyntaxError, parseFrame, type StraceCall } from './lines';
import { ValueReader, ValueSyntaxError, type SValue } from './values';

function call(line: string): StraceCall {
  const l = new LineReader().read(line);
  assert.equal(l.kind, 'call');
  return l as StraceCall;
}

function values(text: string): SValue[] {
  return new ValueReader(text).list(null);
}

describe('strace lines', () => {
  it('reads a whole call: thread, time, arguments, result, errno, note, duration', () => {
    const c = call('10640 15:37:56.846891 read(3, 0x7fffc66eba10, 64) = -1 EAGAIN (Resource temporarily unavailable) <0.000012>');
    assert.deepEqual([c.tid, c.time, c.name, c.args, c.ret, c.errno, c.note, c.dur], [10640, '15:37:56.846891', 'read', '3, 0x7fffc66eba10, 64', -1n, 'EAGAIN', 'Resource temporarily unavailable', '0.000012']);
    const p = call('[pid  4242] 1796311365.869268 poll([{fd=3, events=POLLIN}], 1, 5) = 1 ([{fd=3, revents=POLLIN}]) <0.005151>');
    assert.deepEqual([p.tid, p.time, p.note], [4242, '1796311365.869268', '[{fd=3, revents=POLLIN}]']);
    const y = call('7 12:00:00.000001 openat(AT_FDCWD</tmp>, "/etc/x", O_RDONLY) = 3</etc/x> <0.000046>');
    assert.deepEqual([y.ret, y.retPath], [3n, '/etc/x']);
    const q = call('7 12:00:00.000001 rt_sigsuspend([], 8) = ? ERESTARTNOHAND (To be restarted if no handler) <0.005432>');
    assert.deepEqual([q.ret, q.errno], [null, 'ERESTARTNOHAND']);
    const s = call('7 12:00:00.000001 write(1, "a) = 5 <0.1>", 11) = 11 <0.000010>');
    assert.equal(s.args, '1, "a) = 5 <0.1>", 11', 'a result inside a string is not the result');
  });

  it('joins an unfinished call with its resumption, per thread, at its start time', () => {
    const r = new LineReader();
    assert.equal(r.read('8233 15:16:52.821496 epoll_wait(8,  <unfinished ...>').kind, 'unfinished');
    assert.equal(r.read('8235 15:16:52.826520 write(4, "t", 1)  = 1 <0.000017>').kind, 'call');
    const c = r.read('8233 15:16:52.829473 <... epoll_wait resumed>[{events=EPOLLIN, data={u32=3, u64=3}}], 16, 100) = 1 <0.007964>') as StraceCall;
    assert.deepEqual([c.name, c.time, c.args], ['epoll_wait', '15:16:52.821496', '8, [{events=EPOLLIN, data={u32=3, u64=3}}], 16, 100']);
    assert.throws(() => r.read('8233 15:16:52.9 <... read resumed>"x", 1) = 1 <0.1>'), LineSyntaxError);
    r.read('9 15:16:52.9 read(0,  <unfinished ...>');
    assert.deepEqual(r.pending().map((p) => [p.call.tid, p.call.name, p.call.unfinished]), [[9, 'read', true]]);
  });

  it('reads signals, exits and strace notes', () => {
    const r = new LineReader();
    assert.deepEqual(r.read('14253 15:38:57.237128 --- SIGIO {si_signo=SIGIO, si_code=SI_KERNEL} ---'), { kind: 'signal', tid: 14253, time: '15:38:57.237128', name: 'SIGIO', info: '{si_signo=SIGIO, si_code=SI_KERNEL}' });
    assert.deepEqual(r.read('1 00:00:01.5 +++ exited with 3 +++'), { kind: 'exit', tid: 1, time: '00:00:01.5', status: 3, signal: null });
    assert.deepEqual(r.read('1 00:00:01.5 +++ killed by SIGSEGV (core dumped) +++'), { kind: 'exit', tid: 1, time: '00:00:01.5', status: null, signal: 'SIGSEGV' });
    assert.equal(r.read('strace: Process 4242 attached').kind, 'note');
    assert.equal(r.read('').kind, 'blank');
  });

  it('refuses what it cannot read, saying what', () => {
    const r = new LineReader();
    assert.throws(() => r.read('1234 read(3, "x", 1) = 1'), /no timestamp/);
    assert.throws(() => r.read('hello world'), /not an strace line/);
    assert.throws(() => r.read('1 00:00:01.000001 read(3, "x", 1) = banana'), /cannot read the result/);
    assert.throws(() => r.read('1 00:00:01.000001 read(3, "x, 1) = 1'), /do not close/);
    // numbers a mangled line makes too large to be times, threads or durations (the fuzz found a
    // 40-digit epoch turning every later time into NaN)
    assert.throws(() => r.read(`1 ${'9'.repeat(40)}.000001 read(3, "x", 1) = 1`), /cannot read the time/);
    assert.throws(() => r.read('1 25:00:01.000001 read(3, "x", 1) = 1'), /cannot read the time '25:00:01.000001'/);
    assert.throws(() => r.read('99999999999 00:00:01.000001 read(3, "x", 1) = 1'), /cannot read the thread id '99999999999'/);
    assert.throws(() => r.read(`1 00:00:01.000001 read(3, "x", 1) = 1 <${'9'.repeat(400)}.1>`), /cannot read the duration/);
    assert.equal(r.read('[pid 4194304] 1796311365.869268 read(3, "x", 1) = 1 <0.000001>').kind, 'call', 'the largest pid and a real epoch time are read');
  });

  it('reads -k frames, with -kk source lines and C++ names', () => {
    assert.deepEqual(parseFrame(' > /usr/lib/x86_64-linux-gnu/libc.so.6(read+0x4c) [0xf82ec]'), { module: '/usr/lib/x86_64-linux-gnu/libc.so.6', symbol: 'read', addr: 0xf82ecn, file: null, line: null, error: null });
    assert.deepEqual(parseFrame(' > /srv/app(ns::Widget::poke(int)+0x12) [0x1a2b] /src/widget.cc:42'), { module: '/srv/app', symbol: 'ns::Widget::poke(int)', addr: 0x1a2bn, file: '/src/widget.cc', line: 42, error: null });
    assert.deepEqual(parseFrame(' > /srv/app() [0x1a2b]'), { module: '/srv/app', symbol: null, addr: 0x1a2bn, file: null, line: null, error: null });
    assert.equal(parseFrame(' > unexpected_backtracing_error [0x7f]').error, 'unexpected_backtracing_error');
  });
});

describe('strace values', () => {
  it('reads numbers, fds with their -y paths, strings with escapes and cuts', () => {
    assert.deepEqual(values('3</var/db>, -1, 0x7f00, "a\\n\\1\\x41\\"b"..., NULL'), [
      { k: 'num', v: 3n, path: '/var/db' }, { k: 'num', v: -1n }, { k: 'num', v: 0x7f00n },
      { k: 'str', v: 'a\n\x01A"b', truncated: true }, { k: 'flags', v: ['NULL'] },
    ]);
    assert.deepEqual(values('4<pipe:[1234]>'), [{ k: 'num', v: 4n, path: 'pipe:[1234]' }]);
  });

  it('reads structs, arrays, sets, flag sets, calls, comments and in/out pairs', () => {
    const [ev] = values('[{events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}]');
    assert.deepEqual(ev, { k: 'list', negated: false, v: [{ k: 'struct', positional: [], v: { events: { k: 'flags', v: ['EPOLLIN', 'EPOLLET'] }, data: { k: 'struct', positional: [], v: { u32: { k: 'num', v: 3n }, u64: { k: 'num', v: 3n } } } } }] });
    assert.deepEqual(values('[IO RTMIN], ~[]'), [{ k: 'list', negated: false, v: [{ k: 'flags', v: ['IO'] }, { k: 'flags', v: ['RTMIN'] }] }, { k: 'list', negated: true, v: [] }]);
    assert.deepEqual(values('0x7ffc /* 39 vars */, makedev(0x1, 0x3)'), [{ k: 'num', v: 0x7ffcn }, { k: 'call', name: 'makedev', args: [{ k: 'num', v: 1n }, { k: 'num', v: 3n }] }]);
    assert.deepEqual(values('{flags=CLONE_VM} => {parent_tid=[7]}, 88')[0], { k: 'struct', positional: [], v: { parent_tid: { k: 'list', negated: false, v: [{ k: 'num', v: 7n }] } } });
    assert.deepEqual(values('[1, ...]'), [{ k: 'list', negated: false, v: [{ k: 'num', v: 1n }, { k: 'more' }] }]);
  });

  it("reads a wait status's tests (wait4's), each operator a call of its two sides", () => {
    const s = { k: 'flags', v: ['s'] } as const;
    const test = (name: string): SValue => ({ k: 'call', name, args: [s] });
    assert.deepEqual(values('23742, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL')[1], {
      k: 'list', negated: false, v: [{ k: 'struct', v: {}, positional: [{ k: 'call', name: '==', args: [{ k: 'call', name: '&&', args: [test('WIFEXITED'), test('WEXITSTATUS')] }, { k: 'num', v: 0n }] }] }],
    });
    assert.equal(values('-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL && WCOREDUMP(s)}], WNOHANG, NULL').length, 4);
  });

  it('says where a value breaks', () => {
    assert.throws(() => values('{a=1'), ValueSyntaxError);
    assert.throws(() => values('"abc'), /unterminated string/);
    assert.throws(() => values('3, ?'), /unexpected '\?' at column 4/);
  });
});
