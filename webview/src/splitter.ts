/**
 * A draggable, keyboard-operable splitter between two panes of a flex container (rows: one above
 * the other; columns: side by side). Its position is a fraction of the container, reported on
 * change so it can be saved; double-click resets it.
 */

/** Options of a {@link Splitter}. */
export interface SplitterOptions {
  readonly container: HTMLElement;
  readonly first: HTMLElement;
  readonly second: HTMLElement;
  /** The initial orientation (setOrientation changes it). */
  readonly orientation: 'rows' | 'columns';
  /** Initial share of the first pane, 0..1. */
  readonly fraction: number;
  readonly defaultFraction: number;
  /** Smallest size of each pane, px. */
  readonly minFirst: number;
  readonly minSecond: number;
  readonly label: string;
  onChange(fraction: number): void;
}

/** A splitter between two panes. */
export class Splitter {
  readonly handle: HTMLDivElement;
  private fraction: number;
  private secondHidden = false;
  private orientation: 'rows' | 'columns';

  constructor(private readonly o: SplitterOptions) {
    this.fraction = o.fraction;
    this.orientation = o.orientation;
    this.handle = document.createElement('div');
    this.handle.className = `splitter ${o.orientation}`;
    this.handle.tabIndex = 0;
    this.handle.setAttribute('role', 'separator');
    this.handle.setAttribute('aria-orientation', o.orientation === 'rows' ? 'horizontal' : 'vertical');
    this.handle.setAttribute('aria-label', o.label);
    this.handle.setAttribute('aria-valuemin', '0');
    this.handle.setAttribute('aria-valuemax', '100');
    o.container.insertBefore(this.handle, o.second);
    o.second.classList.add('split-second');
    this.apply();

    this.handle.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      this.handle.setPointerCapture(e.pointerId);
      this.handle.classList.add('active');
      const move = (ev: PointerEvent): void => this.setFromPointer(ev);
      const up = (ev: PointerEvent): void => {
        this.handle.releasePointerCapture(ev.pointerId);
        this.handle.classList.remove('active');
        this.handle.removeEventListener('pointermove', move);
        this.handle.removeEventListener('pointerup', up);
        this.o.onChange(this.fraction);
      };
      this.handle.addEventListener('pointermove', move);
      this.handle.addEventListener('pointerup', up);
    });
    this.handle.addEventListener('dblclick', () => this.set(o.defaultFraction, true));
    this.handle.addEventListener('keydown', (e) => {
      const back = this.orientation === 'rows' ? 'ArrowUp' : 'ArrowLeft';
      const fwd = this.orientation === 'rows' ? 'ArrowDown' : 'ArrowRight';
      if (e.key === back || e.key === fwd) {
        e.preventDefault();
        this.set(this.fraction + (e.key === fwd ? 0.03 : -0.03), true);
      }
    });
  }

  /**
   * Stack the panes (rows) or put them side by side (columns): a narrow view stacks what sits side
   * by side when there is room. The container gets the class `stacked` for rows.
   */
  setOrientation(orientation: 'rows' | 'columns'): void {
    if (orientation === this.orientation) return;
    this.orientation = orientation;
    this.handle.className = `splitter ${orientation}`;
    this.handle.setAttribute('aria-orientation', orientation === 'rows' ? 'horizontal' : 'vertical');
    this.o.container.classList.toggle('stacked', orientation === 'rows' && this.o.orientation === 'columns');
    this.apply();
  }

  private size(): number {
    const r = this.o.container.getBoundingClientRect();
    return this.orientation === 'rows' ? r.height : r.width;
  }

  private setFromPointer(e: PointerEvent): void {
    const r = this.o.container.getBoundingClientRect();
    const pos = this.orientation === 'rows' ? e.clientY - r.top : e.clientX - r.left;
    this.set(pos / Math.max(1, this.size()), false);
  }

  /** Move to `fraction` (clamped to the panes' minimum sizes). */
  set(fraction: number, report: boolean): void {
    const size = Math.max(1, this.size());
    const lo = Math.min(0.9, this.o.minFirst / size);
    const hi = Math.max(0.1, 1 - this.o.minSecond / size);
    this.fraction = Math.min(Math.max(fraction, lo), Math.max(lo, hi));
    this.apply();
    if (report) this.o.onChange(this.fraction);
  }

  /** Hide or show the second pane (the first then takes all the room). */
  setSecondHidden(hidden: boolean): void {
    this.secondHidden = hidden;
    this.apply();
  }

  private apply(): void {
    const pct = Math.round(this.fraction * 1000) / 10;
    this.o.second.hidden = this.secondHidden;
    this.handle.hidden = this.secondHidden;
    this.o.first.style.flex = this.secondHidden ? '1 1 0' : `0 0 ${pct}%`;
    this.o.second.style.flex = '1 1 0';
    this.handle.setAttribute('aria-valuenow', String(Math.round(pct)));
  }
}
