import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './paths';

const execFileAsync = promisify(execFile);

export const schemaDir = path.join(projectRoot, 'prisma', 'schema');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');
/** Each migration keeps the schema it was written from: the JS engine cannot introspect a live database. */
export const SNAPSHOT = 'schema.prisma';

const prismaBin = path.join(projectRoot, 'node_modules', '.bin', 'prisma');

/** The whole current schema as one text, files in a stable order. */
export function currentSchemaText(): string {
  return fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.prisma'))
    .sort()
    .map((f) => `// ---- ${f}\n${fs.readFileSync(path.join(schemaDir, f), 'utf8')}`)
    .join('\n');
}

export function migrationNames(): string[] {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir)
    .filter((d) => fs.statSync(path.join(migrationsDir, d)).isDirectory())
    .sort();
}

/**
 * The SQL that takes a database from one schema to another (`null` = empty database). The
 * CLI's JS engine connects through the driver adapter even for a schema-to-schema diff, so
 * a reachable PostgreSQL is needed; it is not changed.
 */
export async function diffSql(fromSchemaFile: string | null, toSchema: string, databaseUrl: string): Promise<string> {
  const from = fromSchemaFile ? ['--from-schema-datamodel', fromSchemaFile] : ['--from-empty'];
  const { stdout } = await execFileAsync(prismaBin, ['migrate', 'diff', ...from, '--to-schema-datamodel', toSchema, '--script'], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** What Prisma's diff cannot express (triggers) is written by hand below this line of a migration. */
export const HAND_WRITTEN_MARKER = '-- Hand-written (not generated from the schema):';

/** The part of a committed migration that must equal the diff of its snapshots. */
export const generatedPart = (sql: string): string => sql.split(HAND_WRITTEN_MARKER)[0];

/** True when a diff script changes nothing. */
export function isEmptyDiff(sql: string): boolean {
  return sql.split('\n').every((line) => !line.trim() || line.startsWith('--'));
}

/** Applies every committed migration to the database at `databaseUrl`. */
export async function deployMigrations(databaseUrl: string): Promise<void> {
  await execFileAsync(prismaBin, ['migrate', 'deploy'], { cwd: projectRoot, env: { ...process.env, DATABASE_URL: databaseUrl } });
}
