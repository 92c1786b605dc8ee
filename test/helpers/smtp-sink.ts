import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** When the client handed the message over (its data began); a hung or slow relay answers later. */
  handedAt: Date;
  /** When the relay took it (answered 250). */
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
  /** Refuses this recipient for good (an unknown mailbox: 550) from now on. */
  rejectRecipient(address: string, responseCode?: number): void;
  /**
   * Holds the answer to the next message's data this long (a hung relay), then takes it
   * only if the client is still connected: a client that gave up has not sent it.
   */
  holdNextData(ms: number): void;
  /** SMTP connections opened so far. */
  readonly connections: number;
  /**
   * Holds every message's answer this long (a slow or hung relay still working on it, before
   * it takes responsibility with its 250), then takes it if the client is still there; 0 for none.
   */
  setDelay(ms: number): void;
  /** Addresses refused for good, as `rejectRecipient` set them. */
  readonly refused: ReadonlySet<string>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let down = false;
  let connections = 0;
  let holdMs = 0;
  const rejected = new Map<string, number>();
  const closed = new Set<string>();
  let delayMs = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onClose(session) {
      closed.add(session.id);
    },
    onMailFrom(_address, _session, callback) {
      callback(down ? Object.assign(new Error('Relay unavailable'), { responseCode: 421 }) : undefined);
    },
    onRcptTo(address, _session, callback) {
      const code = rejected.get(address.address.toLowerCase());
      callback(code ? Object.assign(new Error(`Mailbox ${address.address} unavailable`), { responseCode: code }) : undefined);
    },
    onData(stream, session, callback) {
      const handedAt = new Date();
      const once = holdMs;
      holdMs = 0;
      const held = once || delayMs;
      simpleParser(stream)
        .then(async (mail: ParsedMail) => {
          if (held) await new Promise((r) => setTimeout(r, held));
          if (held && closed.has(session.id)) return;
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId ?? '',
            handedAt,
            receivedAt: new Date(),
          });
          callback();
        })
        .catch(callback);
    },
  });
  // A client killed mid-session resets its connection; a relay shrugs that off.
  server.on('error', () => undefined);
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
    rejectRecipient(address, responseCode = 550) {
      rejected.set(address.toLowerCase(), responseCode);
    },
    holdNextData(ms) {
      holdMs = ms;
    },
    get connections() {
      return connections;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get refused() {
      return new Set(rejected.keys());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
