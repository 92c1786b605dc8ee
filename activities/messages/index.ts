import { registerTemplates } from './registry';
import { noticeTemplates } from './notice';
import { visitTemplates } from './visit';
import { planTemplates } from './plan';

registerTemplates(noticeTemplates);
registerTemplates(visitTemplates);
registerTemplates(planTemplates);

export { renderMessage, registerTemplates } from './registry';
export type { RenderedMessage, RenderContext, MessageTemplate } from './registry';
