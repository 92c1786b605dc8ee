import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries, so a receiving system can also recognise a duplicate. */
  messageId: string;
}

/**
 * A way to reach a person. Email is the first; SMS, voice or webhooks implement the same
 * interface without any workflow changing.
 */
export interface NotificationChannel {
  readonly name: string;
  /** Throws PermanentDeliveryError when the message can never be delivered as addressed; anything else thrown may succeed on a retry. */
  send(message: OutgoingMessage): Promise<{ accepted: boolean; providerId?: string }>;
  verify(): Promise<void>;
  close(): void;
}

/** The provider refused this message for good (an unknown mailbox, a rejected message): retrying cannot help. */
export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export interface EmailChannelOptions {
  /** Short: a relay that is down or does not greet fails the attempt at once, before any message left. */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /**
   * Silence on an open connection for this long fails the send. Long, because the silence that
   * matters comes after the message's final dot: a relay may be committing it (a pre-queue
   * filter, a slow disk; Postfix allows its filters 100 s), and a client that leaves then and
   * retries sends a second copy (RFC 1047; RFC 5321 4.5.3.2 asks clients to wait 10 minutes).
   * The attempt keeps its lease meanwhile, so no retry sends it again.
   */
  socketTimeoutMs?: number;
  /** Connections kept open to the relay; sends beyond it queue for a free one. */
  maxConnections?: number;
}

export const EMAIL_TIMEOUTS = { connectionTimeoutMs: 5_000, greetingTimeoutMs: 5_000, socketTimeoutMs: 120_000 } as const;

/** SMTP stages whose 5xx answer is about this message or recipient; a 5xx elsewhere (authentication, the sender) is the service's own setup, fixed by an operator and retried. */
const MESSAGE_STAGES = new Set(['RCPT TO', 'DATA']);

function classified(err: unknown): unknown {
  const { responseCode, command } = (err ?? {}) as { responseCode?: number; command?: string };
  if (responseCode && responseCode >= 500 && responseCode < 600 && (!command || MESSAGE_STAGES.has(command))) {
    return new PermanentDeliveryError(err instanceof Error ? err.message : String(err), responseCode);
  }
  return err;
}

export function createEmailChannel(smtpUrl: string, from: string, options: EmailChannelOptions = {}): NotificationChannel {
  const timeouts = { ...EMAIL_TIMEOUTS, ...options };
  // An options object with `url`: a URL as the first argument makes the second the message
  // defaults, and the timeouts were silently ignored (nodemailer's own are 2 and 10 minutes).
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeouts.connectionTimeoutMs,
    greetingTimeout: timeouts.greetingTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
  });
  return {
    name: 'email',
    async send(message) {
      try {
        const info = await transport.sendMail({
          from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
        });
        return { accepted: (info.accepted?.length ?? 0) > 0, providerId: info.messageId };
      } catch (err) {
        throw classified(err);
      }
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
