import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities/contract';
import { SA } from '../config/search-attributes';
import { doneBeforeDeadline } from './deadline';
import {
  acknowledgeSignal,
  checkInSignal,
  checkOutSignal,
  extendUpdate,
  raiseRedFlagSignal,
  resolveIncidentUpdate,
  extensionRefusal,
  firstVisitState,
  VISIT_CLOSED,
  visitRowOf,
  visitStateQuery,
  workerView,
  type AcknowledgeRequest,
  type CheckInRequest,
  type Contact,
  type IncidentReason,
  type Owner,
  type RedFlagRequest,
  type ResolveRequest,
  type VisitActor,
  type VisitInput,
  type VisitState,
  type VisitStatus,
} from './visit-contract';
import { visitDetails, visitNotice } from './visit-notices';
import type { ContactRole } from './visit-policy';

// The visit as it ran before 'visit-v2': frozen, so visits started before that deploy replay
// exactly. Its only addition is the signals the API now sends, each running the update
// handler of the same name (adding a handler is replay-safe).

// The updates the API sent before 'visit-v2': histories hold them, so their handlers stay.
const checkInUpdate = defineUpdate<VisitState, [CheckInRequest]>('checkIn');
const checkOutUpdate = defineUpdate<VisitState, [CheckInRequest]>('checkOut');
const raiseRedFlagUpdate = defineUpdate<VisitState, [RedFlagRequest]>('raiseRedFlag');
const acknowledgeUpdate = defineUpdate<VisitState, [AcknowledgeRequest]>('acknowledge');

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
export async function legacyVisitWorkflow(input: VisitInput): Promise<VisitState> {
  const { policy } = input;
  const workflowId = workflowInfo().workflowId;
  const scheduled = !!input.plannedStartAt && Date.parse(input.plannedStartAt) > Date.now();
  const state: VisitState = firstVisitState(input, Date.now());
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
        visit: visitRowOf(input, state, workflowId),
      }),
    );
    return eventSeq;
  }

  const details = () => visitDetails(input, state, state.phase === 'in-progress' ? iso(dueMs()) : null);

  /** Sends without waiting: the ladder keeps its schedule even when the relay is down. */
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
        notify(
          step.notify.filter((r) => r === 'worker'),
          'visit-overdue-worker',
          eventSeq,
          about,
        );
        notify(
          step.notify.filter((r) => r !== 'worker'),
          template,
          eventSeq,
          about,
          true,
        );
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

  /** An update and, where the API now signals instead, a signal that runs it when its validator lets it through. */
  function handle<T>(signal: SignalDefinition<[T]>, update: UpdateDefinition<VisitState, [T]>, handler: (req: T) => VisitState, options: { validator: (req: T) => void }): void {
    setHandler(update, handler, options);
    setHandler(signal, (req: T) => {
      try {
        options.validator(req);
      } catch {
        return;
      }
      handler(req);
    });
  }

  handle(
    checkInSignal,
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
        const refused = extensionRefusal(state, policy, req.eta, Date.now());
        if (refused) reject(refused);
      },
    },
  );

  handle(
    checkOutSignal,
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

  handle(
    raiseRedFlagSignal,
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

  handle(
    acknowledgeSignal,
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
