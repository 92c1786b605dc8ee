// A visit whose escalation ladder runs in seconds, started straight on the stack's worker
// queue (the API refuses waits under a minute), and the mail it produced, by idempotency key.
import { visitWorkflow } from '../../workflows/visit';
import { eventually } from '../helpers/eventually';
import { acknowledgeSignal, visitWorkflowId } from '../../workflows/visit-contract';
import type { LadderStep } from '../../workflows/visit-policy';
import type { Stack } from '../helpers/processes';
import type { ReceivedMail } from '../helpers/smtp-sink';
import { visitInput } from '../helpers/visits';

/** Seconds-long waits: within the high-risk bounds, which only cap durations from above. */
export const STEP_MS = 3_000;
export const FAST_POLICY = {
  checkInIntervalMs: 5_000,
  reminderBeforeMs: 1_000,
  graceMs: 1_000,
  ladder: [
    { notify: 'worker', waitMs: STEP_MS, repeats: 1 },
    { notify: 'buddy', waitMs: STEP_MS, repeats: 1 },
    { notify: 'manager', waitMs: STEP_MS, repeats: 2 },
    { notify: 'emergency', waitMs: STEP_MS, repeats: 1 },
  ] satisfies LadderStep[],
};

export async function startFastVisit(stack: Stack, policy = FAST_POLICY) {
  const visit = visitInput({ startMs: Date.now(), policy });
  const handle = await stack.client.workflow.start(visitWorkflow, { workflowId: visitWorkflowId(visit.input.visitId), taskQueue: stack.taskQueue, args: [visit.input] });
  const startedAt = Date.now();
  // Started beside the API: its requests are authorised from the row the visit's first record writes.
  await eventually(() => stack.db.visit.findUnique({ where: { id: visit.input.visitId } }));
  return { ...visit, handle, startedAt };
}

export const takeCharge = (handle: Awaited<ReturnType<typeof startFastVisit>>['handle']) =>
  handle.signal(acknowledgeSignal, { actor: { id: 'manager-on-call', role: 'manager', name: 'Mina Manager' }, via: 'api' });

export interface Delivered {
  idempotencyKey: string;
  template: string;
  recipient: string;
  status: string;
  attempts: number;
  lastError: string | null;
  /** Every time the sink received this delivery's Message-ID. */
  received: ReceivedMail[];
}

/** The visit's deliveries, each with the messages actually received for it. */
export async function deliveriesOf(stack: Stack, visitId: string): Promise<Delivered[]> {
  const rows = await stack.db.notificationDelivery.findMany({ where: { subjectId: visitId }, orderBy: { createdAt: 'asc' } });
  return rows.map((r) => ({
    idempotencyKey: r.idempotencyKey,
    template: r.template,
    recipient: r.recipient,
    status: r.status,
    attempts: r.attempts,
    lastError: r.lastError,
    received: stack.smtp.messages.filter((m) => m.messageId === `<${r.id}@carewatch>`),
  }));
}

const ALERT_TEMPLATES = ['visit-overdue-worker', 'visit-alert'];

/** Alerts (not reminders) in the order they arrived, with when. */
export const alertsReceived = (deliveries: Delivered[]) =>
  deliveries
    .filter((d) => ALERT_TEMPLATES.includes(d.template) && d.received.length)
    .map((d) => ({ to: d.recipient, at: d.received[0].receivedAt.getTime(), key: d.idempotencyKey }))
    .sort((a, b) => a.at - b.at);

/** Messages received for each key: the rule is exactly one. */
export const copiesPerKey = (deliveries: Delivered[]) => deliveries.map((d) => d.received.length);

/** Keys received more than once, and sends recorded as done that never arrived: both must be empty. */
export function sendingFaults(deliveries: Delivered[]) {
  return {
    duplicated: deliveries.filter((d) => d.received.length > 1).map((d) => d.idempotencyKey),
    lost: deliveries.filter((d) => d.status === 'sent' && d.received.length === 0).map((d) => d.idempotencyKey),
  };
}
