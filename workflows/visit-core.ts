// What the visit workflow and its frozen pre-'visit-v2' version do alike: records, sends,
// the worker being heard from, alarms, taking charge, and the extend and resolve handlers.
// Histories of both replay against this code (test/visit-replay.test.ts): a change here must
// keep the commands of each.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities, VisitEventRecord, VisitNotification } from '../activities/contract';
import { SA } from '../config/search-attributes';
import { VISIT_ALERT_OPTIONS } from './activity-options';
import { servingRequests } from './requests';
import {
  checkInRefusal,
  checkInSignal,
  checkOutRefusal,
  checkOutSignal,
  eventRecordOf,
  extendUpdate,
  extensionRefusal,
  nextDueAtOf,
  raiseRedFlagSignal,
  redFlagRefusal,
  resolveIncidentUpdate,
  startEventOf,
  visitDueMs,
  visitStateAttributes,
  visitStateQuery,
  workerView,
  type AcknowledgeRequest,
  type CheckInRequest,
  type Contact,
  type EventDetails,
  type IncidentReason,
  type Owner,
  type RedFlagRequest,
  type VisitActor,
  type VisitInput,
  type VisitMemory,
  type VisitState,
  type VisitStatus,
} from './visit-contract';
import { visitDetails, visitNotice } from './visit-notices';
import type { ContactRole } from './visit-policy';

export const SYSTEM: VisitActor = { id: 'carewatch', role: 'system' };

export const RECORD_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  // Capped short: the visit's timers wait behind a record that is retrying, so it resumes within seconds of the database's return.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '3 seconds' },
} as const;
// As a local activity a record cost one marker event in the workflow task under way, but it
// ran before that task was committed: a task lost with its worker had written events its retry
// then numbered differently, and the first write won (the soak found 10 of 922 actions so).
// Kept for the visits that ran it (visit.ts RECORDS_AFTER_COMMIT, visit-legacy.ts).
export const { recordVisitEvent: recordVisitEventLocally } = proxyLocalActivities<Activities>(RECORD_OPTIONS);
// As an activity a record runs only once the task that decided it is in history, which also
// names its number and input (operations/reconcile.ts can compare and repair it).
export const { recordVisitEvent: recordVisitEventAfterCommit } = proxyActivities<Activities>(RECORD_OPTIONS);
const { notifyVisitContact } = proxyActivities<Activities>(VISIT_ALERT_OPTIONS);

/** Refuses an update: the caller gets the reason, history gets nothing. */
export const reject = (message: string) => {
  throw ApplicationFailure.nonRetryable(message, 'InvalidTransition');
};
export const iso = (ms: number) => new Date(ms).toISOString();
/** What `index` wrote last, as one value: it writes again only when this changes. */
const indexKey = (status: string, escalationLevel: number, deadline: string | null) => `${status}|${escalationLevel}|${deadline}`;

/**
 * What the visit's starter indexed it with (`visitStartOptions`), as `index` keeps it, or ''
 * when it gave no status: read from the start event, so a run's replay decides the same.
 */
export function indexedAtStart(): string {
  const started = workflowInfo().typedSearchAttributes;
  const status = started.get(SA.status);
  const escalationLevel = started.get(SA.escalationLevel);
  if (status === undefined || escalationLevel === undefined) return '';
  return indexKey(status, escalationLevel, started.get(SA.nextDeadline)?.toISOString() ?? null);
}

/** Whether the starter gave the visit the attributes that never change. */
export function kindAndTeamAtStart(): boolean {
  const started = workflowInfo().typedSearchAttributes;
  return started.get(SA.kind) !== undefined && started.get(SA.team) !== undefined;
}

const ALARM_EVENTS: ReadonlySet<string> = new Set(['duress-code-used', 'alert-sent', 'acknowledged', 'incident-resolved', 'notification-failed', 'request-declined']);
const GRAVITY: Record<IncidentReason, number> = { 'not-started': 0, 'missed-deadline': 0, 'red-flag': 1, duress: 2 };

/** What a visit remembers that both workflows use; the rest of `VisitMemory` is the current workflow's own. */
export type SharedMemory = Pick<VisitMemory, 'seq' | 'awaitingWorker' | 'duressRaised' | 'indexed'>;

/** Where the two workflows differ in what the shared steps touch. */
export interface VisitHooks {
  /** The deadline written to search attributes. */
  indexedDeadline: () => string | null;
  /** Writes one event row. */
  recordEvent: (event: VisitEventRecord) => Promise<void>;
  /** Whether an open visit shows as overdue (only the legacy visit records it). */
  overdue?: () => boolean;
  /** Starts an alarm's alert and whatever walks it. */
  startAlarm: (reason: 'red-flag' | 'duress') => void;
  /** What else the workflow forgets when the worker is heard from (`stoodDown`: a missed-deadline alert ended). */
  workerHeard: (stoodDown: boolean) => void;
  /** What else the workflow forgets when an incident is resolved. */
  resolved: () => void;
  /** Whether those alerted hear of the resolution. */
  announcesResolution: () => boolean;
  /** Whether a decision's first message carries its record (asked only when it sends any); never, when absent. */
  carriesRecords?: () => boolean;
  /** When the visit next owes an alarm, for its row (`nextAlarmMsOf`); absent from the legacy visit, whose rows leave it empty. */
  nextAlarmMs?: () => number | null;
}

/** Messages one decision sends: one per role, all with the same template. */
export interface Send {
  roles: ContactRole[];
  template: string;
  extra?: Record<string, unknown>;
  withAck?: boolean;
}

/** What a workflow does with a message it refuses. */
type Refused = (actor: VisitActor, request: string, reason: string) => void;

/** The steps both visit workflows share, over one visit's state and memory. */
export function visitCore(input: VisitInput, state: VisitState, memory: SharedMemory, hooks: VisitHooks) {
  const { policy } = input;
  const workflowId = workflowInfo().workflowId;
  /** Bumped by every recorded decision: waits end when it moves. */
  let changes = 0;
  const inFlight = new Set<Promise<unknown>>();
  const serve = servingRequests();
  const contacts: Record<ContactRole, Contact> = { worker: input.worker, buddy: input.buddy, manager: input.manager, emergency: input.emergencyContact };
  const now = () => iso(Date.now());

  function statusNow(): VisitStatus {
    if (state.alert && !state.alert.owner) return 'escalating';
    if (state.incident) return 'incident';
    if (state.phase === 'scheduled') return 'scheduled';
    if (state.phase === 'ended') return 'closed';
    return hooks.overdue?.() ? 'overdue' : 'open';
  }

  const dueMs = () => visitDueMs(input, state);

  function track(promise: Promise<unknown>): void {
    // Sends and records run beside the timers; a failure is recorded, never thrown into the workflow.
    const settled = promise.catch(() => undefined).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  }

  /**
   * Search attributes are written only when what an operator filters on changes (status,
   * escalation level, the deadline): every upsert is a history event.
   */
  function index(extra: SearchAttributeUpdatePair[] = []): void {
    if (input.searchAttributes === false) return;
    const deadline = hooks.indexedDeadline();
    const indexed = indexKey(state.status, state.escalationLevel, deadline);
    if (indexed === memory.indexed && !extra.length) return;
    memory.indexed = indexed;
    upsertSearchAttributes([...extra, ...visitStateAttributes(state.status, state.escalationLevel, deadline)]);
  }

  /** A decided record no activity has written yet: the next record carries it (`earlier`). */
  let held: VisitEventRecord | null = null;

  /** A decision: status and search attributes brought up to date, and its numbered record, not yet written. */
  function decide(type: string, actor: VisitActor, details: EventDetails): VisitEventRecord {
    changes++;
    state.status = statusNow();
    state.nextDueAt = nextDueAtOf(input, state);
    index();
    const earlier = held ? { earlier: [held] } : {};
    held = null;
    const numbered = { workflowId, seq: ++memory.seq, at: now(), visibleToWorker: !(memory.duressRaised && ALARM_EVENTS.has(type)) };
    return { ...earlier, ...eventRecordOf(input, state, numbered, { type, actor, details }, hooks.nextAlarmMs?.()) };
  }

  /** Records a decision and brings status, search attributes and the row up to date. */
  function record(type: string, actor: VisitActor, details: EventDetails = {}): number {
    const event = decide(type, actor, details);
    track(hooks.recordEvent(event));
    return event.seq;
  }

  const messageDetails = () => visitDetails(input, state, nextDueAtOf(input, state));

  /** Sends without waiting: the ladder keeps its times even when the relay is down. A send that gives up is recorded, with the event it carried. */
  function deliver(notice: VisitNotification, carrying?: VisitEventRecord): void {
    track(
      notifyVisitContact(carrying ? { ...notice, record: carrying } : notice).catch((err: unknown) => {
        if (carrying) track(recordVisitEventAfterCommit(carrying));
        const { template, idempotencyKey } = notice;
        record('notification-failed', SYSTEM, { reason: err instanceof Error ? err.message : String(err), data: { role: notice.data.recipientRole, template, idempotencyKey } });
      }),
    );
  }

  const noticesFor = (roles: ContactRole[], template: string, eventSeq: number, extra: Record<string, unknown> = {}, withAck = false) =>
    roles.map((role) => visitNotice(input, workflowId, { role, contact: contacts[role] }, { template, eventSeq, data: { ...messageDetails(), ...extra }, withAck }));

  function notify(roles: ContactRole[], template: string, eventSeq: number, extra: Record<string, unknown> = {}, withAck = false): void {
    for (const notice of noticesFor(roles, template, eventSeq, extra, withAck)) deliver(notice);
  }

  /**
   * Records a decision and sends what it sends. Where `carriesRecords` says so, the first
   * message's activity writes the record before it sends: the workflow task that decided
   * schedules the send (and its next timer) and completes at once, instead of being held
   * open until a local activity has recorded the event (README "Performance").
   */
  function recordAndNotify(type: string, actor: VisitActor, details: EventDetails, sends: Send[]): number {
    const event = decide(type, actor, details);
    const notices = sends.flatMap((s) => noticesFor(s.roles, s.template, event.seq, s.extra, s.withAck));
    const carried = notices.length > 0 && (hooks.carriesRecords?.() ?? false);
    if (!carried) track(hooks.recordEvent(event));
    notices.forEach((notice, i) => deliver(notice, carried && i === 0 ? event : undefined));
    return event.seq;
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

  function startAlert(reason: IncidentReason): void {
    state.alert = { reason, startedAt: now(), alerted: [], owner: null };
    memory.awaitingWorker = true;
  }

  /** One step of a ladder: who it reaches is recorded, the responders among them open the incident. */
  function alertStep(template: { responders: string; worker: string }, notifyRoles: ContactRole[], step: number, repeat: number): void {
    const alert = state.alert!;
    state.escalationLevel = step;
    addRoles(alert.alerted, notifyRoles);
    const responders = notifyRoles.filter((r) => r !== 'worker');
    if (responders.length) {
      openIncident(alert.reason);
      addRoles(state.incident!.alerted, responders);
    }
    const about = { step, repeat, reason: alert.reason };
    recordAndNotify('alert-sent', SYSTEM, { reason: alert.reason, data: { step, repeat, notify: notifyRoles } }, [
      { roles: notifyRoles.filter((r) => r === 'worker'), template: template.worker, extra: about },
      { roles: responders, template: template.responders, extra: about, withAck: true },
    ]);
  }

  /** Worker heard from: a missed-deadline alert stands down and everyone alerted hears so. */
  function workerHeard(actor: VisitActor, type: string, data: Record<string, unknown>): void {
    memory.awaitingWorker = false;
    const standingDown = state.alert && state.alert.reason !== 'red-flag' && state.alert.reason !== 'duress' ? state.alert : null;
    if (standingDown) {
      state.alert = null;
      state.escalationLevel = 0;
    }
    hooks.workerHeard(!!standingDown);
    const eventSeq = record(type, actor, { data });
    const others = standingDown?.alerted.filter((r) => r !== 'worker') ?? [];
    if (others.length) notify(others, 'visit-all-clear', eventSeq, { how: type });
  }

  function raiseRedFlag(actor: VisitActor, reason: 'red-flag' | 'duress', why: string): void {
    hooks.startAlarm(reason);
    openIncident(reason);
    // The gravest reason names the incident; a duress one must stay hidden from the worker's screen.
    if (GRAVITY[reason] > GRAVITY[state.incident!.reason]) state.incident!.reason = reason;
    memory.duressRaised ||= reason === 'duress';
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

  function checkIn(req: CheckInRequest): void {
    startIfScheduled();
    state.lastCheckInAt = now();
    heardFromWorker(req, 'checked-in', 'check-in');
  }

  function checkOut(req: CheckInRequest): void {
    state.phase = 'ended';
    state.closedAt = now();
    state.lastCheckInAt = now();
    heardFromWorker(req, 'checked-out', 'check-out');
  }

  function redFlag(req: RedFlagRequest): void {
    // At any time: someone in danger must not have to check in first.
    startIfScheduled();
    raiseRedFlag(req.actor, 'red-flag', req.reason);
  }

  /** `req.actor` takes charge of `alert`: the ladder's own run stops it; the others alerted hear who. */
  function takeCharge(alert: NonNullable<VisitState['alert']>, req: AcknowledgeRequest): void {
    const owner: Owner = { id: req.actor.id, role: req.actor.role, name: nameOf(req.actor), at: now() };
    alert.owner = owner;
    openIncident(alert.reason);
    state.incident!.owner ??= owner;
    const eventSeq = record('acknowledged', req.actor, { data: { via: req.via } });
    notify(
      alert.alerted.filter((r) => r !== 'worker' && r !== req.actor.role),
      'visit-taken-charge',
      eventSeq,
      { ownerName: owner.name, ownerRole: owner.role },
    );
  }

  /** A worker's signal acts unless the visit refuses it now; then `refused` hears why. */
  function setSignalHandler<R extends { actor: VisitActor }>(
    signal: SignalDefinition<[R]>,
    request: string,
    refusal: (s: VisitState) => string | null,
    act: (req: R) => void,
    refused: Refused,
  ): void {
    setHandler(signal, (req) => {
      const why = refusal(state);
      if (why) return refused(req.actor, request, why);
      act(req);
    });
  }
  const setCheckInHandler = (refused: Refused) => setSignalHandler(checkInSignal, 'check-in', checkInRefusal, checkIn, refused);
  const setCheckOutHandler = (refused: Refused) => setSignalHandler(checkOutSignal, 'check-out', checkOutRefusal, checkOut, refused);
  const setRedFlagHandler = (refused: Refused) => setSignalHandler(raiseRedFlagSignal, 'red-flag', redFlagRefusal, redFlag, refused);

  const setStateQueryHandler = () => setHandler(visitStateQuery, () => state);

  function setExtendHandler(): void {
    serve(
      extendUpdate,
      (req) => {
        const addedMs = Date.parse(req.eta) - Date.parse(state.eta);
        state.extensions = { count: state.extensions.count + 1, totalMs: state.extensions.totalMs + addedMs };
        const previousEta = state.eta;
        state.eta = req.eta;
        workerHeard(req.actor, 'extended', { previousEta, eta: req.eta, extension: state.extensions.count, why: req.reason });
        if (state.extensions.count >= policy.notifyBuddyFromExtension) {
          notify(['buddy'], 'visit-extended', memory.seq, { extension: state.extensions.count, why: req.reason, previousEta });
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
  }

  function setResolveHandler(): void {
    serve(
      resolveIncidentUpdate,
      (req) => {
        const endsVisit = state.phase === 'scheduled' || (state.phase === 'in-progress' && memory.awaitingWorker);
        const { alerted } = state.incident!;
        state.incident = null;
        state.alert = null;
        state.escalationLevel = 0;
        // An alarm raised a moment before the resolution is part of what was resolved.
        hooks.resolved();
        memory.awaitingWorker = false;
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
        if (hooks.announcesResolution()) {
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
        validator: (_req) => {
          if (!state.incident) reject('There is no open incident to resolve');
        },
      },
    );
  }

  /**
   * The first record of a new visit. `heldForNextActivity`: its starter has written it
   * (`firstVisitRecord`), so the workflow's copy rides on whatever activity comes next.
   */
  function recordStart(heldForNextActivity = false): void {
    const { type, actor, details } = startEventOf(input, state);
    if (heldForNextActivity) held = decide(type, actor, details);
    else record(type, actor, details);
  }

  /** A held record written on its own: before a continue-as-new or the end, where no activity may follow. */
  function writeHeld(): void {
    if (held) track(hooks.recordEvent(held));
    held = null;
  }

  /** Ends the run once every handler and every send and record under way has finished. */
  async function finish(): Promise<VisitState> {
    writeHeld();
    await condition(allHandlersFinished);
    while (inFlight.size) await Promise.all([...inFlight]);
    return state;
  }

  return {
    changes: () => changes,
    inFlight,
    dueMs,
    index,
    record,
    notify,
    recordAndNotify,
    openIncident,
    startAlert,
    alertStep,
    checkIn,
    checkOut,
    redFlag,
    takeCharge,
    setStateQueryHandler,
    setCheckInHandler,
    setCheckOutHandler,
    setRedFlagHandler,
    setExtendHandler,
    setResolveHandler,
    recordStart,
    writeHeld,
    finish,
  };
}
