/** The hover tooltip: a DOM element positioned next to the mouse, kept inside its container. */

/** What a tooltip shows. */
export interface TooltipContent {
  readonly title: string;
  /** CSS colour of a swatch before the title. */
  readonly swatch?: string;
  /** Hatched swatch (lost records). */
  readonly hatched?: boolean;
  readonly rows: readonly (readonly [string, string])[];
  /** A line in smaller, dimmed text. */
  readonly note?: string;
}

/** A tooltip inside `container` (which must be positioned). */
export class Tooltip {
  private readonly el: HTMLDivElement;
  /** Where it was last placed for ("x,y"; '' after new content). */
  private placed = '';

  constructor(private readonly container: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'timeline-tooltip';
    this.el.setAttribute('role', 'tooltip');
    this.el.hidden = true;
    container.appendChild(this.el);
  }

  /** Show `content` near client point (x, y). */
  show(content: TooltipContent, clientX: number, clientY: number): void {
    const el = this.el;
    el.replaceChildren();
    const title = document.createElement('div');
    title.className = 'tt-title';
    if (content.swatch) {
      const sw = document.createElement('span');
      sw.className = content.hatched ? 'tt-swatch hatched' : 'tt-swatch';
      sw.style.backgroundColor = content.swatch;
      title.appendChild(sw);
    }
    title.appendChild(document.createTextNode(content.title));
    el.appendChild(title);
    if (content.rows.length) {
      const grid = document.createElement('div');
      grid.className = 'tt-rows';
      for (const [k, v] of content.rows) {
        const a = document.createElement('span');
        a.className = 'tt-key';
        a.textContent = k;
        const b = document.createElement('span');
        b.className = 'tt-value';
        b.textContent = v;
        grid.append(a, b);
      }
      el.appendChild(grid);
    }
    if (content.note) {
      const n = document.createElement('div');
      n.className = 'tt-note';
      n.textContent = content.note;
      el.appendChild(n);
    }
    el.hidden = false;
    this.placed = '';
    this.move(clientX, clientY);
  }

  /**
   * Follow the mouse. Nothing happens when neither the mouse nor the content moved: a redraw under
   * a resting mouse (a wheel zoom) asks again every frame, and measuring forces a layout.
   */
  move(clientX: number, clientY: number): void {
    if (this.el.hidden) return;
    const at = `${clientX},${clientY}`;
    if (at === this.placed) return;
    this.placed = at;
    const box = this.container.getBoundingClientRect();
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    let x = clientX - box.left + 14;
    let y = clientY - box.top + 16;
    if (x + w > box.width - 4) x = Math.max(4, clientX - box.left - w - 14);
    if (y + h > box.height - 4) y = Math.max(4, clientY - box.top - h - 12);
    this.el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  /** Hide it. */
  hide(): void {
    this.el.hidden = true;
  }

  /** Shown? */
  get visible(): boolean {
    return !this.el.hidden;
  }
}
