import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../activities';
import { SA } from '../config/search-attributes';
import { VISIT_ALERT_OPTIONS } from './activity-options';
import { dueAt } from './escalation-timetable';
import {
  acknowledgeSignal,
  checkInSignal,
  checkOutSignal,
  extendUpdate,
  extensionRefusal,
  firstVisitState,
  raiseRedFlagSignal,
  resolveIncidentUpdate,
  VISIT_CLOSED,
  visitRowOf,
  visitStateQuery,
  workerView,
  type CheckInRequest,
  type Contact,
  type IncidentReason,
  type LadderKind,
  type Owner,
  type VisitActor,
  type VisitInput,
  type VisitMemory,
  type VisitState,
  type VisitStatus,
} from './visit-contract';
import { legacyVisitWorkflow } from './visit-legacy';
import { visitDetails, visitNotice } from './visit-notices';
import { visitLadder, type ContactRole } from './visit-policy';

const SYSTEM: VisitActor = { id: 'carewatch', role: 'system' };

// A record is one short database write: as a local activity it costs one marker event in the
// workflow task already under way (README "Performance").
const { recordVisitEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Capped short: the visit's timers wait behind a record that is retrying, so it resumes within seconds of the database's return.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '3 seconds' },
});
const { notifyVisitContact } = proxyActivities<Activities>(VISIT_ALERT_OPTIONS);

const reject = (message: string) => {
  throw ApplicationFailure.nonRetryable(message, 'InvalidTransition');
};
const iso = (ms: number) => new Date(ms).toISOString();
const ALARM_EVENTS = new Set(['duress-code-used', 'alert-sent', 'acknowledged', 'incident-resolved', 'notification-failed', 'request-declined']);
const GRAVITY: Record<IncidentReason, number> = { 'not-started': 0, 'missed-deadline': 0, 'red-flag': 1, duress: 2 };
/** The message each ladder sends: to responders, and to the worker where a step reaches them. */
const TEMPLATES: Record<LadderKind, { responders: string; worker: string }> = {
  'missed-deadline': { responders: 'visit-alert', worker: 'visit-overdue-worker' },
  'red-flag': { responders: 'visit-red-flag', worker: 'visit-red-flag' },
  duress: { responders: 'visit-duress', worker: 'visit-duress' },
  'not-started': { responders: 'visit-not-started', worker: 'visit-not-started' },
};

function firstMemory(input: VisitInput): VisitMemory {
  return {
    state: firstVisitState(input, Date.now()),
    seq: 0,
    awaitingWorker: false,
    duressRaised: false,
    remindedFor: null,
    startReminded: false,
    ladder: null,
    indexed: '',
    runs: 1,
  };
}

/**
 * One lone-working visit, from its start (or planned start) to check-out and the resolution
 * of any incident. Handlers first, then one loop that does what the timetable owes and waits
 * for the next thing due; every decision is recorded.
 */
export async function visitWorkflow(input: VisitInput): Promise<VisitState> {
  if (!patched('visit-v2')) return legacyVisitWorkflow(input);
  const { policy } = input;
  const workflowId = workflowInfo().workflowId;
  const v = input.carried ?? firstMemory(input);
  const { state } = v;
  /** Bumped by every recorded decision: the loop re-plans when it moves. */
  let changes = 0;
  const inFlight = new Set<Promise<unknown>>();
  const contacts: Record<ContactRole, Contact> = { worker: input.worker, buddy: input.buddy, manager: input.manager, emergency: input.emergencyContact };
  const now = () => iso(Date.now());

  // ---- State ----

  function statusNow(): VisitStatus {
    if (state.alert && !state.alert.owner) return 'escalating';
    if (state.incident) return 'incident';
    if (state.phase === 'scheduled') return 'scheduled';
    return state.phase === 'ended' ? 'closed' : 'open';
  }

  function dueMs(): number {
    const eta = Date.parse(state.eta);
    if (policy.checkInIntervalMs === null) return eta;
    return Math.min(Date.parse(state.lastCheckInAt ?? state.startedAt ?? input.eta) + policy.checkInIntervalMs, eta);
  }

  /** Past its deadline with no ladder under way yet: anyone allowed may already take charge. */
  const overdue = () => state.phase === 'in-progress' && !v.awaitingWorker && Date.now() >= dueMs();

  function track(promise: Promise<unknown>): void {
    // Sends and records run beside the timers; a failure is recorded, never thrown into the workflow.
    const settled = promise.catch(() => undefined).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  }

  /**
   * Search attributes are written only when what an operator filters on changes (status,
   * escalation level, the expected end): every upsert is a history event, and a check-in
   * changes none of them.
   */
  function index(extra: SearchAttributeUpdatePair[] = []): void {
    if (input.searchAttributes === false) return;
    const deadline = state.phase === 'ended' ? null : state.eta;
    const indexed = `${state.status}|${state.escalationLevel}|${deadline}`;
    if (indexed === v.indexed && !extra.length) return;
    v.indexed = indexed;
    upsertSearchAttributes([
      ...extra,
      { key: SA.status, value: state.status },
      { key: SA.escalationLevel, value: state.escalationLevel },
      { key: SA.nextDeadline, value: deadline ? new Date(deadline) : null },
    ]);
  }

  /** Records a decision and brings status, search attributes and the row up to date. */
  function record(type: string, actor: VisitActor, details: { reason?: string; data?: Record<string, unknown> } = {}): number {
    changes++;
    state.status = statusNow();
    state.nextDueAt = state.phase === 'in-progress' ? iso(dueMs()) : null;
    index();
    const seq = ++v.seq;
    track(
      recordVisitEvent({
        seq,
        type,
        actor: { id: actor.id, role: actor.role },
        at: now(),
        reason: details.reason,
        data: details.data,
        visibleToWorker: !(v.duressRaised && ALARM_EVENTS.has(type)),
        visit: visitRowOf(input, state, workflowId),
      }),
    );
    return seq;
  }

  /** A message that arrived when the visit could no longer act on it: kept, with why. */
  const declined = (actor: VisitActor, request: string, reason: string) => void record('request-declined', actor, { reason, data: { request } });

  // ---- Messages ----

  const details = () => visitDetails(input, state, state.phase === 'in-progress' ? iso(dueMs()) : null);

  /** Sends without waiting: the timetable keeps its times even when the relay is down. */
  function notify(roles: ContactRole[], template: string, eventSeq: number, extra: Record<string, unknown> = {}, withAck = false): void {
    for (const role of roles) {
      const notice = visitNotice(input, workflowId, { role, contact: contacts[role] }, { template, eventSeq, data: { ...details(), ...extra }, withAck });
      track(
        notifyVisitContact(notice).catch((err: unknown) => {
          record('notification-failed', SYSTEM, { reason: err instanceof Error ? err.message : String(err), data: { role, template, idempotencyKey: notice.idempotencyKey } });
        }),
      );
    }
  }

  const addRoles = (list: ContactRole[], roles: ContactRole[]) => {
    for (const role of roles) if (!list.includes(role)) list.push(role);
  };

  function openIncident(reason: IncidentReason): void {
    state.incident ??= { reason, openedAt: now(), owner: null, alerted: [] };
  }

  /** A name for whoever acted: the one they gave, else the contact they are, else their id. */
  function nameOf(actor: VisitActor): string {
    return actor.name ?? Object.values(contacts).find((c) => c.id === actor.id)?.name ?? actor.id;
  }

  // ---- The ladder ----

  function startLadder(kind: LadderKind, startMs: number): void {
    const reason: IncidentReason = kind === 'duress' ? 'duress' : kind;
    state.alert = { reason, startedAt: now(), alerted: [], owner: null };
    v.awaitingWorker = true;
    v.ladder = { kind, startMs, done: 0 };
  }

  /** Sends what the ladder owes now (a send whose time passed goes at once); returns when the next is due. */
  function walkLadder(): number | null {
    const ladder = v.ladder!;
    const alert = state.alert!;
    const due = dueAt(visitLadder(ladder.kind, policy, ladder.startMs), ladder.done, Date.now());
    ladder.done = due.done;
    for (const send of due.send) {
      state.escalationLevel = send.step;
      addRoles(alert.alerted, send.notify);
      const responders = send.notify.filter((r) => r !== 'worker');
      if (responders.length) {
        openIncident(alert.reason);
        addRoles(state.incident!.alerted, responders);
      }
      const eventSeq = record('alert-sent', SYSTEM, { reason: alert.reason, data: { step: send.step, repeat: send.repeat, notify: send.notify } });
      const about = { step: send.step, repeat: send.repeat, reason: alert.reason };
      notify(
        send.notify.filter((r) => r === 'worker'),
        TEMPLATES[ladder.kind].worker,
        eventSeq,
        about,
      );
      notify(responders, TEMPLATES[ladder.kind].responders, eventSeq, about, true);
    }
    return due.next?.at ?? null;
  }

  /** Does whatever is due now; returns when something is next due, or null when only a message can move the visit. */
  function actOnTimetable(): number | null {
    const t = Date.now();
    if (v.ladder) return walkLadder();
    if (state.phase === 'scheduled' && !state.incident) {
      const plannedMs = Date.parse(input.plannedStartAt!);
      if (!v.startReminded) {
        if (t < plannedMs) return plannedMs;
        v.startReminded = true;
        notify(['worker'], 'visit-start-reminder', record('start-reminder-sent', SYSTEM), { plannedStartAt: input.plannedStartAt });
      }
      const alertMs = plannedMs + policy.notStartedAlertMs;
      if (t < alertMs) return alertMs;
      startLadder('not-started', alertMs);
      openIncident('not-started');
      return walkLadder();
    }
    if (state.phase === 'in-progress' && !v.awaitingWorker) {
      const due = dueMs();
      if (v.remindedFor !== iso(due)) {
        const remindMs = due - policy.reminderBeforeMs;
        if (t < remindMs) return remindMs;
        v.remindedFor = iso(due);
        const dueKind = due === Date.parse(state.eta) ? 'check-out' : 'check-in';
        notify(['worker'], 'visit-reminder', record('reminder-sent', SYSTEM, { data: { dueKind } }), { dueKind });
      }
      // Overdue from `due` on (take-charge is open), but only a status: no timer, no record.
      const alertMs = due + policy.graceMs;
      if (t < alertMs) return alertMs;
      startLadder('missed-deadline', alertMs);
      return walkLadder();
    }
    return null;
  }

  // ---- What people do ----

  /** Worker heard from: a missed-deadline alert stands down and everyone alerted hears so. */
  function workerHeard(actor: VisitActor, type: string, data: Record<string, unknown>): void {
    v.awaitingWorker = false;
    const standingDown = state.alert && state.alert.reason !== 'red-flag' && state.alert.reason !== 'duress' ? state.alert : null;
    if (standingDown) {
      state.alert = null;
      state.escalationLevel = 0;
      v.ladder = null;
    }
    const eventSeq = record(type, actor, { data });
    const others = standingDown?.alerted.filter((r) => r !== 'worker') ?? [];
    if (others.length) notify(others, 'visit-all-clear', eventSeq, { how: type });
  }

  function raiseRedFlag(actor: VisitActor, reason: 'red-flag' | 'duress', why: string): void {
    // A newer alarm starts its ladder at once, even while an older one is still being sent.
    startLadder(reason, Date.now());
    openIncident(reason);
    // The gravest reason names the incident; a duress one must stay hidden from the worker's screen.
    if (GRAVITY[reason] > GRAVITY[state.incident!.reason]) state.incident!.reason = reason;
    v.duressRaised ||= reason === 'duress';
    record(reason === 'duress' ? 'duress-code-used' : 'red-flag-raised', actor, { reason: why });
  }

  /** The worker is there: a scheduled visit starts at the first word from them. */
  function startIfScheduled(): void {
    if (state.phase !== 'scheduled') return;
    state.phase = 'in-progress';
    state.startedAt = now();
  }

  /** A check-in or check-out: with the duress code it is recorded as given and raises a silent red flag. */
  function heardFromWorker(req: CheckInRequest, type: 'checked-in' | 'checked-out', where: 'check-in' | 'check-out'): void {
    if (req.codeHash && input.duressCodeHash && req.codeHash === input.duressCodeHash) {
      record(type, req.actor);
      raiseRedFlag(req.actor, 'duress', `Duress code entered at ${where}`);
    } else {
      workerHeard(req.actor, type, {});
    }
  }

  // ---- Handlers first, so nothing sent at start is lost ----

  setHandler(visitStateQuery, () => state);

  setHandler(checkInSignal, (req) => {
    if (state.phase === 'ended') return declined(req.actor, 'check-in', VISIT_CLOSED);
    startIfScheduled();
    state.lastCheckInAt = now();
    heardFromWorker(req, 'checked-in', 'check-in');
  });

  setHandler(checkOutSignal, (req) => {
    if (state.phase === 'scheduled') return declined(req.actor, 'check-out', 'The visit has not started; check in first');
    if (state.phase === 'ended') return declined(req.actor, 'check-out', 'The visit is already closed');
    state.phase = 'ended';
    state.closedAt = now();
    state.lastCheckInAt = now();
    heardFromWorker(req, 'checked-out', 'check-out');
  });

  setHandler(raiseRedFlagSignal, (req) => {
    if (state.phase === 'ended' && !state.incident) return declined(req.actor, 'red-flag', 'The visit is closed');
    // At any time: someone in danger must not have to check in first.
    startIfScheduled();
    raiseRedFlag(req.actor, 'red-flag', req.reason);
  });

  setHandler(acknowledgeSignal, (req) => {
    const taken = state.alert?.owner;
    if (taken) return declined(req.actor, 'acknowledge', `Already acknowledged by ${taken.name} (${taken.role}) at ${taken.at}`);
    if (!state.alert && !overdue()) return declined(req.actor, 'acknowledge', 'There is no alert to acknowledge');
    const owner: Owner = { id: req.actor.id, role: req.actor.role, name: nameOf(req.actor), at: now() };
    // Taking charge of an overdue visit before its ladder starts is what stops the ladder.
    if (!state.alert) {
      state.alert = { reason: 'missed-deadline', startedAt: now(), alerted: [], owner };
      v.awaitingWorker = true;
    }
    const alert = state.alert;
    alert.owner = owner;
    v.ladder = null;
    openIncident(alert.reason);
    state.incident!.owner ??= owner;
    const eventSeq = record('acknowledged', req.actor, { data: { via: req.via } });
    notify(
      alert.alerted.filter((r) => r !== 'worker' && r !== req.actor.role),
      'visit-taken-charge',
      eventSeq,
      { ownerName: owner.name, ownerRole: owner.role },
    );
  });

  setHandler(
    extendUpdate,
    (req) => {
      const addedMs = Date.parse(req.eta) - Date.parse(state.eta);
      state.extensions = { count: state.extensions.count + 1, totalMs: state.extensions.totalMs + addedMs };
      const previousEta = state.eta;
      state.eta = req.eta;
      workerHeard(req.actor, 'extended', { previousEta, eta: req.eta, extension: state.extensions.count, why: req.reason });
      if (state.extensions.count >= policy.notifyBuddyFromExtension) {
        notify(['buddy'], 'visit-extended', v.seq, { extension: state.extensions.count, why: req.reason, previousEta });
      }
      return workerView(state);
    },
    {
      validator: (req) => {
        const refused = extensionRefusal(state, policy, req.eta, Date.now());
        if (refused) reject(refused);
      },
    },
  );

  setHandler(
    resolveIncidentUpdate,
    (req) => {
      const endsVisit = state.phase === 'scheduled' || (state.phase === 'in-progress' && v.awaitingWorker);
      const { alerted } = state.incident!;
      state.incident = null;
      state.alert = null;
      state.escalationLevel = 0;
      // An alarm raised a moment before the resolution is part of what was resolved.
      v.ladder = null;
      v.awaitingWorker = false;
      state.riskReviewRequested ||= req.reviewRiskAssessment;
      if (endsVisit) {
        state.phase = 'ended';
        state.closedAt = now();
      }
      const eventSeq = record('incident-resolved', req.actor, {
        reason: req.rationale,
        data: { outcome: req.outcome, reviewRiskAssessment: req.reviewRiskAssessment, visitEnded: endsVisit },
      });
      // The worker is never told: a duress alarm must not reach an inbox someone may be watching.
      notify(alerted, 'visit-resolved', eventSeq, {
        outcome: req.outcome,
        rationale: req.rationale,
        resolverName: nameOf(req.actor),
        resolverRole: req.actor.role,
        reviewRiskAssessment: req.reviewRiskAssessment,
        visitEnded: endsVisit,
      });
      return state;
    },
    {
      validator: (_req) => {
        if (!state.incident) reject('There is no open incident to resolve');
      },
    },
  );

  // ---- Run ----

  if (!input.carried) {
    index([
      { key: SA.kind, value: 'visit' },
      { key: SA.team, value: input.team },
    ]);
    record(state.phase === 'scheduled' ? 'visit-scheduled' : 'visit-started', input.startedBy, {
      reason: input.safeguards,
      data: { policy: { ...policy }, plannedStartAt: input.plannedStartAt ?? null },
    });
  }

  for (;;) {
    const nextMs = actOnTimetable();
    if (nextMs === null && state.phase === 'ended' && !state.incident) break;
    const seen = changes;
    const untilNext = nextMs === null ? undefined : Math.max(1, nextMs - Date.now());
    const { historyLength, continueAsNewSuggested } = workflowInfo();
    if (continueAsNewSuggested || historyLength >= policy.continueAsNewAfterEvents) {
      // Hand over between sends once nothing is in flight; the next run resumes the same timetable.
      const quiet = await condition(() => changes !== seen || (inFlight.size === 0 && allHandlersFinished()), untilNext);
      if (quiet && changes === seen) await continueAsNew<typeof visitWorkflow>({ ...input, carried: { ...v, runs: v.runs + 1 } });
      continue;
    }
    await condition(() => changes !== seen, untilNext);
  }

  await condition(allHandlersFinished);
  while (inFlight.size) await Promise.all([...inFlight]);
  return state;
}
