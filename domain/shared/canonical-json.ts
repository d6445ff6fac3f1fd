/**
 * RFC 8785 (JSON Canonicalization Scheme) for the JSON values events are made of: object
 * keys sorted by UTF-16 code units, no whitespace, strings and numbers serialised as
 * ECMAScript's JSON.stringify does. It gives exactly the output of the `canonicalize`
 * package (the tests compare the two), and refuses the same inputs (NaN, Infinity, lone
 * surrogates), but is several times faster on the gateway's hot path, where every recorded
 * request is hashed twice (its content and its usage event).
 *
 * Two paths. A document whose objects already list their keys in order (the ones built per
 * request are written that way) is one native JSON.stringify call, after an allocation-free
 * walk that checks the order (inCanonicalOrder). Anything else is concatenated value by value
 * (generalCanonicalJson): there a native regex screens strings, and event data cannot be
 * circular (it comes from JSON or from the deciders). Most strings of an event (ids, names, ISO
 * times, hex hashes) are printable ASCII without a quote or backslash, which JSON writes as
 * they are: those skip the surrogate screen and the call into JSON.stringify. A finite
 * number's String() is its JSON form (both are ECMAScript's Number::toString).
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
  if (inCanonicalOrder(value, 0)) {
    const json = JSON.stringify(value);
    // Well-formed JSON.stringify escapes a lone surrogate as \udXXX, which RFC 8785 refuses: the general path throws for it.
    // (Text that merely contains a backslash followed by "ud" also lands there, and comes out the same.)
    if (!json.includes('\\ud')) return json;
  }
  return generalCanonicalJson(value);
}

/** Deeper documents take the general path (which recurses anyway), so the check cannot overflow the stack first. */
const MAX_FAST_DEPTH = 64;

/**
 * Whether JSON.stringify already writes `value` canonically: only plain JSON values (no
 * undefined, functions, symbols, bigints or toJSON), finite numbers, and every object's keys
 * in code-unit order. Then its output is RFC 8785's, since both serialise strings and numbers
 * as ECMAScript does; one native call replaces a concatenation per value. The documents the
 * gateway hashes per request are built with their keys in that order (sealEvents,
 * recordOutcome, promptMessagesOf); anything else takes the general path. The walk reads
 * keys with for-in, which allocates nothing; an inherited enumerable key (which JSON.stringify
 * skips) could only make the order check fail, never pass wrongly, since the own keys are a
 * subsequence of what for-in lists.
 */
function inCanonicalOrder(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > MAX_FAST_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!inCanonicalOrder(value[i], depth + 1)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  let previous: string | null = null;
  for (const key in record) {
    if (previous !== null && previous >= key) return false;
    previous = key;
    if (!inCanonicalOrder(record[key], depth + 1)) return false;
  }
  return true;
}

function generalCanonicalJson(value: unknown): string {
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
  if (typeof withJson.toJSON === 'function') return generalCanonicalJson(withJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (item === undefined || typeof item === 'symbol' ? 'null' : generalCanonicalJson(item));
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of sortedKeys(record)) {
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    out += `${first ? '' : ','}${canonicalString(key)}:${generalCanonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The object's keys in UTF-16 code-unit order, sorted only when they are not already: sorting
 * copies the array into a scratch area. A document that misses the one-call path for one
 * object (say, a control-plane event's data inside a sealed envelope) still has its other
 * objects (the envelope, the metadata) in order.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}
