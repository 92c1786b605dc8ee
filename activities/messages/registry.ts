import { htmlEmail, textEmail } from './html';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export interface RenderContext {
  publicUrl: string;
  /** The team's IANA zone for times (Europe/London when unknown). */
  timeZone?: string;
  /** "Today" for the reader, so a time on another day names its date; now when absent. */
  nowMs?: number;
}

export type MessageTemplate = (data: Record<string, unknown>, ctx: RenderContext) => RenderedMessage;

/** Builds a template from a subject, paragraphs and an optional call to action, in both formats. */
export function simpleTemplate(
  build: (
    data: Record<string, unknown>,
    ctx: RenderContext,
  ) => {
    subject: string;
    paragraphs: string[];
    action?: { label: string; url: string };
  },
): MessageTemplate {
  return (data, ctx) => {
    const { subject, paragraphs, action } = build(data, ctx);
    return { subject, text: textEmail(subject, paragraphs, action), html: htmlEmail(subject, paragraphs, action) };
  };
}

const registry = new Map<string, MessageTemplate>();

/** Each feature registers its own message templates, one per event. */
export function registerTemplates(templates: Record<string, MessageTemplate>): void {
  for (const [name, template] of Object.entries(templates)) {
    if (registry.has(name)) throw new Error(`Message template "${name}" is registered twice`);
    registry.set(name, template);
  }
}

export function renderMessage(name: string, data: Record<string, unknown>, ctx: RenderContext): RenderedMessage {
  const template = registry.get(name);
  if (!template) throw new Error(`Unknown message template "${name}"`);
  return template(data, ctx);
}
