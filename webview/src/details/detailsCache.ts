/** Recently fetched event details (for tooltips and re-selection), least recently used dropped first. */
import type { EventDetails } from '../../../protocol/messages';

/** An LRU map of event id -> details. */
export class DetailsCache {
  private readonly map = new Map<number, EventDetails>();

  constructor(private readonly capacity = 300) {}

  /** Details of `id`, if fetched. */
  get(id: number): EventDetails | undefined {
    const d = this.map.get(id);
    if (d) {
      this.map.delete(id);
      this.map.set(id, d);
    }
    return d;
  }

  /** Keep details. */
  set(d: EventDetails): void {
    this.map.delete(d.id);
    this.map.set(d.id, d);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  /** Forget everything (live trace: unfinished events change). */
  clear(): void {
    this.map.clear();
  }
}
