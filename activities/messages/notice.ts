import { simpleTemplate } from './registry';

/** A notice scheduled for a future time (a reminder with no escalation behind it). */
export const noticeTemplates = {
  'scheduled-notice': simpleTemplate((data) => ({
    subject: String(data.title),
    paragraphs: [String(data.body)],
  })),
};
