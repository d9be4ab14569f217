/** The error banner at the top of the view, dismissable; repeated messages are counted, not stacked. */

/** An error banner. */
export class Banner {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private last = '';
  private repeats = 0;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'banner';
    this.el.setAttribute('role', 'alert');
    this.el.hidden = true;
    const icon = document.createElement('span');
    icon.className = 'codicon codicon-error';
    icon.setAttribute('aria-hidden', 'true');
    this.text = document.createElement('span');
    this.text.className = 'banner-text';
    const close = document.createElement('vscode-toolbar-button');
    close.setAttribute('icon', 'close');
    close.setAttribute('label', 'Dismiss');
    close.title = 'Dismiss';
    close.addEventListener('click', () => this.hide());
    this.el.append(icon, this.text, close);
    parent.appendChild(this.el);
  }

  /** Show a message. */
  show(message: string): void {
    this.repeats = message === this.last && !this.el.hidden ? this.repeats + 1 : 1;
    this.last = message;
    this.text.textContent = this.repeats > 1 ? `${message} (×${this.repeats})` : message;
    this.el.hidden = false;
  }

  /** Hide it. */
  hide(): void {
    this.el.hidden = true;
    this.repeats = 0;
  }
}
