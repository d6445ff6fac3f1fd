import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'mocha';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['domain', 'commands', 'projections', 'api', 'schemas', 'engines', 'ops'];

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

/** The strict compiler allows an explicit `any`; the conventions do not, so this test refuses it. */
describe('source hygiene', () => {
  it('has no explicit `any` type in source', () => {
    const offenders: string[] = [];
    const anyType = /(:\s*any\b|\bas\s+any\b|<any>|\bany\[\]|Array<any>|Record<string,\s*any>)/;
    for (const dir of SOURCE_DIRS) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
          if (anyType.test(line) && !line.trim().startsWith('*') && !line.trim().startsWith('//')) offenders.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
