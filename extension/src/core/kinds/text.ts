/** Pieces of the one-line texts more than one kind of event uses. */
import type { ArgValue } from '../model/events';

/** An argument value as the line shows it. */
export function scalar(v: ArgValue): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** "3 </dev/uio0>": a descriptor with its path when known. */
export function fdText(fd: ArgValue, path: ArgValue | undefined): string {
  return `${scalar(fd)}${typeof path === 'string' && path ? ` <${path}>` : ''}`;
}

