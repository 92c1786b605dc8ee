import { Worker } from '@temporalio/worker';
import { ladderOf, plannedSends } from '../workflows/escalation-timetable';
import { acknowledgeSignal, resolveIncidentUpdate, visitStateQuery, visitWorkflowId } from '../workflows/visit-contract';
import { replayOptions } from './helpers/temporal';
import { count, eventsOf, MIN, sentTo, visitInput, visitSuite } from './helpers/visits';
import { askingWith } from './helpers/requests';

// Its own time-skipping server: hours of an unanswered ladder.
describe('An unanswered alert (continue-as-new, time-skipping server)', () => {
  const suite = visitSuite();
  const ask = askingWith(() => suite.harness.db);

  it('When nobody answers for six hours, then the visit hands over to fresh runs and the emergency contact keeps being alerted on the planned beat, never twice and never skipped', async () => {
    const startMs = await suite.env.currentTimeMs();
    const { input, mail } = visitInput({ startMs, etaInMs: 8 * 60 * MIN });
    // A small threshold so six hours take several runs (the default hands over at 2,000 events).
    const handle = await suite.start({ ...input, policy: { ...input.policy, continueAsNewAfterEvents: 80 } });
    const firstRun = (await handle.describe()).runId;
    await suite.env.sleep(6 * 60 * MIN);

    // High risk: check-in due at 30 min, the ladder from 35 min: worker, buddy x2, manager x2, then the emergency contact every 15 min.
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 25, 60_000);
    const startedMs = events[0].at.getTime();
    const planned = plannedSends(ladderOf(startedMs + 35 * MIN, input.policy.ladder), startedMs + 6 * 60 * MIN - MIN);
    const sent = events.filter((e) => e.type === 'alert-sent');
    const minute = (ms: number) => Math.round((ms - startedMs) / MIN);
    expect(sent.map((e) => minute(e.at.getTime()))).toEqual(planned.map((p) => minute(p.at)));
    expect(sent.map((e) => (e.data as { notify: string[] }).notify[0])).toEqual(planned.map((p) => p.notify[0]));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const emergency = planned.filter((p) => p.notify[0] === 'emergency').length;
    expect(emergency).toBe(20);
    expect((await suite.harness.smtp.waitFor(emergency, (m) => m.to[0] === mail('oncall'), 60_000)).length).toBe(emergency);

    const lastRun = (await handle.describe()).runId;
    expect(lastRun).not.toBe(firstRun);
    const first = await suite.env.client.workflow.getHandle(visitWorkflowId(input.visitId), firstRun).fetchHistory();
    expect(first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    await Worker.runReplayHistory(replayOptions(), first, visitWorkflowId(input.visitId));

    expect(await handle.query(visitStateQuery)).toMatchObject({ status: 'escalating', escalationLevel: 4, alert: { reason: 'missed-deadline' } });
    await handle.signal(acknowledgeSignal, { actor: { id: 'oncall', role: 'emergency', name: 'On-call Desk' }, via: 'api' });
    await ask(handle, resolveIncidentUpdate, [
      { actor: { id: input.manager.id, role: 'manager' }, outcome: 'worker-safe', rationale: 'Found asleep in the car', reviewRiskAssessment: false },
    ]);
    expect(await handle.result()).toMatchObject({ status: 'closed', incident: null });
    expect(sentTo(suite.harness.smtp.messages, mail('oncall')).filter((m) => m.subject.startsWith('URGENT'))).toHaveLength(emergency);
  });
});
