/**
 * The selected event: tells the host (`select`), fetches its details (newest selection wins),
 * fills the details pane, announces it to screen readers and keeps it for restoring.
 */
import type { EventDetails, FromWebview } from '../../protocol/messages';
import type { Announcer } from './announcer';
import type { DetailsCache } from './details/detailsCache';
import type { DetailsPane } from './details/detailsPane';
import { formatDuration, formatTime } from '../../shared/format';
import { isQuietFailure, type Rpc } from './rpc';
import type { EventRef } from './timeline/navigation';

/** What the selection needs. */
export interface SelectionDeps {
  readonly rpc: Rpc;
  readonly post: (m: FromWebview) => void;
  readonly pane: DetailsPane;
  readonly cache: DetailsCache;
  readonly announcer: Announcer;
  /** The selection (or its details) changed. */
  readonly changed: (ref: EventRef | null, details: EventDetails | null) => void;
  /**
   * A file is being read: a block drawn from the trace's overview may stand for an event the host
   * has not read yet (its details come once it is read).
   */
  readonly reading: () => boolean;
}

/** Keeps the selection and its details. */
export class SelectionController {
  private ref: EventRef | null = null;
  private details: EventDetails | null = null;

  constructor(private readonly d: SelectionDeps) {}

  /** The selected event. */
  get current(): EventRef | null {
    return this.ref;
  }

  /** Its details, once they arrived. */
  get currentDetails(): EventDetails | null {
    return this.details;
  }

  /** Select `ref` (null clears); `notifyHost` false when restoring a saved selection. */
  select(ref: EventRef | null, notifyHost = true): void {
    const same = ref !== null && this.ref !== null && ref.id === this.ref.id;
    this.ref = ref;
    if (!same) this.details = null;
    if (notifyHost) this.d.post({ type: 'select', eventId: ref ? ref.id : null });
    this.d.changed(ref, this.details);
    if (!ref) {
      this.d.pane.showEmpty();
      this.d.announcer.say('Selection cleared');
      return;
    }
    if (same && this.details) return;
    const cached = this.d.cache.get(ref.id);
    if (cached) this.apply(cached);
    else this.d.pane.showLoading();
    this.d.announcer.say(`Selected event at ${formatTime(ref.start)}`);
    this.d.rpc.request('details', { eventId: ref.id }, 'details').then(
      (m) => {
        if (this.ref?.id !== ref.id) return;
        if (!m.details) {
          this.d.pane.showError(this.d.reading() ? 'This event is not read yet: its details show once the file is read.' : 'This event is no longer in the trace.');
          return;
        }
        this.d.cache.set(m.details);
        this.apply(m.details);
      },
      (e: unknown) => {
        if (isQuietFailure(e) || this.ref?.id !== ref.id) return;
        this.d.pane.showError(`Could not load the details: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private apply(details: EventDetails): void {
    const ref = this.ref;
    if (!ref) return;
    this.details = details;
    // The details know the event's true extent (a merged block only knew its longest member's id);
    // an instant (no end) is a point, not a span to the end of the trace
    const end = details.end ?? details.start;
    this.ref = { id: details.id, track: details.track, start: details.start, end };
    this.d.pane.show(details);
    const dur = details.end === null ? '' : `, ${formatDuration(details.end - details.start)}`;
    this.d.announcer.say(`${details.title || details.name}${dur}, at ${formatTime(details.start)}, thread ${details.thread}`);
    this.d.changed(this.ref, details);
  }
}
