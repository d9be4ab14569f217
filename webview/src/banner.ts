/** The error banner at the top of the view, dismissable; repeated messages are counted, not stacked. */

/** An error banner. */
export class Banner {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private readonly detail: HTMLElement;
  private last = '';
  private problemKey = '';
  private repeats = 0;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'banner';
    this.el.setAttribute('role', 'alert');
    this.el.hidden = true;
    const icon = document.createElement('span');
    icon.className = 'codicon codicon-error';
    icon.setAttribute('aria-hidden', 'true');
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
    this.el.hidden = false;
  }

  /** Show what went wrong with the trace and more about it (once; a dismissed one stays hidden). */
  showProblem(message: string, detail: string | null): void {
    const key = `${message}|${detail}`;
    if (key === this.problemKey) return;
    this.problemKey = key;
    this.last = '';
    this.repeats = 0;
    this.text.textContent = message;
    this.detail.textContent = detail ?? '';
    this.detail.hidden = !detail;
    this.el.hidden = false;
  }

  /** Hide it. */
  hide(): void {
    this.el.hidden = true;
    this.repeats = 0;
  }
}
