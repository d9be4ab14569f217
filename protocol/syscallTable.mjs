// The syscall side of protocol/schema.json for protocol/generate.mjs: the syscall table, argument
// formats, wait timeouts, the tail words of each DataFormat and shared constants — checked, then
// written as C (both tracer backends, clang-bpf and gcc alike) and as TypeScript (the reader).

const upper = (s) => s.toUpperCase();
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());

/** Bits of each packed field type. */
const FIELD_BITS = { u16: 16, i16: 16, u32: 32, i32: 32, u64: 64, i64: 64, x64: 64, str: 64 };
const C_TYPE = { u16: '__u16', i16: '__s16', u32: '__u32', i32: '__s32', u64: '__u64', i64: '__s64', x64: '__u64' };
const C_UNSIGNED = { u16: '__u16', i16: '__u16', u32: '__u32', i32: '__u32', u64: '__u64', i64: '__u64', x64: '__u64' };
const INLINE = 'static inline __attribute__((always_inline))';

/** "signo:u32 code:i32" -> [{ name, type, shift, bits }]. */
function parseWord(fmtName, text) {
  let shift = 0;
  const fields = text.split(/\s+/).map((part) => {
    const [name, type] = part.split(':');
    const bits = FIELD_BITS[type];
    if (!name || !bits) throw new Error(`data format ${fmtName}: bad field "${part}"`);
    const f = { name, type, shift, bits };
    shift += bits;
    return f;
  });
  if (shift > 64) throw new Error(`data format ${fmtName}: "${text}" does not fit in a word`);
  return fields;
}

/** Checks the syscall parts of the schema and annotates them for the writers. Throws with the reason. */
export function checkSyscalls(schema) {
  const argFormats = schema.arg_formats.list;
  const timeoutKinds = schema.enums.TimeoutKind.values;
  for (const [name, f] of Object.entries(argFormats)) {
    if (f.timeout && !(f.timeout in timeoutKinds)) throw new Error(`arg format ${name}: timeout ${f.timeout}`);
  }
  for (const s of schema.syscalls.list) {
    s.timeout = null;
    s.args.forEach(([arg, fmt], index) => {
      const f = argFormats[fmt];
      if (!f) throw new Error(`${s.name}.${arg}: unknown arg format ${fmt} (add it to arg_formats)`);
      if (!f.timeout) return;
      if (s.timeout) throw new Error(`${s.name}: two timeout arguments`);
      s.timeout = { index, kind: f.timeout };
    });
    s.cstr = s.args.findIndex(([, fmt]) => fmt === 'cstr');
    s.loff = s.args.flatMap(([, fmt], i) => (fmt === 'loff_ptr' ? [i] : []));
    if (s.slow && s.class !== 'fd') throw new Error(`${s.name}: slow is a trait of fd calls (the others have a class that says when they are sent)`);
    if (s.data === 'path' && s.cstr < 0) throw new Error(`${s.name}: the path tail needs a cstr argument`);
    if (s.data === 'file_offsets' && (s.loff.length < 1 || s.loff.length > 2)) throw new Error(`${s.name}: file_offsets needs one or two loff_ptr arguments`);
  }
  const formats = schema.enums.DataFormat.values;
  const layouts = schema.data_formats.list;
  schema.maxDataWords = 0;
  for (const name of Object.keys(formats)) {
    if (name === 'none') continue;
    const d = layouts[name];
    if (!d) throw new Error(`DataFormat ${name} has no entry in data_formats`);
    d.fixed = d.words.map((w) => parseWord(name, w));
    d.group = (d.each ?? []).map((w) => parseWord(name, w));
    if (d.group.length && !(d.max > 0)) throw new Error(`data format ${name}: each needs a max`);
    const str = [...d.fixed, ...d.group].flat().filter((f) => f.type === 'str');
    if (str.length && (d.fixed.length !== 1 || d.group.length || d.fixed[0].length !== 1 || !(d.max > 0))) {
      throw new Error(`data format ${name}: a str field is the whole tail (one word, with max words)`);
    }
    d.isString = str.length > 0;
    d.maxWords = d.isString ? d.max : d.fixed.length + d.group.length * (d.max ?? 0);
    schema.maxDataWords = Math.max(schema.maxDataWords, d.maxWords);
  }
  for (const name of Object.keys(layouts)) if (!(name in formats)) throw new Error(`data_formats ${name} is not a DataFormat`);
  return schema;
}

function constValue(c) {
  if (c.type === 'string') return JSON.stringify(c.value);
  if (c.type === 'u64') return `${c.value}ULL`;
  return c.value < 0 ? `(${c.value})` : String(c.value);
}

/** One word's packer: the fields shifted into place. */
function cPacker(fmt, fields, group) {
  const fn = `iol_pack_${fmt}_${fields.map((f) => f.name).join('_')}`;
  const params = fields.map((f) => `${C_TYPE[f.type]} ${f.name}`).join(', ');
  const body = fields.map((f) => `(__u64)(${C_UNSIGNED[f.type]})${f.name}${f.shift ? ` << ${f.shift}` : ''}`).join(' | ');
  return [`/* ${group ? 'each item' : 'a word'} of ${fmt}: ${fields.map((f) => `${f.name} (${f.type}, bits ${f.shift}..${f.shift + f.bits - 1})`).join(', ')} */`, `${INLINE} __u64 ${fn}(${params})`, '{', `\treturn ${body};`, '}'];
}

/** C: constants, the timeout table, and each data format's word indexes and packers. */
export function genSyscallsC(schema) {
  const L = [];
  for (const [name, c] of Object.entries(schema.constants.list)) {
    L.push(`/* ${c.doc} */`);
    L.push(`#define IOL_${upper(name)} ${constValue(c)}`);
  }
  L.push('');
  L.push('/* The argument holding a wait\'s timeout: its index in *index and how it is given (IOL_TIMEOUT_KIND_*),');
  L.push(' * IOL_TIMEOUT_KIND_NONE when the syscall has none. */');
  L.push(`${INLINE} __u8 iol_timeout_arg(__u16 sys, __u8 *index)`);
  L.push('{');
  L.push('\tswitch (sys) {');
  for (const s of schema.syscalls.list.filter((x) => x.timeout)) {
    L.push(`\tcase IOL_SYS_${upper(s.name)}:`);
    L.push(`\t\t*index = ${s.timeout.index};`);
    L.push(`\t\treturn IOL_TIMEOUT_KIND_${upper(s.timeout.kind)};`);
  }
  L.push('\tdefault:');
  L.push('\t\t*index = 0;');
  L.push('\t\treturn IOL_TIMEOUT_KIND_NONE;');
  L.push('\t}');
  L.push('}');
  L.push('');
  L.push('/* The argument of `sys` that is a user string (arg format cstr), -1 when none. */');
  L.push(`${INLINE} int iol_cstr_arg(__u16 sys)`);
  L.push('{');
  L.push('\tswitch (sys) {');
  for (const s of schema.syscalls.list.filter((x) => x.cstr >= 0)) L.push(`\tcase IOL_SYS_${upper(s.name)}:`, `\t\treturn ${s.cstr};`);
  L.push('\tdefault:', '\t\treturn -1;', '\t}', '}');
  L.push('');
  L.push('/* The nth (0, 1) loff_t * argument of `sys` (arg format loff_ptr), -1 when none. */');
  L.push(`${INLINE} int iol_loff_arg(__u16 sys, int nth)`);
  L.push('{');
  L.push('\tswitch (sys) {');
  for (const s of schema.syscalls.list.filter((x) => x.loff.length)) {
    L.push(`\tcase IOL_SYS_${upper(s.name)}:`, `\t\treturn nth == 0 ? ${s.loff[0]} : ${s.loff.length > 1 ? `nth == 1 ? ${s.loff[1]} : -1` : '-1'};`);
  }
  L.push('\tdefault:', '\t\treturn -1;', '\t}', '}');
  L.push('');
  L.push('/* Tail words of syscall records (data_formats): IOL_DATA_<FORMAT>_<FIELD> is the word a field is in,');
  L.push(' * _WORDS the fixed words, _EACH the words of a repeated item (item i\'s field: _<FIELD>_AT(i)), _MAX');
  L.push(' * the most items; iol_pack_<format>_<fields> packs a word. */');
  L.push(`#define IOL_DATA_MAX_WORDS ${schema.maxDataWords}`);
  for (const [fmt, d] of Object.entries(schema.data_formats.list)) {
    const F = `IOL_DATA_${upper(fmt)}`;
    L.push(`/* ${fmt}: ${d.doc} */`);
    L.push(`#define ${F}_WORDS ${d.isString ? 0 : d.fixed.length}`);
    if (d.isString) {
      L.push(`#define ${F}_MAX_BYTES ${8 * d.max}`);
      continue;
    }
    d.fixed.forEach((w, i) => w.forEach((f) => L.push(`#define ${F}_${upper(f.name)} ${i}`)));
    if (d.group.length) {
      L.push(`#define ${F}_EACH ${d.group.length}`);
      L.push(`#define ${F}_MAX ${d.max}`);
      d.group.forEach((w, i) => w.forEach((f) => L.push(`#define ${F}_${upper(f.name)}_AT(i) (${d.fixed.length} + ${d.group.length} * (i) + ${i})`)));
    }
    for (const w of [...d.fixed, ...d.group]) if (w.length > 1 || w[0].bits < 64) L.push(...cPacker(fmt, w, d.group.includes(w)));
  }
  L.push('');
  return L;
}

/** How a field of a word is decoded in TypeScript, from the word expression `w`. */
function tsField(f, w) {
  const shifted = f.shift ? `(${w} >> ${f.shift}n)` : w;
  switch (f.type) {
    case 'u16': return { type: 'number', expr: `Number(${shifted} & 0xffffn)` };
    case 'i16': return { type: 'number', expr: `Number(BigInt.asIntN(16, ${shifted}))` };
    case 'u32': return { type: 'number', expr: `Number(${shifted} & 0xffffffffn)` };
    case 'i32': return { type: 'number', expr: `Number(BigInt.asIntN(32, ${shifted}))` };
    case 'i64': return { type: 'bigint', expr: `BigInt.asIntN(64, ${w})` };
    default: return { type: 'bigint', expr: w };
  }
}

/** TypeScript: constants, argument formats, timeouts in the syscall table, data-format decoders. */
export function genSyscallsTs(schema) {
  const L = [];
  for (const [name, c] of Object.entries(schema.constants.list)) {
    L.push(`/** ${c.doc} */`);
    L.push(`export const ${upper(name)} = ${c.type === 'u64' ? `${c.value}n` : c.type === 'string' ? `'${c.value}'` : c.value};`);
  }
  L.push('');
  L.push('/** How an argument format is shown: a pointer (hex, left out of event lines), a wait\'s timeout. */');
  L.push('export interface ArgFormatInfo {');
  L.push('  readonly pointer: boolean;');
  L.push('  readonly timeout: TimeoutKindName;');
  L.push('}');
  L.push('/** The argument formats of the syscall table. */');
  L.push('export const ARG_FORMATS = {');
  for (const [name, f] of Object.entries(schema.arg_formats.list)) {
    L.push(`  /** ${f.doc} */`);
    L.push(`  ${name}: { pointer: ${f.pointer === true}, timeout: '${f.timeout ?? 'none'}' },`);
  }
  L.push('} as const satisfies Record<string, ArgFormatInfo>;');
  L.push('/** A name of {@link ARG_FORMATS}. */');
  L.push('export type ArgFormatName = keyof typeof ARG_FORMATS;');
  L.push('');
  for (const [fmt, d] of Object.entries(schema.data_formats.list)) {
    const T = `${pascal(fmt)}Data`;
    const fields = d.fixed.flatMap((w, i) => w.map((f) => ({ ...f, word: i })));
    L.push(`/** The ${fmt} tail: ${d.doc} */`);
    L.push(`export interface ${T} {`);
    if (d.isString) {
      L.push(`  readonly ${camel(fields[0].name)}: string;`);
    } else {
      for (const f of fields) L.push(`  readonly ${camel(f.name)}?: ${tsField(f, 'w').type};`);
      if (d.group.length) {
        const items = d.group.flatMap((w) => w.map((f) => `${camel(f.name)}: ${tsField(f, 'w').type}`));
        L.push(`  readonly items: { readonly ${items.join('; readonly ')} }[];`);
      }
    }
    L.push('}');
    L.push(`/** Decodes the ${fmt} tail of a syscall record (words missing from a short tail are left out). */`);
    L.push(`export function decode${T}(w: readonly bigint[]): ${T} {`);
    if (d.isString) {
      L.push(`  return { ${camel(fields[0].name)}: wordsText(w) };`);
    } else {
      L.push(`  const out: { -readonly [K in keyof ${T}]: ${T}[K] } = {${d.group.length ? ' items: [] ' : ''}};`);
      for (const f of fields) L.push(`  if (w.length > ${f.word}) out.${camel(f.name)} = ${tsField(f, `w[${f.word}]`).expr};`);
      if (d.group.length) {
        const n = d.group.length;
        L.push(`  for (let i = ${d.fixed.length}; i + ${n} <= w.length; i += ${n}) {`);
        const items = d.group.flatMap((w, k) => w.map((f) => `${camel(f.name)}: ${tsField(f, `w[i + ${k}]`).expr}`));
        L.push(`    out.items.push({ ${items.join(', ')} });`);
        L.push('  }');
      }
      L.push('  return out;');
    }
    L.push('}');
    L.push('');
  }
  return L;
}
