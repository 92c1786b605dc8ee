import { ApplicationFailure } from '@temporalio/common';
import { hashDuressCode } from '../lib/duress-code';
import {
  acknowledgeSignal,
  checkInSignal,
  checkOutSignal,
  extendUpdate,
  raiseRedFlagSignal,
  resolveIncidentUpdate,
  visitStateQuery,
  workerView,
  type VisitInput,
} from '../workflows/visit-contract';
import { LINK_SECRET, PUBLIC_URL } from './helpers/temporal';
import { asManager, asWorker, count, eventsOf, MIN, sentTo, stateWhen, visitInput, visitSuite } from './helpers/visits';
import { localTime } from '../lib/time-zone';
import { reconcileWorkflow, resyncWorkflow } from '../operations/reconcile';
import { createVisitActivities } from '../activities/visits';
import type { NotificationChannel } from '../lib/mailer';
import { RequestRefusedError } from '../lib/workflow-requests';
import { askingWith } from './helpers/requests';

const resolution = (input: VisitInput) => ({
  ...asManager(input),
  outcome: 'worker-safe' as const,
  rationale: 'Reached the worker by phone; phone battery had died',
  reviewRiskAssessment: true,
});

/** Minutes after the visit started at which each recorded event of `type` happened. */
const minutesOf = (events: { type: string; at: Date }[], type: string) =>
  events.filter((e) => e.type === type).map((e) => Math.round((e.at.getTime() - events[0].at.getTime()) / MIN));

describe('A lone-working visit (time-skipping server, PostgreSQL, SMTP)', () => {
  const suite = visitSuite();
  const ask = askingWith(() => suite.harness.db);

  it('When the worker checks in and out on time, then nobody is alerted and the visit closes', async () => {
    const { input, tag } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(20 * MIN);
    await handle.signal(checkInSignal, asWorker(input));
    await suite.env.sleep(20 * MIN);
    await handle.signal(checkOutSignal, asWorker(input));
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'closed', escalationLevel: 0, incident: null });
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('checked-out'));
    expect(events.map((e) => e.type)).toEqual(['visit-started', 'checked-in', 'checked-out']);
    expect(await suite.harness.db.visit.findUnique({ where: { id: input.visitId } })).toMatchObject({ status: 'closed', workerId: input.worker.id });
    expect(suite.harness.smtp.messages.filter((m) => m.to.some((t) => t.includes(tag)))).toHaveLength(0);
    expect((await handle.query(visitStateQuery)).phase).toBe('ended');
  });

  it('When the worker misses a check-in, then the ladder walks worker, buddy, manager and emergency contact with the policy waits and repeats', async () => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    // High risk: check-in every 30 min, reminder 5 min before, 5 min grace, then
    // worker 5 min x1, buddy 5 min x2, manager 10 min x2, emergency every 15 min until taken.
    await suite.env.sleep(105 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 8);
    expect(minutesOf(events, 'reminder-sent')).toEqual([25]);
    // Overdue from minute 30 is a status only: no event, no timer.
    expect(minutesOf(events, 'overdue')).toEqual([]);
    expect(minutesOf(events, 'alert-sent')).toEqual([35, 40, 45, 50, 60, 70, 85, 100]);
    expect(events.filter((e) => e.type === 'alert-sent').map((e) => (e.data as { notify: string[] }).notify[0])).toEqual([
      'worker',
      'buddy',
      'buddy',
      'manager',
      'manager',
      'emergency',
      'emergency',
      'emergency',
    ]);
    expect((await handle.query(visitStateQuery)).status).toBe('escalating');

    const mails = await suite.harness.smtp.waitFor(9, (m) => [mail('worker'), mail('buddy'), mail('manager'), mail('oncall')].includes(m.to[0]));
    expect(sentTo(mails, mail('worker')).map((m) => m.subject)).toEqual([expect.stringMatching(/^Check-in due at/), 'You missed a check-in: please check in now']);
    expect(sentTo(mails, mail('buddy'))).toHaveLength(2);
    expect(sentTo(mails, mail('manager'))).toHaveLength(2);
    const [onCall] = sentTo(mails, mail('oncall'));
    expect(onCall.subject).toBe('URGENT: Wendy Worker has not checked in');
    expect(onCall.text).toContain('12 Acacia Avenue');
    expect(onCall.text).toMatch(/I am taking charge: http:\/\/carewatch\.test\/visits\/ack\/\S+\.\S+/);
    expect(onCall.html).toContain('href="http://carewatch.test/visits/ack/');

    await handle.signal(acknowledgeSignal, { actor: { id: 'oncall', role: 'emergency', name: 'On-call Desk' }, via: 'api' });
    await suite.env.sleep(60 * MIN);
    const told = await suite.harness.smtp.waitFor(
      2,
      (m) => m.subject === 'On-call Desk has taken charge of the alert for Wendy Worker' && m.to[0].includes(input.visitId.slice(0, 8)),
    );
    expect(told.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
    expect(minutesOf(await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('acknowledged')), 'alert-sent')).toHaveLength(8);

    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    const final = await handle.result();
    expect(final).toMatchObject({ phase: 'ended', status: 'closed', incident: null, riskReviewRequested: true });
    await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('incident-resolved'));
    expect(await suite.harness.db.visit.findUnique({ where: { id: input.visitId } })).toMatchObject({ status: 'closed', riskReviewRequested: true });
    const resolved = await suite.harness.db.visitEvent.findFirstOrThrow({ where: { visitId: input.visitId, type: 'incident-resolved' } });
    expect(resolved).toMatchObject({ actorId: input.manager.id, actorRole: 'manager', reason: 'Reached the worker by phone; phone battery had died' });
  });

  it.each([
    ['buddy', 42, [] as string[]],
    ['manager', 52, ['buddy']],
    ['emergency', 72, ['buddy', 'manager']],
  ])('When the %s acknowledges at their step, then the ladder stops and those already alerted are told who has it', async (role, atMinute, informed) => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(atMinute * MIN);
    await handle.signal(acknowledgeSignal, { actor: { id: `${role}-person`, role, name: `The ${role}` }, via: 'api' });
    const state = await stateWhen(handle, (s) => !!s.alert?.owner);
    expect(state.alert?.owner).toMatchObject({ role, name: `The ${role}` });
    // A second take-charge is kept, with why it changed nothing.
    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    const declined = (await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('request-declined'))).find((e) => e.type === 'request-declined')!;
    expect(declined).toMatchObject({ actorRole: 'manager', reason: expect.stringMatching(new RegExp(`^Already acknowledged by The ${role} \\(${role}\\)`)) });
    expect((await handle.query(visitStateQuery)).alert?.owner).toMatchObject({ role });
    await suite.env.sleep(120 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('acknowledged'));
    expect(events.filter((e) => e.type === 'alert-sent').every((e) => e.at.getTime() < events.find((x) => x.type === 'acknowledged')!.at.getTime())).toBe(true);
    const addresses = informed.map((r) => mail(r as 'buddy' | 'manager'));
    const told = await suite.harness.smtp.waitFor(addresses.length, (m) => m.subject.startsWith(`The ${role} has taken charge`) && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(told.map((m) => m.to[0]).sort()).toEqual(addresses);
    expect((await handle.query(visitStateQuery)).status).toBe('incident');
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    await handle.result();
  });

  it('When a visit runs late, then its row names each alarm before it is due, at the time it is sent, and none while someone has taken charge', async () => {
    const startMs = await suite.env.currentTimeMs();
    const { input } = visitInput({ startMs });
    const handle = await suite.start(input);
    const alarmOnRow = async () => (await suite.harness.db.visit.findUniqueOrThrow({ where: { id: input.visitId } })).nextAlarmAt;
    const at = async (minute: number, done: (types: string[]) => boolean) => {
      await suite.env.sleep(startMs + minute * MIN - (await suite.env.currentTimeMs()));
      return eventsOf(suite.harness.db, input.visitId, done);
    };
    // After the reminder (minute 25) the row names the first alert (35); after each alert, the next step (40, 45).
    const promised: number[] = [];
    for (const [minute, alerts] of [
      [26, 0],
      [36, 1],
      [41, 2],
    ]) {
      await at(minute, (t) => t.includes('reminder-sent') && count(t, 'alert-sent') === alerts);
      promised.push((await alarmOnRow())!.getTime());
    }
    const sent = (await at(46, (t) => count(t, 'alert-sent') === 3)).filter((e) => e.type === 'alert-sent').map((e) => e.at.getTime());
    expect(promised.map((ms) => Math.round((ms - startMs) / MIN))).toEqual([35, 40, 45]);
    sent.forEach((ms, i) => expect(ms - promised[i]).toBeGreaterThanOrEqual(0));
    sent.forEach((ms, i) => expect(ms - promised[i]).toBeLessThan(1_000));

    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('acknowledged'));
    expect(await alarmOnRow()).toBeNull();
    // Heard from, the worker owes the next check-in again, and the alert after its grace.
    await handle.signal(checkInSignal, asWorker(input));
    const checkedIn = (await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('checked-in'))).find((e) => e.type === 'checked-in')!;
    const due = Math.min(checkedIn.at.getTime() + input.policy.checkInIntervalMs!, Date.parse(input.eta));
    expect(await alarmOnRow()).toEqual(new Date(due + input.policy.graceMs));
    await handle.signal(checkOutSignal, asWorker(input));
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    await handle.result();
    await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('incident-resolved'));
    expect(await alarmOnRow()).toBeNull();
  });

  it('When the worker checks in mid-ladder, then the ladder stops, everyone alerted gets an all-clear and the incident stays open', async () => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(52 * MIN);
    await handle.signal(checkInSignal, asWorker(input));
    expect(await stateWhen(handle, (s) => !s.alert)).toMatchObject({ status: 'incident', alert: null, escalationLevel: 0 });
    const allClear = await suite.harness.smtp.waitFor(2, (m) => m.subject === 'All clear: Wendy Worker is in touch' && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(allClear.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
    await suite.env.sleep(5 * MIN);
    await handle.signal(checkOutSignal, asWorker(input));
    await suite.env.sleep(30 * MIN);
    expect(sentTo(suite.harness.smtp.messages, mail('oncall'))).toHaveLength(0);
    expect((await handle.query(visitStateQuery)).status).toBe('incident');
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When the worker raises a red flag, then buddy, manager and emergency contact are alerted at once and again until someone takes charge', async () => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(10 * MIN);
    await handle.signal(raiseRedFlagSignal, { ...asWorker(input), reason: 'Client became aggressive' });
    await suite.env.sleep(11 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 3);
    expect(minutesOf(events, 'red-flag-raised')).toEqual([10]);
    expect(minutesOf(events, 'alert-sent')).toEqual([10, 15, 20]);
    expect(minutesOf(events, 'reminder-sent')).toEqual([]);
    const first = await suite.harness.smtp.waitFor(9, (m) => m.subject === 'RED FLAG: Wendy Worker needs help now' && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(new Set(first.map((m) => m.to[0]))).toEqual(new Set([mail('buddy'), mail('manager'), mail('oncall')]));
    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    await suite.env.sleep(30 * MIN);
    expect(
      count(
        (await eventsOf(suite.harness.db, input.visitId)).map((e) => e.type),
        'alert-sent',
      ),
    ).toBe(3);
    const told = await suite.harness.smtp.waitFor(2, (m) => m.subject.startsWith('Mina Manager has taken charge') && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(told.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('oncall')]);
    await handle.signal(checkOutSignal, asWorker(input));
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When the worker checks out with their duress code, then the answer looks normal and a silent alarm goes to buddy and manager', async () => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs(), duressCodeHash: hashDuressCode('9911', LINK_SECRET) });
    const handle = await suite.start(input);
    await suite.env.sleep(15 * MIN);
    const normal = { ...asWorker(input), codeHash: hashDuressCode('1234', LINK_SECRET) };
    await handle.signal(checkInSignal, normal);
    await handle.signal(checkOutSignal, { ...asWorker(input), codeHash: hashDuressCode('9911', LINK_SECRET) });
    expect(workerView(await stateWhen(handle, (s) => s.phase === 'ended'))).toMatchObject({ status: 'closed', incident: null, alert: null });
    const alarms = await suite.harness.smtp.waitFor(3, (m) => m.subject === 'SILENT ALARM: Wendy Worker may be under duress' && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(alarms.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager'), mail('oncall')].sort());
    expect(alarms[0].text).toContain('do not call them openly');
    expect((await handle.query(visitStateQuery)).incident).toMatchObject({ reason: 'duress' });
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('duress-code-used') && t.includes('alert-sent'));
    expect(events.filter((e) => e.visibleToWorker).map((e) => e.type)).toEqual(['visit-started', 'checked-in', 'checked-out']);
    expect(sentTo(suite.harness.smtp.messages, mail('worker'))).toHaveLength(0);
    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When the worker checks out with their duress code while a red flag is still being sent, then their answer looks normal and the silent alarm goes out at once', async () => {
    const { input, mail } = visitInput({ risk: 'medium', startMs: await suite.env.currentTimeMs(), duressCodeHash: hashDuressCode('9911', LINK_SECRET) });
    const handle = await suite.start(input);
    await handle.signal(raiseRedFlagSignal, { actor: { id: input.buddy.id!, role: 'buddy' }, reason: 'Worker sounded scared on the phone' });
    await suite.harness.smtp.waitFor(2, (m) => m.subject.startsWith('RED FLAG') && m.to[0].includes(input.visitId.slice(0, 8)));
    await handle.signal(checkOutSignal, { ...asWorker(input), codeHash: hashDuressCode('9911', LINK_SECRET) });
    expect(workerView(await stateWhen(handle, (s) => s.phase === 'ended'))).toMatchObject({ status: 'closed', incident: null, alert: null, escalationLevel: 0 });
    // No time passes here: the alarm must not wait for the red flag's next repeat.
    const alarms = await suite.harness.smtp.waitFor(2, (m) => m.subject.startsWith('SILENT ALARM') && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(alarms.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
    expect(await handle.query(visitStateQuery)).toMatchObject({ status: 'escalating', incident: { reason: 'duress' } });
    await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 2);
    expect(await suite.harness.db.visit.findUnique({ where: { id: input.visitId } })).toMatchObject({ incidentReason: 'duress' });
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.result()).toMatchObject({ status: 'closed', incident: null });
    const resolved = await suite.harness.smtp.waitFor(2, (m) => m.subject.startsWith('Resolved') && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(resolved.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
  });

  it('When a manager resolves the incident just after a second alarm was raised, then the visit ends cleanly', async () => {
    const { input } = visitInput({ risk: 'medium', startMs: await suite.env.currentTimeMs(), duressCodeHash: hashDuressCode('9911', LINK_SECRET) });
    const handle = await suite.start(input);
    await handle.signal(raiseRedFlagSignal, { ...asWorker(input), reason: 'Client blocking the door' });
    await Promise.all([
      // Whichever lands first, the other may be refused; what matters is that the workflow never fails.
      handle.signal(checkOutSignal, { ...asWorker(input), codeHash: hashDuressCode('9911', LINK_SECRET) }),
      ask(handle, resolveIncidentUpdate, [resolution(input)]).catch(() => undefined),
    ]);
    const state = await handle.query(visitStateQuery);
    if (state.incident) await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.result()).toMatchObject({ status: 'closed', incident: null, alert: null });
  });

  it('When the worker extends beyond the policy, then the extra extension is refused with the reason and the buddy hears of repeated ones', async () => {
    const startMs = await suite.env.currentTimeMs();
    const { input, mail } = visitInput({ startMs });
    const handle = await suite.start(input);
    const eta = (minutes: number) => new Date(startMs + minutes * MIN).toISOString();
    const extend = (minutes: number) => ask(handle, extendUpdate, [{ ...asWorker(input), eta: eta(minutes), reason: 'Client upset' }]);
    await expect(extend(-5)).rejects.toThrow(RequestRefusedError);
    await expect(extend(130)).rejects.toMatchObject({ message: 'Extensions may add at most 60 minutes in all' });
    expect(await extend(90)).toMatchObject({ eta: eta(90), extensions: { count: 1 } });
    await expect(extend(80)).rejects.toMatchObject({ message: `The new ETA must be later than the current ETA ${eta(90)}` });
    expect(await extend(120)).toMatchObject({ extensions: { count: 2, totalMs: 60 * MIN } });
    await expect(extend(121)).rejects.toMatchObject({ message: 'No more extensions: at most 2 per visit' });
    const told = await suite.harness.smtp.waitFor(2, (m) => m.to[0] === mail('buddy'));
    expect(told.map((m) => m.subject)).toEqual(['Wendy Worker is running late again', 'Wendy Worker is running late again']);
    await handle.signal(checkOutSignal, asWorker(input));
    expect(await handle.result()).toMatchObject({ status: 'closed', incident: null });
  });

  it('When a scheduled visit is never started, then the worker is reminded at its planned start and the manager flagged after the set time until someone takes charge', async () => {
    const startMs = await suite.env.currentTimeMs();
    const { input, mail } = visitInput({
      startMs,
      etaInMs: 150 * MIN,
      plannedStartAt: new Date(startMs + 60 * MIN).toISOString(),
      startedBy: { id: 'manager-x', role: 'manager' },
    });
    const handle = await suite.start(input);
    expect((await handle.query(visitStateQuery)).status).toBe('scheduled');
    await suite.env.sleep(90 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 2);
    // High risk: the worker is reminded at the planned start; the manager is flagged 15 min
    // later, again every manager wait (10 min).
    expect(minutesOf(events, 'start-reminder-sent')).toEqual([60]);
    expect(minutesOf(events, 'alert-sent')).toEqual([75, 85]);
    const [reminder] = await suite.harness.smtp.waitFor(1, (m) => m.to[0] === mail('worker'));
    expect(reminder.subject).toBe(`Your visit is due to start at ${localTime(startMs + 60 * MIN, 'Europe/London')}`);
    expect(reminder.text).toContain('12 Acacia Avenue');
    expect(reminder.text).toContain('Check in when you arrive');
    const flagged = await suite.harness.smtp.waitFor(2, (m) => m.to[0] === mail('manager'));
    expect(flagged[0].subject).toBe("Wendy Worker's scheduled visit was not started");
    await handle.signal(checkInSignal, asWorker(input));
    expect(await stateWhen(handle, (s) => s.phase === 'in-progress')).toMatchObject({ phase: 'in-progress', status: 'incident' });
    await suite.harness.smtp.waitFor(1, (m) => m.to[0] === mail('manager') && m.subject.startsWith('All clear'));
    await ask(handle, resolveIncidentUpdate, [{ ...resolution(input), rationale: 'Started late: car trouble' }]);
    expect((await handle.query(visitStateQuery)).status).toBe('open');
    await handle.signal(checkOutSignal, asWorker(input));
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When the worker raises a red flag on a scheduled visit before checking in, then the visit starts and responders are alerted at once', async () => {
    const startMs = await suite.env.currentTimeMs();
    const { input, mail } = visitInput({ risk: 'medium', startMs, etaInMs: 150 * MIN, plannedStartAt: new Date(startMs + 60 * MIN).toISOString() });
    const handle = await suite.start(input);
    await suite.env.sleep(55 * MIN);
    await handle.signal(raiseRedFlagSignal, { ...asWorker(input), reason: 'Arrived early; client is aggressive' });
    expect(await stateWhen(handle, (s) => !!s.incident)).toMatchObject({ phase: 'in-progress', status: 'escalating', incident: { reason: 'red-flag' } });
    const alerts = await suite.harness.smtp.waitFor(2, (m) => m.subject.startsWith('RED FLAG') && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(alerts.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    await suite.env.sleep(30 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('acknowledged'));
    expect(events.map((e) => e.type)).not.toContain('start-reminder-sent');
    await handle.signal(checkOutSignal, asWorker(input));
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When a manager resolves an incident, then everyone who was alerted, and nobody else, is told the outcome, who resolved it and why', async () => {
    // Medium risk: a red flag alerts buddy and manager, not the emergency contact.
    const { input, mail } = visitInput({ risk: 'medium', startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(10 * MIN);
    await handle.signal(raiseRedFlagSignal, { ...asWorker(input), reason: 'Client threatened me' });
    await suite.harness.smtp.waitFor(2, (m) => m.subject.startsWith('RED FLAG') && m.to[0].includes(input.visitId.slice(0, 8)));
    await handle.signal(acknowledgeSignal, { actor: { id: input.buddy.id!, role: 'buddy' }, via: 'api' });
    await handle.signal(checkOutSignal, asWorker(input));
    const rationale = 'Bob met the worker outside the property; she was shaken but unhurt. Police informed of the threat. '.repeat(4);
    const resolved = await ask(handle, resolveIncidentUpdate, [
      { actor: { id: input.manager.id, role: 'manager' }, outcome: 'worker-safe', rationale, reviewRiskAssessment: true },
    ]);
    expect(resolved).toMatchObject({ status: 'closed', incident: null, riskReviewRequested: true });
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'closed' });

    const told = await suite.harness.smtp.waitFor(2, (m) => m.subject === 'Resolved: the alert for Wendy Worker' && m.to[0].includes(input.visitId.slice(0, 8)));
    expect(told.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
    for (const m of told) {
      expect(m.text).toContain('Mina Manager (manager) resolved the incident. Outcome: the worker is safe.');
      expect(m.text).toContain('Rationale: Bob met the worker outside the property');
      expect(m.text).toContain(`The risk assessment for client reference ${input.clientRef} is marked for review.`);
      // A summary: the whole rationale stays in the record.
      expect(m.text).not.toContain(rationale.trim());
      expect(m.text).toContain('…');
      expect(m.html).toContain('Resolved: the alert for Wendy Worker');
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(suite.harness.smtp.messages.filter((m) => m.subject.startsWith('Resolved') && [mail('worker'), mail('oncall')].includes(m.to[0]))).toHaveLength(0);

    const deliveries = await suite.harness.db.notificationDelivery.findMany({ where: { subjectId: input.visitId, template: 'visit-resolved' } });
    expect(deliveries.map((d) => [d.recipient, d.status]).sort()).toEqual([
      [mail('buddy'), 'sent'],
      [mail('manager'), 'sent'],
    ]);
    const event = await suite.harness.db.visitEvent.findFirstOrThrow({ where: { visitId: input.visitId, type: 'incident-resolved' } });
    expect(event).toMatchObject({
      actorId: input.manager.id,
      actorRole: 'manager',
      reason: rationale,
      data: { outcome: 'worker-safe', reviewRiskAssessment: true, visitEnded: false },
    });
    expect(await suite.harness.db.visit.findUnique({ where: { id: input.visitId } })).toMatchObject({ status: 'closed', riskReviewRequested: true, incidentReason: null });

    // The record agrees with the history (each decision recorded by a local activity, or by the send it caused), and the visit as it ended.
    await expect(reconcileWorkflow(suite.env.client, suite.harness.db, handle.workflowId)).resolves.toMatchObject({ differences: [], inFlight: 0, missing: [] });
    expect(await suite.harness.db.visit.findUnique({ where: { id: input.visitId } })).toMatchObject({
      status: final.status,
      escalationLevel: final.escalationLevel,
      eta: new Date(final.eta),
      startedAt: new Date(final.startedAt!),
      lastCheckInAt: new Date(final.lastCheckInAt!),
      closedAt: new Date(final.closedAt!),
      riskReviewRequested: final.riskReviewRequested,
    });
  });

  it.each([
    ['overdue, before the ladder starts', 31, 0],
    ["at the worker's own reminder (the ladder's first step)", 37, 1],
  ])('When a manager takes charge of a visit %s, then it is theirs and the ladder stops', async (_when, atMinute, alertsBefore) => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    // High risk: check-in due at minute 30, the ladder's first alert (the worker's) at 35.
    await suite.env.sleep(atMinute * MIN);
    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    const state = await stateWhen(handle, (s) => !!s.incident?.owner);
    expect(state).toMatchObject({ status: 'incident', alert: { reason: 'missed-deadline', owner: { role: 'manager' } }, incident: { owner: { name: 'Mina Manager' } } });
    // Past the buddy's planned alerts (40, 45) and into the manager's (50), before the ETA (60).
    await suite.env.sleep(15 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('acknowledged'));
    expect(
      count(
        events.map((e) => e.type),
        'alert-sent',
      ),
    ).toBe(alertsBefore);
    expect(events.map((e) => e.type)).not.toContain('request-declined');
    expect([mail('buddy'), mail('oncall')].flatMap((a) => sentTo(suite.harness.smtp.messages, a))).toHaveLength(0);
    await handle.signal(checkInSignal, asWorker(input));
    await ask(handle, resolveIncidentUpdate, [resolution(input)]);
    expect(await handle.query(visitStateQuery)).toMatchObject({ status: 'open', incident: null });
    await handle.signal(checkOutSignal, asWorker(input));
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When a closed visit is checked into, then the update is rejected with the reason', async () => {
    const { input } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    // An open incident keeps the closed visit's workflow running, so its validator answers.
    await handle.signal(raiseRedFlagSignal, { ...asWorker(input), reason: 'Pressed by mistake' });
    await handle.signal(checkOutSignal, asWorker(input));
    await handle.signal(checkInSignal, asWorker(input));
    const declined = await eventsOf(suite.harness.db, input.visitId, (t) => t.includes('request-declined'));
    expect(declined.find((e) => e.type === 'request-declined')).toMatchObject({
      reason: 'The visit is closed; start a new visit to keep being watched',
      data: { request: 'check-in' },
    });
    expect(declined.filter((e) => e.type === 'checked-in')).toHaveLength(0);
    await ask(handle, resolveIncidentUpdate, [{ ...resolution(input), outcome: 'false-alarm' }]);
    // Refused by the validator, or because the workflow has already finished: never accepted twice.
    await expect(ask(handle, resolveIncidentUpdate, [resolution(input)])).rejects.toBeInstanceOf(Error);
    expect(await handle.result()).toMatchObject({ status: 'closed', incident: null });
  });
});

describe('A lone-working visit when things fail (time-skipping server, PostgreSQL, SMTP)', () => {
  let crashes = 0;
  // The worker "dies" once after the relay accepted a red-flag alert, before Temporal heard it completed.
  const suite = visitSuite((real) => ({
    async notifyVisitContact(request) {
      const result = await real.notifyVisitContact(request);
      if (request.template === 'visit-red-flag' && request.ack?.role === 'buddy' && crashes++ === 0) throw new Error('worker lost after sending');
      return result;
    },
  }));
  const ask = askingWith(() => suite.harness.db);

  it('When the worker crashes between sending an alert and recording it, then the alert is sent once', async () => {
    const { input, mail } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await handle.signal(raiseRedFlagSignal, { ...asWorker(input), reason: 'Threatened' });
    await suite.env.sleep(1 * MIN);
    await suite.harness.smtp.waitFor(3, (m) => m.subject.startsWith('RED FLAG') && m.to[0].includes(input.visitId.slice(0, 8)));
    await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(crashes).toBeGreaterThan(1);
    expect(sentTo(suite.harness.smtp.messages, mail('buddy')).filter((m) => m.subject.startsWith('RED FLAG'))).toHaveLength(1);
    const deliveries = await suite.harness.db.notificationDelivery.findMany({ where: { subjectId: input.visitId, recipient: mail('buddy') } });
    expect(deliveries.filter((d) => d.template === 'visit-red-flag')).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    await ask(handle, resolveIncidentUpdate, [{ ...asManager(input), outcome: 'worker-safe', rationale: 'Left the property with police', reviewRiskAssessment: true }]);
    expect(await handle.result()).toMatchObject({ status: 'closed' });
  });

  it('When the mail relay is down, then the ladder still advances on schedule and every failed send is recorded', async () => {
    const { input } = visitInput({ startMs: await suite.env.currentTimeMs() });
    suite.harness.smtp.setDown(true);
    try {
      const handle = await suite.start(input);
      await suite.env.sleep(75 * MIN);
      const events = await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 6 && count(t, 'notification-failed') >= 1, 60_000);
      expect(minutesOf(events, 'alert-sent')).toEqual([35, 40, 45, 50, 60, 70]);
      const failed = events.find((e) => e.type === 'notification-failed')!;
      expect(failed.reason).toMatch(/Activity task failed|Relay unavailable/);
      const deliveries = await suite.harness.db.notificationDelivery.findMany({ where: { subjectId: input.visitId } });
      expect(deliveries.length).toBeGreaterThanOrEqual(6);
      expect(deliveries.every((d) => d.status === 'failed' && /Relay unavailable/.test(d.lastError ?? ''))).toBe(true);
      await handle.signal(acknowledgeSignal, { ...asManager(input), via: 'api' });
      await ask(handle, resolveIncidentUpdate, [{ ...asManager(input), outcome: 'worker-safe', rationale: 'Phoned the worker directly', reviewRiskAssessment: false }]);
      await handle.result();
    } finally {
      suite.harness.smtp.setDown(false);
    }
  });
});

/** Re-sync writes records only: it never sends. */
const noChannel: NotificationChannel = {
  name: 'email',
  send: () => Promise.reject(new Error('a re-sync sends nothing')),
  verify: () => Promise.resolve(),
  close: () => undefined,
};

describe('A visit whose send gives up before writing the event it carries (time-skipping server, PostgreSQL)', () => {
  // Every reminder's send fails for good before it reaches the database.
  const suite = visitSuite((real) => ({
    async notifyVisitContact(request) {
      if (request.template === 'visit-reminder') throw ApplicationFailure.nonRetryable('Database unreachable', 'TestFailure');
      return real.notifyVisitContact(request);
    },
  }));

  it('When the reminder cannot be sent, then the reminder is recorded all the same, beside the failure, and the record agrees with history', async () => {
    const { input } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(30 * MIN);
    const events = await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'reminder-sent') >= 1 && count(t, 'notification-failed') >= 1, 30_000);
    const failed = events.find((e) => e.type === 'notification-failed')!;
    expect(failed.data).toMatchObject({ role: 'worker', template: 'visit-reminder' });
    await handle.signal(checkOutSignal, asWorker(input));
    await handle.result();
    await expect(reconcileWorkflow(suite.env.client, suite.harness.db, handle.workflowId)).resolves.toMatchObject({ differences: [], inFlight: 0 });
  });

  it('When an alert carried by its send is lost from the database, then reconciliation names it and a re-sync writes it back whole from the send in history', async () => {
    const { input } = visitInput({ startMs: await suite.env.currentTimeMs() });
    const handle = await suite.start(input);
    await suite.env.sleep(36 * MIN);
    const [alert] = (await eventsOf(suite.harness.db, input.visitId, (t) => count(t, 'alert-sent') >= 1)).filter((e) => e.type === 'alert-sent');
    await handle.signal(checkOutSignal, asWorker(input));
    await handle.result();
    await suite.harness.db.visitEvent.delete({ where: { id: alert.id } });
    const found = await reconcileWorkflow(suite.env.client, suite.harness.db, handle.workflowId);
    expect(found.missing).toEqual([String(alert.seq)]);
    const { recordVisitEvent } = createVisitActivities({ db: suite.harness.db, channel: noChannel, publicUrl: PUBLIC_URL, linkSecret: LINK_SECRET });
    const { after } = await resyncWorkflow(
      { client: suite.env.client, db: suite.harness.db, recordVisitEvent },
      handle.workflowId,
      { id: 'op-1', role: 'operator' },
      'Row deleted by hand',
    );
    expect(after.differences).toEqual([]);
    // From the send's input, not from its audit entry: shown to the worker as it was.
    expect(await suite.harness.db.visitEvent.findFirst({ where: { visitId: input.visitId, seq: alert.seq } })).toMatchObject({
      type: 'alert-sent',
      visibleToWorker: true,
      data: alert.data,
    });
  });
});
