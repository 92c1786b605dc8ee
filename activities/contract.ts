// The activities as the workflows call them: each group's signatures and the records they
// carry. Workflows import this module only, and it is type-checked with them without Node's
// types (tsconfig.workflows.json), so it may import nothing but workflow contracts and
// domain/. Each factory's return type is its group here: the two cannot drift.
import type { CopyDecision } from '../domain/plan/copies';
import type { DecisionBy } from '../domain/plan/types';
import type { DeclinedSupportChange } from '../workflows/declined-support-contract';
import type { DisagreementChange } from '../workflows/disagreement-contract';
import type { CopyDecisionRequest, OneToOneReviewRequest, PlanState, RecordReviewRequest, UnscheduledRequest } from '../workflows/plan-contract';
import type { RequestAnswer } from '../workflows/request-contract';
import type { RetentionPolicy } from '../workflows/retention-contract';

export interface NotificationRequest {
  /**
   * Deterministic for the event being notified (e.g. `visit-42:ladder:2:buddy`): the same
   * key is never delivered twice, whatever retries or crashes happen.
   */
  idempotencyKey: string;
  to: string;
  template: string;
  data: Record<string, unknown>;
  subjectType: string;
  subjectId: string;
}

export interface NotificationResult {
  deliveryId: string;
  status: 'sent' | 'already-sent';
  sentAt: string;
}

/** The visit as the database shows it; sent whole with every event so any one of them can create the row. */
export interface VisitRow {
  id: string;
  workflowId: string;
  workerId: string;
  team: string;
  managerId: string;
  buddyId: string | null;
  kind: string;
  riskLevel: string;
  clientRef: string;
  status: string;
  plannedStartAt: string | null;
  startedAt: string | null;
  eta: string;
  nextDueAt: string | null;
  lastCheckInAt: string | null;
  escalationLevel: number;
  incidentReason: string | null;
  incidentOwner: string | null;
  riskReviewRequested: boolean;
  closedAt: string | null;
  /**
   * When the visit next owes an alarm if nobody acts (ISO), null when it owes none: written
   * at every decision, so one whose time has passed without a newer record is an alarm the
   * service is late with (README "Metrics"). Absent from records of the legacy visit (before visit-v2).
   */
  nextAlarmAt?: string | null;
  /** The workflow's whole state (absent from visits started before it was kept): the API reads it. */
  state?: Record<string, unknown>;
}

export interface VisitEventRecord {
  /** Numbered by the workflow: a retried activity writes the same row again, not a second one. */
  seq: number;
  type: string;
  actor: { id: string; role: string };
  /** Workflow time of the decision. */
  at: string;
  reason?: string;
  data?: Record<string, unknown>;
  visibleToWorker: boolean;
  visit: VisitRow;
  /**
   * Events decided before this one that no activity has written yet, written first: the
   * visit's first record, which its starter has already written, rides on the next activity
   * instead of costing one (and a workflow task) of its own.
   */
  earlier?: VisitEventRecord[];
}

export interface VisitNotification {
  idempotencyKey: string;
  visitId: string;
  to: string;
  template: string;
  data: Record<string, unknown>;
  /** Present for alerts someone can take charge of: the message then carries a signed link. */
  ack?: { role: string; recipient: string; ttlMs: number };
  /** Present for the worker's reminders and alerts: the message then carries a signed "I'm OK" link. */
  ok?: { recipient: string; ttlMs: number };
  /** The event that caused the message, written before it is sent (the workflow did not record it itself). */
  record?: VisitEventRecord;
}

/** One change to a plan, recorded atomically: the plan as it now is, the event, and what was decided. */
export interface PlanChange {
  /** Deterministic per workflow change: a retried activity records nothing twice. */
  key: string;
  planId: string;
  at: string;
  state: PlanState;
  type: string;
  summary: string;
  by?: DecisionBy;
  data?: Record<string, unknown>;
  decision?: { kind: string; decision: string; rationale: string; adultViews?: string };
  review?: { number: number; kind: 'scheduled'; record: RecordReviewRequest } | { number: number; kind: 'one_to_one'; record: OneToOneReviewRequest };
  request?: UnscheduledRequest;
  disclosure?: { id: string; request: CopyDecisionRequest; decision: CopyDecision };
}

// Function-typed properties, not methods: an implementation's parameters are then checked
// strictly (contravariantly) against these, not bivariantly.

/** Activities that reach people. */
export interface NotificationActivities {
  deliverNotification: (request: NotificationRequest) => Promise<NotificationResult>;
}

/** Activities that keep the visit's record and reach the people around it. */
export interface VisitActivities {
  recordVisitEvent: (event: VisitEventRecord) => Promise<void>;
  notifyVisitContact: (request: VisitNotification) => Promise<NotificationResult>;
}

/** Activities that keep the plan's record: every change, decision and disclosure. */
export interface PlanActivities {
  recordPlanChange: (change: PlanChange) => Promise<void>;
}

/** Activities that keep the records of the Making Safeguarding Personal rules (issue 9). */
export interface MspActivities {
  /** The case as it now is and the event that changed it; a retried change records once. */
  recordDeclinedSupportChange: (change: DeclinedSupportChange) => Promise<void>;
  /** The disagreement as it now is: each change carries all of it. */
  recordDisagreementChange: (change: DisagreementChange) => Promise<void>;
}

/** Answers a request a caller waits on: the API reads the answer from its row. */
export interface RequestActivities {
  answerRequest: (answer: RequestAnswer) => Promise<void>;
}

export interface RetentionActivities {
  /** Disposes every record whose review says "dispose"; one transaction per record, so a retry resumes. Answers how many. */
  disposeDecidedRecords: (run: { runId: string }) => Promise<number>;
  /**
   * Lists plans ended and visits closed longer ago than their retention period (and
   * retained records whose extension ran out), each awaiting a decision. Idempotent per
   * run; answers how many await one.
   */
  listRecordsDueForReview: (run: { runId: string; at: string; policy: RetentionPolicy; disposed: number }) => Promise<number>;
}

/** Every activity the worker registers. */
export type Activities = NotificationActivities & VisitActivities & PlanActivities & MspActivities & RequestActivities & RetentionActivities;
