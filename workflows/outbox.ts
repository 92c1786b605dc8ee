// Messages a long-running case owes people, sent beside its timetable: a send never blocks a
// later reminder or escalation, and a hand-over to a new run waits only for a quiet moment
// between sends. A message given up on (a bounced address, retries exhausted) is recorded and
// the next person is told.
import { proxyActivities, rootCause } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SEND_OPTIONS, UNTIL_DONE_OPTIONS } from './activity-options';

const { deliverNotification } = proxyActivities<Activities>(SEND_OPTIONS);
// Unbounded, as sends were while they still ran in a case's own loop.
const { deliverNotification: deliverUntilDone } = proxyActivities<Activities>(UNTIL_DONE_OPTIONS);

/** A message not yet settled, kept in the case's state while it is in flight. */
export interface OutgoingMessage<R extends string = string> {
  /** Unique within the workflow; with its id, the delivery's idempotency key (never sent twice). */
  key: string;
  to: R | { email: string };
  template: string;
  data: Record<string, unknown>;
  /** On the notice that another message was not delivered: its own failure is only recorded. */
  undeliveredKey?: string;
}

export interface OutboxOptions<R extends string> {
  workflowId: string;
  subjectType: string;
  subjectId: string;
  /** Kept in the case's state and changed in place. */
  pending: OutgoingMessage<R>[];
  address(to: R | { email: string }): string;
  /** Who hears when a message to `to` cannot be delivered; null when nobody further can act. */
  nextAfter(to: R | { email: string }): R | null;
  /** Describes the message for the person told: "review reminder to the lead practitioner". */
  describe(message: OutgoingMessage<R>): string;
  delivered(message: OutgoingMessage<R>): Promise<void>;
  undelivered(message: OutgoingMessage<R>, error: string, told: R | null): Promise<void>;
}

export interface Outbox<R extends string> {
  send(message: OutgoingMessage<R>): void;
  /** Sends and waits for the delivery, as a case's loop did before sends moved beside it: only for histories from then. */
  sendInLoop(message: OutgoingMessage<R>): Promise<unknown>;
  /** Nothing is in flight: the case may end. */
  idle(): boolean;
}

export function createOutbox<R extends string>(o: OutboxOptions<R>): Outbox<R> {
  const inFlight = new Set<string>();

  async function settle(message: OutgoingMessage<R>, error: string | null): Promise<void> {
    // Settled the moment the answer is in: a hand-over from now on does not send it again.
    const at = o.pending.findIndex((m) => m.key === message.key);
    if (at >= 0) o.pending.splice(at, 1);
    inFlight.delete(message.key);
    if (error === null) return o.delivered(message);
    const told = message.undeliveredKey ? null : o.nextAfter(message.to);
    if (told) {
      send({
        key: `${message.key}:undelivered`,
        to: told,
        template: 'notification-undelivered',
        data: { subjectType: o.subjectType, subjectId: o.subjectId, what: o.describe(message), error },
        undeliveredKey: message.key,
      });
    }
    await o.undelivered(message, error, told);
  }

  const requestOf = (message: OutgoingMessage<R>) => ({
    idempotencyKey: `${o.workflowId}:${message.key}`,
    to: o.address(message.to),
    template: message.template,
    data: message.data,
    subjectType: o.subjectType,
    subjectId: o.subjectId,
  });

  function dispatch(message: OutgoingMessage<R>): void {
    inFlight.add(message.key);
    deliverNotification(requestOf(message))
      .then(
        () => settle(message, null),
        (err: unknown) => settle(message, rootCause(err) ?? String(err)),
      )
      // Records retry until the database takes them; nothing here may fail the workflow task.
      .catch(() => undefined);
  }

  function send(message: OutgoingMessage<R>): void {
    o.pending.push(message);
    dispatch(message);
  }

  return { send, sendInLoop: (message) => deliverUntilDone(requestOf(message)), idle: () => inFlight.size === 0 };
}
