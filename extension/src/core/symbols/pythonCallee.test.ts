import { strict as assert } from 'node:assert';
import { calleeOf, type CalleeFrame } from './pythonCallee';

const SRC = '/tmp/python-build/Python-3.12.1';
const c = (fn: string | null, file: string | null = null): CalleeFrame => ({ function: fn, file });

/** A blocking recv in a coroutine, leaf first, as pyenv's 3.12 resolves it. */
const RECV: CalleeFrame[] = [
  c('__libc_recv', 'sysdeps/unix/sysv/linux/recv.c'),
  c('sock_recv_impl', `${SRC}/Modules/socketmodule.c`),
  c('sock_call_ex', `${SRC}/Modules/socketmodule.c`),
  c('sock_recv', `${SRC}/Modules/socketmodule.c`),
  c('method_vectorcall_VARARGS', `${SRC}/Objects/descrobject.c`),
  c('_PyObject_VectorcallTstate', `${SRC}/Include/internal/pycore_call.h`),
  c('PyObject_Vectorcall', `${SRC}/Objects/call.c`),
  c('_PyEval_EvalFrameDefault', `${SRC}/Python/bytecodes.c`),
  c('main.<locals>.ticker', '/srv/app.py'),
  c('py_trampoline_evaluator', `${SRC}/Python/perf_trampoline.c`),
];

describe('what a Python frame called, from the frames leafward of it', () => {
  it('names the builtin module function past the interpreter\'s call machinery', () => {
    assert.deepEqual(calleeOf(RECV, 8), { name: 'recv', module: 'sock' });
  });

  it('reads CPython\'s C names: module words, then the function (its _impl cut off)', () => {
    const via = (fn: string): unknown => calleeOf([c(fn), c('cfunction_vectorcall_O'), c('f', '/a.py')], 2);
    assert.deepEqual(via('os_read_impl'), { name: 'read', module: 'os' });
    assert.deepEqual(via('time_sleep'), { name: 'sleep', module: 'time' });
    assert.deepEqual(via('_io__Buffered_read'), { name: 'read', module: 'io' });
    assert.deepEqual(via('select_epoll_poll_impl'), { name: 'poll', module: 'select' });
    assert.deepEqual(via('builtin_input'), { name: 'input', module: null }, 'a builtin needs no module');
    assert.equal(via('pysleep'), null, 'no module word: no name to look for');
  });

  it('names the next Python function by its own name', () => {
    const frames = [c('os_read'), c('FileIO.read', '/usr/lib/python3.12/_pyio.py'), c('_PyEval_EvalFrameDefault'), c('handler', '/srv/app.py')];
    assert.deepEqual(calleeOf(frames, 3), { name: 'read', module: null });
  });

  it('names nothing past an unnamed frame, or when only the machinery lies leafward', () => {
    assert.equal(calleeOf([c(null), c('PyObject_Vectorcall'), c('f', '/a.py')], 2), null);
    assert.equal(calleeOf([c('_PyEval_EvalFrameDefault'), c('f', '/a.py')], 1), null);
    assert.equal(calleeOf([c('FileLoader.get_data', '<frozen importlib._bootstrap_external>'), c('f', '/a.py')], 1), null);
  });
});
