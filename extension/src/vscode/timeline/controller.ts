/**
 * One timeline webview bound to one trace session: answers the webview's requests (windows,
 * details, histograms, rate) from the session's store, pushes summaries while the trace grows,
 * and turns "open this frame" into an editor at the line.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { FrameInfo, FromWebview, Ns, TimelineAction, ToWebview } from '../../../../protocol/messages';
import { describeError, errorMessage } from '../../core/errors';
import { PAGED_MARKS } from '../../core/session/pagedTrace';
import type { TraceSession } from '../../core/session/traceSession';
import { inBackground } from '../errors';
import { log } from '../log';
import { locateSource, openEventSource, openFrame } from '../source';
import { timelineHtml, webviewRoots } from './html';

/** Connects a webview and a session. */
export class TimelineController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pendingReveal: ToWebview | undefined;
  /** The event selected in this timeline. */
  selected: number | null = null;

  constructor(
    readonly webview: vscode.Webview,
    readonly session: TraceSession,
    extensionUri: vscode.Uri,
  ) {
    webview.options = { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
    webview.html = timelineHtml(webview, extensionUri, session.title, session.file);
    this.disposables.push(webview.onDidReceiveMessage((m: FromWebview) => this.receive(m)));
    const off = session.onDidChange(() => this.pushSummary());
    this.disposables.push({ dispose: off });
  }

  private post(m: ToWebview): void {
    void this.webview.postMessage(m);
  }

  private pushSummary(): void {
    if (this.ready) this.post({ type: 'summary', summary: this.session.summary() });
  }

  /** Ask the timeline to do something (a command or keybinding of the editor). */
  act(action: TimelineAction): void {
    this.post({ type: 'action', action });
  }

  /**
   * Show and select an event (from the Stalls and Findings views); with `marks` (store ids: a call
   * site's calls), show the time they span with each of them outlined.
   */
  reveal(eventId: number, marks?: readonly number[]): void {
    const e = this.session.event(eventId);
    if (!e) return;
    // a paged trace reads each event back from its block: the worst few outlined (marks come worst first)
    const refs = (this.session.pagedBy ? marks?.slice(0, PAGED_MARKS) : marks)?.flatMap((id) => {
      const x = this.session.event(id);
      return x ? [{ id, track: x.track, start: x.start, end: x.end ?? x.start }] : [];
    });
    const m: ToWebview = { type: 'reveal', eventId, track: e.track, start: e.start as Ns, end: (e.end ?? e.start) as Ns, ...(refs?.length ? { marks: refs } : {}) };
    if (this.ready) this.post(m);
    else this.pendingReveal = m;
    this.selected = eventId;
  }

  private receive(m: FromWebview): void {
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          this.pushSummary();
          if (this.pendingReveal) this.post(this.pendingReveal);
          this.pendingReveal = undefined;
          break;
        case 'window':
          this.post({ type: 'window', id: m.id, data: this.session.window(m.start, m.end, m.resolution, m.filter) });
          break;
        case 'filter':
          this.post({ type: 'filter', id: m.id, ...this.session.filterSummary(m.filter) });
          break;
        case 'find':
          this.post({ type: 'find', id: m.id, ref: this.session.find(m.eventId, m.dir, m.scope, m.filter) });
          break;
        case 'details':
          inBackground('Details', this.replyDetails(m.id, m.eventId));
          break;
        case 'histogram':
          this.post({ type: 'histogram', id: m.id, histogram: this.session.histogram(m.eventId, m.scope) });
          break;
        case 'rate':
          this.post({ type: 'rate', id: m.id, rate: this.session.rate() });
          break;
        case 'openFrame':
          inBackground('Open Source', m.frame < 0 ? openEventSource(this.session, m.eventId) : openFrame(this.session, m.eventId, m.frame));
          break;
        case 'select':
          this.selected = m.eventId;
          break;
        case 'pause':
          this.session.paused = m.paused;
          this.pushSummary();
          break;
        case 'stop':
          this.session.stop();
          break;
        case 'command':
          if (m.command === 'showLog') log().show(true);
          else inBackground('Open Trace', vscode.commands.executeCommand('iolens.openTrace'));
          break;
      }
    } catch (e) {
      const d = describeError(e);
      if (d.bug) log().error(`timeline: ${m.type}: ${d.detail}`);
      if ('id' in m) this.post({ type: 'error', id: m.id, message: d.message });
    }
  }

  /**
   * The details of an event, its frames told apart: a source file that is neither here nor in the
   * workspace (a library's build tree) cannot be opened, and says so instead of looking like a link.
   */
  private async replyDetails(id: number, eventId: number): Promise<void> {
    try {
      const d = this.session.details(eventId);
      const stack = d ? await Promise.all(d.stack.map((f) => this.checkFrame(f))) : [];
      this.post({ type: 'details', id, details: d ? { ...d, stack } : null });
    } catch (e) {
      log().error(`timeline: details: ${errorMessage(e)}`);
      this.post({ type: 'error', id, message: errorMessage(e) });
    }
  }

  private async checkFrame(f: FrameInfo): Promise<FrameInfo> {
    if (!f.openable || !f.file || existsSync(f.file) || (await locateSource(f.file))) return f;
    return { ...f, openable: false, problem: `no source here: ${f.file} is neither on this machine nor in the workspace` };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
