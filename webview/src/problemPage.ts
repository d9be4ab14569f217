/**
 * What the editor shows instead of the timeline when a trace cannot be shown at all (an empty
 * file, a file that is no trace, one that cannot be read): what is wrong, the file, what to do,
 * and buttons to open another trace or read the log.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { TraceProblem } from '../../protocol/messages';

/** What the page's buttons ask for. */
export interface ProblemPageCallbacks {
  openAnother(): void;
  showLog(): void;
}

/** Text with `backquoted` parts as code elements (commands in a fix). */
export function withCode(text: string): Node[] {
  return text.split('`').map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(part);
    const code = document.createElement('code');
    code.textContent = part;
    return code;
  });
}

/** The page (hidden until a fatal problem arrives). */
export class ProblemPage {
  readonly el: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly fields: HTMLElement;
  private key = '';

  constructor(parent: HTMLElement, cb: ProblemPageCallbacks) {
    this.el = document.createElement('section');
    this.el.className = 'problem-page';
    this.el.setAttribute('role', 'alert');
    this.el.hidden = true;
    const icon = document.createElement('span');
    icon.className = 'codicon codicon-error problem-icon';
    icon.setAttribute('aria-hidden', 'true');
    this.heading = document.createElement('h1');
    this.heading.className = 'problem-heading';
    this.fields = document.createElement('dl');
    this.fields.className = 'fields problem-fields';
    const actions = document.createElement('div');
    actions.className = 'problem-actions';
    const button = (text: string, icon: string, secondary: boolean, onClick: () => void): HTMLElement => {
      const b = document.createElement('vscode-button');
      b.setAttribute('icon', icon);
      if (secondary) b.setAttribute('secondary', '');
      b.textContent = text;
      b.addEventListener('click', onClick);
      return b;
    };
    actions.append(button('Open Another Trace…', 'folder-opened', false, () => cb.openAnother()), button('Show Log', 'output', true, () => cb.showLog()));
    this.el.append(icon, this.heading, this.fields, actions);
    parent.appendChild(this.el);
  }

  /** Show `problem` about `file` (null hides the page). */
  show(problem: TraceProblem | null, file: string): void {
    this.el.hidden = problem === null;
    if (!problem) return;
    const key = `${problem.message}|${problem.fix}|${file}`;
    if (key === this.key) return;
    this.key = key;
    this.heading.textContent = 'This file cannot be shown as an I/O Lens trace';
    const rows: [string, string][] = [
      ['What is wrong', problem.message.charAt(0).toUpperCase() + problem.message.slice(1)],
      ['File', file],
    ];
    if (problem.fix) rows.push(['What to do', problem.fix]);
    this.fields.replaceChildren(
      ...rows.flatMap(([label, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = label;
        const dd = document.createElement('dd');
        dd.append(...withCode(value));
        return [dt, dd];
      }),
    );
  }
}
