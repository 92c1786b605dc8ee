import { randomUUID } from 'node:crypto';
import { disagreementWorkflow } from '../workflows/disagreement';
import { disagreementWorkflowId, respondToDisagreementUpdate } from '../workflows/disagreement-contract';
import { visitWorkflowV3 } from '../workflows/visit';
import { visitStartOptions } from '../workflows/visit-contract';
import { addWorkingDays, toDateString } from '../workflows/working-days';
import { eventually } from './helpers/eventually';
import { DAY_MS, disagreementInput, HOUR_MS, manager, notifyTime, planSuite, practitioner } from './helpers/plans';
import { startOnSuite } from './helpers/temporal';
import { MIN, sentTo, visitInput } from './helpers/visits';
import { RequestRefusedError } from '../lib/workflow-requests';
import { askingWith } from './helpers/requests';

describe('Professional disagreements and deputies (time-skipping server, PostgreSQL, SMTP)', () => {
  const suite = planSuite();
  const ask = askingWith(() => suite.harness.db);
  const db = () => suite.harness.db;

  async function raise() {
    const input = disagreementInput({
      decisionRef: 'Review 1: continue unchanged',
      what: 'Continuing supervised contact unchanged',
      why: 'The adult has capacity and is distressed by supervision',
      evidence: 'Advocate notes of 3 visits; GP letter',
      raisedBy: { actorId: 'agency-1', actorRole: 'practitioner' },
      policy: { responseWorkingDays: 5, escalateEveryDays: 2 },
    });
    const { disagreementId } = input;
    const tag = disagreementId.slice(0, 8);
    const raisedMs = await suite.env.currentTimeMs();
    const handle = await startOnSuite(suite, disagreementWorkflow, disagreementWorkflowId(disagreementId), input);
    const dueMs = notifyTime(addWorkingDays(toDateString(raisedMs), 5, []));
    const mailTo = (who: 'manager' | 'sg') => suite.harness.smtp.messages.filter((m) => m.to.includes(`${who}-${tag}@example.org`));
    return { disagreementId, handle, dueMs, mailTo };
  }

  it('When the manager answers a disagreement in time, then nobody is chased and the final decision is recorded', async () => {
    const { disagreementId, handle, dueMs, mailTo } = await raise();
    await expect(ask(handle, respondToDisagreementUpdate, [{ finalDecision: 'Supervision ends', rationale: 'r', by: practitioner }])).rejects.toThrow(RequestRefusedError);
    await ask(handle, respondToDisagreementUpdate, [
      { finalDecision: 'Supervision reduced to monthly', rationale: 'Evidence of distress outweighs the residual risk', by: manager },
    ]);
    await suite.sleepUntil(dueMs + 10 * DAY_MS);
    expect([...mailTo('manager'), ...mailTo('sg')]).toHaveLength(0);
    expect(await db().planDisagreement.findUniqueOrThrow({ where: { id: disagreementId } })).toMatchObject({
      status: 'decided',
      finalDecision: 'Supervision reduced to monthly',
      decidedById: 'mgr-1',
      raisedById: 'agency-1',
      escalations: 0,
    });
  });

  it('When a disagreement is not answered, then the manager is reminded on the due day and the safeguarding lead every 2 days after, and it is listed as unresolved', async () => {
    const { disagreementId, handle, dueMs, mailTo } = await raise();
    await suite.sleepUntil(dueMs - HOUR_MS);
    expect(mailTo('manager')).toHaveLength(0);
    await suite.sleepUntil(dueMs + HOUR_MS);
    await eventually(async () => mailTo('manager').length === 1);
    await suite.sleepUntil(dueMs + 2 * DAY_MS + HOUR_MS);
    await eventually(async () => mailTo('sg').length === 1);
    await suite.sleepUntil(dueMs + 4 * DAY_MS + HOUR_MS);
    await eventually(async () => mailTo('sg').length === 2);
    expect(mailTo('sg')[1].subject).toBe('Professional disagreement awaiting a final decision (escalation 3)');
    const unresolved = await eventually(() => db().planDisagreement.findFirst({ where: { id: disagreementId, status: 'awaiting_response', escalations: 2 } }));
    expect(unresolved.what).toBe('Continuing supervised contact unchanged');
    await ask(handle, respondToDisagreementUpdate, [{ finalDecision: 'Plan unchanged', rationale: 'Police advice', by: manager }]);
    expect((await handle.result()).status).toBe('decided');
    expect(await db().planDisagreement.findUniqueOrThrow({ where: { id: disagreementId } })).toMatchObject({ status: 'decided', escalations: 2 });
  });

  it("When a manager is on cover, then a plan's overdue escalation due to them goes to the deputy during the cover only, and the record says so", async () => {
    const tag = randomUUID().slice(0, 8);
    const managerEmail = `manager-${tag}@example.org`;
    const deputyEmail = `deputy-${tag}@example.org`;
    const { input } = await suite.startLive(() => ({
      contacts: {
        leadPractitioner: { id: 'prac-1', email: `lead-${tag}@example.org` },
        manager: { id: 'mgr-1', email: managerEmail },
        safeguardingLead: { id: 'sg-1', email: `sg-${tag}@example.org` },
      },
    }));
    const due = notifyTime(input.firstReviewDate);
    // Cover starts after the due-day message and ends before the first repeat to the manager would matter.
    const cover = await db().managerDeputy.create({
      data: {
        team: 'east',
        managerId: 'mgr-1',
        managerEmail,
        deputyId: 'prac-9',
        deputyEmail,
        from: new Date(due + 12 * HOUR_MS),
        until: new Date(due + 2 * DAY_MS),
        reason: 'Annual leave',
        createdById: 'mgr-1',
      },
    });
    await suite.sleepUntil(due + DAY_MS + HOUR_MS);
    const [toDeputy] = await suite.harness.smtp.waitFor(1, (m) => m.to.includes(deputyEmail));
    expect(toDeputy.subject).toBe('Safeguarding plan review overdue (escalation 1)');
    const toManager = sentTo(suite.harness.smtp.messages, managerEmail).map((m) => m.subject);
    expect(toManager).toEqual(['Safeguarding plan review due today']);
    const routed = await db().deputyDelivery.findMany({ where: { coverId: cover.id } });
    expect(routed).toEqual([expect.objectContaining({ template: 'plan-review-overdue', subjectType: 'plan', subjectId: input.planId })]);
    expect(routed[0].at.getTime()).toBeGreaterThanOrEqual(due + DAY_MS);
  });

  it("When a manager is on cover, then the visit ladder's manager step goes to the deputy during the cover only", async () => {
    const startMs = await suite.env.currentTimeMs();
    const { input, mail, tag } = visitInput({ startMs });
    const deputyEmail = `deputy-${tag}@example.org`;
    // High risk ladder: the manager is alerted 50 and 60 minutes after the visit starts; cover holds only the second.
    const cover = await db().managerDeputy.create({
      data: {
        team: 'north',
        managerId: input.manager.id,
        managerEmail: mail('manager'),
        deputyId: 'prac-9',
        deputyEmail,
        from: new Date(startMs + 55 * MIN),
        until: new Date(startMs + 65 * MIN),
        reason: 'In a meeting',
        createdById: input.manager.id,
      },
    });
    await suite.env.client.workflow.start(visitWorkflowV3, { ...visitStartOptions(input), taskQueue: suite.harness.taskQueue });
    await suite.env.sleep(75 * MIN);
    await suite.harness.smtp.waitFor(1, (m) => m.to.includes(deputyEmail));
    await suite.harness.smtp.waitFor(1, (m) => m.to.includes(mail('manager')));
    expect(sentTo(suite.harness.smtp.messages, mail('manager'))).toHaveLength(1);
    expect(sentTo(suite.harness.smtp.messages, deputyEmail)).toHaveLength(1);
    expect(await db().deputyDelivery.count({ where: { coverId: cover.id, subjectType: 'visit' } })).toBe(1);
  });
});
