/**
 * The stack of an event as rows "function  file:line  module". Rows with a source to open are
 * buttons (click or Enter posts openFrame); the others are greyed and say "no source" up front,
 * with the reason as tooltip. Inlined frames are indented and marked.
 */
import type { FrameInfo } from '../../../protocol/messages';

/** "server.c:123:9", or the module, or "?". */
export function frameLocation(f: FrameInfo): string {
  if (f.file) {
    const base = f.file.split('/').pop() ?? f.file;
    return f.line ? `${base}:${f.line}${f.column ? `:${f.column}` : ''}` : base;
  }
  return '';
}

/** The list element for a stack. */
export function stackList(frames: readonly FrameInfo[], open: (index: number) => void): HTMLElement {
  const list = document.createElement('div');
  list.className = 'stack';
  list.setAttribute('role', 'list');
  for (const f of frames) {
    const row = document.createElement(f.openable ? 'button' : 'div');
    row.className = `frame${f.openable ? '' : ' disabled'}${f.inlined ? ' inlined' : ''}`;
    row.setAttribute('role', 'listitem');
    const fn = document.createElement('span');
    fn.className = 'frame-fn';
    fn.textContent = f.function ?? f.addr ?? '??';
    const loc = document.createElement('span');
    loc.className = 'frame-loc';
    loc.textContent = frameLocation(f);
    const mod = document.createElement('span');
    mod.className = 'frame-module';
    mod.textContent = f.module ? (f.module.split('/').pop() ?? f.module) : '';
    const tag = (text: string): HTMLElement => {
      const t = document.createElement('span');
      t.className = 'frame-tag';
      t.textContent = text;
      return t;
    };
    if (!f.openable) row.append(tag('no source'));
    row.append(fn);
    if (f.inlined) row.append(tag('inlined'));
    row.append(loc, mod);
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : (f.module ?? '');
    if (f.openable) {
      row.title = `Open ${where} (${f.addr})`;
      row.addEventListener('click', () => open(f.index));
    } else {
      row.title = f.problem ?? 'No source for this frame';
      row.setAttribute('aria-disabled', 'true');
    }
    list.appendChild(row);
  }
  return list;
}
