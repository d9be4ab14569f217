#!/usr/bin/env node
// Generates the C header and the TypeScript decoder of the iolens event stream from
// protocol/schema.json, the one source of truth for the wire format.
//
//   node protocol/generate.mjs           write protocol/generated/*
//   node protocol/generate.mjs --check   exit 1 when the committed files differ from a fresh run
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSyscalls, genSyscallsC, genSyscallsTs } from './syscallTable.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = join(here, 'schema.json');
const outDir = join(here, 'generated');
const cPath = join(outDir, 'iolens_wire.h');
const tsPath = join(outDir, 'wire.ts');

const SCALARS = {
  u8: { size: 1, c: '__u8', ts: 'number', get: 'getUint8(o)' },
  i8: { size: 1, c: '__s8', ts: 'number', get: 'getInt8(o)' },
  u16: { size: 2, c: '__u16', ts: 'number', get: 'getUint16(o, true)' },
  i16: { size: 2, c: '__s16', ts: 'number', get: 'getInt16(o, true)' },
  u32: { size: 4, c: '__u32', ts: 'number', get: 'getUint32(o, true)' },
  i32: { size: 4, c: '__s32', ts: 'number', get: 'getInt32(o, true)' },
  // u64/i64 decode to number: exact below 2^53 (104 days of nanoseconds), documented as such.
  u64: { size: 8, c: '__u64', ts: 'number', get: 'u64n(v, o)' },
  i64: { size: 8, c: '__s64', ts: 'number', get: 'i64n(v, o)' },
  // x64: addresses, ids and user data, kept exact as bigint.
  x64: { size: 8, c: '__u64', ts: 'bigint', get: 'getBigUint64(o, true)' },
  // w64: raw words decoded per event (a syscall's arguments): a number when below 2^53 (no BigInt
  // made), else a bigint (runtime.ts's Word; its helpers read either form).
  w64: { size: 8, c: '__u64', ts: 'Word', get: 'w64(v, o)' },
};

// Field names that <errno.h>/<signal.h>/<sys/stat.h> define as macros.
const C_RESERVED = /^(errno|si_\w+|st_\w+|sa_handler|sa_sigaction)$/;

/** Parses "u8[20]", "char[16]", "u64[]" into { base, count } (count null for a tail array). */
function parseType(type) {
  const m = /^(\w+)(?:\[(\d*)\])?$/.exec(type);
  if (!m) throw new Error(`bad type ${type}`);
  return { base: m[1], count: m[2] === undefined ? 1 : m[2] === '' ? null : Number(m[2]), isArray: m[2] !== undefined };
}

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());
const upper = (s) => s.toUpperCase();

/** Lays out a record: offsets, natural alignment, size a multiple of 8. Throws with the reason. */
function layout(rec, withHeader) {
  let off = withHeader ? 4 : 0;
  const fields = [];
  for (const f of rec.fields) {
    const [name, type, doc, opts] = Array.isArray(f) ? f : [f.name, f.type, f.doc, f];
    const appended = opts?.appended === true;
    if (!appended && fields.some((x) => x.appended)) throw new Error(`${rec.name}.${name}: appended fields come last`);
    const t = parseType(type);
    if (t.count === null) throw new Error(`${rec.name}.${name}: variable arrays only as the tail`);
    const elem = t.base === 'char' ? 1 : SCALARS[t.base]?.size;
    if (!elem) throw new Error(`${rec.name}.${name}: unknown type ${type}`);
    if (C_RESERVED.test(name)) throw new Error(`${rec.name}.${name}: the name clashes with a libc macro; choose another`);
    if (off % elem !== 0) throw new Error(`${rec.name}.${name} (${type}) at offset ${off} is not ${elem}-byte aligned: add explicit padding`);
    fields.push({ name, type, doc, appended, base: t.base, count: t.count, isArray: t.isArray, offset: off, size: elem * t.count, elem });
    off += elem * t.count;
  }
  if (off % 8 !== 0) throw new Error(`${rec.name}: fixed part is ${off} bytes, not a multiple of 8: add explicit padding`);
  // appended fields came after the record's first layout: older tracers wrote records that end before them
  const firstAppended = fields.find((f) => f.appended);
  if (firstAppended && rec.tail) throw new Error(`${rec.name}: a record with a tail cannot grow appended fields`);
  return { fields, size: off, minSize: firstAppended ? firstAppended.offset : off };
}

function loadSchema() {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const kinds = schema.enums.RecordKind.values;
  const seen = new Set();
  for (const rec of schema.records) {
    if (!(rec.name in kinds)) throw new Error(`record ${rec.name} has no RecordKind value`);
    if (seen.has(rec.name)) throw new Error(`record ${rec.name} twice`);
    seen.add(rec.name);
    rec.kind = kinds[rec.name];
    Object.assign(rec, layout(rec, true));
    if (rec.tail) {
      const [name, type, doc] = rec.tail;
      if (!['string', 'strings', 'u64[]', 'x64[]'].includes(type)) throw new Error(`${rec.name}: tail type ${type}`);
      rec.tailInfo = { name, type, doc };
    }
  }
  for (const k of Object.keys(kinds)) if (!seen.has(k)) throw new Error(`RecordKind ${k} has no record`);
  schema.headerLayout = layout({ name: 'header', fields: schema.header.fields }, false);
  const ids = new Set();
  for (const [name, e] of Object.entries(schema.enums)) {
    for (const k of Object.keys(e.texts ?? {})) if (!(k in e.values)) throw new Error(`${name}.texts: ${k} is not a value`);
    for (const [g, group] of Object.entries(e.groups ?? {})) for (const k of group.values) if (!(k in e.values)) throw new Error(`${name}.groups.${g}: ${k} is not a value`);
  }
  const classes = schema.enums.SyscallClass.values;
  const models = schema.enums.IoModel.values;
  const formats = schema.enums.DataFormat.values;
  for (const s of schema.syscalls.list) {
    if (ids.has(s.id)) throw new Error(`syscall id ${s.id} twice`);
    ids.add(s.id);
    if (!(s.class in classes)) throw new Error(`${s.name}: class ${s.class}`);
    if (!(s.model in models)) throw new Error(`${s.name}: model ${s.model}`);
    if (s.data && !(s.data in formats)) throw new Error(`${s.name}: data ${s.data}`);
    if (s.args.length > 6) throw new Error(`${s.name}: more than 6 arguments`);
  }
  return checkSyscalls(schema);
}

// ---------------------------------------------------------------- C header
function cField(f) {
  if (f.base === 'char') return `char ${f.name}[${f.count}];`;
  const t = SCALARS[f.base].c;
  return f.isArray ? `${t} ${f.name}[${f.count}];` : `${t} ${f.name};`;
}

function genC(schema) {
  const L = [];
  L.push('/* Generated by protocol/generate.mjs from protocol/schema.json. Do not edit: change the schema and run `npm run generate`. */');
  L.push('#ifndef IOLENS_WIRE_H');
  L.push('#define IOLENS_WIRE_H');
  L.push('');
  L.push('#ifndef __VMLINUX_H__');
  L.push('#include <linux/types.h>');
  L.push('#endif');
  L.push('');
  L.push(`#define IOL_SCHEMA_VERSION ${schema.version}`);
  L.push(`#define IOL_MAGIC_INIT { ${schema.magic.map((b) => '0x' + b.toString(16).padStart(2, '0')).join(', ')} }`);
  L.push(`#define IOL_HEADER_SIZE ${schema.headerLayout.size}`);
  L.push('');
  for (const [name, e] of Object.entries(schema.enums)) {
    const prefix = 'IOL_' + upper(name.replace(/([a-z])([A-Z])/g, '$1_$2'));
    L.push(`/* ${e.doc} */`);
    L.push(`enum iol_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()} {`);
    for (const [k, v] of Object.entries(e.values)) L.push(`\t${prefix}_${upper(k)} = ${v},`);
    L.push('};');
    if (e.texts) {
      L.push(`/* The words for each value: X(value, "text") */`);
      L.push(`#define ${prefix}_TEXTS(X) \\`);
      const keys = Object.keys(e.texts);
      keys.forEach((k, i) => L.push(`\tX(${prefix}_${upper(k)}, ${JSON.stringify(e.texts[k])})${i < keys.length - 1 ? ' \\' : ''}`));
    }
    for (const [g, group] of Object.entries(e.groups ?? {})) {
      L.push(`/* ${group.doc} */`);
      L.push(`#define ${prefix}_IS_${upper(g)}(v) (${group.values.map((k) => `(v) == ${prefix}_${upper(k)}`).join(' || ')})`);
    }
    L.push('');
  }
  L.push('/* Syscalls: X(name, id, nargs, class, model, data format, tracepoint name, IOL_SYSCALL_TRAIT_* bits) */');
  L.push('#define IOL_SYSCALLS(X) \\');
  const sl = schema.syscalls.list;
  sl.forEach((s, i) => {
    const traits = [s.slow && 'IOL_SYSCALL_TRAIT_SLOW', s.args[0]?.[1] === 'fd' && 'IOL_SYSCALL_TRAIT_FD_FIRST'].filter(Boolean).join(' | ') || '0';
    L.push(`\tX(${s.name}, ${s.id}, ${s.args.length}, IOL_SYSCALL_CLASS_${upper(s.class)}, IOL_IO_MODEL_${upper(s.model)}, IOL_DATA_FORMAT_${upper(s.data ?? 'none')}, "${s.tracepoint ?? s.name}", ${traits})${i < sl.length - 1 ? ' \\' : ''}`);
  });
  L.push('');
  L.push(`enum iol_sys {`);
  for (const s of sl) L.push(`\tIOL_SYS_${upper(s.name)} = ${s.id},`);
  L.push(`\tIOL_SYS_MAX = ${Math.max(...sl.map((s) => s.id)) + 1},`);
  L.push('};');
  L.push('');
  L.push(...genSyscallsC(schema));
  L.push('struct iol_stream_header {');
  for (const f of schema.headerLayout.fields) L.push(`\t${cField(f)}`);
  L.push('};');
  L.push(`_Static_assert(sizeof(struct iol_stream_header) == ${schema.headerLayout.size}, "iol_stream_header size");`);
  L.push('');
  L.push('/* Every record starts with this header; size counts the whole record and is a multiple of 8. */');
  L.push('struct iol_rec_hdr {');
  L.push('\t__u16 kind;');
  L.push('\t__u16 size;');
  L.push('};');
  L.push('');
  for (const rec of schema.records) {
    L.push(`/* ${rec.doc} */`);
    L.push(`struct iol_rec_${rec.name} {`);
    L.push('\tstruct iol_rec_hdr hdr;');
    for (const f of rec.fields) L.push(`\t${cField(f)}${f.doc || f.appended ? ` /* ${f.appended ? `appended${f.doc ? ': ' : ''}` : ''}${f.doc ?? ''} */` : ''}`);
    if (rec.tailInfo) {
      const t = rec.tailInfo.type;
      L.push(`\t${t.startsWith('string') ? 'char' : '__u64'} ${rec.tailInfo.name}[]; /* tail: ${t}${rec.tailInfo.doc ? ', ' + rec.tailInfo.doc : ''} */`);
    }
    L.push('};');
    L.push(`#define IOL_REC_${upper(rec.name)}_SIZE ${rec.size}`);
    if (rec.minSize < rec.size) L.push(`#define IOL_REC_${upper(rec.name)}_MIN_SIZE ${rec.minSize} /* records of older tracers end here */`);
    L.push(`_Static_assert(sizeof(struct iol_rec_${rec.name}) == ${rec.size}, "iol_rec_${rec.name} size");`);
    for (const f of rec.fields) {
      L.push(`_Static_assert(__builtin_offsetof(struct iol_rec_${rec.name}, ${f.name}) == ${f.offset}, "iol_rec_${rec.name}.${f.name} offset");`);
    }
    L.push('');
  }
  L.push('#endif /* IOLENS_WIRE_H */');
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------- TypeScript decoder
function tsType(f) {
  if (f.base === 'char') return 'string';
  if (f.base === 'u8' && f.isArray) return 'Uint8Array';
  const t = SCALARS[f.base].ts;
  return f.isArray ? `${t}[]` : t;
}

/** The read of each element of a scalar array field (f.isArray, not char or u8). */
function tsReadElements(f) {
  const get = SCALARS[f.base].get;
  const one = (expr) => (get.startsWith('u64n') || get.startsWith('i64n') || get.startsWith('w64') ? get.replace('o)', `${expr})`) : `v.${get.replace('(o', `(${expr}`)}`);
  return Array.from({ length: f.isArray ? f.count : 1 }, (_, i) => one(`off + ${f.offset}${f.isArray ? ` + ${i * f.elem}` : ''}`));
}

function tsRead(f) {
  const o = `off + ${f.offset}`;
  if (f.base === 'char') return `cstr(v, ${o}, ${f.count})`;
  if (f.base === 'u8' && f.isArray) return `new Uint8Array(v.buffer.slice(v.byteOffset + ${o}, v.byteOffset + ${o} + ${f.count}))`;
  const reads = tsReadElements(f);
  return f.isArray ? `[${reads.join(', ')}]` : reads[0];
}

/**
 * The records a reader may decode into one reused object (a slot) instead of a new one each: the
 * most common kind, whose object and argument array were a large share of a trace's garbage. Their
 * array fields must be of scalars (filled in place).
 */
const SLOT_RECORDS = ['syscall'];

/** The tail's read expression of a record (its tailInfo set). */
function tsReadTail(rec) {
  const t = rec.tailInfo.type;
  const start = `off + ${rec.size}`;
  return t === 'string' ? `cstr(v, ${start}, size - ${rec.size})` : t === 'strings' ? `cstrs(v, ${start}, off + size)` : `u64s(v, ${start}, off + size)`;
}

/** A field's value in a record of an older tracer that ends before it (appended fields). */
function tsZero(f) {
  return SCALARS[f.base]?.ts === 'bigint' ? '0n' : '0';
}

/** The slot class and the decoder into it, of each of SLOT_RECORDS; and RecordSlots. */
function genSlotsTs(schema) {
  const L = [];
  const recs = SLOT_RECORDS.map((name) => schema.records.find((r) => r.name === name));
  for (const rec of recs) {
    const P = pascal(rec.name);
    const T = `${P}Record`;
    const fields = rec.fields.filter((f) => !f.name.startsWith('reserved'));
    for (const f of fields) if (f.isArray && (f.base === 'char' || f.base === 'u8')) throw new Error(`${rec.name}.${f.name}: a slot record's arrays are of scalars`);
    if (rec.tailInfo && rec.tailInfo.type !== 'u64[]' && rec.tailInfo.type !== 'x64[]') throw new Error(`${rec.name}: a slot record's tail is of words`);
    const cached = fields.filter((f) => f.base === 'x64' && !f.isArray);
    L.push('/**');
    L.push(` * A ${rec.name} record decoded into again and again (decode${P}Into): one object for a reader, not one`);
    L.push(' * for each record. Its tail\'s words are made when first read (`tailEquals` compares its bytes');
    L.push(' * without them), its bigint fields reuse a recent value of the same bits (WordCache).');
    L.push(' */');
    L.push(`export class ${P}RecordSlot implements ${T} {`);
    L.push(`  readonly kind = '${rec.name}';`);
    for (const f of fields) L.push(`  ${camel(f.name)}: ${tsType(f)} = ${f.isArray ? `[${Array.from({ length: f.count }, () => tsZero(f)).join(', ')}]` : tsZero(f)};`);
    for (const f of cached) L.push(`  /** Recent values of ${camel(f.name)}. */\n  readonly ${camel(f.name)}Cache = new WordCache();`);
    if (rec.tailInfo) {
      const tail = camel(rec.tailInfo.name);
      L.push('  /** The view the record was decoded from, and its tail\'s bounds in it. */');
      L.push('  tailView: DataView = NO_VIEW;');
      L.push('  tailStart = 0;');
      L.push('  tailEnd = 0;');
      L.push('  /** The tail\'s words once read. */');
      L.push('  private tailWords: readonly bigint[] | undefined = undefined;');
      L.push(`  /** The tail's words (made at the first read of this record's). */`);
      L.push(`  get ${tail}(): readonly bigint[] {`);
      L.push('    return (this.tailWords ??= u64s(this.tailView, this.tailStart, this.tailEnd));');
      L.push('  }');
      L.push('  /** Whether the tail\'s bytes are those `tailCopy` gave, no words made. */');
      L.push('  tailEquals(kept: readonly number[]): boolean {');
      L.push('    return sameU32s(this.tailView, this.tailStart, this.tailEnd, kept);');
      L.push('  }');
      L.push('  /** The tail as a NUL-terminated string (a path), read from its bytes: no words made. */');
      L.push('  tailText(): string {');
      L.push('    return cstr(this.tailView, this.tailStart, this.tailEnd - this.tailStart);');
      L.push('  }');
      L.push('  /** A copy of the tail\'s bytes (as 32-bit words), kept past the record. */');
      L.push('  tailCopy(): readonly number[] {');
      L.push('    return copyU32s(this.tailView, this.tailStart, this.tailEnd);');
      L.push('  }');
      L.push(`  /** Decodes the record of \`size\` bytes at \`off\` into this slot (decode${P}Into). */`);
      L.push('  decode(v: DataView, off: number, size: number): void {');
    } else L.push('  decode(v: DataView, off: number, _size: number): void {');
    for (const f of fields) {
      const name = camel(f.name);
      const read = (expr) => (f.appended ? `size >= ${f.offset + f.size} ? ${expr} : ${tsZero(f)}` : expr);
      if (f.isArray) {
        L.push(`    const ${name} = this.${name};`);
        tsReadElements(f).forEach((r, i) => L.push(`    ${name}[${i}] = ${read(r)};`));
      } else if (f.base === 'x64') L.push(`    this.${name} = ${read(`this.${name}Cache.read(v, off + ${f.offset})`)};`);
      else L.push(`    this.${name} = ${read(tsRead(f))};`);
    }
    if (rec.tailInfo) {
      L.push('    this.tailView = v;');
      L.push(`    this.tailStart = off + ${rec.size};`);
      L.push('    this.tailEnd = off + size;');
      L.push('    this.tailWords = undefined;');
    }
    L.push('  }');
    L.push('}');
    L.push('/**');
    L.push(` * Decodes a ${rec.name} record as decode${P} does, into \`r\`, and returns it: valid until the next record`);
    L.push(' * is decoded into the same slot (and while the bytes it was decoded from are unchanged).');
    L.push(' */');
    L.push(`export function decode${P}Into(v: DataView, off: number, size: number, r: ${P}RecordSlot): ${T} {`);
    L.push('  r.decode(v, off, size);');
    L.push('  return r;');
    L.push('}');
    L.push('');
  }
  L.push('/** One reader\'s slots: the objects its most common records are decoded into (decodeRecord). */');
  L.push('export interface RecordSlots {');
  for (const rec of recs) L.push(`  readonly ${camel(rec.name)}: ${pascal(rec.name)}RecordSlot;`);
  L.push('}');
  L.push('/** New slots for a reader. */');
  L.push('export function recordSlots(): RecordSlots {');
  L.push(`  return { ${recs.map((rec) => `${camel(rec.name)}: new ${pascal(rec.name)}RecordSlot()`).join(', ')} };`);
  L.push('}');
  L.push('');
  return L;
}

function genTs(schema) {
  const L = [];
  L.push('// Generated by protocol/generate.mjs from protocol/schema.json. Do not edit: change the schema and run `npm run generate`.');
  L.push('');
  const helpers = ['copyU32s', 'cstr', 'cstrs', 'i64n', 'NO_VIEW', 'sameU32s', 'setStr', 'setU64', 'setW64', 'tailBytes', 'u64n', 'u64s', 'w64', 'WordCache'];
  if (Object.values(schema.data_formats.list).some((d) => d.isString)) helpers.push('wordsText');
  L.push(`import { ${helpers.sort().join(', ')}, type Word } from '../runtime';`);
  L.push('');
  L.push('export type { Word };');
  L.push('');
  L.push(`/** Schema version written in the stream header. */`);
  L.push(`export const SCHEMA_VERSION = ${schema.version};`);
  L.push(`/** The 8 magic bytes at the start of every stream and trace file. */`);
  L.push(`export const MAGIC: readonly number[] = [${schema.magic.join(', ')}];`);
  L.push(`/** Size of the stream header. */`);
  L.push(`export const HEADER_SIZE = ${schema.headerLayout.size};`);
  L.push(`/** Size of the {kind, size} prefix of every record. */`);
  L.push('export const RECORD_HEADER_SIZE = 4;');
  L.push('');
  for (const [name, e] of Object.entries(schema.enums)) {
    L.push(`/** ${e.doc} */`);
    L.push(`export const ${name} = {`);
    for (const [k, v] of Object.entries(e.values)) L.push(`  ${k}: ${v},`);
    L.push('} as const;');
    L.push(`/** A name of {@link ${name}}. */`);
    L.push(`export type ${name}Name = keyof typeof ${name};`);
    L.push(`/** Reverse map of {@link ${name}}: value to name. */`);
    L.push(`export const ${name}Names: ReadonlyMap<number, ${name}Name> = new Map(Object.entries(${name}).map(([k, v]) => [v, k as ${name}Name]));`);
    if (e.texts) {
      L.push(`/** The words for each value of {@link ${name}}. */`);
      L.push(`export const ${name}Text: ReadonlyMap<number, string> = new Map([`);
      for (const [k, t] of Object.entries(e.texts)) L.push(`  [${e.values[k]}, ${JSON.stringify(t)}],`);
      L.push(']);');
    }
    if (e.groups) {
      L.push(`/** Groups of {@link ${name}}'s values. */`);
      L.push(`export const ${name}Groups = {`);
      for (const [g, group] of Object.entries(e.groups)) {
        L.push(`  /** ${group.doc} */`);
        L.push(`  ${g}: new Set<number>([${group.values.map((k) => `${name}.${k}`).join(', ')}]) as ReadonlySet<number>,`);
      }
      L.push('} as const;');
    }
    L.push('');
  }
  L.push('/** How one syscall argument is shown. */');
  L.push('export interface SyscallArg {');
  L.push('  readonly name: string;');
  L.push('  readonly fmt: ArgFormatName;');
  L.push('}');
  L.push('');
  L.push('/** What iolens knows about a traced syscall. */');
  L.push('export interface SyscallInfo {');
  L.push('  readonly id: number;');
  L.push('  readonly name: SysName;');
  L.push('  readonly class: SyscallClassName;');
  L.push('  readonly model: IoModelName;');
  L.push('  readonly args: readonly SyscallArg[];');
  L.push('  readonly data: DataFormatName;');
  L.push('  readonly opens?: string;');
  L.push('  /** An fd call also recorded, with its stack, when it lasts at least the threshold (SyscallTrait slow). */');
  L.push('  readonly slow?: boolean;');
  L.push('  /** A wait\'s timeout: which argument, and how it is given. */');
  L.push('  readonly timeout?: { readonly arg: number; readonly kind: TimeoutKindName };');
  L.push('}');
  L.push('');
  L.push(...genSyscallsTs(schema));
  L.push('/** iolens syscall ids by name (stable, architecture independent). */');
  L.push('export const Sys = {');
  for (const s of schema.syscalls.list) L.push(`  ${s.name}: ${s.id},`);
  L.push('} as const;');
  L.push('/** A name of {@link Sys}. */');
  L.push('export type SysName = keyof typeof Sys;');
  L.push('');
  L.push('/** The traced syscalls, by iolens syscall id. */');
  L.push('export const SYSCALLS: ReadonlyMap<number, SyscallInfo> = new Map([');
  for (const s of schema.syscalls.list) {
    const args = s.args.map(([n, f]) => `{ name: '${n}', fmt: '${f}' }`).join(', ');
    L.push(`  [${s.id}, { id: ${s.id}, name: '${s.name}', class: '${s.class}', model: '${s.model}', args: [${args}], data: '${s.data ?? 'none'}'${s.opens ? `, opens: '${s.opens}'` : ''}${s.timeout ? `, timeout: { arg: ${s.timeout.index}, kind: '${s.timeout.kind}' }` : ''}${s.slow ? ', slow: true' : ''} }],`);
  }
  L.push(']);');
  L.push('/** The traced syscalls, by name (strace\'s names are the kernel\'s, as the schema\'s are). */');
  L.push('export const SYSCALLS_BY_NAME: ReadonlyMap<string, SyscallInfo> = new Map([...SYSCALLS.values()].map((s) => [s.name, s]));');
  L.push('');
  L.push('/** The stream header. */');
  L.push('export interface StreamHeader {');
  for (const f of schema.headerLayout.fields) L.push(`  ${camel(f.name)}: ${tsType(f)};`);
  L.push('}');
  L.push('');
  L.push('/** Decodes the stream header at `off`; the caller checks that HEADER_SIZE bytes are there. */');
  L.push('export function decodeHeader(v: DataView, off: number): StreamHeader {');
  L.push('  return {');
  for (const f of schema.headerLayout.fields) L.push(`    ${camel(f.name)}: ${tsRead(f)},`);
  L.push('  };');
  L.push('}');
  L.push('');
  for (const rec of schema.records) {
    const T = pascal(rec.name) + 'Record';
    L.push(`/** ${rec.doc} */`);
    L.push(`export interface ${T} {`);
    L.push(`  readonly kind: '${rec.name}';`);
    for (const f of rec.fields) {
      if (f.name.startsWith('reserved')) continue;
      if (f.doc || f.appended) L.push(`  /** ${f.doc ?? ''}${f.appended ? ' (0 in records of older tracers, which end before it)' : ''} */`);
      L.push(`  readonly ${camel(f.name)}: ${tsType(f)};`);
    }
    if (rec.tailInfo) {
      const t = rec.tailInfo.type;
      if (rec.tailInfo.doc) L.push(`  /** ${rec.tailInfo.doc} */`);
      L.push(`  readonly ${camel(rec.tailInfo.name)}: ${t === 'string' ? 'string' : t === 'strings' ? 'string[]' : 'readonly bigint[]'};`);
    }
    L.push('}');
    L.push(`/** Fixed size of a ${rec.name} record, tail excluded. */`);
    L.push(`export const ${upper(rec.name)}_SIZE = ${rec.size};`);
    L.push(`/** Byte offsets of the ${rec.name} record's fields, for readers that skip full decoding. */`);
    L.push(`export const ${pascal(rec.name)}Offsets = { ${rec.fields.map((f) => `${camel(f.name)}: ${f.offset}`).join(', ')} } as const;`);
    L.push(`/** Decodes a ${rec.name} record of \`size\` bytes at \`off\` (size already checked against ${upper(rec.name)}_SIZE). */`);
    L.push(`export function decode${pascal(rec.name)}(v: DataView, off: number, ${rec.tailInfo || rec.minSize < rec.size ? 'size' : '_size'}: number): ${T} {`);
    L.push('  return {');
    L.push(`    kind: '${rec.name}',`);
    for (const f of rec.fields) {
      if (f.name.startsWith('reserved')) continue;
      // an appended field is 0 in a record written before it existed
      L.push(`    ${camel(f.name)}: ${f.appended ? `size >= ${f.offset + f.size} ? ${tsRead(f)} : ${tsZero(f)}` : tsRead(f)},`);
    }
    if (rec.tailInfo) L.push(`    ${camel(rec.tailInfo.name)}: ${tsReadTail(rec)},`);
    L.push('  };');
    L.push('}');
    L.push('');
  }
  for (const rec of schema.records) {
    const T = pascal(rec.name) + 'Record';
    L.push(`/** Encodes a ${rec.name} record (reserved fields zero, tail padded to 8 bytes). */`);
    const appended = rec.fields.filter((f) => f.appended && !f.name.startsWith('reserved')).map((f) => `'${camel(f.name)}'`);
    // appended fields may be left out (0): encoding a record as an older tracer wrote it
    const input = appended.length ? `Omit<${T}, 'kind' | ${appended.join(' | ')}> & Partial<Pick<${T}, ${appended.join(' | ')}>>` : `Omit<${T}, 'kind'>`;
    L.push(`export function encode${pascal(rec.name)}(r: ${input}): Uint8Array {`);
    if (rec.tailInfo) {
      const t = rec.tailInfo.type === 'x64[]' ? 'u64[]' : rec.tailInfo.type;
      L.push(`  const tail = tailBytes('${t}', r.${camel(rec.tailInfo.name)});`);
    } else {
      L.push('  const tail = new Uint8Array(0);');
    }
    L.push(`  const size = (${rec.size} + tail.length + 7) & ~7;`);
    L.push('  if (size > 0xfff8) throw new RangeError(`record of ${size} bytes is larger than a record can be`);');
    L.push('  const buf = new Uint8Array(size);');
    L.push('  const v = new DataView(buf.buffer);');
    L.push(`  v.setUint16(0, ${rec.kind}, true);`);
    L.push('  v.setUint16(2, size, true);');
    for (const f of rec.fields) {
      if (f.name.startsWith('reserved')) continue;
      const n = f.appended ? `(r.${camel(f.name)} ?? ${SCALARS[f.base]?.ts === 'bigint' ? '0n' : '0'})` : `r.${camel(f.name)}`;
      const o = f.offset;
      if (f.base === 'char') { L.push(`  setStr(v, ${o}, ${f.count}, ${n});`); continue; }
      if (f.base === 'u8' && f.isArray) { L.push(`  buf.set(${n}.subarray(0, ${f.count}), ${o});`); continue; }
      const one = (expr, off) => {
        switch (f.base) {
          case 'u8': return `v.setUint8(${off}, ${expr});`;
          case 'i8': return `v.setInt8(${off}, ${expr});`;
          case 'u16': return `v.setUint16(${off}, ${expr}, true);`;
          case 'i16': return `v.setInt16(${off}, ${expr}, true);`;
          case 'u32': return `v.setUint32(${off}, ${expr}, true);`;
          case 'i32': return `v.setInt32(${off}, ${expr}, true);`;
          case 'u64': case 'i64': return `setU64(v, ${off}, ${expr});`;
          case 'x64': return `v.setBigUint64(${off}, BigInt.asUintN(64, ${expr}), true);`;
          case 'w64': return `setW64(v, ${off}, ${expr});`;
        }
      };
      if (f.isArray) {
        for (let i = 0; i < f.count; i++) L.push(`  ${one(`${n}[${i}] ?? ${SCALARS[f.base].ts === 'bigint' ? '0n' : '0'}`, o + i * f.elem)}`);
      } else {
        L.push(`  ${one(n, o)}`);
      }
    }
    L.push(`  buf.set(tail, ${rec.size});`);
    L.push('  return buf;');
    L.push('}');
    L.push('');
  }
  L.push('/** Encodes a stream header for the current schema version. */');
  L.push('export function encodeHeader(): Uint8Array {');
  L.push('  const buf = new Uint8Array(HEADER_SIZE);');
  L.push('  const v = new DataView(buf.buffer);');
  L.push('  buf.set(MAGIC, 0);');
  L.push('  v.setUint16(8, SCHEMA_VERSION, true);');
  L.push('  v.setUint16(10, HEADER_SIZE, true);');
  L.push('  return buf;');
  L.push('}');
  L.push('');
  L.push('/** Any record this schema version knows. */');
  L.push(`export type WireRecord = ${schema.records.map((r) => pascal(r.name) + 'Record').join(' | ')};`);
  L.push('');
  L.push('/** Minimum size of each known record kind (its fixed part). */');
  L.push('export const RECORD_MIN_SIZE: ReadonlyMap<number, number> = new Map([');
  for (const rec of schema.records) L.push(`  [${rec.kind}, ${rec.minSize}],`);
  L.push(']);');
  L.push('');
  L.push(...genSlotsTs(schema));
  L.push('/** Where the u64 `ts` field (monotonic ns) sits in each record kind that has one. */');
  L.push('export const RECORD_TS_OFFSET: ReadonlyMap<number, number> = new Map([');
  for (const rec of schema.records) {
    const ts = rec.fields.find((f) => f.name === 'ts');
    if (ts) L.push(`  [${rec.kind}, ${ts.offset}],`);
  }
  L.push(']);');
  L.push('');
  L.push('/**');
  L.push(' * Decodes the record of kind `kind` and `size` bytes at `off`, or returns undefined for a kind this');
  L.push(' * version does not know (readers skip it). The caller checks size >= RECORD_MIN_SIZE. With `slots`,');
  L.push(' * the kinds they hold are decoded into them: such a record is valid until the next one of its kind.');
  L.push(' */');
  L.push('export function decodeRecord(v: DataView, off: number, kind: number, size: number, slots?: RecordSlots): WireRecord | undefined {');
  L.push('  switch (kind) {');
  for (const rec of schema.records) {
    const P = pascal(rec.name);
    const slot = SLOT_RECORDS.includes(rec.name) ? `slots ? decode${P}Into(v, off, size, slots.${camel(rec.name)}) : ` : '';
    L.push(`    case ${rec.kind}: return ${slot}decode${P}(v, off, size);`);
  }
  L.push('    default: return undefined;');
  L.push('  }');
  L.push('}');
  return L.join('\n') + '\n';
}

function main() {
  const schema = loadSchema();
  const outputs = [
    [cPath, genC(schema)],
    [tsPath, genTs(schema)],
  ];
  if (process.argv.includes('--check')) {
    let stale = 0;
    for (const [path, text] of outputs) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        /* missing counts as stale */
      }
      if (current !== text) {
        console.error(`${path} is out of date with protocol/schema.json: run \`npm run generate\` and commit the result.`);
        stale++;
      }
    }
    process.exit(stale ? 1 : 0);
  }
  mkdirSync(outDir, { recursive: true });
  for (const [path, text] of outputs) writeFileSync(path, text);
  console.log(`wrote ${outputs.map(([p]) => p.slice(here.length + 1)).join(', ')}`);
}

try {
  main();
} catch (e) {
  console.error(`protocol/schema.json: ${e.message}`);
  process.exit(2);
}
