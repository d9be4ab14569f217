// The test infrastructure's self-test extension (test/integration/README.md): a command that opens
// a workspace file at a line, a tree view whose items do the same, and a webview with a button.
/* global require, exports */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded by the extension host */
const vscode = require('vscode');

/** Opens `file` (relative to the first workspace folder) with the cursor on 1-based `line`. */
async function openAtLine(file = 'src/hello.txt', line = 7) {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, file));
  const pos = new vscode.Position(line - 1, 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
}

const ITEMS = [
  { label: 'hello line 3', file: 'src/hello.txt', line: 3 },
  { label: 'hello line 12', file: 'src/hello.txt', line: 12 },
];

let webviews = 0;

/** A new webview panel each time, numbered, so tests can tell the visible one from hidden ones. */
function showWebview() {
  const n = ++webviews;
  const panel = vscode.window.createWebviewPanel('iolensSmoke.webview', `Smoke Webview ${n}`, vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true }); // hidden panels keep their iframe
  panel.webview.html = `<!DOCTYPE html><html><body>
<h1 id="title">smoke webview ${n}</h1><button id="go">open line 5</button>
<script>const api = acquireVsCodeApi(); document.getElementById('go').onclick = () => api.postMessage({ line: 5 });</script>
</body></html>`;
  panel.webview.onDidReceiveMessage((m) => openAtLine('src/hello.txt', m.line));
}

exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand('iolensSmoke.openAtLine', (file, line) => openAtLine(file, line)),
    vscode.commands.registerCommand('iolensSmoke.showWebview', showWebview),
    vscode.window.registerTreeDataProvider('iolensSmoke.tree', {
      getTreeItem: (it) => Object.assign(new vscode.TreeItem(it.label), { command: { command: 'iolensSmoke.openAtLine', title: 'open', arguments: [it.file, it.line] } }),
      getChildren: (it) => (it ? [] : ITEMS),
    }),
  );
};
exports.deactivate = () => {};
