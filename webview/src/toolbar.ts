/**
 * The toolbar: trace title, live/paused/recorded status, event and loss counts; Pause/Resume and
 * Stop while live, Follow when the user has moved away from the newest time; Fit all, Zoom to
 * selection and the Charts toggle.
 */
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { TraceSummary } from '../../protocol/messages';
import { formatCount, plural } from '../../shared/format';
import type { FollowMode } from './timeline/viewportModel';

/** What the toolbar asks of the application. */
export interface ToolbarCallbacks {
  pause(paused: boolean): void;
  stop(): void;
  follow(): void;
  fit(): void;
  zoomToSelection(): void;
  toggleCharts(): void;
  /** Show or hide the keyboard shortcuts. */
  keys(): void;
  /** Show the hidden tracks again. */
  showHidden(): void;
}

function button(icon: string, label: string, onClick: () => void, text?: string): HTMLElement {
  const b = document.createElement('vscode-toolbar-button');
  b.setAttribute('icon', icon);
  b.setAttribute('label', label);
  b.title = label;
  if (text) b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

/** The toolbar above the timeline. */
export class Toolbar {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly lost: HTMLElement;
  private readonly note: HTMLElement;
  private readonly pauseButton: HTMLElement;
  private readonly stopButton: HTMLElement;
  private readonly followButton: HTMLElement;
  private readonly zoomButton: HTMLElement;
  private readonly chartsButton: HTMLElement;
  private readonly hiddenButton: HTMLElement;
  /** Where the filter box goes. */
  readonly filterSlot: HTMLElement;
  private paused = false;
  private key = '';

  constructor(parent: HTMLElement, cb: ToolbarCallbacks) {
    this.el = document.createElement('div');
    this.el.className = 'toolbar';
    this.el.setAttribute('role', 'toolbar');
    this.el.setAttribute('aria-label', 'Timeline');
    this.title = document.createElement('span');
    this.title.className = 'tb-title';
    this.status = document.createElement('span');
    this.status.className = 'tb-status';
    this.stats = document.createElement('span');
    this.stats.className = 'tb-stats';
    this.lost = document.createElement('span');
    this.lost.className = 'tb-lost';
    this.note = document.createElement('span');
    this.note.className = 'tb-note codicon codicon-info';
    this.note.setAttribute('role', 'img');
    const spacer = document.createElement('span');
    spacer.className = 'tb-spacer';
    this.followButton = button('pin', 'Follow the newest events', () => cb.follow(), 'Follow');
    this.followButton.classList.add('tb-follow');
    this.pauseButton = button('debug-pause', 'Pause following the recording', () => cb.pause(!this.paused));
    this.stopButton = button('debug-stop', 'Stop the recording', () => cb.stop());
    const sep = document.createElement('span');
    sep.className = 'tb-separator';
    const fit = button('screen-full', 'Fit the whole trace (F)', () => cb.fit());
    this.zoomButton = button('zoom-in', 'Zoom to the selection (Z)', () => cb.zoomToSelection());
    this.chartsButton = button('graph', 'Show or hide the charts', () => cb.toggleCharts());
    this.chartsButton.setAttribute('toggleable', '');
    const keys = button('keyboard', 'Keyboard shortcuts (?)', () => cb.keys());
    this.hiddenButton = button('eye', 'Show the hidden tracks (Shift+H)', () => cb.showHidden(), '');
    this.hiddenButton.classList.add('tb-hidden');
    this.filterSlot = document.createElement('span');
    this.filterSlot.className = 'tb-filter-slot';
    this.el.append(this.title, this.status, this.stats, this.lost, this.note, spacer, this.filterSlot, this.hiddenButton, this.followButton, this.pauseButton, this.stopButton, sep, fit, this.zoomButton, this.chartsButton, keys);
    parent.appendChild(this.el);
    this.update(undefined, 'off', false, false);
    this.setHidden(0);
  }

  /** How many tracks are hidden (a button shows them again). */
  setHidden(count: number): void {
    this.hiddenButton.hidden = count === 0;
    this.hiddenButton.textContent = count ? `${count} hidden` : '';
  }

  /** Reflect the trace and view state. */
  update(s: TraceSummary | undefined, follow: FollowMode, hasSelection: boolean, chartsOpen: boolean): void {
    // Called on every viewport change: touch the DOM only when something shown changed.
    const key = s ? `${s.title}|${s.live}|${s.paused}|${s.loading}|${s.events}|${s.dropped}|${s.note}` : '';
    const full = `${key}|${follow}|${hasSelection}|${chartsOpen}`;
    if (full === this.key) return;
    this.key = full;
    const live = s?.live ?? false;
    this.paused = s?.paused ?? false;
    this.title.textContent = s?.title ?? 'iolens';
    this.title.title = s?.title ?? '';
    const loading = s?.loading ?? null;
    const unreadable = s?.problem?.fatal === true;
    this.status.textContent = !s ? '' : unreadable ? 'Cannot be shown' : live ? (this.paused ? 'Paused' : 'Live') : loading !== null ? `Reading ${Math.floor(loading * 100)}%` : 'Recorded';
    this.status.className = `tb-status ${!s ? '' : unreadable ? 'failed' : live ? (this.paused ? 'paused' : 'live') : loading !== null ? 'loading' : 'recorded'}`;
    this.el.classList.toggle('unreadable', unreadable);
    this.status.style.setProperty('--loaded', `${Math.round((loading ?? 0) * 100)}%`);
    this.stats.textContent = s ? plural(s.events, 'event') : '';
    this.lost.hidden = !s || s.dropped === 0;
    this.lost.textContent = s && s.dropped ? `${formatCount(s.dropped)} lost` : '';
    this.lost.title = s && s.dropped ? `${plural(s.dropped, 'record')} were lost while recording; the hatched ranges of the timeline may miss events.` : '';
    this.note.hidden = !s?.note;
    this.note.title = s?.note ?? '';
    this.note.setAttribute('aria-label', s?.note ?? '');
    this.pauseButton.hidden = !live;
    this.stopButton.hidden = !live;
    this.pauseButton.setAttribute('icon', this.paused ? 'debug-continue' : 'debug-pause');
    const pauseLabel = this.paused ? 'Resume following the recording' : 'Pause following the recording';
    this.pauseButton.setAttribute('label', pauseLabel);
    this.pauseButton.title = pauseLabel;
    this.followButton.hidden = !live || follow !== 'off';
    this.zoomButton.toggleAttribute('disabled', !hasSelection);
    this.chartsButton.toggleAttribute('checked', chartsOpen);
  }
}
