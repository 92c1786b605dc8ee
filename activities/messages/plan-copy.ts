import type { PlanContent, PreferredFormat } from '../../domain/plan/types';
import { escapeHtml } from './html';

export interface PlanCopyInput {
  planId: string;
  content: PlanContent;
  nextReviewDate: string | null;
  forAdult: boolean;
  omittedItemIds: string[];
  format: PreferredFormat;
  language?: string;
}

// Easy read uses plain headings the adult can follow; the standard copy uses the procedure's terms.
const HEADINGS = {
  standard: {
    risks: 'Specific risks and their likely impact',
    proactive: 'Proactive measures',
    reactive: 'Reactive (contingency) measures',
    actions: 'Actions',
    monitoring: 'How the plan is monitored',
    review: 'Review',
    voice: "The adult's views, wishes and desired outcomes",
  },
  easy_read: {
    risks: 'What could go wrong',
    proactive: 'What we will do to keep you safe',
    reactive: 'What we will do if something goes wrong',
    actions: 'Who will do what, and when',
    monitoring: 'How we will check the plan is working',
    review: 'When we will look at the plan again',
    voice: 'What you told us matters to you',
  },
};

const STYLE: Record<PreferredFormat, string> = {
  standard: 'font-family:sans-serif;font-size:16px;line-height:1.5;max-width:50em',
  easy_read: 'font-family:sans-serif;font-size:22px;line-height:1.8;max-width:36em',
  large_print: 'font-family:sans-serif;font-size:28px;line-height:1.6;max-width:40em',
  audio: 'font-family:sans-serif;font-size:16px;line-height:1.5;max-width:50em',
};

const list = (items: string[]) => (items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '<p>None recorded.</p>');
const section = (heading: string, body: string) => `<section><h2>${escapeHtml(heading)}</h2>${body}</section>`;

/** A copy of the plan as a readable document; omitted items are left out, and that is said. */
export function renderPlanCopy(input: PlanCopyInput): string {
  const omitted = new Set(input.omittedItemIds);
  const keep = <T extends { id: string }>(items: T[]) => items.filter((i) => !omitted.has(i.id));
  const h = input.format === 'easy_read' ? HEADINGS.easy_read : HEADINGS.standard;
  const { content } = input;
  const measures = (kind: 'proactive' | 'reactive') =>
    list(
      keep(content.measures)
        .filter((m) => m.kind === kind)
        .map((m) => escapeHtml(m.description)),
    );
  const notes = [
    ...(omitted.size ? ['Some parts of the plan have been left out of this copy.'] : []),
    ...(input.language ? [`This copy is to be provided in ${input.language}; a translation has been requested.`] : []),
    ...(input.format === 'audio' ? ['This copy is to be provided as an audio recording.'] : []),
  ];
  const body = [
    `<h1>${input.forAdult ? 'Your safeguarding plan' : 'Safeguarding plan'}</h1>`,
    `<p>Plan reference ${escapeHtml(input.planId)}</p>`,
    ...notes.map((n) => `<p><strong>${escapeHtml(n)}</strong></p>`),
    section(h.risks, list(keep(content.risks).map((r) => `${escapeHtml(r.description)}: ${escapeHtml(r.likelyImpact)}`))),
    section(h.proactive, measures('proactive')),
    section(h.reactive, measures('reactive')),
    section(
      h.actions,
      list(
        keep(content.actions).map(
          (a) => `${escapeHtml(a.description)} (${escapeHtml(a.owner.name)}${a.owner.agency ? `, ${escapeHtml(a.owner.agency)}` : ''}, by ${escapeHtml(a.dueDate)})`,
        ),
      ),
    ),
    section(h.monitoring, `<p>${escapeHtml(content.monitoring)}</p>`),
    section(h.review, `<p>${input.nextReviewDate ? escapeHtml(input.nextReviewDate) : 'The plan has ended.'}</p>`),
    section(
      h.voice,
      `<p>${escapeHtml(content.adult.views)}</p><p>${escapeHtml(content.adult.wishes)}</p>${list(content.adult.desiredOutcomes.map((o) => escapeHtml(o.description)))}`,
    ),
  ].join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Safeguarding plan</title></head><body style="${STYLE[input.format]}">\n${body}\n</body></html>`;
}
