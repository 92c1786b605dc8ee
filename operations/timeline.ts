import type { Client } from '@temporalio/client';
import { activityInput, eventIso, eventTypeName, localActivityMarks, upsertedAttributes, type HistoryEvent } from './history';

/** One history event as an operator reads it: what it meant for the visit or plan. */
export interface TimelineEntry {
  eventId: number;
  at: string;
  event: string;
  meaning: string;
}

/** What each request to a workflow means, in the words of the procedures. */
const REQUESTS: Record<string, string> = {
  checkIn: 'the worker checked in',
  extend: 'the worker said they are running late (new expected end time)',
  checkOut: 'the worker checked out safe',
  raiseRedFlag: 'a red flag was raised',
  acknowledge: 'someone took charge of the alert',
  checkInSignal: 'the worker checked in',
  checkOutSignal: 'the worker checked out safe',
  raiseRedFlagSignal: 'a red flag was raised',
  acknowledgeSignal: 'someone took charge of the alert',
  resolveIncident: 'a manager resolved the incident',
  goLive: 'the plan was put live',
  recordLegalAdvice: 'legal advice on a restrictive measure was recorded',
  recordReview: 'a review was recorded',
  rescheduleReview: 'the next review was moved',
  requestUnscheduledReview: 'an unscheduled review was requested',
  decideUnscheduledReview: 'a manager decided an unscheduled review request',
  recordOneToOneReview: 'one-to-one support was reviewed',
  completeAction: 'an action was marked complete',
  endPlan: 'the plan was ended',
  decideCopy: 'a manager decided on a copy of the plan',
};

const ACTIVITIES: Record<string, (input: Record<string, unknown>) => string> = {
  recordVisitEvent: (i) => `record "${String(i.type)}" (by ${roleOf(i.actor)}) in the visit's record`,
  recordPlanChange: (i) => `record "${String(i.type)}" in the plan's record`,
  notifyVisitContact: (i) => `send the "${String(i.template)}" message`,
  deliverNotification: (i) => `send the "${String(i.template)}" message`,
};

const roleOf = (actor: unknown) => (actor && typeof actor === 'object' && 'role' in actor ? String((actor as { role: unknown }).role) : 'the service');

/**
 * Turns history into domain words. Activity inputs are decoded only to name what was recorded
 * or sent (event type, template, role): never names, addresses or free text.
 */
export async function timelineOf(client: Client, runs: HistoryEvent[][], workflowType: 'visit' | 'plan'): Promise<TimelineEntry[]> {
  const entries: TimelineEntry[] = [];
  const activities = new Map<string, string>();
  for (const [runIndex, events] of runs.entries()) {
    for (const e of events) {
      const meaning = await meaningOf(client, e, workflowType, runIndex, activities);
      if (meaning) entries.push({ eventId: Number(e.eventId), at: eventIso(e), event: eventTypeName(e), meaning });
    }
  }
  return entries;
}

async function meaningOf(client: Client, e: HistoryEvent, kind: 'visit' | 'plan', runIndex: number, activities: Map<string, string>): Promise<string | null> {
  const thing = kind === 'visit' ? 'visit' : 'plan';
  if (e.workflowExecutionStartedEventAttributes) return runIndex === 0 ? `the ${thing} was started` : `the ${thing} carried on in a fresh run (history kept short)`;
  const marker = e.markerRecordedEventAttributes;
  if (marker?.markerName === 'core_local_activity') {
    const [mark] = localActivityMarks([[e]], Object.keys(ACTIVITIES));
    if (!mark) return null;
    const what = mark.activityType === 'recordVisitEvent' ? `record an event in the ${thing}'s record` : `run ${mark.activityType}`;
    return mark.failure ? `failed to ${what} (attempt ${mark.attempt}), retrying after a pause: ${mark.failure}` : `done (in the workflow's own task): ${what}`;
  }
  if (e.timerStartedEventAttributes) return 'a deadline was set (a reminder, check-in, escalation step or review timer)';
  if (e.timerFiredEventAttributes) return 'a deadline was reached: the service acts on its own now';
  if (e.timerCanceledEventAttributes) return 'a deadline was no longer needed (someone acted first)';
  if (e.activityTaskScheduledEventAttributes) {
    const type = e.activityTaskScheduledEventAttributes.activityType?.name ?? '';
    const input = (await activityInput<Record<string, unknown>>(client, e)) ?? {};
    const what = ACTIVITIES[type]?.(input) ?? `run ${type}`;
    activities.set(String(e.eventId), what);
    return `the service set out to ${what}`;
  }
  const done = e.activityTaskCompletedEventAttributes;
  if (done) return `done: ${activities.get(String(done.scheduledEventId)) ?? 'an activity'}`;
  const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
  if (failed) return `gave up trying to ${activities.get(String(failed.scheduledEventId)) ?? 'run an activity'}: ${failed.failure?.message ?? 'timed out'}`;
  const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
  if (accepted) return REQUESTS[accepted] ?? `request "${accepted}" accepted`;
  const outcome = e.workflowExecutionUpdateCompletedEventAttributes?.outcome;
  if (outcome?.failure) return `a request was refused: ${outcome.failure.message}`;
  const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
  if (signal) return REQUESTS[signal] ?? `message "${signal}" received`;
  if (e.upsertWorkflowSearchAttributesEventAttributes) {
    const sa = upsertedAttributes(e);
    const parts = [
      sa.CareStatus !== undefined && `status ${String(sa.CareStatus)}`,
      sa.CareEscalationLevel !== undefined && `escalation step ${String(sa.CareEscalationLevel)}`,
      sa.CareNextDeadline !== undefined && `next deadline ${sa.CareNextDeadline ? String(sa.CareNextDeadline) : 'none'}`,
    ].filter(Boolean);
    return parts.length ? `now: ${parts.join(', ')}` : null;
  }
  if (e.workflowExecutionCompletedEventAttributes) return `the ${thing} finished`;
  if (e.workflowExecutionContinuedAsNewEventAttributes) return `the ${thing} handed over to a fresh run`;
  if (e.workflowExecutionTerminatedEventAttributes) return `terminated by an operator: ${e.workflowExecutionTerminatedEventAttributes.reason ?? 'no reason given'}`;
  if (e.workflowExecutionFailedEventAttributes) return `the ${thing}'s workflow failed: ${e.workflowExecutionFailedEventAttributes.failure?.message ?? ''}`;
  if (e.workflowExecutionTimedOutEventAttributes) return `the ${thing}'s workflow timed out`;
  if (e.workflowTaskFailedEventAttributes) return `the workflow code failed and will be retried: ${e.workflowTaskFailedEventAttributes.failure?.message ?? ''}`;
  return null;
}
