import { simpleTemplate } from './registry';

// Messages name the plan by its id only: the adult's name never travels by email.
const planRef = (data: Record<string, unknown>) => `plan ${String(data.planId).slice(0, 8)}`;
const reviewKind = (data: Record<string, unknown>) => (data.kind === 'one-to-one' ? 'one-to-one support review' : 'review');
const openPlan = (data: Record<string, unknown>, publicUrl: string) => ({ label: 'Open the plan', url: `${publicUrl}/plans/${String(data.planId)}` });

/** Reminders and escalations of the safeguarding plan workflow. */
export const planTemplates = {
  'plan-review-reminder': simpleTemplate((data, { publicUrl }) => ({
    subject: `Safeguarding plan ${reviewKind(data)} due in ${String(data.daysBefore)} days`,
    paragraphs: [
      `The ${reviewKind(data)} ${String(data.reviewNumber)} of safeguarding ${planRef(data)} is due on ${String(data.dueDate)}.`,
      'Please arrange it with the adult in the way that works best for them, and gather the views of everyone involved.',
    ],
    action: openPlan(data, publicUrl),
  })),
  'plan-review-due': simpleTemplate((data, { publicUrl }) => ({
    subject: `Safeguarding plan ${reviewKind(data)} due today`,
    paragraphs: [`The ${reviewKind(data)} ${String(data.reviewNumber)} of safeguarding ${planRef(data)} is due today (${String(data.dueDate)}).`],
    action: openPlan(data, publicUrl),
  })),
  'plan-review-overdue': simpleTemplate((data, { publicUrl }) => ({
    subject: `Safeguarding plan ${reviewKind(data)} overdue (escalation ${String(data.escalation)})`,
    paragraphs: [
      `The ${reviewKind(data)} ${String(data.reviewNumber)} of safeguarding ${planRef(data)} was due on ${String(data.dueDate)} and has not been recorded.`,
      'The investigating team manager is responsible for reviews taking place on time.',
    ],
    action: openPlan(data, publicUrl),
  })),
  'plan-unscheduled-decision-due': simpleTemplate((data, { publicUrl }) => ({
    subject: `Unscheduled review request awaiting decision (escalation ${String(data.escalation)})`,
    paragraphs: [
      `A request for an unscheduled review of safeguarding ${planRef(data)} (${(data.reasons as string[]).join(', ')}) was to be decided by ${String(data.decisionDueDate)}.`,
      'The investigating team manager decides, with a rationale and the adult’s views.',
    ],
    action: openPlan(data, publicUrl),
  })),
  'plan-action-reminder': simpleTemplate((data, { publicUrl }) => ({
    subject: 'Safeguarding plan action due soon',
    paragraphs: [`Your action in safeguarding ${planRef(data)} is due on ${String(data.dueDate)}: ${String(data.description)}`],
    action: openPlan(data, publicUrl),
  })),
  'plan-action-overdue': simpleTemplate((data, { publicUrl }) => ({
    subject: 'Safeguarding plan action overdue',
    paragraphs: [`An action in safeguarding ${planRef(data)} was due on ${String(data.dueDate)} and is not marked complete: ${String(data.description)}`],
    action: openPlan(data, publicUrl),
  })),
};
