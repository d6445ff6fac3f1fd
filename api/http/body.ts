import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../domain/shared/errors.js';

/**
 * Reads and parses JSON bodies defensively: a byte limit enforced while streaming (413),
 * only JSON media types (415), a nesting-depth limit checked on the raw text *before*
 * JSON.parse so a 10,000-deep body costs one linear scan (400), and malformed JSON (400).
 * An empty body is read as `{}` so command endpoints without fields accept a bare POST.
 */
export interface BodyOptions {
  readonly limitBytes: number;
  readonly maxDepth: number;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Maximum nesting of arrays/objects in JSON text, ignoring brackets inside strings. */
export function jsonNestingDepth(text: string, stopAbove: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > max) max = depth;
      if (max > stopAbove) return max;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

/** application/json or any type/subtype+json, parameters (charset) ignored: what type-is matched, without parsing per request. */
export function isJsonMediaType(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return essence === 'application/json' || (/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(essence));
}

export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.trim() === '') return {};
  if (jsonNestingDepth(text, maxDepth) > maxDepth) {
    throw new ValidationError(`JSON nesting is deeper than ${maxDepth} levels`, [{ path: '(body)', message: `nesting deeper than ${maxDepth}` }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unparseable';
    throw new ValidationError(`malformed JSON body: ${reason}`, [{ path: '(body)', message: 'malformed JSON' }]);
  }
}

export function bodyMiddleware(options: BodyOptions) {
  return async function readJsonBody(ctx: Context, next: Next): Promise<void> {
    if (!METHODS_WITH_BODY.has(ctx.method)) return next();
    const declaredLength = Number(ctx.get('content-length') || '0');
    if (declaredLength > options.limitBytes) throw new PayloadTooLargeError(options.limitBytes);
    const hasBody = declaredLength > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !isJsonMediaType(ctx.get('content-type'))) throw new UnsupportedMediaTypeError(ctx.get('content-type') || '(none)');
    let text = '';
    if (hasBody) {
      try {
        text = await getRawBody(ctx.req, { limit: options.limitBytes, length: ctx.get('content-length') || undefined, encoding: 'utf8' });
      } catch (error) {
        if ((error as { type?: string }).type === 'entity.too.large') throw new PayloadTooLargeError(options.limitBytes);
        throw new ValidationError(`could not read the request body: ${(error as Error).message}`);
      }
    }
    ctx.state.body = parseJsonBody(text, options.maxDepth);
    return next();
  };
}
