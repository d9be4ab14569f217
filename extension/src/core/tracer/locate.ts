/**
 * Where the iolens-tracer binary is, and why it cannot run when it cannot.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { packageRoot } from '../util/packageRoot';

/**
 * Path of iolens-tracer: `override` (the editor's iolens.tracerPath, the command line's
 * IOLENS_TRACER) when given, else the one built in this installation. Throws a UserError
 * ('tracer') saying how to fix it when it is missing or not executable.
 */
export function tracerPath(override?: string): string {
  const path = override || join(packageRoot(), 'tracer', 'build', 'iolens-tracer');
  if (!existsSync(path)) {
    throw override
      ? new UserError('tracer', `the tracer ${path} does not exist`, 'Set iolens.tracerPath (IOLENS_TRACER for the command line) to an iolens-tracer binary, or clear it to use the one built with I/O Lens.')
      : new UserError('tracer', `the tracer is not built (${path} is missing)`, 'Build it with `npm run build`.');
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new UserError('tracer', `${path} is not executable`, `Run \`chmod +x ${path}\`.`);
  }
  return path;
}
