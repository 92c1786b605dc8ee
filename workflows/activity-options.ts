// How workflows call activities: one retry policy for records, a short-capped one for messages.
import type { ActivityOptions } from '@temporalio/workflow';

/** Capped at 30 s: a timetable waiting on a record goes on within half a minute of the database's return. */
const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } as const;

/** Retried until done: a record of what happened (nothing recorded may be lost), or a send that is the workflow's only job. */
export const UNTIL_DONE_OPTIONS: ActivityOptions = { startToCloseTimeout: '1 minute', retry: RETRY };

const SEND_RETRY_MS = { initial: 1_000, coefficient: 2, maximum: 15_000 };

/** How many attempts of the send retry policy fit in `ms` of waiting between them. */
export function sendAttemptsWithin(ms: number): number {
  let waited = 0;
  let attempts = 1;
  for (let wait = SEND_RETRY_MS.initial; waited + wait <= ms; wait = Math.min(SEND_RETRY_MS.maximum, wait * SEND_RETRY_MS.coefficient)) {
    waited += wait;
    attempts++;
  }
  return attempts;
}

/**
 * An alarm waits at most 15 s between attempts, so it goes out within seconds of a relay or a
 * database coming back. The send heartbeats while it runs (activities/notifications.ts, every
 * few seconds): a send held by a worker that died is retried after the heartbeat timeout, not
 * after the start-to-close. The start-to-close is above everything one SMTP session may take
 * (connect, greeting, and a relay's answer after the data, lib/mailer.ts), so it never cuts
 * off an attempt that is still waiting for the relay to say whether it took the message.
 */
function sendOptions(giveUpAfterMs: number): ActivityOptions {
  return {
    startToCloseTimeout: '3 minutes',
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: SEND_RETRY_MS.initial,
      backoffCoefficient: SEND_RETRY_MS.coefficient,
      maximumInterval: SEND_RETRY_MS.maximum,
      maximumAttempts: sendAttemptsWithin(giveUpAfterMs),
    },
  };
}

/**
 * A plan's message is retried for about 40 minutes (a relay outage), then given up on: the
 * failure is recorded and the next person is told, so one bad address never holds up a timetable.
 */
export const SEND_OPTIONS: ActivityOptions = sendOptions(40 * 60_000);

/** A visit's alert is given up on after about 2 minutes and recorded: the ladder's next alert, minutes later, tries again. */
export const VISIT_ALERT_OPTIONS: ActivityOptions = sendOptions(2 * 60_000);
