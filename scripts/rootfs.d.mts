// Types of scripts/rootfs.mjs for the TypeScript tests (test/package/).

/** Paths (relative to a root) of the build tools and libraries the installed VSIX must do without. */
export declare const ABSENT: string[];
/** Programs run in a root file system: a private mount namespace and chroot. */
export interface Jail {
  readonly root: string;
  /** A host path inside the root as the jailed program sees it. */
  inside(path: string): string;
  /** [command, args] for spawn: argv (paths as seen inside) with exactly `env` (and a PATH). */
  command(argv: string[], env?: Record<string, string>): [string, string[]];
  /** Run argv to completion. */
  run(argv: string[], env?: Record<string, string>, timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
}
/** This machine's Debian release and apt mirror. */
export declare function debianSource(): { suite: string; mirror: string };
/** The cached minbase root (built once per machine with debootstrap). */
export declare function ensureRootfs(): string;
/** A fresh writable copy of the cached root at dest. */
export declare function copyRootfs(dest: string): string;
/** The build tools and libraries found in root (relative paths). */
export declare function buildToolsIn(root: string): string[];
/** How to run programs in root, with read-only binds (host path -> path inside). */
export declare function jail(root: string, opts?: { binds?: Record<string, string> }): Jail;
