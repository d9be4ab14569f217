/**
 * Perfetto's trace messages, from iolens's own `perfetto.proto` (the fields iolens writes, with
 * Perfetto's field numbers), loaded with protobufjs. The exporter encodes with it and the tests
 * decode with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';

/** The message types iolens uses. */
export interface PerfettoTypes {
  readonly Trace: protobuf.Type;
  readonly TracePacket: protobuf.Type;
}

/** Name of the schema file: beside this module in the sources, beside the bundle in dist/. */
export const PERFETTO_PROTO = 'perfetto.proto';

let loaded: PerfettoTypes | undefined;

/** The schema's text (esbuild.mjs copies the file next to the bundles). */
export function perfettoProtoText(): string {
  const path = join(__dirname, PERFETTO_PROTO);
  if (!existsSync(path)) throw new Error(`the Perfetto schema ${path} is missing from this installation`);
  return readFileSync(path, 'utf8');
}

/** Parse the schema once. */
export function perfettoTypes(): PerfettoTypes {
  if (!loaded) {
    const { root } = protobuf.parse(perfettoProtoText(), { keepCase: true });
    loaded = {
      Trace: root.lookupType('perfetto.protos.Trace'),
      TracePacket: root.lookupType('perfetto.protos.TracePacket'),
    };
  }
  return loaded;
}
