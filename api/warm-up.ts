import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { userOfToken } from './http/credentials';
import { check } from './routes/health';

/**
 * A fresh API loads Prisma's query compiler (WebAssembly, on its first statement) and connects
 * to PostgreSQL on its first request: that request took about 250 ms and the next few 40-90 ms
 * (README "Performance"). Paid before listening, no caller waits for it. A database that does
 * not answer within the health check's wait does not stop the start: the API still answers,
 * with 503 and a /healthz that names the database.
 */
export async function warmUp(db: Db, log: Logger): Promise<void> {
  // A token that cannot exist runs the statement every request starts with and changes nothing.
  const warmed = await check(() => userOfToken(db, 'cw_warm-up'));
  if (!warmed.ok) log.warn({ error: warmed.error }, 'API warm-up skipped: the database did not answer');
}
