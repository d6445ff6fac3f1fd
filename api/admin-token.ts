import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The platform admin token. Taken from NEXUS_ADMIN_TOKEN when set; otherwise generated on
 * first start and kept in `<data dir>/admin-token` (mode 0600), like a development
 * server's root token, so the operator can read it back and restarts keep it.
 */
export interface AdminToken {
  readonly token: string;
  readonly source: 'environment' | 'file' | 'generated';
  readonly file: string | null;
}

export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<AdminToken> {
  if (configured) return { token: configured, source: 'environment', file: null };
  const file = join(dataDir, 'admin-token');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 24) return { token: stored, source: 'file', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = `nx_admin_${randomBytes(32).toString('base64url')}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, source: 'generated', file };
}
