// The checker: what went out (the SMTP sink), what the service recorded (the database) and
// what the workflows were told (their histories), against the model of what was owed.
import type { ReceivedMail } from '../helpers/smtp-sink';
import { faultBetween, KIND_OF_TEMPLATE, type Expectation, type FaultWindow } from './model';

export interface Delivery {
  id: string;
  template: string;
  recipient: string;
  status: string;
  lastError: string | null;
  subjectType: string;
  subjectId: string;
}

/** A user action as the phone or browser saw it: every attempt until an answer settled it. */
export interface ActionLog {
  subjectType: 'visit' | 'plan';
  subject: string;
  kind: string;
  s: number;
  e: number;
  status: number;
  /** The API's error message, if it refused. */
  message: string;
  attempts: number;
  /** The API answered 2xx. */
  accepted: boolean;
}

/** Per subject, how many of each kind of action it holds. */
export type ActionCounts = Map<string, Map<string, number>>;

export interface CheckInput {
  expectations: Expectation[];
  received: ReceivedMail[];
  deliveries: Delivery[];
  /** Addresses the relay refuses for good (550). */
  refused: ReadonlySet<string>;
  faults: FaultWindow[];
  actions: ActionLog[];
  inHistory: ActionCounts;
  inDatabase: ActionCounts;
  lateBoundMs: number;
  /** A plan whose owed alarm was handed to the relay later than this, or never, is stalled. */
  stallMs: number;
}

interface Side {
  due: number;
  optional: number;
  delivered: number;
  lost: number;
  /** Of the lost: the service made a delivery for it, which never arrived. */
  lostInDelivery: number;
  duplicated: number;
  /** Of the duplicated: resent after the worker died between the relay's 250 and its record. */
  resentInDoubt: number;
  unexpected: number;
  late: number;
  latenessOutside: number[];
  latenessDuring: number[];
  refusedSends: number;
  refusedRecorded: number;
  accepted: number;
  /** Retried to the end of the run without an answer or with 5xx only. */
  unanswered: number;
  inHistory: number;
  inDatabase: number;
  stalled: Set<string>;
  lostKeys: string[];
  notInHistory: string[];
}

/** After the relay's 250 a worker records the send in one short statement; a second is generous on a loaded machine. */
const RECORDED_WITHIN_MS = 1_000;

const emptySide = (): Side => ({
  due: 0,
  optional: 0,
  delivered: 0,
  lost: 0,
  lostInDelivery: 0,
  duplicated: 0,
  resentInDoubt: 0,
  unexpected: 0,
  late: 0,
  latenessOutside: [],
  latenessDuring: [],
  refusedSends: 0,
  refusedRecorded: 0,
  accepted: 0,
  unanswered: 0,
  inHistory: 0,
  inDatabase: 0,
  stalled: new Set(),
  lostKeys: [],
  notInHistory: [],
});

export interface SoakResult {
  visits: Side;
  plans: Side;
  table: string;
  /** 0 lost, 0 duplicated (but for a resend in doubt), 0 stalled, every accepted action in history. */
  failures: string[];
}

const percentile = (values: number[], p: number) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const groupBy = <T>(items: T[], key: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

export function check(input: CheckInput): SoakResult {
  const sides = { visit: emptySide(), plan: emptySide() };
  const deliveryOf = new Map(input.deliveries.map((d) => [`<${d.id}@carewatch>`, d]));

  // Every message received more than once under its Message-ID is a duplicate, whatever it was.
  // One second copy is in doubt, not the service's to avoid, when a worker was killed between
  // handing the first over and the moment it would have recorded the relay's 250: nothing
  // the sender can know tells "the relay has it" from "the connection died first" (RFC 1047),
  // and for an alarm a second copy under the same Message-ID is chosen over silence.
  const copies = groupBy(input.received, (m) => m.messageId);
  const firstCopies: { mail: ReceivedMail; delivery: Delivery }[] = [];
  for (const [messageId, mails] of copies) {
    const delivery = deliveryOf.get(messageId);
    const side = delivery?.subjectType === 'plan' ? sides.plan : sides.visit;
    side.duplicated += mails.length - 1;
    const [first] = mails;
    const killedMidSend = (f: FaultWindow) => f.killsWorker && f.s >= first.handedAt.getTime() && f.s <= first.receivedAt.getTime() + RECORDED_WITHIN_MS;
    if (mails.length > 1 && input.faults.some(killedMidSend)) side.resentInDoubt++;
    if (delivery) firstCopies.push({ mail: first, delivery });
  }

  const key = (subject: string, to: string, kind: string) => `${subject}|${to.toLowerCase()}|${kind}`;
  const receivedBy = groupBy(
    firstCopies.filter((c) => KIND_OF_TEMPLATE[c.delivery.template]),
    (c) => key(c.delivery.subjectId, c.delivery.recipient, KIND_OF_TEMPLATE[c.delivery.template]),
  );
  const owedBy = groupBy(input.expectations, (x) => key(x.subject, x.to, x.kind));
  const madeBy = groupBy(
    input.deliveries.filter((d) => KIND_OF_TEMPLATE[d.template]),
    (d) => key(d.subjectId, d.recipient, KIND_OF_TEMPLATE[d.template]),
  );

  for (const [k, owed] of owedBy) {
    const side = sides[owed[0].subjectType];
    if (input.refused.has(owed[0].to.toLowerCase())) continue;
    const got = (receivedBy.get(k) ?? []).map((c) => c.mail).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
    const made = madeBy.get(k)?.length ?? 0;
    let lostHere = 0;
    const due = owed.filter((x) => x.due).sort((a, b) => a.plannedAt - b.plannedAt);
    side.due += due.length;
    side.optional += owed.length - due.length;
    side.unexpected += Math.max(0, got.length - owed.length);
    // Received in order, owed in order: the i-th owed alert is the i-th received.
    due.forEach((x, i) => {
      const mail = got[i];
      if (mail === undefined) {
        side.lost++;
        lostHere++;
        side.lostKeys.push(`${x.subject.slice(0, 8)} ${x.kind} to ${x.to} at ${new Date(x.plannedAt).toISOString().slice(11, 19)}`);
        if (x.subjectType === 'plan') side.stalled.add(x.subject);
        return;
      }
      side.delivered++;
      const at = mail.receivedAt.getTime();
      const late = at - x.plannedAt;
      (faultBetween(input.faults, x.plannedAt, at) ? side.latenessDuring : side.latenessOutside).push(late);
      if (late > input.lateBoundMs) side.late++;
      // A plan stalls when its timetable does: a message handed over on time that the relay then sat on is late, not stalled.
      if (x.subjectType === 'plan' && mail.handedAt.getTime() - x.plannedAt > input.stallMs) side.stalled.add(x.subject);
    });
    // Deliveries made beyond what arrived account for that many lost; the rest were never sent (the timetable was behind its plan).
    side.lostInDelivery += Math.min(lostHere, Math.max(0, made - got.length));
  }
  // Received alerts nobody owed at all (a whole kind the model did not expect for that address).
  for (const [k, got] of receivedBy) {
    if (!owedBy.has(k)) sides[got[0].delivery.subjectType === 'plan' ? 'plan' : 'visit'].unexpected += got.length;
  }

  for (const d of input.deliveries) {
    if (!input.refused.has(d.recipient.toLowerCase())) continue;
    const side = d.subjectType === 'plan' ? sides.plan : sides.visit;
    side.refusedSends++;
    if ((d.status === 'rejected' || d.status === 'failed') && /550/.test(d.lastError ?? '')) side.refusedRecorded++;
  }

  for (const [subjectKind, logs] of groupBy(
    input.actions.filter((a) => a.accepted),
    (a) => `${a.subject}|${a.kind}`,
  )) {
    const [subject, kind] = subjectKind.split('|');
    const side = sides[logs[0].subjectType];
    side.accepted += logs.length;
    const inHistory = Math.min(logs.length, input.inHistory.get(subject)?.get(kind) ?? 0);
    side.inHistory += inHistory;
    side.inDatabase += Math.min(logs.length, input.inDatabase.get(subject)?.get(kind) ?? 0);
    if (inHistory < logs.length) side.notInHistory.push(`${subject.slice(0, 8)} ${kind} ×${logs.length - inHistory}`);
  }

  for (const a of input.actions) if (a.status === 0 || a.status >= 500) sides[a.subjectType].unanswered++;

  const failures: string[] = [];
  for (const [name, side] of Object.entries(sides)) {
    if (side.lost) failures.push(`${name}s: ${side.lost} lost (${side.lostKeys.slice(0, 5).join('; ')})`);
    if (side.duplicated > side.resentInDoubt) failures.push(`${name}s: ${side.duplicated - side.resentInDoubt} duplicated`);
    if (side.stalled.size) failures.push(`${name}s: ${side.stalled.size} stalled`);
    if (side.inHistory < side.accepted) failures.push(`${name}s: ${side.accepted - side.inHistory} accepted actions not in history (${side.notInHistory.slice(0, 5).join('; ')})`);
  }
  return { visits: sides.visit, plans: sides.plan, table: table(sides.visit, sides.plan, input), failures };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function table(v: Side, p: Side, input: CheckInput): string {
  const lateness = (values: number[]) => (values.length ? `${seconds(percentile(values, 99))} / ${seconds(Math.max(...values))} s (n=${values.length})` : '-');
  const rows: [string, (s: Side) => string | number][] = [
    ['alerts due (owed for sure by the model)', (s) => s.due],
    ['alerts that may go out (fell due as someone acted)', (s) => s.optional],
    ['delivered (of those due)', (s) => s.delivered],
    [`late beyond ${seconds(input.lateBoundMs)} s`, (s) => s.late],
    ['lateness p99 / max outside faults', (s) => lateness(s.latenessOutside)],
    ['lateness p99 / max during faults', (s) => lateness(s.latenessDuring)],
    ['duplicated (a Message-ID received twice)', (s) => s.duplicated],
    ["… of which resent after a worker was killed between the relay's 250 and its record (RFC 1047)", (s) => s.resentInDoubt],
    ['lost (due, never received)', (s) => s.lost],
    ['… of which the service made a delivery for, but nothing arrived', (s) => s.lostInDelivery],
    ['… of which never sent (the timetable was behind its plan when stopped, or blocked)', (s) => s.lost - s.lostInDelivery],
    ['unexpected (received beyond what was owed)', (s) => s.unexpected],
    ['sends to refused (550) addresses: recorded failed / all', (s) => `${s.refusedRecorded} / ${s.refusedSends}`],
    [`plans stalled (an owed alarm handed to the relay > ${seconds(input.stallMs)} s late, or never)`, (s) => (s === p ? s.stalled.size : '-')],
    ['user actions accepted (2xx)', (s) => s.accepted],
    ['user actions never answered, or 5xx only, after retrying to the end', (s) => s.unanswered],
    ['accepted and in workflow history', (s) => s.inHistory],
    ['accepted and in the database', (s) => s.inDatabase],
  ];
  const faults = [...groupBy(input.faults, (f) => f.name)].map(([name, fs]) => `${name} ×${fs.length} (${seconds(fs.reduce((t, f) => t + f.e - f.s, 0))} s)`).join(', ');
  return [`faults: ${faults || 'none'}`, '| figure | visits | plans |', '|---|---|---|', ...rows.map(([name, value]) => `| ${name} | ${value(v)} | ${value(p)} |`)].join('\n');
}
