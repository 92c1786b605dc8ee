import { registerTemplates } from './registry';
import { noticeTemplates } from './notice';
import { visitTemplates } from './visit';
import { planTemplates } from './plan';
import { mspTemplates } from './msp';
import { undeliveredTemplates } from './undelivered';

registerTemplates(noticeTemplates);
registerTemplates(visitTemplates);
registerTemplates(planTemplates);
registerTemplates(mspTemplates);
registerTemplates(undeliveredTemplates);

export { renderMessage, registerTemplates } from './registry';
export type { RenderedMessage, RenderContext, MessageTemplate } from './registry';
