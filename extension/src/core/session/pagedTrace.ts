/**
 * When the editor opens a trace file paged (store/pagedStore.ts) instead of in memory, and what it
 * then cannot do: the one owner of the decision (the file's index counted against the memory
 * budget, before any event is read) and of the words the timeline, the views and the errors use.
 */
import type { TraceProblem } from '../../../../protocol/messages';
import { UserError } from '../errors';

/**
 * Bytes an event an open in memory takes at its peak: the resident memory a session's open of the
 * synthetic server's 10 M events added, 31.1 bytes an event (19.7 held once read: the store's columns
 * and summaries, the analysis; the rest the read's buffers and garbage), 21.8 at 100 M — the larger,
 * so the estimate errs towards paging (bench/README.md, "The editor opens a trace past its memory
 * budget paged").
 */
export const IN_MEMORY_BYTES_PER_EVENT = 32;

/** What walks every event and has no paged form, as the notice lists it. */
const UNAVAILABLE = 'filters, search and find next, the latency histograms and event rate, the findings, stalls and call sites (Problems, CodeLens)';

/** A trace opened paged: its events (the file's index count) and the budget it exceeded, MiB. */
export interface PagedReason {
  readonly events: number;
  readonly budgetMiB: number;
}

/**
 * Whether a file whose index counts `events` opens paged under a budget of `budgetMiB` (undefined:
 * no budget, always in memory; an unknown count — a format-1 file, no index — in memory too).
 */
export function pagedReason(events: number | undefined, budgetMiB: number | undefined): PagedReason | undefined {
  if (budgetMiB === undefined || !events) return undefined;
  return events * IN_MEMORY_BYTES_PER_EVENT > budgetMiB * 2 ** 20 ? { events, budgetMiB } : undefined;
}

/** "100 M events", "3.2 k events". */
function eventCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)} M events`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)} k events`;
  return `${n} events`;
}

/** What to do instead, for a file at `file`. */
function fix(r: PagedReason, file: string): string {
  const needMiB = Math.ceil((r.events * IN_MEMORY_BYTES_PER_EVENT) / 2 ** 20);
  return `Run \`iolens report ${file}\` for its findings and stalls (one pass over the file), or raise iolens.memoryBudgetMiB to ${needMiB} or more (the memory to open it whole) and open it again.`;
}

/** The timeline's notice over a paged trace: what it shows, what it cannot, and what to do. */
export function pagedNotice(r: PagedReason, file: string): TraceProblem {
  return {
    message: `This trace (${eventCount(r.events)}) is larger than the memory budget (iolens.memoryBudgetMiB: ${r.budgetMiB} MiB) and is opened paged: the timeline and event details work; ${UNAVAILABLE} are unavailable.`,
    fix: fix(r, file),
    fatal: false,
    severity: 'warning',
  };
}

/** The error of `feature` ("search") asked of a paged trace. */
export function pagedUnavailable(feature: string, r: PagedReason, file: string): UserError {
  return new UserError('paged', `${feature} is unavailable: this trace (${eventCount(r.events)}) is opened paged (over iolens.memoryBudgetMiB)`, fix(r, file));
}

/** The trace cannot be opened at all: past the budget, and the paged store refused it (`why`). */
export function pagedRefused(why: string, r: PagedReason, file: string): UserError {
  return new UserError('paged', `this trace (${eventCount(r.events)}) is larger than the memory budget (iolens.memoryBudgetMiB: ${r.budgetMiB} MiB) and cannot be opened paged: ${why}`, fix(r, file));
}
