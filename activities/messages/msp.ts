import { simpleTemplate } from './registry';

// Messages name cases by id only: the adult's name never travels by email.
const ref = (id: unknown) => String(id).slice(0, 8);

/** Follow-ups of declined support and reminders of professional disagreements. */
export const mspTemplates = {
  'declined-support-follow-up': simpleTemplate((data, { publicUrl }) => ({
    subject: `Declined support: follow-up ${String(data.number)} of ${String(data.of)} due`,
    paragraphs: [
      `The adult in case ${ref(data.caseId)} declined support on ${String(data.declinedOn)}. Keep the door open: contact them again, check whether anything has changed, whether coercion or undue influence is now apparent, and whether they would now accept support.`,
      'Record what happened, or convert the case to a plan if they agree or a consent caveat now applies.',
    ],
    action: { label: 'Open the case', url: `${publicUrl}/declined-support/${String(data.caseId)}` },
  })),
  'disagreement-response-due': simpleTemplate((data, { publicUrl }) => ({
    subject: `Professional disagreement awaiting a final decision (escalation ${String(data.escalation)})`,
    paragraphs: [
      `A professional disagreement ${ref(data.disagreementId)} with a decision in safeguarding plan ${ref(data.planId)} was to be answered by ${String(data.responseDueDate)}.`,
      'The investigating team manager gives the final decision with a rationale.',
    ],
    action: { label: 'Open the disagreement', url: `${publicUrl}/disagreements/${String(data.disagreementId)}` },
  })),
};
