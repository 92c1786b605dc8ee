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
  /** Refuses this recipient for good (550), as a relay does a mistyped address. */
  rejectRecipient(address: string): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let down = false;
  const rejected = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      callback(down ? Object.assign(new Error('Relay unavailable'), { responseCode: 421 }) : undefined);
    },
    onRcptTo(address, _session, callback) {
      callback(rejected.has(address.address.toLowerCase()) ? Object.assign(new Error(`Mailbox ${address.address} does not exist`), { responseCode: 550 }) : undefined);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail: ParsedMail) => {
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
    rejectRecipient(address) {
      rejected.add(address.toLowerCase());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
