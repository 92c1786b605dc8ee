import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../lib/db';
import { visitWorkflowV3 } from '../../workflows/visit';
import { visitStartOptions, visitStateQuery, type RequestedVisitInput, type VisitInput, type VisitState } from '../../workflows/visit-contract';
import { resolvePolicy, type PolicyOverrides, type RiskLevel } from '../../workflows/visit-policy';
import { as } from './api';
import { eventually } from './eventually';
import type { ReceivedMail } from './smtp-sink';
import { createHarness, timeSkippingSuite, type Harness } from './temporal';

export const MIN = 60_000;

/** A request from the visit's worker, or its manager: the actor part of every message body. */
export const asWorker = (input: VisitInput) => ({ actor: { id: input.worker.id, role: 'worker', name: input.worker.name } });
export const asManager = (input: VisitInput) => ({ actor: { id: input.manager.id, role: 'manager', name: input.manager.name } });

/** A visit as a starter starts it: asked for now. */
export const requestedNow = (input: VisitInput): RequestedVisitInput => ({ ...input, requestedAt: new Date().toISOString() });

/** A visit whose every contact has an address of its own, so tests sharing one SMTP sink never mix mail. */
export function visitInput(options: { risk?: RiskLevel; policy?: PolicyOverrides; startMs: number; etaInMs?: number } & Partial<Omit<VisitInput, 'policy'>>) {
  const { risk = 'high', policy: overrides, startMs, etaInMs = 60 * MIN, ...rest } = options;
  const visitId = randomUUID();
  const tag = visitId.slice(0, 8);
  const { policy, problems } = resolvePolicy(risk, overrides);
  if (problems.length) throw new Error(JSON.stringify(problems));
  const input: VisitInput = {
    visitId,
    team: 'north',
    kind: 'home',
    riskLevel: risk,
    clientRef: `C-${tag}`,
    location: '12 Acacia Avenue, Leeds LS1 1AA',
    notes: 'Dog in the house',
    worker: { id: `worker-${tag}`, name: 'Wendy Worker', email: `worker-${tag}@example.org` },
    buddy: { id: `buddy-${tag}`, name: 'Bob Buddy', email: `buddy-${tag}@example.org` },
    manager: { id: `manager-${tag}`, name: 'Mina Manager', email: `manager-${tag}@example.org` },
    emergencyContact: { name: 'On-call Desk', email: `oncall-${tag}@example.org` },
    eta: new Date(startMs + etaInMs).toISOString(),
    policy,
    startedBy: { id: `worker-${tag}`, role: 'worker' },
    safeguards: 'Second person present in the building',
    searchAttributes: false,
    ...rest,
  };
  return { input, tag, mail: (role: 'worker' | 'buddy' | 'manager' | 'oncall') => `${role}-${tag}@example.org` };
}

/** A `POST /visits` body: the worker chooses only the buddy, the directory gives everyone else. */
export const startBody = (tag: string, overrides: Record<string, unknown> = {}) => ({
  kind: 'home',
  riskLevel: 'medium',
  clientRef: `C-${tag}`,
  location: '3 Mill Lane, York YO1 7HH',
  eta: new Date(Date.now() + 90 * MIN).toISOString(),
  buddy: { name: 'Bob Buddy', email: `buddy-${tag}@example.org` },
  ...overrides,
});

/** The visit's recorded events once they satisfy `done` (recording runs beside the workflow). */
export function eventsOf(db: Db, visitId: string, done: (types: string[]) => boolean = () => true, timeoutMs = 20_000) {
  return eventually(async () => {
    const events = await db.visitEvent.findMany({ where: { visitId }, orderBy: { seq: 'asc' } });
    return done(events.map((e) => e.type)) && events;
  }, timeoutMs);
}

export const count = (types: string[], type: string) => types.filter((t) => t === type).length;

export const sentTo = (messages: ReceivedMail[], address: string) => messages.filter((m) => m.to.includes(address));

export interface VisitSuite {
  env: TestWorkflowEnvironment;
  harness: Harness;
  start(input: VisitInput): Promise<WorkflowHandle<typeof visitWorkflowV3>>;
}

/** timeSkippingSuite, plus a way to start a visit on its worker's task queue. */
export function visitSuite(overrides?: Parameters<typeof createHarness>[0]): VisitSuite {
  const suite = timeSkippingSuite(overrides);
  return Object.assign(suite, {
    start: (input: VisitInput) => suite.env.client.workflow.start(visitWorkflowV3, { ...visitStartOptions(input), taskQueue: suite.harness.taskQueue }),
  });
}

/** The visit's state once `done` holds: a signal is kept at once and handled by the next workflow task. */
export const stateWhen = (handle: WorkflowHandle<typeof visitWorkflowV3>, done: (s: VisitState) => boolean, timeoutMs = 20_000) =>
  eventually(async () => {
    const state = await handle.query(visitStateQuery);
    return done(state) && state;
  }, timeoutMs);

/** A visit's worker and manager in the directory, with the addresses the tests read mail for. */
export async function directoryParties(tag: string, team = 'north') {
  return {
    worker: await as(`worker-${tag}`, 'worker', team, { name: 'Wendy Worker', email: `worker-${tag}@example.org` }),
    manager: await as(`manager-${tag}`, 'manager', team, { name: 'Mina Manager', email: `manager-${tag}@example.org` }),
  };
}
