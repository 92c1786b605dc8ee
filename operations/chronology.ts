import { escapeHtml } from '../activities/messages/html';
import type { Db } from '../lib/db';

/** One line of a case chronology: when, what, who (and in what role), and why. */
interface Line {
  at: Date;
  what: string;
  who: string;
  why: string;
  source: 'record' | 'audit';
}

export interface Chronology {
  title: string;
  /** Who may read it depends on the team. */
  team: string;
  facts: [string, string][];
  lines: Line[];
}

const who = (id: string | null | undefined, role?: string | null) => (id ? `${id}${role ? ` (${role})` : ''}` : 'the service');
const day = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—');

/**
 * What the audit trail adds to the record: reads, messages, disclosures, operator actions. An
 * entry that mirrors a record line (same key) is left out, unless the record lost that line.
 */
async function auditLines(db: Db, targets: { targetType: string; targetId: string }[], recorded: Set<string>): Promise<Line[]> {
  const rows = await db.auditEntry.findMany({ where: { OR: targets }, orderBy: { seq: 'asc' } });
  return rows
    .filter((a) => !a.key || !recorded.has(a.key))
    .map((a) => ({ at: a.at, what: a.action.replace(/[.-]/g, ' '), who: who(a.actorId, a.actorRole), why: a.rationale ?? '', source: 'audit' as const }));
}

export async function visitChronology(db: Db, visitId: string): Promise<Chronology | null> {
  const visit = await db.visit.findUnique({ where: { id: visitId }, include: { events: { orderBy: { seq: 'asc' } } } });
  if (!visit) return null;
  const records: Line[] = visit.events.map((e) => ({ at: e.at, what: e.type.replace(/-/g, ' '), who: who(e.actorId, e.actorRole), why: e.reason ?? '', source: 'record' }));
  return {
    title: `Chronology of visit ${visitId}`,
    team: visit.team,
    facts: [
      ['Team', visit.team],
      ['Kind and risk', `${visit.kind}, ${visit.riskLevel} risk`],
      ['Client reference', visit.clientRef],
      ['Worker', visit.workerId],
      ['Status', visit.status],
      ['Started', day(visit.startedAt)],
      ['Expected end', day(visit.eta)],
      ['Closed', day(visit.closedAt)],
      ['Incident', visit.incidentReason ? `${visit.incidentReason}${visit.incidentOwner ? `, taken by ${visit.incidentOwner}` : ''}` : 'none'],
    ],
    lines: merge(records, await auditLines(db, [{ targetType: 'visit', targetId: visitId }], new Set(visit.events.map((e) => `visit:${visitId}:${e.seq}`)))),
  };
}

export async function planChronology(db: Db, planId: string): Promise<Chronology | null> {
  const plan = await db.plan.findUnique({
    where: { id: planId },
    include: { events: { orderBy: { at: 'asc' } }, decisions: true, reviews: true, disclosures: { omit: { html: true } } },
  });
  if (!plan) return null;
  const records: Line[] = [
    ...plan.events.map((e) => ({ at: e.at, what: e.summary, who: who(e.actorId), why: '', source: 'record' as const })),
    ...plan.decisions.map((d) => ({
      at: d.decidedAt,
      what: `decision (${d.kind}): ${d.decision}`,
      who: who(d.actorId, d.actorRole),
      why: [d.rationale, d.adultViews && `Adult's views: ${d.adultViews}`].filter(Boolean).join(' — '),
      source: 'record' as const,
    })),
    ...plan.reviews.map((r) => ({
      at: r.recordedAt,
      what: `review ${r.number} (${r.kind}): ${r.outcome}`,
      who: who(r.recordedById),
      why: `${r.rationale} — Adult's views: ${r.adultViews}`,
      source: 'record' as const,
    })),
    ...plan.disclosures.map((d) => ({
      at: d.decidedAt,
      what: `copy for ${d.recipientKind}: ${d.outcome}${d.omittedItemIds.length ? `, ${d.omittedItemIds.length} item(s) left out` : ''}`,
      who: who(d.decidedById),
      why: [d.rationale, d.safeguards && `Safeguards: ${d.safeguards}`].filter(Boolean).join(' — '),
      source: 'record' as const,
    })),
  ];
  const copies = plan.disclosures.map((d) => ({ targetType: 'plan-copy', targetId: d.id }));
  return {
    title: `Chronology of safeguarding plan ${planId}`,
    team: plan.team,
    facts: [
      ['Team', plan.team],
      ['Status', plan.status],
      ['Lead practitioner', plan.leadPractitionerId],
      ['Manager', plan.managerId],
      ['Consent basis', plan.consentBasis],
      ['Recorded', day(plan.createdAt)],
      ['Live', day(plan.liveAt)],
      ['Next review', plan.nextReviewDate ?? '—'],
      ['Ended', plan.endedAt ? `${day(plan.endedAt)}: ${plan.endingGround}, risk ${plan.riskOutcome}` : '—'],
    ],
    lines: merge(records, await auditLines(db, [{ targetType: 'plan', targetId: planId }, ...copies], new Set(plan.events.map((e) => `plan:${e.key}`)))),
  };
}

const merge = (a: Line[], b: Line[]) => [...a, ...b].sort((x, y) => x.at.getTime() - y.at.getTime());

/** A self-contained HTML document a review panel can read, print or file. */
export function chronologyHtml(c: Chronology, exportedBy: string, now = new Date()): string {
  const facts = c.facts.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const lines = c.lines
    .map(
      (l) =>
        `<tr class="${l.source}"><td>${escapeHtml(day(l.at))}</td><td>${escapeHtml(l.what)}</td><td>${escapeHtml(l.who)}</td><td>${escapeHtml(l.why)}</td><td>${l.source}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(c.title)}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}tr.audit{color:#555}</style></head>
<body><h1>${escapeHtml(c.title)}</h1>
<p>Exported ${escapeHtml(day(now))} by ${escapeHtml(exportedBy)} for a review. Special-category personal data: handle under your data-protection policy.</p>
<table>${facts}</table>
<h2>What happened</h2>
<table><thead><tr><th>When</th><th>What</th><th>Who</th><th>Why (rationale, views)</th><th>Source</th></tr></thead>
<tbody>
${lines}
</tbody></table>
</body></html>
`;
}
