import { registerTemplates } from './registry';
import { noticeTemplates } from './notice';

registerTemplates(noticeTemplates);

export { renderMessage, registerTemplates } from './registry';
export type { RenderedMessage, RenderContext, MessageTemplate } from './registry';
