/** Timers behind an interface, so the RPC layer and the window fetcher can be tested with a fake clock. */

/** An opaque timer handle. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** setTimeout / clearTimeout. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real timers of the page. */
export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
};
