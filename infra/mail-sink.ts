import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface MailSink {
  smtpUrl: string;
  webUrl: string;
  outbox: string;
  close(): Promise<void>;
}

/**
 * A local SMTP server that keeps every message as an .eml file under the outbox and lists
 * them on a small web page: the service always speaks real SMTP, in development too.
 */
export async function startMailSink(options: { outbox: string; smtpPort: number; webPort: number }): Promise<MailSink> {
  fs.mkdirSync(options.outbox, { recursive: true });
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${session.id}.eml`;
        fs.writeFile(path.join(options.outbox, name), Buffer.concat(chunks), callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort, '127.0.0.1', () => resolve());
  });

  const web = http.createServer((req, res) => {
    void serve(options.outbox, req, res).catch(() => {
      res.writeHead(500).end('Could not read the outbox');
    });
  });
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject);
    web.listen(options.webPort, '127.0.0.1', () => resolve());
  });
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    webUrl: `http://localhost:${options.webPort}`,
    outbox: options.outbox,
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}

async function serve(outbox: string, req: http.IncomingMessage, res: http.ServerResponse) {
  const files = fs
    .readdirSync(outbox)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .reverse();
  const requested = decodeURIComponent((req.url ?? '/').slice(1));
  if (requested && files.includes(requested)) {
    const mail = await simpleParser(fs.readFileSync(path.join(outbox, requested)));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(typeof mail.html === 'string' ? mail.html : `<pre>${escape(mail.text ?? '')}</pre>`);
    return;
  }
  const rows = await Promise.all(
    files.slice(0, 200).map(async (f) => {
      const mail = await simpleParser(fs.readFileSync(path.join(outbox, f)));
      const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
      return `<tr><td>${escape(mail.date?.toISOString() ?? '')}</td><td>${escape(to)}</td><td><a href="/${encodeURIComponent(f)}">${escape(mail.subject ?? '(no subject)')}</a></td></tr>`;
    }),
  );
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>CareWatch outbox</title></head>` +
      `<body style="font-family:sans-serif"><h1>Outbox (${files.length})</h1><p>Files: ${escape(outbox)}</p>` +
      `<table cellpadding="6"><thead><tr><th>Sent</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows.join('')}</tbody></table></body></html>`,
  );
}
