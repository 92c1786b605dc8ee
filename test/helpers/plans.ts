import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { ReviewOutcome, ReviewRecord } from '../../domain/plan/reviews';
import type { DecisionBy, Measure, PlanContent } from '../../domain/plan/types';
import { planWorkflow } from '../../workflows/plan';
import { goLiveUpdate, planWorkflowId, type PlanInput } from '../../workflows/plan-contract';
import type { DeclinedSupportInput } from '../../workflows/declined-support-contract';
import type { DisagreementInput } from '../../workflows/disagreement-contract';
import { resolvePlanPolicy } from '../../workflows/plan-policy';
import { addDays, DAY_MS, dateStartMs, toDateString } from '../../workflows/working-days';
import type { ReceivedMail } from './smtp-sink';
import { timeSkippingSuite, type Harness } from './temporal';
import { askingWith } from './requests';

export { DAY_MS };
export const HOUR_MS = 60 * 60 * 1000;

export const manager: DecisionBy = { actorId: 'mgr-1', actorRole: 'manager' };
export const practitioner: DecisionBy = { actorId: 'prac-1', actorRole: 'practitioner' };
export const contacts = {
  leadPractitioner: { id: 'prac-1', email: 'lead@example.org' },
  manager: { id: 'mgr-1', email: 'manager@example.org' },
  safeguardingLead: { id: 'sg-1', email: 'safeguarding-lead@example.org' },
};

export function planContent(overrides: Partial<PlanContent> = {}): PlanContent {
  return {
    risks: [{ id: 'r1', description: 'Financial abuse by a relative', likelyImpact: 'Loss of savings; unable to pay for care' }],
    measures: [
      { id: 'm1', kind: 'proactive', type: 'other', description: 'Bank sets up a third-party mandate check' },
      { id: 'm2', kind: 'reactive', type: 'other', description: 'Urgent review of the care and support plan if money goes missing' },
    ],
    actions: [{ id: 'a1', description: 'Meet the bank with the adult', owner: { name: 'Sam Lee', agency: 'Community Bank' }, dueDate: '2099-01-01' }],
    monitoring: 'Weekly call from the lead practitioner',
    adult: {
      views: 'Wants to stay in touch with her nephew but keep her money safe',
      wishes: 'To manage her own bank account',
      desiredOutcomes: [{ id: 'o1', description: 'My money is safe' }],
      howTheyTookPart: 'At the planning meeting, with her advocate',
      preferredFormat: 'standard',
    },
    involved: [{ name: 'Pat Advocate', role: 'advocate' }],
    ...overrides,
  };
}

/** A restrictive measure lacking legal advice, to prove a plan cannot go live with it. */
/** A plan recorded by the practitioner and put live by the manager through the API (an app, or a running API's URL). */
export async function livePlanThroughApi(api: Parameters<typeof request>[0], practitioner: { authorization: string }, manager: { authorization: string }): Promise<string> {
  const created = await request(api)
    .post('/plans')
    .set(practitioner)
    .send({
      content: planContent(),
      consent: { basis: 'given', capacityConfirmed: true },
      contacts,
      firstReviewDate: addDays(toDateString(Date.now()), 30),
      benefitRationale: 'On-going risk of financial abuse; the adult wants a plan',
    })
    .expect(201);
  await request(api).post(`/plans/${created.body.planId}/go-live`).set(manager).expect(200);
  return created.body.planId;
}

/** The plan contacts with a lead practitioner and a manager of a test file's own: user accounts (and their teams) are shared by the whole run. */
export const ownPlanContacts = (tag: string) => ({
  ...contacts,
  leadPractitioner: { id: `prac-${tag}`, email: `lead-${tag}@example.org` },
  manager: { id: `mgr-${tag}`, email: `manager-${tag}@example.org` },
});

export const supervisedContact: Measure = { id: 'm3', kind: 'proactive', type: 'supervise_contact', description: 'Visits by the nephew are supervised' };

export function planInput(nowMs: number, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    planId: randomUUID(),
    team: 'east',
    content: planContent(),
    consent: { basis: 'given', capacityConfirmed: true },
    contacts,
    firstReviewDate: toDateString(nowMs + 30 * DAY_MS),
    benefitRationale: 'On-going risk of financial abuse; the adult wants a plan',
    createdBy: practitioner,
    ...overrides,
    // As the API starts plans: the policy arrives complete.
    policy: resolvePlanPolicy(overrides.policy),
  };
}

/** Support declined by an adult after everything was explained; the lead practitioner is named after the case id. */
export function declinedSupportInput(overrides: Partial<DeclinedSupportInput> = {}): DeclinedSupportInput {
  const caseId = randomUUID();
  return {
    caseId,
    team: 'east',
    refusal: {
      declined: 'A plan',
      optionsExplained: 'Plan; advocacy',
      implicationsExplained: 'Nobody checks her money',
      coercionConsidered: true,
      coercionNotes: 'Seen alone',
      adultViews: 'Does not want a plan',
    },
    leadPractitioner: { id: 'prac-1', email: `lead-${caseId.slice(0, 8)}@example.org` },
    createdBy: practitioner,
    ...overrides,
  };
}

/** A disagreement raised by a practitioner, sent to people named after its id (mail filters stay per test). */
export function disagreementInput(overrides: Partial<DisagreementInput> = {}): DisagreementInput {
  const disagreementId = randomUUID();
  const tag = disagreementId.slice(0, 8);
  return {
    disagreementId,
    planId: randomUUID(),
    team: 'east',
    contacts: {
      leadPractitioner: { id: 'prac-1', email: `lead-${tag}@example.org` },
      manager: { id: 'mgr-1', email: `manager-${tag}@example.org` },
      safeguardingLead: { id: 'sg-1', email: `sg-${tag}@example.org` },
    },
    decisionRef: 'Review 1',
    what: 'Supervised contact continues',
    why: 'The adult is distressed by it',
    evidence: 'Advocate notes',
    raisedBy: practitioner,
    ...overrides,
  };
}

/** When the day's reminders for a date go out (the default policy's 09:00 UTC). */
export const notifyTime = (date: string) => dateStartMs(date) + 9 * HOUR_MS;

export function review(outcome: ReviewOutcome, today: string, overrides: Partial<ReviewRecord> = {}): ReviewRecord {
  const base: ReviewRecord = {
    outcome,
    rationale: 'Reviewed with the adult and the bank',
    adultViews: 'Feels safer and wants the plan to carry on',
    consent: { basis: 'given', capacityConfirmed: true },
    participants: [{ name: 'Pat Advocate', role: 'advocate' }],
    nextReviewDate: addDays(today, 60),
  };
  const byOutcome: Partial<Record<ReviewOutcome, Partial<ReviewRecord>>> = {
    amend_more_effective: { amendedMeasures: [...planContent().measures, { id: 'm4', kind: 'proactive', type: 'other', description: 'Direct debit for bills' }] },
    amend_less_restrictive: { amendedMeasures: [planContent().measures[0]] },
    continue_further_enquiries: { furtherEnquiries: 'Ask the bank for six months of statements' },
    supplementary_action: { supplementaryActions: [{ id: 'a2', description: 'Referral to the debt advice service', owner: { name: 'Sam Lee' }, dueDate: addDays(today, 20) }] },
    end: {
      nextReviewDate: undefined,
      ending: {
        ground: 'risks_no_longer_exist',
        outcomes: [{ outcomeId: 'o1', achieved: 'fully' }],
        risk: 'removed',
        rationale: 'Nephew moved abroad; accounts secured',
        adultViews: 'Happy for the plan to end',
      },
    },
  };
  return { ...base, ...byOutcome[outcome], ...overrides };
}

export interface PlanSuite {
  env: TestWorkflowEnvironment;
  harness: Harness;
  start(overrides?: (now: number) => Partial<PlanInput>): Promise<{ handle: WorkflowHandle<typeof planWorkflow>; input: PlanInput }>;
  /** Starts a plan and puts it live. */
  startLive(overrides?: (now: number) => Partial<PlanInput>): Promise<{ handle: WorkflowHandle<typeof planWorkflow>; input: PlanInput }>;
  /** Moves the skipped clock to an absolute time. */
  sleepUntil(ms: number): Promise<void>;
  today(): Promise<string>;
  /** Mail about one plan: messages name the plan by the start of its id. */
  mailFor(planId: string, subject: string): (m: ReceivedMail) => boolean;
}

/** A time-skipping server, real dependencies and a running worker for the tests of one describe block. */
export function planSuite(): PlanSuite {
  const servers = timeSkippingSuite();
  const suite: PlanSuite = {
    get env() {
      return servers.env;
    },
    get harness() {
      return servers.harness;
    },
    async start(overrides = () => ({})) {
      const now = await suite.env.currentTimeMs();
      const input = planInput(now, overrides(now));
      const handle = await suite.env.client.workflow.start(planWorkflow, { workflowId: planWorkflowId(input.planId), taskQueue: suite.harness.taskQueue, args: [input] });
      return { handle, input };
    },
    async startLive(overrides) {
      const started = await suite.start(overrides);
      await askingWith(() => suite.harness.db)(started.handle, goLiveUpdate, [{ by: manager }]);
      return started;
    },
    sleepUntil: async (ms) => suite.env.sleep(Math.max(1, ms - (await suite.env.currentTimeMs()))),
    today: async () => toDateString(await suite.env.currentTimeMs()),
    mailFor: (planId, subject) => (m) => m.text.includes(planId.slice(0, 8)) && m.subject === subject,
  };
  return suite;
}
