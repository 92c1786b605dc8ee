import { declinedSupportWorkflow } from '../workflows/declined-support';
import { closeDeclinedSupportUpdate, convertToPlanUpdate, declinedSupportQuery, declinedSupportWorkflowId, recordContactUpdate } from '../workflows/declined-support-contract';
import { randomUUID } from 'node:crypto';
import { eventually } from './helpers/eventually';
import { DAY_MS, declinedSupportInput, HOUR_MS, manager, practitioner } from './helpers/plans';
import { startOnSuite, timeSkippingSuite } from './helpers/temporal';
import { RequestRefusedError } from '../lib/workflow-requests';
import { askingWith } from './helpers/requests';

describe('Declined support: keep the door open (time-skipping server, PostgreSQL, SMTP)', () => {
  const suite = timeSkippingSuite();
  const ask = askingWith(() => suite.harness.db);
  const FOLLOW_UP = 'Declined support: follow-up';

  async function start() {
    const input = declinedSupportInput({
      refusal: {
        declined: 'A safeguarding plan about her son’s visits',
        optionsExplained: 'Plan with supervised visits; advocacy; a carer’s assessment for her son',
        implicationsExplained: 'Without a plan nobody checks that her money is safe',
        coercionConsidered: true,
        coercionNotes: 'Seen alone twice; no sign of pressure from her son',
        adultViews: 'Does not want her son to get into trouble',
      },
      policy: { followUpEveryDays: 7, followUpCount: 3 },
    });
    const { caseId } = input;
    const lead = input.leadPractitioner.email;
    const startedMs = await suite.env.currentTimeMs();
    const handle = await startOnSuite(suite, declinedSupportWorkflow, declinedSupportWorkflowId(caseId), input);
    const prompts = () => suite.harness.smtp.messages.filter((m) => m.to.includes(lead) && m.subject.startsWith(FOLLOW_UP));
    const sleepUntil = async (ms: number) => suite.env.sleep(Math.max(1, startedMs + ms - (await suite.env.currentTimeMs())));
    return { caseId, handle, prompts, sleepUntil };
  }

  it('When an adult declines support, then the lead practitioner is prompted every 7 days, 3 times, each contact recorded, and the case stays open', async () => {
    const { caseId, handle, prompts, sleepUntil } = await start();
    await sleepUntil(7 * DAY_MS - HOUR_MS);
    expect(prompts()).toHaveLength(0);
    await sleepUntil(7 * DAY_MS + HOUR_MS);
    await eventually(async () => prompts().length === 1);
    expect(prompts()[0].subject).toBe('Declined support: follow-up 1 of 3 due');
    await ask(handle, recordContactUpdate, [{ outcome: 'still_declines', note: 'Visited; she still does not want a plan', by: practitioner }]);
    await sleepUntil(14 * DAY_MS + HOUR_MS);
    await eventually(async () => prompts().length === 2);
    await sleepUntil(21 * DAY_MS + HOUR_MS);
    await eventually(async () => prompts().length === 3);
    await sleepUntil(60 * DAY_MS);
    expect(prompts().map((m) => m.subject)).toEqual([1, 2, 3].map((n) => `Declined support: follow-up ${n} of 3 due`));

    const state = await handle.query(declinedSupportQuery);
    expect(state).toMatchObject({ status: 'open', followUpsSent: 3, nextFollowUpAt: null });
    const row = await eventually(() =>
      suite.harness.db.declinedSupport.findUnique({ where: { id: caseId }, include: { events: { orderBy: { at: 'asc' } } } }).then((r) => r?.followUpsSent === 3 && r),
    );
    expect(row).toMatchObject({ status: 'open', coercionConsidered: true, followUpEveryDays: 7, followUpCount: 3 });
    expect(row.events.map((e) => e.type)).toEqual(['opened', 'follow_up_due', 'contact_recorded', 'follow_up_due', 'follow_up_due']);
    expect(row.events[2]).toMatchObject({ outcome: 'still_declines', note: 'Visited; she still does not want a plan', actorId: 'prac-1' });

    await expect(ask(handle, closeDeclinedSupportUpdate, [{ rationale: 'x', by: practitioner }])).rejects.toThrow(RequestRefusedError);
    await ask(handle, closeDeclinedSupportUpdate, [{ rationale: 'Three contacts; she is safe and still declines; GP will refer again', by: manager }]);
    expect((await handle.result()).status).toBe('closed');
  });

  it('When the adult agrees to a plan after the first follow-up, then the follow-ups stop and the case records the plan', async () => {
    const { caseId, handle, prompts, sleepUntil } = await start();
    await sleepUntil(7 * DAY_MS + HOUR_MS);
    await eventually(async () => prompts().length === 1);
    const planId = randomUUID();
    await ask(handle, convertToPlanUpdate, [{ reason: 'adult_agrees', planId, note: 'She now wants help with her bank', by: practitioner }]);
    expect((await handle.result()).status).toBe('converted');
    await sleepUntil(30 * DAY_MS);
    expect(prompts()).toHaveLength(1);
    const row = await suite.harness.db.declinedSupport.findUniqueOrThrow({ where: { id: caseId } });
    expect(row).toMatchObject({ status: 'converted', convertedPlanId: planId, conversionReason: 'adult_agrees', followUpsSent: 1, nextFollowUpAt: null });
  });

  it('When a consent caveat arises before any follow-up, then the case converts and no prompt is ever sent; a bad outcome is refused', async () => {
    const { handle, prompts, sleepUntil } = await start();
    await expect(ask(handle, recordContactUpdate, [{ outcome: 'shrug' as never, note: 'x', by: practitioner }])).rejects.toThrow(RequestRefusedError);
    await sleepUntil(3 * DAY_MS);
    await ask(handle, convertToPlanUpdate, [{ reason: 'caveat_arises', planId: randomUUID(), note: 'Her grandchild now lives with her son', by: practitioner }]);
    await sleepUntil(30 * DAY_MS);
    expect(prompts()).toHaveLength(0);
    expect((await handle.query(declinedSupportQuery)).conversion?.reason).toBe('caveat_arises');
  });
});
