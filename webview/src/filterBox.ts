/**
 * The filter box of the toolbar (shared/filter.ts says what it accepts): what is typed is checked
 * as it is typed and applied a moment later (or on Enter); Escape clears it, then gives the focus
 * back to the timeline. Beside it, how much matches, or what is wrong with the text.
 */
import { parseFilter } from '../../shared/filter';
import { plural } from '../../shared/format';

/** What the box asks of the application. */
export interface FilterBoxCallbacks {
  /** Apply a (valid) filter text; '' removes the filter. */
  apply(text: string): void;
  /** Give the focus back to the timeline. */
  leave(): void;
}

/** Delay between the last key and applying the filter, ms. */
const TYPING_DELAY_MS = 300;

/** The filter box. */
export class FilterBox {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly status: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** What is wrong with the text in the box (not applied), null when it parses. */
  private typedError: string | null = null;
  private applied = '';

  constructor(private readonly cb: FilterBoxCallbacks, initial = '') {
    this.el = document.createElement('div');
    this.el.className = 'tb-filter';
    const icon = document.createElement('span');
    icon.className = 'codicon codicon-filter';
    icon.setAttribute('aria-hidden', 'true');
    this.input = document.createElement('input');
    this.input.type = 'text';
    this.input.spellcheck = false;
    this.input.placeholder = 'Filter: name, fd:3, path:…, thread:…, >5ms';
    this.input.title = 'Filter the timeline (/ or Ctrl+F): words that must all match — an event name, fd:3, path:/dev/uio0, thread:worker, >5ms. Enter applies, Escape clears.';
    this.input.setAttribute('aria-label', 'Filter the timeline');
    this.input.value = initial;
    this.applied = initial;
    this.status = document.createElement('span');
    this.status.className = 'tb-filter-status';
    this.status.setAttribute('aria-live', 'polite');
    this.el.append(icon, this.input, this.status);
    this.input.addEventListener('input', () => this.typed());
    // Enter and Escape are the box's; every other key also reaches VS Code (F1, Ctrl+P...)
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        e.stopPropagation();
        this.commit();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        if (this.input.value) {
          this.input.value = '';
          this.commit();
        } else {
          this.cb.leave();
        }
      }
    });
  }

  /** The filter in effect. */
  get text(): string {
    return this.applied;
  }

  /** Put the cursor in the box, its text selected. */
  focus(): void {
    this.input.focus();
    this.input.select();
  }

  /** How much the filter matches (null: no filter), or why it could not be applied. */
  showResult(result: { events: number; tracks: number } | null, error: string | null = null): void {
    // the answer for the filter still applied must not hide what is wrong with the text typed since
    if (error === null && this.typedError !== null) return;
    this.el.classList.toggle('invalid', error !== null);
    this.input.setAttribute('aria-invalid', String(error !== null));
    this.status.classList.toggle('error', error !== null);
    this.status.textContent = error ?? (result ? `${plural(result.events, 'event')} · ${plural(result.tracks, 'track')}` : '');
    this.status.title = this.status.textContent;
  }

  /** A short note in the status place (e.g. "no next read"), until the filter changes. */
  note(text: string): void {
    this.status.classList.remove('error');
    this.status.textContent = text;
  }

  private typed(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const { error } = parseFilter(this.input.value);
    this.typedError = error ?? null;
    if (error) {
      this.showResult(null, error);
      return;
    }
    this.el.classList.remove('invalid');
    this.timer = setTimeout(() => this.commit(), TYPING_DELAY_MS);
  }

  private commit(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.input.value.trim();
    const { error } = parseFilter(text);
    this.typedError = error ?? null;
    if (error) {
      this.showResult(null, error);
      return;
    }
    if (text === this.applied) return;
    this.applied = text;
    this.cb.apply(text);
  }

  /** Stop the typing timer. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
