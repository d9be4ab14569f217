/**
 * The extension's settings, typed.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { debuginfodCacheDir, parseDebuginfodUrls, type DebuginfodOptions } from '../core/symbols/debuginfod';
import { parseKeep, parseUntil, type FlightOptions } from '../core/trace/flight';

/** The program `iolens.launch` starts without asking. */
export interface LaunchConfig {
  readonly program?: string;
  readonly args?: string[];
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

/** Current settings. */
export function settings(): {
  stallThresholdMs: number;
  minDurationMs: number;
  irq: boolean;
  runtimeFrames: boolean;
  launch: LaunchConfig;
  tracerPath: string;
  symbolSearchPath: string[];
  reuseRecordingTab: boolean;
  flightKeep: string;
  flightUntil: string;
  debuginfodUrls: string[];
  memoryBudgetMiB: number;
  ringSizeMiB: number;
} {
  const c = vscode.workspace.getConfiguration('iolens');
  return {
    stallThresholdMs: c.get<number>('stallThresholdMs', 10),
    minDurationMs: c.get<number>('minDurationMs', 1),
    irq: c.get<boolean>('irq', false),
    runtimeFrames: c.get<boolean>('runtimeFrames', true),
    launch: c.get<LaunchConfig>('launch', {}),
    tracerPath: c.get<string>('tracerPath', ''),
    reuseRecordingTab: c.get<boolean>('reuseRecordingTab', false),
    flightKeep: c.get<string>('flightRecorder.keep', ''),
    flightUntil: c.get<string>('flightRecorder.until', ''),
    debuginfodUrls: c.get<string[]>('debuginfod.urls', []),
    memoryBudgetMiB: c.get<number>('memoryBudgetMiB', 1024),
    ringSizeMiB: c.get<number>('ringSizeMiB', 16),
    // relative entries are the workspace folder's
    symbolSearchPath: c.get<string[]>('symbolSearchPath', []).map((p) => (isAbsolute(p) ? p : join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', p))),
  };
}

/**
 * `iolens.debuginfod.urls` as the debuginfod client's options (the standard client cache); undefined
 * when it is empty (off, the default). A UserError names a URL that is not http(s).
 */
export function debuginfodSettings(cfg: { readonly debuginfodUrls: readonly string[] }): DebuginfodOptions | undefined {
  const urls = parseDebuginfodUrls(cfg.debuginfodUrls.join(' '));
  return urls.length ? { urls, cacheDir: debuginfodCacheDir(process.env.XDG_CACHE_HOME, homedir()) } : undefined;
}

/** The flight recorder's settings as a recording's options (a UserError when one makes no sense). */
export function flightSettings(cfg: { readonly flightKeep: string; readonly flightUntil: string }): FlightOptions {
  return {
    keep: cfg.flightKeep.trim() ? parseKeep(cfg.flightKeep, 'iolens.flightRecorder.keep') : undefined,
    until: cfg.flightUntil.trim() ? parseUntil(cfg.flightUntil, 'iolens.flightRecorder.until') : undefined,
  };
}
