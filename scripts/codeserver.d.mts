// Types of scripts/codeserver.mjs for the TypeScript tests (test/e2e/).
import type { Browser } from 'playwright-core';
import type { Jail } from './rootfs.mjs';

export declare const CODE_SERVER_VERSION: string;
/** Where code-server is installed (git-ignored). */
export declare const TOOLS_DIR: string;
/** Debian's Chromium, the browser Playwright drives. */
export declare const CHROMIUM: string;
/** Chromium's arguments that worked headless as root (TESTING.md). */
export declare const CHROMIUM_ARGS: string[];
/** User settings that keep the workbench quiet; callers' settings are merged over these. */
export declare const QUIET_SETTINGS: Record<string, unknown>;

/** A running code-server. */
export interface CodeServer {
  /** Base address, e.g. http://127.0.0.1:41234/ (opens the workspace). */
  url: string;
  port: number;
  /** Absolute path of the folder it serves. */
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** Everything the server printed. */
  logFile: string;
  /** Kills the server's whole process group and removes its temp root. */
  stop(): Promise<void>;
}

export interface StartOptions {
  workspace: string;
  extensionsDir?: string;
  userDataDir?: string;
  /** Extension folders to link in as installed extensions (publisher.name-version) before it starts. */
  extensions?: string[];
  /** User settings merged over QUIET_SETTINGS, e.g. { 'workbench.colorTheme': 'Default Light Modern' }. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server and its extension hosts. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run it inside another root file system (scripts/rootfs.mjs), with codeServerBinds() bound in; every path must be inside the root. */
  jail?: Jail;
}

/** Where a jailed code-server is bound in, and the node it runs on, inside the root. */
export declare const JAIL_CODE_SERVER: string;
export declare const JAIL_NODE: string;
/** The read-only binds a jail needs to run code-server (host path -> path inside). */
export declare function codeServerBinds(): Record<string, string>;
/** `code-server --install-extension FILE.vsix`, as a user installs a VSIX (in `jail` when given). */
export declare function installVsix(opts: { vsix: string; extensionsDir: string; userDataDir: string; jail?: Jail }): Promise<string>;

/** Installs code-server (and its Debian packages when root); returns its entry script. Fast when done. */
export declare function ensureCodeServer(): string;
/**
 * Starts code-server on 127.0.0.1 with a random port in its own process group, HOME in a temp root.
 * User settings are read once per page load: code-server does not notice later edits of the file.
 */
export declare function startCodeServer(opts: StartOptions): Promise<CodeServer>;
/** Symlinks an extension folder into the extensions dir as `publisher.name-version`. */
export declare function linkExtension(extensionsDir: string, extensionPath: string): void;
/** Writes user settings: QUIET_SETTINGS, then the file's current content, then `settings`. */
export declare function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void;
/** The workbench address, optionally with a payload loading an extension from source and a test entry. */
export declare function workbenchUrl(server: CodeServer, opts?: { folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
/** Launches Debian's Chromium headless through playwright-core with TESTING.md's arguments. */
export declare function launchChromium(opts?: { headless?: boolean }): Promise<Browser>;
