import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { entryIn, parseStartScript, startCommand } from '../../../ops/start-command.js';

/**
 * `npm start`'s command is written down once, in package.json: the gateway benchmark reads it
 * from there, and the Docker image must run the same node flags and entry.
 */
describe('the start command', () => {
  it('runs the compiled build with plain node', () => {
    const start = startCommand();
    expect(start.entry).to.equal('dist/api/main.js');
    for (const flag of start.nodeFlags) expect(flag).to.match(/^--[a-z0-9-]+(=\S+)?$/);
    // A build made elsewhere (the benchmark's, the walkthrough test's) has the entry at the same place inside it.
    expect(entryIn('/srv/nexus/.build/bench-1', start)).to.equal('/srv/nexus/.build/bench-1/api/main.js');
  });

  it('is what the Docker image runs', () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd, 'a CMD in exec form').to.not.equal(null);
    const start = startCommand();
    expect(JSON.parse(cmd![1]) as string[]).to.deep.equal(['node', ...start.nodeFlags, start.entry]);
  });

  it('refuses a script it could not honour', () => {
    expect(parseStartScript('node --max-semi-space-size=32 dist/api/main.js')).to.deep.equal({ nodeFlags: ['--max-semi-space-size=32'], entry: 'dist/api/main.js' });
    expect(parseStartScript('node dist/api/main.js')).to.deep.equal({ nodeFlags: [], entry: 'dist/api/main.js' });
    for (const script of ['tsx api/main.ts', 'node', 'node -r x dist/api/main.js', 'node dist/api/main.js --port 1']) {
      expect(() => parseStartScript(script), script).to.throw(/not "node \[--flag…\] <entry>"/);
    }
  });
});
