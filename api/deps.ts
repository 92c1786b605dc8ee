import type { Client } from '@temporalio/client';
import type { ApiConfig } from '../config/env';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { NotificationChannel } from '../lib/mailer';

/** What the API needs from the outside world; tests pass real instances pointed at test servers. */
export interface AppDeps {
  config: Pick<ApiConfig, 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_NAMESPACE' | 'PUBLIC_URL' | 'LINK_SIGNING_SECRET'> &
    Partial<Pick<ApiConfig, 'CORS_ORIGINS' | 'LOGIN_RATE_LIMIT' | 'ACK_RATE_LIMIT'>> &
    Pick<ApiConfig, 'PAYLOAD_KEYS' | 'PAYLOAD_ACTIVE_KEY_ID'> &
    Partial<Pick<ApiConfig, 'TEMPORAL_UI_ORIGIN' | 'WORKER_METRICS_URL' | 'REQUEST_ANSWER_WAIT_MS'>>;
  temporal: Client;
  db: Db;
  channel: NotificationChannel;
  log: Logger;
}
