import { simpleTemplate } from './registry';

// Where each kind of case is opened; messages name it by the start of its id only.
const CASES: Record<string, { name: string; path: string }> = {
  plan: { name: 'safeguarding plan', path: 'plans' },
  declined_support: { name: 'declined-support case', path: 'declined-support' },
  plan_disagreement: { name: 'professional disagreement', path: 'disagreements' },
};

/** Told to the next person when a case's message could not be delivered. */
export const undeliveredTemplates = {
  'notification-undelivered': simpleTemplate((data, { publicUrl }) => {
    const kind = CASES[String(data.subjectType)] ?? { name: 'case', path: String(data.subjectType) };
    const id = String(data.subjectId);
    return {
      subject: `A message could not be delivered: ${String(data.what)}`,
      paragraphs: [
        `The ${String(data.what)} for ${kind.name} ${id.slice(0, 8)} could not be delivered (${String(data.error)}).`,
        'Please make sure they hear another way, and correct the address if it is wrong. The rest of the timetable carries on.',
      ],
      action: { label: `Open the ${kind.name}`, url: `${publicUrl}/${kind.path}/${id}` },
    };
  }),
};
