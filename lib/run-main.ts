import { ConfigError } from '../config/env';

/** Exit code for bad configuration (EX_CONFIG), so supervisors do not restart in a loop. */
export const EXIT_CONFIG = 78;

/** Runs an entry point; configuration errors exit 78 with a message naming each variable. */
export function runMain(name: string, main: () => Promise<void>, onFailure?: () => Promise<void>): void {
  main().catch(async (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await onFailure?.();
    process.exit(1);
  });
}
