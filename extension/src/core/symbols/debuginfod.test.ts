import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedDebuginfo, debuginfodCacheDir, DebuginfodClient, parseDebuginfodUrls } from './debuginfod';
import { elfBuildId } from './elfLoad';

/** Two ELF files of this system with build-ids of their own: a "debug file" and another one. */
const FILE = '/bin/true';
const OTHER = '/bin/ls';

/** A server answering each request with `answer`; its URL. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('debuginfod client', () => {
  let cacheDir: string;
  let server: Server | undefined;
  const id = elfBuildId(FILE);
  before(() => {
    if (!id || !elfBuildId(OTHER) || id === elfBuildId(OTHER)) throw new Error(`${FILE} and ${OTHER} need build-ids of their own (got ${id}, ${elfBuildId(OTHER)})`);
  });
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'iolens-debuginfod-'));
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    rmSync(cacheDir, { recursive: true, force: true });
  });
  const leftovers = (): string[] => (existsSync(join(cacheDir, id!)) ? readdirSync(join(cacheDir, id!)).filter((f) => f !== 'debuginfo') : []);

  it('fetches /buildid/ID/debuginfo into the client cache when its build-id matches', async () => {
    const paths: string[] = [];
    const s = await serve((req, res) => {
      paths.push(req.url ?? '');
      res.end(readFileSync(FILE));
    });
    server = s.server;
    const got = await new DebuginfodClient({ urls: [s.url], cacheDir }).fetch(id!);
    assert.deepEqual(got, { file: cachedDebuginfo(cacheDir, id!), url: s.url });
    assert.deepEqual(paths, [`/buildid/${id}/debuginfo`]);
    assert.equal(elfBuildId(cachedDebuginfo(cacheDir, id!)), id);
    assert.deepEqual(leftovers(), []);
  });

  it('says a 404 is no debug info at that server, and tries the next', async () => {
    const missing = await serve((_req, res) => {
      res.statusCode = 404;
      res.end('not found');
    });
    server = missing.server;
    const good = await serve((_req, res) => res.end(readFileSync(FILE)));
    try {
      const got = await new DebuginfodClient({ urls: [missing.url], cacheDir }).fetch(id!);
      assert.deepEqual(got, { problems: [`no debug info for build-id ${id} at ${missing.url}`] });
      const both = await new DebuginfodClient({ urls: [missing.url, good.url], cacheDir }).fetch(id!);
      assert.deepEqual(both, { file: cachedDebuginfo(cacheDir, id!), url: good.url });
    } finally {
      good.server.close();
    }
  });

  it('gives up on a server that does not answer in time', async () => {
    ({ server } = await serve(() => undefined)); // never answers
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const got = await new DebuginfodClient({ urls: [url], cacheDir, timeoutMs: 200 }).fetch(id!);
    assert.deepEqual(got, { problems: [`${url} did not send it within 0.2 s`] });
    assert.ok(!existsSync(cachedDebuginfo(cacheDir, id!)), 'nothing in the cache');
  });

  it('says an unreachable server is unreachable', async () => {
    ({ server } = await serve(() => undefined));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((r) => server?.close(r));
    server = undefined;
    const got = await new DebuginfodClient({ urls: [url], cacheDir }).fetch(id!);
    assert.ok('problems' in got && /^http:\/\/127\.0\.0\.1:\d+ is unreachable \(.*ECONNREFUSED.*\)$/.test(got.problems[0]), JSON.stringify(got));
  });

  it('refuses a file with another build-id, or no ELF file, and leaves nothing in the cache', async () => {
    let body = readFileSync(OTHER);
    ({ server } = await serve((_req, res) => res.end(body)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const wrong = await new DebuginfodClient({ urls: [url], cacheDir }).fetch(id!);
    assert.deepEqual(wrong, { problems: [`${url} sent a corrupt debug file for build-id ${id} (its build-id is ${elfBuildId(OTHER)})`] });
    body = Buffer.from('<html>a captive portal</html>');
    const junk = await new DebuginfodClient({ urls: [url], cacheDir }).fetch(id!);
    assert.deepEqual(junk, { problems: [`${url} sent a corrupt debug file for build-id ${id} (not an ELF file with a build-id)`] });
    assert.ok(!existsSync(cachedDebuginfo(cacheDir, id!)), 'nothing in the cache');
    assert.deepEqual(leftovers(), []);
  });

  it('asks a server once per build-id', async () => {
    let asked = 0;
    ({ server } = await serve((_req, res) => {
      asked++;
      res.statusCode = 404;
      res.end();
    }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DebuginfodClient({ urls: [url], cacheDir });
    await Promise.all([client.fetch(id!), client.fetch(id!)]);
    await client.fetch(id!);
    assert.equal(asked, 1);
  });

  it('refuses what is not a build-id without asking', async () => {
    const got = await new DebuginfodClient({ urls: ['http://127.0.0.1:1'], cacheDir }).fetch('../etc');
    assert.deepEqual(got, { problems: ['\'../etc\' is not a build-id'] });
  });

  it('reads server lists and finds the standard cache', () => {
    assert.deepEqual(parseDebuginfodUrls('https://a.example/, http://b.example:8002'), ['https://a.example', 'http://b.example:8002']);
    assert.deepEqual(parseDebuginfodUrls(' '), []);
    assert.throws(() => parseDebuginfodUrls('ftp://x'), /must be an http or https URL/);
    assert.throws(() => parseDebuginfodUrls('nonsense'), /is not a debuginfod server URL/);
    assert.equal(debuginfodCacheDir('/x/cache', '/home/u'), '/x/cache/debuginfod_client');
    assert.equal(debuginfodCacheDir(undefined, '/home/u'), '/home/u/.cache/debuginfod_client');
    assert.equal(debuginfodCacheDir('relative', '/home/u'), '/home/u/.cache/debuginfod_client');
  });
});
