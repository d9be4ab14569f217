/**
 * While recording: a status bar item with the recording indicator, events per second and losses;
 * clicking it opens the timeline.
 */
import * as vscode from 'vscode';
import { formatCount } from '../../../../shared/format';
import type { Sessions } from '../sessions';

/** The recording indicator. */
export class RecordingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('iolens.recording', vscode.StatusBarAlignment.Left, 100);
  private readonly timer: NodeJS.Timeout;
  private lastCount = 0;
  private lastTime = Date.now();
  private rate = 0;

  constructor(private readonly sessions: Sessions) {
    this.item.name = 'I/O Lens recording';
    this.item.command = 'iolens.showTimeline';
    this.timer = setInterval(() => this.update(), 1000);
  }

  private update(): void {
    const s = this.sessions.live;
    if (!s) {
      this.item.hide();
      this.lastCount = 0;
      return;
    }
    const now = Date.now();
    const count = s.store.size;
    this.rate = ((count - this.lastCount) * 1000) / Math.max(1, now - this.lastTime);
    this.lastCount = count;
    this.lastTime = now;
    const lost = s.pipeline.trace.drops.total;
    this.item.text = `$(record) I/O Lens: ${formatCount(Math.round(this.rate))} ev/s${lost ? ` · $(warning) ${formatCount(lost)} lost` : ''}`;
    this.item.tooltip = new vscode.MarkdownString(
      `Recording **${s.title}**: ${formatCount(count)} events, ${formatCount(lost)} lost.\n\nClick to show the timeline; use *I/O Lens: Stop Tracing* to stop.`,
    );
    this.item.backgroundColor = lost ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}
