/**
 * The trace sessions of this window: the one being recorded (at most one), the ones opened from
 * files, which one is current (the Stalls view and the commands follow it), and their timelines.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { TimelineAction } from '../../../protocol/messages';
import { errorMessage } from '../core/errors';
import { TraceSession } from '../core/session/traceSession';
import type { FlightOptions } from '../core/trace/flight';
import { tracersDetaching, type TracerOptions } from '../core/tracer/spawn';
import { inBackground } from './errors';
import { log, programOutput } from './log';
import type { BackendState } from './privileges';
import { debuginfodSettings, flightSettings, settings } from './settings';
import type { DebuginfodOptions } from '../core/symbols/debuginfod';
import { TimelineController } from './timeline/controller';

/** What a recording is asked to trace (the rest comes from the settings). */
export type RecordRequest = Omit<TracerOptions, 'minDurationNs' | 'irq' | 'programStdio' | 'backend' | 'tracerPath'>;

const SHOW_OUTPUT = 'Show Program Output';
const SHOW_LOG = 'Show Log';

/** A program's last output as one line for a notification: its last lines, joined. */
function lastOutput(text: string, max = 300): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  let out = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = out ? `${lines[i]} ⏎ ${out}` : lines[i];
    if (next.length > max) return out || `…${lines[i].slice(-max)}`;
    out = next;
  }
  return out;
}

/** The workspace folder (source paths under it are shown relative to it). */
function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

interface Timeline {
  /** The panel of a recording (undefined for a trace file's custom editor, which VS Code owns). */
  panel: vscode.WebviewPanel | undefined;
  controller: TimelineController;
}

/** The sessions of this window. */
export class Sessions implements vscode.Disposable {
  private currentSession: TraceSession | undefined;
  private recording: TraceSession | undefined;
  private readonly panels = new Map<TraceSession, Timeline>();
  /** The panel that showed the last recording (reused by the next one with iolens.reuseRecordingTab). */
  private lastRecordingPanel: vscode.WebviewPanel | undefined;
  /** Recordings whose tracer said it was attached (a failure after that is told on its own). */
  private readonly attached = new WeakSet<TraceSession>();
  /** Recordings the user cancelled from the progress notification (their end is no failure to tell). */
  private readonly cancelled = new WeakSet<TraceSession>();
  private readonly changed = new vscode.EventEmitter<TraceSession | undefined>();
  /** The current session changed, or its content did. */
  readonly onDidChange = this.changed.event;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly backends: BackendState,
  ) {}

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
   * Record: a progress notification (cancellable) says which step it is at — the permissions,
   * a previous recording still taking its probes off, loading and attaching — until the tracer is
   * attached; then the timeline opens. Resolves with the session, or undefined after telling the
   * user why not (with the program's exit status and last output when a launch failed).
   */
  async record(request: RecordRequest, title: string): Promise<TraceSession | undefined> {
    if (this.live) {
      void vscode.window.showWarningMessage(`I/O Lens is already recording ${this.live.title}. Stop it first.`);
      return undefined;
    }
    const cfg = settings();
    const launch = !!request.command?.length;
    let flight: FlightOptions;
    let debuginfod: DebuginfodOptions | undefined;
    try {
      flight = flightSettings(cfg);
      debuginfod = debuginfodSettings(cfg);
    } catch (e) {
      void vscode.window.showErrorMessage(`I/O Lens: ${errorMessage(e)}`);
      return undefined;
    }
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `I/O Lens: ${launch ? 'launching' : 'attaching to'} ${title}`, cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'checking the permissions to trace…' });
        const backend = await this.backends.chooseForRecording();
        if (token.isCancellationRequested) return undefined;
        const options: TracerOptions = {
          ...request, backend, tracerPath: cfg.tracerPath || undefined, minDurationNs: cfg.minDurationMs * 1e6, irq: cfg.irq, programStdio: 'pipe',
          runtimeFrames: cfg.runtimeFrames, ringSize: cfg.ringSizeMiB * 1024 * 1024,
        };
        if (launch) programOutput().appendLine(`── ${request.command?.join(' ')} (I/O Lens, ${new Date().toLocaleTimeString()}) ──`);
        const { session, started } = await TraceSession.record(options, {
          title,
          log: (line) => log().info(line),
          programOutput: (text) => programOutput().append(text),
          sourceRoot: workspaceRoot(),
          debuginfod,
        }, flight);
        this.recording = session;
        void vscode.commands.executeCommand('setContext', 'iolens.recording', true);
        inBackground('Recording', session.whenFinished().then(() => this.recordingEnded(session, launch)));
        inBackground('debuginfod', session.whenFinished().then(() => session.whenDebugInfo()).then((notes) => notes.forEach((n) => log().info(`${title}: ${n}`))));
        const cancel = token.onCancellationRequested(() => {
          this.cancelled.add(session);
          session.stop();
        });
        const attach = backend === 'ebpf' ? 'loading the eBPF probes and attaching…' : 'attaching with ptrace…';
        let shown = '';
        const step = (): void => {
          const message = tracersDetaching() > 0 ? 'waiting for the previous recording to take its probes off…' : launch ? `${attach} (${title} starts once attached)` : attach;
          if (message !== shown) progress.report({ message: (shown = message) });
        };
        step();
        const timer = setInterval(step, 250);
        try {
          const pid = await started;
          this.attached.add(session);
          log().info(`recording pid ${pid} (${title})`);
          for (const note of session.notes) {
            log().info(note);
            // how to get the functions named is for the user to act on; the flags given only go to the log
            if (!launch) void vscode.window.showInformationMessage(`I/O Lens: ${note}`);
          }
          return token.isCancellationRequested ? undefined : session;
        } catch (e) {
          if (!token.isCancellationRequested) this.couldNotTrace(session, title, e);
          return undefined;
        } finally {
          clearInterval(timer);
          cancel.dispose();
        }
      },
    );
    if (!outcome) return undefined;
    this.setCurrent(outcome);
    this.showTimeline(outcome);
    return outcome;
  }

  /** The tracer stopped before it was attached: say why, with what the program wrote. */
  private couldNotTrace(session: TraceSession, title: string, e: unknown): void {
    const program = session.ended?.program;
    const why = program?.failed ? `${title} ${program.text}${program.stderrTail ? `: ${lastOutput(program.stderrTail)}` : ''}` : errorMessage(e);
    log().warn(`could not trace ${title}: ${why}`);
    this.notify(`I/O Lens could not trace ${title}: ${why}`, !!program);
  }

  /** An error notification with buttons to the program's output and the log. */
  private notify(text: string, withOutput: boolean): void {
    const actions = withOutput ? [SHOW_OUTPUT, SHOW_LOG] : [SHOW_LOG];
    vscode.window.showErrorMessage(text, ...actions).then(
      (pick) => {
        if (pick === SHOW_OUTPUT) programOutput().show(true);
        else if (pick === SHOW_LOG) log().show(true);
      },
      () => undefined,
    );
  }

  private recordingEnded(s: TraceSession, launched: boolean): void {
    if (this.recording === s) void vscode.commands.executeCommand('setContext', 'iolens.recording', false);
    const end = s.ended;
    const program = end?.program;
    if (launched && program) programOutput().appendLine(`── ${s.title} (pid ${program.pid}) ${program.text} ──`);
    if (this.cancelled.has(s)) log().info(`recording of ${s.title} cancelled from its progress notification`);
    else if (end?.error) this.notify(`I/O Lens: recording ${s.title} failed: ${end.error}`, launched);
    else if (program?.failed && this.attached.has(s)) {
      // (a launch that failed before attaching was reported by couldNotTrace)
      this.notify(`I/O Lens: ${s.title} ${program.text}${program.stderrTail ? `: ${lastOutput(program.stderrTail)}` : ''}`, true);
    }
    log().info(`recording of ${s.title} ended: ${end?.reason ?? 'ended'}${program ? `; the program ${program.text}` : ''}`);
    if (s.flightWindow) {
      log().info(s.flightWindow);
      void vscode.window.showInformationMessage(`I/O Lens: ${s.title}: ${s.flightWindow}`);
    }
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

  /**
   * Show (or create) the timeline of a recording: in the active editor group (a new tab), or —
   * with iolens.reuseRecordingTab — in the tab of the previous recording, which is then closed.
   */
  showTimeline(session: TraceSession | undefined = this.current): TimelineController | undefined {
    if (!session) return undefined;
    const existing = this.panels.get(session);
    if (existing) {
      existing.panel?.reveal(undefined, false);
      return existing.controller;
    }
    // a second recording of the same program gets a number, as untitled editors do
    const taken = new Set([...this.panels.values()].map((t) => t.panel?.title));
    let title = `I/O Lens: ${session.title}`;
    for (let n = 2; taken.has(title); n++) title = `I/O Lens: ${session.title} (${n})`;
    const reuse = settings().reuseRecordingTab ? this.lastRecordingPanel : undefined;
    if (reuse) {
      const [previous, shown] = [...this.panels].find(([, t]) => t.panel === reuse) ?? [];
      if (previous && shown && !previous.live) {
        shown.controller.dispose();
        this.panels.delete(previous);
        if (previous !== this.currentSession) inBackground('Closing the previous recording', previous.dispose());
        reuse.title = title;
        const controller = new TimelineController(reuse.webview, session, this.extensionUri);
        this.panels.set(session, { panel: reuse, controller });
        this.bindPanel(reuse, session);
        reuse.reveal(undefined, false);
        return controller;
      }
    }
    const panel = vscode.window.createWebviewPanel('iolens.timeline', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'iolens.svg');
    const controller = new TimelineController(panel.webview, session, this.extensionUri);
    this.panels.set(session, { panel, controller });
    this.lastRecordingPanel = panel;
    this.bindPanel(panel, session);
    panel.onDidDispose(() => {
      for (const [s, t] of this.panels) {
        if (t.panel !== panel) continue;
        t.controller.dispose();
        this.panels.delete(s);
      }
      if (this.lastRecordingPanel === panel) this.lastRecordingPanel = undefined;
    });
    return controller;
  }

  /** The panel shows `session`: focusing it makes that session current. */
  private bindPanel(panel: vscode.WebviewPanel, session: TraceSession): void {
    const bound = (): TraceSession | undefined => [...this.panels].find(([, t]) => t.panel === panel)?.[0];
    const sub = panel.onDidChangeViewState(() => {
      if (bound() !== session) sub.dispose();
      else if (panel.active) this.setCurrent(session);
    });
  }

  /** Ask the current session's timeline to do something (a command or keybinding). */
  act(action: TimelineAction): void {
    const controller = this.current && this.timeline(this.current);
    if (controller) controller.act(action);
    else void vscode.window.showInformationMessage('I/O Lens: open a trace or record one first; this acts on its timeline.');
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
