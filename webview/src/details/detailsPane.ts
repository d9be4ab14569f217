/**
 * The details pane: the selected event's title, its fields (label/value, selectable text), the
 * wake-up chain of a wait (each hop a link to its event) and its stack, with "Open source" (the
 * best frame) and "Zoom to" buttons.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ChainLink, EventDetails } from '../../../protocol/messages';
import { formatDuration, formatTime } from '../../../shared/format';
import { stackList } from './stackList';

/** What the pane asks of the application. */
export interface DetailsCallbacks {
  openFrame(eventId: number, frame: number): void;
  zoomTo(): void;
  /** Select and show a hop of the wake-up chain. */
  showHop(link: ChainLink): void;
}

/** The details pane. */
export class DetailsPane {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private readonly openButton: HTMLElement;
  private readonly zoomButton: HTMLElement;
  private current: EventDetails | null = null;
  /** The event whose details were shown last. */
  private shownId = -1;

  constructor(parent: HTMLElement, private readonly cb: DetailsCallbacks) {
    this.el = document.createElement('section');
    this.el.className = 'details';
    this.el.setAttribute('aria-label', 'Event details');
    const header = document.createElement('header');
    header.className = 'pane-header';
    this.title = document.createElement('h2');
    this.title.className = 'pane-title';
    const actions = document.createElement('div');
    actions.className = 'pane-actions';
    this.openButton = this.button('go-to-file', 'Open source', 'Open the source of the best frame (Enter)', () => {
      if (this.current) this.cb.openFrame(this.current.id, -1);
    });
    this.zoomButton = this.button('zoom-in', 'Zoom to', 'Zoom the timeline to this event (Z)', () => this.cb.zoomTo());
    actions.append(this.openButton, this.zoomButton);
    header.append(this.title, actions);
    this.body = document.createElement('div');
    this.body.className = 'pane-body details-body';
    this.el.append(header, this.body);
    parent.appendChild(this.el);
    this.showEmpty();
  }

  private button(icon: string, text: string, tip: string, onClick: () => void): HTMLElement {
    const b = document.createElement('vscode-button');
    b.setAttribute('secondary', '');
    b.setAttribute('icon', icon);
    b.title = tip;
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  }

  private setButtons(enabled: boolean, canOpen: boolean): void {
    this.openButton.toggleAttribute('disabled', !canOpen);
    this.zoomButton.toggleAttribute('disabled', !enabled);
  }

  private message(text: string, className = 'pane-placeholder'): void {
    const p = document.createElement('p');
    p.className = className;
    p.textContent = text;
    this.body.replaceChildren(p);
  }

  /** Nothing selected. */
  showEmpty(): void {
    this.current = null;
    this.title.textContent = 'Details';
    this.setButtons(false, false);
    this.message('Select an event on the timeline to see its arguments, result and stack.');
  }

  /** A selection whose details are on their way. */
  showLoading(): void {
    this.current = null;
    this.setButtons(true, false);
    this.message('Loading…');
  }

  /** The details could not be had. */
  showError(text: string): void {
    this.current = null;
    this.setButtons(true, false);
    this.message(text, 'pane-placeholder error');
  }

  /** "What ended it": the chain's hops, the event's own first, each one a link to its event. */
  private chainSection(chain: readonly ChainLink[]): HTMLElement[] {
    const title = document.createElement('h3');
    title.className = 'section-title';
    title.textContent = chain.length > 1 ? `What ended it (${chain.length} hops, drawn on the timeline)` : 'What ended it';
    const list = document.createElement('ol');
    list.className = 'chain-list';
    chain.forEach((link, i) => {
      const li = document.createElement('li');
      if (i === 0 || link.event < 0) li.textContent = link.text;
      else {
        const a = document.createElement('a');
        a.href = '#';
        a.textContent = link.text;
        a.title = 'Select this wait on the timeline';
        a.addEventListener('click', (ev) => {
          ev.preventDefault();
          this.cb.showHop(link);
        });
        li.append(a);
      }
      list.append(li);
    });
    return [title, list];
  }

  /** Show an event's details. */
  show(d: EventDetails): void {
    this.current = d;
    this.title.textContent = d.title || d.name;
    this.title.title = d.title || d.name;
    const canOpen = d.stack.some((f) => f.openable);
    this.setButtons(true, canOpen);

    const fields = document.createElement('dl');
    fields.className = 'fields';
    const add = (label: string, value: string): void => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      fields.append(dt, dd);
    };
    // Rows the host did not give already ("Duration (still in progress)" counts as a duration).
    const has = (word: string): boolean => d.fields.some((f) => f.label.toLowerCase().startsWith(word));
    // (the host names the owner: Thread, CPU, Device, Process or Woken by)
    if (!has('start')) add('Start', formatTime(d.start));
    // an instant (no end) has no duration; a call still running says so in its own label
    if (!has('duration') && d.end !== null) add('Duration', formatDuration(d.end - d.start));
    for (const f of d.fields) add(f.label, f.value);

    const parts: HTMLElement[] = [fields];
    if (d.chain.length) parts.push(...this.chainSection(d.chain));
    const stackTitle = document.createElement('h3');
    stackTitle.className = 'section-title';
    stackTitle.textContent = d.stack.length ? `Stack (${d.stack.length} frames)` : 'Stack';
    parts.push(stackTitle);
    if (d.stack.length) {
      parts.push(stackList(d.stack, (i) => this.cb.openFrame(d.id, i)));
      if (d.stackEnd) {
        const cut = document.createElement('p');
        cut.className = 'stack-end';
        cut.textContent = d.stackEnd;
        parts.push(cut);
      }
    } else {
      const p = document.createElement('p');
      p.className = 'pane-placeholder';
      p.textContent = 'No user stack was recorded for this event.';
      parts.push(p);
    }
    this.body.replaceChildren(...parts);
    // another event starts at its top (the same one, refreshed, stays where the user scrolled)
    if (d.id !== this.shownId) this.body.scrollTop = 0;
    this.shownId = d.id;
  }
}
