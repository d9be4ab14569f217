/**
 * The timeline webview's page: a strict Content-Security-Policy with a nonce, the bundled script
 * and styles, codicons. Nothing inline but the nonce'd script tag.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Folders the webview may load from. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')];
}

/**
 * The HTML of the timeline. `traceKey` names the trace it shows: a panel reused for another trace
 * (iolens.reuseRecordingTab) must not restore the previous one's viewport and selection.
 */
export function timelineHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, traceKey: string): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${asset('codicon.css')}">
<link rel="stylesheet" href="${asset('main.css')}">
<title>${esc(title)}</title>
</head>
<body>
<div id="app" data-trace="${esc(traceKey)}"></div>
<script nonce="${nonce}" src="${asset('main.js')}"></script>
</body>
</html>`;
}
