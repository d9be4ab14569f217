/**
 * The keyboard help (`?`, or the toolbar's keyboard button): every key of the timeline, from
 * timeline/keyboard.ts's KEY_HELP, in a panel over the timeline; Escape or `?` closes it.
 */
import { KEY_HELP } from './timeline/keyboard';

/** The help panel (hidden until shown). */
export class KeysHelp {
  readonly el: HTMLElement;

  constructor(parent: HTMLElement, private readonly onClose: () => void) {
    this.el = document.createElement('section');
    this.el.className = 'keys-help';
    this.el.hidden = true;
    this.el.tabIndex = -1;
    this.el.setAttribute('role', 'dialog');
    this.el.setAttribute('aria-label', 'Keyboard shortcuts of the timeline');
    const head = document.createElement('header');
    head.className = 'keys-help-header';
    const title = document.createElement('h2');
    title.textContent = 'Keyboard shortcuts';
    const close = document.createElement('vscode-toolbar-button');
    close.setAttribute('icon', 'close');
    close.setAttribute('label', 'Close (Esc)');
    close.title = 'Close (Esc)';
    close.addEventListener('click', () => this.hide());
    head.append(title, close);
    const body = document.createElement('div');
    body.className = 'keys-help-body';
    for (const topic of KEY_HELP) {
      const section = document.createElement('div');
      const h = document.createElement('h3');
      h.className = 'section-title';
      h.textContent = topic.topic;
      const list = document.createElement('dl');
      list.className = 'keys-list';
      for (const k of topic.keys) {
        const dt = document.createElement('dt');
        k.keys.forEach((key, i) => {
          if (i) dt.append(' ');
          const kbd = document.createElement('kbd');
          kbd.textContent = key;
          dt.append(kbd);
        });
        const dd = document.createElement('dd');
        dd.textContent = k.what;
        list.append(dt, dd);
      }
      section.append(h, list);
      body.append(section);
    }
    const more = document.createElement('p');
    more.className = 'keys-help-note';
    more.textContent = 'Mouse: the wheel zooms around the pointer, drag pans, click selects, double-click zooms to an event. Over a track label: its pin and hide buttons.';
    body.append(more);
    this.el.append(head, body);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' || e.key === '?') {
        e.preventDefault();
        e.stopPropagation();
        this.hide();
      }
    });
    parent.appendChild(this.el);
  }

  /** Shown? */
  get visible(): boolean {
    return !this.el.hidden;
  }

  /** Show it (and take the focus, so Escape closes it). */
  show(): void {
    this.el.hidden = false;
    this.el.focus();
  }

  /** Hide it and give the focus back. */
  hide(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.onClose();
  }

  /** Show or hide. */
  toggle(): void {
    if (this.visible) this.hide();
    else this.show();
  }
}
