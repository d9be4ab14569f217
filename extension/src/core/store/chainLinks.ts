/**
 * A wait's wake-up chain as the timeline draws it: each hop's event placed on its track, with the
 * moment and track the wake-up came from (the waker's wake-up, signal or interrupt event), and the
 * hop in the words of the report and the Problems panel (core/analysis/chainText).
 */
import { basename } from 'node:path';
import { ns, type ChainLink } from '../../../../protocol/messages';
import { chainLines, threadLabel, whereText } from '../analysis/chainText';
import { whereOf } from '../analysis/resolve';
import type { ChainHop } from '../analysis/types';
import type { StackResolver } from '../symbols/stacks';
import type { TraceStore } from './traceStore';

/** The chain's hops (innermost first) as links; a hop whose event the store no longer holds is left out. */
export function chainLinks(store: TraceStore, resolver: StackResolver, hops: readonly ChainHop[], threadName: (pid: number, tid: number) => string): ChainLink[] {
  const texts = chainLines(hops, (h) => whereText(whereOf(resolver, h.stackId), (file) => basename(file)), (pid, tid) => threadLabel(threadName(pid, tid), pid, tid));
  const links: ChainLink[] = [];
  hops.forEach((h, i) => {
    const e = h.event >= 0 ? store.get(h.event) : undefined;
    if (!e) return;
    const from = h.byEvent >= 0 ? store.get(h.byEvent) : undefined;
    links.push({
      event: h.event,
      track: e.track,
      start: ns(e.start),
      end: ns(e.end ?? e.start),
      text: texts[i],
      fromTrack: from ? from.track : null,
      fromTime: from ? ns(from.start) : null,
    });
  });
  return links;
}
