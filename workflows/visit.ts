import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { VisitRow } from '../activities/visits';
import { SA } from '../config/search-attributes';
import { doneBeforeDeadline } from './deadline';
import type { ContactRole, RiskLevel, VisitPolicy } from './visit-policy';

// ---- Contract: what the API and tests use to speak to a visit ----

/** Why a closed visit refuses what only an open one can do. */
export const VISIT_CLOSED = 'The visit is closed; start a new visit to keep being watched';

/** Workflow id for a visit: never contains personal data. */
export const visitWorkflowId = (visitId: string) => `visit-${visitId}`;

export type VisitKind = 'home' | 'building' | 'online';
export type VisitStatus = 'scheduled' | 'open' | 'overdue' | 'escalating' | 'incident' | 'closed';
export type IncidentReason = 'missed-deadline' | 'red-flag' | 'duress' | 'not-started';

export interface Contact {
  id?: string;
  name: string;
  email: string;
}

export interface VisitActor {
  id: string;
  role: string;
  name?: string;
}

export interface VisitInput {
  visitId: string;
  team: string;
  kind: VisitKind;
  riskLevel: RiskLevel;
  /** A reference to the client's record, not their name. */
  clientRef: string;
  /** Address, or the link of an online session: what a responder needs to find the worker. */
  location: string;
  notes?: string;
  worker: Contact & { id: string };
  buddy: Contact;
  manager: Contact & { id: string };
  emergencyContact: Contact;
  /** Expected end time (ISO). */
  eta: string;
  /** Set for a visit scheduled ahead: it arms itself at this time (ISO). */
  plannedStartAt?: string;
  policy: VisitPolicy;
  /** Keyed hash of the worker's duress code; the code itself never enters history. */
  duressCodeHash?: string;
  startedBy: VisitActor;
  /** Why a high-risk visit may go ahead (second person present, manager approval). */
  safeguards?: string;
  /** The time-skipping test server has no custom search attributes. */
  searchAttributes?: boolean;
}

export interface Owner {
  id: string;
  role: string;
  name: string;
  at: string;
}

export interface VisitState {
  visitId: string;
  status: VisitStatus;
  phase: 'scheduled' | 'in-progress' | 'ended';
  parties: { workerId: string; buddyId: string | null; managerId: string; team: string };
  eta: string;
  nextDueAt: string | null;
  startedAt: string | null;
  lastCheckInAt: string | null;
  closedAt: string | null;
  extensions: { count: number; totalMs: number };
  /** 0 when nobody is being alerted; otherwise the ladder step (1-based) reached. */
  escalationLevel: number;
  /** The alert under way, until someone takes charge or the worker is heard from. */
  alert: { reason: IncidentReason; startedAt: string; alerted: ContactRole[]; owner: Owner | null } | null;
  /** Open until a manager resolves it; nothing closes it silently. Everyone it alerted hears how it ended. */
  incident: { reason: IncidentReason; openedAt: string; owner: Owner | null; alerted: ContactRole[] } | null;
  riskReviewRequested: boolean;
}

export interface CheckInRequest {
  actor: VisitActor;
  /** Keyed hash of the code the worker typed, if any. */
  codeHash?: string;
}
export interface ExtendRequest {
  actor: VisitActor;
  eta: string;
  reason: string;
}
export interface RedFlagRequest {
  actor: VisitActor;
  reason: string;
}
export interface AcknowledgeRequest {
  actor: VisitActor;
  via: 'link' | 'api';
}
export interface ResolveRequest {
  actor: VisitActor;
  outcome: 'worker-safe' | 'worker-harmed' | 'client-harmed' | 'false-alarm' | 'visit-cancelled' | 'other';
  rationale: string;
  reviewRiskAssessment: boolean;
}

export const checkInUpdate = defineUpdate<VisitState, [CheckInRequest]>('checkIn');
export const extendUpdate = defineUpdate<VisitState, [ExtendRequest]>('extend');
export const checkOutUpdate = defineUpdate<VisitState, [CheckInRequest]>('checkOut');
export const raiseRedFlagUpdate = defineUpdate<VisitState, [RedFlagRequest]>('raiseRedFlag');
export const acknowledgeUpdate = defineUpdate<VisitState, [AcknowledgeRequest]>('acknowledge');
export const resolveIncidentUpdate = defineUpdate<VisitState, [ResolveRequest]>('resolveIncident');
export const visitStateQuery = defineQuery<VisitState>('visitState');

/**
 * What the worker's own screen may show: a silent alarm must look like nothing happened to
 * whoever is watching it.
 */
export function workerView(state: VisitState): VisitState {
  if (state.incident?.reason !== 'duress') return state;
  return { ...state, status: state.phase === 'ended' ? 'closed' : 'open', alert: null, incident: null, escalationLevel: 0 };
}

// ---- Workflow ----

const SYSTEM: VisitActor = { id: 'carewatch', role: 'system' };

const RECORD_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;
const { recordVisitEvent } = proxyActivities<Activities>(RECORD_OPTIONS);
// A record is one short database write: as a local activity it costs one marker event in the
// workflow task already under way, instead of three history events, a task-queue round trip
// and a workflow task of its own (README "Performance": the bench's steady and burst figures).
const { recordVisitEvent: recordVisitEventLocally } = proxyLocalActivities<Activities>(RECORD_OPTIONS);
// Bounded, so a relay outage ends in a recorded failure; the ladder's next alert tries again.
const { notifyVisitContact } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});

const reject = (message: string) => {
  throw ApplicationFailure.nonRetryable(message, 'InvalidTransition');
};
const iso = (ms: number) => new Date(ms).toISOString();
const ALARM_EVENTS = new Set(['duress-code-used', 'alert-sent', 'acknowledged', 'incident-resolved', 'notification-failed']);

const GRAVITY: Record<IncidentReason, number> = { 'not-started': 0, 'missed-deadline': 0, 'red-flag': 1, duress: 2 };

interface AlertStep {
  notify: ContactRole[];
  waitMs: number;
  repeats: number;
}

/**
 * One lone-working visit, from its start (or planned start) to check-out and the
 * resolution of any incident. Timing lives here; every decision is recorded.
 */
export async function visitWorkflow(input: VisitInput): Promise<VisitState> {
  const { policy } = input;
  const workflowId = workflowInfo().workflowId;
  const scheduled = !!input.plannedStartAt && Date.parse(input.plannedStartAt) > Date.now();
  const state: VisitState = {
    visitId: input.visitId,
    status: scheduled ? 'scheduled' : 'open',
    phase: scheduled ? 'scheduled' : 'in-progress',
    parties: { workerId: input.worker.id, buddyId: input.buddy.id ?? null, managerId: input.manager.id, team: input.team },
    eta: input.eta,
    nextDueAt: null,
    startedAt: scheduled ? null : iso(Date.now()),
    lastCheckInAt: null,
    closedAt: null,
    extensions: { count: 0, totalMs: 0 },
    escalationLevel: 0,
    alert: null,
    incident: null,
    riskReviewRequested: false,
  };
  let seq = 0;
  /** Bumped whenever the worker is heard from (a normal check-in, extension or check-out). */
  let heard = 0;
  /** True from the moment the ladder starts until the worker is heard from. */
  let awaitingWorker = false;
  let overdue = false;
  let redFlagPending = false;
  /** Once a duress code is used, alarm events stay out of the worker's view for good. */
  let duressRaised = false;
  let changes = 0;
  let lastIndexed = '';
  const inFlight = new Set<Promise<unknown>>();

  const contacts: Record<ContactRole, Contact> = {
    worker: input.worker,
    buddy: input.buddy,
    manager: input.manager,
    emergency: input.emergencyContact,
  };

  function statusNow(): VisitStatus {
    if (state.alert && !state.alert.owner) return 'escalating';
    if (state.incident) return 'incident';
    if (state.phase === 'scheduled') return 'scheduled';
    if (state.phase === 'ended') return 'closed';
    return overdue ? 'overdue' : 'open';
  }

  function dueMs(): number {
    const eta = Date.parse(state.eta);
    if (policy.checkInIntervalMs === null) return eta;
    const checkInDue = Date.parse(state.lastCheckInAt ?? state.startedAt ?? input.eta) + policy.checkInIntervalMs;
    return Math.min(checkInDue, eta);
  }

  function track(promise: Promise<unknown>): void {
    // Sends and records run beside the timers; a failure is recorded, never thrown into the workflow.
    const settled = promise.catch(() => undefined).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  }

  function row(): VisitRow {
    return {
      id: input.visitId,
      workflowId,
      workerId: input.worker.id,
      team: input.team,
      managerId: input.manager.id,
      buddyId: input.buddy.id ?? null,
      kind: input.kind,
      riskLevel: input.riskLevel,
      clientRef: input.clientRef,
      status: state.status,
      plannedStartAt: input.plannedStartAt ?? null,
      startedAt: state.startedAt,
      eta: state.eta,
      nextDueAt: state.nextDueAt,
      lastCheckInAt: state.lastCheckInAt,
      escalationLevel: state.escalationLevel,
      incidentReason: state.incident?.reason ?? null,
      incidentOwner: state.incident?.owner ? `${state.incident.owner.name} (${state.incident.owner.role})` : null,
      riskReviewRequested: state.riskReviewRequested,
      closedAt: state.closedAt,
    };
  }

  /** Records a decision and brings status, search attributes and the row up to date. */
  function record(type: string, actor: VisitActor, details: { reason?: string; data?: Record<string, unknown> } = {}): number {
    changes++;
    state.status = statusNow();
    state.nextDueAt = state.phase === 'in-progress' ? iso(dueMs()) : null;
    const indexed = `${state.status}|${state.escalationLevel}|${state.nextDueAt}`;
    // Only a change is written: every upsert is a history event.
    if (input.searchAttributes !== false && indexed !== lastIndexed) {
      lastIndexed = indexed;
      upsertSearchAttributes([
        { key: SA.status, value: state.status },
        { key: SA.escalationLevel, value: state.escalationLevel },
        { key: SA.nextDeadline, value: state.nextDueAt ? new Date(state.nextDueAt) : null },
      ]);
    }
    const eventSeq = ++seq;
    const recordEvent = patched('visit-events-as-local-activities') ? recordVisitEventLocally : recordVisitEvent;
    track(
      recordEvent({
        seq: eventSeq,
        type,
        actor: { id: actor.id, role: actor.role },
        at: iso(Date.now()),
        reason: details.reason,
        data: details.data,
        visibleToWorker: !(duressRaised && ALARM_EVENTS.has(type)),
        visit: row(),
      }),
    );
    return eventSeq;
  }

  function details(): Record<string, unknown> {
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
      dueAt: state.phase === 'in-progress' ? iso(dueMs()) : null,
      buddyName: input.buddy.name,
      managerName: input.manager.name,
    };
  }

  /** Sends without waiting: the ladder keeps its schedule even when the relay is down. */
  function notify(roles: ContactRole[], template: string, eventSeq: number, extra: Record<string, unknown> = {}, withAck = false): void {
    for (const role of roles) {
      const contact = contacts[role];
      const idempotencyKey = `${workflowId}:e${eventSeq}:${template}:${role}`;
      track(
        notifyVisitContact({
          idempotencyKey,
          visitId: input.visitId,
          to: contact.email,
          template,
          data: { ...details(), ...extra, recipientName: contact.name, recipientRole: role },
          ...(withAck && role !== 'worker' ? { ack: { role, recipient: contact.name, ttlMs: policy.ackLinkTtlMs } } : {}),
        }).catch((err: unknown) => {
          record('notification-failed', SYSTEM, { reason: err instanceof Error ? err.message : String(err), data: { role, template, idempotencyKey } });
        }),
      );
    }
  }

  function openIncident(reason: IncidentReason): void {
    state.incident ??= { reason, openedAt: iso(Date.now()), owner: null, alerted: [] };
  }

  const addRoles = (list: ContactRole[], roles: ContactRole[]) => {
    for (const role of roles) if (!list.includes(role)) list.push(role);
  };

  /** A name for whoever acted: the one they gave, else the contact they are, else their id. */
  function nameOf(actor: VisitActor): string {
    return actor.name ?? Object.values(contacts).find((c) => c.id === actor.id)?.name ?? actor.id;
  }

  /** Alerts step by step until `stopped`; the last step repeats until someone takes charge. */
  async function alertUntil(steps: AlertStep[], template: string, stopped: () => boolean): Promise<void> {
    for (const [index, step] of steps.entries()) {
      const last = index === steps.length - 1;
      for (let repeat = 0; last || repeat < step.repeats; repeat++) {
        if (stopped()) return;
        state.escalationLevel = index + 1;
        const alert = state.alert!;
        addRoles(alert.alerted, step.notify);
        const responders = step.notify.filter((r) => r !== 'worker');
        if (responders.length) {
          openIncident(alert.reason);
          addRoles(state.incident!.alerted, responders);
        }
        const eventSeq = record('alert-sent', SYSTEM, { reason: alert.reason, data: { step: index + 1, repeat: repeat + 1, notify: step.notify } });
        const about = { step: index + 1, repeat: repeat + 1, reason: alert.reason };
        notify(step.notify.filter((r) => r === 'worker'), 'visit-overdue-worker', eventSeq, about);
        notify(step.notify.filter((r) => r !== 'worker'), template, eventSeq, about, true);
        const answered = await condition(stopped, step.waitMs);
        if (answered) return;
      }
    }
  }

  function startAlert(reason: IncidentReason): void {
    state.alert = { reason, startedAt: iso(Date.now()), alerted: [], owner: null };
    awaitingWorker = true;
  }

  const takenCharge = () => !state.alert || !!state.alert.owner;

  /** Worker heard from: a missed-deadline alert stands down and everyone alerted hears so. */
  function workerHeard(actor: VisitActor, type: string, data: Record<string, unknown>): void {
    heard++;
    overdue = false;
    awaitingWorker = false;
    const standingDown = state.alert && state.alert.reason !== 'red-flag' && state.alert.reason !== 'duress' ? state.alert : null;
    if (standingDown) {
      state.alert = null;
      state.escalationLevel = 0;
    }
    const eventSeq = record(type, actor, { data });
    const others = standingDown?.alerted.filter((r) => r !== 'worker') ?? [];
    if (others.length) notify(others, 'visit-all-clear', eventSeq, { how: type });
  }

  function raiseRedFlag(actor: VisitActor, reason: IncidentReason, why: string): void {
    startAlert(reason);
    openIncident(reason);
    // The gravest reason names the incident; a duress one must stay hidden from the worker's screen.
    if (GRAVITY[reason] > GRAVITY[state.incident!.reason]) state.incident!.reason = reason;
    redFlagPending = true;
    duressRaised ||= reason === 'duress';
    record(reason === 'duress' ? 'duress-code-used' : 'red-flag-raised', actor, { reason: why });
  }

  /** The worker is there: a scheduled visit starts at the first word from them. */
  function startIfScheduled(): void {
    if (state.phase !== 'scheduled') return;
    state.phase = 'in-progress';
    state.startedAt = now();
  }

  const duress = (req: CheckInRequest) => !!req.codeHash && !!input.duressCodeHash && req.codeHash === input.duressCodeHash;

  /** A check-in or check-out: with the duress code it is recorded as given and raises a silent red flag. */
  function heardFromWorker(req: CheckInRequest, type: 'checked-in' | 'checked-out', where: 'check-in' | 'check-out'): void {
    if (duress(req)) {
      record(type, req.actor);
      raiseRedFlag(req.actor, 'duress', `Duress code entered at ${where}`);
    } else {
      workerHeard(req.actor, type, {});
    }
  }
  const now = () => iso(Date.now());

  // ---- Handlers first, so nothing sent at start is lost ----

  setHandler(visitStateQuery, () => state);

  setHandler(
    checkInUpdate,
    (req) => {
      startIfScheduled();
      state.lastCheckInAt = now();
      heardFromWorker(req, 'checked-in', 'check-in');
      return workerView(state);
    },
    {
      validator: (_req: CheckInRequest) => {
        if (state.phase === 'ended') reject(VISIT_CLOSED);
      },
    },
  );

  setHandler(
    extendUpdate,
    (req) => {
      const addedMs = Date.parse(req.eta) - Date.parse(state.eta);
      state.extensions = { count: state.extensions.count + 1, totalMs: state.extensions.totalMs + addedMs };
      const previousEta = state.eta;
      state.eta = req.eta;
      workerHeard(req.actor, 'extended', { previousEta, eta: req.eta, extension: state.extensions.count, why: req.reason });
      if (state.extensions.count >= policy.notifyBuddyFromExtension) {
        notify(['buddy'], 'visit-extended', seq, { extension: state.extensions.count, why: req.reason, previousEta });
      }
      return workerView(state);
    },
    {
      validator: (req) => {
        if (state.phase === 'ended') reject('The visit is closed');
        const eta = Date.parse(req.eta);
        if (!(eta > Date.now())) reject('The new ETA is in the past');
        if (!(eta > Date.parse(state.eta))) reject(`The new ETA must be later than the current ETA ${state.eta}`);
        if (state.extensions.count >= policy.maxExtensions) reject(`No more extensions: at most ${policy.maxExtensions} per visit`);
        const totalMs = state.extensions.totalMs + eta - Date.parse(state.eta);
        if (totalMs > policy.maxTotalExtensionMs) reject(`Extensions may add at most ${policy.maxTotalExtensionMs / 60_000} minutes in all`);
      },
    },
  );

  setHandler(
    checkOutUpdate,
    (req) => {
      state.phase = 'ended';
      state.closedAt = now();
      state.lastCheckInAt = now();
      heardFromWorker(req, 'checked-out', 'check-out');
      return workerView(state);
    },
    {
      validator: (_req: CheckInRequest) => {
        if (state.phase === 'scheduled') reject('The visit has not started; check in first');
        if (state.phase === 'ended') reject('The visit is already closed');
      },
    },
  );

  setHandler(
    raiseRedFlagUpdate,
    (req) => {
      // At any time: someone in danger must not have to check in first.
      startIfScheduled();
      raiseRedFlag(req.actor, 'red-flag', req.reason);
      return state;
    },
    {
      validator: (_req: RedFlagRequest) => {
        if (state.phase === 'ended' && !state.incident) reject('The visit is closed');
      },
    },
  );

  setHandler(
    acknowledgeUpdate,
    (req) => {
      const alert = state.alert!;
      const owner: Owner = { id: req.actor.id, role: req.actor.role, name: nameOf(req.actor), at: now() };
      alert.owner = owner;
      state.incident!.owner ??= owner;
      const eventSeq = record('acknowledged', req.actor, { data: { via: req.via } });
      const others = alert.alerted.filter((r) => r !== 'worker' && r !== req.actor.role);
      notify(others, 'visit-taken-charge', eventSeq, { ownerName: owner.name, ownerRole: owner.role });
      return state;
    },
    {
      validator: (_req: AcknowledgeRequest) => {
        if (!state.alert || !state.incident) reject('There is no alert to acknowledge');
        const owner = state.alert?.owner;
        if (owner) reject(`Already acknowledged by ${owner.name} (${owner.role}) at ${owner.at}`);
      },
    },
  );

  setHandler(
    resolveIncidentUpdate,
    (req) => {
      const endsVisit = state.phase === 'scheduled' || (state.phase === 'in-progress' && awaitingWorker);
      const { alerted } = state.incident!;
      state.incident = null;
      state.alert = null;
      state.escalationLevel = 0;
      awaitingWorker = false;
      // An alarm raised a moment before the resolution is part of what was resolved.
      redFlagPending = false;
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
      if (patched('resolution-notice')) {
        notify(alerted, 'visit-resolved', eventSeq, {
          outcome: req.outcome,
          rationale: req.rationale,
          resolverName: nameOf(req.actor),
          resolverRole: req.actor.role,
          reviewRiskAssessment: req.reviewRiskAssessment,
          visitEnded: endsVisit,
        });
      }
      return state;
    },
    {
      validator: (_req: ResolveRequest) => {
        if (!state.incident) reject('There is no open incident to resolve');
      },
    },
  );

  // ---- Run ----

  if (input.searchAttributes !== false) {
    upsertSearchAttributes([
      { key: SA.kind, value: 'visit' },
      { key: SA.team, value: input.team },
    ]);
  }
  record(scheduled ? 'visit-scheduled' : 'visit-started', input.startedBy, {
    reason: input.safeguards,
    data: { policy: { ...policy }, plannedStartAt: input.plannedStartAt ?? null },
  });

  async function watchScheduledStart(): Promise<void> {
    const started = () => state.phase !== 'scheduled';
    const plannedMs = Date.parse(input.plannedStartAt!);
    if (patched('scheduled-start-reminder')) {
      if (await doneBeforeDeadline(started, () => plannedMs)) return;
      notify(['worker'], 'visit-start-reminder', record('start-reminder-sent', SYSTEM), { plannedStartAt: input.plannedStartAt });
    }
    if (await doneBeforeDeadline(started, () => plannedMs + policy.notStartedAlertMs)) return;
    startAlert('not-started');
    openIncident('not-started');
    const managerWait = policy.ladder.find((s) => s.notify === 'manager')?.waitMs ?? policy.redFlagRepeatMs;
    await alertUntil([{ notify: ['manager'], waitMs: managerWait, repeats: 1 }], 'visit-not-started', () => started() || takenCharge());
  }

  async function watchNextDeadline(): Promise<void> {
    const since = heard;
    const interrupted = () => heard !== since || state.phase !== 'in-progress' || redFlagPending;
    if (await doneBeforeDeadline(interrupted, () => dueMs() - policy.reminderBeforeMs)) return;
    const dueKind = dueMs() === Date.parse(state.eta) ? 'check-out' : 'check-in';
    notify(['worker'], 'visit-reminder', record('reminder-sent', SYSTEM, { data: { dueKind } }), { dueKind });
    if (await doneBeforeDeadline(interrupted, dueMs)) return;
    overdue = true;
    record('overdue', SYSTEM, { data: { dueKind } });
    if (await doneBeforeDeadline(interrupted, () => dueMs() + policy.graceMs)) return;
    startAlert('missed-deadline');
    const ladder = policy.ladder.map((s) => ({ ...s, notify: [s.notify] }));
    await alertUntil(ladder, 'visit-alert', () => interrupted() || takenCharge());
  }

  async function alertRedFlag(): Promise<void> {
    redFlagPending = false;
    const reason = state.alert!.reason;
    const notifyRoles: ContactRole[] = ['buddy', 'manager', ...(policy.redFlagAlertsEmergency ? (['emergency'] as const) : [])];
    // A duress code entered while a red flag is still being sent goes out at once, not after it.
    const yieldsToNewer = patched('red-flag-yields-to-duress');
    const stopped = () => takenCharge() || (yieldsToNewer && redFlagPending);
    await alertUntil([{ notify: notifyRoles, waitMs: policy.redFlagRepeatMs, repeats: 1 }], reason === 'duress' ? 'visit-duress' : 'visit-red-flag', stopped);
  }

  for (;;) {
    if (redFlagPending) await alertRedFlag();
    else if (state.phase === 'scheduled' && !state.incident) await watchScheduledStart();
    else if (state.phase === 'in-progress' && !awaitingWorker) await watchNextDeadline();
    else if (state.phase === 'ended' && !state.incident) break;
    else {
      // Someone has taken charge: wait for the worker, a red flag or the manager's resolution.
      const seen = changes;
      await condition(() => changes !== seen || redFlagPending);
    }
  }

  await condition(allHandlersFinished);
  while (inFlight.size) await Promise.all([...inFlight]);
  return state;
}
