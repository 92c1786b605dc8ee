import { z } from 'zod';
import { parsePayloadKeys } from '../lib/codec';

/** A configuration problem that must stop the process before it does anything. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);
const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL');
const smtpUrl = z
  .string()
  .url()
  .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL');
const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233');

const common = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: hostPort.default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('carewatch'),
};

const linkSecret = z.string().min(32, 'must be at least 32 characters (it signs acknowledgement links)');

/** `id:base64,…`: every key decrypts Temporal payloads; the active one encrypts. */
const payloadKeys = z.string().superRefine((value, ctx) => {
  try {
    parsePayloadKeys(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** The active payload key must be one of the configured keys. */
const activeKeyConfigured = (config: { PAYLOAD_KEYS: string; PAYLOAD_ACTIVE_KEY_ID: string }, ctx: z.RefinementCtx) => {
  const ids = config.PAYLOAD_KEYS.split(',').map((entry) => entry.trim().split(':')[0]);
  if (!ids.includes(config.PAYLOAD_ACTIVE_KEY_ID)) {
    ctx.addIssue({ code: 'custom', path: ['PAYLOAD_ACTIVE_KEY_ID'], message: `must name one of the keys in PAYLOAD_KEYS (${ids.join(', ')})` });
  }
};

/** The Web UI of the dev server `npm start` runs: the codec endpoint's browser origin unless told otherwise. */
export const DEFAULT_TEMPORAL_UI_ORIGIN = 'http://localhost:8233';

/** Years a record is kept after it ends before it is listed for a disposal review. */
const retentionYears = z.coerce.number().int().min(1).max(100);

/** What both the worker and the API need: they record, send and sign links alike. */
const service = {
  ...common,
  DATABASE_URL: postgresUrl,
  SMTP_URL: smtpUrl,
  PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  LINK_SIGNING_SECRET: linkSecret,
  PAYLOAD_KEYS: payloadKeys,
  PAYLOAD_ACTIVE_KEY_ID: z.string().min(1),
};

export const workerEnvSchema = z
  .object({
    ...service,
    MAIL_FROM: z.string().min(3).default('CareWatch <no-reply@carewatch.local>'),
    RETENTION_PLAN_YEARS: retentionYears.default(8),
    RETENTION_VISIT_YEARS: retentionYears.default(6),
    /** Cron (UTC) of the retention review schedule. */
    RETENTION_REVIEW_CRON: z.string().min(9).default('0 6 * * 1'),
    /** Where the worker serves the Temporal SDK's Prometheus metrics (the API's /metrics relays them). */
    WORKER_METRICS_ADDRESS: hostPort.default('127.0.0.1:9464'),
    /** Worker tuning (README "Performance"); unset: worker/create-worker.ts's choice, else the Temporal SDK's defaults. */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
    WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).optional(),
    /** PostgreSQL connections the worker's activities share (local activities get at most half). */
    WORKER_DB_POOL_SIZE: z.coerce.number().int().min(1).default(20),
  })
  .superRefine(activeKeyConfigured);

/** How long a request waits for its case's answer unless configured (the API's tests leave it unset). */
export const DEFAULT_REQUEST_ANSWER_WAIT_MS = 10_000;

/** Comma-separated origins allowed to call the API from a browser; empty means same origin only. */
const origins = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().url('each origin must be a URL such as https://carewatch.example.org')));

/** Limits that keep guessing and floods out; defaults suit one organisation's staff. */
export const apiSecurityDefaults = { CORS_ORIGINS: [] as string[], LOGIN_RATE_LIMIT: 10, ACK_RATE_LIMIT: 30 };

export const apiEnvSchema = z
  .object({
    ...service,
    PORT: port.default(3000),
    CORS_ORIGINS: origins,
    /** Sign-in attempts per client address per 15 minutes. */
    LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(apiSecurityDefaults.LOGIN_RATE_LIMIT),
    /** Acknowledgement-link requests per client address per minute. */
    ACK_RATE_LIMIT: z.coerce.number().int().min(1).default(apiSecurityDefaults.ACK_RATE_LIMIT),
    /** The Temporal Web UI's origin: the only browser origin the codec endpoint answers. */
    TEMPORAL_UI_ORIGIN: z.string().url().default(DEFAULT_TEMPORAL_UI_ORIGIN),
    /** The worker's Prometheus endpoint, relayed by /metrics; unset leaves only the domain figures. */
    WORKER_METRICS_URL: z.string().url().optional(),
    /** How long a request waits for its case's answer before it is answered 202, pending (README "Requests"). */
    REQUEST_ANSWER_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(DEFAULT_REQUEST_ANSWER_WAIT_MS),
  })
  .superRefine(activeKeyConfigured);

export const launcherEnvSchema = z.object({
  NODE_ENV: common.NODE_ENV,
  LOG_LEVEL: common.LOG_LEVEL,
  PORT: port.default(3000),
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: common.TEMPORAL_NAMESPACE,
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** Which Temporal npm start runs (`--temporal=` wins): README "Running on each Temporal backend". */
  TEMPORAL_BACKEND: z.enum(['dev', 'server', 'cluster']).default('cluster'),
  /** The PostgreSQL server for the real Temporal server's two databases; unset: the embedded one. */
  TEMPORAL_DB_URL: postgresUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  SMTP_URL: smtpUrl.optional(),
  MAIL_SINK_SMTP_PORT: port.default(2525),
  MAIL_SINK_WEB_PORT: port.default(8025),
  DATA_DIR: z.string().min(1).default('data'),
  LINK_SIGNING_SECRET: linkSecret.optional(),
  PAYLOAD_KEYS: payloadKeys.optional(),
  PAYLOAD_ACTIVE_KEY_ID: z.string().min(1).optional(),
  WORKER_METRICS_PORT: port.default(9464),
});

/** The users command talks to the database only; by default the one `npm start` runs. */
export const usersEnvSchema = z.object({
  EMBEDDED_POSTGRES_PORT: launcherEnvSchema.shape.EMBEDDED_POSTGRES_PORT,
  DATA_DIR: launcherEnvSchema.shape.DATA_DIR,
  DATABASE_URL: postgresUrl.optional(),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema>;
export type ApiConfig = z.infer<typeof apiEnvSchema>;
export type LauncherConfig = z.infer<typeof launcherEnvSchema>;

/** Parses the environment; every bad or missing variable is named in one error. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const message = issue.code === 'invalid_type' && cleaned[name] === undefined ? 'is required but not set' : issue.message;
      return `${name}: ${message}`;
    }),
  );
}
