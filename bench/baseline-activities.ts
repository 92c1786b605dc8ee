import { randomUUID } from 'node:crypto';
import { renderMessage } from '../activities/messages';
import type { NotificationChannel } from '../lib/mailer';

/** The template of a visit's first escalation, so the baseline sends the very same email. */
export const FIRST_ESCALATION_TEMPLATE = 'visit-overdue-worker';

export function createBaselineActivities(channel: NotificationChannel, publicUrl: string) {
  return {
    async sendAlert(to: string, data: Record<string, unknown>): Promise<void> {
      const message = renderMessage(FIRST_ESCALATION_TEMPLATE, data, { publicUrl });
      await channel.send({ to, ...message, messageId: `<${randomUUID()}@bench>` });
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
