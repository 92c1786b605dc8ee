import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs in production (for collectors), readable lines everywhere else. */
export function createLogger(name: string, options: { level?: string; env?: string } = {}): Logger {
  const pretty = (options.env ?? process.env.NODE_ENV) !== 'production';
  return pino({
    name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    // Personal data must never reach logs; these keys carry it when a payload is logged whole.
    redact: { paths: ['*.email', '*.address', '*.notes', '*.phone', 'req.headers.authorization'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}
