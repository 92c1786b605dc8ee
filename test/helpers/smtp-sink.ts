import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  receivedAt: Date;
}

/** A real SMTP server on loopback that keeps what it receives, for assertions. */
export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Waits until `count` messages match (all messages when no filter). */
  waitFor(count: number, filter?: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Makes the server refuse mail (a relay outage) until called with false. */
  setDown(down: boolean): void;
  /** Holds each message this long before accepting it (a slow or hung relay); 0 for none. A held message is kept even if the client gave up. */
  setDelay(ms: number): void;
  /** Addresses refused for good with 550, as a mistyped or closed mailbox is. */
  rejected: Set<string>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let down = false;
  let delayMs = 0;
  const rejected = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      callback(down ? Object.assign(new Error('Relay unavailable'), { responseCode: 421 }) : undefined);
    },
    onRcptTo(address, _session, callback) {
      callback(rejected.has(address.address.toLowerCase()) ? Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }) : undefined);
    },
    onData(stream, session, callback) {
      const holdMs = delayMs;
      simpleParser(stream)
        .then(async (mail: ParsedMail) => {
          if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId ?? '',
            receivedAt: new Date(),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    async waitFor(count, filter = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = messages.filter(filter);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) {
          throw new Error(`Expected ${count} message(s), got ${matching.length}: ${messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join(' | ')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    setDown(value) {
      down = value;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
