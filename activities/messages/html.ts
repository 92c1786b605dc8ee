const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML bodies: every value in a message comes from user input. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Wraps paragraphs and an optional call to action in a minimal, accessible HTML email. */
export function htmlEmail(title: string, paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const button = action
    ? `<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:12px 20px;background:#b00020;color:#fff;text-decoration:none;font-weight:bold">${escapeHtml(action.label)}</a></p>`
    : '';
  return `<!doctype html><html lang="en"><body style="font-family:sans-serif;font-size:16px"><h1 style="font-size:20px">${escapeHtml(title)}</h1>\n${body}\n${button}</body></html>`;
}

/** The plain-text twin of htmlEmail. */
export function textEmail(title: string, paragraphs: string[], action?: { label: string; url: string }): string {
  return [title, '', ...paragraphs.flatMap((p) => [p, '']), ...(action ? [`${action.label}: ${action.url}`] : [])].join('\n');
}
