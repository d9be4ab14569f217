/**
 * The banner at the top of the view, dismissable: an error (a request that failed, the program or
 * the recording that failed; repeated messages are counted, not stacked), or a warning (the trace is
 * shown, but not all can be done with it: opened paged).
 */

/** An error banner. */
export class Banner {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly icon: HTMLElement;
  private last = '';
  private problemKey = '';
  private repeats = 0;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'banner';
    this.el.setAttribute('role', 'alert');
    this.el.hidden = true;
    const icon = document.createElement('span');
    icon.setAttribute('aria-hidden', 'true');
    this.icon = icon;
    const texts = document.createElement('div');
    texts.className = 'banner-texts';
    this.text = document.createElement('div');
    this.text.className = 'banner-text';
    this.detail = document.createElement('div');
    this.detail.className = 'banner-detail';
    this.detail.hidden = true;
    texts.append(this.text, this.detail);
    const close = document.createElement('vscode-toolbar-button');
    close.setAttribute('icon', 'close');
    close.setAttribute('label', 'Dismiss');
    close.title = 'Dismiss';
    close.addEventListener('click', () => this.hide());
    this.el.append(icon, texts, close);
    parent.appendChild(this.el);
  }

  /** Show an error message (repeats are counted). */
  show(message: string): void {
    this.repeats = message === this.last && !this.el.hidden ? this.repeats + 1 : 1;
    this.last = message;
    this.text.textContent = this.repeats > 1 ? `${message} (×${this.repeats})` : message;
    this.detail.textContent = '';
    this.detail.hidden = true;
    this.setSeverity('error');
    this.el.hidden = false;
  }

  private setSeverity(s: 'error' | 'warning'): void {
    this.el.classList.toggle('warning', s === 'warning');
    this.icon.className = `codicon codicon-${s}`;
  }

  /** Tell what is wrong with the trace shown, and more about it (once; a dismissed one stays hidden). */
  showProblem(message: string, detail: string | null, severity: 'error' | 'warning'): void {
    const key = `${message}|${detail}`;
    if (key === this.problemKey) return;
    this.problemKey = key;
    this.last = '';
    this.repeats = 0;
    this.text.textContent = message;
    this.detail.textContent = detail ?? '';
    this.detail.hidden = !detail;
    this.setSeverity(severity);
    this.el.hidden = false;
  }

  /** Hide it. */
  hide(): void {
    this.el.hidden = true;
    this.repeats = 0;
  }
}
