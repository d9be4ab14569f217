/** A visually hidden aria-live region: what screen readers hear about the selection. */

/** Announces text politely. */
export class Announcer {
  private readonly el: HTMLElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'visually-hidden';
    this.el.setAttribute('aria-live', 'polite');
    this.el.setAttribute('aria-atomic', 'true');
    this.el.id = 'timeline-announcer';
    parent.appendChild(this.el);
  }

  /** The element's id (for aria-describedby). */
  get id(): string {
    return this.el.id;
  }

  /** Say `text`. */
  say(text: string): void {
    this.el.textContent = text;
  }
}
