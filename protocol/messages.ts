/**
 * Messages between the extension host and the timeline webview. The host owns the trace; the
 * webview asks for windows of time at a resolution (as Perfetto's tracks do) and never receives
 * one message per event. Every message has a string-literal `type`; requests carry an `id` that
 * their reply repeats.
 */
import { IoModel } from './generated/wire';

/** Nanoseconds since the start of the trace. Branded so a pixel or a millisecond cannot pass for it. */
export type Ns = number & { readonly __unit: 'ns' };

/** Make an Ns (the one place a plain number becomes a time). */
export function ns(n: number): Ns {
  return n as Ns;
}

/** Drawing style of a span or instant: the I/O model (the schema's IoModel values), or what kind of mark it is. */
export const Style = {
  ...IoModel,
  irq: 9,
  drop: 10,
  /** a call still in progress at the end of what is known, model unknown (drawn grey, striped) */
  unfinished: 11,
} as const;

/** Bit set on a style: the call is still in progress, in the model of the low bits. */
export const UNFINISHED_BIT = 0x80;
/** A value of {@link Style}. */
export type StyleCode = (typeof Style)[keyof typeof Style];

/** What a track shows. */
export type TrackKind = 'thread' | 'requests' | 'irq' | 'uio' | 'drops';

/** One row of the timeline. */
export interface TrackInfo {
  readonly id: number;
  readonly kind: TrackKind;
  /** "worker-1 4243" */
  readonly label: string;
  /** The process it belongs to ("server 4242"), or "Interrupts" / "Losses". */
  readonly group: string;
  readonly pid: number;
  readonly tid: number;
  /** Rows of overlapping spans (requests in flight), at least 1. */
  readonly lanes: number;
  /** Events on the track so far (how dense it is: the live view sizes its window by it). */
  readonly events?: number;
  /** A thread's I/O model as the analysis names it ("multiplexing", "pool-worker"...), when it has one of note. */
  readonly model?: string;
  /** The evidence for the model, in a sentence. */
  readonly modelEvidence?: string;
}

/** Why a trace cannot be shown, or what went wrong while recording it. */
export interface TraceProblem {
  /** What is wrong ("the stream is empty", "server exited with status 2"). */
  readonly message: string;
  /** What to do about it, or more about it (a program's last output). */
  readonly fix: string | null;
  /** Nothing can be shown (the timeline gives way to the message), else a banner over it. */
  readonly fatal: boolean;
  /**
   * How the banner tells it: `error` (the program or the recording failed), `warning` (the trace is
   * shown, but not all of it can be done: opened paged).
   */
  readonly severity: 'error' | 'warning';
}

/** The trace as a whole (sent when it changes, at most a few times a second while live). */
export interface TraceSummary {
  readonly title: string;
  /** End of what is known, ns since the start. */
  readonly duration: Ns;
  readonly live: boolean;
  readonly paused: boolean;
  /** Reading a trace file: the fraction read so far (0 to 1); null once read, or when recording. */
  readonly loading: number | null;
  /** What stops the trace from being shown, or went wrong while recording it; null when all is well. */
  readonly problem: TraceProblem | null;
  readonly tracks: readonly TrackInfo[];
  /** Events in the trace: those read so far, or while a file is read from its overview, the whole trace's. */
  readonly events: number;
  readonly dropped: number;
  /** Wall-clock ms (epoch) of time 0, for the ruler's absolute labels; 0 when unknown. */
  readonly wallClockStartMs: number;
  /** One line about the backend and what it cannot see. */
  readonly note: string;
}

/**
 * Spans of one track inside a window, possibly merged at the window's resolution: a merged span
 * stands for `count` events and carries the id of its longest one.
 */
export interface TrackSpans {
  readonly track: number;
  /** [start0, end0, start1, end1, ...] in ns since the trace start. */
  readonly times: Float64Array;
  /** Style of each span. */
  readonly styles: Uint8Array;
  /** Events in each span (1 for a single event). */
  readonly counts: Uint32Array;
  /** Event id of each span (its longest event when merged). */
  readonly ids: Uint32Array;
  /** Lane of each span (0 unless the track has several). */
  readonly lanes: Uint8Array;
  /** Name of each span (its longest event's), an index into WindowData.names. */
  readonly names?: Uint32Array;
}

/** Instants (signals, IRQs when they are marks, losses) of one track inside a window. */
export interface TrackInstants {
  readonly track: number;
  readonly times: Float64Array;
  readonly styles: Uint8Array;
  readonly ids: Uint32Array;
}

/** A causal link drawn as an arrow: request submit -> completion, signal generate -> deliver, wake-up. */
export interface Arrow {
  readonly fromTrack: number;
  readonly fromTime: Ns;
  readonly toTrack: number;
  readonly toTime: Ns;
  readonly style: StyleCode;
  readonly id: number;
}

/** Everything visible in a window of time. */
export interface WindowData {
  readonly start: Ns;
  readonly end: Ns;
  readonly resolution: Ns;
  readonly spans: readonly TrackSpans[];
  readonly instants: readonly TrackInstants[];
  readonly arrows: readonly Arrow[];
  /** Time ranges where records were lost (marked gaps). */
  readonly gaps: readonly { readonly start: Ns; readonly end: Ns; readonly count: number }[];
  /** Names the spans refer to (TrackSpans.names). */
  readonly names?: readonly string[];
}

/** Where an event is: enough to select, reveal and draw it. */
export interface EventRef {
  readonly id: number;
  readonly track: number;
  readonly start: number;
  /** Equal to start for an instant. */
  readonly end: number;
}

/** A frame of a stack, for the details pane. */
export interface FrameInfo {
  readonly index: number;
  /** The address, hex ("0x7f…"). */
  readonly addr: string;
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  readonly module: string | null;
  readonly inlined: boolean;
  /**
   * The frame has a source line to open: at its path, or (a trace from another machine) at the
   * workspace file with the same path ending; `problem` says when the path is not on this machine.
   */
  readonly openable: boolean;
  /** Why there is no source, when there is none. */
  readonly problem: string | null;
}

/**
 * One hop of a wait's wake-up chain, as the timeline draws it: the wait or blocking call (its
 * track and span) and what ended it — the thread that woke it (the arrow's tail), or its own
 * timeout, a signal, an interrupt, a completion.
 */
export interface ChainLink {
  /** The hop's wait or blocking call: its event id, track and span. */
  readonly event: number;
  readonly track: number;
  readonly start: Ns;
  readonly end: Ns;
  /** The hop in words ("read fd 5 <pipe> (20.1 ms) at pool.c:42: woken by worker-2 …"). */
  readonly text: string;
  /** Where the wake-up came from (the waker's track and the moment), null when no traced thread woke it. */
  readonly fromTrack: number | null;
  readonly fromTime: Ns | null;
}

/** What the details pane shows for one event. */
export interface EventDetails {
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  readonly title: string;
  readonly pid: number;
  readonly tid: number;
  readonly thread: string;
  readonly start: Ns;
  readonly end: Ns | null;
  readonly track: number;
  /** Label/value rows: arguments, fd and path, result, duration... */
  readonly fields: readonly { readonly label: string; readonly value: string }[];
  readonly stack: readonly FrameInfo[];
  /** Why the stack stops before the thread's first frame, in words; null when it does not (or the trace does not say). */
  readonly stackEnd: string | null;
  /** Key of the call site (for the latency histogram of "this call site"). */
  readonly callSite: string | null;
  /** The wake-up chain of a wait or blocking call of 1 ms or more, its own hop first; empty when none. */
  readonly chain: readonly ChainLink[];
}

/** A latency histogram. */
export interface Histogram {
  readonly title: string;
  /** Upper bound of each bin, ns (log scale). */
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly total: number;
}

/** Events per second over the trace. */
export interface Rate {
  /** Width of a bin. */
  readonly binNs: number;
  /** Start of each bin, ns since the trace start. */
  readonly starts: readonly number[];
  /** Events starting in each bin (a count, not a rate: per second is counts / binNs * 1e9). */
  readonly counts: readonly number[];
}

// ---------------------------------------------------------------- host -> webview

/** The trace changed (new events, paused, ended). */
export interface SummaryMessage {
  readonly type: 'summary';
  readonly summary: TraceSummary;
}
/** Reply to a WindowRequest. */
export interface WindowMessage {
  readonly type: 'window';
  readonly id: number;
  readonly data: WindowData;
}
/** Reply to a DetailsRequest. */
export interface DetailsMessage {
  readonly type: 'details';
  readonly id: number;
  readonly details: EventDetails | null;
}
/** Reply to a HistogramRequest. */
export interface HistogramMessage {
  readonly type: 'histogram';
  readonly id: number;
  readonly histogram: Histogram;
}
/** Reply to a RateRequest. */
export interface RateMessage {
  readonly type: 'rate';
  readonly id: number;
  readonly rate: Rate;
}
/**
 * Show and select an event (from the Stalls and Findings views). With `marks` (a call site's
 * calls, the event among them): show the time they span, and outline each of them until the
 * selection moves to another event.
 */
export interface RevealMessage {
  readonly type: 'reveal';
  readonly eventId: number;
  readonly track: number;
  readonly start: Ns;
  readonly end: Ns;
  readonly marks?: readonly EventRef[];
}
/** Reply to a FilterRequest: what the filter matches in the whole trace. */
export interface FilterMessage {
  readonly type: 'filter';
  readonly id: number;
  /** Tracks holding matches. */
  readonly tracks: readonly number[];
  readonly events: number;
}
/** Reply to a FindRequest: the event found, or null when there is none that way. */
export interface FindMessage {
  readonly type: 'find';
  readonly id: number;
  readonly ref: EventRef | null;
}
/** Do what a command or keybinding of the editor asked (the timeline has the focus or is current). */
export interface ActionMessage {
  readonly type: 'action';
  readonly action: TimelineAction;
}
/** What the editor's commands ask of a timeline. */
export type TimelineAction = 'filter' | 'keys' | 'nextKind' | 'previousKind' | 'nextSite' | 'previousSite';

/** A request failed (`id` 0: an error not tied to any request). */
export interface ErrorMessage {
  readonly type: 'error';
  readonly id: number;
  readonly message: string;
}

/** Everything the host sends. */
export type ToWebview =
  | SummaryMessage
  | WindowMessage
  | DetailsMessage
  | HistogramMessage
  | RateMessage
  | FilterMessage
  | FindMessage
  | RevealMessage
  | ActionMessage
  | ErrorMessage;

// ---------------------------------------------------------------- webview -> host

/** The webview is ready for messages. */
export interface ReadyMessage {
  readonly type: 'ready';
}
/** Spans, instants and arrows of [start, end) at a resolution (only what matches `filter`, when given). */
export interface WindowRequest {
  readonly type: 'window';
  readonly id: number;
  readonly start: Ns;
  readonly end: Ns;
  readonly resolution: Ns;
  /** The filter box's text (shared/filter.ts). */
  readonly filter?: string;
}
/** What a filter (shared/filter.ts) matches in the whole trace. */
export interface FilterRequest {
  readonly type: 'filter';
  readonly id: number;
  readonly filter: string;
}
/** The next or previous event of the same kind or call site as `eventId` (matching `filter`). */
export interface FindRequest {
  readonly type: 'find';
  readonly id: number;
  readonly eventId: number;
  readonly dir: 1 | -1;
  readonly scope: 'kind' | 'site';
  readonly filter?: string;
}
/** The details of one event. */
export interface DetailsRequest {
  readonly type: 'details';
  readonly id: number;
  readonly eventId: number;
}
/** Latency histogram of an event's call kind (`scope: 'kind'`) or call site. */
export interface HistogramRequest {
  readonly type: 'histogram';
  readonly id: number;
  readonly eventId: number;
  readonly scope: 'kind' | 'site';
}
/** Events per second. */
export interface RateRequest {
  readonly type: 'rate';
  readonly id: number;
}
/** Open frame `frame` of event `eventId`'s stack in an editor (or, with -1, the best frame). */
export interface OpenFrameMessage {
  readonly type: 'openFrame';
  readonly eventId: number;
  readonly frame: number;
}
/** The user selected an event (the host keeps it for commands). */
export interface SelectMessage {
  readonly type: 'select';
  readonly eventId: number | null;
}
/** Pause or resume following the recording. */
export interface PauseMessage {
  readonly type: 'pause';
  readonly paused: boolean;
}
/** Stop the recording. */
export interface StopMessage {
  readonly type: 'stop';
}

/** Run one of the extension's actions for the user (the buttons of the problem page). */
export interface CommandMessage {
  readonly type: 'command';
  readonly command: 'openTrace' | 'showLog';
}

/** Everything the webview sends. */
export type FromWebview =
  | CommandMessage
  | ReadyMessage
  | WindowRequest
  | FilterRequest
  | FindRequest
  | DetailsRequest
  | HistogramRequest
  | RateRequest
  | OpenFrameMessage
  | SelectMessage
  | PauseMessage
  | StopMessage;

/** Requests and the reply type each expects. */
export interface Replies {
  window: WindowMessage;
  filter: FilterMessage;
  find: FindMessage;
  details: DetailsMessage;
  histogram: HistogramMessage;
  rate: RateMessage;
}
