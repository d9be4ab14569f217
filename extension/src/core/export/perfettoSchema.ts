/**
 * Perfetto's trace messages, from iolens's own `perfetto.proto` (the fields iolens writes, with
 * Perfetto's field numbers), loaded with protobufjs. The exporter encodes with it and the tests
 * decode with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { packageRoot } from '../util/packageRoot';

/** The message types iolens uses, and the values of the enums it writes (the .proto owns them). */
export interface PerfettoTypes {
  readonly Trace: protobuf.Type;
  readonly TracePacket: protobuf.Type;
  /** TrackEvent.Type: TYPE_SLICE_BEGIN... */
  readonly eventType: Readonly<Record<string, number>>;
  /** TracePacket.SequenceFlags. */
  readonly sequenceFlags: Readonly<Record<string, number>>;
  /** BuiltinClock. */
  readonly clocks: Readonly<Record<string, number>>;
  /** TrackDescriptor.SiblingMergeBehavior. */
  readonly merge: Readonly<Record<string, number>>;
}

/** Name of the schema file: beside this module in the sources, beside the bundle in dist/. */
export const PERFETTO_PROTO = 'perfetto.proto';

let loaded: PerfettoTypes | undefined;

/** The schema's text: beside this code (the sources, or dist/ where esbuild.mjs copies it), else in the installation's dist/. */
export function perfettoProtoText(): string {
  const candidates = [join(__dirname, PERFETTO_PROTO)];
  try {
    candidates.push(join(packageRoot(), 'dist', PERFETTO_PROTO));
  } catch {
    /* not inside an installation: only the file beside this code can be it */
  }
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error(`the Perfetto schema (${PERFETTO_PROTO}) is missing from this installation: looked in ${candidates.join(', ')}`);
  return readFileSync(path, 'utf8');
}

/** Parse the schema once. */
export function perfettoTypes(): PerfettoTypes {
  if (!loaded) {
    const { root } = protobuf.parse(perfettoProtoText(), { keepCase: true });
    const values = (name: string): Record<string, number> => root.lookupEnum(`perfetto.protos.${name}`).values;
    loaded = {
      Trace: root.lookupType('perfetto.protos.Trace'),
      TracePacket: root.lookupType('perfetto.protos.TracePacket'),
      eventType: values('TrackEvent.Type'),
      sequenceFlags: values('TracePacket.SequenceFlags'),
      clocks: values('BuiltinClock'),
      merge: values('TrackDescriptor.SiblingMergeBehavior'),
    };
  }
  return loaded;
}
