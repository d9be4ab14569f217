/**
 * The legend strip under the timeline: a swatch per style present in the data (I/O model names),
 * plus "merged", "still running" and "records lost" when they occur, and the backend's note.
 */
import type { Palette } from './colors';
import { STYLES } from './styles';

/** The legend element. */
export class Legend {
  readonly el: HTMLElement;
  private readonly items: HTMLElement;
  private readonly note: HTMLElement;
  private key = '';

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'legend';
    this.el.setAttribute('aria-label', 'Legend');
    this.items = document.createElement('div');
    this.items.className = 'legend-items';
    this.note = document.createElement('div');
    this.note.className = 'legend-note';
    this.el.append(this.items, this.note);
    parent.appendChild(this.el);
  }

  /** Show the styles present (codes), with gaps and merged blocks when there are some. */
  update(present: ReadonlySet<number>, hasGaps: boolean, p: Palette, note: string): void {
    const codes = STYLES.filter((s) => present.has(s.code) || present.has(s.code | 0x80));
    const key = `${codes.map((s) => s.code).join(',')}|${hasGaps}|${p.kind}|${p.styles.join()}|${note}`;
    if (key === this.key) return;
    this.key = key;
    const nodes: HTMLElement[] = [];
    const item = (label: string, color: string, variant = ''): void => {
      const i = document.createElement('span');
      i.className = 'legend-item';
      const sw = document.createElement('span');
      sw.className = `legend-swatch ${variant}`;
      sw.style.backgroundColor = color;
      i.append(sw, document.createTextNode(label));
      nodes.push(i);
    };
    for (const s of codes) item(s.label, p.styles[s.code], s.code === 11 ? 'striped' : '');
    if (codes.length) item('merged at this zoom', p.muted, 'merged');
    if (hasGaps) item('records lost', p.lost, 'hatched');
    this.items.replaceChildren(...nodes);
    this.note.textContent = note;
    this.note.title = note;
  }
}
