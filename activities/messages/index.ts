import { registerTemplates } from './registry';
import { noticeTemplates } from './notice';
import { visitTemplates } from './visit';

registerTemplates(noticeTemplates);
registerTemplates(visitTemplates);

export { renderMessage, registerTemplates } from './registry';
export type { RenderedMessage, RenderContext, MessageTemplate } from './registry';
