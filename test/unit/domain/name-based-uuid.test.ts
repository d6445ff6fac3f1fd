import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { v5 } from 'uuid';
import { nameBasedUuid } from '../../../domain/shared/name-based-uuid.js';

describe('nameBasedUuid (UUID v5)', () => {
  const namespace = '6f0e7f4e-2d54-4f38-9a37-6c1a5e0b7a11';
  const ofName = nameBasedUuid(namespace);

  it('gives the uuid package’s v5 for the same namespace and name', () => {
    const names = ['', 'a', `${randomUUID()}#0`, `${randomUUID()}#17`, 'tenant:acme|POST /admin/tenants|idem-1', 'é 😀 \u0000 "quoted" \\ ✓', 'x'.repeat(10_000)];
    for (let i = 0; i < 200; i++) names.push(Array.from({ length: i % 40 }, () => String.fromCodePoint(Math.floor(Math.random() * 0x2fff))).join(''));
    for (const name of names) expect(ofName(name)).to.equal(v5(name, namespace));
  });

  it('keeps its namespace apart from another', () => {
    const other = nameBasedUuid('1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    expect(other('same name')).to.equal(v5('same name', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'));
    expect(other('same name')).not.to.equal(ofName('same name'));
  });
});
