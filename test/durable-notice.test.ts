import { randomUUID } from 'node:crypto';
import { scheduledNoticeWorkflow, scheduledNoticeWorkflowId } from '../workflows/scheduled-notice';
import { DAY_MS } from '../workflows/working-days';
import { createTestWorker, serversSuite, startTimeSkipping } from './helpers/temporal';

describe('A notice scheduled 30 days ahead (time-skipping server, PostgreSQL, SMTP)', () => {
  const suite = serversSuite(startTimeSkipping);

  it('When 30 days pass, then one email is received and its delivery is recorded once', async () => {
    const { env, harness } = suite;
    const noticeId = randomUUID();
    const worker = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    const sendAt = new Date((await env.currentTimeMs()) + 30 * DAY_MS).toISOString();

    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(scheduledNoticeWorkflow, {
        workflowId: scheduledNoticeWorkflowId(noticeId),
        taskQueue: harness.taskQueue,
        args: [{ noticeId, sendAt, to: 'lead@example.org', title: 'Review due in 14 days', body: 'Plan review on 1 March.' }],
      });
      await env.sleep(29 * DAY_MS);
      expect(harness.smtp.messages.filter((m) => m.subject === 'Review due in 14 days')).toHaveLength(0);
      await handle.result();
      // Activities run on the wall clock; the workflow's own clock is the server's skipped time.
      return { completedAtMs: await env.currentTimeMs() };
    });

    const [mail] = await harness.smtp.waitFor(1, (m) => m.subject === 'Review due in 14 days');
    expect(mail.to).toEqual(['lead@example.org']);
    expect(mail.text).toContain('Plan review on 1 March.');
    const rows = await harness.db.notificationDelivery.findMany({ where: { subjectType: 'notice', subjectId: noticeId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', recipient: 'lead@example.org', attempts: 1 });
    expect(result.completedAtMs).toBeGreaterThanOrEqual(Date.parse(sendAt));
  });

  it('When the same notification is delivered twice (a retried activity), then it is sent once', async () => {
    const { harness } = suite;
    const subjectId = randomUUID();
    const request = {
      idempotencyKey: `notice-${subjectId}:notice`,
      to: 'manager@example.org',
      template: 'scheduled-notice',
      data: { title: `Once only ${subjectId}`, body: 'x' },
      subjectType: 'notice',
      subjectId,
    };
    const first = await harness.activities.deliverNotification(request);
    const second = await harness.activities.deliverNotification(request);
    expect(first.status).toBe('sent');
    expect(second).toMatchObject({ status: 'already-sent', deliveryId: first.deliveryId });
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.smtp.messages.filter((m) => m.subject === `Once only ${subjectId}`)).toHaveLength(1);
  });
});
