import { expect } from 'chai';
import canonicalize from 'canonicalize';
import { describe, it } from 'mocha';
import { canonicalJson } from '../../../domain/shared/canonical-json.js';

/** The hash chain depends on this output byte for byte: it must equal the reference implementation's. */
describe('canonical JSON (RFC 8785)', () => {
  const samples: unknown[] = [
    null,
    true,
    0,
    -0,
    1e21,
    1.5e-7,
    123456789.125,
    'plain',
    'quote " backslash \\ newline \n tab \t control \u0001 emoji 😀 accents é',
    ' !#[]^~/ printable ASCII at the edges of the as-is range, and DEL \u007f',
    'inference-bench.019ac4b0-3c1e-7d2a-9f00-5a4b3c2d1e0f',
    -1e-7,
    5e-324,
    1.7976931348623157e308,
    0.1 + 0.2,
    [],
    {},
    [1, 'two', null, { b: 1, a: [true, false] }],
    { z: 1, a: 2, A: 3, 'é': 5, 'e\u0301': 4, '\ud83d\ude00': 6, '': 7, nested: { y: [{ k: 'v', j: undefined }], x: null } },
    { skipped: undefined, kept: 0 },
    [undefined, 1],
    { date: new Date('2026-11-27T00:00:00Z') },
  ];

  for (const sample of samples) {
    it(`matches the canonicalize package for ${JSON.stringify(sample) ?? String(sample)}`, () => {
      expect(canonicalJson(sample)).to.equal(canonicalize(sample));
    });
  }

  it('matches it on random event-shaped documents', () => {
    const tricky = ['"', '\\', '\n', '\u0001', '\u001f', '\u007f', '\u0080', 'é', '😀', '/', ' ', '~', 'a'];
    const trickyWord = () => Array.from({ length: Math.floor(Math.random() * 6) }, () => tricky[Math.floor(Math.random() * tricky.length)]).join('');
    const word = () => (Math.random() < 0.2 ? trickyWord() : Math.random().toString(36).slice(2, 2 + Math.floor(Math.random() * 8)));
    const value = (depth: number): unknown => {
      const pick = Math.floor(Math.random() * (depth > 3 ? 4 : 6));
      if (pick === 0) return Math.round(Math.random() * 1e9) / (Math.random() < 0.5 ? 1 : 1000);
      if (pick === 1) return word();
      if (pick === 2) return Math.random() < 0.5;
      if (pick === 3) return null;
      if (pick === 4) return Array.from({ length: Math.floor(Math.random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(Math.random() * 5) }, () => [word(), value(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const sample = value(0);
      expect(canonicalJson(sample)).to.equal(canonicalize(sample));
    }
  });

  it('matches it on random documents whose keys are already in order (the one-call path)', () => {
    const tricky = ['"', '\\', '\\ud83d', '\n', '\u0001', '\u007f', 'é', '😀', '/', 'a'];
    const word = () => Array.from({ length: Math.floor(Math.random() * 5) }, () => tricky[Math.floor(Math.random() * tricky.length)]).join('');
    const value = (depth: number): unknown => {
      const pick = Math.floor(Math.random() * (depth > 3 ? 4 : 6));
      if (pick === 0) return Math.random() < 0.5 ? -0 : Math.round(Math.random() * 1e12) / 997;
      if (pick === 1) return word();
      if (pick === 2) return Math.random() < 0.5;
      if (pick === 3) return null;
      if (pick === 4) return Array.from({ length: Math.floor(Math.random() * 4) }, () => value(depth + 1));
      const keys = [...new Set(Array.from({ length: Math.floor(Math.random() * 5) }, word))].sort();
      return Object.fromEntries(keys.map((key) => [key, value(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const sample = value(0);
      expect(canonicalJson(sample)).to.equal(canonicalize(sample));
    }
  });

  it('sorts what only looks ordered to JSON.stringify: integer-like keys, toJSON results, nested objects out of order', () => {
    const samples: unknown[] = [
      { '9': 'nine', '10': 'ten', a: 1 },
      { a: { toJSON: () => ({ z: 1, b: 2 }) } },
      { a: [{ y: 1, x: 2 }], b: 0 },
      { a: 1, b: { d: 1, c: 2 } },
    ];
    for (const sample of samples) expect(canonicalJson(sample)).to.equal(canonicalize(sample));
  });

  it('refuses what the reference refuses', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 'lone \ud800 surrogate', { k: '\udc00' }, ['\ud83d'], { a: 1, b: Number.NaN }, { a: ['ok', 'x\ud800'] }, { a: { '\udc00': 1 } }]) {
      expect(() => canonicalJson(bad)).to.throw();
      expect(() => canonicalize(bad)).to.throw();
    }
  });
});
