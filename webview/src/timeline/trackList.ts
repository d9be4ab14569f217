/**
 * The tracks as a list for screen readers (the canvas itself says nothing): one item per visible
 * track with its group and label, and where its row is on the canvas (data-y, CSS px from the
 * canvas top) so assistive tools and automated UI tests can point at a track.
 */
import type { TrackLayout } from './layout';
import { RULER_H } from './frame';

/** A visually hidden, ordered list mirroring the track rows. */
export class TrackList {
  readonly el: HTMLOListElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('ol');
    this.el.className = 'visually-hidden timeline-tracks';
    this.el.setAttribute('aria-label', 'Tracks');
    parent.appendChild(this.el);
  }

  /** Rebuild after a layout or scroll change. */
  update(layout: TrackLayout, scrollTop: number): void {
    const items = layout.trackRows.map((r) => {
      const li = document.createElement('li');
      li.textContent = `${r.track.label} (${r.track.group})${r.lanes > 1 ? `, ${r.lanes} lanes` : ''}${r.track.model ? `, ${r.track.model}` : ''}`;
      li.dataset.track = String(r.track.id);
      li.dataset.kind = r.track.kind;
      li.dataset.y = String(Math.round(RULER_H + r.top + r.height / 2 - scrollTop));
      return li;
    });
    this.el.replaceChildren(...items);
  }
}
