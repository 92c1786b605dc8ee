import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';

// `npm start` writes down which PostgreSQL its stack runs on (its embedded one on whatever
// port, or the DATABASE_URL it was given), so a command run later on the same DATA_DIR
// reaches that stack without anyone exporting the URL by hand.
const recordFile = (dataDir: string) => path.join(path.resolve(projectRoot, dataDir), 'database-url');

/** Called by `npm start` once its database is up; the file holds a password, so only its owner reads it. */
export function recordDatabaseUrl(dataDir: string, url: string): void {
  fs.writeFileSync(recordFile(dataDir), `${url}\n`, { mode: 0o600 });
}

/** The database of the stack `npm start` last ran on DATA_DIR, else its embedded default on `embeddedPort`. */
export function stackDatabaseUrl(dataDir: string, embeddedPort: number | string): string {
  const file = recordFile(dataDir);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  return `postgresql://carewatch:carewatch@127.0.0.1:${embeddedPort}/carewatch`;
}
