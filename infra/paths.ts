import os from 'node:os';
import path from 'node:path';

/** Where provisioned tools live: outside git, shared by every clone on the machine. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAREWATCH_CACHE_DIR) return path.resolve(env.CAREWATCH_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'carewatch');
}

export const projectRoot = path.resolve(__dirname, '..');
