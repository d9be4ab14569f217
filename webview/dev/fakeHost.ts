/**
 * The benchmark harness's stand-in for VS Code (not shipped): defines `acquireVsCodeApi()`, runs
 * the host in a Web Worker (hostWorker.ts, with the page's query parameters) and hands its replies
 * to the webview as window message events, so they arrive structured-cloned once, off the host's
 * thread, as VS Code's do (re-posting them would clone them a second time). The webview's saved state lives in sessionStorage, so a reload restores it as VS
 * Code would.
 */
import type { FromWebview, ToWebview } from '../../protocol/messages';
import './benchDriver';
import type { HostStats } from './hostWorker';

declare global {
  interface Window {
    __fakeHost?: { stats: HostStats | null; post(m: ToWebview): void };
    __setTheme?: (theme: 'light' | 'dark' | 'high-contrast') => void;
  }
}

const worker = new Worker(`/harness/hostWorker.js${location.search}`);
const host: { stats: HostStats | null; post(m: ToWebview): void } = { stats: null, post: (m) => window.dispatchEvent(new MessageEvent('message', { data: m })) };
worker.addEventListener('message', (e: MessageEvent<ToWebview | HostStats>) => {
  if (e.data.type === '__stats') host.stats = e.data;
  else host.post(e.data);
});

window.acquireVsCodeApi = () => ({
  postMessage: (m: FromWebview) => worker.postMessage(m),
  getState: (): unknown => {
    const s = sessionStorage.getItem('iolens-state');
    return s ? (JSON.parse(s) as unknown) : undefined;
  },
  setState: (s: unknown) => sessionStorage.setItem('iolens-state', JSON.stringify(s)),
});
window.__fakeHost = host;
window.__IOLENS_BENCH__ = true;
/** Switch the harness between VS Code's Dark Modern, Light Modern and Dark High Contrast themes. */
window.__setTheme = (theme: 'light' | 'dark' | 'high-contrast'): void => {
  document.documentElement.className = `theme-${theme}`;
  document.body.className = `vscode-${theme}`;
};
