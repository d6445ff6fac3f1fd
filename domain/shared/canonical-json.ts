/**
 * RFC 8785 (JSON Canonicalization Scheme) for the JSON values events are made of: object
 * keys sorted by UTF-16 code units, no whitespace, strings and numbers serialised as
 * ECMAScript's JSON.stringify does. It gives exactly the output of the `canonicalize`
 * package (the tests compare the two), and refuses the same inputs (NaN, Infinity, lone
 * surrogates), but is several times faster on the gateway's hot path, where every recorded
 * request is hashed: the package scans every string character by character in JavaScript
 * and tracks visited objects; here a native regex screens strings, and event data cannot be
 * circular (it comes from JSON or from the deciders). Most strings of an event (ids, names, ISO
 * times, hex hashes) are printable ASCII without a quote or backslash, which JSON writes as
 * they are: those skip the surrogate screen and the call into JSON.stringify (a third of the
 * time per usage event, measured). A finite number's String() is its JSON form (both are
 * ECMAScript's Number::toString).
 */
const PRINTABLE_ASCII_AS_IS = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function canonicalString(value: string): string {
  if (PRINTABLE_ASCII_AS_IS.test(value)) return `"${value}"`;
  if (ANY_SURROGATE.test(value) && LONE_SURROGATE.test(value)) throw new Error('Lone surrogate is not allowed');
  return JSON.stringify(value);
}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(Number.isNaN(value) ? 'NaN is not allowed' : 'Infinity is not allowed');
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      // undefined, functions, symbols and bigints have no JSON form (as JSON.stringify: undefined).
      return JSON.stringify(value) as string;
  }
  if (value === null) return 'null';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (item === undefined || typeof item === 'symbol' ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    out += `${first ? '' : ','}${canonicalString(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}
