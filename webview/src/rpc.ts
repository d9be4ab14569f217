/**
 * Request/reply over postMessage: each request gets an id its reply repeats. A request rejects when
 * the host reports an error for it, when it times out, when a newer request on the same channel
 * replaces it, or when the layer is disposed. A reply to a request that is no longer pending
 * (timed out, replaced) is ignored.
 */
import type { FromWebview, Replies, ToWebview } from '../../protocol/messages';
import { realTimers, type TimerHandle, type Timers } from './timers';

/** The request types (those with a reply). */
export type RequestType = keyof Replies;

/** The request message of a type. */
export type RequestOf<K extends RequestType> = Extract<FromWebview, { type: K }>;

/** A request's fields other than `type` and `id`. */
export type RequestBody<K extends RequestType> = Omit<RequestOf<K>, 'type' | 'id'>;

/** Why a request did not get its reply. */
export type RpcFailure = 'host' | 'timeout' | 'replaced' | 'disposed' | 'protocol';

/** A request that did not get its reply. */
export class RpcError extends Error {
  constructor(
    readonly reason: RpcFailure,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** True for failures the user need not hear about (a newer request replaced it, shutting down). */
export function isQuietFailure(e: unknown): boolean {
  return e instanceof RpcError && (e.reason === 'replaced' || e.reason === 'disposed');
}

interface Pending {
  readonly type: RequestType;
  readonly channel: string | undefined;
  readonly resolve: (m: Replies[RequestType]) => void;
  readonly reject: (e: RpcError) => void;
  readonly timer: TimerHandle;
}

/** Default time a request may take, ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The request/reply layer of the webview. */
export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly channels = new Map<string, number>();
  private disposed = false;

  constructor(
    private readonly post: (m: FromWebview) => void,
    private readonly timers: Timers = realTimers,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  /** Requests waiting for their reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Send a request and wait for its reply. With a `channel`, a pending request of the same channel
   * is rejected as replaced (its late reply will be ignored): the newest wins.
   */
  request<K extends RequestType>(type: K, body: RequestBody<K>, channel?: string): Promise<Replies[K]> {
    if (this.disposed) return Promise.reject(new RpcError('disposed', 'the view is closed'));
    const id = this.nextId++;
    if (channel !== undefined) {
      const previous = this.channels.get(channel);
      if (previous !== undefined) this.fail(previous, new RpcError('replaced', `${type} request replaced by a newer one`));
      this.channels.set(channel, id);
    }
    const promise = new Promise<Replies[K]>((resolve, reject) => {
      const timer = this.timers.setTimeout(
        () => this.fail(id, new RpcError('timeout', `the extension did not answer the ${type} request within ${Math.round(this.timeoutMs / 1000)} s`)),
        this.timeoutMs,
      );
      this.pending.set(id, { type, channel, resolve: resolve as (m: Replies[RequestType]) => void, reject, timer });
    });
    // The one place a request is assembled from its parts; its shape is RequestOf<K> by construction.
    this.post({ ...body, type, id } as unknown as FromWebview);
    return promise;
  }

  /**
   * Route a message from the host. Returns true when it was a reply (or an error) for a request,
   * pending or not; false for other messages, and for errors that name no request of ours (id 0 or
   * unknown), which the caller shows as general errors.
   */
  handle(m: ToWebview): boolean {
    switch (m.type) {
      case 'window':
      case 'details':
      case 'histogram':
      case 'rate':
      case 'filter':
      case 'find': {
        const p = this.pending.get(m.id);
        if (!p) return true; // stale: timed out, replaced or from before a reload
        if (p.type !== m.type) {
          this.fail(m.id, new RpcError('protocol', `expected a ${p.type} reply, got ${m.type}`));
          return true;
        }
        this.settle(m.id);
        p.resolve(m);
        return true;
      }
      case 'error': {
        if (!this.pending.has(m.id)) return m.id !== 0 && m.id < this.nextId;
        this.fail(m.id, new RpcError('host', m.message));
        return true;
      }
      case 'summary':
      case 'reveal':
      case 'action':
        return false;
      default: {
        const never: never = m;
        void never;
        return false;
      }
    }
  }

  /** Reject everything pending; further requests reject at once. */
  dispose(): void {
    this.disposed = true;
    for (const id of [...this.pending.keys()]) this.fail(id, new RpcError('disposed', 'the view is closed'));
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.timers.clearTimeout(p.timer);
    this.pending.delete(id);
    if (p.channel !== undefined && this.channels.get(p.channel) === id) this.channels.delete(p.channel);
  }

  private fail(id: number, error: RpcError): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.settle(id);
    p.reject(error);
  }
}
