import { declinedSupportWorkflow } from '../workflows/declined-support';
import { declinedSupportQuery, declinedSupportWorkflowId, resolveDeclinedSupportPolicy } from '../workflows/declined-support-contract';
import { disagreementWorkflow } from '../workflows/disagreement';
import { disagreementWorkflowId } from '../workflows/disagreement-contract';
import { addWorkingDays, toDateString } from '../workflows/working-days';
import { eventually } from './helpers/eventually';
import { DAY_MS, declinedSupportInput, disagreementInput, HOUR_MS, notifyTime, planSuite } from './helpers/plans';
import { terminateWhenQuiet } from './helpers/temporal';

describe('Declined-support and disagreement messages that cannot be delivered (time-skipping server, PostgreSQL, SMTP refusing one address)', () => {
  const suite = planSuite();
  const undelivered = (to: string) => suite.harness.smtp.messages.filter((m) => m.to.includes(to) && m.subject.startsWith('A message could not be delivered'));

  it("When the lead practitioner's address bounces, then the manager hears of each follow-up, and every follow-up keeps its day", async () => {
    const input = declinedSupportInput({ policy: resolveDeclinedSupportPolicy({ followUpEveryDays: 7, followUpCount: 2 }) });
    const { caseId } = input;
    const manager = `manager-${caseId.slice(0, 8)}@example.org`;
    suite.harness.smtp.rejectRecipient(input.leadPractitioner.email);
    const startedMs = await suite.env.currentTimeMs();
    const handle = await suite.env.client.workflow.start(declinedSupportWorkflow, {
      workflowId: declinedSupportWorkflowId(caseId),
      taskQueue: suite.harness.taskQueue,
      args: [{ ...input, manager: { id: 'mgr-1', email: manager } }],
    });
    await suite.sleepUntil(startedMs + 7 * DAY_MS + 2 * HOUR_MS);
    await eventually(async () => undelivered(manager).length === 1);
    expect(undelivered(manager)[0].subject).toBe('A message could not be delivered: follow-up prompt 1 to the lead practitioner');
    await suite.sleepUntil(startedMs + 14 * DAY_MS + 2 * HOUR_MS);
    await eventually(async () => undelivered(manager).length === 2);
    expect((await handle.query(declinedSupportQuery)).followUpsSent).toBe(2);
    const events = await suite.harness.db.declinedSupportEvent.findMany({ where: { caseId, type: 'notification_failed' } });
    expect(events).toHaveLength(2);
    await terminateWhenQuiet(handle);
  });

  it("When the manager's address bounces, then the safeguarding lead is told on the due day, and the ladder goes on", async () => {
    const input = disagreementInput();
    const raisedMs = await suite.env.currentTimeMs();
    suite.harness.smtp.rejectRecipient(input.contacts.manager.email);
    const handle = await suite.env.client.workflow.start(disagreementWorkflow, {
      workflowId: disagreementWorkflowId(input.disagreementId),
      taskQueue: suite.harness.taskQueue,
      args: [input],
    });
    const dueMs = notifyTime(addWorkingDays(toDateString(raisedMs), 5, []));
    const lead = input.contacts.safeguardingLead.email;
    await suite.sleepUntil(dueMs + 2 * HOUR_MS);
    await eventually(async () => undelivered(lead).length === 1);
    await suite.sleepUntil(dueMs + 2 * DAY_MS + HOUR_MS);
    await eventually(
      async () => suite.harness.smtp.messages.filter((m) => m.to.includes(lead) && m.subject === 'Professional disagreement awaiting a final decision (escalation 2)').length === 1,
    );
    await terminateWhenQuiet(handle);
  });
});
