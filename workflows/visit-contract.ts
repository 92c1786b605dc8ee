// What the API, the worker and the tests use to speak to a visit: ids, messages, state types.
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { SA } from '../config/search-attributes';
import type { VisitEventRecord, VisitRow } from '../activities/contract';
import { plannedSend } from './escalation-timetable';
import { visitLadder, type ContactRole, type RiskLevel, type VisitPolicy } from './visit-policy';

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
  /**
   * When its starter asked for it (ISO): the visit's clock starts then, not when a worker
   * first runs it, so a worker process down at the start cannot push the first check-in
   * later than the row says it is due. Absent in visits started before it.
   */
  requestedAt?: string;
  policy: VisitPolicy;
  /** Keyed hash of the worker's duress code; the code itself never enters history. */
  duressCodeHash?: string;
  startedBy: VisitActor;
  /** Why a high-risk visit may go ahead (second person present, manager approval). */
  safeguards?: string;
  /** The time-skipping test server has no custom search attributes. */
  searchAttributes?: boolean;
  /** Set by continue-as-new: where the previous run left off. */
  carried?: VisitMemory;
}

/** A visit as its starter starts it: with the time it was asked for. */
export type RequestedVisitInput = VisitInput & { requestedAt: string };

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

/** Which ladder an alert walks: each has its own steps in the policy. */
export type LadderKind = 'missed-deadline' | 'red-flag' | 'duress' | 'not-started';

/** Everything a visit knows, in one object: what a continue-as-new hands to the next run. */
export interface VisitMemory {
  state: VisitState;
  /** Number of the last recorded event: event rows and message keys are unique across runs. */
  seq: number;
  /** True from the moment a missed-deadline or not-started alert starts until the worker is heard from. */
  awaitingWorker: boolean;
  /** Once a duress code is used, alarm events stay out of the worker's view for good. */
  duressRaised: boolean;
  /** The deadline (ISO) whose reminder went out, so each deadline is reminded once. */
  remindedFor: string | null;
  startReminded: boolean;
  /** The ladder being walked: its kind, when its first send was due and how many planned sends are behind it. */
  ladder: { kind: LadderKind; startMs: number; done: number } | null;
  /** Search attribute values last written: only a change is written again. */
  indexed: string;
  runs: number;
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

// Signals: kept by the server the moment it has them, so an alarm, a check-in or a take-charge
// never waits for a worker; the API checks what it can from the visit's row first.
export const checkInSignal = defineSignal<[CheckInRequest]>('checkInSignal');
export const checkOutSignal = defineSignal<[CheckInRequest]>('checkOutSignal');
export const raiseRedFlagSignal = defineSignal<[RedFlagRequest]>('raiseRedFlagSignal');
export const acknowledgeSignal = defineSignal<[AcknowledgeRequest]>('acknowledgeSignal');

// Updates: the caller needs the workflow's verdict (policy limits, the manager's decision).
export const extendUpdate = defineUpdate<VisitState, [ExtendRequest]>('extend');
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

/** A visit's state before anything has happened: at `nowMs` it is open, or scheduled if its planned start is later. */
export function firstVisitState(input: VisitInput, nowMs: number): VisitState {
  const scheduled = !!input.plannedStartAt && Date.parse(input.plannedStartAt) > nowMs;
  return {
    visitId: input.visitId,
    status: scheduled ? 'scheduled' : 'open',
    phase: scheduled ? 'scheduled' : 'in-progress',
    parties: { workerId: input.worker.id, buddyId: input.buddy.id ?? null, managerId: input.manager.id, team: input.team },
    eta: input.eta,
    nextDueAt: null,
    startedAt: scheduled ? null : new Date(nowMs).toISOString(),
    lastCheckInAt: null,
    closedAt: null,
    extensions: { count: 0, totalMs: 0 },
    escalationLevel: 0,
    alert: null,
    incident: null,
    riskReviewRequested: false,
  };
}

/**
 * The time a new visit's first state is decided at: its request's, never later than its
 * first workflow task (a starter whose clock runs ahead must not postpone the check-ins).
 */
export function visitClockStartMs(input: VisitInput, firstTaskMs: number): number {
  return input.requestedAt ? Math.min(Date.parse(input.requestedAt), firstTaskMs) : firstTaskMs;
}

/** The visit's database row for a state: what the API authorises and answers from. */
export function visitRowOf(input: VisitInput, state: VisitState, workflowId: string, nextAlarmMs?: number | null): VisitRow {
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
    ...(nextAlarmMs === undefined ? {} : { nextAlarmAt: nextAlarmMs === null ? null : new Date(nextAlarmMs).toISOString() }),
    // A copy: the row is sent as an activity argument while the workflow's state moves on.
    state: JSON.parse(JSON.stringify(state)) as Record<string, unknown>,
  };
}

// Why a visit refuses a message, or null: the workflow decides, the API answers from the row first.

export const checkInRefusal = (state: VisitState): string | null => (state.phase === 'ended' ? VISIT_CLOSED : null);

export function checkOutRefusal(state: VisitState): string | null {
  if (state.phase === 'scheduled') return 'The visit has not started; check in first';
  if (state.phase === 'ended') return 'The visit is already closed';
  return null;
}

export const redFlagRefusal = (state: VisitState): string | null => (state.phase === 'ended' && !state.incident ? 'The visit is closed' : null);

export const alreadyTakenBy = (owner: Owner) => `Already acknowledged by ${owner.name} (${owner.role}) at ${owner.at}`;

/** Why a take-charge is refused: someone has it, or there is neither an alert nor an overdue visit to take. */
export function acknowledgeRefusal(state: VisitState, overdue: boolean): string | null {
  const owner = state.alert?.owner;
  if (owner) return alreadyTakenBy(owner);
  if (!state.alert && !overdue) return 'There is no alert to acknowledge';
  return null;
}

/** Why a new expected end time is refused, or null: within the policy's count and total, later than now and than the current one. */
export function extensionRefusal(state: VisitState, policy: VisitPolicy, newEta: string, nowMs: number): string | null {
  if (state.phase === 'ended') return 'The visit is closed';
  const eta = Date.parse(newEta);
  if (!(eta > nowMs)) return 'The new ETA is in the past';
  if (!(eta > Date.parse(state.eta))) return `The new ETA must be later than the current ETA ${state.eta}`;
  if (state.extensions.count >= policy.maxExtensions) return `No more extensions: at most ${policy.maxExtensions} per visit`;
  if (state.extensions.totalMs + eta - Date.parse(state.eta) > policy.maxTotalExtensionMs)
    return `Extensions may add at most ${policy.maxTotalExtensionMs / 60_000} minutes in all`;
  return null;
}

/** When the worker must next be heard from: the next check-in the policy asks for, or the expected end. */
export function visitDueMs(input: VisitInput, state: VisitState): number {
  const eta = Date.parse(state.eta);
  if (input.policy.checkInIntervalMs === null) return eta;
  return Math.min(Date.parse(state.lastCheckInAt ?? state.startedAt ?? input.eta) + input.policy.checkInIntervalMs, eta);
}

/**
 * When the visit next alarms someone if nobody acts, or null when it owes no alarm: the
 * ladder's next planned send while one is walked; else, before the start, the not-started
 * alert; else, in progress and not already alerting, the missed-deadline alert after the
 * grace. The workflow's timetable (visit.ts `actOnTimetable`) starts its ladders at these
 * times, and test/visit-workflow.test.ts checks the row's against the alerts actually sent.
 */
export function nextAlarmMsOf(input: VisitInput, state: VisitState, memory: Pick<VisitMemory, 'ladder' | 'awaitingWorker'>): number | null {
  const { policy } = input;
  if (memory.ladder) return plannedSend(visitLadder(memory.ladder.kind, policy, memory.ladder.startMs), memory.ladder.done + 1)?.at ?? null;
  if (state.phase === 'scheduled' && !state.incident) return Date.parse(input.plannedStartAt!) + policy.notStartedAlertMs;
  if (state.phase === 'in-progress' && !memory.awaitingWorker) return visitDueMs(input, state) + policy.graceMs;
  return null;
}

/** The row's `nextDueAt`: only a visit in progress is due. */
export const nextDueAtOf = (input: VisitInput, state: VisitState): string | null => (state.phase === 'in-progress' ? new Date(visitDueMs(input, state)).toISOString() : null);

/** What a decision's record says beside its type and actor. */
export interface EventDetails {
  reason?: string;
  data?: Record<string, unknown>;
}

/** A decision: what happened, by whom. */
export interface VisitDecision {
  type: string;
  actor: VisitActor;
  details: EventDetails;
}

/** A decision's numbered record, with the visit's row as its state stands now. */
export function eventRecordOf(
  input: VisitInput,
  state: VisitState,
  { workflowId, seq, at, visibleToWorker }: { workflowId: string; seq: number; at: string; visibleToWorker: boolean },
  { type, actor, details }: VisitDecision,
  nextAlarmMs?: number | null,
): VisitEventRecord {
  return {
    seq,
    type,
    actor: { id: actor.id, role: actor.role },
    at,
    reason: details.reason,
    data: details.data,
    visibleToWorker,
    visit: visitRowOf(input, state, workflowId, nextAlarmMs),
  };
}

/** What the visit's first event says: started or scheduled, by whom, and under which policy. */
export function startEventOf(input: VisitInput, state: VisitState): VisitDecision {
  return {
    type: state.phase === 'scheduled' ? 'visit-scheduled' : 'visit-started',
    actor: input.startedBy,
    details: { reason: input.safeguards, data: { policy: { ...input.policy }, plannedStartAt: input.plannedStartAt ?? null } },
  };
}

/**
 * The visit's first record (event 1 and its row) as its workflow decides it: its starter
 * writes it before anyone learns the visit's id, so the row and the timeline are there at
 * once and the workflow's own copy may ride on its next activity.
 */
export function firstVisitRecord(input: RequestedVisitInput): VisitEventRecord {
  const nowMs = Date.parse(input.requestedAt);
  const state = firstVisitState(input, nowMs);
  state.nextDueAt = nextDueAtOf(input, state);
  const numbered = { workflowId: visitWorkflowId(input.visitId), seq: 1, at: new Date(nowMs).toISOString(), visibleToWorker: true };
  return eventRecordOf(input, state, numbered, startEventOf(input, state), nextAlarmMsOf(input, state, { ladder: null, awaitingWorker: false }));
}

/** The search attributes a visit never changes. */
export const visitKindAndTeam = (team: string): SearchAttributePair[] => [
  { key: SA.kind, value: 'visit' },
  { key: SA.team, value: team },
];

/** What operators filter visits on as their state moves: written at the start and at every change of it (`index` in visit-core). */
export const visitStateAttributes = (status: VisitStatus, escalationLevel: number, deadline: string | null): SearchAttributeUpdatePair[] => [
  { key: SA.status, value: status },
  { key: SA.escalationLevel, value: escalationLevel },
  { key: SA.nextDeadline, value: deadline ? new Date(deadline) : null },
];

/**
 * How a visit is started: its id and input and, from a starter that says when it asked, the
 * search attributes its first state has, so its first workflow task writes none (the
 * workflow writes whatever it decides differently: `indexedAtStart` in visit-core).
 */
export function visitStartOptions(input: VisitInput): { workflowId: string; args: [VisitInput]; typedSearchAttributes?: SearchAttributePair[] } {
  const workflowId = visitWorkflowId(input.visitId);
  if (input.searchAttributes === false || !input.requestedAt) return { workflowId, args: [input] };
  const first = firstVisitState(input, Date.parse(input.requestedAt));
  const typedSearchAttributes = [...visitKindAndTeam(input.team), ...visitStateAttributes(first.status, first.escalationLevel, first.eta)].filter(
    (pair): pair is SearchAttributePair => pair.value !== null,
  );
  return { workflowId, args: [input], typedSearchAttributes };
}
