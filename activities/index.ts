import type { Db } from '../lib/db';
import type { NotificationChannel } from '../lib/mailer';
import type { Activities } from './contract';
import { createNotificationActivities } from './notifications';
import { createMspActivities } from './msp';
import { createPlanActivities } from './plans';
import { createRequestActivities } from './requests';
import { createRetentionActivities } from './retention';
import { createVisitActivities } from './visits';

export interface ActivityDeps {
  db: Db;
  channel: NotificationChannel;
  publicUrl: string;
  /** Signs acknowledgement links in messages. */
  linkSecret: string;
}

/** Every activity the worker registers, built from its dependencies (tests inject their own). */
export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createNotificationActivities(deps),
    ...createVisitActivities(deps),
    ...createPlanActivities(deps),
    ...createMspActivities(deps),
    ...createRequestActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type { Activities };
