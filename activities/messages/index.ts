import { registerTemplates } from './registry';
import { noticeTemplates } from './notice';
import { visitTemplates } from './visit';
import { planTemplates } from './plan';
import { mspTemplates } from './msp';

registerTemplates(noticeTemplates);
registerTemplates(visitTemplates);
registerTemplates(planTemplates);
registerTemplates(mspTemplates);

export { renderMessage, registerTemplates } from './registry';
export type { RenderedMessage, RenderContext, MessageTemplate } from './registry';
