/**
 * A debuginfod client (opt-in: the `iolens.debuginfod.urls` setting, `--debuginfod URL`): fetches a
 * module's separate debug file by build-id (`GET {url}/buildid/{hex}/debuginfo`, the debuginfod
 * protocol) with Node's asynchronous fetch, so the extension host's thread never waits on the
 * network, into the standard client cache (`$XDG_CACHE_HOME/debuginfod_client/<build-id>/debuginfo`)
 * that eu-* tools and gdb share. The native symbolizer reads that cache (its `buildIdCaches`);
 * nothing else here decides where it is. A download is used only when its build-id is the module's.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UserError } from '../errors';
import { elfBuildId } from './elfLoad';

/** How long one server may take to send a debug file, unless told otherwise. */
export const DEBUGINFOD_TIMEOUT_MS = 60_000;

/** Options of the client. */
export interface DebuginfodOptions {
  /** Servers, tried in order (empty: the client is off). */
  readonly urls: readonly string[];
  /** The client cache (debuginfodCacheDir). */
  readonly cacheDir: string;
  /** Per server and file (default DEBUGINFOD_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/** What a fetch gave: the debug file and the server it came from, or why there is none (one reason per server). */
export type DebuginfoResult = { readonly file: string; readonly url: string } | { readonly problems: readonly string[] };

/**
 * The standard debuginfod client cache: `$XDG_CACHE_HOME/debuginfod_client`, or
 * `~/.cache/debuginfod_client` (the values are passed in by the command line or the extension).
 */
export function debuginfodCacheDir(xdgCacheHome: string | undefined, home: string): string {
  return join(xdgCacheHome && xdgCacheHome.startsWith('/') ? xdgCacheHome : join(home, '.cache'), 'debuginfod_client');
}

/** Server URLs from a setting or `--debuginfod` (separated by commas or spaces); throws a 'usage' UserError for one that is not http(s). */
export function parseDebuginfodUrls(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean).map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new UserError('usage', `'${u}' is not a debuginfod server URL (say e.g. https://debuginfod.debian.net)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError('usage', `debuginfod server '${u}' must be an http or https URL`);
    return u.replace(/\/+$/, '');
  });
}

/** The cached debug file of a build-id, where the native symbolizer looks for it. */
export function cachedDebuginfo(cacheDir: string, buildId: string): string {
  return join(cacheDir, buildId, 'debuginfo');
}

/** Why a fetch failed, in words. */
function fetchProblem(e: unknown, url: string, timeoutMs: number): string {
  const name = e instanceof Error ? e.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return `${url} did not send it within ${timeoutMs / 1000} s`;
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return `${url} is unreachable (${cause})`;
}

/** Fetches debug files by build-id, each at most once per client. */
export class DebuginfodClient {
  private readonly fetches = new Map<string, Promise<DebuginfoResult>>();

  constructor(readonly options: DebuginfodOptions) {}

  /** The debug file of `buildId` (lowercase hex), fetched into the cache; never rejects. */
  fetch(buildId: string): Promise<DebuginfoResult> {
    let p = this.fetches.get(buildId);
    if (!p) {
      p = this.fetchOnce(buildId).catch((e: unknown) => ({ problems: [`the download failed: ${e instanceof Error ? e.message : String(e)}`] }));
      this.fetches.set(buildId, p);
    }
    return p;
  }

  private async fetchOnce(buildId: string): Promise<DebuginfoResult> {
    if (!/^[0-9a-f]{2,128}$/.test(buildId)) return { problems: [`'${buildId}' is not a build-id`] };
    const problems: string[] = [];
    for (const url of this.options.urls) {
      const got = await this.fromServer(url, buildId);
      if ('file' in got) return got;
      problems.push(got.problem);
    }
    return { problems };
  }

  /** One server's answer: the file, saved in the cache once its build-id is checked, or why not. */
  private async fromServer(url: string, buildId: string): Promise<{ file: string; url: string } | { problem: string }> {
    const timeoutMs = this.options.timeoutMs ?? DEBUGINFOD_TIMEOUT_MS;
    const dir = join(this.options.cacheDir, buildId);
    const part = join(dir, `.iolens-${process.pid}-${Math.random().toString(36).slice(2)}.part`);
    try {
      const res = await fetch(`${url}/buildid/${buildId}/debuginfo`, { signal: AbortSignal.timeout(timeoutMs) });
      if (res.status === 404) {
        await res.body?.cancel();
        return { problem: `no debug info for build-id ${buildId} at ${url}` };
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        return { problem: `${url} answered ${res.status} ${res.statusText}`.trimEnd() };
      }
      await mkdir(dir, { recursive: true });
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(part));
      const got = elfBuildId(part);
      if (got !== buildId) {
        return { problem: `${url} sent a corrupt debug file for build-id ${buildId} (${got ? `its build-id is ${got}` : 'not an ELF file with a build-id'})` };
      }
      const file = cachedDebuginfo(this.options.cacheDir, buildId);
      await rename(part, file);
      return { file, url };
    } catch (e) {
      return { problem: fetchProblem(e, url, timeoutMs) };
    } finally {
      await rm(part, { force: true });
    }
  }
}
