/**
 * Where the iolens-tracer binary is, and why it cannot run when it cannot.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/packageRoot';

/** The tracer binary is missing or not executable. */
export class TracerMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracerMissingError';
  }
}

/** Path of iolens-tracer: $IOLENS_TRACER, else the one built in this installation. */
export function tracerPath(): string {
  const override = process.env.IOLENS_TRACER;
  const path = override || join(packageRoot(), 'tracer', 'build', 'iolens-tracer');
  if (!existsSync(path)) {
    throw new TracerMissingError(
      override
        ? `IOLENS_TRACER points to ${path}, which does not exist`
        : `the tracer is not built (${path} is missing). Build it with \`npm run build\`.`,
    );
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new TracerMissingError(`${path} is not executable: \`chmod +x ${path}\``);
  }
  return path;
}
