/** The VS Code webview API, typed with the protocol's messages. */
import type { FromWebview } from '../../protocol/messages';

/** What `acquireVsCodeApi()` returns. */
export interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  /** Provided by VS Code inside a webview; may be called once. */
  function acquireVsCodeApi(): VsCodeApi;
}

let api: VsCodeApi | undefined;

/** The page's VS Code API (acquired once). */
export function vscodeApi(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}
