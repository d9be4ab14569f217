// Types of test/uio/guest.mjs for the TypeScript tests.

export declare const ROOT: string;
export declare const UIO_DIR: string;
/** Where the guest kernel, its modules and headers are cached (git-ignored). */
export declare const CACHE: string;

/** The unpacked guest kernel (cached in .tools/uio/guest.json). */
export interface GuestKernel {
  version: number;
  /** The Debian package behind linux-image-amd64, e.g. linux-image-6.1.0-56-amd64. */
  package: string;
  debVersion: string;
  /** uname -r in the guest, e.g. 6.1.0-56-amd64. */
  release: string;
  vmlinux: string;
  modules: { uio: string; uio_pci_generic: string };
  /** The kernel's config file. */
  config: string;
  /** CONFIG_DEBUG_INFO_BTF=y: /sys/kernel/btf/vmlinux exists in the guest. */
  btf: boolean;
  /** The unpacked linux-headers-<release> folder, for `make -C <headers> M=… modules`. */
  headers: string;
  /** How long the first fetch took (download, image unpack + vmlinux, headers). */
  timings: { downloadMs: number; imageMs: number; headersMs: number };
}

export type UioModule = 'uio_pci_generic' | 'edu_irqcontrol' | 'none';

export interface RunOptions {
  /** Static binaries put into the guest's /usr/local/bin (on its PATH): { name: hostPath }. */
  binaries?: Record<string, string>;
  /** Other files: { '/guest/path': hostPath or contents }. */
  files?: Record<string, string | Buffer>;
  /** argv of the command (run as root, in its own session, stdin /dev/null). */
  command: string[];
  /** The command's own timeout in the guest, seconds (default 60): then SIGTERM to its process group, SIGKILL 3 s later. */
  timeoutS?: number;
  /** The UIO driver bound to the edu device (default uio_pci_generic). */
  module?: UioModule;
  /** Environment variables for the command. */
  env?: Record<string, string>;
  memoryMB?: number;
  smp?: number;
  /** Appended to the kernel command line. */
  append?: string;
  /** Called with each chunk of the serial console as it arrives. */
  onConsole?: ((chunk: Buffer) => void) | null;
  log?: (msg: string) => void;
}

export interface GuestResult {
  /** The command's exit status (143 or 137 after the timeout). */
  exitCode: number;
  timedOut: boolean;
  /** What the command printed (stdout and stderr interleaved, through the console). */
  output: string;
  /** The regular files the command left in the guest's /out: { name: contents }. */
  files: Record<string, Buffer>;
  kernel: { release: string; btf: boolean };
  /** The UIO device as bound in the guest (null with module 'none'). */
  device: { name: string; irq: number } | null;
  /** The whole serial console. */
  console: string;
  timings: { initramfsMs: number; bootAndRunMs: number };
}

export declare function ensureGuest(opts?: { log?: (msg: string) => void }): GuestKernel;
/** Builds test/uio/build/* (static); returns { name: path }. */
export declare function buildWorkloads(): Record<string, string>;
/** Builds edu_irqcontrol.ko against the guest kernel's headers; returns its path. */
export declare function buildModule(state?: GuestKernel): string;
export declare function buildInitramfs(opts: RunOptions & { state: GuestKernel; timeoutS: number; module: UioModule }): Buffer;
export declare function runInGuest(opts: RunOptions): Promise<GuestResult>;
