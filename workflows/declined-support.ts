// Declined support ("keep the door open"): follow-up contacts on a policy interval until the
// adult agrees to a plan, a consent caveat arises, or the manager closes the case.
import { allHandlersFinished, condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/contract';
import { CONTACT_OUTCOMES, CONVERSION_REASONS } from '../domain/msp/declined-support';
import type { Contact } from '../domain/plan/types';
import { UNTIL_DONE_OPTIONS } from './activity-options';
import {
  closeDeclinedSupportUpdate,
  convertToPlanUpdate,
  declinedSupportQuery,
  DECLINED_SUPPORT_DEFAULTS_BEFORE_RESOLUTION,
  recordContactUpdate,
  type CloseRequest,
  type ContactRequest,
  type ConvertRequest,
  type DeclinedSupportChange,
  type DeclinedSupportInput,
  type DeclinedSupportRecipient,
  type DeclinedSupportState,
} from './declined-support-contract';
import { plannedSend, type EscalationLadder } from './escalation-timetable';
import { createOutbox } from './outbox';
import { refusing, required } from './rules';
import { DAY_MS } from './working-days';
import { servingRequests } from './requests';

const { recordDeclinedSupportChange } = proxyActivities<Activities>(UNTIL_DONE_OPTIONS);

const refuseIf = refusing('DeclinedSupportRuleViolation');

export async function declinedSupportWorkflow(input: DeclinedSupportInput): Promise<DeclinedSupportState> {
  const policy = { ...DECLINED_SUPPORT_DEFAULTS_BEFORE_RESOLUTION, ...input.policy };
  const startedMs = Date.now();
  const everyMs = policy.followUpEveryDays * DAY_MS;
  const followUps: EscalationLadder<DeclinedSupportRecipient> = {
    startMs: startedMs + everyMs,
    steps: [{ notify: ['leadPractitioner'], waitMs: everyMs, repeats: policy.followUpCount }],
    lastStepRepeats: false,
  };
  const dueAt = (n: number) => plannedSend(followUps, n)!.at;
  const workflowId = workflowInfo().workflowId;
  const state: DeclinedSupportState = {
    caseId: input.caseId,
    team: input.team,
    status: 'open',
    refusal: input.refusal,
    leadPractitioner: input.leadPractitioner,
    policy,
    createdAt: new Date(startedMs).toISOString(),
    createdBy: input.createdBy,
    followUpsSent: 0,
    nextFollowUpAt: policy.followUpCount > 0 ? new Date(dueAt(1)).toISOString() : null,
    contacts: [],
    outbox: [],
    changeSeq: 0,
  };
  const open = () => (state.status === 'open' ? [] : [`the case is ${state.status}`]);

  async function record(change: Omit<DeclinedSupportChange, 'key' | 'state' | 'at'>): Promise<void> {
    state.changeSeq++;
    await recordDeclinedSupportChange({ ...change, key: `${workflowId}:change-${state.changeSeq}`, state: JSON.parse(JSON.stringify(state)), at: new Date().toISOString() });
  }

  setHandler(declinedSupportQuery, () => state);
  const serve = servingRequests();
  serve(
    recordContactUpdate,
    async ({ outcome, note, by }) => {
      state.contacts.push({ outcome, note, by, at: new Date().toISOString() });
      await record({ type: 'contact_recorded', summary: `Follow-up contact: ${outcome}`, outcome, note, by });
      return state;
    },
    {
      validator: ({ outcome, note }: ContactRequest) =>
        refuseIf([
          ...open(),
          ...((CONTACT_OUTCOMES as readonly string[]).includes(outcome) ? [] : [`outcome must be one of ${CONTACT_OUTCOMES.join(', ')}`]),
          ...required(note, 'what happened'),
        ]),
    },
  );
  serve(
    convertToPlanUpdate,
    async ({ reason, planId, note, by }) => {
      state.status = 'converted';
      state.nextFollowUpAt = null;
      state.conversion = { reason, planId, note, by, at: new Date().toISOString() };
      await record({ type: 'converted', summary: `Converted to plan ${planId}: ${reason}`, outcome: reason, note, by });
      return state;
    },
    {
      validator: ({ reason, planId, note }: ConvertRequest) =>
        refuseIf([
          ...open(),
          ...((CONVERSION_REASONS as readonly string[]).includes(reason) ? [] : [`reason must be one of ${CONVERSION_REASONS.join(', ')}`]),
          ...required(planId, 'the plan'),
          ...required(note, 'why'),
        ]),
    },
  );
  serve(
    closeDeclinedSupportUpdate,
    async ({ rationale, by }) => {
      state.status = 'closed';
      state.nextFollowUpAt = null;
      state.closure = { rationale, by, at: new Date().toISOString() };
      await record({ type: 'closed', summary: 'Case closed', note: rationale, by });
      return state;
    },
    {
      validator: ({ rationale, by }: CloseRequest) =>
        refuseIf([...open(), ...(by.actorRole === 'manager' ? [] : ['only a manager may close a declined-support case']), ...required(rationale, 'the rationale')]),
    },
  );

  await record({ type: 'opened', summary: `Support declined: ${input.refusal.declined}`, by: input.createdBy, note: input.refusal.adultViews });

  const prompted = (n: unknown) => `Follow-up ${String(n)} of ${policy.followUpCount} due: lead practitioner prompted`;
  const people: Record<DeclinedSupportRecipient, Contact | undefined> = { leadPractitioner: state.leadPractitioner, manager: input.manager };
  const outbox = createOutbox<DeclinedSupportRecipient>({
    workflowId,
    subjectType: 'declined_support',
    subjectId: state.caseId,
    pending: (state.outbox ??= []),
    address: (to) => (typeof to === 'string' ? people[to]!.email : to.email),
    nextAfter: (to) => (to === 'leadPractitioner' && input.manager ? 'manager' : null),
    describe: (m) => `follow-up prompt ${String(m.data.number)} to the lead practitioner`,
    delivered: (m) => record({ type: 'follow_up_due', summary: prompted(m.data.number) }),
    undelivered: (m, error, told) =>
      record({
        type: 'notification_failed',
        summary: `Follow-up ${String(m.data.number)} could not be delivered to the lead practitioner${told ? '; manager told' : ''}: ${error}`,
      }),
  });

  for (let n = 1; n <= policy.followUpCount; n++) {
    // A conversion or closure stops the follow-ups; nothing else moves the timetable.
    if (await condition(() => state.status !== 'open', Math.max(0, dueAt(n) - Date.now()))) break;
    state.followUpsSent = n;
    state.nextFollowUpAt = n < policy.followUpCount ? new Date(dueAt(n + 1)).toISOString() : null;
    const followUp = {
      key: `follow-up-${n}`,
      to: 'leadPractitioner' as const,
      template: 'declined-support-follow-up',
      data: { caseId: state.caseId, number: n, of: policy.followUpCount, declinedOn: state.createdAt.slice(0, 10) },
    };
    if (patched('declined-support-sends-beside-timetable')) {
      outbox.send(followUp);
      continue;
    }
    await outbox.sendInLoop(followUp);
    await record({ type: 'follow_up_due', summary: prompted(n) });
  }
  // The door stays open after the last prompt: the practitioner can still convert, the manager close.
  await condition(() => state.status !== 'open');
  await condition(() => allHandlersFinished() && outbox.idle());
  return state;
}
