import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvSecretSource, secretEnvName } from '../../engines/secrets/env.js';
import { secretSourceContract } from './secret-source.contract.js';

secretSourceContract('EnvSecretSource (environment variables)', (secrets) => {
  const env = Object.fromEntries(Object.entries(secrets).map(([ref, value]) => [secretEnvName(ref), value]));
  const source = new EnvSecretSource({ env, file: null });
  return { source, cleanup: () => source.close() };
});

secretSourceContract('EnvSecretSource (NEXUS_SECRETS_FILE, watched)', (secrets) => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-secrets-'));
  const file = join(dir, 'secrets.json');
  writeFileSync(file, JSON.stringify(secrets));
  const source = new EnvSecretSource({ env: { NEXUS_SECRETS_FILE: file } });
  return {
    source,
    cleanup: () => {
      source.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
