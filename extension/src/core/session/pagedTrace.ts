/**
 * When the editor opens a trace file paged (store/pagedStore.ts) instead of in memory, what it then
 * computes in the background (the findings: backgroundAnalysis.ts) and what it cannot do: the one
 * owner of the decision (the file's index counted against the memory budget, before any event is
 * read) and of the words the timeline, the views and the errors use.
 */
import type { TraceProblem } from '../../../../protocol/messages';
import { describeError, UserError } from '../errors';

/**
 * Bytes an event an open in memory takes at its peak: the resident memory a session's open of the
 * synthetic server's 10 M events added, 31.1 bytes an event (19.7 held once read: the store's columns
 * and summaries, the analysis; the rest the read's buffers and garbage), 21.8 at 100 M — the larger,
 * so the estimate errs towards paging (bench/README.md, "The editor opens a trace past its memory
 * budget paged").
 */
export const IN_MEMORY_BYTES_PER_EVENT = 32;

/** What walks every event and has no paged form, as the notice lists it. */
const UNAVAILABLE = 'filters, search and find next, the latency histograms and event rate, and the Stalls view';

/** What a pass over the file in a worker gives a paged trace (session/backgroundAnalysis.ts). */
const IN_BACKGROUND = 'the findings and call sites (Problems, Findings, CodeLens)';

/** Where a paged trace's analysis, run in the background once the file is read, is. */
export type PagedAnalysisState =
  | { readonly state: 'waiting' }
  | { readonly state: 'running'; readonly fraction: number }
  | { readonly state: 'done' }
  | { readonly state: 'failed'; readonly error: UserError };

/** "the findings … are computed in the background (40 % of the file read)", as the notice says it. */
function analysisText(a: PagedAnalysisState): string {
  switch (a.state) {
    case 'waiting':
      return `${IN_BACKGROUND} are computed in the background (one pass over the file) once it is read`;
    case 'running':
      return `${IN_BACKGROUND} are being computed in the background (one pass over the file: ${Math.floor(a.fraction * 100)} % read)`;
    case 'done':
      return `${IN_BACKGROUND} come from one pass over the file in the background`;
    case 'failed':
      return `${IN_BACKGROUND} could not be computed: ${a.error.text}`;
  }
}

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
  return `Run \`iolens report ${file}\` for its stalls (one pass over the file), or raise iolens.memoryBudgetMiB to ${needMiB} or more (the memory to open it whole) and open it again.`;
}

/** The timeline's notice over a paged trace: what it shows, where its findings are, what it cannot show, and what to do. */
export function pagedNotice(r: PagedReason, file: string, analysis: PagedAnalysisState): TraceProblem {
  return {
    message: `This trace (${eventCount(r.events)}) is larger than the memory budget (iolens.memoryBudgetMiB: ${r.budgetMiB} MiB) and is opened paged: the timeline and event details work; ${analysisText(analysis)}; ${UNAVAILABLE} are unavailable.`,
    fix: fix(r, file),
    fatal: false,
    severity: 'warning',
  };
}

/** The Findings view's message while a paged trace's findings are not there yet (or failed); null once they are. */
export function pagedFindingsNote(r: PagedReason, analysis: PagedAnalysisState): string | null {
  const paged = `this trace (${eventCount(r.events)}) is opened paged, over iolens.memoryBudgetMiB`;
  switch (analysis.state) {
    case 'waiting':
      return `The findings are computed in the background once the trace is read (${paged}).`;
    case 'running':
      return `Computing the findings in the background: ${Math.floor(analysis.fraction * 100)} % of the file read (${paged}).`;
    case 'done':
      return null;
    case 'failed':
      return `The findings could not be computed: ${analysis.error.text}`;
  }
}

/** The paged trace's analysis failed in its worker (`e`): the trace stays open, and this says why. */
export function pagedAnalysisFailed(e: unknown, file: string): UserError {
  const d = describeError(e);
  return new UserError('paged', `the background analysis of this paged trace failed: ${d.message}`, d.bug ? null : `Run \`iolens report ${file}\` to analyse it from a terminal.`);
}

/**
 * Event ids looked up for one reveal in a paged trace (a finding's events outlined in the timeline):
 * each may be in a block decoded again (30–50 ms), so a finding of 200 events outlines its worst few.
 */
export const PAGED_MARKS = 8;

/** The error of `feature` ("search") asked of a paged trace. */
export function pagedUnavailable(feature: string, r: PagedReason, file: string): UserError {
  return new UserError('paged', `${feature} is unavailable: this trace (${eventCount(r.events)}) is opened paged (over iolens.memoryBudgetMiB)`, fix(r, file));
}

/** The trace cannot be opened at all: past the budget, and the paged store refused it (`why`). */
export function pagedRefused(why: string, r: PagedReason, file: string): UserError {
  return new UserError('paged', `this trace (${eventCount(r.events)}) is larger than the memory budget (iolens.memoryBudgetMiB: ${r.budgetMiB} MiB) and cannot be opened paged: ${why}`, fix(r, file));
}
