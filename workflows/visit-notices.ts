// What a visit's messages carry, shared by the visit workflow and its frozen legacy version.
import type { VisitNotification } from '../activities/contract';
import type { Contact, VisitInput, VisitState } from './visit-contract';
import type { ContactRole } from './visit-policy';

/** The details a recipient needs to find and help the worker. */
export function visitDetails(input: VisitInput, state: VisitState, dueAt: string | null): Record<string, unknown> {
  return {
    visitId: input.visitId,
    workerName: input.worker.name,
    clientRef: input.clientRef,
    kind: input.kind,
    location: input.location,
    notes: input.notes ?? '',
    riskLevel: input.riskLevel,
    startedAt: state.startedAt,
    lastCheckInAt: state.lastCheckInAt,
    eta: state.eta,
    dueAt,
    buddyName: input.buddy.name,
    managerName: input.manager.name,
  };
}

/** The worker's own reminders and alerts: each carries a signed, single-use "I'm OK" link. */
const WORKER_CAN_ANSWER: ReadonlySet<string> = new Set(['visit-reminder', 'visit-overdue-worker', 'visit-start-reminder']);

/**
 * One message to one role, keyed by the event that caused it: a retried send reuses the key
 * and is never sent twice. A responder's alert carries a take-charge link.
 */
export function visitNotice(
  input: VisitInput,
  workflowId: string,
  recipient: { role: ContactRole; contact: Contact },
  message: { template: string; eventSeq: number; data: Record<string, unknown>; withAck: boolean },
): VisitNotification {
  const { role, contact } = recipient;
  return {
    idempotencyKey: `${workflowId}:e${message.eventSeq}:${message.template}:${role}`,
    visitId: input.visitId,
    to: contact.email,
    template: message.template,
    data: { ...message.data, recipientName: contact.name, recipientRole: role },
    ...(message.withAck && role !== 'worker' ? { ack: { role, recipient: contact.name, ttlMs: input.policy.ackLinkTtlMs } } : {}),
    ...(role === 'worker' && WORKER_CAN_ANSWER.has(message.template) ? { ok: { recipient: contact.name, ttlMs: input.policy.ackLinkTtlMs } } : {}),
  };
}
