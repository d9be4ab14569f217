// Turns the workbench page's console into readable terminal lines for the integration runner.
// In a test run the extension host's console (mocha's reporter, the extension's own logs) reaches
// the page as log-service calls: console.log('%c INFO', 'color: …', format, ...args). This
// re-applies the format with util.format, hides the workbench's start-up chatter (everything at
// info level before the suite's start marker from index.js) and known harmless noise (TESTING.md).
// IOLENS_TEST_VERBOSE=1 shows everything.
import { format } from 'node:util';

/** The line index.js logs when mocha starts. */
export const SUITE_START = '[iolens-suite] running';

const NOISE = [
  /vsda/, // 404s for the proprietary signing module
  /open-vsx\.org|extensionquery|marketplace|gallery/i, // no internet for the extension gallery
  /^Failed to load resource: net::ERR_NAME_NOT_RESOLVED/,
  /web worker extension host is started in a same-origin iframe/,
  /allow-scripts and allow-same-origin/,
  /^Overwriting extension <</,
];

/** Formats console messages in order and decides which ones to show. */
export class ConsoleFilter {
  /** @param {(line: string) => void} write  @param {boolean} [verbose] */
  constructor(write, verbose = process.env.IOLENS_TEST_VERBOSE === '1') {
    this.write = write;
    this.verbose = verbose;
    this.started = false;
    this.queue = Promise.resolve();
  }

  /**
   * Queues one Playwright console message (formatting needs the page, so it is asynchronous).
   * @param {import('playwright-core').ConsoleMessage} msg
   */
  push(msg) {
    this.queue = this.queue.then(async () => {
      const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => String(a))));
      this.show(msg.type(), args.length ? args : [msg.text()], msg.location().url);
    });
  }

  /** Resolves when every queued message is written. */
  flush() {
    return this.queue;
  }

  /** @param {string} type  @param {unknown[]} args  @param {string} [source] the script or resource it is about */
  show(type, args, source = '') {
    let level = type === 'warning' ? 'WARN' : type === 'error' ? 'ERR' : 'INFO';
    const m = typeof args[0] === 'string' ? /^%c\s*(TRACE|DEBUG|INFO|WARN|ERR)\b/.exec(args[0]) : null;
    if (m) {
      level = m[1];
      args = args.slice(2); // the level and its CSS
    }
    const text = format(...args).replace(/\s+$/, '');
    if (text.includes(SUITE_START)) this.started = true;
    if (!this.verbose) {
      if (NOISE.some((re) => re.test(text) || re.test(source))) return;
      if (!this.started && (level === 'INFO' || level === 'DEBUG' || level === 'TRACE')) return;
    }
    this.write(level === 'INFO' ? text : `[${level === 'ERR' ? 'error' : level.toLowerCase()}] ${text}`);
  }
}
