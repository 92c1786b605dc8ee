import { localTime } from '../../lib/time-zone';
import { simpleTemplate, type RenderContext } from './registry';

type Data = Record<string, unknown>;

/** Times in messages: the team's own clock with the zone named, unambiguous on any device. */
function when(value: unknown, ctx: RenderContext): string {
  return value ? localTime(String(value), ctx.timeZone, ctx.nowMs) : 'not yet';
}

const KIND: Record<string, string> = { home: "home visit at the client's home", building: 'visit at a building', online: 'online session' };

/** What a responder needs to find the worker and judge the risk. */
function responderDetails(d: Data, ctx: RenderContext): string[] {
  return [
    `Worker: ${d.workerName}. Visit: ${KIND[String(d.kind)] ?? d.kind}, client reference ${d.clientRef}, risk level ${d.riskLevel}.`,
    `${d.kind === 'online' ? 'Session link' : 'Location'}: ${d.location}${d.notes ? `. Notes: ${d.notes}` : ''}`,
    `Started: ${when(d.startedAt, ctx)}. Last check-in: ${when(d.lastCheckInAt, ctx)}. Expected end (ETA): ${when(d.eta, ctx)}.`,
    `Buddy: ${d.buddyName}. Manager: ${d.managerName}.`,
  ];
}

const HEARD: Record<string, string> = { 'checked-in': 'has checked in', extended: 'gave a new expected end time', 'checked-out': 'has checked out safe' };

const OUTCOME: Record<string, string> = {
  'worker-safe': 'the worker is safe',
  'worker-harmed': 'the worker was harmed',
  'client-harmed': 'the client was harmed',
  'false-alarm': 'false alarm',
  'visit-cancelled': 'the visit was cancelled',
  other: 'other (see the rationale)',
};

/** A resolution message carries the gist; the full rationale stays in the visit's record. */
function summary(text: unknown, max = 300): string {
  const s = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}

const takeCharge = (d: Data) => (d.ackUrl ? { label: 'I am taking charge', url: String(d.ackUrl) } : undefined);
/** The worker's own reminders and alerts: one tap from the message checks in. */
const imOk = (d: Data) => (d.okUrl ? { label: "I'm OK", url: String(d.okUrl) } : undefined);

/** One template per visit event; every alert carries the responder details and a take-charge link. */
export const visitTemplates = {
  'visit-reminder': simpleTemplate((d, ctx) => ({
    subject: d.dueKind === 'check-out' ? `Your visit is due to end at ${when(d.dueAt, ctx)}` : `Check-in due at ${when(d.dueAt, ctx)}`,
    paragraphs: [
      d.dueKind === 'check-out' ? 'Check out when you leave, or give a new ETA if you are running late.' : 'Please check in in the app before then.',
      'If we do not hear from you, your buddy and then your manager will be alerted.',
    ],
    action: imOk(d),
  })),
  'visit-overdue-worker': simpleTemplate((d, ctx) => ({
    subject: 'You missed a check-in: please check in now',
    paragraphs: [`We expected to hear from you by ${when(d.dueAt, ctx)}.`, `Check in now, or ${d.buddyName} will be alerted next.`],
    action: imOk(d),
  })),
  'visit-alert': simpleTemplate((d, ctx) => ({
    subject: `URGENT: ${d.workerName} has not checked in`,
    paragraphs: [
      `${d.workerName} was due to check in by ${when(d.dueAt, ctx)} and has not. You are being alerted as ${d.recipientRole} (step ${d.step}, alert ${d.repeat}).`,
      ...responderDetails(d, ctx),
      'Try to reach them. If you take charge, press the button so others know; alerts continue until someone does.',
    ],
    action: takeCharge(d),
  })),
  'visit-red-flag': simpleTemplate((d, ctx) => ({
    subject: `RED FLAG: ${d.workerName} needs help now`,
    paragraphs: [`${d.workerName} raised a red flag during a visit.`, ...responderDetails(d, ctx), 'Act now; call 999 if there is immediate danger.'],
    action: takeCharge(d),
  })),
  'visit-duress': simpleTemplate((d, ctx) => ({
    subject: `SILENT ALARM: ${d.workerName} may be under duress`,
    paragraphs: [
      `${d.workerName} entered their duress code. Their screen showed nothing unusual: do not call them openly or mention the alarm.`,
      ...responderDetails(d, ctx),
      'Call 999 if there is any sign of immediate danger.',
    ],
    action: takeCharge(d),
  })),
  'visit-not-started': simpleTemplate((d, ctx) => ({
    subject: `${d.workerName}'s scheduled visit was not started`,
    paragraphs: [`The visit was due to start and ${d.workerName} has not checked in.`, ...responderDetails(d, ctx)],
    action: takeCharge(d),
  })),
  'visit-taken-charge': simpleTemplate((d) => ({
    subject: `${d.ownerName} has taken charge of the alert for ${d.workerName}`,
    paragraphs: [`${d.ownerName} (${d.ownerRole}) is handling it; you do not need to act unless they ask you to.`],
  })),
  'visit-all-clear': simpleTemplate((d) => ({
    subject: `All clear: ${d.workerName} is in touch`,
    paragraphs: [`${d.workerName} ${HEARD[String(d.how)] ?? 'was heard from'}. The alert has stopped; no action is needed.`],
  })),
  'visit-start-reminder': simpleTemplate((d, ctx) => ({
    subject: `Your visit is due to start at ${when(d.plannedStartAt, ctx)}`,
    paragraphs: [
      `Visit: ${KIND[String(d.kind)] ?? d.kind}, client reference ${d.clientRef}. ${d.kind === 'online' ? 'Session link' : 'Location'}: ${d.location}.`,
      'Check in when you arrive: that starts your visit and its check-ins. If you do not, your manager will be told the visit was not started.',
    ],
    action: imOk(d),
  })),
  'visit-resolved': simpleTemplate((d) => ({
    subject: `Resolved: the alert for ${d.workerName}`,
    paragraphs: [
      `${d.resolverName} (${d.resolverRole}) resolved the incident. Outcome: ${OUTCOME[String(d.outcome)] ?? d.outcome}.`,
      `Rationale: ${summary(d.rationale)}`,
      ...(d.reviewRiskAssessment ? [`The risk assessment for client reference ${d.clientRef} is marked for review.`] : []),
      'No further action is needed from you unless the manager asks.',
    ],
  })),
  'visit-extended': simpleTemplate((d, ctx) => ({
    subject: `${d.workerName} is running late again`,
    paragraphs: [`Extension ${d.extension}: the expected end moved from ${when(d.previousEta, ctx)} to ${when(d.eta, ctx)}. Reason given: ${d.why}.`, ...responderDetails(d, ctx)],
  })),
};
