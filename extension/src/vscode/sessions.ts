/**
 * The trace sessions of this window: the one being recorded (at most one), the ones opened from
 * files, which one is current (the Stalls view and the commands follow it), and their timelines.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { TraceSession } from '../core/session/traceSession';
import type { TracerOptions } from '../core/tracer/spawn';
import { inBackground } from './errors';
import { log, programOutput } from './log';
import { chooseBackend } from './privileges';
import { settings } from './settings';
import { TimelineController } from './timeline/controller';

/** The sessions of this window. */
export class Sessions implements vscode.Disposable {
  private currentSession: TraceSession | undefined;
  private recording: TraceSession | undefined;
  private readonly panels = new Map<TraceSession, { panel: vscode.WebviewPanel | undefined; controller: TimelineController }>();
  private readonly changed = new vscode.EventEmitter<TraceSession | undefined>();
  /** The current session changed, or its content did. */
  readonly onDidChange = this.changed.event;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** The session the views and commands act on. */
  get current(): TraceSession | undefined {
    return this.currentSession;
  }

  /** The session being recorded. */
  get live(): TraceSession | undefined {
    return this.recording?.live ? this.recording : undefined;
  }

  /** Make `s` the current session. */
  setCurrent(s: TraceSession | undefined): void {
    if (s === this.currentSession) return;
    this.unsubscribe?.();
    this.currentSession = s;
    this.unsubscribe = s?.onDidChange(() => this.changed.fire(s));
    void vscode.commands.executeCommand('setContext', 'iolens.hasSession', !!s);
    this.changed.fire(s);
  }

  /**
   * Record: check privileges, start the tracer with a progress notification until it is attached,
   * open the timeline. Resolves with the session, or undefined after telling the user why not.
   */
  async record(options: Omit<TracerOptions, 'minDurationNs' | 'irq' | 'programStdio' | 'backend'>, title: string): Promise<TraceSession | undefined> {
    if (this.live) {
      void vscode.window.showWarningMessage(`I/O Lens is already recording ${this.live.title}. Stop it first.`);
      return undefined;
    }
    const cfg = settings();
    const backend = await chooseBackend(cfg.tracerPath);
    const full: TracerOptions = { ...options, backend, tracerPath: cfg.tracerPath || undefined, minDurationNs: cfg.minDurationMs * 1e6, irq: cfg.irq, programStdio: 'pipe' };
    const { session, started } = await TraceSession.record(full, title, (line) => log().info(line), (text) => programOutput().append(text));
    this.recording = session;
    void vscode.commands.executeCommand('setContext', 'iolens.recording', true);
    inBackground('Recording', session.whenFinished().then(() => this.recordingEnded(session)));
    const ok = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `I/O Lens: attaching to ${title}…`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => session.stop());
        try {
          const pid = await started;
          log().info(`recording pid ${pid} (${title})`);
          return true;
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          void vscode.window.showErrorMessage(`I/O Lens could not trace ${title}: ${msg}`);
          return false;
        }
      },
    );
    if (!ok) return undefined;
    this.setCurrent(session);
    this.showTimeline(session);
    return session;
  }

  private recordingEnded(s: TraceSession): void {
    if (this.recording === s) void vscode.commands.executeCommand('setContext', 'iolens.recording', false);
    const end = s.ended;
    if (end?.error) void vscode.window.showErrorMessage(`I/O Lens: recording ${s.title} failed: ${end.error}`);
    else log().info(`recording of ${s.title} ended: ${end?.reason ?? 'ended'}`);
    this.changed.fire(s);
  }

  /** Stop the recording. */
  stop(): void {
    this.live?.stop();
  }

  /** Open a trace file in the custom editor (which registers the session). */
  async openFile(uri: vscode.Uri): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', uri, 'iolens.trace');
  }

  /** A session opened by the custom editor. */
  attachEditor(session: TraceSession, panel: vscode.WebviewPanel): TimelineController {
    const controller = new TimelineController(panel.webview, session, this.extensionUri);
    this.panels.set(session, { panel: undefined, controller });
    panel.onDidChangeViewState(() => {
      if (panel.active) this.setCurrent(session);
    });
    panel.onDidDispose(() => {
      controller.dispose();
      this.panels.delete(session);
      if (this.currentSession === session) this.setCurrent(this.live);
      inBackground('Closing the trace', session.dispose());
    });
    this.setCurrent(session);
    return controller;
  }

  /** Show (or create) the timeline of a session. */
  showTimeline(session: TraceSession | undefined = this.current): TimelineController | undefined {
    if (!session) return undefined;
    const existing = this.panels.get(session);
    if (existing) {
      existing.panel?.reveal(undefined, false);
      return existing.controller;
    }
    const panel = vscode.window.createWebviewPanel('iolens.timeline', `I/O Lens: ${session.title}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'iolens.svg');
    const controller = new TimelineController(panel.webview, session, this.extensionUri);
    this.panels.set(session, { panel, controller });
    panel.onDidChangeViewState(() => {
      if (panel.active) this.setCurrent(session);
    });
    panel.onDidDispose(() => {
      controller.dispose();
      this.panels.delete(session);
    });
    return controller;
  }

  /** The timeline controller of a session, if it has one open. */
  timeline(session: TraceSession): TimelineController | undefined {
    return this.panels.get(session)?.controller;
  }

  /** A title for a file session. */
  static fileTitle(uri: vscode.Uri): string {
    return basename(uri.fsPath);
  }

  dispose(): void {
    this.unsubscribe?.();
    for (const { panel, controller } of this.panels.values()) {
      controller.dispose();
      panel?.dispose();
    }
    this.live?.stop();
    this.changed.dispose();
  }
}
