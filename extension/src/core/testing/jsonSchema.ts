/**
 * A JSON Schema checker for the subset docs/report.schema.json uses (type, const, enum, required,
 * properties, additionalProperties, items, propertyNames, minimum, maxItems, local $ref). The
 * team's dependencies have no schema validator; this is enough for the tests that hold the report
 * to its published schema.
 */

/** A (sub)schema. */
export type Schema = { [key: string]: unknown };

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

/** Every violation of `schema` by `value`, as "path: problem" (empty when it conforms). */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  const errs: string[] = [];
  if (typeof schema.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m ? (root.$defs as Record<string, Schema> | undefined)?.[m[1]] : undefined;
    if (!target) return [`${path}: unresolvable $ref ${schema.$ref}`];
    return validate(value, target, root, path);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(value, t))) return [`${path}: ${typeOf(value)} is not ${types.join(' or ')}`];
  }
  if ('const' in schema && value !== schema.const) errs.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value as never)) errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) errs.push(`${path}: ${value} < ${schema.minimum}`);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errs.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => errs.push(...validate(v, schema.items as Schema, root, `${path}[${i}]`)));
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? []) if (!(k in obj)) errs.push(`${path}: missing ${k}`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (schema.propertyNames) errs.push(...validate(k, schema.propertyNames as Schema, root, `${path} key ${k}`));
      if (props[k]) errs.push(...validate(v, props[k], root, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: unexpected ${k}`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errs.push(...validate(v, schema.additionalProperties as Schema, root, `${path}.${k}`));
    }
  }
  return errs;
}
