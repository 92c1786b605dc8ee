// Writes a new migration from the difference between the schema of the last migration and
// the current schema (prisma migrate dev cannot run with the offline JS engine).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { currentSchemaText, diffSql, isEmptyDiff, migrationNames, migrationsDir, SNAPSHOT } from '../infra/migrations';

async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error('usage: npm run migration:new -- <name_in_snake_case>');
  }
  const previous = migrationNames().at(-1);
  const schemaText = currentSchemaText();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-schema-'));
  const current = path.join(scratch, SNAPSHOT);
  fs.writeFileSync(current, schemaText);
  const scratchDb = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg', 'data'), port: 54329, database: 'scratch', ephemeral: true });
  try {
    const sql = await diffSql(previous ? path.join(migrationsDir, previous, SNAPSHOT) : null, current, process.env.DATABASE_URL ?? scratchDb!.url);
    write(name, sql, schemaText);
  } finally {
    await scratchDb?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function write(name: string, sql: string, schemaText: string) {
  if (isEmptyDiff(sql)) {
    process.stdout.write('The schema has not changed since the last migration; nothing written.\n');
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  fs.writeFileSync(path.join(dir, SNAPSHOT), schemaText);
  if (!fs.existsSync(path.join(migrationsDir, 'migration_lock.toml'))) {
    fs.writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  }
  process.stdout.write(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
