import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportRevision } from '../../../ops/bench/gateway/baseline.js';

describe('the gateway benchmark’s baseline revision (BENCH_BASELINE)', () => {
  it('exports a revision’s server sources, as committed, for ops/build.ts to compile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-baseline-test-'));
    try {
      const exported = exportRevision('HEAD', dir);
      expect(exported.commit).to.match(/^[0-9a-f]{7,}$/);
      expect(existsSync(join(dir, 'api', 'main.ts'))).to.equal(true);
      expect(existsSync(join(dir, 'schemas', 'events'))).to.equal(true);
      expect(existsSync(join(dir, 'test'))).to.equal(false, 'only the folders the build compiles');
      expect(existsSync(join(dir, 'ops'))).to.equal(false, 'only the folders the build compiles');
      expect(readFileSync(join(dir, 'domain', 'shared', 'digest.ts'), 'utf8').length).to.be.above(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a name that is no commit, saying so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-baseline-test-'));
    try {
      expect(() => exportRevision('no-such-revision-anywhere', dir)).to.throw(/BENCH_BASELINE: 'no-such-revision-anywhere' names no commit/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
